"""Train the Markov baseline: count n-grams over the training split of a dataset and write the
model folder (config.json, one <role>.json + <role>.safetensors per role, MODEL_CARD.md).

Counting is cheap (seconds per hundred thousand notes), so there is no time budget: the whole
training split is read once. Nothing is transposed: symbols are key-relative already.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
from safetensors.numpy import save_file

from bridge.engines.trainkit import user_file
from bridge.data.dataset import COL, Dataset
from bridge.data.locate import dataset_fingerprint
from bridge.music.theory import MOODS, ROLES
import bridge.engines.markov.tables as mt
from bridge.engines.markov.card import write_card
from bridge.engines.markov.engine import MarkovEngine
from bridge.engines.markov.sample import RoleModel
from bridge.engines.markov.score import clip_nll

FORMAT_VERSION = 1
DEFAULTS = {
    "rhythm_order": 4,  # previous rhythm tokens in the longest rhythm context (1..8)
    "mono_order": 4,  # previous intervals in the longest melody/bass context (1..8)
    "poly_order": 3,  # previous chord shapes in the longest chords/keys context (1..8)
    "drum_order": 6,  # previous hit sets in the longest drum context (1..12)
    "min_count": "auto",  # history contexts seen fewer times are pruned: an integer >= 1, or
    # "auto": per role, the candidate with the lowest loss on the val split (2 when there is none)
    "max_gap_ticks": 96,  # longest rhythm step (8 beats); longer gaps become several rests
    "max_file_mib": 15.0,  # pruning doubles min_count until every table file is smaller
    "discount": None,  # smoothing: None for Witten-Bell, or an absolute discount in (0, 1)
}
VELOCITY_LEVELS = 4
MIN_COUNT_CANDIDATES = (2, 4, 8, 16, 32, 64, 128, 256, 512)
FALLBACK_MIN_COUNT = 2  # "auto" without val clips for a role
MAX_VAL_CLIPS = 1500  # val clips per role scored for each candidate




class _Moments:
    """Running count / sum / sum of squares."""

    def __init__(self):
        self.n, self.s, self.ss = 0, 0.0, 0.0

    def add(self, values) -> None:
        v = np.asarray(values, dtype=np.float64)
        self.n += v.size
        self.s += float(v.sum())
        self.ss += float((v * v).sum())

    def out(self) -> dict:
        mean = self.s / self.n if self.n else 0.0
        var = max(0.0, self.ss / self.n - mean * mean) if self.n else 0.0
        return {"n": self.n, "mean": round(mean, 3), "std": round(var**0.5, 3)}


class _RoleCounter:
    """Everything counted for one role."""

    def __init__(self, role: str, cfg: dict):
        self.role, self.cfg, self.kind = role, cfg, mt.ROLE_KIND[role]
        self.rhythm, self.content, self.first = mt.Counts(), mt.Counts(), mt.Counts()
        self.rhythm_vocab: dict[str, int] = {}
        self.content_vocab: dict[str, int] = {}
        self.register: dict[str, _Moments] = {}
        self.vel_level: dict[str, list] = {}
        self.vel_clip: dict[str, _Moments] = {}
        self.drum_vel: dict[str, _Moments] = {}
        self.notes_per_onset = _Moments()
        self.styles: Counter = Counter()
        self.meters: dict[str, Counter] = {}
        self.keys: Counter = Counter()
        self.events = 0

    def _vid(self, vocab: dict, sym: str) -> int:
        i = vocab.get(sym)
        if i is None:
            i = vocab[sym] = len(vocab)
        return i

    def add_clip(self, notes: np.ndarray, lab: dict) -> None:
        style, key, meter = lab["style"], lab["key"], lab["meter"]
        bar = mt.bar_ticks(meter)
        events = mt.group_events(notes, self.kind)
        if not events:
            return
        self.styles[style] += 1
        self.meters.setdefault(style, Counter())[str(meter)] += 1
        self.keys[key.name] += 1
        self.events += len(events)
        self.notes_per_onset.add([len(e.pitches) for e in events])
        hist = [mt.BOS]
        for tick, ioi, dur in mt.rhythm_tokens(events, self.kind, self.cfg["max_gap_ticks"]):
            sym = mt.rhythm_symbol(ioi, dur)
            ctx = mt.chain(mt.rhythm_contexts(tick % bar, meter, hist, self.cfg["rhythm_order"]), style)
            self.rhythm.add(ctx, self._vid(self.rhythm_vocab, sym))
            hist.append(sym)
        self._add_content(events, style, key, meter)
        self._add_velocity(events, style, meter)

    def _add_content(self, events, style, key, meter) -> None:
        bar, mode, ref = mt.bar_ticks(meter), key.mode, mt.tonic_ref(key.tonic)
        reg = self.register.setdefault(f"{style}|{mode}", _Moments())
        reg_all = self.register.setdefault(f"*|{mode}", _Moments())
        if self.kind in ("top", "bottom"):
            prev, ints = None, []
            for ev in events:
                p = ev.pitches[0]
                level = mt.metric_level(ev.tick % bar, meter)
                if prev is None:
                    self.first.add(mt.chain(mt.first_contexts(mode), style), (p - key.tonic) % 12)
                else:
                    iv = mt.clip_interval(prev, p)
                    ctx = mt.mono_contexts(mode, (prev - key.tonic) % 12, level, ints, self.cfg["mono_order"])
                    self.content.add(mt.chain(ctx, style), iv + mt.MAX_INTERVAL)
                    ints.append(iv)
                prev = p
            lows = [ev.pitches[0] - ref for ev in events]
        elif self.kind == "poly":
            hist = [mt.BOS]
            for ev in events:
                sym = mt.chord_symbol(ev.pitches, key.tonic)
                level = mt.metric_level(ev.tick % bar, meter)
                ctx = mt.poly_contexts(mode, level, hist, self.cfg["poly_order"])
                self.content.add(mt.chain(ctx, style), self._vid(self.content_vocab, sym))
                hist.append(sym)
            lows = [ev.pitches[0] - ref for ev in events]
        else:
            hist = [mt.BOS]
            for ev in events:
                sym = mt.drum_symbol(ev.pitches)
                ctx = mt.drum_contexts(ev.tick % bar, meter, hist, self.cfg["drum_order"])
                self.content.add(mt.chain(ctx, style), self._vid(self.content_vocab, sym))
                hist.append(sym)
            lows = []
        reg.add(lows)
        reg_all.add(lows)

    def _add_velocity(self, events, style, meter) -> None:
        bar = mt.bar_ticks(meter)
        for name in (style, "*"):
            levels = self.vel_level.setdefault(name, [_Moments() for _ in range(VELOCITY_LEVELS)])
            vels = []
            for ev in events:
                lv = mt.metric_level(ev.tick % bar, meter)
                levels[lv].add(ev.vels)
                vels.extend(ev.vels)
                if self.kind == "drums":
                    for p, v in zip(ev.pitches, ev.vels):
                        self.drum_vel.setdefault(f"{name}|{p}", _Moments()).add([v])
            self.vel_clip.setdefault(name, _Moments()).add([float(np.mean(vels))])

    def stats(self) -> dict:
        vel = {}
        for name, levels in self.vel_level.items():
            outs = [m.out() for m in levels]
            n = sum(o["n"] for o in outs)
            within = sum(o["n"] * o["std"] ** 2 for o in outs) / n if n else 0.0
            vel[name] = {
                "level_mean": [o["mean"] for o in outs],
                "level_n": [o["n"] for o in outs],
                "note_std": round(within**0.5, 3),
                "clip_std": self.vel_clip[name].out()["std"],
            }
        return {
            "kind": self.kind,
            "events": self.events,
            "notes_per_onset": self.notes_per_onset.out()["mean"],
            "styles": dict(self.styles.most_common()),
            "meters": {s: dict(c.most_common()) for s, c in self.meters.items()},
            "keys": dict(self.keys.most_common()),
            "register": {k: m.out() for k, m in self.register.items() if m.n},
            "velocity": vel,
            "drum_velocity": {k: m.out()["mean"] for k, m in self.drum_vel.items()},
        }


def _tables(rc: _RoleCounter, min_count: int) -> dict:
    arrays = {}
    for name, counts in (("rhythm", rc.rhythm), ("content", rc.content), ("first", rc.first)):
        for k, v in counts.pack(min_count).items():
            arrays[f"{name}.{k}"] = v
    return arrays


def _side(rc: _RoleCounter, min_count: int) -> dict:
    return {
        "role": rc.role,
        "rhythm_vocab": list(rc.rhythm_vocab),
        "content_vocab": list(rc.content_vocab) if rc.kind in ("poly", "drums") else None,
        "min_count": min_count,
        **rc.stats(),
    }


def choose_min_count(rc: _RoleCounter, val: list, cap: int) -> tuple[int, dict]:
    """The pruning threshold with the lowest held-out loss for this role, and every candidate's
    loss. Pruning rare long contexts usually helps: Witten-Bell trusts a context seen twice as
    much as its few distinct followers suggest, which over-fits (and copies) the training data."""
    if not val:
        return FALLBACK_MIN_COUNT, {}
    side = _side(rc, 0)
    losses = {}
    for mc in MIN_COUNT_CANDIDATES:
        model = RoleModel(_tables(rc, mc), side, rc.cfg["discount"])
        nll = events = 0
        for notes, lab in val:
            a, b = clip_nll(model, notes, lab, cap)
            nll, events = nll + a, events + b
        losses[mc] = round(nll / max(1, events), 4)
    return min(losses, key=losses.get), losses


def _pack_role(rc: _RoleCounter, out: Path, cfg: dict, min_count: int) -> tuple[int, int]:
    """Write <role>.safetensors (pruning harder until it fits) and <role>.json. Returns (bytes, min_count)."""
    limit = cfg["max_file_mib"] * 2**20
    min_count = max(1, int(min_count))
    while True:
        arrays = _tables(rc, min_count)
        if sum(a.nbytes for a in arrays.values()) <= limit:
            break
        min_count *= 2
    path = out / f"{rc.role}.safetensors"
    save_file(arrays, str(path), metadata={"format": "cadenza-markov", "version": str(FORMAT_VERSION)})
    user_file(path)
    (out / f"{rc.role}.json").write_text(json.dumps(_side(rc, min_count), separators=(",", ":")))
    return path.stat().st_size + (out / f"{rc.role}.json").stat().st_size, min_count


def _sources(ds: Dataset, idx: np.ndarray) -> list[dict]:
    """Pieces behind the training clips, grouped by source and licence, for the model card."""
    pieces = ds.manifest.get("pieces", [])
    used = set(int(p) for p in ds.clips[idx, COL["piece"]])
    groups: Counter = Counter()
    for i in used:
        p = pieces[i] if i < len(pieces) and isinstance(pieces[i], dict) else {}
        groups[(str(p.get("source", "unknown")), str(p.get("licence", p.get("license", "unknown"))))] += 1
    return [{"source": s, "licence": lic, "pieces": n} for (s, lic), n in groups.most_common()]


def read_settings(config: str | Path | None) -> dict:
    """Settings from a TOML file: its [markov] table, else its top level; {} without a file."""
    if config is None:
        return {}
    with open(config, "rb") as fh:
        doc = tomllib.load(fh)
    return dict(doc.get("markov", doc))


def train(data_dir, out_dir, config=None, progress=None) -> dict:
    """The registry's trainer (`cadenza train --engine markov`): settings from the TOML `config`."""
    report = (lambda done, total: progress(done, total, "counting clips")) if progress else None
    return train_markov(data_dir, out_dir, read_settings(config), progress=report)


