-- @description Cadenza: Groove the selected MIDI item (the same notes played with feel, as a new take)
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Groove selected MIDI item
--
--   Sends the notes of the selected MIDI item to the Cadenza daemon's groove model, which plays
--   them with feel: every note keeps its pitch, and only its timing and velocity change (the
--   note count stays the same). A small dialog asks what the item plays, the Amount (0: as it
--   is, 1: the model's feel), the Swing (0: straight, 1: off-beats on the triplet point), whose
--   feel to borrow and the model (blank: one that grooves); the answers are kept for next time.
--
--   Each variation comes back as a new take of the same item; the original take is kept, so
--   switching takes compares them. The first new take is made active. One undo point.
--
--   Needs the Cadenza daemon running (`cadenza serve`) with a model that grooves (models/groove)
--   and the package "Cadenza: shared library" (1.9.0 or later) from the same repository.
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
if not C.settings.GROOVE_PAGE then
  C.message("This action needs 'Cadenza: shared library' 1.9.0 or later: update it with ReaPack " ..
    "(Extensions > ReaPack > Synchronize packages).", "Cadenza")
  return
end

local TITLE = "Cadenza: Groove selected MIDI item"

C.run({
  title = TITLE,
  operation = "groove",
  prepare = function(cfg)
    local item, take, msg = C.midi.selected_midi_item()
    if not item then return nil, msg end
    local clip, channel = C.midi.read_clip(item, take)
    if #clip.notes == 0 then return nil, "The selected MIDI item has no notes to groove." end
    -- what it plays: channel 10 is a kit; else the track's saved or named role, else the last answer
    local track = reaper.GetMediaItemTrack(item)
    cfg.groove_role = channel == 9 and "drums" or C.context.saved_role(track) or
      C.context.role_from_name(C.context.track_name(track)) or cfg.groove_role
    if not C.ask_page(TITLE, cfg, C.settings.GROOVE_PAGE) then return nil end -- cancelled: nothing changed
    return {
      input = clip,
      check = function()
        if not C.alive(item, "MediaItem*") then return "The selected item was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        C.add_variation_takes(item, variations, "Cadenza groove", channel or 0)
      end,
    }
  end,
})
