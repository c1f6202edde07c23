"""The trainers' shared bookkeeping: reading a TOML config, resuming from a model folder, the
learning-rate schedule over the run's budget, the totals of a resumed run, and the facts about
the data that the card shows. Each engine family's train.py calls these, so every family refuses
the same mistakes with the same words and records its data alike. Torch-free: nothing here
imports a network.
"""

from __future__ import annotations

import collections
import json
import math
import os
import re
import time
import tomllib
from pathlib import Path

import numpy as np

from bridge.data.dataset import COL, Dataset
from bridge.engines.decoding.constraints import grid_positions
from bridge.engines.decoding.plan import bar_chords, beat_ticks, count_windows
from bridge.engines.decoding.tokenizer import bar_ticks
import bridge.engines.decoding.vocab as V
from bridge.music.theory import MODES, ROLES, Meter
from bridge.music.ticks import repeats


def read_config(path, allowed: dict) -> dict:
    """The TOML file at `path` as a dict, after refusing what `allowed` does not name.

    `allowed` maps each section the file may hold to its allowed keys, or to None for a top-level
    value (name, description) whose contents are not checked; the error names what was received
    and what is allowed."""
    cfg = tomllib.loads(Path(path).read_text())
    for section, body in cfg.items():
        if section not in allowed:
            raise ValueError(f"{path}: unknown section [{section}]; allowed: {', '.join(allowed)}")
        if allowed[section] is not None:
            bad = set(body) - allowed[section]
            if bad:
                raise ValueError(f"{path}: unknown keys in [{section}]: {sorted(bad)}; allowed: {sorted(allowed[section])}")
    return cfg


def config_name(cfg: dict, path) -> str:
    """The run's name: the config's `name`, else the config file's stem."""
    return cfg.get("name", Path(path).stem)


def resume_from(init_from, engine: str, styles: list, data: str = "the dataset's",
                prefix: bool = False) -> tuple[dict, dict]:
    """Check that `init_from` is a model folder of `engine` trained on `styles` (with `prefix`, the
    folder's styles need only be the first of `styles`: the data may add some after them); return
    its model config (the arguments that built the network) and its previous training record.
    `data` names the styles' owner in the error ("the dataset's", "the pairs'")."""
    f = Path(init_from) / "config.json"
    init_cfg = json.loads(f.read_text()) if f.is_file() else None
    if init_cfg is None or init_cfg.get("engine") != engine:
        raise ValueError(f"--from {init_from} is not a {engine} model folder (config.json with engine \"{engine}\")")
    known = init_cfg["styles"]
    if known != (styles[: len(known)] if prefix else styles):
        raise ValueError(f"--from {init_from} knows styles {known}; {data} differ: {styles}")
    return init_cfg["model"], init_cfg.get("training", {})


def resuming_line(init_from, prev: dict) -> str:
    """The log line a resumed run starts with."""
    return f"resuming from the weights in {init_from} ({prev.get('minutes', '?')} min, {prev.get('steps', '?')} steps)"


def budget_text(minutes, max_steps: int) -> str:
    """A run's budget as its first log line gives it: `minutes` of wall time when set, else steps."""
    return f"{minutes:g} min" if minutes else f"{max_steps} steps"


def out_of_budget(step: int, t0: float, minutes, max_steps: int) -> bool:
    """True once the run has used its budget: `max_steps` steps, or `minutes` since `t0` when set
    (whichever comes first)."""
    return step >= max_steps or bool(minutes) and time.time() >= t0 + 60 * minutes


def spent(step: int, t0: float, minutes, max_steps: int) -> float:
    """How much of the run's budget is used: the share of `minutes` since `t0` when a time budget
    is set, else of `max_steps` (may pass 1 at the very end)."""
    return (time.time() - t0) / (60 * minutes) if minutes else step / max_steps


def warmup_cosine(tc: dict, step: int, frac: float) -> float:
    """The learning rate at `step`: linear warmup to tc["lr"] over tc["warmup_steps"], then a cosine
    down to tc["lr"] * tc["min_lr_ratio"] as `frac` (spent()) goes from 0 to 1."""
    if step < tc["warmup_steps"]:
        return tc["lr"] * (step + 1) / tc["warmup_steps"]
    cos = 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))
    return tc["lr"] * (tc["min_lr_ratio"] + (1 - tc["min_lr_ratio"]) * cos)


