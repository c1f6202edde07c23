"""Training windows: dataset clips cut into `window_bars`-bar windows of one part, each as
(decoder sequence, encoder tokens) over the shared event vocabulary.

    decoder: BOS ROLE STYLE MOOD KEY METER TEMPO DENSITY BARS(n) | BAR ... BAR ... EOS
    encoder:                                                        BAR ... BAR ...

The encoder sees only the notes; the conditions reach the decoder through the prefix (dropped to
"any" now and then, so requests that leave them out are in the training distribution). The
density bucket is the window's own notes per beat, so the prefix never contradicts the notes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.errors import BadRequest
from bridge.music.theory import MOODS, ROLES, Key, Meter, density_bucket, tempo_bucket
import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.tokenizer import Conditions, bar_ticks, canonical, encode_bars


@dataclass
class WindowConfig:
    cond_dropout: float = 0.1  # chance each of mood, key, tempo, density is "any"
    transpose: tuple = (-5, 6)  # inclusive semitone range for pitched roles
    min_notes: int = 1  # windows with fewer notes are skipped


@dataclass
class Window:
    clip: int  # dataset row
    bar: int  # first bar
    seq: list  # decoder tokens (prefix, bars, EOS)
    enc: list  # encoder tokens (bars)
    notes: np.ndarray  # [n, 4] canonical ticks from the window's start (transposed)
    shift: int = 0


class WindowMaker:
    def __init__(self, ds: Dataset, styles: list[str], window_bars: int, max_len: int, cfg: WindowConfig):
        self.ds, self.styles, self.n, self.max_len, self.cfg = ds, styles, window_bars, max_len, cfg
        ok = np.zeros(len(ds), dtype=bool)
        for i, row in enumerate(ds.clips):
            try:
                bar_ticks(Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]])))
                ok[i] = row[COL["note_count"]] > 0 and row[COL["bars"]] >= 1
            except (BadRequest, ValueError):
                ok[i] = False
        self.usable = {s: ds.indices(s)[ok[ds.indices(s)]] for s in ("train", "val", "test")}

    def starts(self, i: int) -> list[int]:
        """The non-overlapping window starts of clip i (a clip shorter than a window: [0])."""
        bars = int(self.ds.clips[i][COL["bars"]])
        return list(range(0, max(1, bars - self.n + 1), self.n))

    def window(self, i: int, bar: int, rng: np.random.Generator | None) -> Window | None:
        """The window of clip i from `bar`; `rng` None: unaugmented, every condition given.
        None when it has too few notes or does not fit max_len."""
        row = self.ds.clips[i]
        meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
        tpb, bars = bar_ticks(meter), int(row[COL["bars"]])
        notes = self.ds.clip_notes(i).astype(np.int64)
        lo, hi = bar * tpb, (bar + self.n) * tpb
        notes = notes[(notes[:, 0] >= lo) & (notes[:, 0] < hi)].copy()
        notes[:, 0] -= lo
        notes[:, 1] = np.minimum(notes[:, 1], hi - lo - notes[:, 0])
        if len(notes) < self.cfg.min_notes:
            return None
        role = ROLES[row[COL["role"]]]
        shift = 0
        if rng is not None and role != "drums":
            a, b = self.cfg.transpose
            a, b = max(a, -int(notes[:, 2].min())), min(b, 127 - int(notes[:, 2].max()))
            shift = int(rng.integers(a, b + 1)) if b >= a else 0
            notes[:, 2] += shift
        notes = canonical(notes, tpb, self.n, role == "drums")
        enc = [t for b in encode_bars(notes, tpb, self.n) for t in b]
        drop = (lambda: rng.random() < self.cfg.cond_dropout) if rng is not None else (lambda: False)  # noqa: E731
        key = None if role == "drums" or drop() else Key((int(row[COL["tonic"]]) + shift) % 12,
                                                        ("major", "minor")[row[COL["mode"]]])
        cond = Conditions(
            role=role, style_slot=self.styles.index(self.ds.styles[row[COL["style"]]]),
            mood=None if drop() else MOODS[row[COL["mood"]]], key=key, meter=meter,
            tempo_bucket=None if drop() else tempo_bucket(float(row[COL["tempo"]])),
            density_bucket=None if drop() else density_bucket(len(notes) / (self.n * meter.beats_per_bar)),
            bars=self.n)
        seq = cond.tokens() + enc + [V.EOS]
        if len(seq) > self.max_len:
            return None
        del bars
        return Window(i, bar, seq, enc, notes, shift)

    def random_window(self, i: int, rng: np.random.Generator) -> Window | None:
        bars = int(self.ds.clips[i][COL["bars"]])
        return self.window(i, int(rng.integers(0, max(1, bars - self.n + 1))), rng)

    def fixed(self, split: str, count: int, seed: int = 1234) -> list[Window]:
        """`count` unaugmented windows of `split` (one per clip, at a seeded start): validation."""
        rng = np.random.default_rng(seed)
        out = []
        for i in rng.permutation(self.usable[split]):
            st = self.starts(int(i))
            w = self.window(int(i), st[int(rng.integers(0, len(st)))], None)
            if w is not None:
                out.append(w)
            if len(out) >= count:
                break
        return out


def collate(wins: list[Window]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """-> decoder inputs x [B, T-1], targets y [B, T-1] (PAD on the prefix and after the end),
    encoder tokens w [B, Tw] and their lengths [B]."""
    t = max(len(w.seq) for w in wins)
    arr = np.full((len(wins), t), V.PAD, dtype=np.int64)
    tw = max(len(w.enc) for w in wins)
    enc = np.full((len(wins), tw), V.PAD, dtype=np.int64)
    for r, w in enumerate(wins):
        arr[r, : len(w.seq)] = w.seq
        enc[r, : len(w.enc)] = w.enc
    x, y = arr[:, :-1], arr[:, 1:].copy()
    y[:, : V.PREFIX_LEN - 1] = V.PAD
    return x, y, enc, np.array([len(w.enc) for w in wins], dtype=np.int64)
