"""Scoring held-out clips under a trained Markov model: the validation loss `cadenza eval` reports
and the loss training uses to choose how hard to prune (min_count "auto").

Its own module so that training and the engine both import it, one way: tables <- sample <- score
<- engine <- train.
"""

from __future__ import annotations

import math

import numpy as np

import bridge.engines.markov.tables as mt
from bridge.engines.markov.sample import RoleModel


def validation_loss(roles: dict[str, RoleModel], cap: int, dataset, split: str = "val", max_clips: int = 2000) -> dict:
    """Mean negative log-likelihood (nats) per onset group of the rhythm and content streams
    over a held-out split (test if the dataset has no val clips)."""
    idx = dataset.indices(split)
    if len(idx) == 0:
        split, idx = "test", dataset.indices("test")
    if len(idx) > max_clips:
        idx = idx[np.linspace(0, len(idx) - 1, max_clips).astype(int)]
    total, events = 0.0, 0
    for i in idx:
        lab = dataset.labels(int(i))
        rm = roles.get(lab["role"])
        if rm is None:
            continue
        nll, n = clip_nll(rm, dataset.clip_notes(int(i)), lab, cap)
        total, events = total + nll, events + n
    loss = total / events if events else float("nan")
    return {"loss": round(loss, 4), "unit": "nats per onset (rhythm + pitch)", "split": split, "events": events}


def clip_nll(rm: RoleModel, notes: np.ndarray, lab: dict, cap: int) -> tuple[float, int]:
    style, key, meter = rm.style_or_none(lab["style"]), lab["key"], lab["meter"]
    bar = mt.bar_ticks(meter)
    events = mt.group_events(notes, rm.kind)
    nll, hist = 0.0, [mt.BOS]
    for tick, ioi, dur in mt.rhythm_tokens(events, rm.kind, cap):
        sym = mt.rhythm_symbol(ioi, dur)
        p = rm.rhythm.dist(mt.chain(mt.rhythm_contexts(tick % bar, meter, hist, 8), style))
        j = rm.rhythm_index.get(sym)
        nll -= math.log(max(p[j] if j is not None else 0.0, 1e-6))
        hist.append(sym)
    prev, ints, chist = None, [], [mt.BOS]
    for ev in events:
        lv = mt.metric_level(ev.tick % bar, meter)
        if rm.kind in ("top", "bottom"):
            p0 = ev.pitches[0]
            if prev is None:
                q = rm.first.dist(mt.chain(mt.first_contexts(key.mode), style))[(p0 - key.tonic) % 12]
            else:
                iv = mt.clip_interval(prev, p0)
                ctx = mt.mono_contexts(key.mode, (prev - key.tonic) % 12, lv, ints, 8)
                q = rm.content.dist(mt.chain(ctx, style))[iv + mt.MAX_INTERVAL]
                ints.append(iv)
            prev = p0
        else:
            if rm.kind == "poly":
                sym = mt.chord_symbol(ev.pitches, key.tonic)
                ctx = mt.poly_contexts(key.mode, lv, chist, 8)
            else:
                sym = mt.drum_symbol(ev.pitches)
                ctx = mt.drum_contexts(ev.tick % bar, meter, chist, 8)
            j = rm.content_index.get(sym)
            q = rm.content.dist(mt.chain(ctx, style))[j] if j is not None else 0.0
            chist.append(sym)
        nll -= math.log(max(q, 1e-6))
    return nll, len(events)
