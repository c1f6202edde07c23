-- @noindex
--[[
Cadenza for REAPER: the model menu of 'Cadenza: Settings'.

REAPER's input dialog (GetUserInputs) has text fields only, so the model is chosen from a popup
menu (`gfx.showmenu`) at the mouse instead, filled from the running daemon's own list:
`cadenza models --json` (the daemon's /cadenza/models replies), run through the library's
launcher (cli.lua) with its output kept in a file and polled from `reaper.defer`, so REAPER never
blocks. The first entry, "(the daemon's default)", means a blank model setting. Where the
daemon does not answer, the caller says so and the Model text field of the dialog stays the way
to set it.

Loaded by cadenza_lib.lua: `dofile("models.lua")(C)` returns the module.
]]

return function(C)
  local cli, json = C.cli, C.json
  local models = {}

  models.DEFAULT_ENTRY = "(the daemon's default)" -- the first entry: a blank model setting
  models.DEADLINE_S = 20 -- the CLI gives up on the daemon after 5 s; this leaves time to start Python

  local read_file = cli.read_file

  --- Check `cadenza models --json`'s output: a list of {name, engine, default (1 for the
  --- default model), eval (optional)}. Returns the rows, or nil and a message.
  function models.parse(text)
    local rows, err = json.decode(text or "")
    if rows == nil then return nil, "its answer is not valid JSON (" .. err .. ")" end
    if type(rows) ~= "table" or #rows == 0 then return nil, "its answer is not a list of models" end
    for i, r in ipairs(rows) do
      if type(r) ~= "table" or type(r.name) ~= "string" or r.name == "" or type(r.engine) ~= "string" then
        return nil, string.format("model %d of its answer has no name and engine", i)
      end
    end
    return rows
  end

  -- Menu text must not hold "|" (the field separator) nor start with a flag character
  -- (# greyed, ! checked, > and < submenus).
  local function menu_text(s)
    return (tostring(s):gsub("[|%c]", " "):gsub("^[#!<>%s]+", ""))
  end

  --- True when the daemon lists `interpolate` among the model's operations (the `operations`
  --- extension of /cadenza/model: "generate,continue,...").
  function models.can(row, operation)
    if type(row.operations) ~= "string" then return false end
    for op in row.operations:gmatch("[^,%s]+") do
      if op == operation then return true end
    end
    return false
  end

  --- One model's entry: its name, then its engine, whether it is the default, its eval status
  --- when the daemon reports one, and whether it can interpolate:
  --- "transformer (transformer, the daemon's default, eval ok)", "vae (vae, eval ok, interpolates)".
  function models.label(row)
    local about = { row.engine }
    if row.default == 1 or row.default == true then about[#about + 1] = "the daemon's default" end
    if type(row.eval) == "string" and row.eval ~= "" then about[#about + 1] = "eval " .. row.eval end
    if models.can(row, "interpolate") then about[#about + 1] = "interpolates" end
    if models.can(row, "accompany") then about[#about + 1] = "accompanies" end
    return menu_text(row.name .. " (" .. table.concat(about, ", ") .. ")")
  end

  --- The menu for `rows` with `current` (the saved model, "" for the default) checked.
  --- Returns the menu string and the setting each entry stands for (index = showmenu's answer).
  --- A saved model this daemon does not serve is shown last, greyed out, so the user sees why
  --- nothing is checked (last, so it can shift no other entry's number).
  function models.menu(rows, current)
    local entries, values = {}, {}
    local function add(text, value, checked)
      entries[#entries + 1] = (checked and "!" or "") .. text
      values[#values + 1] = value
    end
    add(models.DEFAULT_ENTRY, "", current == "")
    local served = false
    for _, r in ipairs(rows) do
      add(models.label(r), r.name, r.name == current)
      served = served or r.name == current
    end
    if current ~= "" and not served then
      entries[#entries + 1] = "#" .. menu_text(current .. " (saved, but this daemon does not serve it)")
    end
    return table.concat(entries, "|"), values
  end

  --- Show `menu` as a popup at the mouse. gfx.showmenu needs a gfx window (REAPER before 6.82
  --- on Windows shows nothing without one): a 0x0 one at the mouse, closed at once. Returns
  --- showmenu's answer: 0 for nothing chosen, else the entry's number from 1.
  function models.popup(title, menu)
    local x, y = reaper.GetMousePosition()
    gfx.init(title, 0, 0, 0, x, y)
    gfx.x, gfx.y = gfx.screentoclient(x, y)
    local choice = gfx.showmenu(menu)
    gfx.quit()
    return math.tointeger(choice) or 0
  end

  --- Ask the daemon at cfg.host:cfg.port for its models through `exe`, without blocking.
  --- job = { exe, cfg, on_rows(rows), on_fail(message) }; the message is the CLI's own words
  --- when it ran (e.g. "Cadenza daemon not running on ..."), or what kept it from running.
  function models.query(job)
    local windows = cli.is_windows()
    local _, out = cli.temp_paths(windows)
    local stem = out:gsub("%-out%.json$", "")
    local args = { "models", "--json", "--host", job.cfg.host, "--port", tostring(job.cfg.port) }
    local cmd = cli.command_line(job.exe, args, windows)
    local l = cli.launcher(job.exe, args, stem, windows, out)
    local function cleanup()
      for _, path in ipairs({ l.script, l.started, l.exit, l.exit .. ".tmp", l.err, out }) do os.remove(path) end
    end
    local f = io.open(l.script, "wb")
    if not f then
      job.on_fail("Cadenza could not write its launcher file:\n" .. l.script)
      return
    end
    f:write(l.text)
    f:close()
    if reaper.ExecProcess(l.command, -2) == nil then
      cleanup()
      job.on_fail("REAPER could not start the cadenza program:\n" .. l.command)
      return
    end
    local started = reaper.time_precise()
    local function poll()
      local code = read_file(l.exit) -- written once the program has ended and its output is complete
      local waited = reaper.time_precise() - started
      if code then
        code = tonumber(code:match("%-?%d+")) or code:gsub("%s+$", "")
        local text, err_text = read_file(out), (read_file(l.err) or ""):gsub("%s+$", "")
        cleanup()
        if code ~= 0 then
          local said = err_text:match("cadenza: ([^\n]+)%s*$")
          if code == 1 and said then job.on_fail(said) return end -- the CLI's own clean message
          job.on_fail(cli.start_failure(code, err_text, cmd))
          return
        end
        local rows, why = models.parse(text)
        if not rows then job.on_fail("`" .. cmd .. "` answered something unexpected: " .. why) return end
        job.on_rows(rows)
      elseif waited > cli.LAUNCH_GRACE_S and not reaper.file_exists(l.started) then
        cleanup()
        job.on_fail("The cadenza program did not start: REAPER ran\n" .. l.command ..
          "\n\nbut it did nothing within a second.")
      elseif waited > models.DEADLINE_S then
        cleanup()
        job.on_fail(string.format("`%s` gave no answer within %d seconds.", cmd, models.DEADLINE_S))
      else
        reaper.defer(poll)
      end
    end
    reaper.defer(poll)
  end

  --- The whole choice: find the program, ask the daemon, show the menu, save the choice.
  --- `fallback(message)` runs where the daemon cannot be asked (the caller then offers the
  --- Model text field); choosing nothing changes nothing.
  function models.choose(title, fallback)
    local cfg = C.settings.load()
    local exe, why = cli.find(cfg.cadenza_path)
    if not exe then fallback(why) return end
    models.query({
      exe = exe, cfg = cfg, on_fail = fallback,
      on_rows = function(rows)
        local menu, values = models.menu(rows, cfg.model)
        local value = values[models.popup(title, menu)]
        if value ~= nil then C.settings.set("model", value) end
      end,
    })
  end

  return models
end
