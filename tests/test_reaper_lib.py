"""Unit tests of the Cadenza ReaScript library (reaper_scripts/Cadenza/cadenza_lib.lua and
cadenza/*.lua) run in Lua 5.4 through lupa against the fake REAPER API: JSON, settings,
finding the `cadenza` program, command lines as REAPER's three readers see them, answer
checking and reading notes out of a take."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from reaper_fake import SCRIPTS, ReaperSession, TempoMap, split_command_line, split_windows_command_line


@pytest.fixture
def session(tmp_path):
    s = ReaperSession(tmp_path)
    yield s
    s.close()


@pytest.fixture
def C(session):
    return session.lua.globals().dofile(str(SCRIPTS / "cadenza_lib.lua"))


def lua_list(t):
    return [t[i] for i in range(1, len(t) + 1)]


def to_lua_list(session, items):
    return session.lua.table_from(list(items))


def ret(value, n):
    """A Lua call's results as an n-tuple (lupa gives one value bare, several as a tuple)."""
    values = value if isinstance(value, tuple) else (value,)
    return values + (None,) * (n - len(values))


# ---- JSON --------------------------------------------------------------------------------

def test_json_round_trip_matches_python(C, session):
    value = session.lua.eval('{notes = {{60, 0.5, 1.25, 90}, {62, 1, 0.333333, 1}}, length_beats = 16.0, '
                             'meter = "6/8", key = "F# minor \\"x\\"", drums = false}')
    text = C.json.encode(value)
    assert json.loads(text) == {"notes": [[60, 0.5, 1.25, 90], [62, 1, 0.333333, 1]], "length_beats": 16.0,
                                "meter": "6/8", "key": 'F# minor "x"', "drums": False}


def test_json_decodes_what_python_writes(C, session):
    doc = {"ok": True, "variations": [{"variation": 0, "length_beats": 8.0,
                                       "notes": [[60, 0.0, 1.0, 90], [64, 1.5, 0.25, 127]]}],
           "key": None, "text": "caf\u00e9 \U0001d11e \\ \"q\"\n", "big": 1e-7}
    v, err = ret(C.json.decode(json.dumps(doc)), 2)
    assert err is None
    assert v["ok"] is True and session.lua.eval("rawequal")(v["key"], C.json.null)
    assert v["text"] == doc["text"] and v["big"] == 1e-7
    notes = v["variations"][1]["notes"]
    assert [lua_list(notes[i]) for i in (1, 2)] == [[60, 0.0, 1.0, 90], [64, 1.5, 0.25, 127]]


@pytest.mark.parametrize("text", ['{"a":1', "[1,2", '{"a":tru}', '"\\x"', "1 2", "", "{'a': 1}", "[01x]",
                                  '{"a" 1}', "nul"])
def test_json_rejects_malformed_text(C, text):
    v, err = ret(C.json.decode(text), 2)
    assert v is None and err.startswith("json:")


# ---- settings ----------------------------------------------------------------------------

def test_settings_defaults_on_first_run(C):
    cfg = C.settings.load()
    assert (cfg.cadenza_path, cfg.host, cfg.port, cfg.role, cfg.bars, cfg.variations, cfg.timeout) == \
        ("", "127.0.0.1", 7500, "melody", 4, 1, 60)
    assert cfg.temperature == 1.0 and cfg.strength == 0.5 and cfg.style == "" and cfg.mood == ""


def test_settings_broken_saved_value_falls_back_to_default(C, session):
    session.api.ext[("Cadenza", "port")] = "seventy"
    session.api.ext[("Cadenza", "bars")] = "12"
    cfg = C.settings.load()
    assert cfg.port == 7500 and cfg.bars == 12


