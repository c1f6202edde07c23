-- @description Cadenza: shared library (needed by every Cadenza action)
-- @version 1.11.0
-- @author Cadenza contributors
-- @about
--   # Cadenza shared library
--
--   Code the Cadenza actions share: settings, the model menu, finding and running the
--   `cadenza` program, the progress window with its Cancel button, reading its JSON answer
--   and placing notes in the project. It registers no action; install it together with the
--   Cadenza actions.
-- @changelog
--   Accompany's dialog asks how closely the part fits the other tracks (Fit 0-2, blank: the
--   model's), sent as `cadenza accompany --fit`.
--   For 'Cadenza - Band loop on the selected tracks': `cadenza generate --roles ...` (no --role),
--   each answer clip's part and take read from the answer, what a track plays
--   (cadenza/context.lua, role_of: saved, named or guessed from its notes), and the Band dialog
--   page (parts, model). (1.9.0: `cadenza groove` and `cadenza drumify` for the Groove and
--   Drumify actions, the Groove dialog page, C.ask_page.)
-- @provides
--   [nomain] .
--   [nomain] cadenza/json.lua
--   [nomain] cadenza/settings.lua
--   [nomain] cadenza/cli.lua
--   [nomain] cadenza/midi.lua
--   [nomain] cadenza/serve.lua
--   [nomain] cadenza/progress.lua
--   [nomain] cadenza/models.lua
--   [nomain] cadenza/context.lua

--[[
The flow every action follows (see `C.run`): read the settings, find the program, let the
action read the project (`prepare`), start the CLI, poll for its answer, check the answer
completely, and only then change the project, all inside one undo block named after the
action. Anything wrong before that point shows a message and changes nothing.
]]

local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""

local C = {}
C.VERSION = "1.10.0"
C.TITLE = "Cadenza"
C.json = dofile(here .. "cadenza/json.lua")
C.settings = dofile(here .. "cadenza/settings.lua")
C.cli = dofile(here .. "cadenza/cli.lua")
C.midi = dofile(here .. "cadenza/midi.lua")
C.models = dofile(here .. "cadenza/models.lua")(C)
C.context = dofile(here .. "cadenza/context.lua")

local json = C.json
math.randomseed(os.time(), math.floor((reaper.time_precise() % 1) * 1e6))

function C.message(text, title)
  reaper.ShowMessageBox(text, title or C.TITLE, 0)
end

local function is_int_in(v, lo, hi)
  return math.type(v) == "integer" and v >= lo and v <= hi
    or (type(v) == "number" and v == math.floor(v) and v >= lo and v <= hi)
end

local function is_finite(v) return type(v) == "number" and v == v and v > -math.huge and v < math.huge end

--- Check one answer completely. Returns a list of variations {notes = {{pitch, start,
--- duration, velocity} as named fields}, length_beats}, or nil, a message and the error code.
function C.parse_answer(text)
  local r, err = json.decode(text)
  if r == nil then return nil, "Cadenza's answer is not valid JSON (" .. err .. ").", "malformed" end
  if type(r) ~= "table" then return nil, "Cadenza's answer is not a JSON object.", "malformed" end
  if r.ok == false then
    local e = type(r.error) == "table" and r.error or {}
    local code = type(e.code) == "string" and e.code or "error"
    local msg = type(e.message) == "string" and e.message or "no message"
    return nil, msg, code
  end
  if r.ok ~= true then return nil, "Cadenza's answer has no \"ok\": true.", "malformed" end
  if type(r.variations) ~= "table" or #r.variations == 0 then
    return nil, "Cadenza's answer holds no variations.", "malformed"
  end
  local out = {}
  for vi, v in ipairs(r.variations) do
    if type(v) ~= "table" or type(v.notes) ~= "table" then
      return nil, string.format("variation %d of Cadenza's answer has no notes list.", vi), "malformed"
    end
    local notes = {}
    for ni, n in ipairs(v.notes) do
      local bad = type(n) ~= "table" or #n ~= 4 or not is_int_in(n[1], 0, 127) or not is_finite(n[2])
        or n[2] < 0 or not is_finite(n[3]) or n[3] <= 0 or not is_int_in(n[4], 1, 127)
      if bad then
        return nil, string.format("note %d of variation %d in Cadenza's answer is not [pitch 0-127, "
          .. "start >= 0, duration > 0, velocity 1-127]: %s", ni, vi, json.encode(n)), "malformed"
      end
      notes[ni] = { pitch = math.tointeger(n[1]), start = n[2], duration = n[3], velocity = math.tointeger(n[4]) }
    end
    local length = is_finite(v.length_beats) and v.length_beats > 0 and v.length_beats or nil
    -- a band's clips each say their part and take (docs/PROTOCOL.md, Band)
    out[vi] = { notes = notes, length_beats = length, role = type(v.role) == "string" and v.role or nil,
                take = math.type(v.take) == "integer" and v.take or nil }
  end
  return out
