"""The VAE engine: a MusicVAE-style latent model of 2-bar windows, resident on the CPU.

- generate: z drawn from the Gaussian of the asked role and style's training latents (the spread
  scaled by `temperature`; attributes.prior), walking slowly from window to window (WALK) so a
  long clip develops instead of repeating or jumping;
- restyle (`preserve none`): each window of the clip is encoded to mu, moved by noise scaled by
  `temperature` x `strength`, and decoded: variations around the clip;
- interpolate: each window of clip a and of clip b to mu, slerp between them at steps fractions,
  every step decoded with the request's seed; step 0 decodes mu_a, the last mu_b.

`mood` and `density` move every latent along the attribute vectors (attributes.py). Decoding
goes through the shared loop (decoding/sampling.py) under the composer's constraints, so every
clip lasts exactly `bars` bars of its meter, keeps `pitch_low`/`pitch_high` and `scale_lock`.
Serving needs no torch: the ONNX graphs run on ONNX Runtime (runtime.py).
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from bridge.errors import BadRequest, MissingExtra, NoClip
from bridge.music.clip import Clip
from bridge.music.keys import key_of_ticks
from bridge.music.limits import MAX_INTERPOLATE_BARS, MAX_STEPS, MIN_STEPS
from bridge.music.request import Request
from bridge.music.theory import MOODS, ROLES, Meter
from bridge.music.ticks import clip_ticks
import bridge.engines.decoding.vocab as V
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.decoding.composer import Composer, _clip_bars, one_line
from bridge.engines.decoding.velocity import accent
from bridge.engines.decoding.sampling import decode_region
from bridge.engines.decoding.tokenizer import TokenizerConfig, bar_ticks, canonical, decode, encode, ticks_to_clip
from bridge.engines.vae.attributes import load_attributes, prior, shift
from bridge.engines.vae.runtime import LatentStepper, OrtBackend

log = logging.getLogger(__name__)

# Tokens are sampled at the request's temperature x these. Restyle and interpolate decode latents
# of real windows: their reconstruction F1 on held-out windows was 0.40 / 0.39 / 0.37 / 0.33 at
# 0.1 / 0.25 / 0.5 / 1.0 (docs/EVAL.md); 0.25 keeps most of it without 0.1's stuck repeated notes.
# Generate decodes prior samples, whose variety comes from z; 0.5 keeps lines moving.
DECODE_TEMPERATURE = 0.25  # restyle, interpolate
GENERATE_TEMPERATURE = 0.5  # generate
WALK = 0.35  # generate: z_next = sqrt(1 - WALK^2) z + WALK eps, a walk that keeps the prior's spread
RESTYLE_NOISE = 1.0  # restyle: mu + RESTYLE_NOISE x temperature x strength x eps


class VAEEngine(Engine):
    engine_name = "vae"
    operations = ("generate", "restyle", "interpolate")
    clip_operations = ("restyle",)
    clip_needs_notes = True  # restyle encodes the clip's notes: an empty upload has nothing to vary
    no_clip_error = "{op} needs an uploaded clip with notes: send /cadenza/clip/begin and /cadenza/clip/notes first"

    def __init__(self, folder, config, info, backend, tok: TokenizerConfig, attrs: dict):
        super().__init__(folder, config, info)
        self.backend, self.attrs = backend, attrs
        m = config["model"]
        self.window_bars, self.z_dim, self.max_len = int(m["window_bars"]), int(m["z_dim"]), int(m["max_len"])
        self.decode_temperature = float(config.get("decode_temperature", DECODE_TEMPERATURE))
        self.generate_temperature = float(config.get("generate_temperature", GENERATE_TEMPERATURE))
        self.composer = Composer(None, tok, self.max_len, config.get("style_by_role", {}))  # conditions, constraints

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "VAEEngine":
        folder = Path(folder)
        if device not in ("auto", "cpu", None):
            raise BadRequest(f"the vae engine serves on the CPU only (device cpu or auto), got {device!r}")
        tok = TokenizerConfig.load(folder / config.get("tokenizer", "tokenizer.json"))
        files = config.get("onnx")
        threads = int(config.get("cpu_threads", 1))
        if config.get("cpu_runtime") == "onnx" and files and all((folder / f).is_file() for f in files.values()):
            backend = OrtBackend(folder, files, threads)
        else:
            backend = torch_backend(folder, threads)
        info = ModelInfo(name=config.get("name", folder.name), engine="vae", device="cpu",
                         quantization=backend.quantization, styles=tuple(tok.styles),
                         roles=tuple(config.get("roles", ROLES)), moods=tuple(config.get("moods", MOODS)),
                         extra={"runtime": backend.name, "params": config.get("training", {}).get("params"),
                                "window_bars": int(config["model"]["window_bars"])})
        log.info("loaded vae %s (%s)", info.name, backend.name)
        return cls(folder, config, info, backend, tok, load_attributes(folder))

    # --- operations ----------------------------------------------------------------------
    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        gen = np.random.default_rng(int(seed) & 0xFFFFFFFF)
        if request.operation == "generate":
            return self._generate(request, role, gen, progress)
        return self._restyle(request, clip, role, gen, progress)

    def _generate(self, req: Request, role: str, gen, progress) -> list[Clip]:
        cond, tempo, key = self.composer.conditions(req, None, role)
        n = req.effective_bars()
        # z from where this role and style's windows lie (attributes.prior), else N(0, I)
        mean, std = prior(self.attrs, role, self.composer.tok.styles[cond.style_slot]) or (0.0, 1.0)
        eps = gen.standard_normal((req.variations, self.z_dim)) * req.temperature  # [R, Z]
        zs = []
        for _ in range(self._windows(n)):
            zs.append(mean + std * eps)
            eps = math.sqrt(1 - WALK**2) * eps + WALK * req.temperature * gen.standard_normal(eps.shape)
        clips = self._decode(req, cond, tempo, key, self._moved(req, zs), n, gen, progress, self.generate_temperature)
        return one_line(clips, role, "generate")  # a single line, as every family's generate

    def _restyle(self, req: Request, clip: Clip, role: str, gen, progress) -> list[Clip]:
        if req.preserve != "none" and "preserve" in req.given:
            raise BadRequest(f"the vae engine restyles with preserve none only (it re-decodes rhythm and pitch "
                             f"together from the latent), got preserve {req.preserve!r}; leave preserve out or "
                             "ask a transformer model")
        cond, tempo, key = self.composer.conditions(req, clip, role)
        n = req.bars if req.bars is not None else _clip_bars(clip, cond.meter)
        if req.strength <= 0:  # the protocol's "0 = unchanged"
            return [_fit(clip, n, cond.meter, tempo, key) for _ in range(req.variations)]
        mus = self._encode(clip, cond.meter, n)  # [W, Z]
        eps = gen.standard_normal((req.variations, self.z_dim))
        zs = [mu[None] + RESTYLE_NOISE * req.temperature * req.strength * eps for mu in mus]
        return self._decode(req, cond, tempo, key, self._moved(req, zs), n, gen, progress)

    def _interpolate(self, request: Request, a: Clip, b: Clip, role: str, seed: int,
                     progress: ProgressFn) -> list[Clip]:
        req = request
        if not MIN_STEPS <= req.steps <= MAX_STEPS:
            raise BadRequest(f"steps must be {MIN_STEPS}-{MAX_STEPS}, got {req.steps}")
        for name, c in (("a", a), ("b", b)):
            if not c.notes:
                raise NoClip(f"clip {name} has no notes; interpolate morphs between two clips with notes")
        cond, tempo, key = self.composer.conditions(req, a, role)
        n = req.bars if req.bars is not None else max(_clip_bars(a, cond.meter), _clip_bars(b, cond.meter))
        if not 1 <= n <= MAX_INTERPOLATE_BARS:
            raise BadRequest(f"interpolate makes 1-{MAX_INTERPOLATE_BARS} bars, got {n} "
                             f"(bars defaults to the longer clip's; give bars to cut it)")
        gen = np.random.default_rng(int(seed) & 0xFFFFFFFF)
        mu_a, mu_b = self._encode(a, cond.meter, n), self._encode(b, cond.meter, n)  # [W, Z] each
        fracs = np.linspace(0.0, 1.0, req.steps)
        zs = [np.stack([slerp(wa, wb, f) for f in fracs]) for wa, wb in zip(mu_a, mu_b)]  # W x [steps, Z]
        return self._decode(req, cond, tempo, key, self._moved(req, zs), n, gen, progress)

    def reconstruct(self, request: Request, clip: Clip, seed: int) -> Clip:
        """The clip through the latent: each window encoded to mu and decoded (measurement; the
        endpoints of an interpolation are exactly this)."""
        role = self._role(request, clip)
        cond, tempo, key = self.composer.conditions(request, clip, role)
        n = request.bars if request.bars is not None else _clip_bars(clip, cond.meter)
        zs = [mu[None] for mu in self._encode(clip, cond.meter, n)]
        return self._decode(request, cond, tempo, key, zs, n, np.random.default_rng(seed), None)[0]

    # --- latents <-> windows ---------------------------------------------------------------
    def _windows(self, n: int) -> int:
        return math.ceil(n / self.window_bars)

    def _encode(self, clip: Clip, meter: Meter, n: int) -> np.ndarray:
        """mu of each window of `clip` over n bars (a shorter clip repeated to fill): [W, Z]."""
        tpb, wb = bar_ticks(meter), self.window_bars
        ticks = tiled(clip_ticks(clip), tpb * _clip_bars(clip, meter), tpb * self._windows(n) * wb)
        mus = []
        for w in range(self._windows(n)):
            lo = w * wb * tpb
            win = ticks[(ticks[:, 0] >= lo) & (ticks[:, 0] < lo + wb * tpb)].copy()
            win[:, 0] -= lo
            win[:, 1] = np.minimum(win[:, 1], wb * tpb - win[:, 0])
            toks = encode(canonical(win, tpb, wb, clip.drums), tpb, wb)
            mus.append(self.backend.encode(toks[: self.max_len - V.PREFIX_LEN - 1])[0])
        return np.stack(mus)

    def _moved(self, req: Request, zs: list) -> list:
        move = shift(self.attrs, req.mood, req.density, req.strength)
        return zs if move is None else [z + move[None] for z in zs]

    def _decode(self, req: Request, cond, tempo, key, zs: list, n: int, gen, progress,
                temperature: float | None = None) -> list[Clip]:
        """Decode window w of every row from zs[w] ([R, Z]) and join the windows into clips of n bars."""
        tpb, wb, rows = bar_ticks(cond.meter), self.window_bars, len(zs[0])
        prompt = replace(cond, bars=wb).tokens()
        spec = self.composer._spec(req, cond, wb, len(prompt))
        temperature = req.temperature * (self.decode_temperature if temperature is None else temperature)
        parts = [[] for _ in range(rows)]
        for w, z in enumerate(zs):
            sub = (lambda f, w=w: progress((w + min(max(f, 0.0), 1.0)) / len(zs))) if progress else None
            toks = decode_region(LatentStepper(self.backend, z), prompt, rows, spec, temperature, req.top_p, gen,
                                 self.max_len, sub)
            for r, t in enumerate(toks):
                parts[r].append(decode(t, tpb, first_bar=w * wb))
        drums, out = cond.role == "drums", []
        for r in range(rows):
            notes = accent(np.concatenate(parts[r]), tpb, gen, self.composer.flat(cond, gen))
            notes = notes[notes[:, 0] < n * tpb]
            k = key if key is not None or drums else key_of_ticks(notes)
            out.append(ticks_to_clip(notes, cond.meter, n, tempo, k, drums))
        if progress:
            progress(1.0)
        return out


# --- pure helpers ---------------------------------------------------------------------------
def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation from a (t = 0) to b (t = 1), as MusicVAE does between latents;
    nearly parallel vectors fall back to a straight line. The ends are exactly a and b."""
    if t <= 0.0:
        return np.asarray(a, dtype=np.float32)
    if t >= 1.0:
        return np.asarray(b, dtype=np.float32)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    cos = float(np.dot(a, b) / max(na * nb, 1e-12))
    omega = math.acos(min(1.0, max(-1.0, cos)))
    if omega < 1e-4:
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((math.sin((1 - t) * omega) * a + math.sin(t * omega) * b) / math.sin(omega)).astype(np.float32)