def prior_steps(prev: dict) -> int:
    """Steps trained before this run, over the whole chain of resumed runs."""
    return int(prev.get("total_steps", prev.get("steps", 0)))


def totals(prev: dict, minutes: float, steps: int) -> dict:
    """A resumed run's totals: the earlier runs' minutes and steps plus this run's."""
    return {"total_minutes": round(prev.get("total_minutes", prev.get("minutes", 0)) + minutes, 2),
            "total_steps": prior_steps(prev) + steps}


def resumed_summary(prev: dict, keys: tuple, minutes: float, steps: int) -> dict:
    """What a resumed run adds to its summary: the `keys` of the run it resumed, and the totals."""
    return {"resumed_from": {k: prev.get(k) for k in keys}, **totals(prev, minutes, steps)}


def fine_tune_config(init_from, engine: str, needs: str) -> dict:
    """The config.json of the model folder `init_from`, checked to be an `engine` model: the
    token families' (transformer, rnn) check, whose style slots may grow (transformer.train.
    fine_tune_styles) rather than having to match. `needs` ends the error for another engine's
    folder ("fine-tuning needs a transformer")."""
    f = Path(init_from) / "config.json"
    if not f.is_file():
        raise ValueError(f"--from {init_from} is not a model folder (it has no config.json)")
    init_cfg = json.loads(f.read_text())
    if init_cfg.get("engine") != engine:
        raise ValueError(f"--from {init_from} is a {init_cfg.get('engine')} model; {needs}")
    return init_cfg


def piece_counts(ds: Dataset, used) -> tuple[dict, dict]:
    """The training pieces `used` (indices into the manifest's pieces) counted by source and by
    licence: what the card's data tables show."""
    pieces = ds.manifest.get("pieces", [])
    sources = collections.Counter(pieces[p].get("source", "unknown") for p in used if p < len(pieces))
    licences = collections.Counter(pieces[p].get("licence", "unknown") for p in used if p < len(pieces))
    return dict(sources), dict(licences)


def data_facts(ds: Dataset, train_idx, val_idx) -> dict:
    """The training record's `data` for a family trained on clips: the dataset, its clips and
    pieces, and the pieces by source and licence."""
    used = {int(ds.clips[i][COL["piece"]]) for i in train_idx}
    sources, licences = piece_counts(ds, used)
    return {"dataset": ds.manifest.get("name", ds.folder.name), "path": str(ds.folder),
            "train_clips": int(len(train_idx)), "val_clips": int(len(val_idx)),
            "train_pieces": len(used), "sources": sources, "licences": licences}


def style_by_role(ds: Dataset, idx) -> dict:
    """Each role's most common style over the clips `idx`: a request's style when it names none."""
    out = {}
    for r, role in enumerate(ROLES):
        rows = ds.clips[idx][ds.clips[idx][:, COL["role"]] == r]
        if len(rows):
            out[role] = ds.styles[int(np.bincount(rows[:, COL["style"]]).argmax())]
    return out


def flat_velocity(ds: Dataset, idx) -> dict:
    """{role: {style: share}}: the share of each (style, role)'s clips among `idx` (two notes or
    more) whose notes all have one velocity. Notation sources (music21's folk tunes, chorales,
    quartets) carry none, so their styles are all flat (1.0); played MIDI mostly is not. The
    composer leaves a clip as the model wrote it (no metric accent, no stray) that often."""
    rows = ds.clips[idx]
    off, cnt = rows[:, COL["note_offset"]], rows[:, COL["note_count"]]
    vel = ds.notes[:, 3]
    flat = np.array([n >= 2 and vel[o] == vel[o:o + n].min() == vel[o:o + n].max() for o, n in zip(off, cnt)])
    out: dict = {}
    for (r, s) in {(int(a), int(b)) for a, b in rows[:, [COL["role"], COL["style"]]][cnt >= 2]}:
        sel = (rows[:, COL["role"]] == r) & (rows[:, COL["style"]] == s) & (cnt >= 2)
        out.setdefault(ROLES[r], {})[ds.styles[s]] = round(float(flat[sel].mean()), 3)
    return {role: dict(sorted(v.items())) for role, v in sorted(out.items())}


