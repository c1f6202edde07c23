-- @description Cadenza: Generate a MIDI item at the edit cursor
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Generate at edit cursor
--
--   Asks the Cadenza daemon for new music and puts it in a new MIDI item on the selected
--   track. The item starts at the bar that holds the edit cursor and lasts the number of bars
--   set in 'Cadenza: Settings'; with a time selection it starts there and lasts the selection's
--   length in whole bars. Tempo and time signature come from the project at that point. With
--   several variations, each one becomes a take of the item.
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

local TITLE = "Cadenza: Generate at edit cursor"

C.run({
  title = TITLE,
  operation = "generate",
  prepare = function(cfg)
    local track = reaper.GetSelectedTrack(0, 0)
    if not track then return nil, "Select a track first: the new MIDI item goes on the selected track." end
    local span = C.midi.span_for_new_item(cfg.bars)
    return {
      args = { "--bars", tostring(span.bars), "--meter", span.meter,
               "--tempo", string.format("%g", math.min(300, math.max(20, span.tempo))) },
      check = function()
        if not C.alive(track, "MediaTrack*") then return "The selected track was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        C.place_in_new_item(track, span, variations, "Cadenza", C.channel_for(cfg))
      end,
    }
  end,
})