def tiled(ticks: np.ndarray, period: int, end: int) -> np.ndarray:
    """The notes [n, 4] repeated every `period` ticks up to `end`: a shorter clip filling a longer span."""
    ticks = np.asarray(ticks, dtype=np.int64).reshape(-1, 4)
    ticks = ticks[ticks[:, 0] < period]
    reps = [ticks + np.array([k * period, 0, 0, 0]) for k in range(max(1, math.ceil(end / period)))]
    out = np.concatenate(reps)
    return out[out[:, 0] < end]


def _fit(clip: Clip, n: int, meter: Meter, tempo: float, key) -> Clip:
    end = n * meter.beats_per_bar
    notes = [replace(x, duration=min(x.duration, end - x.start)) for x in clip.notes if x.start < end]
    return Clip(notes, end, meter, tempo, key, clip.drums)


def torch_backend(folder: Path, threads: int = 1):
    """The torch runtime (training's network); MissingExtra when torch is not installed."""
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise MissingExtra(f"{Path(folder).name} has no ONNX graphs, and its torch runtime needs PyTorch, "
                           "which is not installed: pip install 'cadenza[train]'") from e
    from bridge.engines.vae.export import read_model
    from bridge.engines.vae.runtime import TorchBackend

    return TorchBackend(read_model(folder), threads)
