"""The parse cache: one small .npz per source file, holding its labelled clips.

The key is a hash of the task (what to read and how to label it), the file's size and
mtime, and catalog.BUILDER_VERSION; a rebuild with nothing changed only reads these files.
Writes go to a temporary name and are renamed, so an interrupted build leaves no half file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from bridge.data.catalog import BUILDER_VERSION


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("cadenza")) / "data"


def task_key(task: dict) -> str:
    path = task.get("wad") or task["path"]
    try:
        st = os.stat(path)
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "missing"
    blob = json.dumps({"task": task, "file": stamp, "builder": BUILDER_VERSION}, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()


def encode(result: dict) -> bytes:
    """{"pieces": [meta], "clips": [labels + "notes"]} -> bytes."""
    clips = result["clips"]
    labels = [{k: v for k, v in c.items() if k != "notes"} for c in clips]
    counts = np.array([len(c["notes"]) for c in clips], dtype=np.int64)
    notes = np.concatenate([c["notes"] for c in clips]) if clips else np.zeros((0, 4), np.int32)
    meta = json.dumps({"pieces": result["pieces"], "clips": labels}).encode()
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.frombuffer(meta, dtype=np.uint8), counts=counts,
                        notes=notes.astype(np.int32))
    return buf.getvalue()


def decode(data: bytes) -> dict:
    z = np.load(io.BytesIO(data), allow_pickle=False)
    meta = json.loads(z["meta"].tobytes().decode())
    offsets = np.concatenate([[0], np.cumsum(z["counts"])]).astype(np.int64)
    notes = z["notes"]
    for i, c in enumerate(meta["clips"]):
        c["notes"] = notes[offsets[i]:offsets[i + 1]]
    return meta


class ParseCache:
    def __init__(self, folder: Path | None):
        self.folder = Path(folder) / "parsed" if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npz"

    def get(self, key: str) -> dict | None:
        if not self.folder:
            return None
        p = self._path(key)
        if not p.exists():
            return None
        try:
            return decode(p.read_bytes())
        except Exception:  # a damaged cache file is a cache miss, never a failed build
            return None

    def put(self, key: str, data: bytes) -> None:
        if not self.folder:
            return
        p = self._path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, p)