def test_settings_parse_checks_every_field(C):
    good = "|127.0.0.1|7600||bass|irish-folk|Calm|D minor|8|0.9|3|0.7|30"
    cfg, errors = ret(C.settings.parse(good), 2)
    assert errors is None
    assert (cfg.port, cfg.role, cfg.style, cfg.mood, cfg.key, cfg.bars, cfg.variations, cfg.timeout) == \
        (7600, "bass", "irish-folk", "calm", "D minor", 8, 3, 30)
    cfg, errors = ret(C.settings.parse("|host name|0||flute||angry||65|9|9|2|0"), 2)
    msgs = "\n".join(lua_list(errors))
    for expected in ("Daemon host must be", "Daemon port must be a whole number from 1 to 65535",
                     "Role must be one of melody, bass, chords, keys, drums", "Mood must be one of",
                     "Bars to generate must be a whole number from 1 to 64", "Temperature must be",
                     "Variations", "Restyle strength", "Timeout"):
        assert expected in msgs, expected
    assert cfg is None


def test_settings_dialog_fields_fit_reaper(C):
    total = 0
    for page in range(1, len(C.settings.PAGES) + 1):
        caps = C.settings.captions(page)
        fields = [c for c in caps.split(",") if not c.startswith(("separator=", "extrawidth="))]
        assert len(fields) == C.settings.count(page) <= 16, "GetUserInputs shows at most 16 fields"
        assert ",separator=|" in caps
        total += len(fields)
    assert total == len(C.settings.FIELDS), "every setting is on a page"


# ---- finding the program -----------------------------------------------------------------

def test_candidates_posix(C):
    env = {"HOME": "/home/u", "PATH": "/usr/bin:/opt/x/bin/"}
    c = lua_list(C.cli.candidates("OSX64", lambda k: env.get(k)))
    assert c[:3] == ["/usr/bin/cadenza", "/opt/x/bin/cadenza", "/home/u/.local/bin/cadenza"]
    for p in ("/opt/homebrew/bin/cadenza", "/usr/local/bin/cadenza", "/home/u/Library/Python/3.12/bin/cadenza",
              "/home/u/.local/pipx/venvs/cadenza/bin/cadenza", "/home/u/.venv/bin/cadenza"):
        assert p in c
    assert len(c) == len(set(c))


def test_candidates_windows(C):
    env = {"USERPROFILE": r"C:\Users\Jane Doe", "APPDATA": r"C:\Users\Jane Doe\AppData\Roaming",
           "LOCALAPPDATA": r"C:\Users\Jane Doe\AppData\Local", "PATH": r'C:\Windows;"C:\Py 3\Scripts\"'}
    c = lua_list(C.cli.candidates("Win64", lambda k: env.get(k)))
    assert c[:2] == [r"C:\Windows\cadenza.exe", r"C:\Py 3\Scripts\cadenza.exe"]
    for p in (r"C:\Users\Jane Doe\.local\bin\cadenza.exe",
              r"C:\Users\Jane Doe\AppData\Roaming\Python\Python312\Scripts\cadenza.exe",
              r"C:\Users\Jane Doe\AppData\Local\Programs\Python\Python311\Scripts\cadenza.exe",
              r"C:\Users\Jane Doe\pipx\venvs\cadenza\Scripts\cadenza.exe"):
        assert p in c


def test_find_prefers_the_configured_path_and_explains_a_wrong_one(C, tmp_path):
    exe = tmp_path / "my cadenza"
    exe.write_text("#!/bin/sh\n")
    assert ret(C.cli.find(str(exe)), 2) == (str(exe), None)
    path, why = ret(C.cli.find(str(tmp_path / "nope")), 2)
    assert path is None and "does not exist" in why and str(tmp_path / "nope") in why


