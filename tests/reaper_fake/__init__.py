"""A fake REAPER for testing the Cadenza ReaScripts under Lua 5.4 (lupa): see session.py."""

from .api import FakeApiError, FakeReaper, split_command_line, split_windows_command_line
from .gfx import FakeGfx
from .project import Item, Note, Take, Track
from .session import REPO, SCRIPTS, ReaperSession
from .timemap import TempoMap

__all__ = ["FakeApiError", "FakeGfx", "FakeReaper", "Item", "Note", "REPO", "ReaperSession", "SCRIPTS", "Take",
           "TempoMap", "Track", "split_command_line",
           "split_windows_command_line"]
