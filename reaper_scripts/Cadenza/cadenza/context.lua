-- @noindex
--[[
Cadenza for REAPER: the other tracks as context for 'Cadenza - Accompany' (docs/PROTOCOL.md,
Accompany): their MIDI items over a range, cut to it, each track as one clip with the role it
plays.

A track's role is what the track says (its "P_EXT:cadenza_role", written when Cadenza writes a
part on it), else a guess from its name and notes. The guess is the one rule the Max for Live
device also keeps (max_for_live/js/live_tracks.js); both are tested against the same cases in
tests/data/track_roles.json, so they cannot drift apart. Only reading here: nothing changes.
]]

local context = {}

context.MAX_TRACKS = 8             -- context slots c1 .. c8
context.EXT_ROLE = "P_EXT:cadenza_role"
local BASS_BELOW = 48              -- C3: a track whose median pitch is lower is a bass
local CHORDAL_SHARE = 0.5          -- ... whose notes mostly start three or more together plays chords
local DRUM_CHANNEL = 9             -- MIDI channel 10, 0-based
local NAME_ROLES = {               -- the first that matches the lowercased track name wins
  { { "drum", "kick", "snare", "hat", "beat", "perc" }, "drums" },
  { { "bass" }, "bass" },
  { { "chord", "pad" }, "chords" },
  { { "keys", "piano", "organ", "rhodes" }, "keys" },
}
local ROLES = { melody = true, bass = true, chords = true, keys = true, drums = true }
local EPS = 1e-6

local function round6(x) return math.floor(x * 1e6 + 0.5) / 1e6 end

--- The role a track name names, or nil.
function context.role_from_name(name)
  local lower = tostring(name or ""):lower()
  for _, rule in ipairs(NAME_ROLES) do
    for _, word in ipairs(rule[1]) do
      if lower:find(word, 1, true) then return rule[2] end
    end
  end
  return nil
end

--- What a track plays when nothing names it: from its name, else its notes ({pitch, start, ...}
--- each; `drums`: they are on MIDI channel 10).
function context.guess_role(name, notes, drums)
  local named = context.role_from_name(name)
  if named then return named end
  if drums then return "drums" end
  if #notes == 0 then return "melody" end
  local pitches, starts = {}, {}
  for i, n in ipairs(notes) do
    pitches[i] = n[1]
    local at = math.floor(n[2] * 1000 + 0.5)
    starts[at] = (starts[at] or 0) + 1
  end
  table.sort(pitches)
  if pitches[#pitches // 2 + 1] < BASS_BELOW then return "bass" end
  local together = 0
  for _, n in ipairs(notes) do
    if starts[math.floor(n[2] * 1000 + 0.5)] >= 3 then together = together + 1 end
  end
  return together / #notes >= CHORDAL_SHARE and "chords" or "melody"
end

--- The role saved on the track (by an earlier Accompany), or nil.
function context.saved_role(track)
  local ok, role = reaper.GetSetMediaTrackInfo_String(track, context.EXT_ROLE, "", false)
  return ok and ROLES[role] and role or nil
end

function context.track_name(track)
  local _, name = reaper.GetSetMediaTrackInfo_String(track, "P_NAME", "", false)
  return name
end

-- The notes of `track`'s MIDI items sounding in [start_qn, end_qn), in beats from start_qn, cut
-- to it (a note that sounds into the range starts at its beginning); and whether any is on
-- channel 10.
local function notes_in(track, start_qn, end_qn)
  local notes, drums = {}, false
  for i = 0, reaper.CountTrackMediaItems(track) - 1 do
    local item = reaper.GetTrackMediaItem(track, i)
    local pos = reaper.GetMediaItemInfo_Value(item, "D_POSITION")
    local len = reaper.GetMediaItemInfo_Value(item, "D_LENGTH")
    local item_start, item_end = reaper.TimeMap2_timeToQN(0, pos), reaper.TimeMap2_timeToQN(0, pos + len)
    local take = reaper.GetActiveTake(item)
    if take and reaper.TakeIsMIDI(take) and item_start < end_qn - EPS and item_end > start_qn + EPS then
      local from, to = math.max(start_qn, item_start), math.min(end_qn, item_end)
      local _, count = reaper.MIDI_CountEvts(take)
      for k = 0, count - 1 do
        local ok, _, muted, sppq, eppq, chan, pitch, vel = reaper.MIDI_GetNote(take, k)
        if ok and not muted then
          local s = math.max(reaper.MIDI_GetProjQNFromPPQPos(take, sppq), from)
          local e = math.min(reaper.MIDI_GetProjQNFromPPQPos(take, eppq), to)
          if e - s > EPS then
            notes[#notes + 1] = { pitch, round6(s - start_qn), round6(e - s), math.max(1, vel) }
            drums = drums or chan == DRUM_CHANNEL
          end
        end
      end
    end
  end
  table.sort(notes, function(a, b)
    if a[2] ~= b[2] then return a[2] < b[2] end
    return a[1] < b[1]
  end)
  return notes, drums
end

--- What `track` plays, for Band: the role saved on it, else its name's, else its notes
--- (anywhere in the project); nil when nothing says (an empty track with a plain name).
function context.role_of(track)
  local saved = context.saved_role(track)
  if saved then return saved end
  local name = context.track_name(track)
  local notes, drums = notes_in(track, 0, math.huge)
  if #notes == 0 and not context.role_from_name(name) then return nil end
  return context.guess_role(name, notes, drums)
end

--- The tracks other than `own`, in project order, as context over `span` ({start_qn, end_qn,
--- meter, tempo}): a list of {name, role, how ("saved" or "guessed"), clip}, at most 8, and what
--- was skipped: {muted = {names}, more = {names}} (tracks without notes there are left out).
function context.read(own, span)
  local out, skipped = {}, { muted = {}, more = {} }
  local length = round6(span.end_qn - span.start_qn)
  for i = 0, reaper.CountTracks(0) - 1 do
    local track = reaper.GetTrack(0, i)
    if track ~= own then
      local name = context.track_name(track)
      local notes, drums = notes_in(track, span.start_qn, span.end_qn)
      if #notes > 0 and reaper.GetMediaTrackInfo_Value(track, "B_MUTE") > 0 then
        skipped.muted[#skipped.muted + 1] = name
      elseif #notes > 0 and #out == context.MAX_TRACKS then
        skipped.more[#skipped.more + 1] = name
      elseif #notes > 0 then
        local saved = context.saved_role(track)
        out[#out + 1] = { name = name, role = saved or context.guess_role(name, notes, drums),
                          how = saved and "saved" or "guessed",
                          clip = { notes = notes, length_beats = length, meter = span.meter,
                                   tempo = math.min(300, math.max(20, span.tempo)) } }
      end
    end
  end
  return out, skipped
end

return context