def repeat_share(ds: Dataset, idx) -> dict:
    """{role: {style: share}}: of consecutive top-line notes in each pitched (style, role)'s clips
    among `idx`, the share that repeat the previous pitch (music/ticks.py's `repeats`, the eval's
    definition), pooled over the clips. The rate the decoder's repeat prior pulls a part toward."""
    drums = ROLES.index("drums")
    counts: dict = collections.defaultdict(lambda: [0, 0])
    for i in np.asarray(idx):
        row = ds.clips[i]
        if row[COL["role"]] != drums:
            c = counts[ROLES[row[COL["role"]]], ds.styles[row[COL["style"]]]]
            same, pairs = repeats(ds.clip_notes(int(i)))
            c[0], c[1] = c[0] + same, c[1] + pairs
    out: dict = {}
    for (role, style), (same, pairs) in sorted(counts.items()):
        if pairs:
            out.setdefault(role, {})[style] = round(same / pairs, 3)
    return out


def register_band(ds: Dataset, idx, share: float = 0.03) -> dict:
    """{role: {style: [low, high]}}: the pitches below and above which each pitched (style, role)'s
    notes among `idx` lie a `share` of the time each way, pooled over its clips. The register the
    decoder's register prior keeps a part in when its request leaves the range open (sampling.register_bias)."""
    drums = ROLES.index("drums")
    rows = ds.clips[np.asarray(idx)]
    out: dict = {}
    for r, s in sorted({(int(a), int(b)) for a, b in rows[:, [COL["role"], COL["style"]]]}):
        if r == drums:
            continue
        sel = rows[(rows[:, COL["role"]] == r) & (rows[:, COL["style"]] == s)]
        pitches = np.concatenate([ds.notes[o:o + n, 2] for o, n in sel[:, [COL["note_offset"], COL["note_count"]]]])
        if len(pitches) >= 50:
            lo, hi = np.quantile(pitches, [share, 1.0 - share])
            out.setdefault(ROLES[r], {})[ds.styles[s]] = [int(round(lo)), int(round(hi))]
    return out


def chord_plans(ds: Dataset, idx) -> dict:
    """{style: {mode: windows}}: the bar-by-bar chords of the chord parts among `idx`, relative to
    each clip's tonic, as decoding/plan.py's counted 8-bar windows (styles whose chord parts repeat
    no window are left out). What a bass or chord part follows when it is asked for alone."""
    charts: dict = {}
    chords = ROLES.index("chords")
    for i in np.asarray(idx):
        row = ds.clips[i]
        if row[COL["role"]] != chords:
            continue
        tpb = bar_ticks(Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]])))
        chart = bar_chords(ds.clip_notes(int(i)), tpb, int(row[COL["bars"]]), int(row[COL["tonic"]]))
        style = ds.styles[row[COL["style"]]]
        charts.setdefault(style, {}).setdefault(MODES[row[COL["mode"]]], []).append(chart)
    out: dict = {}
    for style, modes in sorted(charts.items()):
        kept = {mode: w for mode, cs in sorted(modes.items()) if (w := count_windows(cs))}
        if kept:
            out[style] = kept
    return out


def tonal_profile(ds: Dataset, idx) -> dict:
    """{role: {mode: {"down": [12], "beat": [12]}}}: of each pitched role's notes among `idx` that
    start on a downbeat, and on the bar's other beats (plan.beat_ticks), the share on each degree
    of the clip's key (0 the tonic), pooled over styles (a style's own keys are too few: its blues
    bass lines are all major) and add-one smoothed. What the tonal prior leans a part on."""
    drums = ROLES.index("drums")
    counts: dict = collections.defaultdict(lambda: np.ones((2, 12)))
    for i in np.asarray(idx):
        row = ds.clips[i]
        if row[COL["role"]] == drums:
            continue
        meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
        n = ds.clip_notes(int(i))
        at = n[:, 0] % meter.ticks_per_bar
        beat = (at % beat_ticks(meter) == 0)
        c = counts[ROLES[row[COL["role"]]], MODES[row[COL["mode"]]]]
        degree = (n[:, 2] - row[COL["tonic"]]) % 12
        c[0] += np.bincount(degree[at == 0], minlength=12)
        c[1] += np.bincount(degree[beat & (at != 0)], minlength=12)
    out: dict = {}
    for (role, mode), c in sorted(counts.items()):
        p = c / c.sum(axis=1, keepdims=True)
        out.setdefault(role, {})[mode] = {"down": [float(f"{x:.4g}") for x in p[0]],
                                          "beat": [float(f"{x:.4g}") for x in p[1]]}
    return out


