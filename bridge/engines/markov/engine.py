"""The Markov baseline engine: a variable-order n-gram model over note events.

Fast (milliseconds per clip), small and trained in seconds, it is the baseline every later model
is measured against. It answers generate, continue, restyle (rhythm, contour or none preserved)
and infill, conditioned on role, style, key, meter, density and mood (mood picks the mode and
density when they are not given). The tables are described in tables.py, sampling with
constraints in sample.py, held-out scoring in score.py, training in train.py; imports go one way:
tables <- sample <- score <- engine <- train.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from bridge.music.clip import Clip, Note
from bridge.errors import BadRequest
from bridge.music.keys import key_of_notes
from bridge.music.theory import (DENSITY_CENTERS, MOODS, ROLES, TICKS_PER_BEAT, Key, density_knob_to_bucket,
                                 mood_defaults, parse_key)
from bridge.music.ticks import notes_to_ticks
from bridge.music.request import Request
import bridge.engines.markov.sample as ms
import bridge.engines.markov.tables as mt
from bridge.engines.markov.score import validation_loss
from bridge.engines.base import Engine, ModelInfo, ProgressFn
from bridge.engines.resolve import DEFAULT_TEMPO, drums_clip_role, meter_of, tempo_of

CORE_KIT = frozenset((35, 36, 38, 40, 42, 44, 46, 49, 51, 57))  # GM kicks, snares, hats, rides, crashes


def _looks_like_drums(notes: list[Note]) -> bool:
    """An uploaded clip carries no drum flag over OSC: short hits mostly on the core GM kit
    pitches are taken as drums when the request names no role."""
    if len(notes) < 4:
        return False
    kit = sum(n.pitch in CORE_KIT for n in notes) / len(notes)
    return kit >= 0.6 and float(np.median([n.duration for n in notes])) <= 0.25


def _map_pitch(p: int, src: Key, dst: Key) -> int:
    """Move a kept pitch into a new key: nearest transposition, then the mode's third, sixth and
    seventh degrees raised or lowered."""
    shift = (dst.tonic - src.tonic) % 12
    shift = shift - 12 if shift > 6 else shift
    q = p + shift
    if src.mode != dst.mode:
        deg = (q - dst.tonic) % 12
        if src.mode == "major" and deg in (4, 9, 11):
            q -= 1
        elif src.mode == "minor" and deg in (3, 8, 10):
            q += 1
    return min(127, max(0, q))


class MarkovEngine(Engine):
    """A variable-order n-gram model per role, loaded from safetensors tables; CPU only.

    Shared checks (operation, clip, style, seed, infill range, valid output) happen in
    `Engine.run`; this class resolves the Markov conditions (`_cond`) and draws notes (`_run`).
    A seed reproduces its notes: each variation draws from numpy's generator seeded (seed, v).
    """

    engine_name = "markov"
    # continue without a clip is generate; restyle and infill need notes to work on
    clip_operations = ("restyle", "infill")
    clip_needs_notes = True
    operation_error = "operation must be one of {allowed}, got {op!r}"
    no_clip_error = "{op} needs an uploaded clip with notes (/cadenza/clip/begin and /cadenza/clip/notes)"

    def __init__(self, folder: Path, config: dict, info: ModelInfo, roles: dict[str, ms.RoleModel]):
        super().__init__(folder, config, info)
        self.roles = roles
        self.cap = int(config.get("settings", {}).get("max_gap_ticks", 96))

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "MarkovEngine":
        folder = Path(folder)
        roles = {}
        discount = config.get("settings", {}).get("discount")
        for role in config.get("roles", []):
            side = json.loads((folder / f"{role}.json").read_text())
            roles[role] = ms.RoleModel(load_file(str(folder / f"{role}.safetensors")), side, discount)
        if not roles:
            raise ValueError(f"{folder} holds no trained role; run `cadenza train --engine markov`")
        info = ModelInfo(
            name=folder.name, engine="markov", device="cpu", quantization="none",
            styles=tuple(config.get("styles", ())), roles=tuple(r for r in ROLES if r in roles),
            moods=tuple(config.get("moods", MOODS)), default=bool(config.get("default", False)),
            extra={"dataset": config.get("dataset", {}).get("name")},
        )
        return cls(folder, config, info, roles)

    # --- resolving a request

    def _role(self, req: Request, clip: Clip | None) -> str:
        # Unlike the Transformer, the Markov engine also reads the role from the clip's texture
        # (a kit-like clip is drums, chords are chords, low lines bass): it has one table set per
        # role and no token that could carry an unknown role.
        role = drums_clip_role(req, clip, req.role)
        if clip is not None and "role" not in req.given and role != "drums":
            if _looks_like_drums(clip.notes):
                role = "drums"
            else:
                ticks = notes_to_ticks(clip.notes)
                groups = len(np.unique(ticks[:, 0])) if len(ticks) else 1
                poly = len(ticks) / max(1, groups) > 1.3
                mean = float(ticks[:, 2].mean()) if len(ticks) else 60.0
                role = ("chords" if "chords" in self.roles else "keys") if poly else ("bass" if mean < 50 else "melody")
                if role not in self.roles:
                    role = req.role
        if role not in self.roles:
            raise BadRequest(f"model {self.info.name!r} has no {role} data; roles: {', '.join(self.roles)}")
        return role

    def _clip_bars(self, req: Request, clip: Clip) -> int:
        return req.bars or meter_of(req, clip).bars_spanned(clip.length)

    def _check_infill(self, start_bar, end_bar, bars: int) -> None:
        if start_bar is None or end_bar is None:
            raise BadRequest("infill needs start_bar and end_bar (0-based, end exclusive)")
        if not 0 <= start_bar < end_bar <= bars:
            raise BadRequest(f"infill bars must satisfy 0 <= start_bar < end_bar <= {bars}, got {start_bar}..{end_bar}")

    def _cond(self, req: Request, clip: Clip | None, role: str, rng) -> tuple[ms.Cond, Key, int, float]:
        """The Markov conditions. Style, key and density defaults come from this role's training
        data and the mood (the Transformer leaves them to its tokens), so they stay here."""
        rm = self.roles[role]
        # the most common style for this role when none is asked for (Engine.run checked a named one)
        style = req.style if req.style is not None else next(iter(rm.side["styles"]), None)
        meter = meter_of(req, clip)
        key = req.key
        if key is None and clip is not None and clip.notes:
            key = clip.key or key_of_notes(clip.notes) or Key(0, "major")
        if key is None:  # a common key of this role's data, drawn with the request's seed
            keys = rm.side["keys"] or {"C major": 1}
            want = mood_defaults(req.mood)[0] if req.mood else None
            names = [k for k in keys if want is None or k.endswith(want)] or list(keys)
            counts = np.array([keys[k] for k in names], dtype=np.float64)
            key = parse_key(names[int(rng.choice(len(names), p=counts / counts.sum()))])
            if want and key.mode != want:
                key = Key(key.tonic, want)
        density = req.density if req.density is not None else (mood_defaults(req.mood)[1] if req.mood else None)
        opb = npb = None
        if density is not None:
            npb = DENSITY_CENTERS[density_knob_to_bucket(density)]
            opb = npb / max(1.0, rm.side["notes_per_onset"])
        if clip is not None and req.operation in ("restyle", "infill"):
            bars = self._clip_bars(req, clip)
        else:
            bars = req.effective_bars()
        tempo = tempo_of(req, clip)
        tempo = tempo if tempo is not None else DEFAULT_TEMPO
        c = ms.Cond(role, rm.kind, style, key.tonic, key.mode, meter, req.temperature, req.top_p,
                    bool(req.scale_lock), req.pitch_low, req.pitch_high, opb, npb)
        return c, key, bars, tempo

    # --- operations

    def _run(self, request: Request, clip: Clip | None, role: str, seed: int, progress: ProgressFn) -> list[Clip]:
        op = request.operation
        seed32 = seed & 0xFFFFFFFF
        c, key, bars, tempo = self._cond(request, clip, role, np.random.default_rng([seed32, 1_000_003]))
        rm = self.roles[c.role]
        length = bars * c.meter.beats_per_bar
        outs = []
        for v in range(request.variations):
            rng = np.random.default_rng([seed32, v])
            if op == "generate" or (op == "continue" and (clip is None or not clip.notes)):
                notes = self._generate(rm, c, rng, bars)
            elif op == "continue":
                notes = self._continue(rm, c, rng, bars, clip)
            elif op == "infill":
                notes = self._infill_span(rm, c, rng, clip.notes, request.start_bar, request.end_bar)
            else:
                notes = self._restyle(rm, c, rng, bars, clip, key, request)
            notes = [n for n in notes if n.start < length - 1e-9]
            notes = [replace(n, duration=min(n.duration, round(length - n.start, 6))) for n in notes]
            outs.append(Clip(sorted(notes, key=lambda n: (n.start, n.pitch)), length, c.meter, tempo,
                             None if c.role == "drums" else key, drums=c.role == "drums"))
            progress((v + 1) / request.variations)
        return outs

    def _render(self, rm, c, rng, rhythm: list, groups: list) -> list[Note]:
        ticks = [t for t, _ in rhythm]
        vels = ms.velocities(rm, c, rng, ticks, groups)
        return [Note(t / TICKS_PER_BEAT, int(p), d / TICKS_PER_BEAT, v)
                for (t, d), g, vs in zip(rhythm, groups, vels) for p, v in zip(g, vs)]

    def _content(self, rm, c, rng, ticks, left_events, fixed=None, sizes=None, contour=None) -> list:
        """Pitches/hit sets for onsets `ticks`, continuing from `left_events` (key-aware context)."""
        n = len(ticks)
        fixed = fixed or [None] * n
        if rm.kind in ("top", "bottom"):
            left = [e.pitches[0] for e in left_events][-16:]
            lead_fixed = [None if f is None else f[0] for f in fixed]
            leads = ms.fill_mono(rm, c, rng, ticks, lead_fixed, left, contour)
            return [tuple(f) if f is not None else (p,) for p, f in zip(leads, fixed)]
        if rm.kind == "poly":
            hist = [mt.BOS] + [mt.chord_symbol(e.pitches, c.tonic) for e in left_events][-8:]
        else:
            hist = [mt.BOS] + [mt.drum_symbol(e.pitches) for e in left_events][-12:]
        prev_low = left_events[-1].pitches[0] if left_events and rm.kind == "poly" else None
        size_target = None
        if c.notes_per_beat and ticks and sizes is None:
            span = (max(ticks) - min(ticks)) / TICKS_PER_BEAT + 1.0
            size_target = max(1.0, c.notes_per_beat * span / len(ticks))
        return ms.fill_groups(rm, c, rng, ticks, fixed, sizes or [None] * n, hist, prev_low, contour, size_target)

    def _generate(self, rm, c, rng, bars) -> list[Note]:
        end = bars * mt.bar_ticks(c.meter)
        rhythm = ms.sample_rhythm(rm, c, rng, 0, end, [mt.BOS])
        groups = self._content(rm, c, rng, [t for t, _ in rhythm], [])
        return self._render(rm, c, rng, rhythm, groups)

    def _continue(self, rm, c, rng, bars, clip: Clip) -> list[Note]:
        """The clip is the context; the reply starts at 0 where the clip ends."""
        events = mt.group_events(notes_to_ticks(clip.notes), rm.kind)
        shift = round(clip.length * TICKS_PER_BEAT)
        hist = ms.history_of(events, rm.kind, self.cap, shift)[-8:]
        end = bars * mt.bar_ticks(c.meter)
        rhythm = [(t - shift, d) for t, d in ms.sample_rhythm(rm, c, rng, shift, shift + end, hist, frame=shift)]
        groups = self._content(rm, c, rng, [t for t, _ in rhythm], events)
        return self._render(rm, c, rng, rhythm, groups)

    def _infill_span(self, rm, c, rng, notes: list[Note], start_bar: int, end_bar: int) -> list[Note]:
        bar = mt.bar_ticks(c.meter)
        lo, hi = start_bar * bar, end_bar * bar
        lo_b, hi_b = lo / TICKS_PER_BEAT, hi / TICKS_PER_BEAT
        before = [replace(n, duration=min(n.duration, lo_b - n.start)) for n in notes if n.start < lo_b - 1e-9]
        after = [n for n in notes if n.start >= hi_b - 1e-9]
        events = mt.group_events(notes_to_ticks(before), rm.kind)
        hist = ms.history_of(events, rm.kind, self.cap, lo)[-8:]
        rhythm = ms.sample_rhythm(rm, c, rng, lo, hi, hist)
        ticks = [t for t, _ in rhythm]
        nxt = mt.group_events(notes_to_ticks(after), rm.kind)[:1]
        fixed = [None] * len(ticks)
        if nxt:  # the first kept event after the gap steers the last drawn pitch
            ticks, fixed = ticks + [nxt[0].tick], fixed + [nxt[0].pitches]
        groups = self._content(rm, c, rng, ticks, events, fixed=fixed)[: len(rhythm)]
        return before + self._render(rm, c, rng, rhythm, groups) + after

    def _restyle(self, rm, c, rng, bars, clip: Clip, key: Key, req: Request) -> list[Note]:
        src_key = clip.key or key_of_notes(clip.notes) or Key(0, "major")
        if req.strength <= 0:
            return list(clip.notes)
        if req.preserve == "none":
            n_re = max(1, round(req.strength * bars))
            chosen = sorted(rng.choice(bars, size=min(bars, n_re), replace=False).tolist())
            notes = [replace(n, pitch=_map_pitch(n.pitch, src_key, key)) if c.role != "drums" else n
                     for n in clip.notes]
            for b in chosen:
                notes = self._infill_span(rm, c, rng, notes, b, b + 1)
            return notes
        # preserve rhythm or contour: every onset and duration stays; pitches are redrawn
        by_start: dict[float, list[Note]] = {}
        for n in sorted(clip.notes, key=lambda n: (n.start, n.pitch)):
            by_start.setdefault(n.start, []).append(n)
        starts = sorted(by_start)
        k = round(req.strength * len(starts))
        redraw = set(rng.choice(len(starts), size=k, replace=False).tolist()) if k else set()
        remap = c.role != "drums" and (src_key != key)
        ticks = [round(s * TICKS_PER_BEAT) for s in starts]
        fixed, sizes = [], []
        for i, s in enumerate(starts):
            grp = by_start[s]
            pitches = sorted(_map_pitch(n.pitch, src_key, key) if remap else n.pitch for n in grp)
            fixed.append(None if i in redraw else tuple(pitches))
            sizes.append(len(grp))
        if rm.kind == "top":
            lead_old = [max(n.pitch for n in by_start[s]) for s in starts]
        else:
            lead_old = [min(n.pitch for n in by_start[s]) for s in starts]
        contour = None
        if req.preserve == "contour":
            contour = [None] + [int(np.sign(b - a)) for a, b in zip(lead_old, lead_old[1:])]
        groups = self._content(rm, c, rng, ticks, [], fixed=fixed, sizes=sizes, contour=contour)
        out = []
        for i, s in enumerate(starts):
            grp = sorted(by_start[s], key=lambda n: n.pitch)
            new = list(groups[i])
            if rm.kind in ("top", "bottom") and fixed[i] is None:
                # the lead note was redrawn; the other notes of the onset keep their distance to it
                old_lead = lead_old[i] if not remap else _map_pitch(lead_old[i], src_key, key)
                pitches = [_map_pitch(n.pitch, src_key, key) if remap else n.pitch for n in grp]
                new = sorted(min(127, max(0, p + new[0] - old_lead)) for p in pitches)
                if c.scale_lock:
                    new = [p if p % 12 in c.scale else p - 1 for p in new]
            new = sorted(new)[: len(grp)] + [new[-1]] * max(0, len(grp) - len(new))
            out.extend(replace(n, pitch=int(p)) for n, p in zip(grp, new))
        return out

    # --- evaluation hook

    def validation_loss(self, dataset, split: str = "val", max_clips: int = 2000) -> dict:
        """Mean negative log-likelihood (nats) per onset group of the rhythm and content streams
        over a held-out split (test if the dataset has no val clips)."""
        return validation_loss(self.roles, self.cap, dataset, split, max_clips)
