"""Pure music helpers: keys, scales, meters, density buckets and the label vocabularies.

Everything here is plain data and pure functions; engines, the data builder and the
protocol all share these names so a label means the same thing everywhere.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bridge.errors import BadRequest

BAR_TOLERANCE = 1e-6  # bars: a length this close above a bar line is float noise, not a new bar
TICKS_PER_BEAT = 12  # grid: 12 ticks a quarter note holds sixteenths (3) and eighth triplets (4)

ROLES = ("melody", "bass", "chords", "keys", "drums")
GM_DRUM_LOW, GM_DRUM_HIGH = 27, 87  # the GM percussion keys (channel 10), High Q to Open Surdo
MOODS = ("happy", "tense", "sad", "calm")  # Russell's quadrants: +V+A, -V+A, -V-A, +V-A
MODES = ("major", "minor")

PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10)  # natural minor; harmonic/melodic degrees count as "soft" out

# Density: notes per beat, bucketed. A request's `density` is 0..1 (sparse..dense) and maps
# to a bucket index; the data builder stores the measured notes-per-beat of every clip.
DENSITY_EDGES = (0.5, 1.0, 2.0, 3.0)  # bucket i holds npb in [edge[i-1], edge[i])
DENSITY_CENTERS = (0.35, 0.75, 1.5, 2.5, 4.0)  # typical notes per beat inside each bucket
TEMPO_EDGES = (70, 90, 110, 130, 150)  # tempo buckets in BPM


@dataclass(frozen=True)
class Key:
    """A tonic pitch class (0 = C) and a mode ("major" or "minor")."""

    tonic: int
    mode: str = "major"

    def __post_init__(self):
        if not 0 <= self.tonic < 12:
            raise ValueError(f"tonic must be 0..11, got {self.tonic}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")

    @property
    def pitch_classes(self) -> frozenset[int]:
        steps = MAJOR_STEPS if self.mode == "major" else MINOR_STEPS
        return frozenset((self.tonic + s) % 12 for s in steps)

    @property
    def name(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"

    @property
    def short(self) -> str:
        """Short label for clip names: "D", "Dm"."""
        return PITCH_NAMES[self.tonic] + ("m" if self.mode == "minor" else "")

    def __str__(self) -> str:
        return self.name


_KEY_RE = re.compile(
    r"^\s*([a-gA-G])\s*(#|♯|b|♭|-|sharp|flat)?\s*"
    r"(major|maj|minor|min|m|dorian|aeolian|ionian|mixolydian|phrygian|lydian|locrian)?\s*$"
)
_MODE_ALIASES = {
    None: "major", "major": "major", "maj": "major", "ionian": "major", "lydian": "major",
    "mixolydian": "major", "minor": "minor", "min": "minor", "m": "minor", "aeolian": "minor",
    "dorian": "minor", "phrygian": "minor", "locrian": "minor",
}


def parse_key(text: str) -> Key:
    """Parse "D minor", "F#", "Bbm", "eb major", "A dorian" (modes fold to major/minor)."""
    raw = str(text)
    m = _KEY_RE.match(raw)
    if not m:
        raise BadRequest(
            f'key must look like "D minor", "F#", "Bbm" or "Eb major", got {raw!r}'
        )
    letter, acc, mode = m.group(1), m.group(2), m.group(3)
    if mode is None or mode != "m":
        mode = mode.lower() if mode else None
    tonic = _LETTER[letter.lower()]
    if acc in ("#", "♯", "sharp"):
        tonic += 1
    elif acc in ("b", "♭", "-", "flat"):
        tonic -= 1
    return Key(tonic % 12, _MODE_ALIASES[mode])


@dataclass(frozen=True)
class Meter:
    numerator: int = 4
    denominator: int = 4

    def __post_init__(self):
        if not 1 <= self.numerator <= 32:
            raise ValueError(f"meter numerator must be 1..32, got {self.numerator}")
        if self.denominator not in (1, 2, 4, 8, 16, 32):
            raise ValueError(f"meter denominator must be a power of two 1..32, got {self.denominator}")

    @property
    def beats_per_bar(self) -> float:
        """Length of one bar in quarter-note beats (6/8 -> 3.0)."""
        return self.numerator * 4.0 / self.denominator

    @property
    def ticks_per_bar(self) -> int:
        return round(self.beats_per_bar * TICKS_PER_BEAT)

    def bars_spanned(self, beats: float) -> int:
        """Whole bars needed to hold `beats` beats (at least one): a clip 4.5 bars long spans 5.
        What an engine restyles or infills, and the length a clip without one is given."""
        return max(1, math.ceil(beats / self.beats_per_bar - BAR_TOLERANCE))

    def nominal_bars(self, beats: float) -> int:
        """The bar count a DAW shows for `beats` beats, rounded to the nearest (at least one):
        the range an infill request's start_bar/end_bar is checked against."""
        return max(1, round(beats / self.beats_per_bar))

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def parse_meter(text: str) -> Meter:
    m = re.match(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$", str(text))
    if not m:
        raise BadRequest(f'meter must look like "4/4", "3/4" or "6/8", got {text!r}')
    try:
        return Meter(int(m.group(1)), int(m.group(2)))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def density_bucket(notes_per_beat: float) -> int:
    """Bucket index 0..4 of a measured density in notes per beat."""
    for i, edge in enumerate(DENSITY_EDGES):
        if notes_per_beat < edge:
            return i
    return len(DENSITY_EDGES)


def density_knob_to_bucket(knob: float) -> int:
    """A request's density knob 0..1 (sparse..dense) to a bucket index 0..4."""
    return min(len(DENSITY_CENTERS) - 1, max(0, round(knob * (len(DENSITY_CENTERS) - 1))))


def tempo_bucket(bpm: float) -> int:
    for i, edge in enumerate(TEMPO_EDGES):
        if bpm < edge:
            return i
    return len(TEMPO_EDGES)


def mood_from(mode: str, tempo: float, notes_per_beat: float) -> str:
    """Russell-quadrant proxy: valence from mode, arousal from tempo x density.

    Arousal is notes per minute (tempo * notes per beat); 150 notes/min (for example
    120 BPM eighth notes at 1.25 npb) splits calm from energetic. See docs/DATA.md.
    """
    arousal_high = tempo * notes_per_beat >= AROUSAL_SPLIT
    if mode == "major":
        return "happy" if arousal_high else "calm"
    return "tense" if arousal_high else "sad"


AROUSAL_SPLIT = 150.0  # notes per minute


def mood_defaults(mood: str) -> tuple[str, float]:
    """(mode, density knob) a mood implies when the request leaves them open."""
    return {
        "happy": ("major", 0.6),
        "calm": ("major", 0.3),
        "sad": ("minor", 0.3),
        "tense": ("minor", 0.7),
    }[mood]


def chord_root(pcs, lowest: int | None = None) -> int | None:
    """The root pitch class of a sounding pitch-class set by triad templates (Pardo & Birmingham's
    template matching, reduced to what a bass line needs): each sounding pitch class scores 2 for
    its fifth and 1.5 for a major or minor third above it, 0.5 for being the lowest note; the best
    wins, ties going to the lower pitch class. A lone pitch class is its own root; None for none.
    Written here because serving has no music21 (whose Chord.root the evaluation uses)."""
    on = [bool(x) for x in pcs]
    best, root = -1.0, None
    for r in range(12):
        if not on[r]:
            continue
        score = 2.0 * on[(r + 7) % 12] + 1.5 * (on[(r + 4) % 12] or on[(r + 3) % 12]) + 0.5 * (r == lowest)
        if score > best:
            best, root = score, r
    return root


TRIAD_DEGREE_ORDER = (0, 4, 3, 5, 1, 2, 6)  # ties between diatonic triads: I, V, IV, vi, ii, iii, vii


def implied_triad(weight, key: Key) -> tuple[int, tuple[int, int, int]] | None:
    """The key's diatonic triad holding the most of `weight` (12 pitch-class weights, e.g. a
    melody's duration in a bar), as (root, (root, third, fifth)); ties go to I, V, IV, vi, ii,
    iii, vii in that order. None when nothing weighs. The harmony a lone melody implies."""
    weight = [float(w) for w in weight]
    if not any(w > 0 for w in weight):
        return None
    steps = MAJOR_STEPS if key.mode == "major" else MINOR_STEPS
    scale = [(key.tonic + s) % 12 for s in steps]
    best, out = -1.0, None
    for deg in TRIAD_DEGREE_ORDER:
        triad = tuple(scale[(deg + k) % 7] for k in (0, 2, 4))
        w = sum(weight[pc] for pc in triad)
        if w > best + 1e-9:
            best, out = w, (scale[deg], triad)
    return out
