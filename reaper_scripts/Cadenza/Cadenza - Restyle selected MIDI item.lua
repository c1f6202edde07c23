-- @description Cadenza: Restyle the selected MIDI item into new takes
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Restyle selected MIDI item
--
--   Sends the notes of the selected MIDI item to the Cadenza daemon, which rewrites them in
--   the style, mood and strength set in 'Cadenza: Settings'. Each variation comes back as a
--   new take of the same item; the original take is kept, so switching takes compares them.
--   The first new take is made active.
--
--   Needs the Cadenza daemon running (`cadenza serve`) and the package
--   "Cadenza: shared library" from the same repository.
-- @changelog
--   Initial release.
-- @provides
--   [main] .

local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
local loaded, C = pcall(dofile, dir .. "cadenza_lib.lua")
if not loaded then
  reaper.ShowMessageBox("This action needs the package 'Cadenza: shared library' (install it with " ..
    "ReaPack from the Cadenza repository).\n\n" .. tostring(C), "Cadenza", 0)
  return
end

local TITLE = "Cadenza: Restyle selected MIDI item"

C.run({
  title = TITLE,
  operation = "restyle",
  prepare = function(cfg)
    local item, take, msg = C.midi.selected_midi_item()
    if not item then return nil, msg end
    local clip, channel = C.midi.read_clip(item, take)
    if #clip.notes == 0 then return nil, "The selected MIDI item has no notes to restyle." end
    return {
      input = clip,
      check = function()
        if not C.alive(item, "MediaItem*") then return "The selected item was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        C.add_variation_takes(item, variations, "Cadenza restyle", channel or C.channel_for(cfg))
      end,
    }
  end,
})
