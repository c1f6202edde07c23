"""Shared by the accompany tests: a real daemon on loopback serving the shipped Markov model (the
default, which cannot accompany) and the accomp test family (tests/accomp_engine.py, a fixture
until the real accompany model lands), and three context tracks whose bass the fixture's rule
gives by hand."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from bridge.engines import registry
from bridge.music.clip import Clip, Note
from bridge.music.theory import parse_key
from bridge.server.config import ServerConfig
from bridge.server.daemon import Daemon

REPO = Path(__file__).resolve().parent.parent
ROLES = ("melody", "bass", "chords", "keys", "drums")

# Two bars of 4/4 in A minor. The melody: A C E | D B; the chords: A minor (A3 C4 E4) | G (G3 B3 D4)
# held for a bar each; the drums: kick and snare on every beat (pitch 36 is the lowest of all, but a
# drums track is not pitched, so it never becomes the bass).
MELODY = Clip([Note(0.0, 69, 1.0, 90), Note(1.0, 72, 1.0, 90), Note(2.0, 76, 2.0, 90),
               Note(4.0, 74, 2.0, 90), Note(6.0, 71, 2.0, 90)], 8.0, key=parse_key("A minor"))
CHORDS = Clip([Note(0.0, p, 4.0, 70) for p in (57, 60, 64)] + [Note(4.0, p, 4.0, 70) for p in (55, 59, 62)], 8.0)
DRUMS = Clip([Note(float(i), 36 if i % 2 == 0 else 38, 0.25, 100) for i in range(8)], 8.0, drums=True)

# The fixture's bass by hand ([pitch, start, duration, velocity] as the wire shows them, variation 0):
# over the melody alone, the lowest sounding note on beats 1 and 3 is A4, E5 | D5, B4 -> A2 E2 | D2 B2;
# with the chords, A3 | G3 sound lowest all bar long -> A2 A2 | G2 G2.
BASS_UNDER_MELODY = [[45, 0.0, 2.0, 80], [40, 2.0, 2.0, 80], [38, 4.0, 2.0, 80], [47, 6.0, 2.0, 80]]
BASS_UNDER_CHORDS = [[45, 0.0, 2.0, 80], [45, 2.0, 2.0, 80], [43, 4.0, 2.0, 80], [43, 6.0, 2.0, 80]]


def with_velocity(notes: list, velocity: int) -> list:
    return [[p, s, d, velocity] for p, s, d, _ in notes]


def models_folder(tmp: Path) -> Path:
    """The shipped Markov model (the default) and one accomp model."""
    folder = tmp / "models"
    folder.mkdir()
    (folder / "markov").symlink_to(REPO / "models" / "markov")
    (folder / "accomp").mkdir()
    (folder / "accomp" / "config.json").write_text(json.dumps({"engine": "accomp", "styles": ["irish-folk"],
                                                               "roles": list(ROLES)}))
    return folder


@contextmanager
def accomp_daemon(tmp: Path, **config):
    """A started in-process daemon (real UDP and TCP sockets on a free loopback port)."""
    registry.register("accomp", engine="accomp_engine:AccompEngine")  # the one line
    try:
        d = Daemon(ServerConfig(host="127.0.0.1", port=0, models_dir=models_folder(tmp), **config)).start()
        try:
            yield d
        finally:
            d.stop()
    finally:
        registry.FAMILIES.pop("accomp", None)


def flat(clip: Clip) -> list:
    """clip/notes arguments: pitch start duration velocity ..."""
    out: list = []
    for n in clip.notes:
        out += [n.pitch, float(n.start), float(n.duration), n.velocity]
    return out
