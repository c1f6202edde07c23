"""Tasks: what to read. One task is one source file (or one WAD lump, or one MMA groove);
`process_task` reads it and labels it, in a worker process.

A task is a plain dict (kind, path, id, source, style, licence, ...) so it pickles to the
workers and hashes into the cache key.
"""

from __future__ import annotations

from pathlib import Path

from bridge.data.catalog import ESSEN_STYLE_BY_PREFIX, MUSIC21_COLLECTIONS, MUSIC21_SKIP_PARTS
from bridge.data.clean import clean_piece
from bridge.data.labels import piece_clips

SOURCE_NAMES = ("music21", "debian", "mma")
NOTATION_SUFFIXES = (".abc", ".mxl", ".xml", ".musicxml", ".krn")
MIDI_SUFFIXES = (".mid", ".midi", ".kar")


def music21_tasks(collections=None) -> list[dict]:
    """Tasks for the music21 corpus folders in catalog.MUSIC21_COLLECTIONS."""
    from music21 import corpus

    root = Path(corpus.getCorePaths()[0]).parent
    while root.name != "corpus" and root != root.parent:
        root = root.parent
    paths = sorted(Path(p) for p in corpus.getPaths())
    stems = {(p.parent, p.name.split(".")[0]) for p in paths if p.suffix != ".krn"}
    tasks = []
    for p in paths:
        rel = p.relative_to(root)
        coll = rel.parts[0]
        if coll not in MUSIC21_COLLECTIONS or (collections and coll not in collections):
            continue
        if p.suffix.lower() not in NOTATION_SUFFIXES or any(s in str(rel) for s in MUSIC21_SKIP_PARTS):
            continue
        style, licence, texture = MUSIC21_COLLECTIONS[coll]
        if p.suffix == ".krn" and coll != "palestrina":
            if (p.parent, p.name.split(".")[0]) in stems:
                continue  # the same movement is there as MusicXML
            licence = "ccarh-reserved"
        if coll == "essenFolksong":
            style = next((s for pre, s in ESSEN_STYLE_BY_PREFIX.items() if p.stem.startswith(pre)), style)
            if p.stem.startswith("test"):
                continue
        tasks.append({"kind": "music21", "path": str(p), "id": f"music21/{rel.with_suffix('')}",
                      "source": "music21", "style": style, "licence": licence, "texture": texture,
                      "merge": coll == "josquin", "group_by": _group_by(coll, rel)})
    return tasks


def _group_by(coll: str, rel: Path) -> str | None:
    """Movements of one quartet share a split group, so no quartet is in two splits."""
    if coll in ("beethoven", "mozart", "haydn") and len(rel.parts) > 2:
        return f"music21/{rel.parent}"
    return None


def user_tasks(folder: Path, style: str) -> list[dict]:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"--midi must be a folder of MIDI/ABC/MusicXML files, got {folder}")
    tasks = []
    for p in sorted(folder.rglob("*")):
        suf = p.suffix.lower()
        if not p.is_file() or suf not in MIDI_SUFFIXES + NOTATION_SUFFIXES:
            continue
        rel = p.relative_to(folder)
        kind = "midi" if suf in MIDI_SUFFIXES else "music21"
        tasks.append({"kind": kind, "path": str(p), "id": f"user/{rel}", "source": "user", "style": style,
                      "licence": "user", "texture": None, "merge": False, "group_by": None})
    return tasks


def read_task(task: dict) -> list:
    """The Pieces of one task (raises on a broken file)."""
    from bridge.data.readers import read_midi, read_music21

    kind = task["kind"]
    common = {"piece_id": task["id"], "source": task["source"], "style": task["style"],
              "licence": task["licence"]}
    if kind == "music21":
        pieces = read_music21(task["path"], texture=task.get("texture"), merge_scores=task.get("merge", False),
                              **common)
        if task.get("group_by"):
            for p in pieces:
                p.group = task["group_by"]
        return pieces
    if kind == "midi":
        return read_midi(task["path"], **common)
    if kind == "midi-bytes":
        from bridge.data.debian import lump_bytes

        return read_midi(task["path"], data=lump_bytes(task["wad"], task["lump"]), title=task["lump"], **common)
    if kind == "mma":
        from bridge.data.mma import render_groove

        return render_groove(task)
    raise ValueError(f"unknown task kind {kind!r}")


def process_task(task: dict) -> dict:
    """Read and label one task: {"pieces": [meta], "clips": [labels + notes]} with each
    clip's "piece" the index into this task's pieces."""
    pieces = read_task(task)
    metas, clips = [], []
    for piece in pieces:
        pclips = piece_clips(clean_piece(piece))
        if not pclips:
            continue
        for c in pclips:
            c["piece"] = len(metas)
        clips.extend(pclips)
        metas.append({"id": piece.id, "title": piece.title, "source": piece.source, "path": piece.path,
                      "style": piece.style, "licence": piece.licence, "group": piece.group,
                      "dynamics": piece.dynamics, "tempo_stated": piece.tempo is not None,
                      **({"rights": piece.rights} if piece.rights else {})})
    return {"pieces": metas, "clips": clips}
