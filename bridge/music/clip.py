"""The data model every part of Cadenza shares: a `Clip` of `Note`s in beats.

Times are float quarter-note beats, clip-relative (0.0 is the first beat). Pure data and
pure functions; MIDI and JSON conversions live here too so the CLI, the daemon and the
data builder agree on them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from bridge.errors import BadRequest, TooLarge
from bridge.music.limits import MAX_BARS, MAX_CLIP_TEMPO, MAX_NOTES, MIN_CLIP_TEMPO
from bridge.music.theory import Key, Meter, parse_key, parse_meter

END_MARKER = "cadenza-end"  # text event marking a clip's last beat in the MIDI files we write
# General MIDI program (0-based) each role is exported with, so a DAW picks a fitting sound and a
# re-imported Cadenza bass reads as bass (GM 32-39 is the bass family; the corpus labeller uses it).
GM_PROGRAMS = {"melody": 73, "bass": 33, "chords": 0, "keys": 0}  # flute, fingered bass, piano, piano


@dataclass(frozen=True, order=True)
class Note:
    """pitch 0-127, start >= 0 (beats), duration > 0 (beats), velocity 1-127."""

    start: float
    pitch: int
    duration: float
    velocity: int = 90

    def validate(self) -> "Note":
        for name, val in (("start", self.start), ("duration", self.duration)):
            if not isinstance(val, (int, float)) or not math.isfinite(val):
                raise BadRequest(f"note {name} must be a finite number of beats, got {val!r}")
        if not isinstance(self.pitch, int) or not 0 <= self.pitch <= 127:
            raise BadRequest(f"note pitch must be an integer from 0 to 127, got {self.pitch!r}")
        if self.start < 0:
            raise BadRequest(f"note start must be >= 0 beats, got {self.start}")
        if self.duration <= 0:
            raise BadRequest(f"note duration must be > 0 beats, got {self.duration}")
        if not isinstance(self.velocity, int) or not 1 <= self.velocity <= 127:
            raise BadRequest(f"note velocity must be an integer from 1 to 127, got {self.velocity!r}")
        return self

    @property
    def end(self) -> float:
        return self.start + self.duration

    def as_wire(self) -> tuple[int, float, float, int]:
        """The protocol order: pitch, start, duration, velocity."""
        return (self.pitch, float(self.start), float(self.duration), self.velocity)


@dataclass
class Clip:
    notes: list[Note] = field(default_factory=list)
    length: float = 16.0  # beats
    meter: Meter = field(default_factory=Meter)
    tempo: float = 120.0
    key: Key | None = None
    drums: bool = False

    @property
    def bars(self) -> float:
        return self.length / self.meter.beats_per_bar

    def validate(self) -> "Clip":
        if len(self.notes) > MAX_NOTES:
            raise TooLarge(f"a clip holds at most {MAX_NOTES} notes, got {len(self.notes)}")
        if not math.isfinite(self.length) or self.length <= 0:
            raise BadRequest(f"clip length must be > 0 beats, got {self.length}")
        if self.bars > MAX_BARS + 1e-6:
            raise TooLarge(
                f"a clip is at most {MAX_BARS} bars ({MAX_BARS * self.meter.beats_per_bar:g} beats "
                f"in {self.meter}), got {self.length:g} beats"
            )
        if not math.isfinite(self.tempo) or not MIN_CLIP_TEMPO <= self.tempo <= MAX_CLIP_TEMPO:
            raise BadRequest(f"tempo must be from {MIN_CLIP_TEMPO} to {MAX_CLIP_TEMPO} BPM, got {self.tempo}")
        for n in self.notes:
            n.validate()
        return self

    def sorted(self) -> "Clip":
        return replace(self, notes=sorted(self.notes, key=lambda n: (n.start, n.pitch)))

    def to_dict(self) -> dict:
        return {
            "length_beats": self.length,
            "meter": str(self.meter),
            "tempo": self.tempo,
            "key": self.key.name if self.key else None,
            "drums": self.drums,
            "notes": [list(n.as_wire()) for n in self.notes],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Clip":
        try:
            notes = [Note(float(s), int(p), float(du), int(v)) for p, s, du, v in d["notes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRequest(
                f'a JSON clip needs "notes": [[pitch, start, duration, velocity], ...] ({exc})'
            ) from None
        meter = parse_meter(d.get("meter", "4/4"))
        length = d.get("length_beats")
        if length is None:
            end = max((n.end for n in notes), default=0.0)
            length = meter.bars_spanned(end) * meter.beats_per_bar
        key = parse_key(d["key"]) if d.get("key") else None
        return cls(notes, float(length), meter, float(d.get("tempo", 120.0)), key, bool(d.get("drums", False)))


def read_clip(path: str | Path) -> Clip:
    """Read a clip from a .json notes file or a standard MIDI file (all non-drum tracks merged,
    unless the file holds only drums)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return Clip.from_dict(json.loads(path.read_text()))
    return midi_to_clip(path)


