"""Every shipped model through the daemon: generate, continue, restyle and infill return valid
clips that honour bars, meter, key (hard mask), pitch range and seed."""

from __future__ import annotations

import pytest

from bridge.server.client import Client, RemoteError

MODELS = ["transformer", "markov"]
E_MINOR = {4, 6, 7, 9, 11, 0, 2}


def source_clip():
    notes = [[60 + (i * 5) % 12, i * 0.5, 0.5, 60 + (i * 13) % 60] for i in range(24)]  # 3 bars of 4/4
    return {"notes": notes, "length_beats": 16.0, "meter": "4/4", "tempo": 100.0, "key": "C major"}


def check(res, bars, beats_per_bar, low=0, high=127, scale=None):
    assert res.variations
    for v in res.variations.values():
        assert v["length_beats"] == bars * beats_per_bar
        assert v["notes"], "an empty answer"
        for p, s, d, vel in v["notes"]:
            assert low <= p <= high and 1 <= vel <= 127 and d > 0
            assert 0 <= s and s + d <= v["length_beats"] + 1e-4
            if scale is not None:
                assert p % 12 in scale, p


@pytest.mark.parametrize("model", MODELS)
def test_generate_honours_everything(daemon, model):
    opts = {"model": model, "bars": 3, "meter": "6/8", "key": "E minor", "scale_lock": 1,
            "pitch_low": 60, "pitch_high": 76, "seed": 99, "variations": 2}
    with Client(daemon.host, daemon.port) as c:
        a = c.request("generate", opts)
        b = c.request("generate", opts)
    check(a, 3, 3.0, 60, 76, E_MINOR)
    assert a.variations == b.variations
    assert a.variations[0]["notes"] != a.variations[1]["notes"]


@pytest.mark.parametrize("model", MODELS)
def test_continue_restyle_infill(daemon, model):
    with Client(daemon.host, daemon.port) as c:
        cont = c.request("continue", {"model": model, "bars": 2, "seed": 1}, clip=source_clip())
        check(cont, 2, 4.0)
        rest = c.request("restyle", {"model": model, "seed": 2, "key": "E minor", "scale_lock": 1,
                                     "strength": 1.0, "preserve": "rhythm"}, clip=source_clip())
        check(rest, 4, 4.0, scale=E_MINOR)
        onsets = sorted((s, d) for _, s, d, _ in rest.variations[0]["notes"])
        assert onsets == sorted((s, d) for _, s, d, _ in source_clip()["notes"])
        fill = c.request("infill", {"model": model, "seed": 3}, clip=source_clip(), positional=(1, 2))
        check(fill, 4, 4.0)
        kept = [n for n in fill.variations[0]["notes"] if not 4.0 <= n[1] < 8.0]
        want = [n for n in source_clip()["notes"] if not 4.0 <= n[1] < 8.0]
        assert sorted(n[:2] for n in kept) == sorted(n[:2] for n in want)


@pytest.mark.parametrize("model", MODELS)
def test_bad_conditions_name_allowed_values(daemon, model):
    with Client(daemon.host, daemon.port) as c:
        for opts, fragment in (({"style": "zydeco-metal"}, "this model knows"),
                               ({"bars": 0}, "from 1 to 64"),):
            with pytest.raises(RemoteError) as exc:
                c.request("generate", {"model": model, **opts})
            assert exc.value.code == "bad_request" and fragment in exc.value.message
        with pytest.raises(RemoteError) as exc:
            c.request("restyle", {"model": model, "strength": 2.0}, clip=source_clip())
        assert exc.value.code == "bad_request" and "from 0" in exc.value.message
