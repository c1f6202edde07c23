-- @description Cadenza: Infill the bars under the time selection in the selected MIDI item
-- @version 1.0.0
-- @author Cadenza contributors
-- @about
--   # Cadenza: Infill time selection
--
--   Regenerates the bars of the selected MIDI item that the time selection covers (widened to
--   whole bars, counted from the item's start), keeping the music around them as context.
--   The result comes back as a new take of the item, one per variation; the original take is
--   kept.
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

local TITLE = "Cadenza: Infill time selection"

C.run({
  title = TITLE,
  operation = "infill",
  prepare = function(cfg)
    local item, take, msg = C.midi.selected_midi_item()
    if not item then return nil, msg end
    local sel_start, sel_end = reaper.GetSet_LoopTimeRange(false, false, 0, 0, false)
    if sel_end - sel_start < 1e-9 then
      return nil, "Make a time selection over the bars of the selected item to regenerate."
    end
    local start_qn, end_qn, pos = C.midi.item_qn(item)
    local _, _, _, qpb = C.midi.meter_at(pos)
    local item_bars = math.ceil((end_qn - start_qn) / qpb - 1e-6)
    local first = math.floor((reaper.TimeMap2_timeToQN(0, sel_start) - start_qn) / qpb + 1e-6)
    local last = math.ceil((reaper.TimeMap2_timeToQN(0, sel_end) - start_qn) / qpb - 1e-6)
    first, last = math.max(first, 0), math.min(last, item_bars)
    if last <= first then
      return nil, "The time selection does not cover any bar of the selected MIDI item."
    end
    local clip, channel = C.midi.read_clip(item, take)
    return {
      args = { "--start-bar", tostring(first), "--end-bar", tostring(last) },
      input = clip,
      check = function()
        if not C.alive(item, "MediaItem*") then return "The selected item was deleted while Cadenza was working." end
      end,
      apply = function(variations)
        C.add_variation_takes(item, variations, "Cadenza infill", channel or C.channel_for(cfg))
      end,
    }
  end,
})