def test_find_searches_home_local_bin(C, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "cadenza").write_text("#!/bin/sh\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert ret(C.cli.find(""), 2) == (str(home / ".local" / "bin" / "cadenza"), None)
    (home / ".local" / "bin" / "cadenza").unlink()
    path, why = ret(C.cli.find(""), 2)
    if path is None:  # unless this machine has cadenza in a system place
        assert "Cannot find the cadenza program" in why and "Cadenza: Settings" in why


# ---- command lines -------------------------------------------------------------------------

ARGS = ["generate", "--key", "D minor", "--style", "don't stop", "--prompt", 'say "hi" for $HOME `now`',
        "--out", "/tmp/with space/cadenza-1-out.json", "--temperature", "0.9", "--mood", "calm"]


def test_command_line_as_reaper_splits_it_on_macos_and_linux(C, session):
    line = C.cli.command_line("/opt/my apps/cadenza", to_lua_list(session, ARGS), False)
    argv = split_command_line(line)
    assert argv == ["/opt/my apps/cadenza", "generate", "--key", "D minor", "--style", "don't stop", "--prompt",
                    "say 'hi' for HOME 'now'", "--out", "/tmp/with space/cadenza-1-out.json",
                    "--temperature", "0.9", "--mood", "calm"]


def test_command_line_reads_the_same_through_a_shell(C, session, tmp_path):
    echo = tmp_path / "echo args.py"
    echo.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    echo.chmod(0o755)
    line = C.cli.command_line(str(echo), to_lua_list(session, ARGS), False)
    via_sh = json.loads(subprocess.run(["/bin/sh", "-c", line], capture_output=True, text=True, check=True).stdout)
    assert via_sh == split_command_line(line)[1:]


def test_command_line_on_windows(C, session):
    exe = r"C:\Users\Jane Doe\AppData\Roaming\Python\Python312\Scripts\cadenza.exe"
    args = ["generate", "--out", r"C:\Users\Jane Doe\AppData\Local\Temp\cadenza-1-out.json",
            "--key", "D minor", "--prompt", 'say "hi"', "--in", "C:\\dir with space\\"]
    line = C.cli.command_line(exe, to_lua_list(session, args), True)
    assert split_windows_command_line(line) == [exe, "generate", "--out", r"C:\Users\Jane Doe\AppData\Local\Temp\cadenza-1-out.json",
                                  "--key", "D minor", "--prompt", "say 'hi'", "--in", "C:\\dir with space\\"]
    bat = C.cli.command_line(r"C:\conda\Scripts\cadenza.bat", to_lua_list(session, ["ping"]), True)
    assert bat == r'cmd.exe /S /C "C:\conda\Scripts\cadenza.bat ping"'
    bat = C.cli.command_line(r"C:\my conda\cadenza.cmd", to_lua_list(session, ["ping"]), True)
    assert bat == r'cmd.exe /S /C ""C:\my conda\cadenza.cmd" ping"'


def test_temp_paths_are_fresh_and_in_the_temp_dir(C, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path) + "/")
    a_in, a_out = C.cli.temp_paths(False)
    b_in, b_out = C.cli.temp_paths(False)
    assert a_out != b_out and a_in.endswith("-in.json") and a_out.endswith("-out.json")
    assert a_out.startswith(str(tmp_path) + "/cadenza-")
    monkeypatch.setenv("TEMP", r"C:\Temp")
    assert C.cli.temp_paths(True)[1].startswith("C:\\Temp\\cadenza-")


# ---- answers -------------------------------------------------------------------------------

def test_parse_answer_accepts_the_cli_result(C):
    text = json.dumps({"ok": True, "operation": "generate", "variations": [
        {"variation": 0, "length_beats": 16.0, "notes": [[60, 0.0, 1.0, 90], [67, 2.5, 0.5, 127]]},
        {"variation": 1, "length_beats": 16.0, "notes": []}]})
    v, err, code = ret(C.parse_answer(text), 3)
    assert err is None
    first = v[1].notes[2]
    assert (first.pitch, first.start, first.duration, first.velocity) == (67, 2.5, 0.5, 127)
    assert len(v) == 2 and len(v[2].notes) == 0


