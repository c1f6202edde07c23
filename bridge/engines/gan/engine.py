"""The gan engine: a band loop (drums, bass, chords, melody, or any of them) in one forward pass.

- generate (one role): the generator writes that track alone (the presence condition says so);
- band (generate with role "band" or `roles`): the asked tracks together, every variation and
  every phrase of every variation in one batch, one forward pass.

Conditions: style (the request's, else "any"), mode (the key's; a request without a key draws
the mode from the style's training bands, or from its mood, and the tonic uniformly), tempo bucket,
density bucket (the request's `density` knob), mood. The roll is in C; pitched parts move to the
key (roll.to_c_shift), drums keep their GM keys. Notes come off the roll by extract.py under the
shared pitch mask (pitch_low/pitch_high, scale_lock, GM keys for drums). Every clip lasts exactly
`bars` bars of 4/4 (or 2/2): one 4-bar phrase, cut; longer clips chain phrases whose shared latent
walks slowly (WALK), each track's own latent too.

Serving needs no torch: config.json names the ONNX graph ("onnx") and "cpu_runtime": "onnx".
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from bridge.errors import BadRequest
from bridge.music.clip import Clip
from bridge.music.request import Request
from bridge.music.theory import MODES, MOODS, Key, density_knob_to_bucket, mood_defaults, tempo_bucket
from bridge.music.ticks import ticks_to_notes
import bridge.engines.decoding.vocab as V
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.decoding.constraints import pitch_mask
from bridge.engines.resolve import DEFAULT_TEMPO, meter_of, tempo_of
from bridge.engines.gan.extract import extract, key_weights, pitch_map, register_weights
from bridge.engines.gan.roll import PHRASE_BARS, STEPS_PER_BAR, SUPPORTED_METERS, TRACKS, to_c_shift
from bridge.engines.gan.runtime import OrtGenerator, TorchGenerator
from bridge.engines.gan.windows import N_DENSITIES, N_MODES, N_MOODS, N_TEMPI

log = logging.getLogger(__name__)

WALK = 0.35  # phrase to phrase: z' = sqrt(1 - WALK^2) z + WALK eps (the spread kept, the loop develops)


class GANEngine(Engine):
    engine_name = "gan"
    operations = ("generate", "band")
    clip_operations = ()
    band_parts = TRACKS
    operation_error = "the gan engine answers generate (one part or a band: role \"band\"), got {op!r}"

    def __init__(self, folder, config, info, runtime):
        super().__init__(folder, config, info)
        self.runtime = runtime
        m = config["model"]
        self.z_shared, self.z_track = int(m["z_shared"]), int(m["z_track"])
        self.styles = tuple(config["styles"])
        self.thresholds = config.get("onset_threshold", {})
        hold = config.get("hold_threshold", 0.5)  # per track (a float in folders before calibration)
        self.holds = hold if isinstance(hold, dict) else {t: float(hold) for t in TRACKS}
        self.keys_by_style = config.get("keys_by_style", {})
        self.registers = config.get("registers", {})  # track -> [low, high] of its training notes, in C

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "GANEngine":
        folder = Path(folder)
        if device not in ("auto", "cpu", None):
            raise BadRequest(f"the gan engine serves on the CPU only (device cpu or auto), got {device!r}")
        threads = int(config.get("cpu_threads", 1))
        graph = config.get("onnx")
        if config.get("cpu_runtime") == "onnx" and graph and (folder / graph).is_file():
            runtime = OrtGenerator(folder, graph, threads)
        else:
            runtime = TorchGenerator(folder, threads)
        t = config.get("training", {})
        info = ModelInfo(name=config.get("name", folder.name), engine="gan", device="cpu",
                         quantization=runtime.quantization, styles=tuple(config["styles"]),
                         roles=tuple(config.get("tracks", TRACKS)), moods=MOODS,
                         extra={"runtime": runtime.name, "params": t.get("generator_params"),
                                "parts": ",".join(config.get("tracks", TRACKS))})
        log.info("loaded gan %s (%s)", info.name, runtime.name)
        return cls(folder, config, info, runtime)

    # --- operations ----------------------------------------------------------------------
    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        return self._write(request, (role,), seed, progress)

    def _band(self, request: Request, parts: tuple, seed: int, progress: ProgressFn) -> list[Clip]:
        return self._write(request, parts, seed, progress)

    def _write(self, req: Request, parts: tuple, seed: int, progress: ProgressFn) -> list[Clip]:
        """Clip v * len(parts) + i: part i of take v."""
        meter = meter_of(req, None)
        if str(meter) not in SUPPORTED_METERS:
            raise BadRequest(f"the gan engine writes bars of four quarter notes; meter must be one of "
                             f"{', '.join(SUPPORTED_METERS)}, got {meter}")
        gen = np.random.default_rng(int(seed) & 0xFFFFFFFF)
        bars, takes = req.effective_bars(), req.variations
        phrases = math.ceil(bars / PHRASE_BARS)
        tempo = tempo_of(req, None) or DEFAULT_TEMPO
        key = req.key or self._draw_key(req, gen)
        cond = self._cond(req, key, tempo)
        presence = np.array([t in parts for t in TRACKS], dtype=np.float32)
        zs = gen.standard_normal((takes, self.z_shared)) * req.temperature
        zt = gen.standard_normal((takes, len(TRACKS), self.z_track)) * req.temperature
        batch_s, batch_t = [], []
        for _ in range(phrases):  # [phrases, takes, ...]: every phrase of every take in one pass
            batch_s.append(zs)
            batch_t.append(zt)
            zs = math.sqrt(1 - WALK**2) * zs + WALK * req.temperature * gen.standard_normal(zs.shape)
            zt = math.sqrt(1 - WALK**2) * zt + WALK * req.temperature * gen.standard_normal(zt.shape)
        n = phrases * takes
        roll = self.runtime.generate(np.concatenate(batch_s), np.concatenate(batch_t),
                                     np.repeat(cond[None], n, 0), np.repeat(presence[None], n, 0))
        progress(0.8)
        roll = roll.reshape(phrases, takes, *roll.shape[1:])  # [phrases, takes, K, 2, T, P]
        roll = np.concatenate(list(roll), axis=-2)  # [takes, K, 2, phrases * T, P]
        shift = -to_c_shift(key.tonic)  # C -> the key's tonic, the shortest way
        length = bars * meter.beats_per_bar
        clips = []
        for v in range(takes):
            for role in parts:
                t = TRACKS.index(role)
                drums = role == "drums"
                allowed = pitch_mask(req.pitch_low, req.pitch_high, None if drums else key, req.scale_lock,
                                     drums)[V.PITCH_OFFSET : V.PITCH_OFFSET + 128]
                pmap = pitch_map(allowed, shift, drums)
                weights = key_weights(None if drums or req.scale_lock else key.pitch_classes, shift) * \
                    register_weights(pmap, None if drums else self._register(role, shift))
                ticks = extract(roll[v, t], role, float(self.thresholds.get(role, 0.5)),
                                float(self.holds.get(role, 0.5)), pmap,
                                weights, bars)
                clips.append(Clip(ticks_to_notes(ticks), length, meter, float(tempo), None if drums else key,
                                  drums=drums))
        progress(1.0)
        return clips

    def _register(self, role: str, shift: int) -> tuple | None:
        """The track's training register (in C) moved to the key, or None when not recorded."""
        r = self.registers.get(role)
        return None if r is None else (r[0] + shift, r[1] + shift)

    # --- conditions ----------------------------------------------------------------------
    def _draw_key(self, req: Request, gen) -> Key:
        """No key asked: the mode the mood implies, else one drawn from the style's training bands;
        the tonic uniformly (the roll is in C, every tonic is the same model)."""
        tonic = int(gen.integers(12))
        if req.mood is not None:
            return Key(tonic, mood_defaults(req.mood)[0])
        counts = np.asarray(self.keys_by_style.get(req.style or "", self.keys_by_style.get("", [1, 1])), float)
        return Key(tonic, MODES[int(gen.choice(len(MODES), p=counts / counts.sum()))])

    def _cond(self, req: Request, key: Key, tempo: float) -> np.ndarray:
        """int64 [5]: style, mode, tempo bucket, density bucket, mood; each "any" (its last index)
        when the request leaves it open."""
        style = self.styles.index(req.style) if req.style in self.styles else len(self.styles)
        tb = tempo_bucket(tempo) if req.tempo is not None else N_TEMPI
        db = density_knob_to_bucket(req.density) if req.density is not None else N_DENSITIES
        mood = MOODS.index(req.mood) if req.mood is not None else N_MOODS
        assert N_MODES == len(MODES)
        return np.array([style, MODES.index(key.mode), tb, db, mood], dtype=np.int64)
