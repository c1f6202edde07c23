-- @description Cadenza: Band loop on the selected tracks (drums, bass, chords, melody in one pass)
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Band loop on the selected tracks
--
--   Asks the Cadenza daemon for a loop of several parts that fit each other (a model that
--   writes bands, the gan engine: one forward pass) and writes one new MIDI item per part, in
--   the time selection (its length in whole bars) or at the bar holding the edit cursor, as
--   many bars as 'Cadenza: Settings' says. A small dialog asks which parts (any of drums, bass,
--   chords, melody) and the model (blank: one that writes bands); the answers are kept.
--
--   Each part goes onto the selected track that plays it: the role saved on the track (by an
--   earlier Cadenza action), else the one its name says (Drums, Bass, Pad, ...), else the one
--   its notes suggest; selected tracks that say nothing (empty, plainly named) take the parts
--   left over, in order; any part still without a track gets a new track "Cadenza <part>" below
--   the last selected track. Drums are on MIDI channel 10. With several variations (Settings),
--   each is a take of the part's item. Existing items are kept. One undo point.
--
--   Needs the Cadenza daemon running (`cadenza serve`) with a model that writes bands
--   (models/gan), and the package "Cadenza: shared library" (1.10.0 or later).
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
if not (C.settings.BAND_PAGE and C.context.role_of) then
  C.message("This action needs 'Cadenza: shared library' 1.10.0 or later: update it with ReaPack " ..
    "(Extensions > ReaPack > Synchronize packages).", "Cadenza")
  return
end

local TITLE = "Cadenza: Band loop on the selected tracks"

local function selected_tracks()
  local out = {}
  while true do
    local track = reaper.GetSelectedTrack(0, #out)
    if not track then return out end
    out[#out + 1] = track
  end
end

-- part -> track (or nil: a new one): the selected track that plays it, else a selected track
-- that says nothing, in order.
local function destinations(parts, tracks)
  local roles, used, out = {}, {}, {}
  for i, t in ipairs(tracks) do roles[i] = C.context.role_of(t) end
  for _, part in ipairs(parts) do
    for i, t in ipairs(tracks) do
      if not out[part] and not used[i] and roles[i] == part then out[part] = t; used[i] = true end
    end
  end
  for _, part in ipairs(parts) do
    for i, t in ipairs(tracks) do
      if not out[part] and not used[i] and roles[i] == nil then out[part] = t; used[i] = true end
    end
  end
  return out
end

C.run({
  title = TITLE,
  operation = "band",
  prepare = function(cfg)
    if not C.ask_page(TITLE, cfg, C.settings.BAND_PAGE) then return nil end -- cancelled: nothing changed
    local parts = {}
    for part in cfg.band_parts:gmatch("%S+") do parts[#parts + 1] = part end
    local tracks = selected_tracks()
    local span = C.midi.span_for_new_item(cfg.bars)
    local into = destinations(parts, tracks)
    return {
      args = { "--roles", table.concat(parts, ","), "--bars", tostring(span.bars), "--meter", span.meter,
               "--tempo", string.format("%g", math.min(300, math.max(20, span.tempo))) },
      check = function()
        for _, t in ipairs(tracks) do
          if not C.alive(t, "MediaTrack*") then return "A selected track was deleted while Cadenza was working." end
        end
      end,
      apply = function(variations)
        local takes = {}
        for i, v in ipairs(variations) do
          local part = v.role or parts[(i - 1) % #parts + 1] -- an answer without roles: clip v*P+i is part i
          takes[part] = takes[part] or {}
          table.insert(takes[part], v)
        end
        local below = tracks[#tracks] or reaper.GetTrack(0, reaper.CountTracks(0) - 1)
        for _, part in ipairs(parts) do
          if takes[part] then
            local track = into[part]
            if not track then
              if below then
                track = C.midi.new_track_below(below, "Cadenza " .. part)
              else -- an empty project
                reaper.InsertTrackAtIndex(0, true)
                track = reaper.GetTrack(0, 0)
                reaper.GetSetMediaTrackInfo_String(track, "P_NAME", "Cadenza " .. part, true)
              end
              below = track
            end
            C.place_in_new_item(track, span, takes[part], "Cadenza " .. part, C.channel_for({ role = part }))
            reaper.GetSetMediaTrackInfo_String(track, C.context.EXT_ROLE, part, true) -- what it plays now
          end
        end
      end,
    }
  end,
})
