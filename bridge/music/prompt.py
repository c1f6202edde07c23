"""The free-text prompt parser: "calm folk tune in D minor, 8 bars" -> conditions.

Rules, in order (documented in docs/PROTOCOL.md):
- "N bars" / "N-bar" sets bars; "in 3/4", "6/8" sets the meter; "120 bpm" sets the tempo.
- A key: "in D minor", "F# major", "Bbm", "A dorian" (modes fold to major/minor).
- Mood words (and synonyms: cheerful -> happy, dark -> tense, melancholic -> sad, ...).
- Role words (melody, tune, bassline, chords, pads, piano, drums, beat, ...).
- Style words: a style the model knows, or an alias of one (folk -> irish-folk, bach -> baroque-chorale).
- Filler words (a, the, in, with, tune, ...) are skipped silently; every other word or number is
  returned in `unknown_words` so the client can show what was not used: numbers outside a rule,
  bar counts or tempi out of range ("120 bars": bars are 1-MAX_BARS), and a second style, mood or
  role that differs from the first ("jazz waltz" uses jazz and reports waltz).
Explicit request keys always win over the prompt.
"""

from __future__ import annotations

import re

from bridge.errors import BadRequest
from bridge.music.limits import MAX_BARS, MAX_TEMPO, MIN_TEMPO
from bridge.music.theory import parse_key, parse_meter

MOOD_WORDS = {
    "happy": "happy", "cheerful": "happy", "joyful": "happy", "upbeat": "happy", "bright": "happy",
    "energetic": "happy", "playful": "happy", "uplifting": "happy", "fun": "happy",
    "tense": "tense", "dark": "tense", "angry": "tense", "aggressive": "tense", "anxious": "tense",
    "dramatic": "tense", "epic": "tense", "intense": "tense", "scary": "tense",
    "sad": "sad", "melancholic": "sad", "melancholy": "sad", "gloomy": "sad", "mournful": "sad",
    "somber": "sad", "sombre": "sad", "lonely": "sad",
    "calm": "calm", "peaceful": "calm", "relaxed": "calm", "chill": "calm", "gentle": "calm",
    "serene": "calm", "mellow": "calm", "soft": "calm", "dreamy": "calm",
}
ROLE_WORDS = {
    "melody": "melody", "tune": "melody", "lead": "melody", "theme": "melody", "hook": "melody",
    "bass": "bass", "bassline": "bass",
    "chords": "chords", "chord": "chords", "progression": "chords", "pad": "chords", "pads": "chords",
    "comping": "chords",
    "keys": "keys", "piano": "keys", "polyphonic": "keys",
    "drums": "drums", "drum": "drums", "beat": "drums", "groove": "drums", "percussion": "drums",
}
# Common words for styles; resolved against the styles the model knows.
STYLE_ALIASES = {
    "folk": ["irish-folk", "folk", "german-folk"], "irish": ["irish-folk"], "celtic": ["irish-folk"],
    "jig": ["irish-folk"], "reel": ["irish-folk"], "scottish": ["irish-folk"],
    "german": ["german-folk"], "chinese": ["chinese-folk"],
    "bach": ["baroque-chorale", "baroque"], "baroque": ["baroque-chorale", "baroque"],
    "chorale": ["baroque-chorale"], "hymn": ["baroque-chorale"],
    "classical": ["classical-quartet", "classical"], "quartet": ["classical-quartet"],
    "mozart": ["classical-quartet"], "haydn": ["classical-quartet"], "beethoven": ["classical-quartet"],
    "renaissance": ["renaissance"], "medieval": ["medieval"], "ragtime": ["ragtime"], "joplin": ["ragtime"],
    "rock": ["rock"], "blues": ["blues"], "swing": ["swing", "jazz"], "jazz": ["jazz", "swing"],
    "techno": ["techno", "electronic"], "electronic": ["electronic", "techno"], "edm": ["techno"],
    "house": ["techno"], "latin": ["latin"], "bossa": ["latin"], "salsa": ["latin"], "samba": ["latin"],
    "game": ["game"], "videogame": ["game"], "chiptune": ["game"], "8-bit": ["game"], "doom": ["game"],
    "pop": ["pop", "rock"], "funk": ["funk", "rock"], "country": ["country", "rock"],
    "waltz": ["waltz"], "march": ["march"], "ballad": ["ballad"],
}
FILLER = {
    "a", "an", "the", "in", "with", "and", "of", "for", "some", "me", "please", "piece", "song",
    "music", "line", "part", "bar", "bars", "measure", "measures", "key", "style", "mood", "at",
    "on", "to", "that", "is", "feel", "feeling", "like", "kind", "sort", "little", "short", "long",
    "make", "write", "give", "generate", "compose", "create", "tempo", "time", "signature",
}

