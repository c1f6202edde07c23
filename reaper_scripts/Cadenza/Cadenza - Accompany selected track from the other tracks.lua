-- @description Cadenza: Accompany: write a part for the selected track from the other tracks in the time selection
-- @version 1.0.2
-- @author Cadenza contributors
-- @about
--   # Cadenza: Accompany
--
--   Writes a part for the selected track that fits what the other tracks play in the time
--   selection (the Composer's Assistant workflow, without Python inside REAPER): "a bass for this
--   melody and these drums". Make a time selection over the bars, select the track to write on,
--   and run it. A dialog asks which part to write (melody, bass, chords, keys or drums; the
--   last answer, or the part written on this track before, is the default), how closely it
--   fits the other tracks (Fit 0-2: 0 the model alone, 1 its harmony prior as tuned, 2 twice as
--   strong; blank: the model's) and which model (blank: one the daemon has that can accompany).
--
--   The context is every other track with MIDI notes in the time selection (cut to it; at most
--   8 tracks, in track order; muted tracks are left out). What each one plays is the part
--   Cadenza wrote on it before, else a guess from its name (drum/kick/beat: drums, bass,
--   chord/pad: chords, keys/piano/organ: keys), else from its notes (channel 10: drums; low:
--   bass; mostly three or more together: chords; else melody). Each goes to the Cadenza daemon as
--   one `--context ROLE=FILE` of `cadenza accompany`.
--
--   The answer lasts the time selection (in whole bars) and becomes a new MIDI item on the
--   selected track, or, when one item of the track already spans the whole selection, new takes
--   of that item (its own takes are kept); when an item covers only part of it, the new item goes
--   on a new track right below. With several variations (Settings), each is a take. The part is
--   remembered on the track, so the next Accompany on another track knows what this one plays.
--   No other track is changed. One undo point.
--
--   Needs the Cadenza daemon running (`cadenza serve`) with a model that can accompany, and the
--   package "Cadenza: shared library" (1.11.0 or later) from the same repository.
-- @changelog
--   The dialog asks Fit (0-2) beside the part and the model; it needs the shared library 1.11.0
--   or later.
-- @provides
--   [main] .

local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
local loaded, C = pcall(dofile, dir .. "cadenza_lib.lua")
if not loaded then
  reaper.ShowMessageBox("This action needs the package 'Cadenza: shared library' (install it with " ..
    "ReaPack from the Cadenza repository).\n\n" .. tostring(C), "Cadenza", 0)
  return
end
if not (C.settings.ACCOMPANY_PAGE and C.context and C.ask_page and C.settings.has and C.settings.has("accompany_fit")) then
  C.message("This action needs 'Cadenza: shared library' 1.11.0 or later: update it with ReaPack " ..
    "(Extensions > ReaPack > Synchronize packages).", "Cadenza")
  return
end

local TITLE = "Cadenza: Accompany the other tracks"
local EPS = 1e-6

local function names(list) return table.concat(list, ", ") end

-- Where the answer goes on `track` over `span`: "take" (one item spans it all: new takes),
-- "item" (nothing there: a new item) or "below" (an item covers part of it: a new track below).
local function where(track, span)
  local spanning, partial = nil, false
  for i = 0, reaper.CountTrackMediaItems(track) - 1 do
    local item = reaper.GetTrackMediaItem(track, i)
    local s, e = C.midi.item_qn(item)
    if s <= span.start_qn + EPS and e >= span.end_qn - EPS and not spanning then
      local take = reaper.GetActiveTake(item)
      if take and reaper.TakeIsMIDI(take) then spanning = item else partial = true end
    elseif s < span.end_qn - EPS and e > span.start_qn + EPS then
      partial = true
    end
  end
  if spanning then return "take", spanning end
  return partial and "below" or "item"
end

C.run({
  title = TITLE,
  operation = "accompany",
  prepare = function(cfg)
    local track = reaper.GetSelectedTrack(0, 0)
    if not track then return nil, "Select the track to write the part on first." end
    local sel_start, sel_end = reaper.GetSet_LoopTimeRange(false, false, 0, 0, false)
    if sel_end - sel_start < EPS then
      return nil, "Make a time selection over the bars to accompany: the other tracks' MIDI items there are the context."
    end
    local _, _, _, qpb = C.midi.meter_at(sel_start)
    local sel_qn = reaper.TimeMap2_timeToQN(0, sel_end) - reaper.TimeMap2_timeToQN(0, sel_start)
    local bars = math.floor(sel_qn / qpb + 0.5)
    if bars < 1 or bars > 64 then
      return nil, string.format("The time selection spans %.1f bars: Accompany writes 1 to 64 bars.", sel_qn / qpb)
    end
    local span = C.midi.span_at(sel_start, bars)
    local tracks, skipped = C.context.read(track, span)
    if #tracks == 0 then
      return nil, "No other track has MIDI notes in the time selection" ..
        (#skipped.muted > 0 and " (muted, so left out: " .. names(skipped.muted) .. ")" or "") ..
        ": Accompany writes a part for what the other tracks play there."
    end
    local own = C.context.saved_role(track) or C.context.role_from_name(C.context.track_name(track))
    if own then cfg.accompany_role = own end
    -- the part and model, asked each time (the answer is the next default)
    if not C.ask_page(TITLE, cfg, C.settings.ACCOMPANY_PAGE) then return nil end -- cancelled: nothing changed
    local inputs = {}
    for i, t in ipairs(tracks) do
      inputs[i] = { flag = "--context", tag = "c" .. i, prefix = t.role .. "=", clip = t.clip }
    end
    return {
      inputs = inputs,
      check = function()
        if not C.alive(track, "MediaTrack*") then return "The selected track was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        local channel = C.channel_for({ role = cfg.accompany_role })
        local label = "Cadenza " .. cfg.accompany_role
        local how, item = where(track, span)
        local target = how == "below" and C.midi.new_track_below(track, label) or track
        if how == "take" then
          C.add_variation_takes(item, variations, label, channel, span)
          C.midi.select_only(item)
        else
          C.place_in_new_item(target, span, variations, label, channel)
        end
        -- what the track plays now, for the next Accompany that reads it as context
        reaper.GetSetMediaTrackInfo_String(target, C.context.EXT_ROLE, cfg.accompany_role, true)
      end,
    }
  end,
})
