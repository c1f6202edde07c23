"""The fake REAPER itself: if it were wrong, the action tests would prove nothing. Its tempo map,
item chunks, strictness (unknown APIs, stale pointers, blocking calls) and its command-line
split are checked here against hand-computed values."""

from __future__ import annotations

import pytest
from lupa.lua54 import LuaError
from reaper_fake import FakeApiError, ReaperSession, TempoMap, split_command_line
from reaper_fake.project import ChunkError, item_chunk, parse_item_chunk


def test_tempo_map_by_hand():
    m = TempoMap([(0.0, 120, 4, 4), (8.0, 90, 3, 4), (14.0, 60, 6, 8)])
    assert m.time_to_qn(8.0) == 16.0 and m.time_to_qn(10.0) == 19.0 and m.time_to_qn(14.0) == 25.0
    assert m.time_to_qn(15.0) == 26.0 and m.qn_to_time(19.0) == 10.0
    assert m.sig_at(9.0) == (3, 4, 90.0) and m.sig_at(20.0) == (6, 8, 60.0)
    assert m.time_to_beats(11.0)[:3] == (1.5, 5, 3)  # bar 5 starts at 10 s; 1 s at 90 BPM = 1.5 beats
    assert m.beats_to_time(0, 7) == 14.0 and m.beats_to_time(0, 8) == 17.0  # 6/8 bar = 3 QN = 3 s
    with pytest.raises(ValueError, match="not on a bar line"):
        TempoMap([(0.0, 120, 4, 4), (3.0, 90, 3, 4)])


def test_item_chunk_round_trip(tmp_path):
    s = ReaperSession(tmp_path)
    t = s.api.add_track("t")
    item = s.api.add_midi_item(t, 1.0, 2.0, [(60, 0.0, 1.0, 90, 3), (64, 0.5, 0.25, 70, 0, True)], name="x")
    props, takes = parse_item_chunk(item_chunk(item))
    assert props["POSITION"] == 1.0 and props["LENGTH"] == 2.0
    (take, active), = takes
    assert take.name == "x" and take.ppq == 960 and take.length_ticks == 4 * 960
    assert [n.key() for n in take.notes] == [n.key() for n in item.takes[0].notes]


def test_set_chunk_adds_takes_and_stales_old_pointers(tmp_path):
    s = ReaperSession(tmp_path)
    t = s.api.add_track("t")
    item = s.api.add_midi_item(t, 0.0, 2.0, [(60, 0.0, 1.0, 90)])
    old = item.takes[0]
    chunk = s.api.GetItemStateChunk(item, "", False)[1]
    new = chunk.rstrip()[:-1] + 'TAKE\nNAME "v2"\n<SOURCE MIDI\nHASDATA 1 960 QN\nE 3840 b0 7b 00\n>\n>\n'
    assert s.api.SetItemStateChunk(item, new, False)
    assert [k.name for k in item.takes] == ["", "v2"] and item.takes[1].length_ticks == 3840
    with pytest.raises(FakeApiError, match="stale"):
        s.api.MIDI_InsertNote(old, False, False, 0, 10, 0, 60, 90, True)
    assert s.api.MIDI_InsertNote(item.takes[1], False, False, 0.0, 480.0, 0, 60, 90, True)


def test_set_chunk_refuses_damage(tmp_path):
    s = ReaperSession(tmp_path)
    item = s.api.add_midi_item(s.api.add_track("t"), 0.0, 2.0, [(60, 0.0, 1.0, 90)])
    chunk = s.api.GetItemStateChunk(item, "", False)[1]
    with pytest.raises(FakeApiError, match="changed an existing take"):
        s.api.SetItemStateChunk(item, chunk.replace("E 960 80 3c 00", "E 480 80 3c 00"), False)
    with pytest.raises(FakeApiError, match="not closed|starts with"):
        s.api.SetItemStateChunk(item, chunk.rstrip()[:-1] + "TAKE\n<SOURCE MIDI\n", False)
    with pytest.raises(ChunkError, match="HASDATA"):
        parse_item_chunk("<ITEM\nNAME x\n<SOURCE MIDI\nHASDATA 960\n>\n>")


