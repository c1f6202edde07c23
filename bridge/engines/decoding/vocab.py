"""The token vocabulary, written out as explicit offsets with asserted invariants.

One flat vocabulary (as in the `anticipation` codebase): every token family owns a contiguous
range [OFFSET, OFFSET + COUNT). Constraint masks are slices of these ranges, so keeping them
explicit keeps the decoding constraints small, pure and obviously right.

A sequence is a condition prefix, then bars:

    BOS ROLE STYLE MOOD KEY METER TEMPO DENSITY BARS | BAR [POS VEL? PITCH DUR | VEL? PITCH DUR]* ... EOS

Inside a bar a note is `POS? VEL? PITCH DUR`: POS (ticks from the bar line) is written when the
onset moves on, VEL (a velocity bin) when it changes and always on a bar's first note, so a bar
is self-contained and bars can be cut, moved and infilled freely. Notes at one onset come in
ascending pitch. Drums use the same PITCH tokens as GM drum keys.

Fill-in-the-middle (bar level): prefix PRE <bars before> SUF <bars after> MID BARS(k) <k bars> EOS.

Context (accompany; a part written beside other parts): every bar becomes a unit that gives the
context tracks' notes of that bar first, each introduced by CTX and its role, then the target's bar:

    [CTX ROLE(r) [POS? VEL? PITCH DUR]*]+ ROLE(target) BAR [POS? VEL? PITCH DUR]*

(the Multitrack Music Transformer's interleaving, per bar). Units take the place of bars in both
forms above, so FIM with context is PRE <units> SUF <units> MID BARS(k) <units>. The prefix's ROLE
and the ROLE right before each target BAR (one not after CTX) name the part to write. A sequence without context has no CTX token and reads exactly as before, so
CTX took the one spare special token without a new VERSION (version-1 models never emit it).

Bump VERSION whenever a meaning changes: a model's tokenizer.json records the version it was
trained with and loading refuses a mismatch.
"""

from __future__ import annotations

from bridge.music.limits import MAX_BARS  # one BARS token per bar count 1..MAX_BARS: changing it is a new VERSION
from bridge.music.theory import MODES, MOODS, ROLES, TICKS_PER_BEAT

VERSION = 1

# --- fixed tables -------------------------------------------------------------------------
MAX_STYLES = 32  # style slots; a model maps its style names to slots in tokenizer.json
NAMED_STYLES = MAX_STYLES - 1  # the last slot means "any style": condition dropout and guidance's unconditional row
METERS = ("4/4", "3/4", "2/4", "6/8", "2/2", "3/8", "9/8", "12/8", "5/4", "6/4", "7/8", "5/8",
          "3/2", "7/4", "other")  # "other": any meter not listed (positions still bound it)
N_TEMPO = 6  # tempo buckets (bridge.music.theory.TEMPO_EDGES has 5 edges)
N_DENSITY = 5  # density buckets (bridge.music.theory.DENSITY_EDGES has 4 edges)
MAX_BAR_TICKS = 192  # longest bar: 16 quarter beats at 12 ticks a beat (e.g. 16/4)
N_PITCH = 128
N_VEL = 8  # velocity bins of 16
# Durations in ticks (12 a beat): every tick to a quarter, then coarser. Longer notes clip to 192.
DURATIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 20, 21, 24, 27, 30, 32, 36,
             42, 45, 48, 54, 60, 66, 72, 84, 96, 120, 144, 168, 192)

# --- offsets ------------------------------------------------------------------------------
PAD, BOS, EOS, BAR, PRE, SUF, MID, CTX = range(8)  # CTX: a context track's bar follows (CTX ROLE events)
N_SPECIAL = 8
ROLE_OFFSET = N_SPECIAL
STYLE_OFFSET = ROLE_OFFSET + len(ROLES)
STYLE_ANY = STYLE_OFFSET + NAMED_STYLES  # the reserved slot (tokenizer v1 models trained before it leave it unused)
MOOD_OFFSET = STYLE_OFFSET + MAX_STYLES  # MOODS, then "any"
MOOD_ANY = MOOD_OFFSET + len(MOODS)
KEY_OFFSET = MOOD_ANY + 1  # 12 major, 12 minor, then "any" (drums, unknown)
KEY_ANY = KEY_OFFSET + 24
METER_OFFSET = KEY_ANY + 1
TEMPO_OFFSET = METER_OFFSET + len(METERS)  # buckets, then "any"
TEMPO_ANY = TEMPO_OFFSET + N_TEMPO
DENSITY_OFFSET = TEMPO_ANY + 1  # buckets, then "any"
DENSITY_ANY = DENSITY_OFFSET + N_DENSITY
BARS_OFFSET = DENSITY_ANY + 1  # BARS_OFFSET + n - 1 means n bars (1..MAX_BARS)
POS_OFFSET = BARS_OFFSET + MAX_BARS
PITCH_OFFSET = POS_OFFSET + MAX_BAR_TICKS
DUR_OFFSET = PITCH_OFFSET + N_PITCH
VEL_OFFSET = DUR_OFFSET + len(DURATIONS)
VOCAB_SIZE = VEL_OFFSET + N_VEL

PREFIX_LEN = 9  # BOS ROLE STYLE MOOD KEY METER TEMPO DENSITY BARS

