"""Evaluation metrics on hand-built clips, where every right answer is known in advance."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.music.clip import Clip, Note
from bridge.evaluation import metrics as M
from bridge.evaluation.card import BEGIN, END, current_section, replace_section, write_section
from bridge.evaluation.classifier import StyleClassifier
from bridge.evaluation.originality import COPY_THRESHOLD, NgramIndex, clip_tokens, tokens_from_ticks
from bridge.music.theory import Key, Meter


def line(pitches, step=1.0, start=0.0, dur=None, length=None, meter=Meter()):
    notes = [Note(start + i * step, p, dur or step) for i, p in enumerate(pitches)]
    return Clip(notes, length or max(4.0, start + len(pitches) * step), meter)


def test_key_adherence():
    c_major = line([60, 62, 64, 65, 67, 69, 71, 72])
    assert M.key_adherence(c_major, Key(0, "major")) == 1.0
    assert M.key_adherence(c_major, Key(9, "minor")) == 1.0  # same pitch set
    assert M.key_adherence(line([60, 61, 62, 63]), Key(0, "major")) == 0.5
    assert M.key_adherence(line([61, 63, 66, 68]), Key(0, "major")) == 0.0
    drums = Clip([Note(0.0, 36, 0.25)], 4.0, drums=True)
    assert M.key_adherence(drums, Key(0)) is None and M.key_adherence(c_major, None) is None


def test_bar_and_meter_exactness():
    m34 = Meter(3, 4)
    ok = line([60, 62, 64, 65, 67, 69], length=6.0, meter=m34)
    assert M.is_exact(ok, 2, m34)
    assert not M.is_exact(ok, 3, m34)  # wrong length
    assert not M.is_exact(ok, 2, Meter(6, 8))  # another meter, though a bar lasts as long
    spill = Clip([Note(5.5, 60, 1.0)], 6.0, m34)
    assert not M.is_exact(spill, 2, m34)  # a note hangs past the end


def test_histogram_overlap():
    a = np.array([1.0, 2.0, 3.0, 0.0])
    assert M.overlap(a, 10 * a) == pytest.approx(1.0)
    assert M.overlap(np.array([1.0, 0.0]), np.array([0.0, 5.0])) == 0.0
    assert M.overlap(np.array([1.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(0.5)
    assert M.overlap(np.zeros(3), a[:3]) is None


def test_histograms_are_key_relative_and_rhythmic():
    d_major = line([62, 64, 66], step=0.5)
    h = M.pc_histogram(d_major, Key(2, "major"))
    assert h[0] == 1 and h[2] == 1 and h[4] == 1 and h.sum() == 3
    r = M.rhythm_histogram(d_major)
    assert r[0] == 2 and r[6] == 1  # two onsets on the beat, one on the off-beat eighth
    iv = M.interval_histogram(d_major)
    assert iv[M.MAX_IV + 2] == 2 and iv.sum() == 2
    assert M.features(d_major, Key(2)).shape == (64,)


def test_distinctness():
    a = line([60, 62, 64, 65])
    b = line([70, 72, 74, 75])
    assert M.distinctness([a, a, a]) == 0.0
    assert M.distinctness([a, b]) == 1.0
    half = line([60, 62, 74, 75])
    assert M.distinctness([a, half]) == pytest.approx(1 - 2 / 6)


def test_originality_finds_a_known_copy():
    rng = np.random.default_rng(0)
    train = [line(list(rng.integers(50, 80, size=24)), step=0.5, length=16.0) for _ in range(30)]
    source = train[7]
    index = NgramIndex([clip_tokens(c) for c in train])
    # notes 3..15 of a training clip (13 notes), transposed up a fourth, between unrelated notes
    copied = [n.pitch + 5 for n in sorted(source.notes)[3:16]]
    query = line([30, 31, 33] + copied + [100, 99, 98], step=0.5, length=16.0)
    assert index.longest_run(clip_tokens(query)) == 12  # 12 notes after the first copied one
    whole = line([n.pitch - 2 for n in sorted(source.notes)[:20]], step=0.5, length=16.0)
    assert index.longest_run(clip_tokens(whole)) == 19 >= COPY_THRESHOLD
    # the same pitches with other durations are not a copy
    other_rhythm = line(copied, step=0.75, length=16.0)
    assert index.longest_run(clip_tokens(other_rhythm)) < 3


def test_originality_matches_brute_force():
    rng = np.random.default_rng(1)
    seqs = [rng.integers(1, 6, size=rng.integers(2, 30)).astype(np.uint64) for _ in range(60)]
    index = NgramIndex(seqs)

    def brute(q):
        best = 0
        for s in seqs:
            for i in range(len(q)):
                for j in range(len(s)):
                    k = 0
                    while i + k < len(q) and j + k < len(s) and q[i + k] == s[j + k]:
                        k += 1
                    best = max(best, k)
        return best

    for _ in range(15):
        q = rng.integers(1, 6, size=rng.integers(1, 25)).astype(np.uint64)
        assert index.longest_run(q) == brute(q)


def test_tokens_ignore_note_order_and_transposition():
    a = tokens_from_ticks([0, 12, 24], [12, 12, 12], [60, 64, 67])
    b = tokens_from_ticks([24, 0, 12], [12, 12, 12], [74, 67, 71])
    assert list(a) == list(b) and len(a) == 2


def test_style_classifier_learns_separable_styles():
    rng = np.random.default_rng(2)
    slow = [line(list(rng.integers(60, 72, size=4)), step=1.0) for _ in range(20)]
    fast = [line(list(rng.integers(60, 72, size=16)), step=0.25) for _ in range(20)]
    x = np.stack([M.features(c, Key(0)) for c in slow + fast])
    clf = StyleClassifier(["fast", "slow"]).fit(x, ["slow"] * 20 + ["fast"] * 20)
    test_x = np.stack([M.features(line([60, 62, 64, 65] * 4, step=0.25), Key(0)),
                       M.features(line([60, 67, 64, 62], step=1.0), Key(0))])
    assert clf.predict(test_x) == ["fast", "slow"]
    assert clf.accuracy(x, ["slow"] * 20 + ["fast"] * 20) == 1.0


def test_card_section_is_replaced_not_duplicated(tmp_path):
    text = "# model\n\nHand-written notes.\n"
    once = replace_section(text, "## Evaluation\n\nfirst\n")
    twice = replace_section(once, "## Evaluation\n\nsecond\n")
    assert twice.count(BEGIN) == 1 and twice.count(END) == 1
    assert "Hand-written notes." in twice and "second" in twice and "first" not in twice
    assert current_section(twice).strip() == "## Evaluation\n\nsecond"
    card = tmp_path / "m" / "MODEL_CARD.md"
    card.parent.mkdir()
    write_section(card, "## Evaluation\n\nx\n")
    assert card.read_text().startswith("# m\n") and current_section(card.read_text()).strip().endswith("x")


def test_validation_loss_asks_the_engine_then_the_recorded_value():
    from types import SimpleNamespace

    from bridge.evaluation.runner import _validation_loss

    asks = SimpleNamespace(validation_loss=lambda ds: 2.5, config={})
    assert _validation_loss(asks, None) == {"loss": 2.5}
    none = lambda ds: None  # noqa: E731  Engine.validation_loss: the family has none
    recorded = SimpleNamespace(validation_loss=none, config={"training": {"best_val_loss": 1.75}})
    assert _validation_loss(recorded, None)["loss"] == 1.75
    assert _validation_loss(SimpleNamespace(validation_loss=none, config={}), None) is None

    def broken(ds):
        raise RuntimeError("boom")

    assert "boom" in _validation_loss(SimpleNamespace(validation_loss=broken), None)["error"]
