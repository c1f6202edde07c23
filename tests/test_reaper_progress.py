"""The progress window and Cancel: while the daemon composes, an action shows a small gfx window
(status line, a bar at the latest /cadenza/progress fraction, a Cancel button); Cancel, Escape
or closing it stops waiting, makes the CLI cancel the request at the daemon, and changes
nothing in the project. Driven against the real CLI and daemon with a long request (the
Transformer, 32 bars x 8 variations), through the fake gfx in tests/reaper_fake/gfx.py."""

from __future__ import annotations

import json
import re
import time

import pytest
from reaper_fake.checks import configure

GENERATE = "Cadenza - Generate at edit cursor.lua"
RESTYLE = "Cadenza - Restyle selected MIDI item.lua"
TITLE = "Cadenza: Generate at edit cursor"
PERCENT = re.compile(r"^Composing: (\d+)%")


def long_request(s, daemon):
    configure(s, daemon, model="transformer", bars=32, variations=8, seed=5, timeout=120)


def percent_of(gfx, frame):
    for text in gfx.texts(frame):
        m = PERCENT.match(text)
        if m:
            return int(m.group(1))
    return None


def bar_matches(frame, percent):
    """The frame draws an outline and, from the same corner, a fill `percent` of its width."""
    outlines = [d for d in frame if d[0] == "rect" and not d[5]]
    fills = [d for d in frame if d[0] == "rect" and d[5]]
    return any(abs(f[3] - o[3] * percent / 100) <= o[3] * 0.006 + 1 and f[1:3] == o[1:3] and f[4] == o[4]
               for o in outlines for f in fills)


def cancel_when_progress_shows(gfx, how, after=2):
    """on_frame: once `after` frames showed a percentage, press Cancel (or Escape, or close)."""
    state = {"shown": 0, "pressed": False}

    def on_frame(g):
        frame = g.frames[-1]
        if state["pressed"]:
            g.release()  # released over the button: the click
            return
        if percent_of(g, frame) is not None:
            state["shown"] += 1
        if state["shown"] >= after:
            if how == "button":
                g.press(*g.where(frame, "Cancel"))
                state["pressed"] = True
            elif how == "escape":
                g.key(27)
            else:
                g.close()
            state["shown"] = -10**9
    gfx.on_frame = on_frame


def daemon_cancel_line(daemon, answer):
    req_id = re.search(r"request (\d+)", answer["error"]["message"]).group(1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [l for l in daemon.log().splitlines() if f"id={req_id} " in l and "failed" in l]
        if lines:
            return lines[0], req_id
        time.sleep(0.05)
    raise AssertionError(f"the daemon logged nothing for request {req_id}")


@pytest.mark.parametrize("how", ["button", "escape", "close"])
def test_cancel_stops_the_request_and_changes_nothing(reaper, daemon, tmp_path, how):
    track = reaper.api.add_track("Keys", selected=True)
    long_request(reaper, daemon)
    cancel_when_progress_shows(reaper.gfx, how)
    before = reaper.api.snapshot()
    t0 = time.monotonic()
    reaper.run_script(GENERATE)
    assert time.monotonic() - t0 < 30, "Cancel does not wait for the whole answer"

    gfx = reaper.gfx
    assert [i[0] for i in gfx.inits] == [TITLE] and not gfx.is_open
    shown = [(percent_of(gfx, f), f) for f in gfx.frames if percent_of(gfx, f) is not None]
    assert shown and all(bar_matches(f, p) for p, f in shown), "the bar follows the percentage"
    assert all("Cancel" in gfx.texts(f) for f in gfx.frames)
    assert reaper.api.snapshot() == before and track.items == []
    assert reaper.api.undo_blocks == [] and reaper.api.changes_outside_undo == []
    assert reaper.api.messages == [], "a cancel needs no message box"
    cmd = reaper.api.commands[0]
    assert "--progress " in cmd and "--cancel-file " in cmd
    (text,) = reaper.api.answers.values()  # the CLI's own answer, which the action never applied
    answer = json.loads(text)
    assert answer["ok"] is False and answer["error"]["code"] == "cancelled", answer
    line, req_id = daemon_cancel_line(daemon, answer)
    assert f"failed: cancelled request {req_id} was cancelled" in line and "connection closed" not in line
    assert list((tmp_path / "tmp").glob("cadenza-*")) == [], "every temporary file removed"


def test_the_window_closes_when_the_answer_lands(reaper, daemon, tmp_path):
    track = reaper.api.add_track("Melody")
    notes = [(60 + i % 12, i * 0.5, 0.5, 80) for i in range(16)]
    item = reaper.api.add_midi_item(track, 0.0, 4.0, notes, selected=True)
    configure(reaper, daemon, model="transformer", variations=4, seed=2, timeout=120)
    reaper.run_script(RESTYLE)  # run_script checks the window is closed at the end
    assert reaper.api.messages == [], reaper.api.messages
    assert len(item.takes) == 5, "the answer landed"
    assert len(reaper.api.undo_blocks) == 1
    if reaper.gfx.inits:  # a slow machine: the window showed, and closed before the notes landed
        assert reaper.gfx.quits == len(reaper.gfx.inits)


def test_a_quick_answer_opens_no_window(reaper):
    """The window waits SHOW_AFTER_S: ticks before then draw nothing; after it, one window."""
    reaper.lua.execute("progress = dofile(...)", str(reaper_scripts() / "cadenza" / "progress.lua"))
    w = reaper.lua.eval("progress.new('Cadenza: test')")
    after = reaper.lua.eval("progress.SHOW_AFTER_S")
    reaper.api.clock += after / 2
    assert w.tick(w, None) is False and reaper.gfx.inits == []
    reaper.api.clock += after
    assert w.tick(w, 0.25) is False and [i[0] for i in reaper.gfx.inits] == ["Cadenza: test"]
    assert percent_of(reaper.gfx, reaper.gfx.frames[-1]) == 25
    w.close(w)
    assert not reaper.gfx.is_open


def reaper_scripts():
    from reaper_fake import SCRIPTS
    return SCRIPTS
