"""One evaluation run: real reference statistics from a dataset's held-out clips, then for each
model folder N generated clips per style and role, scored with the metrics of metrics.py and,
where MusPy and scikit-learn are installed, the musical columns of musical_run.py (ratios to
real-vs-real ceilings, style recall, a verdict against the Markov baseline, issue 10's targets).

Engine-agnostic: a model is loaded through bridge.engines.registry.load_model and asked through
`Engine.run` exactly as the daemon asks it; `Engine.validation_loss(dataset)` is used when the
family computes one. The result is a plain dict (report.py renders it; eval.json stores it).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.data.locate import dataset_fingerprint
from bridge.engines.registry import load_model
from bridge.errors import CadenzaError
from bridge.music.limits import DEFAULT_BARS
from bridge.music.request import Request
import bridge.evaluation.metrics as M
from bridge.evaluation.accompany import AccompanySettings, evaluate_accompany
from bridge.evaluation.classifier import StyleClassifier
from bridge.evaluation.musical_run import MIN_STYLE_CLIPS, MusicalReference, apply, missing_dependency
from bridge.evaluation.originality import COPY_THRESHOLD, NgramIndex, clip_tokens, tokens_from_ticks

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class EvalSettings:
    n: int = 8  # generated clips per style and role
    variations: int = 4  # variations per request (distinctness is measured inside a request)
    bars: int = DEFAULT_BARS  # bars per generated clip
    seed: int = 1234  # request seeds are seed, seed + 1, ...
    temperature: float | None = None  # None: each model's default (1.0 unless its config names one)
    max_real: int = 200  # real test clips per style and role used for the reference statistics
    max_classifier: int = 3000  # real clips per role the style classifier is trained on
    max_style_fit: int = 150  # real train clips per style the gradient-boosted style model is fitted on
    min_style_clips: int = MIN_STYLE_CLIPS  # test clips a style needs before its style recall counts
    device: str = "auto"
    accompany_windows: int = 40  # held-out multi-part windows for the accompany section (0: none)
    split: str = "test"  # "val": score against the val clips (ceilings from test), for tuning decoding settings


def _spread(idx: np.ndarray, k: int) -> np.ndarray:
    """At most k indices, evenly spread (deterministic)."""
    if len(idx) <= k:
        return idx
    return idx[np.linspace(0, len(idx) - 1, k).astype(int)]


class Reference:
    """What real held-out clips look like, per (style, role)."""

    def __init__(self, ds: Dataset, s: EvalSettings, progress: Progress | None = None):
        self.ds = ds
        test, val = ds.indices("test"), ds.indices("val")
        self.notes: list[str] = []
        if s.split == "val":  # tuning: the val clips are the reference, test clips only give the ceilings
            test, val = val, test
            self.notes.append("scored against the val split (--split val): a tuning run, not the report")
        if len(test) == 0:
            test, val = val, np.zeros(0, dtype=int)
            self.notes.append("the dataset has no test split: val clips stand in for test clips")
        fit_idx = val
        if len({int(ds.clips[i, COL["style"]]) for i in val}) < 2:
            fit_idx = ds.indices("train")
            self.notes.append("too few styles in the val split: the style classifier was trained on the train split")
        self.combos: dict[tuple[str, str], list[int]] = {}
        for i in test:
            lab = ds.labels(int(i))
            self.combos.setdefault((lab["style"], lab["role"]), []).append(int(i))
        counts = Counter({k: len(v) for k, v in self.combos.items()})  # before the spread: every reference clip
        self.combos = {k: _spread(np.array(v), s.max_real).tolist() for k, v in sorted(self.combos.items())}
        self.val_combos: dict[tuple[str, str], list[int]] = {}
        for i in val:
            lab = ds.labels(int(i))
            self.val_combos.setdefault((lab["style"], lab["role"]), []).append(int(i))
        self.classifiers = self._fit_classifiers(fit_idx, s)
        self.musical: MusicalReference | None = None  # the musical columns (musical_run.py)
        why = missing_dependency()
        if why:
            self.notes.append(why)
        else:
            self.musical = MusicalReference(ds, self.combos, self.val_combos, s.max_real, s.max_style_fit, progress,
                                             sample_size=math.ceil(s.n / s.variations) * s.variations, bars=s.bars,
                                             test_counts=counts)
            self.notes += self.musical.notes
        train = ds.indices("train")
        if progress:
            progress("indexing training notes", 0, 1)
        seqs = []
        for i in train:
            n = ds.clip_notes(int(i))
            seqs.append(tokens_from_ticks(n[:, 0], n[:, 1], n[:, 2]))
        self.index = NgramIndex(seqs)
        self.n_train = int(len(train))

    def _fit_classifiers(self, idx: np.ndarray, s: EvalSettings) -> dict[str, StyleClassifier]:
        by_role: dict[str, list[int]] = {}
        for i in idx:
            by_role.setdefault(self.ds.labels(int(i))["role"], []).append(int(i))
        out = {}
        for role, items in by_role.items():
            items = _spread(np.array(items), s.max_classifier).tolist()
            labels = [self.ds.labels(i)["style"] for i in items]
            counts = Counter(labels)
            classes = sorted(c for c, k in counts.items() if k >= 2)
            if len(classes) < 2:
                continue
            keep = [(i, lab) for i, lab in zip(items, labels) if lab in classes]
            x = np.stack([M.features(self.ds.clip(i), self.ds.labels(i)["key"]) for i, _ in keep])
            out[role] = StyleClassifier(classes).fit(x, [lab for _, lab in keep])
        return out

    def clips(self, combo) -> list:
        return [self.ds.clip(i) for i in self.combos[combo]]

    def conditions(self, combo) -> list[tuple]:
        """(key, meter, tempo) of the combo's real test clips, in order."""
        return [(lab["key"], lab["meter"], lab["tempo"]) for lab in (self.ds.labels(i) for i in self.combos[combo])]

    def style_accuracy(self, combo, clips: list, keys: list) -> float | None:
        style, role = combo
        clf = self.classifiers.get(role)
        if clf is None or style not in clf.classes or not clips:
            return None
        x = np.stack([M.features(c, k) for c, k in zip(clips, keys)])
        return clf.accuracy(x, [style] * len(clips))

    def histograms(self, combo, val: bool = False):
        ids = self.val_combos.get(combo, []) if val else self.combos[combo]
        pc, rh = np.zeros(12), None
        for i in ids:
            c, lab = self.ds.clip(i), self.ds.labels(i)
            pc += M.pc_histogram(c, None if lab["role"] == "drums" else lab["key"])
            r = M.rhythm_histogram(c)
            rh = r if rh is None else rh + r
        return pc, rh


