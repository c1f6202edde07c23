"""Where datasets live and which one a command means: the user's datasets folder, the newest
dataset in it, and a fingerprint that tells whether a dataset changed since a model saw it.

Standard library only (platformdirs is imported when asked), so the CLI can import this while
staying fast.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def datasets_root() -> Path:
    """The user data dir's datasets/ folder, where `cadenza data build` writes by default."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cadenza")) / "datasets"


def newest_dataset(root: Path | None = None) -> Path | None:
    """The dataset folder (one holding manifest.json) under `root` written last, or None."""
    root = root or datasets_root()
    if not root.is_dir():
        return None
    found = [p.parent for p in root.glob("*/manifest.json")]
    return max(found, key=lambda p: (p / "manifest.json").stat().st_mtime) if found else None


def dataset_fingerprint(ds) -> str:
    """A short hash of a `Dataset`'s clip table (labels, splits, note offsets): `cadenza eval`
    warns when a model is scored on a dataset that changed since it was trained (its splits may
    overlap). ndarray.tobytes() is C-ordered whatever the memory layout."""
    return hashlib.sha1(ds.clips.tobytes()).hexdigest()[:16]
