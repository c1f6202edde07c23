-- @noindex
--[[
Cadenza for REAPER: finding and running the `cadenza` command-line client.

Lua inside REAPER has no sockets, so the actions reach the daemon by running the CLI; the CLI
writes its JSON answer to a file atomically and the action polls for that file from
`reaper.defer`, so REAPER's UI never blocks.

The CLI is not started directly but through a small launcher file written next to the answer
file: `/bin/sh run.sh` on macOS and Linux, `wscript.exe //B run.vbs` on Windows (WScript.Shell's
Run with window style 0 starts the console program hidden: no console window flashes up). The
launcher first leaves a `-started` mark, then runs the CLI with its errors in `-err.txt`, then
writes the exit code to `-exit`. So an action knows within a poll or two that the program could
not start (exit code and error text, no answer) instead of waiting out the whole timeout, and
within a second that even the launcher did not run.

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

cli.LAUNCH_GRACE_S = 1.0 -- the launcher leaves its mark at once: no mark after this, it never ran
cli.EXIT_GRACE_S = 5.0 -- after the answer, how long to wait for the launcher's exit-code file to tidy it

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
    arg = arg:gsub("%%", "") -- cmd.exe expands %NAME% even inside quotes
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

--- A word for /bin/sh: single-quoted, a single quote written as '\''.
function cli.sh_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- A VBScript string literal.
function cli.vbs_string(s)
  return '"' .. tostring(s):gsub('"', '""') .. '"'
end

--- The Windows launcher: a VBScript that leaves the start mark, runs `line` hidden (window style
--- 0) and waits for it, then records its exit code (written beside, then moved, so a reader never
--- sees half a number); fills l.text and l.command (wscript.exe //B). Shared by the actions' CLI
--- runs and by the daemon start (serve.lua).
function cli.vbs_runner(l, line, what, exe, args)
  l.text = table.concat({
    "' Cadenza for REAPER: " .. what,
    "' command: " .. cli.command_line(exe, args, true),
    'Set fs = CreateObject("Scripting.FileSystemObject")',
    "fs.CreateTextFile(" .. cli.vbs_string(l.started) .. ", True).Close",
    'Set sh = CreateObject("WScript.Shell")',
    "code = sh.Run(" .. cli.vbs_string(line) .. ", 0, True)",
    "Set f = fs.CreateTextFile(" .. cli.vbs_string(l.exit .. ".tmp") .. ", True)",
    "f.WriteLine code",
    "f.Close",
    "fs.MoveFile " .. cli.vbs_string(l.exit .. ".tmp") .. ", " .. cli.vbs_string(l.exit),
    "",
  }, "\r\n")
  local wscript = (os.getenv("SystemRoot") or "C:\\Windows") .. "\\System32\\wscript.exe"
  l.command = cli.command_line(wscript, { "//B", "//Nologo", l.script }, true)
end

--- The launcher for one run: { script = path, text = its contents, command = what ExecProcess
--- runs, started = mark path, exit = exit-code path, err = error-output path }.
--- The plain cadenza command line (what a user would type) is kept in it as a comment.
--- `stdout` (optional): a file for the program's output (`cadenza models --json` prints its
--- answer); otherwise it is thrown away, since the CLI writes its own answer file.
function cli.launcher(exe, args, stem, windows, stdout)
  local l = { started = stem .. "-started", exit = stem .. "-exit", err = stem .. "-err.txt" }
  if windows then
    l.script = stem .. "-run.vbs"
    local parts = { cli.quote(exe, true) }
    for _, a in ipairs(args) do parts[#parts + 1] = cli.quote(a, true) end
    -- cmd.exe runs .exe and .bat/.cmd alike and does the redirection; /S keeps our quotes.
    local out = stdout and (' >"' .. stdout .. '"') or ""
    local line = 'cmd.exe /S /C "' .. table.concat(parts, " ") .. out .. ' 2>"' .. l.err .. '""'
    cli.vbs_runner(l, line, "runs the cadenza program hidden, then records its exit code.", exe, args)
  else
    l.script = stem .. "-run.sh"
    local parts = { cli.sh_quote(exe) }
    for _, a in ipairs(args) do parts[#parts + 1] = cli.sh_quote(a) end
    l.text = table.concat({
      "# Cadenza for REAPER: runs the cadenza program, then records its exit code.",
      "# command: " .. cli.command_line(exe, args, false),
      ": > " .. cli.sh_quote(l.started),
      table.concat(parts, " ") .. " 2> " .. cli.sh_quote(l.err) .. " < /dev/null > " ..
        (stdout and cli.sh_quote(stdout) or "/dev/null"),
      "echo $? > " .. cli.sh_quote(l.exit .. ".tmp") .. " && mv " .. cli.sh_quote(l.exit .. ".tmp") ..
        " " .. cli.sh_quote(l.exit),
      "",
    }, "\n")
    l.command = cli.command_line("/bin/sh", { l.script }, false)
  end
  return l
end

--- A whole file's bytes, or nil where it cannot be opened (the launcher's and the CLI's files).
function cli.read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end
local read_file = cli.read_file

--- What to tell the user when the program ended without an answer: exit code, its own error
--- output (last lines), and the likely fix.
function cli.start_failure(code, err_text, cmd)
  err_text = (err_text or ""):gsub("%s+$", "")
  if #err_text > 600 then err_text = "..." .. err_text:sub(-600) end
  local fix
  if code == 127 or code == 9009 then
    fix = "The program (or the Python it needs) was not found. Reinstall Cadenza, or set the full path " ..
      "of the `cadenza` program in 'Cadenza: Settings'."
  elseif code == 126 then
    fix = "The program cannot be run: make it executable, or check that the Python environment it " ..
      "belongs to still exists."
  elseif err_text:match("No module named") or err_text:match("ModuleNotFoundError") then
    fix = "The program's Python environment lacks Cadenza: install Cadenza into it again " ..
      "(`pip install -e .` in the Cadenza folder), or point 'Cadenza: Settings' at another `cadenza`."
  else
    fix = "Run the command in a terminal to see the whole message."
  end
  return string.format("The cadenza program stopped at once without an answer (exit code %s).\n\n%s%s\n\n" ..
    "The command was:\n%s\n\nThe project was not changed.", tostring(code),
    err_text ~= "" and ("It said:\n" .. err_text .. "\n\n") or "", fix, cmd)
end

local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
dofile(here .. "serve.lua")(cli, read_file)
local progress = dofile(here .. "progress.lua")

cli.CANCEL_GRACE_S = 10.0 -- after Cancel, how long to wait for the CLI to stop before tidying anyway

local counter = 0

--- A fresh pair of temporary file paths for one run: input notes and the JSON answer (the
--- launcher's files share their stem).
function cli.temp_paths(windows)
  counter = counter + 1
  local sep = windows and "\\" or "/"
  local stem = string.format("%s%scadenza-%d-%d-%06d", cli.temp_dir(windows), sep, os.time(), counter,
    math.random(0, 999999))
  return stem .. "-in.json", stem .. "-out.json"
end

--- The CLI's --progress and --cancel-file paths for the run whose answer goes to `out`.
function cli.side_paths(out)
  local stem = out:gsub("%-out%.json$", "")
  return stem .. "-progress.txt", stem .. "-cancel"
end

--- Start the CLI through its launcher without waiting, and poll for its answer file from
--- `reaper.defer`. job = { exe, args, out, input or inputs (optional: the file, or the list of
--- files, written for the CLI; removed with the rest), deadline (seconds), on_text(text),
--- on_timeout(cmd), on_fail(msg), title (optional: show the progress window under it),
--- on_cancel() (optional) }. The args must carry --progress and --cancel-file with
--- `cli.side_paths(out)`. Cancel (in the window) stops polling for the answer: the cancel file
--- tells the CLI to cancel the request, nothing is handed to `on_text`, and the files are
--- tidied once the CLI has stopped. Every temporary file is removed once the answer (or the
--- failure, the deadline, the cancel) came. Returns the plain command line.
function cli.start(job)
  local windows = cli.is_windows()
  local cmd = cli.command_line(job.exe, job.args, windows)
  local stem = job.out:gsub("%-out%.json$", "")
  local l = cli.launcher(job.exe, job.args, stem, windows)
  local progress_path, cancel_path = cli.side_paths(job.out)
  local window = job.title and progress.new(job.title)
  local function cleanup()
    if window then window:close() end
    if job.input then os.remove(job.input) end
    for _, path in ipairs(job.inputs or {}) do os.remove(path) end
    for _, path in ipairs({ l.script, l.started, l.exit, l.exit .. ".tmp", l.err, progress_path, cancel_path }) do
      os.remove(path)
    end
  end
  local f = io.open(l.script, "wb")
  if not f then
    cleanup()
    job.on_fail("Cadenza could not write its launcher file:\n" .. l.script ..
      "\n\nCheck that the temporary folder exists and is writable.")
    return cmd
  end
  f:write(l.text)
  f:close()
  if reaper.ExecProcess(l.command, -2) == nil then
    cleanup()
    job.on_fail("REAPER could not start the cadenza program:\n" .. l.command)
    return cmd
  end
  local started = reaper.time_precise()
  local function tidy_after_exit(since)
    -- The launcher writes the exit code just after the answer: wait for it (a few seconds at
    -- most) so no file of ours is left behind in the temporary folder.
    local seen = reaper.file_exists(l.exit)
    cleanup()
    if not seen and reaper.time_precise() - since < cli.EXIT_GRACE_S then
      reaper.defer(function() tidy_after_exit(since) end)
    end
  end
  local function finish_with_answer()
    local text = read_file(job.out)
    if not text then return false end
    os.remove(job.out)
    cleanup()
    job.on_text(text)
    tidy_after_exit(reaper.time_precise())
    return true
  end
  local function tidy_after_cancel(since)
    -- The CLI cancels the request and writes its "cancelled" answer, then the launcher its exit
    -- code: wait for that (CANCEL_GRACE_S at most), read nothing, remove every file.
    if reaper.file_exists(l.exit) or reaper.time_precise() - since > cli.CANCEL_GRACE_S then
      os.remove(job.out)
      cleanup()
    else
      reaper.defer(function() tidy_after_cancel(since) end)
    end
  end
  local function poll()
    if finish_with_answer() then return end
    local code = read_file(l.exit)
    if code then
      -- The answer is written before the exit code: look once more, then it is a failure.
      if finish_with_answer() then return end
      local err_text = read_file(l.err)
      cleanup()
      job.on_fail(cli.start_failure(tonumber(code:match("%-?%d+")) or code:gsub("%s+$", ""), err_text, cmd))
      return
    end
    local fraction = tonumber((read_file(progress_path) or ""):match("^%s*([%d%.]+)") or "")
    if window and window:tick(fraction) then
      window:close()
      local mark = io.open(cancel_path, "wb")
      if mark then mark:close() end
      if job.on_cancel then job.on_cancel() end
      tidy_after_cancel(reaper.time_precise())
      return
    end
    local waited = reaper.time_precise() - started
    if waited > cli.LAUNCH_GRACE_S and not reaper.file_exists(l.started) then
      cleanup()
      job.on_fail("The cadenza program did not start: REAPER ran\n" .. l.command .. "\n\nbut it did " ..
        "nothing within a second. " .. (windows and "Windows Script Host (wscript.exe) may be turned " ..
        "off on this computer; ask whoever manages it, or run the command below in a terminal." or
        "Check that /bin/sh exists and the temporary folder is writable.") ..
        "\n\nThe cadenza command was:\n" .. cmd .. "\n\nThe project was not changed.")
    elseif waited > job.deadline then
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