@pytest.mark.parametrize("doc, code, needle", [
    ({"ok": False, "error": {"code": "unavailable", "message": "Cadenza daemon not running"}}, "unavailable",
     "not running"),
    ({"ok": False}, "error", "no message"),
    ({"variations": []}, "malformed", '"ok": true'),
    ({"ok": True, "variations": []}, "malformed", "no variations"),
    ({"ok": True, "variations": [{"notes": [[128, 0, 1, 90]]}]}, "malformed", "note 1 of variation 1"),
    ({"ok": True, "variations": [{"notes": [[60, -1, 1, 90]]}]}, "malformed", "start >= 0"),
    ({"ok": True, "variations": [{"notes": [[60, 0, 0, 90]]}]}, "malformed", "duration > 0"),
    ({"ok": True, "variations": [{"notes": [[60, 0, 1, 0]]}]}, "malformed", "velocity 1-127"),
    ({"ok": True, "variations": [{"notes": [[60.5, 0, 1, 90]]}]}, "malformed", "pitch 0-127"),
    ({"ok": True, "variations": [{"notes": [[60, 0, 1]]}]}, "malformed", "note 1"),
    ({"ok": True, "variations": [{"length_beats": 4}]}, "malformed", "no notes list"),
])
def test_parse_answer_rejects(C, doc, code, needle):
    v, msg, got = ret(C.parse_answer(json.dumps(doc)), 3)
    assert v is None and got == code and needle in msg


def test_parse_answer_rejects_non_json(C):
    v, msg, code = ret(C.parse_answer("Traceback (most recent call last):"), 3)
    assert v is None and code == "malformed" and "not valid JSON" in msg


# ---- reading a take ------------------------------------------------------------------------

def test_read_clip_converts_ticks_to_beats_through_the_tempo_map(tmp_path):
    # 4 bars of 4/4 at 120 (8 s), then 3/4 at 90: the item sits in the 3/4 part.
    s = ReaperSession(tmp_path, tempo_map=TempoMap([(0.0, 120, 4, 4), (8.0, 90, 3, 4)]))
    try:
        C = s.lua.globals().dofile(str(SCRIPTS / "cadenza_lib.lua"))
        track = s.api.add_track("t")
        item = s.api.add_midi_item(track, 10.0, 4.0, [
            (60, 0.0, 1.0, 90, 2), (62, 1.5, 0.5, 80), (64, 2.0, 1.0, 70, 0, True),  # muted: left out
            (65, 5.0, 2.0, 60),  # crosses the end (6 beats): cut
            (67, 6.5, 1.0, 50),  # after the end: left out
        ])
        clip, channel = C.midi.read_clip(item, item.takes[0])
        assert clip.length_beats == 6.0 and clip.meter == "3/4" and clip.tempo == 90
        assert [lua_list(clip.notes[i]) for i in range(1, len(clip.notes) + 1)] == \
            [[60, 0.0, 1.0, 90], [62, 1.5, 0.5, 80], [65, 5.0, 1.0, 60]]
        assert channel == 2
    finally:
        s.close()


def test_span_snaps_the_cursor_to_its_bar(tmp_path):
    s = ReaperSession(tmp_path, tempo_map=TempoMap([(0.0, 120, 4, 4), (8.0, 90, 3, 4)]))
    try:
        C = s.lua.globals().dofile(str(SCRIPTS / "cadenza_lib.lua"))
        for cursor, start, start_qn in ((0.0, 0.0, 0.0), (1.99, 0.0, 0.0), (2.0, 2.0, 4.0), (7.9, 6.0, 12.0),
                                         (9.99, 8.0, 16.0), (10.0, 10.0, 19.0), (11.5, 10.0, 19.0)):
            s.api.cursor = cursor
            span = C.midi.span_for_new_item(2)
            assert (span.start, span.start_qn) == pytest.approx((start, start_qn)), cursor
        s.api.cursor = 11.5
        span = C.midi.span_for_new_item(2)
        assert (span.meter, span.tempo, span.end_qn) == ("3/4", 90, pytest.approx(25.0))
        s.api.time_sel = (2.0, 7.9)  # three bars of 4/4, rounded
        span = C.midi.span_for_new_item(8)
        assert (span.start, span.bars, span.start_qn, span.end_qn, span.meter) == (2.0, 3, 4.0, 16.0, "4/4")
    finally:
        s.close()
