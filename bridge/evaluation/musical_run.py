"""The musical part of an evaluation run (issue 10, section 2): real profiles, ceilings and
style models once per dataset, then the musical columns of each generated (style, role) group,
per-model aggregates, the verdict against the Markov baseline and the issue's targets.

The per-clip metrics live in musical.py, the comparison arithmetic in musical_compare.py and the
style model in style_model.py; this module only decides which clips meet which. runner.py calls it.

Nothing is cached between runs: the style models are the slow part, and the only way to store a
fitted scikit-learn model is a pickle, which a model folder or dataset folder must never load.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

import bridge.evaluation.musical_compare as MC
from bridge.data.dataset import COL, Dataset
from bridge.evaluation.musical import ClipArray
from bridge.evaluation.style_model import StyleModel

MIN_STYLE_CLIPS = 20  # test clips a (style, role) needs before its style recall counts (issue 10)
MIN_VAL_PIECES = 3  # val pieces a group needs before its own val-vs-test ceiling is trusted
STYLE_TARGET = 0.8  # generated recall must reach this share of real recall
OVERLAP_TARGET = 0.85  # every overlap column must reach this share of its ceiling
CEILING_ROUNDS = 8  # draws of val clips a ceiling averages (MusicalReference.sample_size)
COPY_COLUMN = "copy_share"  # runner.score's share of clips copying >= 16 notes


def missing_dependency() -> str | None:
    """Why the musical columns cannot run here (MusPy or scikit-learn absent), else None."""
    try:
        import muspy  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as exc:
        return f"the musical columns need MusPy and scikit-learn ({exc}): pip install 'cadenza[train]'"
    return None


def _spread(idx: list[int], k: int) -> list[int]:
    return idx if len(idx) <= k else [idx[j] for j in np.linspace(0, len(idx) - 1, k).astype(int)]


def drawn_ceiling(val_items: list[ClipArray], test: MC.Profile, style: str, role: str, size: int | None,
                  seed: int) -> dict:
    """MC.ceiling of `size` val clips against the test clips, averaged over CEILING_ROUNDS seeded
    draws (all val clips at once when there are no more than `size`, or `size` is None)."""
    if not val_items:
        return MC.ceiling(None, test, style, role)
    if size is None or len(val_items) <= size:
        return MC.ceiling(MC.profile(val_items), test, style, role)
    rng = np.random.default_rng(seed)
    draws = [MC.ceiling(MC.profile([val_items[j] for j in rng.choice(len(val_items), size, replace=False)]),
                        test, style, role) for _ in range(CEILING_ROUNDS)]
    out = {}
    for name in draws[0]:
        vals = [d[name] for d in draws if d.get(name) is not None]
        out[name] = float(np.mean(vals)) if vals else None
    return out


class MusicalReference:
    """Real clips' profiles per (style, role), their ceilings, and a style model per role."""

    def __init__(self, ds: Dataset, combos: dict, val_combos: dict, max_real: int, max_style_fit: int,
                 progress=None, sample_size: int | None = None, bars: int | None = None,
                 test_counts: Counter | None = None):
        # sample_size: how many clips a model writes per group. An overlap of 8 clips' histogram
        # with the test clips' is lower than 200 clips' would be, however real the 8 are, so the
        # ceiling compares that many val clips (CEILING_ROUNDS draws, averaged) with the test
        # clips: a model writing real music then scores 1 on average. None: every val clip.
        self.sample_size = sample_size
        # bars: the length of the generated clips; real test and val clips are cut to their first
        # `bars` bars so every column compares clips of one length (None: whole clips)
        def real(i: int) -> ClipArray:
            ca = ClipArray.from_dataset(ds, i)
            return ca.first_bars(bars) if bars else ca
        self.notes: list[str] = []
        say = progress or (lambda what, done, total: None)
        # test_counts: reference clips per group before `combos` was spread to max_real (the split
        # runner.Reference scores against: test, or val with --split val or without a test split)
        self.test_counts = test_counts if test_counts is not None else Counter({k: len(v) for k, v in combos.items()})
        self.items: dict[tuple, list[ClipArray]] = {}
        self.test: dict[tuple, MC.Profile] = {}
        self.val: dict[tuple, MC.Profile] = {}
        self.val_items: dict[tuple, list[ClipArray]] = {}
        self.val_pieces: dict[tuple, int] = {}
        for k, combo in enumerate(combos):
            say("musical profiles of real clips", k, len(combos))
            self.items[combo] = [real(i) for i in combos[combo]]
            self.test[combo] = MC.profile(self.items[combo])
            vids = _spread(list(val_combos.get(combo, [])), max_real)
            if vids:
                self.val_items[combo] = [real(i) for i in vids]
                self.val[combo] = MC.profile(self.val_items[combo])
                self.val_pieces[combo] = len(set(ds.clips[vids, COL["piece"]].tolist()))
        roles = sorted({r for _, r in combos})
        role_test = {r: MC.merge([p for (_, rr), p in self.test.items() if rr == r]) for r in roles}
        role_val = {r: [ca for (_, rr), items in self.val_items.items() if rr == r for ca in items] for r in roles}
        self.ceilings: dict[tuple, dict] = {}
        self.fallback: dict[tuple, list[str]] = {}  # columns whose ceiling is the role's pooled one
        for combo in combos:
            self.ceilings[combo], self.fallback[combo] = self._ceiling(combo, role_val[combo[1]], role_test[combo[1]])
        self.models: dict[str, StyleModel] = {}
        self.style_info: dict[str, dict] = {}
        self.real_recall: dict[tuple, float | None] = {}
        for k, role in enumerate(roles):
            say(f"style model: {role}", k, len(roles))
            self._fit_style(ds, role, [c for c in combos if c[1] == role], max_style_fit)

    def draw_ceiling(self, val_items: list[ClipArray], test: MC.Profile, style: str, role: str, seed: int) -> dict:
        return drawn_ceiling(val_items, test, style, role, self.sample_size, seed)

    def _ceiling(self, combo, role_val: list[ClipArray], role_test: MC.Profile) -> tuple[dict, list[str]]:
        """The group's ceiling, column by column falling back on the role's pooled ceiling where the
        group's is noisy (fewer than MIN_VAL_PIECES val pieces: an overlap then compares one MMA
        groove with another) or missing or 0 (a ratio to 0 means nothing)."""
        style, role = combo
        seed = sum(map(ord, f"{style}/{role}"))
        own = self.draw_ceiling(self.val_items.get(combo, []), self.test[combo], style, role, seed)
        pooled = self.draw_ceiling(role_val, role_test, style, role, seed + 1)
        few = self.val_pieces.get(combo, 0) < MIN_VAL_PIECES
        out, fell = {}, []
        for name, v in own.items():
            noisy = few and MC.COLUMN[name].kind == "overlap"
            if (noisy or not v) and pooled.get(name):
                out[name] = pooled[name]
                fell.append(name)
            else:
                out[name] = v
        return out, fell

    def _fit_style(self, ds: Dataset, role: str, combos: list, max_fit: int) -> None:
        by_style: dict[str, list[int]] = {}
        for i in ds.indices("train"):
            lab = ds.labels(int(i))
            if lab["role"] == role:
                by_style.setdefault(lab["style"], []).append(int(i))
        fit = [i for s in sorted(by_style) for i in _spread(by_style[s], max_fit)]
        labels = [ds.labels(i)["style"] for i in fit]
        if sum(n >= 2 for n in Counter(labels).values()) < 2:
            self.notes.append(f"no style model for {role}: its train split holds fewer than two styles")
            return
        model = self.models[role] = StyleModel().fit([ClipArray.from_dataset(ds, i) for i in fit], labels)
        known = [c for c in combos if c[0] in model.classes]
        hits = n = 0
        per_style = {}
        for combo in combos:
            self.real_recall[combo] = r = model.recall(self.items[combo], combo[0])
            if r is not None:
                per_style[combo[0]] = r
        for combo in known:
            hits += per_style[combo[0]] * len(self.items[combo])
            n += len(self.items[combo])
        self.style_info[role] = {"classes": model.classes, "fit_clips": len(fit), "test_clips": n,
                                 "accuracy": hits / n if n else None, "per_style": per_style,
                                 "balanced_accuracy": float(np.mean(list(per_style.values()))) if per_style else None}

    def real_group(self, combo) -> dict:
        """The real row of a group: its columns are the ceiling, its ratios 1."""
        ceil = self.ceilings[combo]
        return {"musical": {"columns": ceil, "means": MC.means(self.test[combo]),
                            "ratios": {k: None if v is None else 1.0 for k, v in ceil.items()},
                            "fallback": self.fallback[combo], "val_pieces": self.val_pieces.get(combo, 0)},
                "style_recall": self.real_recall.get(combo), "test_clips": self.test_counts.get(combo, 0)}

    def group(self, combo, clips: list, keys: list) -> dict:
        """The musical columns of generated clips of one group (keys: the asked key, None for drums)."""
        style, role = combo
        items = [ClipArray.of(c, k) for c, k in zip(clips, keys)]
        gp = MC.profile(items)
        cols = MC.compare(gp, self.test[combo], style, role)
        model = self.models.get(role)
        return {"musical": {"columns": cols, "means": MC.means(gp), "ratios": MC.ratios(cols, self.ceilings[combo])},
                "style_recall": model.recall(items, style) if model is not None and items else None,
                "style_recall_real": self.real_recall.get(combo), "test_clips": self.test_counts.get(combo, 0)}


