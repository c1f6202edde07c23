"""The transformer's vocabulary and tokenizer: invariants and round trips over real files."""

from __future__ import annotations

import numpy as np
import pytest

from bridge.music.clip import Clip, Note, clip_to_midi, midi_to_clip
import bridge.engines.decoding.vocab as V
from bridge.engines.decoding.tokenizer import (Conditions, TokenizerConfig, bar_ticks, canonical, decode, encode,
                                                  encode_bars)
from bridge.music.keys import key_of_ticks as estimate_key  # the one key rule, on tick arrays
from bridge.music.ticks import clip_ticks
from bridge.errors import BadRequest
from bridge.music.theory import Key, Meter


def test_families_tile_the_vocabulary():
    ends = [off + n for _, off, n in V.FAMILIES]
    starts = [off for _, off, _ in V.FAMILIES]
    assert starts[0] == 0 and ends[-1] == V.VOCAB_SIZE
    assert starts[1:] == ends[:-1]
    assert V.family(V.PITCH_OFFSET + 60) == "pitch" and V.token_name(V.pitch_token(60)) == "PITCH_60"
    with pytest.raises(ValueError):
        V.family(V.VOCAB_SIZE)


def test_condition_prefix_has_fixed_layout():
    toks = Conditions("bass", 1, "sad", Key(2, "minor"), Meter(3, 4), 2, 1, 8).tokens()
    assert len(toks) == V.PREFIX_LEN
    assert [V.family(t) for t in toks] == ["special", "role", "style", "mood", "key", "meter", "tempo", "density", "bars"]
    assert toks[4] == V.KEY_OFFSET + 12 + 2 and toks[-1] == V.bars_token(8)


def test_meters_the_positions_cannot_hold_are_refused():
    assert bar_ticks(Meter(6, 8)) == 36 and bar_ticks(Meter(7, 16)) == 21
    with pytest.raises(BadRequest, match="not supported"):
        bar_ticks(Meter(3, 32))


def _roundtrip(notes: np.ndarray, meter: Meter) -> None:
    tpb = bar_ticks(meter)
    n_bars = int(notes[:, 0].max()) // tpb + 1
    canon = canonical(notes, tpb, n_bars)
    toks = encode(canon, tpb, n_bars)
    assert toks.count(V.BAR) == n_bars
    back = decode(toks, tpb)
    np.testing.assert_array_equal(back, canon)
    assert encode(back, tpb, n_bars) == toks  # tokens -> notes -> tokens is the identity
    assert set(toks) <= set(range(V.POS_OFFSET, V.VOCAB_SIZE)) | {V.BAR}


@pytest.mark.parametrize("name", ["bach/bwv66.6", "bach/bwv7.7", "bach/bwv269"])
def test_roundtrip_over_music21_chorales(name):
    music21 = pytest.importorskip("music21")
    score = music21.corpus.parse(name)
    rows = []
    for part in score.parts:
        for n in part.stripTies().flatten().notes:
            for p in n.pitches:
                rows.append((round(float(n.offset) * 12), max(1, round(float(n.quarterLength) * 12)), p.midi, 80))
    notes = np.array(rows, dtype=np.int64)
    assert len(notes) > 50
    _roundtrip(notes, Meter(4, 4))


def test_roundtrip_over_a_written_midi_file(tmp_path):
    # a real MIDI file: triplets, a chord, a long note over a bar line, odd velocities, 3/4
    notes = [Note(0.0, 60, 1.0, 100), Note(0.0, 64, 1.0, 37), Note(1.0, 67, 1 / 3, 90), Note(4 / 3, 69, 1 / 3, 90),
             Note(5 / 3, 71, 1 / 3, 90), Note(2.0, 72, 2.5, 127), Note(5.0, 55, 0.25, 1)]
    path = tmp_path / "fixture.mid"
    clip_to_midi(Clip(notes, 6.0, Meter(3, 4), 100.0), path)
    clip = midi_to_clip(path)
    assert clip.meter == Meter(3, 4)
    _roundtrip(clip_ticks(clip), clip.meter)
    back = decode(encode(canonical(clip_ticks(clip), 36, 2), 36, 2), 36)
    assert [int(r[2]) for r in back] == [60, 64, 67, 69, 71, 72, 55]
    assert back[5][1] == 30  # 2.5 beats survive the bar line


def test_bars_are_self_contained_for_infilling():
    notes = np.array([[0, 12, 60, 90], [48, 12, 62, 90], [60, 12, 64, 50]])
    bars = encode_bars(canonical(notes, 48, 2), 48, 2)
    assert bars[1][:3] == [V.BAR, V.pos_token(0), V.vel_token(90)]  # each bar restates POS and VEL
    np.testing.assert_array_equal(decode(bars[1], 48, first_bar=1), canonical(notes, 48, 2)[1:])


def test_tokenizer_config_is_versioned(tmp_path):
    cfg = TokenizerConfig(styles=["baroque-chorale", "irish-folk"])
    cfg.save(tmp_path / "tokenizer.json")
    assert TokenizerConfig.load(tmp_path / "tokenizer.json").style_slot("irish-folk") == 1
    with pytest.raises(BadRequest, match="this model knows: baroque-chorale, irish-folk"):
        cfg.style_slot("techno")
    (tmp_path / "old.json").write_text('{"version": 0, "vocab_size": 3, "styles": []}')
    with pytest.raises(ValueError, match="version"):
        TokenizerConfig.load(tmp_path / "old.json")


def test_key_estimate_finds_a_scale():
    d_minor = [62, 64, 65, 67, 69, 70, 72, 74, 62, 65, 69]
    notes = np.array([[i * 12, 12, p, 90] for i, p in enumerate(d_minor)])
    assert estimate_key(notes) in (Key(2, "minor"), Key(5, "major"))
