"""The hostile-input campaign in CI: a few thousand seeded hostile datagrams and a few hostile TCP
streams against a real daemon (bridge/cli/fuzz.py makes them; `cadenza bench --fuzz N` runs the
long version). Checks: the daemon lives, answers ping afterwards, never sends a reply over 1,400
bytes or one that is not OSC, and its log stays small."""

from __future__ import annotations

import pytest

from bridge.cli.fuzz import KINDS, hostile_packets, run_fuzz
from bridge.server.osc import MAX_DATAGRAM

CI_DATAGRAMS = 3000
LIVENESS_S = 5.0  # a generous bound: the ping's latency is measured and printed, not asserted


def test_the_fuzzer_is_seeded_and_covers_every_kind():
    a = list(hostile_packets(7, 200, 9000))
    assert a == list(hostile_packets(7, 200, 9000))
    assert a != list(hostile_packets(8, 200, 9000))
    assert len(KINDS) == 7 and max(len(p) for p in a) > 4000


@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_datagrams_do_not_stop_the_daemon(daemon_factory, seed):
    d = daemon_factory({"CADENZA_REQUEST_TIMEOUT": "2"})  # a valid request the fuzzer makes is bounded
    rep = run_fuzz(d.host, d.port, CI_DATAGRAMS // 2, seed=seed, tcp_streams=10)
    print(rep.summary())
    assert d.alive()
    assert rep.alive and rep.ping_ms[-1] < LIVENESS_S * 1000, rep.summary()
    assert rep.oversized == 0 and rep.largest_reply <= MAX_DATAGRAM, rep.summary()
    assert rep.undecodable == 0, rep.summary()
    assert rep.replies > 0  # the daemon answered what could be answered
    log = d.log()
    assert "Traceback" not in log, log[-3000:]
    assert len(log) < 2_000_000, f"{len(log)} bytes of log"


def test_cadenza_bench_fuzz_runs_the_campaign():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "bridge.cli", "bench", "--fuzz", "300", "--seed", "5"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| daemon alive afterwards | yes |" in r.stdout
    assert "| replies / largest / over 1,400 bytes / not OSC |" in r.stdout and " / 0 / 0 |" in r.stdout
