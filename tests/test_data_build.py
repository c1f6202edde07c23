"""End-to-end builds of a user folder (real MIDI and ABC files the test writes, plus a corrupted
file), the cache, the split, round trips, the licence filter and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pretty_midi
import pytest
from click.testing import CliRunner

from bridge.music.clip import clip_to_midi, midi_to_clip
from bridge.data.build import BuildConfig, build, collect_tasks
from bridge.data.catalog import licence_allowed
from bridge.data.clean import clean_notes
from bridge.cli.data import data
from bridge.data.dataset import COL, Dataset
from bridge.music.theory import TICKS_PER_BEAT

JIG = """X:1
T:Test Jig
M:6/8
L:1/8
K:G
D|GAB AGE|GAB d2D|GAB AGE|FGA D2D|
GAB AGE|GAB d2e|dBG AGE|FGA G2:|
"""


def _song(path, seed: int, bars: int = 20):
    """A melody and a bass on the 12-ticks-a-beat grid (sixteenths and triplets)."""
    rng = np.random.default_rng(seed)
    pm = pretty_midi.PrettyMIDI(initial_tempo=100)
    spb = 0.6
    lead, bass = pretty_midi.Instrument(0, name="lead"), pretty_midi.Instrument(34, name="bass")
    t = 0
    while t < bars * 4 * TICKS_PER_BEAT:
        dur = int(rng.choice([3, 4, 6, 12]))
        p = int(rng.choice([60, 62, 64, 65, 67, 69, 71, 72]))
        lead.notes.append(pretty_midi.Note(int(rng.integers(40, 120)), p, t / 12 * spb, (t + dur) / 12 * spb))
        t += dur
    for b in range(bars):
        bass.notes.append(pretty_midi.Note(90, 36 + (b % 4) * 2, b * 4 * spb, (b * 4 + 3) * spb))
    pm.instruments.extend([lead, bass])
    pm.write(str(path))
    return pm


@pytest.fixture
def user_folder(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    for i in range(6):
        _song(folder / f"song{i}.mid", seed=i)
    (folder / "tune.abc").write_text(JIG)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff")
    return folder


def _cfg(tmp_path, folder, **kw):
    return BuildConfig(out=tmp_path / "ds", midi_dir=folder, style="my-band", workers=2,
                       cache_dir=tmp_path / "cache", progress=False, **kw)


def test_user_folder_build_skips_broken_file_and_caches(tmp_path, user_folder, capsys):
    res = build(_cfg(tmp_path, user_folder))
    err = capsys.readouterr().err
    assert "warning: skipped" in err and "broken.mid" in err
    assert len(res.broken) == 1 and "broken.mid" in res.broken[0]
    ds = res.dataset
    man = ds.manifest
    assert man["styles"] == ["my-band"]
    assert man["broken_files"] == res.broken
    assert len(man["pieces"]) == 7  # six songs and the jig
    assert {p["licence"] for p in man["pieces"]} == {"user"}
    jig = next(i for i, p in enumerate(man["pieces"]) if p["path"].endswith("tune.abc"))
    jig_rows = ds.clips[ds.clips[:, COL["piece"]] == jig]
    assert (jig_rows[:, COL["meter_num"]] == 6).all() and (jig_rows[:, COL["meter_den"]] == 8).all()
    assert man["counts"]["total"]["clips"] == len(ds)
    assert set(man["counts"]["role"]) == {"melody", "bass"}

    again = build(_cfg(tmp_path, user_folder))
    assert again.cached == again.tasks - 1  # everything but the broken file came from the cache
    assert np.array_equal(again.dataset.notes, ds.notes)
    assert np.array_equal(again.dataset.clips, ds.clips)


def test_no_piece_in_two_splits(tmp_path, user_folder):
    ds = build(_cfg(tmp_path, user_folder)).dataset
    split_of = {}
    for row in ds.clips:
        piece, split = int(row[COL["piece"]]), int(row[COL["split"]])
        assert split_of.setdefault(piece, split) == split
    assert {ds.manifest["pieces"][p]["split"] for p in split_of} >= {"train", "val", "test"}


def test_round_trip_midi_clip_midi_keeps_every_note_on_the_grid(tmp_path, user_folder):
    ds = Dataset.load(build(_cfg(tmp_path, user_folder)).dataset.folder)
    src = pretty_midi.PrettyMIDI(str(user_folder / "song0.mid"))
    piece = next(i for i, p in enumerate(ds.manifest["pieces"]) if p["path"].endswith("song0.mid"))
    rebuilt = []
    for i in np.nonzero(ds.clips[:, COL["piece"]] == piece)[0]:
        clip = ds.clip(int(i))
        out = tmp_path / f"clip{i}.mid"
        clip_to_midi(clip, out)
        back = midi_to_clip(out)  # (shared reader rounds beats to 4 decimals)
        ticks = [(round(n.start * TICKS_PER_BEAT), n.pitch, round(n.duration * TICKS_PER_BEAT), n.velocity)
                 for n in back.notes]
        assert ticks == [tuple(int(x) for x in (s, p, d, v)) for s, d, p, v in ds.clip_notes(int(i))]
        for n in back.notes:  # on the grid: within a rounding error of a whole tick
            assert abs(n.start * TICKS_PER_BEAT - round(n.start * TICKS_PER_BEAT)) < 0.01
            assert abs(n.duration * TICKS_PER_BEAT - round(n.duration * TICKS_PER_BEAT)) < 0.01
        if ds.labels(int(i))["role"] == "melody":
            offset = int(ds.clips[i, COL["window"]]) * 16 * 4 * TICKS_PER_BEAT
            rebuilt += [(s + offset, p, d, v) for s, p, d, v in ticks]
    spb = 0.6
    window = 16 * 4 * TICKS_PER_BEAT  # a note sounding past a window's end is cut there
    ticks = np.array([(round(n.start / spb * TICKS_PER_BEAT), round((n.end - n.start) / spb * TICKS_PER_BEAT),
                       n.pitch, n.velocity) for n in src.instruments[0].notes])
    original = []
    for start, dur, pitch, vel in clean_notes(ticks, drum=False):  # the corpus is on the 16th/triplet grid
        original.append((start, pitch, min(start + dur, (start // window + 1) * window) - start, vel))
    original.sort()
    assert sorted(rebuilt) == original


def test_licence_filter_leaves_out_essen_palestrina_ccarh():
    perm = collect_tasks(BuildConfig(sources=("music21",), licence="permissive", cache_dir=None))
    every = collect_tasks(BuildConfig(sources=("music21",), licence="all", cache_dir=None))
    for t in perm:
        assert "essenFolksong" not in t["path"] and "palestrina" not in t["path"]
        assert not t["path"].endswith(".krn")
    left_out = {t["licence"] for t in every} - {t["licence"] for t in perm}
    # the corpus's CCARH .krn files all have a MusicXML twin, which is read instead
    assert left_out == {"essen-nc", "palestrina-reserved"}
    assert all(t["licence"] in ("ccarh-reserved", "palestrina-reserved") for t in every if t["path"].endswith(".krn"))
    assert not licence_allowed("ccarh-reserved", "permissive")
    assert any(t["style"] == "chinese-folk" for t in every)
    assert licence_allowed("GPL-2.0-or-later", "permissive") and licence_allowed("user", "permissive")
    assert not licence_allowed("rights-reserved", "permissive") and licence_allowed("rights-reserved", "all")
    with pytest.raises(ValueError, match="licence filter"):
        licence_allowed("user", "some")


def test_a_files_own_notice_sets_its_licence():
    from bridge.data.catalog import licence_from_notice

    # notices found in the music21 corpus, verbatim
    assert licence_from_notice("Copyright ©", "music21-corpus") == "music21-corpus"  # an empty template
    assert licence_from_notice("UT ORPHEUS EDIZIONI 2003 © UT ORPHEUS 2003", "music21-corpus") == "rights-reserved"
    assert licence_from_notice("2010 Michael Scott Cuthbert -- freely distributed under a CC-BY-SA 3.0 license",
                               "music21-corpus") == "CC-BY-SA-3.0"
    assert licence_from_notice("Copyright 2022 Michael Scott Asato Cuthbert: released as CC0/Public Domain",
                               "music21-corpus") == "CC0-1.0"
    # a notice never loosens a restricted collection, and the user's own files stay theirs
    assert licence_from_notice("Copyright 2000, John Miller", "palestrina-reserved") == "palestrina-reserved"
    assert licence_from_notice("© me", "user") == "user"


@pytest.mark.slow
def test_a_file_with_its_own_copyright_notice_is_rights_reserved():
    from bridge.data.sources import music21_tasks, read_task

    task = next(t for t in music21_tasks(("monteverdi",)) if t["path"].endswith("madrigal.5.5.mxl"))
    assert task["licence"] == "music21-corpus"
    (piece,) = read_task(task)
    assert piece.licence == "rights-reserved"  # "© UT Orpheus 2003" in the file


def test_cli_build_and_stats(tmp_path, user_folder):
    runner = CliRunner()
    out = tmp_path / "cli-ds"
    res = runner.invoke(data, ["build", "--midi", str(user_folder), "--style", "my-band", "--out", str(out),
                               "-q", "-j", "1", "--no-cache"])
    assert res.exit_code == 0, res.output
    assert "my-band" in res.output and "broken files skipped: 1" in res.output
    res = runner.invoke(data, ["stats", str(out)])
    assert res.exit_code == 0 and "my-band" in res.output and "melody" in res.output
    res = runner.invoke(data, ["stats", str(out), "--json"])
    assert json.loads(res.output)["total"]["pieces"] == 7
    res = runner.invoke(data, ["stats", str(tmp_path / "nowhere")])
    assert res.exit_code != 0 and "no dataset" in res.output
    res = runner.invoke(data, ["build", "--style", "x"])
    assert res.exit_code != 0 and "--midi" in res.output
