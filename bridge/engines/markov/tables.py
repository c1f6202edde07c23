"""The Markov baseline's representation: note events, their symbols and contexts, and count tables.

Training (markov_train.py) and sampling (markov.py) must build exactly the same context strings,
so every context and symbol is made here and nowhere else.

A part is split into two streams, each an interpolated variable-order n-gram:
- rhythm: one token "ioi:dur" (ticks to the next onset, held ticks; dur 0 is a rest) per onset
  group, in the context of the position in the bar and the previous tokens;
- content: per onset group, the interval from the previous note (melody, bass; key-relative pitch
  class and metric level in the context), the key-relative chord shape (chords, keys) or the drum
  hit set (drums, in the context of the exact position in the bar).
Everything pitched is relative to the key's tonic, so one model serves every key.

Tables are packed as sorted 64-bit context hashes plus CSR arrays (symbol ids and counts), saved as
safetensors: a lookup is one hash and one binary search, so a model loads in milliseconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from bridge.music.theory import TICKS_PER_BEAT, Meter

ROLE_KIND = {"melody": "top", "bass": "bottom", "chords": "poly", "keys": "poly", "drums": "drums"}
MAX_INTERVAL = 14  # melodic intervals beyond +-14 semitones are clipped (vocab of 29)
INTERVALS = tuple(range(-MAX_INTERVAL, MAX_INTERVAL + 1))
MAX_CHORD_NOTES = 6  # larger onset groups keep their lowest six notes
MAX_CHORD_SPAN = 36  # chord notes more than three octaves above the lowest are dropped
BOS = "^"  # history padding at the start of a part
DISCOUNT = None  # None: Witten-Bell (measured best on val); a float: absolute discounting, see Table
DENSE_ROW = 64  # rows longer than this are interpolated densely and cached as a prefix
ROW_MEMO = 500_000  # context strings whose row index is remembered
CACHE_BYTES = 32 * 2**20  # per table: interpolated distributions kept for repeated contexts


@dataclass
class Event:
    """One onset group: a tick, how long it sounds and its pitches (ascending) and velocities."""

    tick: int
    dur: int
    pitches: tuple
    vels: tuple


def bar_ticks(meter: Meter) -> int:
    return meter.ticks_per_bar


def is_compound(meter: Meter) -> bool:
    return meter.denominator == 8 and meter.numerator % 3 == 0 and meter.numerator > 3


def beat_ticks(meter: Meter) -> int:
    """Ticks per felt beat: a dotted quarter in compound meters (6/8, 9/8, 12/8), else one
    denominator unit."""
    unit = max(1, round(4 * TICKS_PER_BEAT / meter.denominator))
    return 3 * unit if is_compound(meter) else unit


def metric_level(tick_in_bar: int, meter: Meter) -> int:
    """0 downbeat, 1 beat, 2 beat subdivision (half or third of a beat), 3 anything else."""
    if tick_in_bar == 0:
        return 0
    beat = beat_ticks(meter)
    if tick_in_bar % beat == 0:
        return 1
    sub = beat // 3 if is_compound(meter) else beat // 2
    if sub and tick_in_bar % sub == 0:
        return 2
    return 3


def group_events(notes: np.ndarray, kind: str) -> list[Event]:
    """Onset groups of a notes array [n, 4] (start, dur, pitch, vel in ticks), sorted by start.

    "top" keeps the highest note of each group (a melody), "bottom" the lowest (a bass line);
    "poly" and "drums" keep all (at most MAX_CHORD_NOTES) and sound for the longest one.
    """
    events: list[Event] = []
    if len(notes) == 0:
        return events
    order = np.lexsort((notes[:, 2], notes[:, 0]))
    notes = notes[order]
    starts = notes[:, 0]
    cuts = np.nonzero(np.diff(starts))[0] + 1
    for grp in np.split(notes, cuts):
        if kind == "top":
            g = grp[np.argmax(grp[:, 2])][None]
        elif kind == "bottom":
            g = grp[np.argmin(grp[:, 2])][None]
        else:
            _, first = np.unique(grp[:, 2], return_index=True)
            g = grp[np.sort(first)][:MAX_CHORD_NOTES]
        events.append(
            Event(int(g[0, 0]), int(max(1, g[:, 1].max())), tuple(int(p) for p in g[:, 2]), tuple(int(v) for v in g[:, 3]))
        )
    return events


def rhythm_tokens(events: list[Event], kind: str, cap: int) -> list[tuple[int, int, int]]:
    """(onset tick, ioi, dur) per rhythm token. A leading rest and gaps longer than `cap` become
    rest tokens (dur 0); a monophonic note never outlasts its gap; the last note's ioi is its dur."""
    out: list[tuple[int, int, int]] = []
    if not events:
        return out
    t = 0
    while events[0].tick - t > 0:
        step = min(cap, events[0].tick - t)
        out.append((t, step, 0))
        t += step
    for i, ev in enumerate(events):
        gap = events[i + 1].tick - ev.tick if i + 1 < len(events) else min(ev.dur, cap)
        dur = min(ev.dur, gap) if kind in ("top", "bottom") else ev.dur
        dur = max(1, min(dur, cap))
        step = min(gap, cap)
        out.append((ev.tick, step, dur))
        t = ev.tick + step
        while i + 1 < len(events) and events[i + 1].tick - t > 0:
            rest = min(cap, events[i + 1].tick - t)
            out.append((t, rest, 0))
            t += rest
    return out


