"""Training examples: dataset clips -> token sequences, with transposition, condition dropout and
bar-level fill-in-the-middle (FIM), so one model learns to generate, continue, infill and restyle.

With `context_rate` > 0 a share of examples writes a part beside 1..`max_context` other parts of
the same window of the same piece (clips sharing (piece, window), kept only where bars and meter
agree): the per-bar context units of vocab.py, transposed together, in a random track order.

An example is a list of ints; the loss is taken on every position after the condition prefix, in
a context example on the target's tokens only (what decoding samples; the context is forced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.errors import BadRequest
from bridge.music.theory import MOODS, ROLES, Key, Meter, density_bucket, tempo_bucket
import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.tokenizer import Conditions, bar_ticks, canonical, context_units, encode_bars


@dataclass
class ExampleConfig:
    seq_len: int = 512  # longest training sequence in tokens
    fim_rate: float = 0.5  # share of examples in FIM form (continue / infill / restyle)
    cond_dropout: float = 0.1  # chance each of mood, key, tempo, density is replaced by "any"
    style_dropout: float = 0.0  # chance the style is replaced by "any style" (the reserved slot)
    uncond_rate: float = 0.0  # chance style, mood and key are all "any" at once: the prefix of
    # classifier-free guidance's unconditional row, which the model must know to make guidance work
    transpose: tuple = (-5, 6)  # inclusive semitone range for pitched roles
    context_rate: float = 0.0  # share of examples written beside other parts of their window (0..1)
    max_context: int = 3  # most context tracks an example carries (1..8)


class ExampleMaker:
    """Holds the dataset, its usable clip indices per split, and the style slots."""

    def __init__(self, ds: Dataset, cfg: ExampleConfig, styles: list[str]):
        self.ds, self.cfg, self.styles = ds, cfg, styles
        if not 0.0 <= cfg.context_rate <= 1.0 or not 1 <= cfg.max_context <= 8:
            raise ValueError(f"data.context_rate must be in 0..1 (got {cfg.context_rate}) and data.max_context "
                             f"in 1..8 (got {cfg.max_context})")
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
        self.partners = aligned_partners(ds, ok)  # clip -> the other usable parts of its window
        self.with_partners = {}  # split -> clips that have partners
        for split, idx in self.usable.items():
            self.with_partners[split] = np.array([i for i in idx if int(i) in self.partners], dtype=np.int64)

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
        if self.cfg.context_rate > 0 and rng.random() < self.cfg.context_rate:
            pool = self.with_partners.get(("train", "val", "test")[self.ds.clips[i][COL["split"]]])
            if int(i) in self.partners or (pool is not None and len(pool)):
                j = int(i) if int(i) in self.partners else int(pool[rng.integers(0, len(pool))])
                return self.context_example(j, rng, augment)
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
        return self._sequence(i, bars, shift, rng, augment)

    def context_example(self, i: int, rng: np.random.Generator, augment: bool = True,
                        context: list[int] | None = None) -> list[int]:
        """Clip i's part written beside `context` (clip indices; else 1..max_context of its
        partners drawn at random, in a random order): per-bar units, all parts moved by one shift."""
        row = self.ds.clips[i]
        meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
        tpb, n_bars = bar_ticks(meter), int(row[COL["bars"]])
        if context is None:
            mates = self.partners[int(i)]
            k = int(rng.integers(1, min(self.cfg.max_context, len(mates)) + 1))
            context = [int(j) for j in rng.permutation(mates)[:k]]
        parts = [int(i)] + list(context)
        notes = [self.ds.clip_notes(j).astype(np.int64) for j in parts]
        pitched = [n for j, n in zip(parts, notes) if ROLES[self.ds.clips[j][COL["role"]]] != "drums" and len(n)]
        shift = 0
        if augment and pitched:
            lo, hi = self.cfg.transpose
            lo = max(lo, max(-int(n[:, 2].min()) for n in pitched))
            hi = min(hi, min(127 - int(n[:, 2].max()) for n in pitched))
            shift = int(rng.integers(lo, hi + 1)) if hi >= lo else 0
        bars = []
        for j, n in zip(parts, notes):
            if shift and ROLES[self.ds.clips[j][COL["role"]]] != "drums":
                n = n.copy()
                n[:, 2] += shift
            bars.append(encode_bars(canonical(n, tpb, n_bars), tpb, n_bars))
        ctx = [(ROLES[self.ds.clips[j][COL["role"]]], b) for j, b in zip(context, bars[1:])]
        return self._sequence(i, context_units(bars[0], ctx, ROLES[row[COL["role"]]]), shift, rng, augment)

    def _sequence(self, i: int, bars: list[list[int]], shift: int, rng, augment: bool) -> list[int]:
        """Crop, condition prefix, then plain or FIM form, over bars (or context units)."""
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


def aligned_partners(ds: Dataset, ok: np.ndarray) -> dict[int, list[int]]:
    """For each usable clip, the other usable clips of its (piece, window) with the same bar count
    and meter: the aligned parts it can be written beside (the dataset cuts every part of a piece
    at the same bar lines, so these share bars; parts of another length or meter are left out)."""
    c = ds.clips
    keys = np.stack([c[:, COL["piece"]], c[:, COL["window"]], c[:, COL["bars"]], c[:, COL["meter_num"]],
                     c[:, COL["meter_den"]]], 1)
    groups: dict[tuple, list[int]] = {}
    for i in np.flatnonzero(ok):
        groups.setdefault(tuple(int(x) for x in keys[i]), []).append(int(i))
    out = {}
    for members in groups.values():
        if len(members) > 1:
            for i in members:
                out[i] = [j for j in members if j != i]
    return out


def _flat(bars: list[list[int]]) -> list[int]:
    return [t for b in bars for t in b]


def collate(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets [B, T-1], padded with PAD; the loss ignores PAD targets, the
    condition prefix (the targets at positions < PREFIX_LEN - 1) and, in context examples, the
    tokens decoding forces (forced_positions)."""
    t = max(len(s) for s in seqs)
    arr = np.full((len(seqs), t), V.PAD, dtype=np.int64)
    for r, s in enumerate(seqs):
        arr[r, : len(s)] = s
    x, y = arr[:, :-1], arr[:, 1:].copy()
    y[:, : V.PREFIX_LEN - 1] = V.PAD
    for r, s in enumerate(seqs):
        if V.CTX in s:  # decoding forces the context runs: the loss is on the part (and on ending its bars)
            y[r, : len(s) - 1][forced_positions(s)[1:]] = V.PAD
    return x, y