def train_markov(
    data_dir: str | Path,
    out_dir: str | Path,
    config: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Count the training split of `data_dir` into a model folder at `out_dir`; return a summary."""
    t0 = time.perf_counter()
    cfg = {**DEFAULTS, **(config or {})}
    unknown = set(cfg) - set(DEFAULTS) - {"engine"}
    if unknown:
        raise ValueError(f"unknown markov settings {sorted(unknown)}; allowed: {sorted(DEFAULTS)}")
    ds = Dataset.load(data_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    idx = ds.indices("train")
    if len(idx) == 0:
        raise ValueError(f"dataset {data_dir} has no clips in the train split")
    counters: dict[str, _RoleCounter] = {}
    for n, i in enumerate(idx):
        lab = ds.labels(int(i))
        rc = counters.get(lab["role"]) or counters.setdefault(lab["role"], _RoleCounter(lab["role"], cfg))
        rc.add_clip(ds.clip_notes(int(i)), lab)
        if progress and (n % 200 == 0 or n == len(idx) - 1):
            progress(n + 1, len(idx))
    for old in list(out.glob("*.safetensors")) + [p for p in out.glob("*.json") if p.stem in ROLES]:
        old.unlink()  # a retrain on data without some role must not leave that role's old tables
    if cfg["discount"] is not None and not 0 < float(cfg["discount"]) < 1:
        raise ValueError(f"discount must be between 0 and 1 (or absent for Witten-Bell), got {cfg['discount']!r}")
    auto = str(cfg["min_count"]).lower() == "auto"
    if not auto and not (isinstance(cfg["min_count"], int) and cfg["min_count"] >= 1):
        raise ValueError(f'min_count must be "auto" or an integer >= 1, got {cfg["min_count"]!r}')
    val_by_role: dict[str, list] = {}
    if auto:
        for i in ds.indices("val"):
            lab = ds.labels(int(i))
            val_by_role.setdefault(lab["role"], []).append((ds.clip_notes(int(i)), lab))
    files, pruning, tuning = {}, {}, {}
    for role in ROLES:
        if role in counters and counters[role].events:
            mc = cfg["min_count"]
            if auto:
                val = val_by_role.get(role, [])
                val = [val[j] for j in np.linspace(0, len(val) - 1, min(len(val), MAX_VAL_CLIPS)).astype(int)]
                mc, tuning[role] = choose_min_count(counters[role], val, cfg["max_gap_ticks"])
            size, pruning[role] = _pack_role(counters[role], out, cfg, mc)
            files[role] = size
    roles = [r for r in ROLES if r in files]
    styles = sorted({s for r in roles for s in counters[r].styles})
    config_out = {
        "engine": "markov",
        "format_version": FORMAT_VERSION,
        "roles": roles,
        "styles": styles,
        "moods": list(MOODS),
        "settings": {k: cfg[k] for k in DEFAULTS},
        "min_count_used": pruning,
        "min_count_val_loss": tuning,
        "dataset": {
            "path": str(Path(data_dir).resolve()),
            "name": ds.manifest.get("name", Path(data_dir).name),
            "train_clips": int(len(idx)),
            "fingerprint": dataset_fingerprint(ds),
            "events": {r: counters[r].events for r in roles},
        },
        "sources": _sources(ds, idx),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    (out / "config.json").write_text(json.dumps(config_out, indent=1))
    summary = {
        "engine": "markov",
        "out": str(out),
        "clips": int(len(idx)),
        "events": sum(counters[r].events for r in roles),
        "roles": roles,
        "styles": styles,
        "bytes": sum(files.values()),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    engine = MarkovEngine.load(out, config_out)
    summary["val_loss"] = engine.validation_loss(ds)
    write_card(out, config_out, summary)
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    return summary
