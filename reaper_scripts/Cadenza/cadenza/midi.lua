-- @noindex
--[[
Cadenza for REAPER: reading and writing MIDI in the project, in beats.

Cadenza speaks in quarter-note beats from the start of a clip; REAPER speaks in seconds,
project quarter notes (QN) and per-take ticks (PPQ). Everything converts through the
project's tempo map (`TimeMap2_timeToQN`, `MIDI_GetPPQPosFromProjQN`), never through a
fixed tempo, so items land right under tempo changes. No music logic lives here: only
unit conversion and placement.
]]

local midi = {}

midi.PPQ = 960 -- ticks per quarter note of the MIDI takes this file creates
local EPS = 1e-6

--- Meter and tempo of the project at `time`: numerator, denominator, BPM, QN per bar.
function midi.meter_at(time)
  local num, den, bpm = reaper.TimeMap_GetTimeSigAtTime(0, time)
  return num, den, bpm, num * 4 / den
end

--- Start (seconds) of the bar that holds `time`.
function midi.bar_start(time)
  local _, measure = reaper.TimeMap2_timeToBeats(0, time + EPS)
  return reaper.TimeMap2_beatsToTime(0, 0, measure)
end

--- Where a new clip goes: at the time selection when there is one (its length, in whole
--- bars, wins over `bars`), else at the bar holding the edit cursor, `bars` long.
function midi.span_for_new_item(bars)
  local sel_start, sel_end = reaper.GetSet_LoopTimeRange(false, false, 0, 0, false)
  local start
  if sel_end - sel_start > EPS then
    start = sel_start
    local _, _, _, qpb = midi.meter_at(start)
    local sel_qn = reaper.TimeMap2_timeToQN(0, sel_end) - reaper.TimeMap2_timeToQN(0, sel_start)
    local sel_bars = math.floor(sel_qn / qpb + 0.5)
    if sel_bars >= 1 then bars = math.min(sel_bars, 64) end
  else
    start = midi.bar_start(reaper.GetCursorPosition())
  end
  return midi.span_at(start, bars)
end

--- A span of `bars` bars of the meter in force at `start` (seconds).
function midi.span_at(start, bars)
  local num, den, bpm, qpb = midi.meter_at(start)
  local start_qn = reaper.TimeMap2_timeToQN(0, start)
  return { start = start, start_qn = start_qn, end_qn = start_qn + bars * qpb, bars = bars,
           meter = string.format("%d/%d", num, den), tempo = bpm, qn_per_bar = qpb }
end

--- The item's position in project QN: start, end.
function midi.item_qn(item)
  local pos = reaper.GetMediaItemInfo_Value(item, "D_POSITION")
  local len = reaper.GetMediaItemInfo_Value(item, "D_LENGTH")
  return reaper.TimeMap2_timeToQN(0, pos), reaper.TimeMap2_timeToQN(0, pos + len), pos, len
end

local function round6(x) return math.floor(x * 1e6 + 0.5) / 1e6 end

--- The selected MIDI item and its active take, or nil and a message.
function midi.selected_midi_item()
  local item = reaper.GetSelectedMediaItem(0, 0)
  if not item then
    return nil, nil, "Select a MIDI item first: this action works on the selected item."
  end
  local take = reaper.GetActiveTake(item)
  if not take or not reaper.TakeIsMIDI(take) then
    return nil, nil, "The selected item's active take is not MIDI: select a MIDI item."
  end
  return item, take
end

--- The selected items in time order (earlier first; at the same time, the upper track first),
--- each {item, take, track, start_qn, end_qn}, when exactly `count` are selected and each one's
--- active take is MIDI; else nil and a message.
function midi.selected_midi_items(count)
  local n = reaper.CountSelectedMediaItems(0)
  if n ~= count then
    return nil, string.format("Select exactly %d MIDI items (%d %s selected).", count, n,
      n == 1 and "is" or "are")
  end
  local out = {}
  for i = 0, n - 1 do
    local item = reaper.GetSelectedMediaItem(0, i)
    local take = reaper.GetActiveTake(item)
    if not take or not reaper.TakeIsMIDI(take) then
      return nil, "One of the selected items is not MIDI (its active take is audio or empty): select MIDI items only."
    end
    local track = reaper.GetMediaItemTrack(item)
    local start_qn, end_qn = midi.item_qn(item)
    out[#out + 1] = { item = item, take = take, track = track, start_qn = start_qn, end_qn = end_qn,
                      track_number = reaper.GetMediaTrackInfo_Value(track, "IP_TRACKNUMBER") }
  end
  table.sort(out, function(a, b)
    if math.abs(a.start_qn - b.start_qn) > EPS then return a.start_qn < b.start_qn end
    return a.track_number < b.track_number
  end)
  return out
end

--- True when no item on `track` (other than those in `except`) overlaps [start_qn, end_qn).
function midi.track_free(track, start_qn, end_qn, except)
  local skip = {}
  for _, item in ipairs(except or {}) do skip[item] = true end
  for i = 0, reaper.CountTrackMediaItems(track) - 1 do
    local item = reaper.GetTrackMediaItem(track, i)
    if not skip[item] then
      local s, e = midi.item_qn(item)
      if s < end_qn - EPS and e > start_qn + EPS then return false end
    end
  end
  return true