def style_summary(rows: list[dict], real_recall: dict, min_clips: int = MIN_STYLE_CLIPS) -> dict:
    """Generated / real style recall, capped at 1, over the groups with >= min_clips test clips whose
    real recall is above 0: per group, and their clip-weighted mean."""
    groups = []
    for r in rows:
        real = real_recall.get((r["style"], r["role"]), r.get("style_recall_real"))
        if r.get("test_clips", 0) < min_clips or r.get("style_recall") is None or not real:
            continue
        groups.append({"style": r["style"], "role": r["role"], "generated": r["style_recall"], "real": real,
                       "ratio": min(1.0, r["style_recall"] / real), "test_clips": r["test_clips"], "clips": r["clips"]})
    ratio = float(np.average([g["ratio"] for g in groups], weights=[g["clips"] for g in groups])) if groups else None
    return {"ratio": ratio, "styles": len(groups), "groups": groups}


def summarize(rows: list[dict], real_recall: dict, min_clips: int = MIN_STYLE_CLIPS) -> dict:
    """A model's musical numbers overall and per role: clip-weighted ratios and raw columns,
    the summary score, and the style column."""
    def part(rs):
        if not rs:
            return None
        weighted = [(r["musical"]["ratios"], r["clips"]) for r in rs]
        agg = MC.aggregate(weighted)
        return {"ratios": agg, "columns": MC.aggregate([(r["musical"]["columns"], r["clips"]) for r in rs]),
                "score": MC.summary_score(agg), "style": style_summary(rs, real_recall, min_clips), "clips":
                sum(r["clips"] for r in rs)}

    rows = [r for r in rows if r.get("musical")]
    roles = sorted({r["role"] for r in rows})
    return {"overall": part(rows), "by_role": {role: part([r for r in rows if r["role"] == role]) for role in roles}}


