-- @description Cadenza: Settings (cadenza program, daemon address, musical defaults)
-- @version 1.4.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Settings
--
--   A menu at the mouse: choose the model from the running daemon's list, or edit the
--   settings: the path of the `cadenza` program (leave it blank to find it on the PATH and in
--   the usual install places), the daemon's host and port, and the defaults for model, role,
--   style, mood, key, bars, temperature, variations, restyle strength and timeout; then a
--   second page for how it sounds: prompt, seed, top-p, guidance, density, pitch range, scale
--   lock and what Restyle keeps. Saved in REAPER's settings (ExtState), so they survive
--   restarts.
--
--   Needs the package "Cadenza: shared library" from the same repository.
-- @changelog
--   The model menu marks the models that can interpolate ("interpolates"); the steps and model
--   of 'Cadenza: Interpolate two selected MIDI items' are asked by that action and kept when the
--   settings are saved here.
-- @provides
--   [main] .

local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
local loaded, C = pcall(dofile, dir .. "cadenza_lib.lua")
if not loaded then
  reaper.ShowMessageBox("This action needs the package 'Cadenza: shared library' (install it with " ..
    "ReaPack from the Cadenza repository).\n\n" .. tostring(C), "Cadenza", 0)
  return
end

local TITLE = "Cadenza: Settings"
local S = C.settings

-- The two pages of text fields (Settings' own), one dialog each (GetUserInputs shows at most 16 fields);
-- nothing is saved unless every page is confirmed.
local function edit_pages()
  local current = S.load()
  local all = {}
  for k, v in pairs(current) do all[k] = v end -- what no page shows (an action's own) is kept
  for page, p in ipairs(S.PAGES) do
    local answer = S.as_csv(current, page)
    while not p.action do -- an action's own page is asked by that action
      local ok, text = reaper.GetUserInputs(TITLE .. p.title, S.count(page), S.captions(page), answer)
      if not ok then return end -- cancelled: nothing saved
      local values, errors = S.parse(text, page)
      if values and page == 1 and values.cadenza_path ~= "" and not reaper.file_exists(values.cadenza_path) then
        values, errors = nil, { "No program at " .. values.cadenza_path .. " (leave it blank to find cadenza automatically)" }
      end
      if values then
        for k, v in pairs(values) do all[k] = v end
        break
      end
      C.message("Please fix:\n\n" .. table.concat(errors, "\n"), TITLE)
      answer = text
    end
  end
  S.save(all)
  local _, why = C.cli.find(all.cadenza_path)
  if why then C.message("Settings saved, but:\n\n" .. why, TITLE) end
end

-- The model has a menu of its own (the dialog has no menus): the daemon's models, asked for
-- when chosen, so opening the settings never waits for the daemon. Where it does not answer,
-- say so and open the pages, whose Model field takes a name as text.
local function choose_model()
  C.models.choose(TITLE, function(why)
    C.message("The model menu needs the Cadenza daemon's list of models, and it could not be read:\n\n" ..
      why .. "\n\nType the model's name in the Model field of the settings instead (`cadenza models` " ..
      "in a terminal lists them), or start the daemon (`cadenza serve`) and choose again.", TITLE)
    edit_pages()
  end)
end

local model = S.load().model
local choice = C.models.popup(TITLE, "Choose the model... (now: " ..
  (model ~= "" and model:gsub("[|%c]", " ") or C.models.DEFAULT_ENTRY) .. ")|Edit the settings...")
if choice == 1 then choose_model() elseif choice == 2 then edit_pages() end