MAX_MIDI_BYTES = 4 << 20  # a MIDI file larger than this is refused before parsing (10,000 notes take < 200 KB)


def check_midi_file(path: str | Path) -> None:
    """Refuse, before the slow parse, a MIDI file that is empty, too large, not MIDI, or holds more
    notes than a clip may (a 50 MB file took pretty_midi 97 s and 3.9 GB before it was refused)."""
    import mido

    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise BadRequest(f"cannot read MIDI file {path.name}: the file is empty")
    if size > MAX_MIDI_BYTES:
        raise TooLarge(f"MIDI file {path.name} is {size / 2**20:.1f} MiB; at most {MAX_MIDI_BYTES >> 20} MiB "
                       f"(a clip holds at most {MAX_NOTES} notes)")
    with open(path, "rb") as f:
        if f.read(4) != b"MThd":
            raise BadRequest(f"cannot read MIDI file {path.name}: not a standard MIDI file (it does not start with MThd)")
    try:
        mf = mido.MidiFile(str(path), clip=True)
    except EOFError:
        raise BadRequest(f"cannot read MIDI file {path.name}: it ends in the middle of a track (cut short?)") from None
    except Exception as exc:  # mido raises many types on damaged files
        raise BadRequest(f"cannot read MIDI file {path.name}: {str(exc) or type(exc).__name__}") from None
    if not mf.tracks:
        raise BadRequest(f"cannot read MIDI file {path.name}: it holds no tracks")
    pitched = drums = 0
    for track in mf.tracks:
        for msg in track:
            if msg.type == "note_on" and msg.velocity > 0:
                if msg.channel == 9:
                    drums += 1
                else:
                    pitched += 1
    count = pitched or drums
    if count > MAX_NOTES:
        raise TooLarge(f"MIDI file {path.name} holds {count} notes; a clip holds at most {MAX_NOTES}")


def midi_to_clip(path: str | Path) -> Clip:
    import pretty_midi  # heavy-ish import kept local so the CLI starts fast

    check_midi_file(path)
    try:
        pm = pretty_midi.PrettyMIDI(str(path))
    except Exception as exc:  # pretty_midi raises many types on bad files
        raise BadRequest(f"cannot read MIDI file {Path(path).name}: {str(exc) or type(exc).__name__}") from None
    _, tempi = pm.get_tempo_changes()
    tempo = float(tempi[0]) if len(tempi) else 120.0
    ts = pm.time_signature_changes
    meter = Meter(ts[0].numerator, ts[0].denominator) if ts else Meter()
    pitched = [i for i in pm.instruments if not i.is_drum]
    insts = pitched or pm.instruments
    notes = []
    for inst in insts:
        for n in inst.notes:
            start = float(pm.time_to_tick(n.start)) / pm.resolution
            end = float(pm.time_to_tick(n.end)) / pm.resolution
            if end > start:
                notes.append(Note(round(start, 4), int(n.pitch), round(end - start, 4), max(1, int(n.velocity))))
    notes.sort(key=lambda n: (n.start, n.pitch))
    end = max((n.end for n in notes), default=0.0)
    for t in pm.text_events:  # our own end marker, when the file came from Cadenza
        if t.text.startswith(END_MARKER):
            end = max(end, float(pm.time_to_tick(t.time)) / pm.resolution)
    length = meter.bars_spanned(end) * meter.beats_per_bar
    key = None
    if pm.key_signature_changes:
        k = pm.key_signature_changes[0].key_number
        key = Key(k % 12, "major" if k < 12 else "minor")
    return Clip(notes, length, meter, tempo, key, drums=not pitched and bool(insts))