end

-- Settings -> CLI options shared by every operation (values checked by settings.lua).
-- Interpolate (`cadenza interpolate --a A --b B --steps N`) takes every common option but
-- --variations (its answers are its steps); its role defaults to clip a's at the daemon
-- (drums when a is drums), and its model is the one asked for in its own dialog (blank: the
-- daemon picks a model that can interpolate), not the Settings model, which may not.
-- Accompany's role and model are likewise those of its own dialog.
local OWN_MODEL = { interpolate = "interpolate_model", accompany = "accompany_model", band = "band_model" }

-- Groove (`cadenza groove`) keeps the clip's bars, key and meter and takes only these: what the
-- clip plays, how much feel and whose, from its own dialog; blank model: the daemon picks one
-- that grooves.
local function groove_args(cfg)
  local a = { "groove", "--host", cfg.host, "--port", tostring(cfg.port), "--role", cfg.groove_role,
              "--amount", string.format("%g", cfg.groove_amount), "--swing", string.format("%g", cfg.groove_swing),
              "--temperature", string.format("%g", cfg.temperature), "--variations", tostring(cfg.variations),
              "--timeout", tostring(cfg.timeout) }
  for _, pair in ipairs({ { "--style", "groove_style" }, { "--model", "groove_model" } }) do
    local flag, key = pair[1], pair[2]
    local v = C.cli.clean_text(cfg[key] or "")
    if v ~= "" then a[#a + 1] = flag; a[#a + 1] = v end
  end
  if cfg.seed ~= nil and cfg.seed ~= "" then a[#a + 1] = "--seed"; a[#a + 1] = tostring(cfg.seed) end
  return a
end

-- Drumify (`cadenza drumify`) is restyle role drums preserve rhythm: no --role, --preserve or
-- --key (a kit has none); the Settings model, when one is set, else the daemon's pick.
local function common_args(op, cfg)
  if op == "groove" then return groove_args(cfg) end
  local interpolate = op == "interpolate"
  -- a band is `cadenza generate --roles ...` (the action passes --roles; no single --role)
  local a = { op == "band" and "generate" or op, "--host", cfg.host, "--port", tostring(cfg.port) }
  local function add(flag, value) a[#a + 1] = flag; a[#a + 1] = value end
  if not interpolate and op ~= "drumify" and op ~= "band" then add("--role", op == "accompany" and cfg.accompany_role or cfg.role) end
  add("--temperature", string.format("%g", cfg.temperature))
  if interpolate then
    add("--steps", tostring(cfg.steps))
  else
    add("--variations", tostring(cfg.variations))
  end
  add("--timeout", tostring(cfg.timeout))
  for _, key in ipairs({ "model", "style", "mood", op ~= "drumify" and "key" or nil }) do
    local own = key == "model" and OWN_MODEL[op]
    local v = C.cli.clean_text((own and cfg[own] or cfg[key]) or "")
    if v ~= "" then a[#a + 1] = "--" .. key; a[#a + 1] = v end
  end
  local prompt = C.cli.clean_text(cfg.prompt or "")
  if prompt ~= "" then add("--prompt", prompt) end
  if cfg.seed ~= nil and cfg.seed ~= "" then add("--seed", tostring(cfg.seed)) end
  if cfg.top_p and math.abs(cfg.top_p - C.settings.TOP_P_DEFAULT) > 1e-9 then
    add("--top-p", string.format("%g", cfg.top_p))
  end
  if cfg.guidance ~= nil and cfg.guidance ~= "" then add("--guidance", string.format("%g", cfg.guidance)) end
  if cfg.density ~= nil and cfg.density ~= "" then add("--density", string.format("%g", cfg.density)) end
  local low = math.min(cfg.pitch_low or 0, cfg.pitch_high or 127)
  local high = math.max(cfg.pitch_low or 0, cfg.pitch_high or 127)
  if low > 0 or high < 127 then
    add("--pitch-low", tostring(math.tointeger(low))); add("--pitch-high", tostring(math.tointeger(high)))
  end
  if cfg.scale_lock == "yes" and op ~= "drumify" then a[#a + 1] = "--scale-lock" end
  if op == "accompany" and cfg.accompany_fit ~= nil and cfg.accompany_fit ~= "" then
    add("--fit", string.format("%g", cfg.accompany_fit))
  end
  if op == "restyle" or op == "drumify" then add("--strength", string.format("%g", cfg.strength)) end
  if op == "restyle" then add("--preserve", cfg.preserve or "rhythm") end
  return a
end

--- The MIDI channel for a role: drums go to channel 10 (index 9), everything else to 1.
function C.channel_for(cfg) return cfg.role == "drums" and 9 or 0 end

--- Run the daemon-down / error / timeout messages through one place.
local function failure_text(title, msg, code, cfg)
  if code == "unavailable" then
    return msg .. "\n\nStart the daemon in a terminal with:\n    cadenza serve --host " .. cfg.host ..
      " --port " .. cfg.port .. "\nthen run '" .. title .. "' again."
  elseif code == "malformed" then
    return msg .. "\n\nThe project was not changed. Check that the cadenza program and the daemon " ..
      "are the same version."
  end
  local plain = msg:sub(1, #code + 2) == code .. ": " and msg:sub(#code + 3) or msg
  return "Cadenza could not do it: " .. plain .. " (" .. code .. ")\n\nThe project was not changed."
end

--- Apply inside one undo block; an error in `apply` still closes the block and is reported.
function C.apply_in_undo_block(title, apply)
  reaper.PreventUIRefresh(1)
  reaper.Undo_BeginBlock()
  local ok, err = xpcall(apply, debug.traceback)
  reaper.Undo_EndBlock(title, -1)
  reaper.PreventUIRefresh(-1)
  reaper.UpdateArrange()
  if not ok then C.message("Cadenza could not finish '" .. title .. "':\n" .. tostring(err), title) end
  return ok
end

--- The whole flow of an action.
--- spec = { title, operation, prepare = function(cfg) -> plan | nil, message }
--- plan = { args = {extra CLI args}, input = clip table or nil (sent as --in),
---          inputs = { {flag = "--a", clip = clip table}, ... } or nil (each its own file;
---                     `tag` names the file when a flag repeats, `prefix` goes before its path:
---                     {flag = "--context", tag = "c1", prefix = "melody=", clip = ...}),
---          check = function() -> nil or message (what was captured still exists?),
---          apply = function(variations) (runs inside the undo block) }
function C.run(spec)
  local title = spec.title
  local cfg = C.settings.load()
  local exe, why = C.cli.find(cfg.cadenza_path)
  if not exe then C.message(why, title) return false end
  local plan, msg = spec.prepare(cfg)
  if not plan then
    if msg then C.message(msg, title) end -- no message: the user cancelled a dialog of the action
    return false
  end

  return C.ask(spec, cfg, exe, plan, true)
end

--- The daemon is not running: offer to start it (only on this computer, and only once per
--- run), then ask again. A daemon is never stopped by an action, neither this one nor another.
local function offer_to_start(spec, cfg, exe, plan, msg)
  local title = spec.title
  local how = "cadenza serve --host " .. cfg.host .. " --port " .. cfg.port
  if not C.cli.is_local(cfg.host) then
    C.message(failure_text(title, msg, "unavailable", cfg), title)
    return
  end
  local answer = reaper.ShowMessageBox(msg .. "\n\nStart it now? Cadenza will run\n    " .. how ..
    "\nin the background (it keeps running for the next actions; quit it from its process, or " ..
    "log out, to stop it), then run '" .. title .. "' again.\n\nNo: start it yourself in a terminal with " ..
    "that command, then run '" .. title .. "' again.", title, 4)
  if answer ~= 6 then return end
  C.cli.start_daemon({
    exe = exe, host = cfg.host, port = cfg.port,
    on_ready = function() C.ask(spec, cfg, exe, plan, false) end,
    on_fail = function(m) C.message(m, title) end,
  })
end

--- Run the CLI for a prepared plan and apply its answer. `may_start`: offer to start the
--- daemon when it does not answer.
function C.ask(spec, cfg, exe, plan, may_start)
  local title = spec.title
  local windows = C.cli.is_windows()
  local in_path, out_path = C.cli.temp_paths(windows)
  local args = common_args(spec.operation, cfg)
  for _, a in ipairs(plan.args or {}) do args[#args + 1] = a end
  local uploads = {}
  if plan.input then uploads[1] = { flag = "--in", clip = plan.input, path = in_path } end
  for _, u in ipairs(plan.inputs or {}) do
    -- "--a" -> "...-a.json" beside the answer file, so the temporary files share one stem
    local stem = "-" .. (u.tag or u.flag:gsub("^%-+", ""))
    uploads[#uploads + 1] = { flag = u.flag, clip = u.clip, prefix = u.prefix,
                              path = (in_path:gsub("%-in%.json$", stem .. ".json")) }
  end
  local written = {}
  for _, u in ipairs(uploads) do
    local f, err = io.open(u.path, "wb")
    if not f then
      for _, path in ipairs(written) do os.remove(path) end
      C.message("Cannot write the notes for Cadenza to " .. u.path .. ": " .. tostring(err), title)
      return false
    end
    f:write(json.encode(u.clip))
    f:close()
    written[#written + 1] = u.path
    args[#args + 1] = u.flag; args[#args + 1] = (u.prefix or "") .. u.path
  end
  args[#args + 1] = "--out"; args[#args + 1] = out_path
  -- The progress window reads the CLI's --progress file; its Cancel creates the --cancel-file.
  local progress_path, cancel_path = C.cli.side_paths(out_path)
  args[#args + 1] = "--progress"; args[#args + 1] = progress_path
  args[#args + 1] = "--cancel-file"; args[#args + 1] = cancel_path

  C.cli.start({
    exe = exe, args = args, out = out_path, inputs = written, title = title,
    deadline = cfg.timeout + 15, -- the CLI's own timeout, plus time to start and to write
    on_fail = function(m) C.message(m, title) end,
    on_timeout = function(cmd)
      C.message(string.format("Cadenza did not answer within %d seconds. The project was not changed.\n\n" ..
        "The command was:\n%s\n\nRun it in a terminal to see what goes wrong, or raise the timeout in " ..
        "'Cadenza: Settings'.", cfg.timeout + 15, cmd), title)
    end,
    on_text = function(text)
      local variations, err, code = C.parse_answer(text)
      if not variations and code == "unavailable" and may_start then
        offer_to_start(spec, cfg, exe, plan, err)
        return
      end
      if not variations then C.message(failure_text(title, err, code, cfg), title) return end
      local stale = plan.check and plan.check()
      if stale then C.message(stale .. "\n\nThe project was not changed.", title) return end
      C.apply_in_undo_block(title, function() plan.apply(variations) end)
    end,
  })
  return true
end

--- Ask an action's own dialog page (settings.PAGES) with the values in `cfg` (the last answers);
--- the typed answers go into `cfg` and are saved as the next defaults. False when cancelled.
function C.ask_page(title, cfg, page)
  local S = C.settings
  local answer = S.as_csv(cfg, page)
  while true do
    local ok, text = reaper.GetUserInputs(title, S.count(page), S.captions(page), answer)
    if not ok then return false end
    local values, errors = S.parse(text, page)
    if values then
      for k, v in pairs(values) do
        cfg[k] = v
        S.set(k, v)
      end
      return true
    end
    C.message("Please fix:\n\n" .. table.concat(errors, "\n"), title)
    answer = text
  end
end

--- True when `ptr` (a MediaTrack* or MediaItem*) still exists in the current project.
function C.alive(ptr, kind)
  return ptr ~= nil and reaper.ValidatePtr2(0, ptr, kind)
end

--- Put `variations` in a new MIDI item on `track` over `span`: the first variation in its
--- first take, each further one in a take of its own. The new item ends up selected.
function C.place_in_new_item(track, span, variations, label, channel)
  local item = reaper.CreateNewMIDIItemInProj(track, span.start_qn, span.end_qn, true)
  if not item then error("REAPER did not create the MIDI item", 0) end
  if #variations > 1 then
    local names = {}
    for i = 2, #variations do names[#names + 1] = label .. " " .. i end
    local first, err = C.midi.append_takes(item, names, span.end_qn - span.start_qn)
    if not first then error(err, 0) end
  end
  for i, v in ipairs(variations) do
    local take = reaper.GetTake(item, i - 1)
    if i == 1 then C.midi.name_take(take, #variations > 1 and label .. " 1" or label) end
    C.midi.insert_notes(take, v.notes, span.start_qn, span.end_qn, channel)
  end
  reaper.SetActiveTake(reaper.GetTake(item, 0))
  C.midi.select_only(item)
  return item
end

--- Add one new take per variation to `item` (its takes so far are kept) and make the first
--- new one active. The notes count from the item's start, or from `span.start_qn` and end at
--- `span.end_qn` when a span is given (a range inside the item).
function C.add_variation_takes(item, variations, label, channel, span)
  local start_qn, end_qn = C.midi.item_qn(item)
  local names = {}
  for i = 1, #variations do names[i] = #variations > 1 and (label .. " " .. i) or label end
  local first, err = C.midi.append_takes(item, names, end_qn - start_qn)
  if not first then error(err, 0) end
  for i, v in ipairs(variations) do
    C.midi.insert_notes(reaper.GetTake(item, first + i - 1), v.notes, span and span.start_qn or start_qn,
      span and span.end_qn or end_qn, channel)
  end
  reaper.SetActiveTake(reaper.GetTake(item, first))
end

return C