def rhythm_symbol(ioi: int, dur: int) -> str:
    return f"{ioi}:{dur}"


def parse_rhythm_symbol(sym: str) -> tuple[int, int]:
    a, b = sym.split(":")
    return int(a), int(b)


def chord_symbol(pitches: tuple, tonic: int) -> str:
    """Key-relative pitch class of the lowest note, then the intervals above it: "0:4.7"."""
    low = pitches[0]
    ups = sorted({p - low for p in pitches[1:] if 0 < p - low <= MAX_CHORD_SPAN})
    return f"{(low - tonic) % 12}:" + ".".join(str(u) for u in ups[: MAX_CHORD_NOTES - 1])


def parse_chord_symbol(sym: str) -> tuple[int, tuple]:
    pc, ups = sym.split(":")
    return int(pc), tuple(int(u) for u in ups.split(".")) if ups else ()


def drum_symbol(pitches: tuple) -> str:
    return ".".join(str(p) for p in sorted(set(pitches)))


def parse_drum_symbol(sym: str) -> tuple:
    return tuple(int(p) for p in sym.split(".")) if sym else ()


def tonic_ref(tonic: int) -> int:
    """The tonic's MIDI offset nearest C (-5..6): register stats stay comparable across keys."""
    return tonic if tonic <= 6 else tonic - 12


def clip_interval(a: int, b: int) -> int:
    return max(-MAX_INTERVAL, min(MAX_INTERVAL, b - a))


# --- contexts: generic first, most specific last; callers prefix "A|" (all styles) or "S<style>|"


def rhythm_contexts(pos: int, meter: Meter, hist: list, order: int) -> list[str]:
    beat = beat_ticks(meter)
    m = f"m{meter}|p{pos}"
    out = [f"b{beat}.{pos % beat}", m]
    for k in range(1, min(order, len(hist)) + 1):
        out.append(f"{m}|h" + ",".join(hist[-k:]))
    return out


def mono_contexts(mode: str, pc: int, level: int, ints: list, order: int) -> list[str]:
    base = mode[:3]
    c = f"{base}|c{pc}|l{level}"
    out = [base, f"{base}|c{pc}", c]
    for k in range(1, min(order, len(ints)) + 1):
        out.append(f"{c}|i" + ",".join(str(i) for i in ints[-k:]))
    return out


def first_contexts(mode: str) -> list[str]:
    return [f"{mode[:3]}|first"]


def poly_contexts(mode: str, level: int, hist: list, order: int) -> list[str]:
    base = f"{mode[:3]}|l{level}"
    out = [mode[:3], base]
    for k in range(1, min(order, len(hist)) + 1):
        out.append(f"{base}|h" + ",".join(hist[-k:]))
    return out


def drum_contexts(pos: int, meter: Meter, hist: list, order: int) -> list[str]:
    beat = beat_ticks(meter)
    m = f"m{meter}|p{pos}"
    out = ["d", f"b{beat}.{pos % beat}", m]
    for k in range(1, min(order, len(hist)) + 1):
        out.append(f"{m}|h" + ",".join(hist[-k:]))
    return out


def chain(contexts: list[str], style: str | None) -> list[str]:
    """Interleave pooled and style-specific contexts: A0, S0, A1, S1, ... (generic to specific)."""
    out = []
    for c in contexts:
        out.append("A|" + c)
        if style is not None:
            out.append(f"S{style}|" + c)
    return out


def ctx_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


# --- counting (training) and packed lookup (sampling)


class Counts:
    """Context string -> {symbol id: count}, filled during training."""

    def __init__(self):
        self.table: dict[str, dict[int, int]] = {}

    def add(self, contexts: list[str], sym: int, weight: int = 1) -> None:
        for c in contexts:
            row = self.table.get(c)
            if row is None:
                row = self.table[c] = {}
            row[sym] = row.get(sym, 0) + weight

    def pack(self, min_count: int) -> dict[str, np.ndarray]:
        """Sorted hashes + CSR arrays. History contexts seen fewer than `min_count` times are
        pruned (they back off to shorter ones); short contexts always stay."""
        items = []
        for ctx, row in self.table.items():
            if ("|h" in ctx or "|i" in ctx) and sum(row.values()) < min_count:
                continue
            items.append((ctx_hash(ctx), row))
        items.sort(key=lambda kv: kv[0])
        keys = np.array([k for k, _ in items], dtype=np.uint64)
        if len(keys) and np.any(np.diff(keys) == 0):
            raise ValueError("64-bit context hash collision; rename a style and retrain")
        lengths = np.array([len(r) for _, r in items], dtype=np.int64)
        offsets = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        syms = np.fromiter((s for _, r in items for s in r), dtype=np.int64, count=int(offsets[-1]))
        cnts = np.fromiter((c for _, r in items for c in r.values()), dtype=np.int64, count=int(offsets[-1]))
        if syms.size and syms.max() >= 2**16:
            raise ValueError("a vocabulary over 65,536 symbols does not fit the uint16 table format")
        return {
            "keys": keys,
            "offsets": offsets.astype(np.uint32),
            "syms": syms.astype(np.uint16),
            "counts": np.minimum(cnts, 2**31 - 1).astype(np.uint32),
        }