def export_program(role: str | None, program: int | None = None) -> int:
    """The GM program a clip of `role` is written with: `program` when given (0-127), else the
    role's (GM_PROGRAMS), else 0 (piano)."""
    if program is not None:
        if not isinstance(program, int) or not 0 <= program <= 127:
            raise BadRequest(f"a General MIDI program is an integer from 0 to 127, got {program!r}")
        return program
    return GM_PROGRAMS.get(role or "", 0)


def midi_to_clips(path: str | Path) -> list[Clip]:
    """Every track of a MIDI file as its own clip (drum tracks as drum clips), all of the file's
    length; for pictures and previews, where `midi_to_clip` merges the pitched tracks."""
    import pretty_midi

    whole = midi_to_clip(path)
    pm = pretty_midi.PrettyMIDI(str(path))
    clips = []
    for inst in pm.instruments:
        notes = []
        for n in inst.notes:
            start = float(pm.time_to_tick(n.start)) / pm.resolution
            end = float(pm.time_to_tick(n.end)) / pm.resolution
            if end > start:
                notes.append(Note(round(start, 4), int(n.pitch), round(end - start, 4), max(1, int(n.velocity))))
        if notes:
            length = max(whole.length, whole.meter.bars_spanned(max(n.end for n in notes)) * whole.meter.beats_per_bar)
            clips.append(Clip(sorted(notes), length, whole.meter, whole.tempo, whole.key, bool(inst.is_drum)))
    return clips or [whole]


def clip_to_midi(clips: Clip | list[Clip], path: str | Path, program: int | None = None, name: str = "Cadenza",
                 role: str | list | None = None) -> None:
    """Write one clip (or several as consecutive tracks: one track per variation). Each track is
    named "<name> <role> <n>" and plays the role's GM program (export_program); drums go to the
    GM kit (channel 10). `role` may list one role a clip (a band: one track a part, each with its
    own program, named "<name> <role>" and numbered by take when there are several)."""
    import pretty_midi

    clips = [clips] if isinstance(clips, Clip) else list(clips)
    per_clip = isinstance(role, (list, tuple))
    roles = list(role) if per_clip else [role] * len(clips)
    if role and not per_clip:
        name = f"{name} {role}"
    first = clips[0]
    pm = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=first.tempo)
    pm.time_signature_changes.append(
        pretty_midi.TimeSignature(first.meter.numerator, first.meter.denominator, 0.0)
    )
    key = next((c.key for c in clips if c.key is not None), None)
    if key is not None:
        pm.key_signature_changes.append(
            pretty_midi.KeySignature(key.tonic + (12 if key.mode == "minor" else 0), 0.0)
        )
    spb = 60.0 / first.tempo
    # The clip's length (trailing rests included) travels as a text event on its last beat, so a
    # DAW sees the whole clip and `midi_to_clip` reads back the same length.
    pm.text_events.append(pretty_midi.Text(f"{END_MARKER} {max(c.length for c in clips):g}", max(c.length for c in clips) * spb))
    takes = len(clips) // max(1, len(set(roles))) if per_clip else 1
    for i, clip in enumerate(clips):
        if per_clip:
            label = f"{name} {roles[i]}" + (f" {i // len(set(roles)) + 1}" if takes > 1 else "")
        else:
            label = name if len(clips) == 1 else f"{name} {i + 1}"
        prog = export_program(roles[i], program)
        inst = pretty_midi.Instrument(program=0 if clip.drums else prog, is_drum=clip.drums, name=label)
        for n in clip.notes:
            inst.notes.append(
                pretty_midi.Note(velocity=n.velocity, pitch=n.pitch, start=n.start * spb, end=n.end * spb)
            )
        pm.instruments.append(inst)
    pm.write(str(path))


def monophonic_legato(notes: list[Note]) -> list[Note]:
    """Trim each note so it ends by the next later onset: a melody or bass line whose notes
    overlap reads as a smear in a piano roll and double-triggers mono synths. Notes that start
    together (a double stop) are kept; nothing is moved and no note is dropped."""
    ordered = sorted(notes, key=lambda n: (n.start, n.pitch))
    starts = sorted({n.start for n in ordered})
    out, j = [], 0
    for n in ordered:
        while j < len(starts) and starts[j] <= n.start + 1e-9:
            j += 1
        nxt = starts[j] if j < len(starts) else None
        if nxt is not None and n.end > nxt + 1e-9:
            n = replace(n, duration=round(nxt - n.start, 6))
        out.append(n)
    return out
