"""A fake of REAPER's `gfx` (the script's one graphics window), for the progress window.

`gfx` is a Lua table: its variables (`x`, `y`, `w`, `h`, `mouse_x`, `mouse_y`, `mouse_cap`, the
colour) are plain fields the script reads and writes, and its functions answer from FakeGfx;
any other name raises, as for `reaper`. Each `gfx.update()` ends a frame: what was drawn is
kept in `frames` (("text", s, x, y) and ("rect", x, y, w, h, filled)), and `on_frame(gfx)`, if a
test set one, runs then, so a test can look at the window and move or press the mouse for the
next frame (`press`, `release`, `close`, `key`).

`gfx.showmenu(str)` (a popup menu at gfx.x, gfx.y) answers from `menu_answers`, one per menu:
the entry's number from 1, 0 for nothing chosen, or a function of the parsed entries that
returns one. Each menu is kept in `menus` as a list of {"text", "checked", "greyed"}. The
fake follows REAPER's documented syntax (fields split on "|"; a leading "#" greys an entry
out, "!" checks it) and refuses separators (empty fields) and submenus (">", "<"), whose
effect on the numbering the scripts do not rely on, and a greyed entry as an answer.
"""

from __future__ import annotations

import re

from .api import FakeApiError

INSTALL = """
local lookup, report = ...
gfx = setmetatable({ x = 0, y = 0, w = 0, h = 0, r = 1, g = 1, b = 1, a = 1,
                     mouse_x = 0, mouse_y = 0, mouse_cap = 0 }, {
  __index = function(_, name)
    local f = lookup(name)
    if f == nil then
      report("gfx." .. tostring(name))
      error("fake gfx: gfx." .. tostring(name) .. " is not faked", 2)
    end
    return f
  end,
})
"""

CHAR_WIDTH, LINE_HEIGHT = 7, 14  # measurestr: a fixed-width font


class FakeGfx:
    FUNCTIONS = ("init", "getchar", "update", "quit", "set", "rect", "drawstr", "measurestr", "setfont",
                 "showmenu", "screentoclient")

    def __init__(self, lua, missing: list):
        lua.execute(INSTALL, self._lookup, missing.append)
        self.table = lua.globals().gfx
        self.is_open = False
        self.inits: list[tuple] = []  # (title, w, h) per gfx.init
        self.quits = 0
        self.frames: list[list[tuple]] = []
        self._drawing: list[tuple] = []
        self.chars: list[int] = []  # what the next getchar calls return (then 0)
        self.on_frame = None
        self.menus: list[list[dict]] = []  # every menu shown, parsed
        self.menu_at: list[tuple] = []  # (gfx.x, gfx.y) when each menu was shown
        self.menu_answers: list = []  # what the user picks in each menu: a number, or a function

    def _lookup(self, name):
        return getattr(self, "_" + name) if name in self.FUNCTIONS else None

    def _need_open(self, what):
        if not self.is_open:
            raise FakeApiError(f"gfx.{what} with no window open (gfx.init first)")

    # ---- the API ----------------------------------------------------------------------------

    def _init(self, title, w=0, h=0, dock=0, x=None, y=None):
        if not isinstance(title, str) or self.is_open:
            raise FakeApiError(f"gfx.init(title, w, h): one window per script, got {title!r} (open: {self.is_open})")
        self.is_open = True
        self.inits.append((title, w, h))
        self.table.w, self.table.h = w, h
        self.window_x, self.window_y = x or 0, y or 0
        return 1

    def _getchar(self, char=None):
        if not self.is_open:
            return -1
        if self.chars:
            c = self.chars.pop(0)
            if c == -1:
                self.is_open = False  # the user closed the window
            return c
        return 0

    def _update(self):
        self._need_open("update")
        self.frames.append(self._drawing)
        self._drawing = []
        if self.on_frame:
            self.on_frame(self)

    def _quit(self):
        self.is_open = False
        self.quits += 1

    def _set(self, r, g=None, b=None, a=1, mode=None, dest=None):
        self.table.r, self.table.g, self.table.b, self.table.a = r, r if g is None else g, r if b is None else b, a

    def _rect(self, x, y, w, h, filled=1):
        self._need_open("rect")
        self._drawing.append(("rect", x, y, w, h, bool(filled)))

    def _drawstr(self, s, flags=None, right=None, bottom=None):
        self._need_open("drawstr")
        self._drawing.append(("text", str(s), self.table.x, self.table.y))

    def _measurestr(self, s):
        return CHAR_WIDTH * len(str(s)), LINE_HEIGHT

    def _setfont(self, idx, face=None, size=None, flags=None):
        return None

    def _screentoclient(self, x, y):
        self._need_open("screentoclient")
        return x - self.window_x, y - self.window_y

    def _showmenu(self, menu):
        self._need_open("showmenu")
        if not isinstance(menu, str) or menu == "":
            raise FakeApiError(f"gfx.showmenu(str): a menu string, got {menu!r}")
        entries = []
        for field in menu.split("|"):
            if field == "" or field[:1] in "<>":
                raise FakeApiError(f"gfx.showmenu: separators and submenus are not faked: {menu!r}")
            flags = re.match(r"[#!]*", field).group(0)
            entries.append({"text": field[len(flags):], "checked": "!" in flags, "greyed": "#" in flags})
        self.menus.append(entries)
        self.menu_at.append((self.table.x, self.table.y))
        if not self.menu_answers:
            raise FakeApiError(f"a menu opened but the test scripted no answer: {[e['text'] for e in entries]}")
        answer = self.menu_answers.pop(0)
        if callable(answer):
            answer = answer(entries)
        if not (isinstance(answer, int) and 0 <= answer <= len(entries)):
            raise FakeApiError(f"menu answer {answer!r} for {len(entries)} entries")
        if answer and entries[answer - 1]["greyed"]:
            raise FakeApiError(f"a user cannot choose the greyed-out entry {entries[answer - 1]['text']!r}")
        return answer

    # ---- test helpers ---------------------------------------------------------------------

    def menu_texts(self, index=-1) -> list[str]:
        return [e["text"] for e in self.menus[index]]

    def texts(self, frame) -> list[str]:
        return [d[1] for d in frame if d[0] == "text"]

    def where(self, frame, text):
        """The middle of a drawn text (where a user would click it), or None."""
        for d in frame:
            if d[0] == "text" and d[1] == text:
                w, h = self._measurestr(text)
                return d[2] + w / 2, d[3] + h / 2
        return None

    def press(self, x, y):
        self.table.mouse_x, self.table.mouse_y, self.table.mouse_cap = x, y, 1

    def release(self):
        self.table.mouse_cap = 0

    def close(self):
        self.chars.append(-1)

    def key(self, char: int):
        self.chars.append(char)
