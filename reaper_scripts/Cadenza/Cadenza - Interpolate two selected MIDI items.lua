-- @description Cadenza: Interpolate between two selected MIDI items (new items that morph from one to the other)
-- @version 1.0.1
-- @author Cadenza contributors
-- @about
--   # Cadenza: Interpolate two selected MIDI items
--
--   Select exactly two MIDI items. A dialog asks how many steps (2-16; both ends included) and
--   which model (blank: one the daemon has that can interpolate, such as the VAE). Both items
--   go to the Cadenza daemon (`cadenza interpolate`), which answers with that many clips
--   morphing from the earlier item to the later one: the first close to the earlier item, the
--   last close to the later one.
--
--   The clips become new MIDI items, one per step, back to back from the end of the earlier
--   item, each one take named "Cadenza interp k/N". They go on the same track, between the two
--   items, when both are on one track and the gap between them holds them all with no other
--   item in the way; otherwise on a new track right below, named "Cadenza interpolate". The
--   two selected items are never changed. One undo point.
--
--   Needs the Cadenza daemon running (`cadenza serve`) with a model that can interpolate, and
--   the package "Cadenza: shared library" (1.9.0 or later) from the same repository.
-- @changelog
--   The dialog is the library's (C.ask_page), so it needs the shared library 1.9.0 or later;
--   it asks and checks the same fields as before.
-- @provides
--   [main] .

local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
local loaded, C = pcall(dofile, dir .. "cadenza_lib.lua")
if not loaded then
  reaper.ShowMessageBox("This action needs the package 'Cadenza: shared library' (install it with " ..
    "ReaPack from the Cadenza repository).\n\n" .. tostring(C), "Cadenza", 0)
  return
end
if not (C.settings.INTERPOLATE_PAGE and C.midi.selected_midi_items and C.ask_page) then
  C.message("This action needs 'Cadenza: shared library' 1.9.0 or later: update it with ReaPack " ..
    "(Extensions > ReaPack > Synchronize packages).", "Cadenza")
  return
end

local TITLE = "Cadenza: Interpolate two selected MIDI items"
local TRACK_NAME = "Cadenza interpolate"

-- Where the new items go: between a and b on their track when the gap holds them all (and no
-- other item sits there), else on a new track below the lower of the two. Runs inside the
-- undo block, once the lengths of the answer are known.
local function place(a, b, variations, fallback_qn, channel)
  local total = 0
  for _, v in ipairs(variations) do total = total + (v.length_beats or fallback_qn) end
  local start = a.end_qn
  local track = a.track
  local fits = a.track == b.track and start + total <= b.start_qn + 1e-6
    and C.midi.track_free(track, start, start + total)
  if not fits then
    local lower = b.track_number > a.track_number and b.track or a.track
    track = C.midi.new_track_below(lower, TRACK_NAME)
  end
  local made = {}
  for k, v in ipairs(variations) do
    local len = v.length_beats or fallback_qn
    local span = { start_qn = start, end_qn = start + len }
    local label = string.format("Cadenza interp %d/%d", k, #variations)
    made[k] = C.place_in_new_item(track, span, { v }, label, channel)
    start = start + len
  end
  reaper.SelectAllMediaItems(0, false) -- the new items end up selected, the two sources not
  for _, item in ipairs(made) do reaper.SetMediaItemSelected(item, true) end
end

C.run({
  title = TITLE,
  operation = "interpolate",
  prepare = function(cfg)
    local picked, msg = C.midi.selected_midi_items(2)
    if not picked then return nil, msg .. " Interpolate morphs from the earlier selected item to the later one." end
    local a, b = picked[1], picked[2]
    local clip_a, channel = C.midi.read_clip(a.item, a.take)
    local clip_b = C.midi.read_clip(b.item, b.take)
    if #clip_a.notes == 0 or #clip_b.notes == 0 then
      return nil, "The " .. (#clip_a.notes == 0 and "earlier" or "later") ..
        " selected item has no notes to interpolate from: both items need notes."
    end
    -- steps and model, asked each time (the last answer is the next default)
    if not C.ask_page(TITLE, cfg, C.settings.INTERPOLATE_PAGE) then return nil end -- cancelled: nothing changed
    return {
      inputs = { { flag = "--a", clip = clip_a }, { flag = "--b", clip = clip_b } },
      check = function()
        if not (C.alive(a.item, "MediaItem*") and C.alive(b.item, "MediaItem*")) then
          return "One of the two items was deleted while Cadenza was working."
        end
      end,
      apply = function(variations)
        for _, it in ipairs({ a, b }) do -- where they are now (the user may have moved them meanwhile)
          it.start_qn, it.end_qn = C.midi.item_qn(it.item)
          it.track = reaper.GetMediaItemTrack(it.item)
          it.track_number = reaper.GetMediaTrackInfo_Value(it.track, "IP_TRACKNUMBER")
        end
        local fallback = math.max(a.end_qn - a.start_qn, b.end_qn - b.start_qn)
        place(a, b, variations, fallback, channel or C.channel_for(cfg))
      end,
    }
  end,
})
