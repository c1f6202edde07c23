-- @noindex
--[[
Cadenza for REAPER: finding and running the `cadenza` command-line client.

Lua inside REAPER has no sockets, so the actions reach the daemon by running the CLI with
`reaper.ExecProcess(cmd, -2)`: it returns at once (and keeps a Windows console minimised);
the CLI writes its JSON answer to a file atomically and the action polls for that file from
`reaper.defer`, so REAPER's UI never blocks.

Command lines: REAPER does not hand the line to a shell. On Windows it goes to CreateProcess
and the program splits it with the usual C runtime rules; on macOS and Linux REAPER splits it
itself on spaces, honouring '...', "..." and `...` quoting. Wrapping each argument that needs
it in double quotes, with no double quote, backtick, dollar or (outside Windows) backslash
inside, reads the same under all of these and under /bin/sh.
]]

local cli = {}

cli.PYTHON_VERSIONS = { "3.14", "3.13", "3.12", "3.11", "3.10" }

function cli.is_windows(os_name)
  return (os_name or reaper.GetOS()):match("^Win") ~= nil
end

--- Where `cadenza` usually lands, most specific first: the PATH, then pipx / pip --user /
--- Homebrew / python.org / virtual-environment locations. `getenv` is injectable for tests.
function cli.candidates(os_name, getenv)
  getenv = getenv or os.getenv
  local out, seen = {}, {}
  local function add(path)
    if path and path ~= "" and not seen[path] then
      seen[path] = true
      out[#out + 1] = path
    end
  end
  if cli.is_windows(os_name) then
    for dir in (getenv("PATH") or ""):gmatch("[^;]+") do
      dir = dir:gsub('"', ""):gsub("\\+$", "")
      if dir ~= "" then add(dir .. "\\cadenza.exe") end
    end
    local home, appdata, local_appdata = getenv("USERPROFILE"), getenv("APPDATA"), getenv("LOCALAPPDATA")
    if home then add(home .. "\\.local\\bin\\cadenza.exe") end -- pipx
    for _, v in ipairs(cli.PYTHON_VERSIONS) do
      local short = v:gsub("%.", "")
      if appdata then add(appdata .. "\\Python\\Python" .. short .. "\\Scripts\\cadenza.exe") end -- pip --user
      if local_appdata then
        add(local_appdata .. "\\Programs\\Python\\Python" .. short .. "\\Scripts\\cadenza.exe") -- python.org
      end
    end
    if home then
      add(home .. "\\pipx\\venvs\\cadenza\\Scripts\\cadenza.exe")
      add(home .. "\\.venv\\Scripts\\cadenza.exe")
      add(home .. "\\cadenza\\.venv\\Scripts\\cadenza.exe")
      add(home .. "\\miniconda3\\Scripts\\cadenza.exe")
      add(home .. "\\anaconda3\\Scripts\\cadenza.exe")
    end
  else
    -- A REAPER started from the macOS Dock gets a bare PATH, hence the explicit places after it.
    for dir in (getenv("PATH") or ""):gmatch("[^:]+") do add(dir:gsub("/+$", "") .. "/cadenza") end
    local home = getenv("HOME")
    if home then add(home .. "/.local/bin/cadenza") end -- pipx and pip --user on Linux
    add("/opt/homebrew/bin/cadenza")
    add("/usr/local/bin/cadenza")
    add("/usr/bin/cadenza")
    if home then
      for _, v in ipairs(cli.PYTHON_VERSIONS) do add(home .. "/Library/Python/" .. v .. "/bin/cadenza") end
      add(home .. "/.local/pipx/venvs/cadenza/bin/cadenza")
      add(home .. "/.pyenv/shims/cadenza")
      add(home .. "/.venv/bin/cadenza")
      add(home .. "/cadenza/.venv/bin/cadenza")
      add(home .. "/miniforge3/bin/cadenza")
      add(home .. "/miniconda3/bin/cadenza")
      add(home .. "/anaconda3/bin/cadenza")
    end
  end
  return out
end

--- The cadenza program to run: the path from Settings, or the first candidate that exists.
--- Returns the path, or nil and a message that says how to fix it.
function cli.find(configured)
  if configured and configured ~= "" then
    if reaper.file_exists(configured) then return configured end
    return nil, "The cadenza program set in 'Cadenza: Settings' does not exist:\n" .. configured ..
      "\n\nFix the path there, or clear it to let the actions look in the usual places."
  end
  local looked = cli.candidates()
  for _, path in ipairs(looked) do
    if reaper.file_exists(path) then return path end
  end
  return nil, "Cannot find the cadenza program.\n\nInstall Cadenza (for example `pipx install cadenza`, " ..
    "or `pip install -e .` in its folder), or set the full path of the `cadenza` program in " ..
    "'Cadenza: Settings' (in a terminal, `which cadenza` on macOS/Linux or `where cadenza` on " ..
    "Windows prints it).\n\nLooked in the PATH and " .. #looked .. " usual install places."
end

--- Make free text safe for any of the command-line readers above.
function cli.clean_text(s)
  return (tostring(s):gsub("[%c]", " "):gsub('["`]', "'"):gsub("[$\\]", ""))
end

--- Quote one argument. Paths keep their backslashes on Windows.
function cli.quote(arg, windows)
  arg = tostring(arg)
  local plain = windows and "^[%w%-%._/:=,+@\\]+$" or "^[%w%-%._/:=,+@]+$"
  if arg:match(plain) then return arg end
  arg = arg:gsub("[%c]", " "):gsub('["`]', "'")
  if not windows then
    arg = arg:gsub("[$\\]", "")
  else
    -- The C runtime reads backslashes before a closing quote as escapes: double them there.
    arg = arg:gsub("(\\+)$", "%1%1")
  end
  return '"' .. arg .. '"'
end

--- The full command line for `exe` and its argument list.
function cli.command_line(exe, args, windows)
  local parts = { cli.quote(exe, windows) }
  for _, a in ipairs(args) do parts[#parts + 1] = cli.quote(a, windows) end
  local line = table.concat(parts, " ")
  local ext = exe:lower():match("%.%w+$")
  if windows and (ext == ".bat" or ext == ".cmd") then
    -- A .bat/.cmd wrapper (conda) needs cmd.exe; /S keeps our quotes as they are.
    line = 'cmd.exe /S /C "' .. line .. '"'
  end
  return line
end

function cli.temp_dir(windows)
  local dir
  if windows then
    dir = os.getenv("TEMP") or os.getenv("TMP") or reaper.GetResourcePath()
  else
    dir = os.getenv("TMPDIR") or "/tmp"
  end
  return (dir:gsub("[/\\]+$", ""))
end

local counter = 0

--- A fresh pair of temporary file paths for one run: input notes and the JSON answer.
function cli.temp_paths(windows)
  counter = counter + 1
  local sep = windows and "\\" or "/"
  local stem = string.format("%s%scadenza-%d-%d-%06d", cli.temp_dir(windows), sep, os.time(), counter,
    math.random(0, 999999))
  return stem .. "-in.json", stem .. "-out.json"
end

--- Start the CLI without waiting and poll for its answer file from `reaper.defer`.
--- job = { exe, args, out, input (optional), deadline (seconds), on_text(text), on_timeout(cmd),
---         on_fail(msg) }. Temporary files are removed once the answer (or the deadline) came.
function cli.start(job)
  local windows = cli.is_windows()
  local cmd = cli.command_line(job.exe, job.args, windows)
  local function cleanup()
    if job.input then os.remove(job.input) end
  end
  if reaper.ExecProcess(cmd, -2) == nil then
    cleanup()
    job.on_fail("REAPER could not start the cadenza program:\n" .. cmd)
    return cmd
  end
  local started = reaper.time_precise()
  local function poll()
    local f = io.open(job.out, "rb")
    if f then
      local text = f:read("a")
      f:close()
      os.remove(job.out)
      cleanup()
      job.on_text(text)
    elseif reaper.time_precise() - started > job.deadline then
      cleanup()
      job.on_timeout(cmd)
    else
      reaper.defer(poll)
    end
  end
  reaper.defer(poll)
  return cmd
end

return cli