_BARS_RE = re.compile(r"\b(\d+)[\s-]*(?:bars?|measures?)\b")
_BPM_RE = re.compile(r"\b(\d+)\s*bpm\b")
_METER_RE = re.compile(r"\b(\d{1,2}/\d{1,2})\b")
_KEY_RE = re.compile(
    r"\b([a-g])(#|b|-sharp|-flat| sharp| flat)?\s*(major|minor|maj|min|dorian|aeolian|mixolydian|lydian|phrygian|m)(?=\s)"
)
_BARE_KEY_RE = re.compile(r"\bin ([a-g])(#|b)?(?=\s)")


def parse_prompt(text: str, styles) -> tuple[dict, list[str]]:
    """Return (conditions, unknown_words). Conditions keys: bars, meter, tempo, key, mood, role, style."""
    s = " " + text.lower().replace(",", " ").replace(";", " ").replace(".", " ") + " "
    found: dict = {}
    unknown: list[str] = []
    m = _BARS_RE.search(s)
    if m:
        if 1 <= int(m.group(1)) <= MAX_BARS:
            found["bars"] = int(m.group(1))
        else:  # out of range: reported, never clamped into something else
            unknown.append(m.group(0).strip())
        s = s[: m.start()] + " " + s[m.end():]
    m = _BPM_RE.search(s)
    if m:
        if MIN_TEMPO <= int(m.group(1)) <= MAX_TEMPO:
            found["tempo"] = float(int(m.group(1)))
        else:
            unknown.append(m.group(0).strip())
        s = s[: m.start()] + " " + s[m.end():]
    m = _METER_RE.search(s)
    if m:
        try:
            found["meter"] = parse_meter(m.group(1))
            s = s[: m.start()] + " " + s[m.end():]
        except BadRequest:
            pass
    m = _KEY_RE.search(s) or _BARE_KEY_RE.search(s)
    if m:
        if m.re is _KEY_RE:
            acc = (m.group(2) or "").replace("-sharp", "#").replace(" sharp", "#")
            acc = acc.replace("-flat", "b").replace(" flat", "b")
            text_key = m.group(1) + acc + " " + m.group(3)
        else:
            text_key = m.group(1) + (m.group(2) or "")
        try:
            found["key"] = parse_key(text_key)
            s = s[: m.start()] + " " + s[m.end():]
        except BadRequest:
            pass
    known_styles = tuple(styles or ())
    for word in s.split():
        word = word.strip("!?:()\"'")
        if not word or word in FILLER:
            continue
        for field, value in _meanings(word, known_styles):
            if field not in found:
                found[field] = value
                break
            if found[field] == value:
                break  # a second synonym of something already set
        else:
            unknown.append(word)
    return found, unknown


def _meanings(word: str, known_styles: tuple) -> list[tuple[str, str]]:
    """What a word could set, in order of preference: (field, value) pairs; none for a number."""
    out = []
    if word in MOOD_WORDS:
        out.append(("mood", MOOD_WORDS[word]))
    if word in ROLE_WORDS:
        out.append(("role", ROLE_WORDS[word]))
    if word in known_styles:
        out.append(("style", word))
    elif word in STYLE_ALIASES:
        match = next((c for c in STYLE_ALIASES[word] if not known_styles or c in known_styles), None)
        if match:
            out.append(("style", match))
    return out


def apply_prompt(req, styles) -> None:
    """Fill the request's fields from its prompt, without overriding explicit keys."""
    found, unknown = parse_prompt(req.prompt, styles)
    for key, value in found.items():
        if key not in req.given:
            setattr(req, key, value)
    req.unknown_words = unknown
