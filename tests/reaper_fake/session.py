"""Run REAPER Lua scripts under Lua 5.4 (lupa) against the fake API.

`reaper` is a Lua table whose metatable `__index` answers from `FakeReaper` and raises for
any API that is not faked (the name is also recorded, since a script may catch the error).
`run_script` runs an action like REAPER does, then drives the deferred-function queue the way
REAPER's UI loop would, tick by tick, until it drains. The clock the scripts read
(`time_precise`) follows real time, optionally sped up, so a timeout can be tested without
waiting for it. `gfx` (the progress window) is faked the same way, in gfx.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from lupa.lua54 import LuaError, LuaRuntime

from .api import FakeReaper
from .gfx import FakeGfx

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "reaper_scripts" / "Cadenza"

INSTALL = """
local lookup, report = ...
reaper = setmetatable({}, {
  __index = function(_, name)
    local f = lookup(name)
    if f == nil then
      report(name)
      error("fake reaper: reaper." .. tostring(name) .. " is not faked", 2)
    end
    return f
  end,
  __newindex = function(_, name) error("scripts must not assign reaper." .. tostring(name), 2) end,
})
"""

# The scripts delete their answer files as soon as they have read them; copy each one before
# it goes (a copy taken only between UI ticks can miss a file written and read within one).
KEEP_ANSWERS = """
local before = ...
local remove = os.remove
os.remove = function(path, ...)
  before()
  return remove(path, ...)
end
"""


class ReaperSession:
    def __init__(self, workdir, os_name: str = "Other", tempo_map=None):
        self.api = FakeReaper(workdir, os_name, tempo_map)
        self.lua = LuaRuntime(unpack_returned_tuples=True)
        self.lua.execute(INSTALL, self._lookup, self.api.missing.append)
        self.lua.execute(KEEP_ANSWERS, self.api.capture_answers)
        self.gfx = FakeGfx(self.lua, self.api.missing)
        self.tick_seconds = 0.01  # real time between UI ticks
        self.clock_speed = 1.0  # simulated seconds per real second
        self.ticks = 0
        self.api_errors: list[str] = []

    def _lookup(self, name):
        if not isinstance(name, str) or name.startswith("_") or not hasattr(self.api, name):
            return None
        attr = getattr(self.api, name)
        if not callable(attr) or not (name[0].isupper() or name in ("defer", "time_precise", "file_exists")):
            return None

        def call(*args):
            try:
                return attr(*args)
            except Exception as exc:  # recorded: a script's pcall must not hide a bad call
                self.api_errors.append(f"reaper.{name}{args!r}: {exc}")
                raise

        return call

    def run_script(self, path, max_seconds: float = 60.0) -> None:
        """Run a script file like REAPER does, then drain the deferred queue."""
        path = Path(path)
        if not path.is_absolute():
            path = SCRIPTS / path
        try:
            self.lua.globals().dofile(str(path))
        except LuaError as exc:
            raise AssertionError(f"Lua error in {path.name}: {exc}") from None
        self.pump(max_seconds)
        assert not self.api.missing, f"scripts called APIs the fake lacks: {self.api.missing}"
        assert not self.api_errors, "bad API calls:\n" + "\n".join(self.api_errors)
        assert self.api.undo_depth == 0, "an undo block was left open"
        assert self.api.ui_refresh == 0, "PreventUIRefresh calls are not balanced"
        assert not self.gfx.is_open, "the progress window was left open"

    def pump(self, max_seconds: float = 60.0) -> None:
        """Run deferred functions tick by tick until none is queued."""
        start = last = time.monotonic()
        while self.api.deferred:
            if time.monotonic() - start > max_seconds:
                raise AssertionError(f"deferred functions still running after {max_seconds} s")
            time.sleep(self.tick_seconds)
            now = time.monotonic()
            self.api.clock += (now - last) * self.clock_speed
            last = now
            self.api.capture_answers()
            queue, self.api.deferred = self.api.deferred, []
            self.ticks += 1
            for fn in queue:
                try:
                    fn()
                except LuaError as exc:
                    raise AssertionError(f"Lua error in a deferred function: {exc}") from None

    def lua_call(self, code: str, *args):
        """Evaluate a Lua function expression and call it (for unit tests of the library)."""
        return self.lua.eval(code)(*args)

    def close(self) -> None:
        for p in self.api.processes:
            if p.poll() is None:
                p.kill()
            p.wait(5)