def onset_profile(ds: Dataset, idx, min_notes: int = 200) -> dict:
    """{role: {style: {meter: [a share per tick of the bar]}}}: where each (style, role)'s training
    onsets among `idx` fall in the bar, per meter ("3/4" and "6/8" apart, though their bars are
    as long), add-one smoothed over the grid's ticks (0 off it), for groups of at least
    `min_notes` onsets. What the onset prior leans a part on."""
    grid = grid_positions(V.MAX_BAR_TICKS)  # every bar's grid is its first tpb ticks of this
    counts: dict = {}
    for i in np.asarray(idx):
        row = ds.clips[i]
        meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
        tpb = bar_ticks(meter)
        k = (ROLES[row[COL["role"]]], ds.styles[row[COL["style"]]], str(meter))
        if k not in counts:
            counts[k] = grid[:tpb].astype(np.float64)
        counts[k] += np.bincount(ds.clip_notes(int(i))[:, 0] % tpb, minlength=tpb)[:tpb] * grid[:tpb]
    out: dict = {}
    for (role, style, meter), c in sorted(counts.items()):
        if c.sum() - grid[:len(c)].sum() >= min_notes:
            out.setdefault(role, {}).setdefault(style, {})[meter] = [float(f"{x:.3g}") for x in c / c.sum()]
    return out


def kit_profile(ds: Dataset, idx, min_bars: int = 64, min_share: float = 0.02) -> dict:
    """{style: {meter: {GM drum key: [a share per tick of the bar]}}}: of each style's training drum
    bars among `idx` in a meter, the share that play that kit piece at that tick, for the pieces
    some tick of which at least `min_share` of the bars play, in groups of at least `min_bars`
    bars. What the kit prior (plan.kit_table) leans a drum part on."""
    drums = ROLES.index("drums")
    counts: dict = {}
    bars: collections.Counter = collections.Counter()
    for i in np.asarray(idx):
        row = ds.clips[i]
        if row[COL["role"]] != drums:
            continue
        meter = Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]]))
        tpb = bar_ticks(meter)
        k = (ds.styles[row[COL["style"]]], str(meter))
        if k not in counts:
            counts[k] = np.zeros((128, tpb))
        n = ds.clip_notes(int(i))
        hits = np.unique(np.stack([n[:, 0] // tpb, n[:, 0] % tpb, n[:, 2]], axis=1), axis=0)  # once a bar
        np.add.at(counts[k], (hits[:, 2], hits[:, 1]), 1)
        bars[k] += int(row[COL["bars"]])
    out: dict = {}
    for (style, meter), c in sorted(counts.items()):
        if bars[style, meter] < min_bars:
            continue
        share = c / bars[style, meter]
        out.setdefault(style, {})[meter] = {str(p): [float(f"{x:.3g}") for x in share[p]]
                                            for p in np.flatnonzero(share.max(axis=1) >= min_share)}
    return out


def data_defaults(ds: Dataset, idx) -> dict:
    """The decoding defaults every trainer writes into its model's config.json from the clips it
    learnt from: each role's default style, each style's share of flat-velocity clips and of
    repeated notes, its register and where its onsets fall in the bar, each role's tonal profile and
    each style's drum kit by tick. (Chord plans are opt-in, `scripts/data_defaults.py --chord-plans`; the
    shipped Transformer's chords follow them, docs/MODEL.md.)"""
    return {"style_by_role": style_by_role(ds, idx), "flat_velocity": flat_velocity(ds, idx),
            "repeat_share": repeat_share(ds, idx), "register_band": register_band(ds, idx),
            "tonal_profile": tonal_profile(ds, idx), "onset_profile": onset_profile(ds, idx),
            "kit_profile": kit_profile(ds, idx)}


_NUMBERS = re.compile(r"\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]")


def config_json(config: dict) -> str:
    """A model folder's config.json text: one key a line as json.dumps(indent=1) writes it, but
    each list of numbers on one line (the data profiles hold thousands of shares)."""
    return _NUMBERS.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                        json.dumps(config, indent=1))


def user_file(path) -> None:
    """Give a written file the user's usual mode (0666 less the umask): safetensors' writer
    creates its files 0600, and a model folder is meant to be shared, copied and served."""
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
