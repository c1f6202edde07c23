"""`cadenza bench`'s run over a real daemon: every model that generates is timed, a model that
cannot (the groove model re-times clips) is passed over instead of ending the run in a
traceback, and the band loop is timed on the model that writes bands. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cli.bench import run_bench

MODELS = Path(__file__).resolve().parent.parent / "models"


def test_bench_times_the_models_that_generate_and_passes_over_the_groove_model(tmp_path):
    for name in ("markov", "groove", "gan"):
        if not (MODELS / name / "config.json").is_file():
            pytest.skip(f"models/{name} is not shipped here")
        (tmp_path / name).symlink_to(MODELS / name, target_is_directory=True)
    report = run_bench(tmp_path, rounds=2, stream_seconds=0, progress=lambda *a: None)
    assert set(report["generate"]) == {"markov/4bars", "markov/8bars", "gan/4bars", "gan/8bars"}
    assert all(v["p50_ms"] > 0 for v in report["generate"].values())
    assert report["band"]  # the gan's band loop was timed
    assert report["start_to_ready_s"] > 0
