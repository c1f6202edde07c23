-- @noindex
--[[
Cadenza for REAPER: starting `cadenza serve` when no daemon answers (the actions offer it).

The daemon runs detached through a launcher like the CLI's (see cli.lua): it keeps running
after the action, and the actions never stop a daemon, neither one they started nor another.
Loaded by cli.lua, which passes itself in: `dofile("serve.lua")(cli, read_file)` adds
`cli.is_local`, `cli.serve_launcher` and `cli.start_daemon`.
]]

return function(cli, read_file)
  --- Whether `host` is this computer: only a daemon here can be started by an action.
  function cli.is_local(host)
    return host == "127.0.0.1" or host == "localhost" or host == "::1"
  end

  cli.SERVE_READY_S = 120 -- loading the models can take a while on a slow computer

  --- The launcher that starts `cadenza serve` in the background, detached from the action (it
  --- keeps running when the action ends; the actions never stop it). Its files share `stem`:
  --- `-log.txt` (the daemon's output, where its `cadenza ready` line appears), `-err.txt`,
  --- `-pid` (POSIX), `-started` and `-exit` (written when the daemon ends).
  function cli.serve_launcher(exe, host, port, stem, windows)
    local args = { "serve", "--host", host, "--port", tostring(port) }
    local l = { started = stem .. "-started", exit = stem .. "-exit", err = stem .. "-err.txt",
                log = stem .. "-log.txt", pid = stem .. "-pid" }
    if windows then
      l.script = stem .. "-run.vbs"
      local parts = { cli.quote(exe, true) }
      for _, a in ipairs(args) do parts[#parts + 1] = cli.quote(a, true) end
      local line = 'cmd.exe /S /C "' .. table.concat(parts, " ") .. ' >"' .. l.log .. '" 2>"' .. l.err .. '""'
      cli.vbs_runner(l, line, "starts the Cadenza daemon hidden (window style 0); it keeps running.", exe, args)
    else
      l.script = stem .. "-run.sh"
      local parts = { "nohup", cli.sh_quote(exe) }
      for _, a in ipairs(args) do parts[#parts + 1] = cli.sh_quote(a) end
      l.text = table.concat({
        "# Cadenza for REAPER: starts the Cadenza daemon in the background; it keeps running.",
        "# command: " .. cli.command_line(exe, args, false),
        ": > " .. cli.sh_quote(l.started),
        table.concat(parts, " ") .. " < /dev/null > " .. cli.sh_quote(l.log) .. " 2> " .. cli.sh_quote(l.err) .. " &",
        "echo $! > " .. cli.sh_quote(l.pid),
        "wait $!",
        "echo $? > " .. cli.sh_quote(l.exit .. ".tmp") .. " && mv " .. cli.sh_quote(l.exit .. ".tmp") ..
          " " .. cli.sh_quote(l.exit),
        "",
      }, "\n")
      l.command = cli.command_line("/bin/sh", { l.script }, false)
    end
    return l
  end

  --- Start `cadenza serve` on host:port without waiting, and poll from `reaper.defer` until it
  --- prints its ready line. job = { exe, host, port, on_ready(), on_fail(msg) }. The daemon
  --- keeps running after the action: the actions never stop a daemon (neither this one nor one
  --- they did not start). Its log stays in the temporary folder (`cadenza-serve-PORT-log.txt`).
  function cli.start_daemon(job)
    local windows = cli.is_windows()
    local stem = string.format("%s%scadenza-serve-%d", cli.temp_dir(windows), windows and "\\" or "/", job.port)
    local l = cli.serve_launcher(job.exe, job.host, job.port, stem, windows)
    for _, path in ipairs({ l.started, l.exit, l.exit .. ".tmp", l.log, l.err, l.pid }) do os.remove(path) end
    local cmd = cli.command_line(job.exe, { "serve", "--host", job.host, "--port", tostring(job.port) }, windows)
    local f = io.open(l.script, "wb")
    if not f then
      job.on_fail("Cadenza could not write its launcher file:\n" .. l.script)
      return
    end
    f:write(l.text)
    f:close()
    if reaper.ExecProcess(l.command, -2) == nil then
      os.remove(l.script)
      job.on_fail("REAPER could not start the Cadenza daemon:\n" .. l.command)
      return
    end
    local started = reaper.time_precise()
    local function poll()
      local log = read_file(l.log) or ""
      if log:match("cadenza ready") then
        os.remove(l.script); os.remove(l.started)
        job.on_ready()
        return
      end
      local code = read_file(l.exit)
      local waited = reaper.time_precise() - started
      if code then
        local err_text = (read_file(l.err) or ""):gsub("%s+$", "")
        if #err_text > 600 then err_text = "..." .. err_text:sub(-600) end
        for _, path in ipairs({ l.script, l.started, l.exit, l.pid }) do os.remove(path) end
        local hint = err_text:match("cannot listen") and ("\n\nAnother program holds port " .. job.port ..
          ": set another port in 'Cadenza: Settings', or stop that program.") or ""
        job.on_fail(string.format("The Cadenza daemon stopped at once (exit code %s).%s%s\n\nThe command was:\n%s" ..
          "\n\nThe project was not changed.", code:gsub("%s+$", ""), err_text ~= "" and ("\n\nIt said:\n" .. err_text) or "",
          hint, cmd))
      elseif waited > cli.LAUNCH_GRACE_S and not reaper.file_exists(l.started) and not reaper.file_exists(l.log) then
        os.remove(l.script)
        job.on_fail("The Cadenza daemon did not start: REAPER ran\n" .. l.command .. "\n\nbut it did nothing " ..
          "within a second. Start it in a terminal instead:\n    " .. cmd .. "\n\nThe project was not changed.")
      elseif waited > cli.SERVE_READY_S then
        job.on_fail(string.format("The Cadenza daemon started but was not ready after %d seconds. Its output " ..
          "is in\n%s\n\nThe project was not changed.", cli.SERVE_READY_S, l.err))
      else
        reaper.defer(poll)
      end
    end
    reaper.defer(poll)
  end
end
