-- @description Cadenza: Drumify the selected MIDI item (a drum part on its onsets, on a new Drums track)
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Drumify selected MIDI item
--
--   Sends the notes of the selected MIDI item to the Cadenza daemon, which writes a drum part
--   that follows its rhythm (Magenta Studio's Drumify): every onset of the item gets a drum hit
--   and every hit falls on an onset, with kicks on the downbeats and long notes and snares on
--   the backbeat. The daemon answers with the model best at it (docs/ENGINES.md) unless
--   'Cadenza: Settings' names a model; its style, mood, temperature, strength and variations
--   apply.
--
--   The drums go into a new MIDI item at the same place and length, on a new track named
--   "Drums" right below the item's track, on MIDI channel 10 (General MIDI drums): a kit needs
--   its own instrument, so they are not a take of the item. The item itself is not changed.
--   With several variations, each is a take of the new item. One undo point.
--
--   Needs the Cadenza daemon running (`cadenza serve`) and the package "Cadenza: shared
--   library" (1.9.0 or later) from the same repository.
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

local TITLE = "Cadenza: Drumify selected MIDI item"
local DRUM_CHANNEL = 9 -- MIDI channel 10

C.run({
  title = TITLE,
  operation = "drumify",
  prepare = function(cfg)
    local item, take, msg = C.midi.selected_midi_item()
    if not item then return nil, msg end
    local clip = C.midi.read_clip(item, take)
    if #clip.notes == 0 then return nil, "The selected MIDI item has no notes to drumify." end
    local track = reaper.GetMediaItemTrack(item)
    local start_qn, end_qn = C.midi.item_qn(item)
    return {
      input = clip,
      check = function()
        if not C.alive(item, "MediaItem*") then return "The selected item was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        local drums = C.midi.new_track_below(track, "Drums")
        C.place_in_new_item(drums, { start_qn = start_qn, end_qn = end_qn }, variations, "Cadenza drums", DRUM_CHANNEL)
        reaper.GetSetMediaTrackInfo_String(drums, C.context.EXT_ROLE, "drums", true) -- for Accompany's context
      end,
    }
  end,
})
