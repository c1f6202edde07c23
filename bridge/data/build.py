"""`cadenza data build`: tasks -> (cache or worker pool) -> split -> dataset folder.

Parsing and labelling happen per source file in a process pool (every core by default);
results are cached per file, so a rebuild with nothing changed only reads the cache, splits
and writes. A broken file costs one warning line and is counted in the summary.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bridge.data.cache import ParseCache, default_cache_dir, encode, task_key
from bridge.data.catalog import BUILDER_VERSION, LICENCES, licence_allowed
from bridge.data.dataset import FORMAT_VERSION, ClipRow, Dataset, save_dataset
from bridge.data.locate import datasets_root
from bridge.data.sources import SOURCE_NAMES, music21_tasks, process_task, user_tasks
from bridge.data.split import split_pieces


def default_out_dir(licence: str, user_style: str | None = None) -> Path:
    name = f"v{FORMAT_VERSION}-user-{user_style}" if user_style else f"v{FORMAT_VERSION}-{licence}"
    return datasets_root() / name


@dataclass
class BuildConfig:
    out: Path | None = None
    licence: str = "permissive"  # "permissive" | "all"
    sources: tuple[str, ...] = SOURCE_NAMES  # music21, debian, mma (ignored with midi_dir)
    midi_dir: Path | None = None  # a user's folder: only it is built
    style: str | None = None  # the style label of midi_dir's pieces
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_dir: Path | None = field(default_factory=default_cache_dir)  # None: no cache
    progress: bool = True
    music21_collections: tuple[str, ...] | None = None  # restrict (tests, quick builds)
    limit: int | None = None  # at most this many tasks per source (quick builds)

    def validate(self) -> "BuildConfig":
        licence_allowed("user", self.licence)  # raises on a bad filter name
        unknown = set(self.sources) - set(SOURCE_NAMES)
        if unknown:
            raise ValueError(f"unknown source(s) {sorted(unknown)}; allowed: {', '.join(SOURCE_NAMES)}")
        if self.midi_dir is not None and not self.style:
            raise ValueError("--midi needs --style NAME (the style label of your pieces)")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        return self


@dataclass
class BuildResult:
    dataset: Dataset
    seconds: float
    tasks: int
    cached: int
    broken: list[str]


def collect_tasks(cfg: BuildConfig) -> list[dict]:
    if cfg.midi_dir is not None:
        return user_tasks(cfg.midi_dir, cfg.style)
    tasks: list[dict] = []
    if "music21" in cfg.sources:
        tasks += music21_tasks(cfg.music21_collections)[: cfg.limit]
    if "debian" in cfg.sources:
        from bridge.data.debian import debian_tasks, fetch_packages

        root = fetch_packages(cfg.cache_dir or default_cache_dir())
        tasks += debian_tasks(root)[: cfg.limit]
    if "mma" in cfg.sources:
        from bridge.data.mma import list_grooves

        tasks += list_grooves()[: cfg.limit]
    return [t for t in tasks if licence_allowed(t["licence"], cfg.licence)]


def _work(item: tuple[int, dict, str | None]) -> tuple[int, bytes | None, str | None]:
    i, task, cache_folder = item
    try:
        data = encode(process_task(task))
    except Exception as exc:  # any reader failure: the file is broken, the build goes on
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return i, None, msg
    if cache_folder:
        ParseCache(Path(cache_folder)).put(task_key(task), data)
    return i, data, None


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="parsing", unit="file", disable=not enabled, file=sys.stderr,
                dynamic_ncols=True)


def build(cfg: BuildConfig) -> BuildResult:
    from bridge.data.cache import decode

    cfg.validate()
    t0 = time.time()
    out = Path(cfg.out) if cfg.out else default_out_dir(cfg.licence, cfg.style if cfg.midi_dir else None)
    tasks = collect_tasks(cfg)
    cache = ParseCache(cfg.cache_dir)
    results: list[dict | None] = [None] * len(tasks)
    todo = []
    for i, t in enumerate(tasks):
        hit = cache.get(task_key(t))
        if hit is None:
            todo.append((i, t, str(cfg.cache_dir) if cfg.cache_dir else None))
        else:
            results[i] = hit
    broken: list[str] = []
    bar = _progress(len(tasks), cfg.progress)
    bar.update(len(tasks) - len(todo))
    if todo:
        if cfg.workers > 1 and len(todo) > 1:
            import multiprocessing as mp

            ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with ctx.Pool(min(cfg.workers, len(todo))) as pool:
                for i, data, err in pool.imap_unordered(_work, todo, chunksize=1):
                    _collect(i, data, err, tasks, results, broken, bar, decode)
        else:
            for item in todo:
                _collect(*_work(item), tasks, results, broken, bar, decode)
    bar.close()
    dataset = _assemble(out, tasks, results, cfg, broken, t0)
    return BuildResult(dataset, time.time() - t0, len(tasks), len(tasks) - len(todo), broken)


def _collect(i, data, err, tasks, results, broken, bar, decode) -> None:
    if err is not None:
        line = f"skipped {tasks[i]['path']}: {err}"
        broken.append(line)
        bar.write(f"warning: {line}", file=sys.stderr)
    else:
        results[i] = decode(data)
    bar.update(1)


def _assemble(out: Path, tasks, results, cfg: BuildConfig, broken: list[str], t0: float) -> Dataset:
    from bridge.data.stats import manifest_counts

    pieces: list[dict] = []
    rows: list[ClipRow] = []
    seen: set[str] = set()
    for task, res in zip(tasks, results):
        if res is None:
            continue
        local = {}
        for j, p in enumerate(res["pieces"]):
            if not licence_allowed(p["licence"], cfg.licence) or p["id"] in seen:
                continue  # a rights notice inside the file, or a duplicate id
            seen.add(p["id"])
            local[j] = len(pieces)
            pieces.append(dict(p))
        for c in res["clips"]:
            if c["piece"] in local:
                rows.append(ClipRow(split="", **{**c, "piece": local[c["piece"]]}))
    splits = split_pieces(pieces)
    for p in pieces:
        p["split"] = splits[p["id"]]
    for r in rows:
        r.split = pieces[r.piece]["split"]
    styles = sorted({p["style"] for p in pieces})
    manifest = {
        "version": out.name,
        "builder_version": BUILDER_VERSION,
        "licence_filter": cfg.licence,
        "sources": [str(cfg.midi_dir)] if cfg.midi_dir else list(cfg.sources),
        "styles": styles,
        "licences": {k: {"class": LICENCES[k][0], "statement": LICENCES[k][1]}
                     for k in sorted({p["licence"] for p in pieces})},
        "broken_files": broken,
        "pieces": pieces,
    }
    manifest["counts"] = manifest_counts(rows, pieces)
    manifest["build_seconds"] = round(time.time() - t0, 1)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    save_dataset(tmp, rows, manifest)
    if out.exists():
        old = out.with_name(out.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(out)
    return Dataset.load(out)
