"""MIDI that ships inside Debian packages: fetch (apt-get download), unpack (dpkg-deb -x), list.

Nothing is installed: the .deb files go to a cache folder and are unpacked under it
(scripts/fetch_debian_midi.sh does the same from a shell). Freedoom keeps its songs as
`D_*` lumps inside the .wad files; `wad_midi_lumps` pulls them out.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import shutil
import struct
import subprocess
from pathlib import Path

from bridge.data.catalog import DEBIAN_PACKAGES

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    pass


def unpacked_root(cache_dir: Path) -> Path:
    return Path(cache_dir) / "debian" / "root"


def fetch_packages(cache_dir: Path, packages=tuple(DEBIAN_PACKAGES)) -> Path:
    """Download and unpack the packages not unpacked yet; return the unpacked root."""
    debs = Path(cache_dir) / "debian" / "debs"
    root = unpacked_root(cache_dir)
    debs.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    for pkg in packages:
        marker = root / f".{pkg}.unpacked"
        if marker.exists():
            continue
        found = sorted(debs.glob(f"{pkg}_*.deb"))
        if not found:
            if not shutil.which("apt-get"):
                raise FetchError(f"apt-get not found: cannot download {pkg}; run scripts/fetch_debian_midi.sh on Debian")
            res = subprocess.run(["apt-get", "download", pkg], cwd=debs, capture_output=True, text=True)
            found = sorted(debs.glob(f"{pkg}_*.deb"))
            if not found:
                raise FetchError(f"apt-get download {pkg} failed: {res.stderr.strip()[-300:]} "
                                 "(try `apt-get update` first)")
        subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(root)], check=True)
        marker.write_text(found[-1].name)
    return root


def package_files(root: Path, package: str) -> list[Path]:
    pattern = DEBIAN_PACKAGES[package][2]
    return sorted(Path(p) for p in glob.glob(str(Path(root) / pattern)))


def wad_midi_lumps(path: Path) -> list[tuple[str, bytes]]:
    """(lump name, MIDI bytes) of every `D_*` music lump stored as MIDI in a Doom WAD.

    Header: 4-byte magic (IWAD/PWAD), int32 lump count, int32 directory offset; each 16-byte
    directory entry is int32 offset, int32 size, 8-byte NUL-padded name.
    """
    data = Path(path).read_bytes()
    magic, count, diroff = struct.unpack_from("<4sii", data, 0)
    if magic not in (b"IWAD", b"PWAD"):
        raise ValueError(f"{path} is not a WAD file (magic {magic!r})")
    out = []
    for i in range(count):
        off, size, raw = struct.unpack_from("<ii8s", data, diroff + 16 * i)
        name = raw.rstrip(b"\0").decode("ascii", "replace")
        lump = data[off:off + size]
        if name.startswith("D_") and lump[:4] == b"MThd":
            out.append((name, lump))
    return out


def debian_tasks(root: Path, packages=tuple(DEBIAN_PACKAGES)) -> list[dict]:
    """Build tasks for every MIDI song in the unpacked packages (WAD lumps deduplicated)."""
    tasks, seen = [], set()
    for pkg in packages:
        style, licence, _ = DEBIAN_PACKAGES[pkg]
        for f in package_files(root, pkg):
            if f.suffix.lower() == ".wad":
                for name, lump in wad_midi_lumps(f):
                    digest = hashlib.sha1(lump).hexdigest()
                    if digest in seen:
                        continue  # freedoom1 and freedoom2 share songs
                    seen.add(digest)
                    tasks.append({"kind": "midi-bytes", "path": f"{f}#{name}", "wad": str(f), "lump": name,
                                  "id": f"{pkg}/{name}", "source": pkg, "style": style, "licence": licence,
                                  "stamp": digest})
            else:
                tasks.append({"kind": "midi", "path": str(f), "id": f"{pkg}/{f.name}", "source": pkg,
                              "style": style, "licence": licence})
    return tasks


def lump_bytes(wad: str, lump: str) -> bytes:
    for name, data in wad_midi_lumps(Path(wad)):
        if name == lump:
            return data
    raise ValueError(f"lump {lump} not found in {wad}")
