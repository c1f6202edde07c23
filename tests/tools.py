"""The outside programs the tests drive, and the Debian package each one comes from.

A test that needs one asks for it with `need("mma")` (inside a test or fixture) or the
`needs("mma")` decorator; where the program is missing the test SKIPs with one line that names the
package to install, and conftest.py's summary lists every such skip by package. scripts/test.sh
installs them all where it may (root or sudo); .ci/run calls it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# program (or file) -> Debian package that provides it
TOOL_PACKAGES = {
    "mma": "mma",
    "oscsend": "liblo-tools",
    "oscdump": "liblo-tools",
    "pd": "puredata-core",
    "luac5.4": "lua5.4",
    "lua5.4": "lua5.4",
    "fluidsynth": "fluidsynth",
    "sclang": "supercollider-language",
    "node": "nodejs",
    "npm": "npm",
}
GM_SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")  # Debian's fluid-soundfont-gm
FILE_PACKAGES = {str(GM_SOUNDFONT): "fluid-soundfont-gm"}
SKIP_PREFIX = "missing Debian package"  # every skip reason starts with it; conftest groups on it


def missing_reason(tool: str, why: str = "") -> str | None:
    """None when `tool` (a program on PATH, or a file path) is there; else the one-line reason."""
    if tool in FILE_PACKAGES:
        if Path(tool).is_file():
            return None
        package = FILE_PACKAGES[tool]
    else:
        if shutil.which(tool):
            return None
        package = TOOL_PACKAGES.get(tool, tool)
    return f"{SKIP_PREFIX} {package} (no {tool}; apt-get install {package}){': ' + why if why else ''}"


def need(*tools: str, why: str = "") -> None:
    """Skip the calling test (or fixture) when one of `tools` is missing."""
    for tool in tools:
        reason = missing_reason(tool, why)
        if reason:
            pytest.skip(reason)


def needs(*tools: str, why: str = ""):
    """The decorator form of `need`."""
    reason = next(filter(None, (missing_reason(t, why) for t in tools)), None)
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def tool(name: str) -> str:
    """The program's path, skipping the test when it is missing."""
    need(name)
    return shutil.which(name)
