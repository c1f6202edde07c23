"""A stronger style classifier: gradient-boosted trees over windows of several bars.

Each clip is cut into windows of WINDOW_BARS whole bars (a generated 4-bar clip is one window; a
16-bar real clip is four). A window's features are the logistic classifier's (metrics.features:
key-relative pitch classes, intervals, onset position inside the beat, durations, density, range)
plus the musical values of musical.py (tonality, MusPy's pitch-class entropy, pitches used and
range, repeated notes, grid share, empty beats, groove, backbeat, drum pattern, downbeat roots,
bar repetition, velocity spread and values), the share of notes per kit piece and the onset
position inside a 4/4-sized bar in sixteenths. A clip's class is the argmax of the mean class
probability over its windows.

Trained and scored on real clips of different pieces (the dataset's train and test splits are
split by piece group; `split_by_piece` does the same for any set of pieces), its accuracy on real
held-out pieces is the ceiling for "style accuracy, generated / real". scikit-learn's
HistGradientBoostingClassifier, fixed random_state, no early stopping: a rerun gives the same model.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np

from bridge.data.dataset import COL
from bridge.evaluation.metrics import features
from bridge.evaluation.musical import DRUM_CLASSES, ClipArray, clip_values

WINDOW_BARS = 4  # bars per window (the default length of a generated clip in `cadenza eval`)
MIN_WINDOW_BARS = 2  # a shorter last window is dropped (unless it is the whole clip)
MIN_WINDOW_NOTES = 2  # windows with fewer notes are dropped (unless the clip has no other)
MAX_ITER = 200  # boosting rounds
LEARNING_RATE = 0.1
MAX_LEAF_NODES = 31
L2 = 1.0  # l2_regularization of the leaf values
RANDOM_STATE = 0
VALUE_NAMES = ("tonality", "key_match", "pc_entropy", "pitches_used", "pitch_range", "scale_consistency",
               "repeated_notes", "on_grid", "empty_beats", "groove", "backbeat", "drum_pattern", "bass_root",
               "bar_repeat", "bar_related", "velocity_spread", "velocity_values")
N_FEATURES = 64 + len(VALUE_NAMES) + len(DRUM_CLASSES) + 16 + 1
# A value that does not apply (backbeat of a melody, tonality of drums). Not NaN, which the trees
# would route natively: scikit-learn 1.9.1 fails to bin a column that is NaN throughout
# ("window shape cannot be larger than input array shape"), as every drum column is for a pitched role.
MISSING = -2.0  # below every real value (tonality, the only signed one, is >= -1)


def _sklearn():
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
    except ImportError as exc:  # optional dependency
        raise ImportError("the style model needs scikit-learn: pip install 'cadenza[train]'") from exc
    return HistGradientBoostingClassifier


def _one_thread():
    """The trees on one OpenMP thread: on the 2 shared cores, OpenMP threads spinning against the
    generating engine made a fit over 5 times slower than one thread (the results are identical)."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    return threadpool_limits(limits=1, user_api="openmp")


def windows(ca: ClipArray, bars: int = WINDOW_BARS) -> list[ClipArray]:
    """Consecutive windows of `bars` whole bars (clip-relative ticks); see MIN_WINDOW_*."""
    tpb = ca.ticks_per_bar
    out = []
    for b0 in range(0, ca.bars, bars):
        n = min(bars, ca.bars - b0)
        if n < MIN_WINDOW_BARS and b0 > 0:
            continue
        s = ca.notes[:, 0]
        sel = ca.notes[(s >= b0 * tpb) & (s < (b0 + n) * tpb)].copy()
        sel[:, 0] -= b0 * tpb
        out.append(ClipArray(sel, ca.meter, n, ca.key, ca.drums))
    kept = [w for w in out if len(w.notes) >= MIN_WINDOW_NOTES]
    return kept or out[:1]


