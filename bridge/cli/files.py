"""Writing an answer file atomically: a DAW script polls for `--out` and must never read half a
file, so every file the CLI hands over is written beside its target and renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, text: str | None = None, writer=None, parents: bool = True) -> None:
    """Write `text` (or call `writer(tmp_path)`) to a temporary file in `path`'s folder, then
    rename it over `path`; nothing is left behind on failure. parents: create missing folders."""
    path = Path(path)
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cadenza-", suffix=path.suffix, dir=str(path.parent))
    os.close(fd)
    try:
        if writer is not None:
            writer(tmp)
        else:
            Path(tmp).write_text(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the answer is a normal file of the user's
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    """The process's umask (reading it means setting it; put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