class Table:
    """A packed table: P(symbol | context chain), interpolated generic to specific.

    Interpolated absolute discounting (Ney, Essen & Kneser 1994): each seen count gives up
    `discount` to the shorter contexts. A rare, varied long context (seen n times with t distinct
    followers) keeps (n - d t) / n of the mass, where Witten-Bell (discount None) keeps n / (n + t):
    for three followers seen once each, 0.25 against 0.5. On the permissive corpus Witten-Bell with
    pruning chosen on the val split scored better (d = 0.5, 0.75 and 0.9 were tried), so it is the
    default; the discount stays a training setting for other data."""

    def __init__(self, arrays: dict[str, np.ndarray], vocab_size: int, discount: float | None = DISCOUNT):
        self.keys = arrays["keys"]
        self.offsets = arrays["offsets"].astype(np.int64)
        self.syms = arrays["syms"].astype(np.int64)
        self.counts = arrays["counts"].astype(np.float64)
        self.vocab_size = vocab_size
        self.discount = discount
        self._cache: dict[tuple, np.ndarray] = {}
        self._rows: dict[str, int] = {}
        self._uniform = np.full(vocab_size, 1.0 / max(1, vocab_size))
        self._uniform.setflags(write=False)
        self._totals = np.add.reduceat(self.counts, self.offsets[:-1]) if len(self.keys) else np.zeros(0)
        self._t = np.diff(self.offsets).astype(np.float64)
        self._cache_limit = max(1000, CACHE_BYTES // (8 * max(1, vocab_size)))

    def row(self, context: str) -> int:
        """Index of the context's row, -1 when absent (memoised: contexts repeat across requests)."""
        i = self._rows.get(context)
        if i is None:
            h = ctx_hash(context)
            j = int(self.keys.searchsorted(np.uint64(h)))
            i = j if j < len(self.keys) and int(self.keys[j]) == h else -1
            if len(self._rows) > ROW_MEMO:
                self._rows.clear()
            self._rows[context] = i
        return i

    def counts_of(self, context: str):
        """(symbol ids, counts) of a context, or None."""
        i = self.row(context)
        if i < 0:
            return None
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.syms[a:b], self.counts[a:b]

    def dist(self, contexts: list[str]) -> np.ndarray:
        """Interpolated distribution over the vocabulary (a cached, read-only array).

        Interpolation runs generic to specific: p_k = l_k * p_(k-1) + counts_k / (n_k + t_k), with
        l_k = t_k / (n_k + t_k) (t: distinct symbols, n: total count). Results are cached under the
        tuple of rows found so far. Short contexts have long rows and are shared by many requests:
        they are applied densely and cached one by one; the long tail of short rows of specific
        contexts is folded in sparsely at the end (one dense multiply for all of them)."""
        p = self._uniform
        key: tuple = ()
        pending: list[int] = []
        missing_pooled = False
        for ctx in contexts:
            pooled = ctx.startswith("A|")
            if missing_pooled and pooled:
                break  # a longer pooled context cannot exist when a shorter one did not
            i = self.row(ctx)
            if i < 0:
                missing_pooled = missing_pooled or pooled
                continue
            key = key + (i,)
            hit = self._cache.get(key)
            if hit is not None:
                p, pending = hit, []
                continue
            if self.offsets[i + 1] - self.offsets[i] > DENSE_ROW or not pending and len(key) == 1:
                p = self._fold(p, pending + [i])
                pending = []
                self._store(key, p)
            else:
                pending.append(i)
        if pending:
            p = self._fold(p, pending)
            self._store(key, p)
        return p

    def _fold(self, p: np.ndarray, rows: list[int]) -> np.ndarray:
        """Apply interpolation steps for `rows` (generic to specific) to `p`, returning a new array."""
        d = self.discount
        if d is None:  # Witten-Bell
            lams = [self._t[i] / (self._totals[i] + self._t[i]) for i in rows]
        else:  # absolute discounting: d is taken from every seen count and given to the lower order
            lams = [d * self._t[i] / self._totals[i] for i in rows]
        out = p * float(np.prod(lams))
        suffix = 1.0
        for i, lam in zip(reversed(rows), reversed(lams)):
            a, b = self.offsets[i], self.offsets[i + 1]
            if d is None:
                out[self.syms[a:b]] += self.counts[a:b] * (suffix / (self._totals[i] + self._t[i]))
            else:
                out[self.syms[a:b]] += (self.counts[a:b] - d) * (suffix / self._totals[i])
            suffix *= lam
        out.setflags(write=False)
        return out

    def _store(self, key: tuple, p: np.ndarray) -> None:
        if len(self._cache) > self._cache_limit:
            self._cache.clear()
        self._cache[key] = p