def window_features(ca: ClipArray) -> np.ndarray:
    """[N_FEATURES] numbers of one window; MISSING where a value does not apply."""
    vals = clip_values(ca)
    musical = [MISSING if vals[k] is None else float(vals[k]) for k in VALUE_NAMES]
    n = max(1, len(ca.notes))
    kit = [np.isin(ca.notes[:, 2], ps).sum() / n for ps in DRUM_CLASSES.values()] if ca.drums \
        else [MISSING] * len(DRUM_CLASSES)
    pos = np.bincount((ca.notes[:, 0] % ca.ticks_per_bar) % 48 // 3, minlength=16)[:16] / n
    return np.concatenate([features(ca.clip(), None if ca.drums else ca.key), musical, kit, pos,
                           [ca.ticks_per_bar / 48.0]]).astype(np.float64)


def _stable(v) -> int:
    return int(hashlib.sha1(str(v).encode()).hexdigest()[:8], 16)


def split_by_piece(pieces, test_fraction: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) of items whose piece ids are `pieces`: whole pieces go to one
    side, chosen by a hash of (seed, piece) so the split is deterministic and order-free."""
    pieces = np.asarray(pieces)
    uniq = sorted(set(pieces.tolist()), key=lambda p: _stable((seed, p)))
    n_test = max(1, round(test_fraction * len(uniq))) if len(uniq) > 1 else 0
    test = set(uniq[:n_test])
    is_test = np.array([p in test for p in pieces.tolist()], dtype=bool)
    return np.nonzero(~is_test)[0], np.nonzero(is_test)[0]


class StyleModel:
    """Style of a clip from its windows. `fit(items, labels)`, then `predict`, `accuracy`, `recall`."""

    def __init__(self, window_bars: int = WINDOW_BARS, random_state: int = RANDOM_STATE):
        self.window_bars = window_bars
        self.random_state = random_state
        self.classes: list[str] = []
        self.model = None

    def _windows(self, items: list[ClipArray]) -> tuple[np.ndarray, np.ndarray]:
        """x: [windows, N_FEATURES]; owner: [windows] index of the item each window came from."""
        x, owner = [], []
        for i, ca in enumerate(items):
            for w in windows(ca, self.window_bars):
                x.append(window_features(w))
                owner.append(i)
        return (np.stack(x) if x else np.zeros((0, N_FEATURES))), np.array(owner, dtype=np.int64)

    def fit(self, items: list[ClipArray], labels: list[str]) -> "StyleModel":
        counts = Counter(labels)
        self.classes = sorted(c for c in counts if counts[c] >= 2)
        if len(self.classes) < 2:
            raise ValueError(f"a style model needs two styles with 2+ clips each, got {dict(counts)}")
        keep = [i for i, lab in enumerate(labels) if lab in self.classes]
        x, owner = self._windows([items[i] for i in keep])
        y = np.array([self.classes.index(labels[keep[j]]) for j in owner])
        with _one_thread():
            self.model = _sklearn()(max_iter=MAX_ITER, learning_rate=LEARNING_RATE, max_leaf_nodes=MAX_LEAF_NODES,
                                    l2_regularization=L2, early_stopping=False, class_weight="balanced",
                                    random_state=self.random_state).fit(x, y)
        return self

    def predict_proba(self, items: list[ClipArray]) -> np.ndarray:
        """[clips, classes] mean window probability per clip (uniform for a clip without windows)."""
        out = np.full((len(items), len(self.classes)), 1.0 / max(1, len(self.classes)))
        x, owner = self._windows(items)
        if len(x):
            with _one_thread():
                p = self.model.predict_proba(x)
            for i in np.unique(owner):
                out[i] = p[owner == i].mean(0)
        return out

    def predict(self, items: list[ClipArray]) -> list[str]:
        return [self.classes[k] for k in np.argmax(self.predict_proba(items), axis=1)] if items else []

    def accuracy(self, items: list[ClipArray], labels: list[str]) -> float | None:
        """Share of clips classified as their label (clips of unknown styles count as misses)."""
        if not items:
            return None
        return float(np.mean([p == t for p, t in zip(self.predict(items), labels)]))

    def recall(self, items: list[ClipArray], style: str) -> float | None:
        """Share of clips asked in `style` that are classified as it (None for an unknown style)."""
        return self.accuracy(items, [style] * len(items)) if style in self.classes else None


def _spread(idx: list[int], k: int) -> list[int]:
    return idx if len(idx) <= k else [idx[j] for j in np.linspace(0, len(idx) - 1, k).astype(int)]


def real_accuracy(ds, role: str, fit_split: str = "train", test_split: str = "test",
                  max_per_style: int = 300, max_test_per_style: int = 200) -> dict:
    """Fit a StyleModel on real `role` clips of `fit_split` (at most max_per_style clips a style,
    evenly spread) and score it on real clips of `test_split`, which share no piece with them.
    Returns accuracy, balanced accuracy, per-style recall and the clip and piece counts."""
    def by_style(split):
        out: dict[str, list[int]] = {}
        for i in ds.indices(split):
            lab = ds.labels(int(i))
            if lab["role"] == role:
                out.setdefault(lab["style"], []).append(int(i))
        return out

    fit, test = by_style(fit_split), by_style(test_split)
    fit_idx = [i for s in sorted(fit) for i in _spread(fit[s], max_per_style)]
    test_idx = [i for s in sorted(test) for i in _spread(test[s], max_test_per_style)]
    shared = set(ds.clips[fit_idx, COL["piece"]].tolist()) & set(ds.clips[test_idx, COL["piece"]].tolist())
    if shared:
        raise ValueError(f"{len(shared)} pieces are in both {fit_split} and {test_split}: the split is not by piece")
    model = StyleModel().fit([ClipArray.from_dataset(ds, i) for i in fit_idx],
                             [ds.labels(i)["style"] for i in fit_idx])
    test_idx = [i for i in test_idx if ds.labels(i)["style"] in model.classes]
    items = [ClipArray.from_dataset(ds, i) for i in test_idx]
    labels = [ds.labels(i)["style"] for i in test_idx]
    pred = model.predict(items)
    per_style = {s: float(np.mean([p == s for p, t in zip(pred, labels) if t == s])) for s in sorted(set(labels))}
    return {"role": role, "model": model, "accuracy": float(np.mean([p == t for p, t in zip(pred, labels)]))
            if labels else None, "balanced_accuracy": float(np.mean(list(per_style.values()))) if per_style else None,
            "per_style": per_style, "test_clips": len(labels), "fit_clips": len(fit_idx),
            "test_pieces": len(set(ds.clips[test_idx, COL["piece"]].tolist())) if test_idx else 0}
