-- @description Cadenza: Continue the selected MIDI item
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Continue selected MIDI item
--
--   Sends the notes of the selected MIDI item to the Cadenza daemon and puts the continuation
--   in a new MIDI item right after it on the same track, as many bars long as set in
--   'Cadenza: Settings'. The new item is selected afterwards, so running the action again
--   keeps going. With several variations, each one becomes a take of the new item.
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

local TITLE = "Cadenza: Continue selected MIDI item"

C.run({
  title = TITLE,
  operation = "continue",
  prepare = function(cfg)
    local item, take, msg = C.midi.selected_midi_item()
    if not item then return nil, msg end
    local clip, channel = C.midi.read_clip(item, take)
    local track = reaper.GetMediaItemTrack(item)
    local _, _, pos, len = C.midi.item_qn(item)
    local span = C.midi.span_at(pos + len, cfg.bars)
    return {
      args = { "--bars", tostring(cfg.bars) },
      input = clip,
      check = function()
        if not C.alive(track, "MediaTrack*") then return "The item's track was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        C.place_in_new_item(track, span, variations, "Cadenza continue", channel or C.channel_for(cfg))
      end,
    }
  end,
})
