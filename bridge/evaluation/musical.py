"""Musical metrics of one clip: tonality, pitch variety, rhythm, drums, bass, structure, velocity.

Pure functions over a `ClipArray` (a clip's notes as int ticks plus its key, meter and bars), so
the same code reads a generated `Clip` and a dataset row without building `Note` objects. Every
number here has a made-up clip in tests/test_musical_metrics.py whose answer is known by hand.

Where MusPy (Dong et al., ISMIR 2020 LBD) defines a metric and computes it correctly on our clips,
we call it (`pitch_class_entropy`, `n_pitches_used`, `pitch_range`, `scale_consistency`,
`drum_pattern_consistency`); MusPy is imported lazily (extras `train` and `test`). Two of its
definitions we compute here over the clip's own bars, because MusPy 0.5.0 takes a clip's length
from its last note's end (so trailing empty bars vanish, and a note ending exactly on the final
barline adds one empty bar or beat) and its empty-beat count marks the beat a note ends on as
sounding: see `groove_consistency` and `empty_beat_rate`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bridge.music.keys import key_scores, pc_histogram  # the one Krumhansl-Kessler key rule
from bridge.music.ticks import clip_ticks, repeats, ticks_to_notes
from bridge.evaluation.metrics import DUR_EDGES
from bridge.music.clip import Clip
from bridge.music.grid import GRID
from bridge.music.theory import MODES, TICKS_PER_BEAT, Key, Meter

KEY_TIE = 0.01  # correlation margin: a key within this of the best one makes the best key ambiguous
BACKBEAT_TOLERANCE = 1  # ticks either side of beats 2 and 4 that still count as "on" the beat
SIMILAR_BAR = 0.5  # Jaccard similarity at which a bar "varies" an earlier one

# General MIDI percussion key map, grouped into the kit pieces a drummer thinks in.
DRUM_CLASSES = {
    "kick": (35, 36),
    "snare": (37, 38, 39, 40),
    "hats": (42, 44, 46),
    "toms": (41, 43, 45, 47, 48, 50),
    "cymbals": (49, 51, 52, 53, 55, 57, 59),
}
DRUM_CLASS_OF = {p: name for name, ps in DRUM_CLASSES.items() for p in ps}


@dataclass(frozen=True)
class ClipArray:
    """A clip as arrays. notes: int64 [n, 4] start tick, duration tick, pitch, velocity (the
    dataset's layout), sorted by (start, pitch); ticks are TICKS_PER_BEAT a quarter note."""

    notes: np.ndarray
    meter: Meter
    bars: int
    key: Key | None = None
    drums: bool = False
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # the MusPy view, built once

    @property
    def ticks_per_bar(self) -> int:
        return self.meter.ticks_per_bar

    @classmethod
    def of(cls, clip: Clip, key: Key | None = None) -> "ClipArray":
        """From a `Clip`; `key` overrides the clip's own (the asked key of a request)."""
        return cls.from_ticks(clip_ticks(clip), clip.meter, clip.meter.bars_spanned(clip.length),
                              key if key is not None else clip.key, clip.drums)

    @classmethod
    def from_ticks(cls, notes, meter: Meter, bars: int, key: Key | None = None, drums: bool = False) -> "ClipArray":
        a = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
        a = a[np.lexsort((a[:, 2], a[:, 0]))] if len(a) else a
        return cls(a, meter, int(bars), key, drums)

    @classmethod
    def from_dataset(cls, ds, i: int) -> "ClipArray":
        """Row i of a `bridge.data.dataset.Dataset`, with its labelled key."""
        lab = ds.labels(int(i))
        return cls.from_ticks(ds.clip_notes(int(i)), lab["meter"], lab["bars"], lab["key"], lab["role"] == "drums")

    def first_bars(self, bars: int) -> "ClipArray":
        """The clip's first `bars` bars (itself when it is no longer): notes starting in them, cut
        at the last bar line. Real clips are compared with generated ones of the same length, since
        a 16-bar clip uses more pitches, a wider range and repeats more bars than any 4-bar one."""
        if self.bars <= bars:
            return self
        end = bars * self.ticks_per_bar
        a = self.notes[self.notes[:, 0] < end].copy()
        a[:, 1] = np.minimum(a[:, 1], end - a[:, 0])
        return ClipArray(a, self.meter, int(bars), self.key, self.drums)

    def clip(self) -> Clip:
        return Clip(ticks_to_notes(self.notes), self.bars * self.meter.beats_per_bar, self.meter, key=self.key, drums=self.drums)


def _none(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _muspy():
    try:
        import muspy
    except ImportError as exc:  # an optional dependency: say how to get it
        raise ImportError("the musical metrics need MusPy: pip install 'cadenza[train]' (or 'muspy')") from exc
    return muspy


def to_muspy(ca: ClipArray):
    """The clip as a one-track `muspy.Music` at TICKS_PER_BEAT ticks per beat (built once per clip)."""
    if "muspy" not in ca.cache:
        muspy = _muspy()
        notes = [muspy.Note(time=int(s), pitch=int(p), duration=int(d), velocity=int(v)) for s, d, p, v in ca.notes]
        ca.cache["muspy"] = muspy.Music(resolution=TICKS_PER_BEAT, tracks=[muspy.Track(is_drum=ca.drums, notes=notes)])
    return ca.cache["muspy"]


# --- tonality -------------------------------------------------------------------------------

def tonality(ca: ClipArray, key: Key | None = None) -> tuple[float | None, bool | None]:
    """(r, match). r: Pearson correlation of the clip's duration-weighted pitch-class histogram
    with the Krumhansl-Kessler profile of `key` (the clip's key when None), -1..1. match: the
    asked key is the best of the 24 keys by that correlation and no other key comes within
    KEY_TIE of it (a lone tonic fits its major and minor keys equally, so it has no best key).
    (None, None) for drums, no key, or no pitch (or a flat histogram: r is 0 then)."""
    key = key if key is not None else ca.key
    if ca.drums or key is None or not len(ca.notes):
        return None, None
    scores = key_scores(pc_histogram(ca.notes))
    k = key.tonic + 12 * MODES.index(key.mode)
    others = np.delete(scores, k)
    return float(scores[k]), bool(scores[k] > others.max() + KEY_TIE)


# --- pitch variety (MusPy where it defines the metric) ------------------------------------

def pitch_class_entropy(ca: ClipArray) -> float | None:
    """MusPy's `pitch_class_entropy`: Shannon entropy (bits, 0..log2 12) of the note-count
    pitch-class histogram. 0 for a one-pitch-class clip."""
    return None if ca.drums or not len(ca.notes) else _none(_muspy().pitch_class_entropy(to_muspy(ca)))


def n_pitches_used(ca: ClipArray) -> int | None:
    """MusPy's `n_pitches_used`: number of distinct MIDI pitches."""
    return None if ca.drums or not len(ca.notes) else int(_muspy().n_pitches_used(to_muspy(ca)))


def pitch_range(ca: ClipArray) -> int | None:
    """MusPy's `pitch_range`: highest minus lowest pitch, semitones."""
    return None if ca.drums or not len(ca.notes) else int(_muspy().pitch_range(to_muspy(ca)))


def scale_consistency(ca: ClipArray) -> float | None:
    """MusPy's `scale_consistency`: the largest share of notes inside one major or natural minor
    scale, over the 24 scales (1.0 for any one-note clip: that is why it is not a column alone)."""
    return None if ca.drums or not len(ca.notes) else _none(_muspy().scale_consistency(to_muspy(ca)))


def repeated_note_share(ca: ClipArray) -> float | None:
    """Share of consecutive top-line notes that repeat the previous pitch (0..1; music/ticks.py's
    `repeats`); None below 2 onsets."""
    same, pairs = repeats(ca.notes)
    if ca.drums or pairs < 1:
        return None
    return same / pairs


# --- rhythm ------------------------------------------------------------------------------

def onset_positions(ca: ClipArray) -> np.ndarray:
    """Onset tick of every note inside its bar, 0 .. ticks_per_bar - 1."""
    return ca.notes[:, 0] % ca.ticks_per_bar


def onset_histogram(ca: ClipArray, size: int | None = None) -> np.ndarray:
    """Note counts by onset tick inside the bar: ticks_per_bar bins (or `size`, at least that)."""
    n = max(size or 0, ca.ticks_per_bar)
    return np.bincount(onset_positions(ca), minlength=n).astype(np.float64)[:n]


def duration_histogram(ca: ClipArray) -> np.ndarray:
    """Note counts by duration class (metrics.DUR_EDGES, ticks)."""
    return np.bincount(np.searchsorted(DUR_EDGES, ca.notes[:, 1], side="right"),
                       minlength=len(DUR_EDGES) + 1).astype(np.float64)


def on_grid(ca: ClipArray) -> tuple[int, int]:
    """(notes on the grid, notes): on the grid is an onset on a sixteenth (a multiple of 3 ticks)
    or an eighth triplet (a multiple of 4 ticks). Ticks 1, 2, 5, 7, 10 and 11 of a beat are off."""
    s = ca.notes[:, 0]
    return int(np.sum(np.isin(s % TICKS_PER_BEAT, GRID))), int(len(s))  # bridge/music/grid.py: the one grid


def empty_beat_rate(ca: ClipArray) -> float | None:
    """MusPy's `empty_beat_rate` (share of beats where no note sounds) over the clip's own
    bars, a note sounding over the beats of [start, end). MusPy 0.5.0 counts the beat a note
    ends on as sounding and sizes the clip by its last note (see the module docstring)."""
    n_beats = round(ca.bars * ca.meter.beats_per_bar)
    if n_beats < 1:
        return None
    sounding = np.zeros(n_beats, dtype=bool)
    for s, d in ca.notes[:, :2]:
        lo, hi = s // TICKS_PER_BEAT, (s + max(1, d) - 1) // TICKS_PER_BEAT
        sounding[max(0, lo): min(n_beats, hi + 1)] = True
    return float(1.0 - sounding.mean())


def groove_consistency(ca: ClipArray) -> float | None:
    """MusPy's `groove_consistency` over the clip's own bars: 1 minus the mean Hamming distance
    between the binary onset vectors (one slot per tick of the bar) of neighbouring bars, divided
    by the bar's ticks. 1.0 when every bar has the same onsets; None below 2 bars."""
    tpb = ca.ticks_per_bar
    if ca.bars < 2:
        return None
    g = np.zeros((ca.bars, tpb), dtype=bool)
    s = ca.notes[:, 0]
    s = s[s < ca.bars * tpb]
    g[s // tpb, s % tpb] = True
    return float(1.0 - np.count_nonzero(g[:-1] != g[1:]) / (tpb * (ca.bars - 1)))


# --- drums -------------------------------------------------------------------------------

def drum_onset_histograms(ca: ClipArray, size: int | None = None) -> dict[str, np.ndarray]:
    """Per kit piece (DRUM_CLASSES), note counts by onset tick inside the bar."""
    n = max(size or 0, ca.ticks_per_bar)
    out = {}
    pos = onset_positions(ca)
    for name, pitches in DRUM_CLASSES.items():
        sel = np.isin(ca.notes[:, 2], pitches)
        out[name] = np.bincount(pos[sel], minlength=n).astype(np.float64)[:n]
    return out


def backbeat_share(ca: ClipArray) -> float | None:
    """Share of the clip's bars with a snare (37-40) on both beat 2 and beat 4 (within
    BACKBEAT_TOLERANCE ticks). Only for 4/4 clips; None otherwise."""
    if ca.meter != Meter(4, 4) or ca.bars < 1:
        return None
    tpb = ca.ticks_per_bar
    snare = ca.notes[np.isin(ca.notes[:, 2], DRUM_CLASSES["snare"]), 0]
    hits = 0
    for bar in range(ca.bars):
        pos = snare[(snare >= bar * tpb) & (snare < (bar + 1) * tpb)] - bar * tpb
        on = [np.any(np.abs(pos - b * TICKS_PER_BEAT) <= BACKBEAT_TOLERANCE) for b in (1, 3)]
        hits += all(on)
    return hits / ca.bars


def drum_pattern_consistency(ca: ClipArray) -> float | None:
    """MusPy's `drum_pattern_consistency`: the larger of the shares of drum notes on a duple
    grid (beats, half and quarter beats) and on a triple grid (thirds of a beat)."""
    if not ca.drums or not len(ca.notes):
        return None
    return _none(_muspy().drum_pattern_consistency(to_muspy(ca)))


# --- bass --------------------------------------------------------------------------------

def downbeat_roots(ca: ClipArray, key: Key | None = None) -> tuple[int, int]:
    """(hits, downbeats): downbeats are the bars whose first onset is at tick 0 of the bar (the
    lowest note there is taken); a hit is one whose pitch class is the key's tonic or fifth."""
    key = key if key is not None else ca.key
    if key is None or ca.drums or not len(ca.notes):
        return 0, 0
    s = ca.notes[:, 0]
    on = ca.notes[s % ca.ticks_per_bar == 0]
    if not len(on):
        return 0, 0
    _, idx = np.unique(on[:, 0], return_index=True)
    lows = np.minimum.reduceat(on[:, 2], idx)
    good = {key.tonic, (key.tonic + 7) % 12}
    return int(sum(int(p) % 12 in good for p in lows)), int(len(lows))


# --- structure and velocity -----------------------------------------------------------------

def bar_repetition(ca: ClipArray) -> tuple[float, float] | None:
    """(repeat, vary) over the clip's non-empty bars: repeat is the share of bars whose set of
    (onset inside the bar, pitch) equals an earlier bar's; vary the share that are not such a
    repeat but have Jaccard similarity >= SIMILAR_BAR with an earlier bar. One bar played four
    times: repeat 0.75 (the first bar repeats nothing). None with no note."""
    tpb = ca.ticks_per_bar
    bars: dict[int, set] = {}
    for s, _, p, _ in ca.notes:
        bars.setdefault(int(s // tpb), set()).add((int(s % tpb), int(p)))
    seq = [bars[b] for b in sorted(bars)]
    if not seq:
        return None
    rep = var = 0
    for i, b in enumerate(seq):
        earlier = seq[:i]
        if any(b == e for e in earlier):
            rep += 1
        elif any(len(b & e) / len(b | e) >= SIMILAR_BAR for e in earlier):
            var += 1
    return rep / len(seq), var / len(seq)


def velocity_spread(ca: ClipArray) -> float | None:
    """Standard deviation of the note velocities (MIDI units); 0 when all are equal."""
    return float(np.std(ca.notes[:, 3])) if len(ca.notes) else None


def velocity_values(ca: ClipArray) -> int | None:
    """Number of distinct velocities."""
    return int(len(np.unique(ca.notes[:, 3]))) if len(ca.notes) else None


def clip_values(ca: ClipArray, key: Key | None = None) -> dict[str, float | None]:
    """Every per-clip number above for one clip (None where it does not apply), by name."""
    r, match = tonality(ca, key)
    hits, downs = downbeat_roots(ca, key)
    grid, n = on_grid(ca)
    rep = bar_repetition(ca)
    return {
        "tonality": r, "key_match": None if match is None else float(match),
        "pc_entropy": pitch_class_entropy(ca), "pitches_used": n_pitches_used(ca), "pitch_range": pitch_range(ca),
        "scale_consistency": scale_consistency(ca), "repeated_notes": repeated_note_share(ca),
        "on_grid": grid / n if n else None, "empty_beats": empty_beat_rate(ca), "groove": groove_consistency(ca),
        "backbeat": backbeat_share(ca) if ca.drums else None, "drum_pattern": drum_pattern_consistency(ca),
        "bass_root": hits / downs if downs else None,
        "bar_repeat": rep[0] if rep else None, "bar_related": rep[0] + rep[1] if rep else None,
        "velocity_spread": velocity_spread(ca), "velocity_values": velocity_values(ca),
    }
