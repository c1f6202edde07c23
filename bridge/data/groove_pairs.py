"""Groove pairs: played parts from the raw sources beside their own quantised versions.

The shipped dataset is quantised (clean.py snaps every onset to the grid), so the played timing is
gone from it. This module reads the same sources again before cleaning, at their own resolution
(freedoom's WAD lumps, the Debian game MIDI, MMA's humanised grooves, a user folder), keeps the
parts whose onsets sit off the grid, and pairs each note with its grid point under clean.py's rule
(bridge/music/grid.py `snap` of the onset read at TICKS_PER_BEAT): the targets are the onset's
offset from that grid point (in beats) and the played velocity.

A part counts as played when at least MIN_OFF_SHARE of its onsets lie more than OFF_GRID beats
from their grid point and the offsets stay near the grid (their spread under MAX_OFFSET_STD):
a file whose declared resolution does not match its beat (freedoom's 89-ticks-a-quarter lumps,
whose onsets fall anywhere) has offsets spread almost uniformly over the grid's gaps and is no
groove. Velocities count only where a part plays more than one.

The pairs file (`pairs.npz`, no pickle) and a `manifest.json` make a folder that
`cadenza train --engine groove --data FOLDER` reads; `cadenza data groove` writes it.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bridge.music.grid import DRUM_TICKS, MIN_TICKS, snap
from bridge.music.theory import ROLES, TICKS_PER_BEAT

FORMAT = "cadenza-groove-pairs"
FORMAT_VERSION = 1
OFF_GRID = 1 / 96  # beats: an onset further than this from its grid point is off the grid (5 ms at 120 BPM)
MIN_OFF_SHARE = 0.15  # a played part has at least this share of its onsets off the grid
MAX_OFFSET_STD = 0.05  # beats: a wider spread is a resolution that does not fit the beat, not feel
MIN_PART_NOTES = 32  # shorter parts teach too little feel to be worth a pair
SPLITS = ("train", "val", "test")
# per-note columns of pairs.npz's `notes` (float32): grid tick (clip-relative to the part), grid
# duration in ticks, pitch, offset from the grid point in beats, played velocity
NOTE_COLUMNS = ("tick", "dur", "pitch", "offset", "velocity")
# per-part columns of `parts` (int32)
PART_COLUMNS = ("note_offset", "note_count", "piece", "role", "style", "split", "source", "tempo",
                "meter_num", "meter_den", "has_velocity", "drum")
PCOL = {c: i for i, c in enumerate(PART_COLUMNS)}
NCOL = {c: i for i, c in enumerate(NOTE_COLUMNS)}


@dataclass
class RawPart:
    name: str
    onsets: np.ndarray  # float64 [n] beats, as played
    durs: np.ndarray  # float64 [n] beats
    pitches: np.ndarray  # int [n]
    vels: np.ndarray  # int [n]
    drum: bool
    program: int = 0
    role: str | None = None  # a role the source states (MMA track names)


@dataclass
class RawPiece:
    id: str
    source: str
    style: str
    licence: str
    group: str
    tempo: float
    meter: tuple[int, int]
    parts: list[RawPart]


def read_score(score, *, drop_zero: bool = True) -> tuple[list[RawPart], tuple[int, int], float | None]:
    """A symusic Score (ticks) -> its parts in beats at full resolution, its first meter, its tempo
    (bridge.data.readers' rule: the tempo that lasts longest)."""
    from bridge.data.readers import _main_tempo

    tpq = score.ticks_per_quarter
    if tpq <= 0:
        raise ValueError(f"bad ticks per quarter {tpq}")
    parts = []
    for i, tr in enumerate(score.tracks):
        arr = tr.notes.numpy()
        if not len(arr["time"]):
            continue
        t0, dur = arr["time"].astype(np.float64) / tpq, arr["duration"].astype(np.float64) / tpq
        keep = (arr["velocity"] > 0) & ((dur > 0) | bool(tr.is_drum) | (not drop_zero))
        if keep.sum():
            parts.append(RawPart(tr.name or f"track {i + 1}", t0[keep], dur[keep], arr["pitch"][keep].astype(int),
                                 arr["velocity"][keep].astype(int), bool(tr.is_drum), int(tr.program)))
    sigs = [(int(ts.numerator), int(ts.denominator)) for ts in score.time_signatures]
    meter = sigs[0] if sigs and sigs[0][1] in (1, 2, 4, 8, 16, 32) and 1 <= sigs[0][0] <= 32 else (4, 4)
    end = max((int(p.onsets.max() * TICKS_PER_BEAT) for p in parts), default=0)
    return parts, meter, _main_tempo(score, TICKS_PER_BEAT / tpq, end)


def read_raw_task(task: dict) -> list[RawPiece]:
    """The played pieces of one source task (bridge.data.sources / debian / mma tasks). Notated
    sources (music21) hold no played timing and give none."""
    import symusic

    kind = task["kind"]
    if kind == "music21":
        return []
    style_tempo = None
    if kind == "midi":
        score = symusic.Score(str(task["path"]))
    elif kind == "midi-bytes":
        from bridge.data.debian import lump_bytes

        score = symusic.Score.from_midi(lump_bytes(task["wad"], task["lump"]))
    elif kind == "mma":
        from bridge.data.mma import _eighth_factor, groove_tempo, render_midi

        data, keys = render_midi(task)
        score = symusic.Score.from_midi(data)
        style_tempo = float(groove_tempo(task["style"], Path(task["path"]).stem))
    else:
        raise ValueError(f"unknown task kind {kind!r}")
    parts, meter, tempo = read_score(score)
    if not parts:
        return []
    if kind == "mma":
        from bridge.data.mma import BARS_PER_PROGRESSION, track_role

        for p in parts:
            p.role = track_role(p.name, p.drum, p.program, p.pitches)
        # mma._fit_meter's rule: an x/8 groove rendered with one MIDI quarter an eighth is halved
        bars = len(keys) * BARS_PER_PROGRESSION
        end = max(float((p.onsets + p.durs).max()) for p in parts)
        stated = meter[0] * 4 / meter[1]
        if meter[1] == 8 and abs(round(2 * end / bars) / 2 - 2 * stated) < 0.26:
            for p in parts:
                p.onsets, p.durs = p.onsets / 2, p.durs / 2
        elif abs(round(2 * end / bars) / 2 - stated) >= 0.26:
            meter = (max(1, int(round(end / bars))), 4)
        tempo = style_tempo
    return [RawPiece(task["id"], task["source"], task["style"], task["licence"], task.get("group") or task["id"],
                     float(tempo or 120.0), meter, parts)]


def quantise(onsets: np.ndarray, durs: np.ndarray, drum: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Played beats -> (grid start ticks, grid duration ticks, offsets in beats) under clean.py's
    rule: the onset read at TICKS_PER_BEAT snaps to the grid; drum hits last DRUM_TICKS, a pitched
    note's end snaps too and it lasts at least MIN_TICKS."""
    onsets = np.asarray(onsets, dtype=np.float64)
    start = snap(np.rint(onsets * TICKS_PER_BEAT).astype(np.int64))
    if drum:
        dur = np.full(len(start), DRUM_TICKS, dtype=np.int64)
    else:
        end = snap(np.rint((onsets + np.asarray(durs)) * TICKS_PER_BEAT).astype(np.int64))
        dur = np.maximum(end - start, MIN_TICKS)
    return start, dur, onsets - start / TICKS_PER_BEAT


def timing_facts(offsets: np.ndarray) -> dict:
    """How far a part's onsets sit from the grid: share off it, spread, mean absolute offset (beats)."""
    off = np.asarray(offsets, dtype=np.float64)
    if not len(off):
        return {"off_share": 0.0, "std": 0.0, "mean_abs": 0.0}
    return {"off_share": float(np.mean(np.abs(off) > OFF_GRID)), "std": float(np.std(off)),
            "mean_abs": float(np.mean(np.abs(off)))}


def is_played(offsets: np.ndarray) -> bool:
    f = timing_facts(offsets)
    return len(offsets) >= MIN_PART_NOTES and f["off_share"] >= MIN_OFF_SHARE and f["std"] <= MAX_OFFSET_STD


def part_pairs(part: RawPart) -> np.ndarray:
    """One part -> float32 [n, len(NOTE_COLUMNS)] sorted by (grid tick, pitch); of two notes of
    one pitch on one grid point the one nearer the grid is kept (clean.py keeps one too)."""
    start, dur, off = quantise(part.onsets, part.durs, part.drum)
    rows = np.stack([start, dur, part.pitches, off, part.vels], axis=1).astype(np.float64)
    order = np.lexsort((np.abs(off), rows[:, 2], rows[:, 0]))
    rows = rows[order]
    keep = np.ones(len(rows), bool)
    keep[1:] = (rows[1:, 0] != rows[:-1, 0]) | (rows[1:, 2] != rows[:-1, 2])
    return rows[keep].astype(np.float32)


def piece_parts(piece: RawPiece) -> list[tuple[str, RawPart]]:
    """(role, part) of a piece: its kit tracks merged into one drums part (one kit, as the corpus
    labeller merges them), every pitched track with its stated role or the labeller's guess."""
    from bridge.data.labels import infer_role
    from bridge.data.piece import Part

    drums = [p for p in piece.parts if p.drum]
    out = []
    if drums:
        cat = lambda k: np.concatenate([getattr(p, k) for p in drums])  # noqa: E731
        out.append(("drums", RawPart("drums", cat("onsets"), cat("durs"), cat("pitches"), cat("vels"), True)))
    for p in piece.parts:
        if p.drum:
            continue
        start, dur, _ = quantise(p.onsets, p.durs, False)
        grid = np.stack([start, dur, p.pitches, p.vels], axis=1).astype(np.int32)
        out.append((infer_role(Part(p.name, grid[np.lexsort((grid[:, 2], grid[:, 0]))], p.program, False, p.role)), p))
    return out


@dataclass
class GroovePairs:
    notes: np.ndarray  # float32 [n_notes, len(NOTE_COLUMNS)]
    parts: np.ndarray  # int32 [n_parts, len(PART_COLUMNS)]
    manifest: dict  # styles, sources, pieces, counts

    @property
    def styles(self) -> list[str]:
        return self.manifest["styles"]

    def part_notes(self, i: int) -> np.ndarray:
        r = self.parts[i]
        return self.notes[r[PCOL["note_offset"]]: r[PCOL["note_offset"]] + r[PCOL["note_count"]]]

    def indices(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.parts[:, PCOL["split"]] == SPLITS.index(split))

    def save(self, folder: Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "pairs.npz", notes=self.notes, parts=self.parts)
        (folder / "manifest.json").write_text(json.dumps(self.manifest, indent=1))
        return folder

    @classmethod
    def load(cls, folder: Path) -> "GroovePairs":
        folder = Path(folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{folder} is not a groove pairs folder (format {manifest.get('format')!r}); "
                             "build one with `cadenza data groove`")
        with np.load(folder / "pairs.npz", allow_pickle=False) as z:
            return cls(z["notes"], z["parts"], manifest)


def build_pairs(tasks: list[dict], splits: dict[str, str] | None = None,
                progress: Callable[[int, int, str], None] | None = None, log=print) -> GroovePairs:
    """Read every task, keep its played parts, pair their notes. `splits`: piece id -> split (the
    shipped dataset's, so no piece is in two splits across datasets); pieces it lacks are split by
    bridge.data.split's rule over the groove pieces."""
    from bridge.data.split import split_pieces

    pieces: list[RawPiece] = []
    kept: list[tuple[int, str, RawPart, np.ndarray]] = []
    seen = Counter()
    t0 = time.time()
    for k, task in enumerate(tasks):
        try:
            raw = read_raw_task(task)
        except Exception as exc:  # a broken file: one line, the build goes on (the corpus builder's rule)
            log(f"warning: skipping {task['id']}: {exc}")
            raw = []
        for piece in raw:
            for role, part in piece_parts(piece):
                rows = part_pairs(part)
                seen[(piece.source, "parts")] += 1
                if not is_played(rows[:, NCOL["offset"]]):
                    continue
                kept.append((len(pieces), role, part, rows))
            pieces.append(piece)
        if progress:
            progress(k + 1, len(tasks), "reading sources")
    used = sorted({i for i, *_ in kept})
    index = {old: new for new, old in enumerate(used)}
    metas = [{"id": pieces[i].id, "source": pieces[i].source, "style": pieces[i].style,
              "licence": pieces[i].licence, "group": pieces[i].group, "tempo": pieces[i].tempo,
              "meter": list(pieces[i].meter)} for i in used]
    fallback = split_pieces(metas) if metas else {}
    for m in metas:
        m["split"] = (splits or {}).get(m["id"], fallback[m["id"]])
    styles = sorted({m["style"] for m in metas})
    sources = sorted({m["source"] for m in metas})
    notes, rows = [], []
    offset = 0
    for i, role, part, pr in kept:
        m = metas[index[i]]
        rows.append([offset, len(pr), index[i], ROLES.index(role), styles.index(m["style"]), SPLITS.index(m["split"]),
                     sources.index(m["source"]), int(round(m["tempo"])), m["meter"][0], m["meter"][1],
                     int(len(np.unique(pr[:, NCOL["velocity"]])) > 1), int(part.drum)])
        notes.append(pr)
        offset += len(pr)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "note_columns": list(NOTE_COLUMNS),
                "part_columns": list(PART_COLUMNS), "roles": list(ROLES), "styles": styles, "sources": sources,
                "splits": list(SPLITS), "pieces": metas, "read": {f"{s}": n for (s, _), n in seen.items()},
                "rules": {"off_grid_beats": OFF_GRID, "min_off_share": MIN_OFF_SHARE,
                          "max_offset_std_beats": MAX_OFFSET_STD, "min_part_notes": MIN_PART_NOTES},
                "build_seconds": round(time.time() - t0, 1)}
    pairs = GroovePairs(np.concatenate(notes) if notes else np.zeros((0, len(NOTE_COLUMNS)), np.float32),
                        np.array(rows, dtype=np.int32).reshape(-1, len(PART_COLUMNS)), manifest)
    manifest["summary"] = summarise(pairs)
    return pairs


def summarise(pairs: GroovePairs) -> dict:
    """Parts and notes per source and role and split; offset (beats and ms) and velocity spread."""
    m, P = pairs.manifest, pairs.parts
    by = defaultdict(lambda: {"parts": 0, "notes": 0})
    for r in P:
        for key in (f"source {m['sources'][r[PCOL['source']]]}", f"role {ROLES[r[PCOL['role']]]}",
                    f"split {SPLITS[r[PCOL['split']]]}"):
            by[key]["parts"] += 1
            by[key]["notes"] += int(r[PCOL["note_count"]])
    off = pairs.notes[:, NCOL["offset"]].astype(np.float64)
    tempo = np.repeat(P[:, PCOL["tempo"]], P[:, PCOL["note_count"]]).astype(np.float64) if len(P) else off
    ms = off * 60000.0 / np.maximum(tempo, 1)
    vel_rows = np.repeat(P[:, PCOL["has_velocity"]], P[:, PCOL["note_count"]]).astype(bool) if len(P) else off > 0
    vel = pairs.notes[vel_rows, NCOL["velocity"]]
    q = lambda a, p: round(float(np.percentile(a, p)), 4) if len(a) else None  # noqa: E731
    return {"parts": int(len(P)), "notes": int(len(pairs.notes)), "pieces": len(m["pieces"]),
            "by": {k: dict(v) for k, v in sorted(by.items())},
            "offset_beats": {"mean": round(float(off.mean()), 4) if len(off) else None,
                             "std": round(float(off.std()), 4) if len(off) else None,
                             "p5": q(off, 5), "p50": q(off, 50), "p95": q(off, 95)},
            "offset_ms": {"mean_abs": round(float(np.abs(ms).mean()), 2) if len(ms) else None,
                          "p5": q(ms, 5), "p95": q(ms, 95)},
            "velocity": {"notes": int(len(vel)), "mean": round(float(vel.mean()), 1) if len(vel) else None,
                         "std": round(float(vel.std()), 1) if len(vel) else None, "p5": q(vel, 5), "p95": q(vel, 95)}}


def format_summary(s: dict) -> str:
    lines = [f"{s['parts']} played parts, {s['notes']} notes from {s['pieces']} pieces"]
    for k, v in s["by"].items():
        lines.append(f"  {k:<24} {v['parts']:>6} parts {v['notes']:>9} notes")
    o, ms, v = s["offset_beats"], s["offset_ms"], s["velocity"]
    lines.append(f"offset (beats): mean {o['mean']} std {o['std']} p5 {o['p5']} p50 {o['p50']} p95 {o['p95']}")
    lines.append(f"offset (ms): mean |offset| {ms['mean_abs']} p5 {ms['p5']} p95 {ms['p95']}")
    lines.append(f"velocity ({v['notes']} notes with played velocities): mean {v['mean']} std {v['std']} "
                 f"p5 {v['p5']} p95 {v['p95']}")
    return "\n".join(lines)


def default_pairs_dir() -> Path:
    """Where `cadenza data groove` writes by default: beside the datasets, not among them (a
    pairs folder is no clip dataset, and `cadenza train` picks the newest of those)."""
    from bridge.data.locate import datasets_root

    return datasets_root().parent / "groove" / f"pairs-v{FORMAT_VERSION}"


def groove_tasks(sources=("debian", "mma"), midi_dir: Path | None = None, style: str | None = None,
                 cache_dir: Path | None = None, limit: int | None = None) -> list[dict]:
    """The tasks the corpus builder reads (bridge.data.sources, debian, mma), for the played sources."""
    from bridge.data.debian import debian_tasks, fetch_packages
    from bridge.data.mma import list_grooves
    from bridge.data.sources import user_tasks

    if midi_dir is not None:
        return user_tasks(midi_dir, style or "user")[:limit]
    tasks = []
    if "debian" in sources:
        from bridge.data.cache import default_cache_dir

        root = fetch_packages(cache_dir or default_cache_dir())
        tasks += debian_tasks(root)[:limit] if limit else debian_tasks(root)
    if "mma" in sources:
        tasks += list_grooves()[:limit] if limit else list_grooves()
    return tasks