def forced_positions(seq: list[int]) -> np.ndarray:
    """bool [len(seq)]: the tokens decoding forces in a context sequence, each context run's
    `CTX ROLE events` and the target's ROLE after it, except a CTX that follows the target's own
    tokens (where the model chooses to end the bar). A sequence without CTX has none."""
    out = np.zeros(len(seq), dtype=bool)
    in_run = False
    for k, t in enumerate(seq):
        if t == V.CTX:
            out[k] = in_run  # the first CTX of a run is the model's choice; the next ones are forced
            in_run = True
        elif in_run:
            out[k] = True
            if V.ROLE_OFFSET <= t < V.STYLE_OFFSET and seq[k - 1] != V.CTX:
                in_run = False  # the target's ROLE: its bar follows
    return out


def training_split(ds: Dataset, dc: ExampleConfig, styles: list, data_dir, val_clips: int, batch_size: int):
    """What every token-by-token trainer starts from: the example maker over `styles`, the train and
    val clip indices (a tenth of train held out when the dataset has no val split) and the fixed
    val batches (seed 1234, no augmentation) -> (maker, train_idx, val_idx, val_batches)."""
    if len(styles) > V.NAMED_STYLES:
        raise ValueError(f"the dataset has {len(styles)} styles; the vocabulary holds {V.NAMED_STYLES}")
    maker = ExampleMaker(ds, dc, styles)
    train_idx, val_idx = maker.usable["train"], maker.usable["val"]
    if not len(train_idx):
        raise ValueError(f"{data_dir} has no usable training clips")
    if not len(val_idx):  # tiny datasets: hold out a slice of train
        val_idx, train_idx = train_idx[: max(1, len(train_idx) // 10)], train_idx[max(1, len(train_idx) // 10):]
    vrng = np.random.default_rng(1234)
    val_sel = vrng.permutation(val_idx)[:val_clips]
    val_seqs = [maker.example(int(i), vrng, augment=False) for i in val_sel]
    return maker, train_idx, val_idx, [collate(val_seqs[k : k + batch_size]) for k in range(0, len(val_seqs), batch_size)]