end

--- A new track right below `track`, named `name`; returns it.
function midi.new_track_below(track, name)
  local index = math.tointeger(reaper.GetMediaTrackInfo_Value(track, "IP_TRACKNUMBER")) -- 1-based
  reaper.InsertTrackAtIndex(index, true) -- 0-based: right after `track`
  local new = reaper.GetTrack(0, index)
  if not new then error("REAPER did not add the new track", 0) end
  reaper.GetSetMediaTrackInfo_String(new, "P_NAME", name, true)
  return new
end

--- The audible notes of `take` inside `item`, as a Cadenza clip in beats from the item start:
--- { notes = {{pitch, start, duration, velocity}, ...}, length_beats, meter, tempo }.
--- Muted notes and notes outside the item are left out; notes crossing its end are cut there.
--- Also returns the MIDI channel of the first note read (nil when there is none).
function midi.read_clip(item, take)
  local start_qn, end_qn, pos = midi.item_qn(item)
  local length = end_qn - start_qn
  local num, den, bpm = midi.meter_at(pos)
  local notes, channel = {}, nil
  local _, count = reaper.MIDI_CountEvts(take)
  for i = 0, count - 1 do
    local ok, _, muted, sppq, eppq, chan, pitch, vel = reaper.MIDI_GetNote(take, i)
    if ok and not muted then
      local s = reaper.MIDI_GetProjQNFromPPQPos(take, sppq) - start_qn
      local e = math.min(reaper.MIDI_GetProjQNFromPPQPos(take, eppq) - start_qn, length)
      if s >= -EPS and s < length - EPS and e - s > EPS then
        s = math.max(s, 0)
        notes[#notes + 1] = { pitch, round6(s), round6(e - s), math.max(1, vel) }
        channel = channel or chan
      end
    end
  end
  table.sort(notes, function(a, b)
    if a[2] ~= b[2] then return a[2] < b[2] end
    return a[1] < b[1]
  end)
  return { notes = notes, length_beats = round6(length), meter = string.format("%d/%d", num, den),
           tempo = math.min(300, math.max(20, bpm)) }, channel
end

--- Insert `notes` (validated, in beats from `origin_qn`) into `take`, unsorted, then sort once.
--- Notes that start at or after `end_qn` are dropped and the rest are cut at `end_qn`.
function midi.insert_notes(take, notes, origin_qn, end_qn, channel)
  local inserted = 0
  for _, n in ipairs(notes) do
    local s_qn = origin_qn + n.start
    if s_qn < end_qn - EPS then
      local e_qn = math.min(s_qn + n.duration, end_qn)
      local sppq = math.floor(reaper.MIDI_GetPPQPosFromProjQN(take, s_qn) + 0.5)
      local eppq = math.floor(reaper.MIDI_GetPPQPosFromProjQN(take, e_qn) + 0.5)
      if eppq <= sppq then eppq = sppq + 1 end
      if reaper.MIDI_InsertNote(take, false, false, sppq, eppq, channel, n.pitch, n.velocity, true) then
        inserted = inserted + 1
      end
    end
  end
  reaper.MIDI_Sort(take)
  return inserted
end

--- Append `count` empty MIDI takes named `names[i]` to `item`, each `length_qn` long, with one
--- item-chunk edit (a take added with AddTakeToMediaItem has no MIDI source to write into).
--- Take pointers of the item may change with the chunk: fetch them again with GetTake.
--- Returns the index of the first new take, or nil and a message.
function midi.append_takes(item, names, length_qn)
  local ok, chunk = reaper.GetItemStateChunk(item, "", false)
  local body = ok and chunk:match("^(.*)>%s*$")
  if not body then return nil, "could not read the item's state" end
  if not body:match("\n$") then body = body .. "\n" end
  local first = reaper.GetMediaItemNumTakes(item)
  local ticks = math.max(1, math.floor(length_qn * midi.PPQ + 0.5))
  local parts = { body }
  for _, name in ipairs(names) do
    parts[#parts + 1] = table.concat({
      "TAKE",
      'NAME "' .. name:gsub('"', "'") .. '"',
      "<SOURCE MIDI",
      "HASDATA 1 " .. midi.PPQ .. " QN",
      "E " .. ticks .. " b0 7b 00", -- end of the source: all-notes-off at its length
      ">",
    }, "\n") .. "\n"
  end
  parts[#parts + 1] = ">\n"
  if not reaper.SetItemStateChunk(item, table.concat(parts), false) then
    return nil, "could not add takes to the item"
  end
  if reaper.GetMediaItemNumTakes(item) ~= first + #names then
    return nil, "REAPER did not add the new takes"
  end
  return first
end

--- Name a take.
function midi.name_take(take, name)
  reaper.GetSetMediaItemTakeInfo_String(take, "P_NAME", name, true)
end

--- Make `item` the only selected item, so the next action (Continue) works on it.
function midi.select_only(item)
  reaper.SelectAllMediaItems(0, false)
  reaper.SetMediaItemSelected(item, true)
end

return midi
