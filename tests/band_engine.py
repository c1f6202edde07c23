"""A test engine family that writes bands of five parts (one more than the shipped gan), so a
daemon test can reach the band answer's clip limit (variations x parts <= MAX_BAND_CLIPS): each
part is one note a beat on a pitch of its own. Register it with one line:

    registry.register("band5", engine="band_engine:BandEngine")
"""

from pathlib import Path

from bridge.engines.base import Engine, ModelInfo
from bridge.music.clip import Clip, Note

PARTS = ("drums", "bass", "chords", "keys", "melody")
PITCH = {"drums": 36, "bass": 40, "chords": 60, "keys": 64, "melody": 72}


class BandEngine(Engine):
    engine_name = "band5"
    operations = ("generate", "band")
    band_parts = PARTS

    @classmethod
    def load(cls, folder, config, device="auto"):
        return cls(folder, config, ModelInfo(name=Path(folder).name, engine="band5", roles=PARTS))

    def _band(self, request, parts, seed, progress):
        length = request.effective_bars() * request.effective_meter().beats_per_bar
        return [Clip([Note(float(b), PITCH[p], 0.5, 90) for b in range(int(length))], length,
                     request.effective_meter(), request.effective_tempo(), None, drums=p == "drums")
                for _ in range(request.variations) for p in parts]