def test_empty_midi_source_takes_no_notes(tmp_path):
    s = ReaperSession(tmp_path)
    item = s.api.add_midi_item(s.api.add_track("t"), 0.0, 2.0)
    chunk = s.api.GetItemStateChunk(item, "", False)[1]
    s.api.SetItemStateChunk(item, chunk.rstrip()[:-1] + "TAKE\n<SOURCE MIDI\n>\n>\n", False)
    assert s.api.MIDI_InsertNote(item.takes[1], False, False, 0.0, 480.0, 0, 60, 90, True) is False
    assert s.api.MIDI_GetPPQPosFromProjQN(item.takes[1], 1.0) == -1.0


def test_unknown_api_raises_and_is_recorded(tmp_path):
    s = ReaperSession(tmp_path)
    with pytest.raises(LuaError, match="reaper.Main_OnCommand is not faked"):
        s.lua.execute("reaper.Main_OnCommand(40001, 0)")
    assert s.api.missing == ["Main_OnCommand"]
    s.lua.execute("local ok = pcall(function() return reaper.NoSuchThing end)")  # caught by the script, still recorded
    assert s.api.missing[-1] == "NoSuchThing"


def test_api_checks_arguments(tmp_path):
    s = ReaperSession(tmp_path)
    take = s.api.add_midi_item(s.api.add_track("t"), 0.0, 2.0).takes[0]
    with pytest.raises(FakeApiError, match="pitch"):
        s.api.MIDI_InsertNote(take, False, False, 0, 10, 0, 60.5, 90, True)
    with pytest.raises(FakeApiError, match="vel"):
        s.api.MIDI_InsertNote(take, False, False, 0, 10, 0, 60, 0, True)
    with pytest.raises(FakeApiError, match="never wait"):
        s.api.ExecProcess("/bin/true", 0)
    assert s.api.ExecProcess("/no/such/program --x", -2) is None


def test_split_command_line_like_reaper():
    assert split_command_line('"/a b/c" x \'y z\' `q "r"` "" \\n') == ["/a b/c", "x", "y z", 'q "r"', "", "\\n"]
    with pytest.raises(FakeApiError):
        split_command_line('"open')


def test_clock_and_defer_drive_deferred_functions(tmp_path):
    s = ReaperSession(tmp_path)
    s.lua.execute("""
      local t0, n = reaper.time_precise(), 0
      local function tick()
        n = n + 1
        if reaper.time_precise() - t0 < 3 then reaper.defer(tick) else reaper.ShowMessageBox(tostring(n), "x", 0) end
      end
      reaper.defer(tick)
    """)
    s.clock_speed = 100.0
    s.pump(max_seconds=5)
    assert s.api.messages and int(s.api.messages[0][1]) >= 2


def test_showmenu_answers_as_scripted_and_refuses_what_a_user_could_not_do(tmp_path):
    s = ReaperSession(tmp_path)
    show = s.lua.eval('function(menu) gfx.init("m", 0, 0, 0, 100, 50); gfx.x, gfx.y = gfx.screentoclient(110, 70); '
                      'local ok, r = pcall(gfx.showmenu, menu); gfx.quit(); if not ok then error(r, 0) end; return r end')
    s.gfx.menu_answers = [2, lambda entries: 0]
    assert show("one|!two|#three") == 2 and show("a") == 0
    assert s.gfx.menus[0] == [{"text": "one", "checked": False, "greyed": False},
                              {"text": "two", "checked": True, "greyed": False},
                              {"text": "three", "checked": False, "greyed": True}]
    assert s.gfx.menu_at == [(10, 20), (10, 20)], "gfx.x/gfx.y in the window's own coordinates"
    for menu, answer, why in (("a||b", 1, "separators and submenus"), ("a|>sub|<b", 1, "separators and submenus"),
                              ("a|#b", 2, "cannot choose the greyed-out"), ("a|b", 3, "menu answer 3 for 2"),
                              ("a", None, "scripted no answer")):
        s.gfx.menu_answers = [] if answer is None else [answer]
        with pytest.raises((LuaError, FakeApiError), match=why):
            show(menu)
    with pytest.raises((LuaError, FakeApiError), match="no window open"):
        s.lua.eval("function() return gfx.showmenu('a') end")()
