"""Training examples: dataset clips -> token sequences, with transposition, condition dropout and
bar-level fill-in-the-middle (FIM), so one model learns to generate, continue, infill and restyle.

An example is a list of ints; the loss is taken on every position after the condition prefix.
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
class ExampleConfig:
    seq_len: int = 512  # longest training sequence in tokens
    fim_rate: float = 0.5  # share of examples in FIM form (continue / infill / restyle)
    cond_dropout: float = 0.1  # chance each of mood, key, tempo, density is replaced by "any"
    style_dropout: float = 0.0  # chance the style is replaced by "any style" (the reserved slot)
    uncond_rate: float = 0.0  # chance style, mood and key are all "any" at once: the prefix of
    # classifier-free guidance's unconditional row, which the model must know to make guidance work
    transpose: tuple = (-5, 6)  # inclusive semitone range for pitched roles


class ExampleMaker:
    """Holds the dataset, its usable clip indices per split, and the style slots."""

    def __init__(self, ds: Dataset, cfg: ExampleConfig, styles: list[str]):
        self.ds, self.cfg, self.styles = ds, cfg, styles
        self.usable = {}
        ok = np.zeros(len(ds), dtype=bool)
        for i, row in enumerate(ds.clips):
            try:
                bar_ticks(Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]])))
                ok[i] = row[COL["note_count"]] > 0 and 1 <= row[COL["bars"]] <= V.MAX_BARS
            except (BadRequest, ValueError):
                ok[i] = False
        for split in ("train", "val", "test"):
            idx = ds.indices(split)
            self.usable[split] = idx[ok[idx]]

    def conditions(self, i: int, n_bars: int, shift: int, rng: np.random.Generator) -> Conditions:
        row = self.ds.clips[i]
        drop = lambda: rng.random() < self.cfg.cond_dropout  # noqa: E731
        uncond = self.cfg.uncond_rate > 0 and rng.random() < self.cfg.uncond_rate
        role = ROLES[row[COL["role"]]]
        key = None
        if role != "drums" and not drop() and not uncond:
            key = Key((int(row[COL["tonic"]]) + shift) % 12, ("major", "minor")[row[COL["mode"]]])
        npb = row[COL["density_x100"]] / 100.0
        style = self.styles.index(self.ds.styles[row[COL["style"]]])
        if uncond or (self.cfg.style_dropout > 0 and rng.random() < self.cfg.style_dropout):
            style = None
        return Conditions(
            role=role,
            style_slot=style,
            mood=None if drop() or uncond else MOODS[row[COL["mood"]]],
            key=key,
            meter=Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]])),
            tempo_bucket=None if drop() else tempo_bucket(float(row[COL["tempo"]])),
            density_bucket=None if drop() else density_bucket(npb),
            bars=n_bars,
        )

    def example(self, i: int, rng: np.random.Generator, augment: bool = True) -> list[int]:
        row = self.ds.clips[i]
        meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
        tpb, n_bars = bar_ticks(meter), int(row[COL["bars"]])
        notes = self.ds.clip_notes(i).astype(np.int64)
        shift = 0
        if augment and ROLES[row[COL["role"]]] != "drums" and len(notes):
            lo, hi = self.cfg.transpose
            lo, hi = max(lo, -int(notes[:, 2].min())), min(hi, 127 - int(notes[:, 2].max()))
            shift = int(rng.integers(lo, hi + 1)) if hi >= lo else 0
            notes = notes.copy()
            notes[:, 2] += shift
        bars = encode_bars(canonical(notes, tpb, n_bars), tpb, n_bars)
        b0, b1 = self._crop(bars, rng)
        bars = bars[b0:b1]
        cond = self.conditions(i, len(bars), shift, rng) if augment else self.conditions(
            i, len(bars), 0, np.random.default_rng(0))
        seq = cond.tokens()
        if rng.random() < self.cfg.fim_rate and len(bars) > 1:
            a = int(rng.integers(0, len(bars)))
            b = int(rng.integers(a + 1, len(bars) + 1))
            seq += [V.PRE] + _flat(bars[:a]) + [V.SUF] + _flat(bars[b:]) + [V.MID, V.bars_token(b - a)]
            seq += _flat(bars[a:b])
        else:
            seq += _flat(bars)
        seq.append(V.EOS)
        return seq[: self.cfg.seq_len]

    def _crop(self, bars: list[list[int]], rng) -> tuple[int, int]:
        """A random run of whole bars that fits seq_len with room for the prefix and FIM markers."""
        room = self.cfg.seq_len - V.PREFIX_LEN - 5
        total = sum(len(b) for b in bars)
        if total <= room:
            return 0, len(bars)
        start = int(rng.integers(0, len(bars)))
        end, used = start, 0
        while end < len(bars) and used + len(bars[end]) <= room:
            used += len(bars[end])
            end += 1
        return start, max(end, start + 1)


def _flat(bars: list[list[int]]) -> list[int]:
    return [t for b in bars for t in b]


def collate(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets [B, T-1], padded with PAD; the loss ignores PAD targets and the
    condition prefix (the targets at positions < PREFIX_LEN - 1)."""
    t = max(len(s) for s in seqs)
    arr = np.full((len(seqs), t), V.PAD, dtype=np.int64)
    for r, s in enumerate(seqs):
        arr[r, : len(s)] = s
    x, y = arr[:, :-1], arr[:, 1:].copy()
    y[:, : V.PREFIX_LEN - 1] = V.PAD
    return x, y
