"""The Markov baseline engine: a variable-order n-gram model over note events.

Fast (milliseconds per clip), small and trained in seconds, it is the baseline every later model
is measured against. It answers generate, continue, restyle (rhythm, contour or none preserved)
and infill, conditioned on role, style, key, meter, density and mood (mood picks the mode and
density when they are not given). The tables are described in markov_tables.py, sampling with
constraints in markov_sample.py, training in markov_train.py.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import replace
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from bridge.music.clip import Clip, Note
from bridge.music.keys import key_of_notes
from bridge.music.ticks import notes_to_ticks
from bridge.errors import BadRequest, NoClip
from bridge.music.theory import (DENSITY_CENTERS, MOODS, ROLES, TICKS_PER_BEAT, Key, Meter, density_knob_to_bucket,
                     mood_defaults, parse_key)
from bridge.music.request import Request
import bridge.engines.markov.sample as ms
import bridge.engines.markov.tables as mt
from bridge.engines.base import Engine, ModelInfo, ProgressFn

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
    engine_name = "markov"

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
        role = req.role
        if clip is not None and "role" not in req.given:
            if clip.drums or _looks_like_drums(clip.notes):
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

    def _cond(self, req: Request, clip: Clip | None, rng) -> tuple[ms.Cond, Key, int, float]:
        role = self._role(req, clip)
        rm = self.roles[role]
        style = req.style
        if style is None:
            style = next(iter(rm.side["styles"]), None)  # the most common style for this role
        elif style not in self.info.styles:
            raise BadRequest(f"unknown style {style!r}; this model knows: {', '.join(self.info.styles)}")
        meter = req.meter or (clip.meter if clip is not None else Meter())
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
            bars = req.bars or meter.bars_spanned(clip.length)
        else:
            bars = req.effective_bars()
        tempo = req.tempo if req.tempo is not None else (clip.tempo if clip is not None else 120.0)
        c = ms.Cond(role, rm.kind, style, key.tonic, key.mode, meter, req.temperature, req.top_p,
                    bool(req.scale_lock), req.pitch_low, req.pitch_high, opb, npb)
        return c, key, bars, tempo

    # --- operations

    def run(self, request: Request, clip: Clip | None, progress: ProgressFn) -> list[Clip]:
        op = request.operation
        if op not in self.operations:
            raise BadRequest(f"operation must be one of {', '.join(self.operations)}, got {op!r}")
        if op in ("restyle", "infill") and (clip is None or not clip.notes):
            raise NoClip(f"{op} needs an uploaded clip with notes (/cadenza/clip/begin and /cadenza/clip/notes)")
        seed = request.seed if request.seed is not None else secrets.randbits(31)
        seed32 = seed & 0xFFFFFFFF
        c, key, bars, tempo = self._cond(request, clip, np.random.default_rng([seed32, 1_000_003]))
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
                notes = self._infill(rm, c, rng, bars, clip, request.start_bar, request.end_bar)
            else:
                notes = self._restyle(rm, c, rng, bars, clip, key, request)
            notes = [n for n in notes if n.start < length - 1e-9]
            notes = [replace(n, duration=min(n.duration, round(length - n.start, 6))) for n in notes]
            out = Clip(sorted(notes, key=lambda n: (n.start, n.pitch)), length, c.meter, tempo,
                       None if c.role == "drums" else key, drums=c.role == "drums")
            outs.append(out.validate())
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

    def _infill(self, rm, c, rng, bars, clip: Clip, start_bar, end_bar) -> list[Note]:
        if start_bar is None or end_bar is None:
            raise BadRequest("infill needs start_bar and end_bar (0-based, end exclusive)")
        if not 0 <= start_bar < end_bar <= bars:
            raise BadRequest(f"infill bars must satisfy 0 <= start_bar < end_bar <= {bars}, got {start_bar}..{end_bar}")
        return self._infill_span(rm, c, rng, clip.notes, start_bar, end_bar)

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
        idx = dataset.indices(split)
        if len(idx) == 0:
            split, idx = "test", dataset.indices("test")
        if len(idx) > max_clips:
            idx = idx[np.linspace(0, len(idx) - 1, max_clips).astype(int)]
        total, events = 0.0, 0
        for i in idx:
            lab = dataset.labels(int(i))
            rm = self.roles.get(lab["role"])
            if rm is None:
                continue
            nll, n = _clip_nll(rm, dataset.clip_notes(int(i)), lab, self.cap)
            total, events = total + nll, events + n
        loss = total / events if events else float("nan")
        return {"loss": round(loss, 4), "unit": "nats per onset (rhythm + pitch)", "split": split, "events": events}


def _clip_nll(rm: ms.RoleModel, notes: np.ndarray, lab: dict, cap: int) -> tuple[float, int]:
    style, key, meter = rm.style_or_none(lab["style"]), lab["key"], lab["meter"]
    bar = mt.bar_ticks(meter)
    events = mt.group_events(notes, rm.kind)
    nll, hist = 0.0, [mt.BOS]
    for tick, ioi, dur in mt.rhythm_tokens(events, rm.kind, cap):
        sym = mt.rhythm_symbol(ioi, dur)
        p = rm.rhythm.dist(mt.chain(mt.rhythm_contexts(tick % bar, meter, hist, 8), style))
        j = rm.rhythm_index.get(sym)
        nll -= math.log(max(p[j] if j is not None else 0.0, 1e-6))
        hist.append(sym)
    prev, ints, chist = None, [], [mt.BOS]
    for ev in events:
        lv = mt.metric_level(ev.tick % bar, meter)
        if rm.kind in ("top", "bottom"):
            p0 = ev.pitches[0]
            if prev is None:
                q = rm.first.dist(mt.chain(mt.first_contexts(key.mode), style))[(p0 - key.tonic) % 12]
            else:
                iv = mt.clip_interval(prev, p0)
                ctx = mt.mono_contexts(key.mode, (prev - key.tonic) % 12, lv, ints, 8)
                q = rm.content.dist(mt.chain(ctx, style))[iv + mt.MAX_INTERVAL]
                ints.append(iv)
            prev = p0
        else:
            if rm.kind == "poly":
                sym = mt.chord_symbol(ev.pitches, key.tonic)
                ctx = mt.poly_contexts(key.mode, lv, chist, 8)
            else:
                sym = mt.drum_symbol(ev.pitches)
                ctx = mt.drum_contexts(ev.tick % bar, meter, chist, 8)
            j = rm.content_index.get(sym)
            q = rm.content.dist(mt.chain(ctx, style))[j] if j is not None else 0.0
            chist.append(sym)
        nll -= math.log(max(q, 1e-6))
    return nll, len(events)