# (name, offset, count): the families in order; the invariants below check they tile the range.
FAMILIES = (
    ("special", 0, N_SPECIAL), ("role", ROLE_OFFSET, len(ROLES)), ("style", STYLE_OFFSET, MAX_STYLES),
    ("mood", MOOD_OFFSET, len(MOODS) + 1), ("key", KEY_OFFSET, 25), ("meter", METER_OFFSET, len(METERS)),
    ("tempo", TEMPO_OFFSET, N_TEMPO + 1), ("density", DENSITY_OFFSET, N_DENSITY + 1),
    ("bars", BARS_OFFSET, MAX_BARS), ("pos", POS_OFFSET, MAX_BAR_TICKS), ("pitch", PITCH_OFFSET, N_PITCH),
    ("dur", DUR_OFFSET, len(DURATIONS)), ("vel", VEL_OFFSET, N_VEL),
)

# --- invariants ---------------------------------------------------------------------------
_end = 0
for _name, _off, _n in FAMILIES:
    assert _off == _end, f"vocabulary family {_name} starts at {_off}, expected {_end}"
    assert _n > 0
    _end = _off + _n
assert _end == VOCAB_SIZE, (_end, VOCAB_SIZE)
assert VERSION != 1 or VOCAB_SIZE == 531, "version 1 has 531 tokens: a changed table or limit (MAX_BARS) is a new VERSION"
assert list(DURATIONS) == sorted(set(DURATIONS)) and DURATIONS[0] == 1 and DURATIONS[-1] == MAX_BAR_TICKS
assert TICKS_PER_BEAT == 12, "positions and durations assume 12 ticks a beat"
assert len(MODES) == 2 and MODES[0] == "major"
assert N_VEL * 16 == 128


# --- token constructors (pure) --------------------------------------------------------------
def role_token(role: str) -> int:
    return ROLE_OFFSET + ROLES.index(role)


def style_token(slot: int | None) -> int:
    if slot is None:
        return STYLE_ANY
    assert 0 <= slot < NAMED_STYLES, slot
    return STYLE_OFFSET + slot


def mood_token(mood: str | None) -> int:
    return MOOD_ANY if mood is None else MOOD_OFFSET + MOODS.index(mood)


def key_token(tonic: int | None, mode: str | None = "major") -> int:
    if tonic is None:
        return KEY_ANY
    return KEY_OFFSET + 12 * MODES.index(mode) + tonic % 12


def meter_token(meter: str) -> int:
    return METER_OFFSET + (METERS.index(meter) if meter in METERS else METERS.index("other"))


def tempo_token(bucket: int | None) -> int:
    return TEMPO_ANY if bucket is None else TEMPO_OFFSET + min(max(bucket, 0), N_TEMPO - 1)


def density_token(bucket: int | None) -> int:
    return DENSITY_ANY if bucket is None else DENSITY_OFFSET + min(max(bucket, 0), N_DENSITY - 1)


def bars_token(n: int) -> int:
    assert 1 <= n <= MAX_BARS, n
    return BARS_OFFSET + n - 1


def pos_token(tick: int) -> int:
    assert 0 <= tick < MAX_BAR_TICKS, tick
    return POS_OFFSET + tick


def pitch_token(pitch: int) -> int:
    assert 0 <= pitch < N_PITCH, pitch
    return PITCH_OFFSET + pitch


def dur_index(ticks: int) -> int:
    """Index of the nearest duration in DURATIONS (ties go to the shorter one)."""
    ticks = max(1, min(int(ticks), MAX_BAR_TICKS))
    best = 0
    for i, d in enumerate(DURATIONS):
        if abs(d - ticks) < abs(DURATIONS[best] - ticks):
            best = i
    return best


def dur_token(ticks: int) -> int:
    return DUR_OFFSET + dur_index(ticks)


def vel_bin(velocity: int) -> int:
    return (max(1, min(127, int(velocity))) - 1) // 16


def vel_bins(velocities):
    """vel_bin element-wise over a numpy array of velocities."""
    return (velocities.clip(1, 127) - 1) // 16


def vel_value(vbin: int) -> int:
    """The velocity a bin decodes to; vel_bin(vel_value(b)) == b."""
    return vbin * 16 + 8


def vel_token(velocity: int) -> int:
    return VEL_OFFSET + vel_bin(velocity)


def family(token: int) -> str:
    for name, off, n in FAMILIES:
        if off <= token < off + n:
            return name
    raise ValueError(f"token {token} is outside the vocabulary (0..{VOCAB_SIZE - 1})")


def token_name(token: int) -> str:
    """Human-readable name, for debugging and docs: "PITCH_60", "POS_12", "BAR"."""
    fam = family(token)
    if fam == "special":
        return ("PAD", "BOS", "EOS", "BAR", "PRE", "SUF", "MID", "CTX")[token]
    off = dict((n, o) for n, o, _ in FAMILIES)[fam]
    return f"{fam.upper()}_{token - off}"


# Quantized value tables used by the decoder.
for _b in range(N_VEL):
    assert vel_bin(vel_value(_b)) == _b
for _i, _d in enumerate(DURATIONS):
    assert dur_index(_d) == _i