def baseline_of(models: list[dict]) -> dict | None:
    """The Markov baseline evaluated beside the first model (the CLI appends it), if any."""
    return next((m for m in models[1:] if m["engine"] == "markov"), None)


def _verdict(a: dict, b: dict, pa: dict | None, pb: dict | None) -> dict | None:
    if not pa or not pb:
        return None
    return MC.verdict(a["name"], pa["ratios"], b["name"], pb["ratios"])


def verdicts(models: list[dict]) -> dict | None:
    """The first model against the Markov baseline, overall and per role (None without a baseline)."""
    base = baseline_of(models)
    if base is None or not models[0].get("musical") or not base.get("musical"):
        return None
    a, b = models[0], base
    ma, mb = a["musical"], b["musical"]
    return {"model": a["name"], "baseline": b["name"], "overall": _verdict(a, b, ma["overall"], mb["overall"]),
            "by_role": {r: v for r in ma["by_role"] if (v := _verdict(a, b, ma["by_role"][r], mb["by_role"].get(r)))}}


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.2f}"


def _beats(a: dict | None, b: dict | None) -> list[str]:
    """Columns (and the style column) on which a does not beat b: a tie counts as a win only where
    both are at the ceiling (nothing is left to beat)."""
    if not a or not b:
        return []
    lost = []
    pairs = [(c.name, a["ratios"].get(c.name), b["ratios"].get(c.name)) for c in MC.COLUMNS]
    pairs.append(("style", a["style"]["ratio"], b["style"]["ratio"]))
    for name, va, vb in pairs:
        if va is None or vb is None:
            continue
        at_ceiling = min(va, vb) >= 1.0 - MC.VERDICT_TIE
        if not (va >= vb + MC.VERDICT_TIE or at_ceiling):
            lost.append(f"{name} {_fmt(va)} vs {_fmt(vb)}")
    return lost


