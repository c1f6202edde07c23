-- @description Cadenza: Settings (cadenza program, daemon address, musical defaults)
-- @version 1.2.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Settings
--
--   One dialog for everything the Cadenza actions use: the path of the `cadenza` program
--   (leave it blank to find it on the PATH and in the usual install places), the daemon's
--   host and port, and the defaults for model, role, style, mood, key, bars, temperature,
--   variations, restyle strength and timeout; then a second page for how it sounds: prompt,
--   seed, top-p, guidance, density, pitch range, scale lock and what Restyle keeps. Saved in REAPER's
--   settings (ExtState), so they survive restarts.
--
--   Needs the package "Cadenza: shared library" from the same repository.
-- @changelog
--   Guidance (0-5, how closely style, mood and key are followed) on the second page; blank
--   leaves it to the model.
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

-- One dialog per page (GetUserInputs shows at most 16 fields); nothing is saved unless every
-- page is confirmed.
local current = S.load()
local all = {}
for page, p in ipairs(S.PAGES) do
  local answer = S.as_csv(current, page)
  while true do
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