def score(ref: Reference, combo, clips: list, keys: list, meters: list, bars: int, groups: list) -> dict:
    """Metrics of a set of clips (generated, or real for the reference row)."""
    role = combo[1]
    adh = [a for a in (M.key_adherence(c, k) for c, k in zip(clips, keys)) if a is not None]
    exact = [M.is_exact(c, b, m) for c, b, m in zip(clips, bars, meters)]
    pc = sum((M.pc_histogram(c, None if role == "drums" else k) for c, k in zip(clips, keys)), np.zeros(12))
    rh = sum((M.rhythm_histogram(c) for c in clips), np.zeros(len(M.rhythm_histogram(clips[0])))) if clips else None
    real_pc, real_rh = ref.histograms(combo)
    runs = [ref.index.longest_run(clip_tokens(c)) for c in clips]
    dist = [d for d in (M.distinctness(g) for g in groups) if d is not None]
    return {
        "style": combo[0], "role": role, "clips": len(clips),
        "key_adherence": float(np.mean(adh)) if adh and role != "drums" else None,
        "exact": float(np.mean(exact)) if exact else None,
        "style_acc": ref.style_accuracy(combo, clips, keys),
        "pc_overlap": M.overlap(pc, real_pc) if role != "drums" else None,
        "rhythm_overlap": M.overlap(rh, real_rh) if rh is not None and real_rh is not None else None,
        "distinct": float(np.mean(dist)) if dist else None,
        "copy_mean": float(np.mean(runs)) if runs else None,
        "copy_max": int(max(runs)) if runs else None,
        "copy_share": float(np.mean([r >= COPY_THRESHOLD for r in runs])) if runs else None,
    }


def real_row(ref: Reference) -> list[dict]:
    rows = []
    for combo in ref.combos:
        clips = ref.clips(combo)
        conds = ref.conditions(combo)
        labs = [ref.ds.labels(i) for i in ref.combos[combo]]
        row = score(ref, combo, clips, [c[0] for c in conds], [c[1] for c in conds], [lab["bars"] for lab in labs], [])
        # the "overlap" of real clips: val clips against test clips, the ceiling a model can reach
        vpc, vrh = ref.histograms(combo, val=True)
        tpc, trh = ref.histograms(combo)
        row["pc_overlap"] = M.overlap(vpc, tpc) if combo[1] != "drums" and combo in ref.val_combos else None
        row["rhythm_overlap"] = M.overlap(vrh, trh) if vrh is not None and combo in ref.val_combos else None
        if ref.musical:
            row.update(ref.musical.real_group(combo))
        rows.append(row)
    return rows


def _validation_loss(engine, ds: Dataset):
    """The engine's `validation_loss(dataset)` (declared on Engine; None where a family has none);
    else the best validation loss its training recorded in config.json
    (["training"]["best_val_loss"]), marked as recorded."""
    try:
        out = engine.validation_loss(ds)
    except Exception as exc:  # an engine's own evaluation hook failing must not sink the report
        return {"loss": None, "error": f"{type(exc).__name__}: {exc}"}
    if out is None:
        recorded = (engine.config or {}).get("training", {})
        if isinstance(recorded, dict) and recorded.get("best_val_loss") is not None:
            return {"loss": float(recorded["best_val_loss"]), "unit": "per token, recorded at training",
                    "split": "val"}
        return None
    return out if isinstance(out, dict) else {"loss": float(out)}


