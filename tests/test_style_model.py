"""The style model on a tiny synthetic two-style corpus: it must separate styles that differ,
and must not "separate" labels that carry no information (shuffled by piece)."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.evaluation.musical import ClipArray
from bridge.evaluation.style_model import N_FEATURES, StyleModel, split_by_piece, window_features, windows
from bridge.music.theory import Key, Meter

pytest.importorskip("sklearn")
pytest.importorskip("muspy")

SCALE = (0, 2, 4, 5, 7, 9, 11)


def synthetic(rng, style: str, bars: int = 8) -> ClipArray:
    """fast: sixteenth notes; slow: half notes. Random in-key pitches, random velocities."""
    step = 3 if style == "fast" else 24
    starts = np.arange(0, bars * 48, step)
    pitches = 60 + np.array(SCALE)[rng.integers(0, 7, len(starts))] + 12 * rng.integers(-1, 1, len(starts))
    notes = np.stack([starts, np.full(len(starts), step), pitches, rng.integers(60, 110, len(starts))], 1)
    return ClipArray.from_ticks(notes, Meter(), bars, Key(0, "major"))


def corpus(seed: int = 0, pieces: int = 30, clips_per_piece: int = 2):
    rng = np.random.default_rng(seed)
    items, labels, piece_ids = [], [], []
    for p in range(2 * pieces):
        style = "fast" if p % 2 else "slow"
        for _ in range(clips_per_piece):
            items.append(synthetic(rng, style))
            labels.append(style)
            piece_ids.append(p)
    return items, labels, np.array(piece_ids)


def test_windows_cut_whole_bars():
    ca = synthetic(np.random.default_rng(1), "slow", bars=9)
    ws = windows(ca)
    assert [w.bars for w in ws] == [4, 4]  # the 1-bar tail is dropped
    assert all(w.notes[:, 0].max() < 4 * 48 for w in ws)
    assert window_features(ws[0]).shape == (N_FEATURES,)


def test_split_by_piece_keeps_pieces_whole_and_is_deterministic():
    pieces = np.array([5, 5, 7, 7, 9, 11, 11, 13])
    tr, te = split_by_piece(pieces, 0.25)
    assert set(pieces[tr]).isdisjoint(set(pieces[te])) and len(tr) + len(te) == len(pieces)
    assert (tr.tolist(), te.tolist()) == tuple(a.tolist() for a in split_by_piece(pieces[::-1][::-1], 0.25))


def test_style_model_separates_fast_from_slow_and_not_shuffled_labels():
    items, labels, pieces = corpus()
    tr, te = split_by_piece(pieces, 0.3)
    model = StyleModel().fit([items[i] for i in tr], [labels[i] for i in tr])
    acc = model.accuracy([items[i] for i in te], [labels[i] for i in te])
    assert acc > 0.9
    assert model.recall([items[i] for i in te if labels[i] == "fast"], "fast") > 0.9
    assert model.recall(items[:2], "jazz") is None
    # the same clips, relabelled by piece so that each label holds half the fast and half the slow
    # pieces: the label says nothing about the music, so there is nothing to learn
    rng = np.random.default_rng(7)
    coin = {}
    for parity in (0, 1):
        ps = rng.permutation([p for p in sorted(set(pieces.tolist())) if p % 2 == parity])
        coin.update({int(p): ("a", "b")[k % 2] for k, p in enumerate(ps)})
    shuffled = [coin[p] for p in pieces.tolist()]
    noise = StyleModel().fit([items[i] for i in tr], [shuffled[i] for i in tr])
    assert noise.accuracy([items[i] for i in te], [shuffled[i] for i in te]) < 0.75


def test_style_model_is_deterministic():
    items, labels, _ = corpus(pieces=8, clips_per_piece=1)
    a = StyleModel().fit(items, labels).predict_proba(items[:4])
    b = StyleModel().fit(items, labels).predict_proba(items[:4])
    assert np.array_equal(a, b)