def _target(name: str, passed: bool | None, line: str, failures: list[str] | None = None) -> dict:
    return {"name": name, "passed": passed, "line": line, "failures": failures or []}


def targets(result: dict, min_clips: int = MIN_STYLE_CLIPS) -> list[dict]:
    """Issue 10's targets for the first model, each passed / failed / None (not measurable here)."""
    m = result["models"][0]
    mus = m.get("musical")
    if not mus or not mus["overall"]:
        return []
    out = []
    groups = [g for part in mus["by_role"].values() if part for g in part["style"]["groups"]]
    fails = [f"{g['style']} {g['role']} {_fmt(g['generated'])} vs {_fmt(g['real'])}" for g in groups
             if g["generated"] < STYLE_TARGET * g["real"]]
    out.append(_target("style", None if not groups else not fails,
                       f"style recall of generated clips ≥ {STYLE_TARGET} × real, every style with ≥ {min_clips} "
                       f"test clips ({len(groups)} such styles by role)", fails))
    fails = [f"{role} {c.name} {_fmt(part['ratios'].get(c.name))}" for role, part in mus["by_role"].items()
             if part for c in MC.COLUMNS if c.kind == "overlap" and part["ratios"].get(c.name) is not None
             and part["ratios"][c.name] < OVERLAP_TARGET]
    n = sum(1 for part in mus["by_role"].values() if part for c in MC.COLUMNS
            if c.kind == "overlap" and part["ratios"].get(c.name) is not None)
    out.append(_target("overlap", None if not n else not fails,
                       f"every histogram overlap ≥ {OVERLAP_TARGET} of its ceiling, per role ({n} role columns)", fails))
    gen, real = m["overall"].get(COPY_COLUMN), result["real"]["overall"].get(COPY_COLUMN)
    out.append(_target("originality", None if gen is None or real is None else gen <= real + 1e-9,
                       f"clips copying ≥ 16 notes: {_fmt(gen)} of generated, no more than {_fmt(real)} of real test "
                       "clips"))
    base = baseline_of(result["models"])
    if base is None or not base.get("musical"):
        out.append(_target("baseline", None, "beats the Markov baseline on every new column: no baseline evaluated"))
    else:
        fails = [f"overall {x}" for x in _beats(mus["overall"], base["musical"]["overall"])]
        for role, part in mus["by_role"].items():
            fails += [f"{role} {x}" for x in _beats(part, base["musical"]["by_role"].get(role))]
        out.append(_target("baseline", not fails, f"{m['name']} beats the Markov baseline ({base['name']}) on every "
                           "new column, overall and per role", fails))
    return out


def apply(result: dict, mref: MusicalReference, min_clips: int = MIN_STYLE_CLIPS) -> None:
    """Add the per-model summaries, the verdict and the targets to an evaluation result."""
    for m in result["models"]:
        if any(r.get("musical") for r in m["combos"]):
            m["musical"] = summarize(m["combos"], mref.real_recall, min_clips)
    real_rows = [r for r in result["real"]["combos"] if r.get("musical")]
    for r in real_rows:
        r["style_recall_real"] = r["style_recall"]
    result["real"]["musical"] = summarize(real_rows, mref.real_recall, min_clips)
    result["musical"] = {"style_models": mref.style_info, "min_style_clips": min_clips, "notes": mref.notes,
                         "verdict": verdicts(result["models"]), "targets": targets(result, min_clips)}