def evaluate_model(folder: Path, ref: Reference, s: EvalSettings, progress: Progress | None = None) -> dict:
    t0 = time.perf_counter()
    engine = load_model(folder, device=s.device)
    info = engine.info
    out = {"name": Path(folder).name, "folder": str(folder), "engine": info.engine, "device": info.device,
           "quantization": info.quantization, "load_s": round(time.perf_counter() - t0, 3),
           "val_loss": _validation_loss(engine, ref.ds), "combos": [], "skipped": []}
    requests = max(1, math.ceil(s.n / s.variations))
    for k, combo in enumerate(ref.combos):
        style, role = combo
        if progress:
            progress(f"{out['name']}: {style} {role}", k, len(ref.combos))
        if role not in info.roles or (info.styles and style not in info.styles):
            out["skipped"].append({"style": style, "role": role, "why": "the model does not know this style/role"})
            continue
        conds = ref.conditions(combo)
        clips, keys, meters, groups, ms = [], [], [], [], 0.0
        meter = Counter(str(m) for _, m, _ in conds).most_common(1)[0][0]
        meter = next(m for _, m, _ in conds if str(m) == meter)
        try:
            for r in range(requests):
                key, _, tempo = conds[r % len(conds)]
                key = None if role == "drums" else key
                req = Request(operation="generate", role=role, style=style, key=key, meter=meter, bars=s.bars,
                              tempo=tempo, seed=s.seed + r, variations=s.variations)
                req.given = {"role", "style", "meter", "bars", "tempo", "seed", "variations"}
                if s.temperature is not None:  # else the model's own default, as a client gets it
                    req.temperature = s.temperature
                    req.given.add("temperature")
                if key is not None:
                    req.given.add("key")
                t1 = time.perf_counter()
                got = engine.run(req, None, lambda f: None)
                ms += (time.perf_counter() - t1) * 1000
                groups.append(got)
                clips += got
                keys += [key] * len(got)
                meters += [meter] * len(got)
        except CadenzaError as exc:
            out["skipped"].append({"style": style, "role": role, "why": f"{exc.code}: {exc.message}"})
            continue
        row = score(ref, combo, clips[: s.n], keys[: s.n], meters[: s.n], [s.bars] * len(clips[: s.n]), groups)
        row["ms_per_clip"] = ms / max(1, len(clips))
        if ref.musical:
            row.update(ref.musical.group(combo, clips[: s.n], keys[: s.n]))
        out["combos"].append(row)
    out["overall"] = overall(out["combos"])
    if s.accompany_windows and "accompany" in engine.operations:  # the section: docs/EVAL.md "Accompany"
        acc = AccompanySettings(windows=s.accompany_windows, bars=s.bars, seed=s.seed, split=s.split)
        out["accompany"] = evaluate_accompany(engine, ref.ds, acc, progress)
    trained_on = (engine.config.get("dataset") or {}) if isinstance(engine.config.get("dataset"), dict) else {}
    if trained_on.get("fingerprint"):
        if trained_on["fingerprint"] != dataset_fingerprint(ref.ds):
            out["warning"] = ("the dataset changed since this model was trained: retrain before trusting the "
                              "copy and held-out numbers (test clips may have been training clips)")
    return out


METRICS = ("key_adherence", "exact", "style_acc", "pc_overlap", "rhythm_overlap", "distinct",
           "copy_mean", "copy_share", "ms_per_clip")


def overall(rows: list[dict]) -> dict:
    """Clip-weighted means over the style/role rows (the maximum for copy_max)."""
    out = {"clips": sum(r["clips"] for r in rows)}
    for m in METRICS:
        vals = [(r[m], r["clips"]) for r in rows if r.get(m) is not None]
        out[m] = float(np.average([v for v, _ in vals], weights=[w for _, w in vals])) if vals else None
    maxes = [r["copy_max"] for r in rows if r.get("copy_max") is not None]
    out["copy_max"] = max(maxes) if maxes else None
    return out


def evaluate(model_dirs: list[Path], data_dir: Path, s: EvalSettings, progress: Progress | None = None) -> dict:
    t0 = time.perf_counter()
    ds = Dataset.load(data_dir)
    ref = Reference(ds, s, progress)
    real = real_row(ref)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "dataset": {"path": str(Path(data_dir).resolve()), "name": ds.manifest.get("name", Path(data_dir).name),
                    "test_clips": sum(len(v) for v in ref.combos.values()), "train_clips": ref.n_train},
        "settings": asdict(s),
        "classifier_roles": {r: c.classes for r, c in ref.classifiers.items()},
        "notes": ref.notes,
        "real": {"combos": real, "overall": overall(real)},
        "models": [evaluate_model(Path(d), ref, s, progress) for d in model_dirs],
    }
    if ref.musical:
        apply(result, ref.musical, s.min_style_clips)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result
