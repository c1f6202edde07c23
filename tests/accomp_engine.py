"""A test engine family that accompanies, a fixture for the accompany protocol until the real
accompany model (the transformer family's) is merged: it learns nothing and models nothing.

Its rule is real and simple, so a test knows the answer by hand. On beat 1 and beat 3 of every bar
(beats 0 and 2 from the bar line; beat 3 only where the bar has one), it looks at the notes of
the pitched context tracks sounding there (start <= t < end; drums tracks are not pitched) and
plays the pitch class of the lowest of them in octave 2 (MIDI 36-47), lasting up to the next of
those beats or the bar line. Nothing sounding, no note. Variation v plays at velocity 80 + v.

- accompany: the rule over the context's first `bars` bars (admission sets `bars`), in the
  context's meter, for the asked role;
- infill with context: the clip with bars start_bar..end_bar-1 replaced by the rule's notes there;
- continue with context: the rule over the context (which spans the continuation).
Infill and continue without context are refused: this fixture has nothing else to say.
Register it with one line, as docs/ENGINES.md shows for the toy family:

    registry.register("accomp", engine="accomp_engine:AccompEngine")
"""

from pathlib import Path

from bridge.engines.base import Engine, ModelInfo
from bridge.errors import BadRequest
from bridge.music.clip import Clip, Note
from bridge.music.keys import key_of_notes

BASS_OCTAVE = 36  # C2: the bass plays MIDI 36..47
BEATS = (0.0, 2.0)  # beat 1 and beat 3, in beats from the bar line
VELOCITY = 80  # variation v plays at VELOCITY + v


class AccompEngine(Engine):
    """Accompany, and infill/continue with context; Engine.run has checked the request."""

    engine_name = "accomp"
    operations = ("accompany", "continue", "infill")

    @classmethod
    def load(cls, folder, config, device="auto"):
        info = ModelInfo(name=Path(folder).name, engine="accomp", styles=tuple(config["styles"]),
                         roles=tuple(config["roles"]))
        return cls(folder, config, info)

    def _clip_bars(self, request, clip):
        return clip.meter.nominal_bars(clip.length)

    def _run(self, request, clip, role, seed, progress):
        ctx = request.context
        if not ctx:
            raise BadRequest(f"{self.info.name} (a test fixture) answers {request.operation} only with context tracks")
        meter = ctx[0][1].meter
        bars = request.bars or meter.nominal_bars(ctx[0][1].length)
        key = request.key or next((c.key for _, c in ctx if c.key), None) or key_of_notes(
            [n for r, c in ctx if r != "drums" for n in c.notes])
        clips = []
        for v in range(request.variations):
            if request.operation == "infill":
                lo, hi = request.start_bar * meter.beats_per_bar, request.end_bar * meter.beats_per_bar
                kept = [n for n in clip.notes if not lo <= n.start < hi]
                made = [n for n in bass_line(ctx, self._clip_bars(request, clip), meter, v) if lo <= n.start < hi]
                notes, length, tempo = kept + made, clip.length, clip.tempo
            else:
                notes, length = bass_line(ctx, bars, meter, v), bars * meter.beats_per_bar
                tempo = request.tempo or ctx[0][1].tempo
            notes.sort(key=lambda n: (n.start, n.pitch))
            clips.append(Clip(notes, length, meter, tempo, key, drums=role == "drums"))
            progress((v + 1) / request.variations)
        return clips


def bass_line(context, bars, meter, variation=0):
    """The rule above over `bars` bars of `context` ((role, Clip) pairs)."""
    bar = meter.beats_per_bar
    times = [b * bar + t for b in range(bars) for t in BEATS if t < bar]
    pitched = [n for role, c in context if role != "drums" for n in c.notes]
    out = []
    for i, t in enumerate(times):
        sounding = [n.pitch for n in pitched if n.start <= t + 1e-6 < n.end]
        if not sounding:
            continue
        end = min(times[i + 1] if i + 1 < len(times) else bars * bar, (t // bar + 1) * bar)
        out.append(Note(t, BASS_OCTAVE + min(sounding) % 12, end - t, min(127, VELOCITY + variation)))
    return out
