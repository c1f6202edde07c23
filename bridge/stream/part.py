"""One stream's part: a generator thread that keeps a few bars ahead of the playhead by continuing
its own last bars, and turns each generated bar into time-tagged bundles for the send thread.

Why it looks ahead in chunks: an engine call costs about the same for one bar or two, and the
send side needs every bundle well before its time; the thread sleeps until the buffered music
runs below AHEAD_BARS (or three engine calls' worth) and then writes CHUNK_BARS more. `set`
regenerates from the first bar line that can still be reached and swaps out only bundles that
have not left yet, so a change lands on a bar line and never mid-bar.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time

from bridge.music.clip import Clip, Note
from bridge.errors import CadenzaError, Cancelled, Internal
from bridge.server.osc import MAX_DATAGRAM, encode_bundle, encode_fitted, encode_message
from bridge.server.replies import done
from bridge.server.router import ROOT
from bridge.stream.clock import FORWARD_S, GENERATOR_NICE, Event, Timeline, renice

log = logging.getLogger("cadenza.stream")

DEFAULT_LOOKAHEAD_MS = 50.0  # bundles leave this long before their time tag
CHUNK_BARS = 2  # bars generated per engine call
CONTEXT_BARS = 4  # bars of the stream's own past given to the engine as the prefix to continue
AHEAD_BARS = 2  # keep at least this many bars generated beyond the playhead
START_DELAY_S = 0.1  # from the first chunk being ready to the first bundle leaving
HISTORY_BARS = 16  # notes older than this many bars behind the generator are forgotten
SENDER_WAIT_S = 5.0  # the first stream waits this long at most for the send process to serve
BUNDLE_OVERHEAD = 16  # "#bundle\0" + time tag


class Stream:
    """One endless part: a generator thread that keeps bars ahead, and the events it scheduled."""

    def __init__(self, mgr, req_id, peer, req, model_name, engine,
                 lookahead_s: float = DEFAULT_LOOKAHEAD_MS / 1000, channel: int | None = None):
        self.mgr, self.req_id, self.peer = mgr, req_id, peer
        self.scope, self.key = peer.scope, (peer.scope, req_id)
        self.req, self.model_name, self.engine = req, model_name, engine
        self.lookahead_s, self.channel = lookahead_s, channel
        self.meter = req.effective_meter()
        self.bpb = self.meter.beats_per_bar
        self.tempo = req.effective_tempo()
        self.total_bars = req.bars  # None: endless
        self.created = time.monotonic()
        self.timeline: Timeline | None = None
        self.history: list[Note] = []  # absolute beats
        self.bar_events: dict[int, list[Event]] = {}
        self.next_bar = 0  # first bar not generated yet
        self.chunks = 0  # engine calls so far (each gets seed + chunks)
        self.fresh = True  # the next chunk starts without context (start, role change)
        self.pending: dict = {}  # set values waiting for the next bar line
        self.gen_s = 0.0  # recent engine time per chunk (EMA), sizes how far ahead to stay
        self.underruns = 0  # bundles dropped because generation finished after their send time
        self.key_found = None  # the key the engine chose when the client gave none: kept for continuations
        self.lock = threading.Lock()  # orders finish() against scheduling new events
        self.wake = threading.Condition()
        self.done = threading.Event()
        self._terminal = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"cadenza-stream-{req_id}", daemon=True)

    def info(self) -> list:
        r = self.req
        out = ["seed", int(r.seed), "model", self.model_name, "role", r.role, "tempo", float(self.tempo),
               "meter", str(self.meter), "lookahead_ms", float(self.lookahead_s * 1000)]
        out += ["bars", int(self.total_bars)] if self.total_bars else []
        out += [x for k in ("style", "mood") if getattr(r, k) for x in (k, getattr(r, k))]
        out += ["key", r.key.name] if r.key is not None else []
        out += ["channel", self.channel] if self.channel else []
        return out

    def start(self) -> None:
        self.thread.start()

    # -- ending --------------------------------------------------------------------------------
    def finish(self, error: CadenzaError | None, why: str = "") -> None:
        """End the stream once: cancel what has not been sent, then the terminal reply."""
        if not self._terminal.acquire(blocking=False):
            return
        with self.lock:
            self.done.set()
            events = [e for evs in list(self.bar_events.values()) for e in evs]
            self.mgr.send_loop.cancel(events)
            last = max((e.send_at for e in events if e.sent), default=0.0)
        with self.wake:
            self.wake.notify_all()
        self.mgr.forget(self)
        ms = (time.monotonic() - self.created) * 1000
        if error is None:
            packet = done(self.req_id, ms)
            late = self.mgr.send_loop.lateness_ms()
            log.info("stream id=%s client=%s ended: %s (%.0f ms, %d bundles dropped late%s)",
                     self.req_id, self.peer, why or "done", ms, self.underruns,
                     f", in-process send lateness ms {late}" if late else "")
        else:
            packet = encode_fitted(f"{ROOT}/error", self.req_id, error.code, error.message)
            log.info("stream id=%s client=%s ended: %s %s", self.req_id, self.peer, error.code, error.message)
        self.mgr.send_loop.send_now(self.peer, packet, not_before=last)

    def _check(self, _fraction: float = 0.0) -> None:
        if self.done.is_set():
            raise Cancelled(f"stream {self.req_id} ended")

    # -- set -----------------------------------------------------------------------------------
    def request_change(self, changes: dict) -> None:
        with self.wake:
            self.pending.update(changes)
            self.wake.notify_all()

    # -- the generator thread ------------------------------------------------------------------
    def _run(self) -> None:
        renice(GENERATOR_NICE)
        try:
            notes = self._generate(0, self._chunk_bars(0))
            self.mgr.send_loop.ready.wait(SENDER_WAIT_S)
            self.timeline = Timeline(time.monotonic() + self.lookahead_s + START_DELAY_S, self.tempo, self.bpb)
            self._commit(0, notes, applied=None)
            while not self.done.is_set():
                with self.wake:
                    if not self.pending:
                        wait = self._next_need() - time.monotonic()
                        if wait > 0:
                            self.wake.wait(wait)
                            continue
                if self.done.is_set():
                    break
                if self.pending:
                    self._apply_pending()
                elif self.total_bars is not None and self.next_bar >= self.total_bars:
                    self.finish(None, why=f"all {self.total_bars} bars played")
                else:
                    b0 = self.next_bar
                    self._commit(b0, self._generate(b0, self._chunk_bars(b0)), applied=None)
        except Cancelled:
            pass  # finish() already ran
        except CadenzaError as exc:
            self.finish(exc)
        except Exception as exc:
            log.exception("stream id=%s: the %s engine failed", self.req_id, self.model_name)
            self.finish(Internal(f"the {self.model_name} engine failed in stream {self.req_id}: "
                                 f"{type(exc).__name__}: {exc}"))

    def _chunk_bars(self, b0: int) -> int:
        if self.total_bars is None:
            return CHUNK_BARS
        return max(0, min(CHUNK_BARS, self.total_bars - b0))

    def _ahead_s(self) -> float:
        bar_s = self.timeline.spb * self.bpb
        return max(AHEAD_BARS * bar_s, 3 * self.gen_s + 0.25) + self.lookahead_s

    def _next_need(self) -> float:
        """Monotonic time at which the generator must start on bar `next_bar` (or end the stream)."""
        tl = self.timeline
        if self.total_bars is not None and self.next_bar >= self.total_bars:
            return tl.mono(self.total_bars * self.bpb)  # the last bar is over: time for done
        return tl.mono(self.next_bar * self.bpb) - self._ahead_s()

    def _apply_pending(self) -> None:
        """Regenerate from the first bar line that can still be reached, with the new conditions.
        If the engine refuses them (a role the model has no data for, say), the stream keeps its
        old conditions and the client gets /cadenza/stream/rejected."""
        with self.wake:
            changes, self.pending = self.pending, {}
        old = {k: getattr(self.req, k) for k in changes}
        old_given, old_fresh = set(self.req.given), self.fresh
        for k, v in changes.items():
            setattr(self.req, k, v)
            self.req.given.add(k)
        self.fresh = old_fresh or "role" in changes  # a new role starts afresh, without context
        tl = self.timeline
        while not self.done.is_set():
            margin = self.lookahead_s + FORWARD_S + 2 * self.gen_s + 0.02
            b0 = min(max(0, tl.bar_at(time.monotonic() + margin) + 1), self.next_bar)
            if self.total_bars is not None and b0 >= self.total_bars:
                return
            try:
                notes = self._generate(b0, self._chunk_bars(b0))
            except Cancelled:
                raise
            except CadenzaError as exc:
                for k, v in old.items():
                    setattr(self.req, k, v)
                self.req.given, self.fresh = old_given, old_fresh
                self.peer.send(encode_fitted(f"{ROOT}/stream/rejected", self.req_id, exc.code, exc.message))
                log.info("stream id=%s: the engine refused %s: %s", self.req_id, changes, exc.message)
                return
            later = [e for b, evs in self.bar_events.items() if b >= b0 for e in evs]
            if self.mgr.send_loop.cancel_unsent(later):
                for b in [b for b in self.bar_events if b >= b0]:
                    del self.bar_events[b]
                self.history = [n for n in self.history if n.start < b0 * self.bpb]
                self._commit(b0, notes, applied=changes)
                return
            self.fresh = "role" in changes  # bar b0 began meanwhile: try from the bar after

    def _generate(self, b0: int, nbars: int) -> list[Note]:
        """Engine call for bars b0..b0+nbars-1; returns notes in absolute beats."""
        if nbars <= 0:
            return []
        req = dataclasses.replace(
            self.req, operation="generate", bars=nbars, variations=1, reply_port=None,
            seed=(int(self.req.seed) + self.chunks) % (2**31 - 1), given=set(self.req.given) | {"bars", "seed", "role"},
        )
        self.chunks += 1
        clip = None
        lo = max(0, b0 - CONTEXT_BARS) * self.bpb
        hi = b0 * self.bpb
        context = [n for n in self.history if lo <= n.start < hi]
        if not self.fresh and b0 > 0 and "continue" in getattr(self.engine, "operations", ()):
            req.operation = "continue"
            notes = [Note(round(n.start - lo, 6), n.pitch, max(1e-3, min(n.duration, hi - n.start)), n.velocity)
                     for n in context]
            clip = Clip(notes, hi - lo, self.meter, self.tempo, self.req.key or self.key_found)
        t0 = time.perf_counter()
        clips = self.mgr.engines.run(self.model_name, req, clip, self._check)  # under the engine's lock
        took = time.perf_counter() - t0
        self.gen_s = took if self.chunks == 1 else 0.7 * self.gen_s + 0.3 * took
        self._check()
        if not clips:
            raise Internal(f"the {self.model_name} engine returned no clip for stream {self.req_id}")
        out = clips[0].validate()
        self.fresh = False
        if self.req.key is None and out.key is not None:
            self.key_found = out.key
        end = nbars * self.bpb
        base = b0 * self.bpb
        return [Note(base + n.start, n.pitch, n.duration, n.velocity) for n in out.notes if n.start < end - 1e-9]

    def _commit(self, b0: int, notes: list[Note], applied: dict | None) -> None:
        """Turn generated bars into scheduled bundles: beats and notes, one bundle per moment."""
        nbars = self._chunk_bars(b0)
        tl, bpb = self.timeline, self.bpb
        moments: dict[float, list[bytes]] = {}
        for bar in range(b0, b0 + nbars):
            for beat in range(math.ceil(bpb - 1e-9)):
                pos = round(bar * bpb + beat, 6)
                moments.setdefault(pos, []).append(encode_message(f"{ROOT}/beat", self.req_id, bar, beat))
        if applied:
            flat = [x for k, v in applied.items() for x in (k, _wire_value(v))]
            moments[round(b0 * bpb, 6)].append(encode_message(f"{ROOT}/stream/applied", self.req_id, b0, *flat))
        tail = (self.channel,) if self.channel else ()
        for n in sorted(notes, key=lambda n: (n.start, n.pitch)):
            moments.setdefault(round(n.start, 6), []).append(
                encode_message(f"{ROOT}/note", self.req_id, n.pitch, n.velocity, float(n.duration), *tail))
        now = time.monotonic()
        events, dropped = [], 0
        for pos in sorted(moments):
            send_at = tl.mono(pos) - self.lookahead_s
            if send_at < now:  # generation ran late: never send a bundle behind its time
                dropped += 1
                continue
            bar = int(pos // bpb + 1e-9)
            for packet in _bundles(tl.wall(pos), moments[pos]):
                ev = Event(send_at, self.peer, packet)
                self.bar_events.setdefault(bar, []).append(ev)
                events.append(ev)
        self.history.extend(notes)
        self.next_bar = b0 + nbars
        keep_from = (self.next_bar - HISTORY_BARS) * bpb
        if self.history and self.history[0].start < keep_from:
            self.history = [n for n in self.history if n.start >= keep_from]
        playing = tl.bar_at(now)
        for bar in [b for b in self.bar_events if b < playing - 1]:
            del self.bar_events[bar]
        if dropped:
            self.underruns += dropped
            log.warning("stream id=%s fell behind: %d bundles dropped (generation took %.0f ms)",
                        self.req_id, dropped, self.gen_s * 1000)
        with self.lock:
            if self.done.is_set():
                raise Cancelled(f"stream {self.req_id} ended")
            self.mgr.send_loop.add(events)


def _wire_value(v):
    if hasattr(v, "name") and not isinstance(v, str):
        return v.name  # a Key
    return v


def _bundles(unix_time: float, messages: list[bytes]) -> list[bytes]:
    """Pack messages into as few bundles as fit one datagram each, all with the same time tag."""
    out, group, size = [], [], BUNDLE_OVERHEAD
    for m in messages:
        if group and size + 4 + len(m) > MAX_DATAGRAM:
            out.append(encode_bundle(unix_time, group))
            group, size = [], BUNDLE_OVERHEAD
        group.append(m)
        size += 4 + len(m)
    if group:
        out.append(encode_bundle(unix_time, group))
    return out
