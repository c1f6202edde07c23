"""A tiny real dataset for the Markov, train and eval tests, built from real music in seconds.

Sources (all shipped offline): Bach chorales and Ryan's Mammoth Collection tunes from music21's
corpus (melody, bass, chords), and MMA grooves rendered to MIDI (drums, bass, chords in 4/4 and
3/4). The dataset is built once per test process and reused.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bridge.data.dataset import ClipRow, Dataset, save_dataset
from bridge.data.labels import cut_window
from bridge.data.mma import MMA_SEED
from bridge.data.readers import parts_on_grid
from bridge.music.keys import estimate_key, pc_histogram
from bridge.music.theory import TICKS_PER_BEAT, Meter, mood_from

WINDOW_BARS = 4
_CACHE: dict = {}


def _split(i: int) -> str:
    return ("train", "train", "train", "val", "test")[i % 5]


def _rows_from_notes(notes, piece, role, style, tonic, mode, meter, tempo, split, part):
    """Cut a part (notes in ticks) into 4-bar windows of whole bars."""
    num, den = meter
    bar = Meter(num, den).ticks_per_bar
    notes = np.asarray(notes, dtype=np.int32).reshape(-1, 4)
    rows = []
    if not len(notes):
        return rows
    n_bars = int(notes[:, 0].max()) // bar + 1
    for w, b0 in enumerate(range(0, n_bars - WINDOW_BARS + 1, WINDOW_BARS)):
        sel = cut_window(notes, b0 * bar, (b0 + WINDOW_BARS) * bar)
        if len(sel) < 4:
            continue
        npb = len(sel) / (WINDOW_BARS * bar / TICKS_PER_BEAT)
        rows.append(ClipRow(sel, piece, role, style, mood_from(mode, tempo, npb), tonic, mode,
                            num, den, tempo, WINDOW_BARS, split, window=w, part=part))
    return rows


def _m21_parts(score):
    """Notes [start, dur, pitch, vel] in ticks per part, as the corpus builder reads them
    (bridge.data.readers: pickup measures padded so bar lines fall on multiples of the bar)."""
    if not score.parts:
        return [], (4, 4)
    _, meters, notes = parts_on_grid(list(score.parts))
    return [n for n, _ in notes], meters[0][1:]


def _mma_clips(workdir: Path):
    """Render a few MMA grooves; yields (style, meter, tonic, parts by role)."""
    if not shutil.which("mma"):
        return
    import pretty_midi

    # "Use" names the library file, so the groove database need not be built.
    songs = [("rock", "basicrock", "BasicRock", (4, 4)), ("swing", "swing", "Swing", (4, 4)),
             ("waltz", "waltz", "Waltz", (3, 4))]
    progressions = [("C", 0, "C Am F G C Am Dm G"), ("G", 7, "G Em C D G Em Am D"), ("D", 2, "D Bm G A D Bm Em A")]
    for style, lib, groove, meter in songs:
        for name, tonic, prog in progressions:
            src = workdir / f"{style}_{name}.mma"
            body = "\n".join(f"{i + 1} {c}" for i, c in enumerate(prog.split() * 2))
            # MMA humanises at random: its seed, as the corpus builder gives it, makes every tiny dataset the same
            src.write_text(f"RndSeed {MMA_SEED}\nTempo 110\nUse stdlib/{lib}\nGroove {groove}\n{body}\n")
            subprocess.run(["mma", str(src)], capture_output=True, timeout=60, check=False)
            mid = src.with_suffix(".mid")
            if not mid.exists():
                continue
            pm = pretty_midi.PrettyMIDI(str(mid))
            roles: dict = {}
            for inst in pm.instruments:
                role = "drums" if inst.is_drum else "bass" if "bass" in inst.name.lower() else "chords"
                for n in inst.notes:
                    s = round(pm.time_to_tick(n.start) / pm.resolution * TICKS_PER_BEAT)
                    e = round(pm.time_to_tick(n.end) / pm.resolution * TICKS_PER_BEAT)
                    roles.setdefault(role, []).append((s, max(1, e - s), n.pitch, n.velocity))
            yield style, meter, tonic, {r: sorted(v) for r, v in roles.items()}


def build_tiny_dataset(folder: Path, chorales: int = 10, tunes: int = 10) -> Dataset:
    from music21 import corpus

    rows, pieces, styles = [], [], ["baroque-chorale", "irish-folk", "rock", "swing", "waltz"]
    chorale_paths = sorted(p for p in corpus.getComposer("bach") if p.suffix == ".mxl")[:chorales]
    tune_paths = sorted(p for p in corpus.getPaths() if "ryansMammoth" in str(p))[:tunes]
    for path, style in [(p, "baroque-chorale") for p in chorale_paths] + [(p, "irish-folk") for p in tune_paths]:
        score = corpus.parse(str(path))
        parts, meter = _m21_parts(score)
        # the piece's key by the rule the corpus labels and the engines use (bridge.music.keys)
        tonic, mode = estimate_key(pc_histogram(np.concatenate(parts))) if parts else (0, "major")
        idx = len(pieces)
        pieces.append({"id": path.stem, "source": "music21-corpus", "path": path.name,
                       "title": path.stem, "style": style, "licence": "public-domain"})
        split = _split(idx)
        if style == "baroque-chorale" and len(parts) >= 4:
            merged = np.concatenate(parts)
            merged = merged[np.lexsort(merged.T[::-1])]  # by start, duration, pitch, velocity
            for notes, role, part in ((parts[0], "melody", 0), (parts[-1], "bass", 3), (merged, "chords", 9)):
                rows += _rows_from_notes(notes, idx, role, style, tonic, mode, meter, 90.0, split, part)
        elif parts:
            rows += _rows_from_notes(parts[0], idx, "melody", style, tonic, mode, meter, 120.0, split, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for style, meter, tonic, by_role in _mma_clips(Path(tmp)):
            idx = len(pieces)
            pieces.append({"id": f"mma-{style}-{tonic}", "source": "mma-grooves", "path": "",
                           "title": f"{style} groove", "style": style, "licence": "GPL-2.0 (MMA library)"})
            for part, (role, notes) in enumerate(sorted(by_role.items())):
                rows += _rows_from_notes(notes, idx, role, style, tonic, "major", meter, 110.0, _split(idx), part)
    return save_dataset(folder, rows, {"styles": styles, "pieces": pieces, "name": "tiny-test"})


def tiny_dataset_path(tmp_path_factory) -> Path:
    """Build (once per process) and return the tiny dataset's folder."""
    if "path" not in _CACHE:
        folder = tmp_path_factory.mktemp("tiny_ds")
        build_tiny_dataset(folder)
        _CACHE["path"] = folder
    return _CACHE["path"]


def tiny_model_path(tmp_path_factory) -> Path:
    """Train (once per process) a Markov model on the tiny dataset and return its folder."""
    if "model" not in _CACHE:
        from bridge.engines.markov.train import train_markov

        out = tmp_path_factory.mktemp("markov_model")
        train_markov(tiny_dataset_path(tmp_path_factory), out)
        _CACHE["model"] = out
    return _CACHE["model"]


@pytest.fixture(scope="session")
def tiny_ds(tmp_path_factory):
    return tiny_dataset_path(tmp_path_factory)


def test_tiny_dataset_is_real_and_covers_every_role(tiny_ds):
    ds = Dataset.load(tiny_ds)
    roles = {ds.labels(i)["role"] for i in range(len(ds))}
    assert {"melody", "bass", "chords"} <= roles
    assert len(ds.indices("train")) > 20 and len(ds.indices("test")) > 0
    assert ds.notes[:, 2].min() >= 0 and ds.notes[:, 1].min() > 0
