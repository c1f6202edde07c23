"""A made-up engine that always plays one repeated note (D4 eighths; closed hi-hat for drums), as
the default model did in issue 10 ("bar 2 is D4 six times"). `cadenza eval` must score it clearly
below the Markov baseline on tonality and pitch variety (STYLE.md habit 15: a metric that cannot
fail this is not trusted)."""

from pathlib import Path

from bridge.engines.base import Engine, ModelInfo
from bridge.engines.resolve import DEFAULT_TEMPO, meter_of, tempo_of
from bridge.music.clip import Clip, Note

PITCH, HAT = 62, 42  # D4; GM closed hi-hat


class OneNoteEngine(Engine):
    engine_name = "onenote"
    operations = ("generate",)

    @classmethod
    def load(cls, folder, config, device="auto"):
        return cls(folder, config, ModelInfo(name=Path(folder).name, engine="onenote",
                                             styles=tuple(config["styles"]), roles=tuple(config["roles"])))

    def _run(self, request, clip, role, seed, progress):
        meter, tempo = meter_of(request, clip), tempo_of(request, clip) or DEFAULT_TEMPO
        length = request.effective_bars() * meter.beats_per_bar
        pitch = HAT if role == "drums" else PITCH
        notes = [Note(i / 2, pitch, 0.5, 90) for i in range(int(length * 2))]
        progress(1.0)
        return [Clip(notes, length, meter, tempo, None, drums=role == "drums") for _ in range(request.variations)]
