"""The fake `reaper` API: the subset the Cadenza actions call, with REAPER's signatures.

Every method named like REAPER's is reachable from Lua; anything else raises (see session.py).
Arguments are checked the way a careless script would be caught: handles must be alive and of
the right kind, MIDI values integers in range. Each change to the project is recorded with
the undo-block depth it happened at, so a test can tell that an action changed the project
only inside one named undo block. `ExecProcess` really starts the program (no shell, the
command line split the way REAPER splits it on macOS and Linux) and returns at once. The
actions start the CLI through a launcher (`/bin/sh run.sh`, or on Windows `wscript.exe //B
run.vbs`); `/bin/sh` runs for real, and `wscript.exe` is played by `run_vbs_launcher`, which
understands exactly the statements a launcher uses and refuses anything else.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading

from .project import ChunkError, Item, Note, Take, Track, item_chunk, parse_item_chunk
from .timemap import TempoMap


LAUNCHER_COMMAND = re.compile(r"^[#'] command: (.*)$", re.M)


class FakeApiError(AssertionError):
    """A script called the API in a way REAPER would reject or that the actions must not do."""


def split_command_line(cmd: str) -> list[str]:
    """REAPER's own split on macOS/Linux: spaces separate, '...', "..." and `...` group, and
    every other character (backslashes too) is literal."""
    args, cur, quote, has = [], [], None, False
    for ch in cmd:
        if quote:
            if ch == quote:
                quote = None
            else:
                cur.append(ch)
        elif ch in "'\"`":
            quote, has = ch, True
        elif ch == " ":
            if cur or has:
                args.append("".join(cur))
            cur, has = [], False
        else:
            cur.append(ch)
    if quote:
        raise FakeApiError(f"unbalanced quote in command line: {cmd}")
    if cur or has:
        args.append("".join(cur))
    return args


def split_windows_command_line(cmd: str) -> list[str]:
    """How a Windows program's C runtime splits the command line CreateProcess hands it:
    spaces separate outside "...", and backslashes escape only a double quote after them."""
    args, i, n = [], 0, len(cmd)
    while i < n:
        while i < n and cmd[i] in " \t":
            i += 1
        if i >= n:
            break
        arg, inq = [], False
        while i < n and (inq or cmd[i] not in " \t"):
            if cmd[i] == "\\":
                j = i
                while j < n and cmd[j] == "\\":
                    j += 1
                if j < n and cmd[j] == '"':
                    arg.append("\\" * ((j - i) // 2))
                    if (j - i) % 2:
                        arg.append('"')
                        j += 1
                    i = j
                else:
                    arg.append("\\" * (j - i))
                    i = j
            elif cmd[i] == '"':
                inq = not inq
                i += 1
            else:
                arg.append(cmd[i])
                i += 1
        args.append("".join(arg))
    return args


def _check(cond, message):
    if not cond:
        raise FakeApiError(message)


def _int(v, lo, hi, what):
    _check(isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi,
           f"{what} must be an integer from {lo} to {hi}, got {v!r}")
    return v


def _num(v, what):
    _check(isinstance(v, (int, float)) and not isinstance(v, bool), f"{what} must be a number, got {v!r}")
    return float(v)


class FakeReaper:
    def __init__(self, workdir, os_name: str = "Other", tempo_map: TempoMap | None = None):
        self.workdir = str(workdir)
        self.os_name = os_name
        self.tempo = tempo_map or TempoMap()
        self.tracks: list[Track] = []
        self.cursor = 0.0
        self.mouse = (640, 360)  # screen coordinates, for GetMousePosition
        self.time_sel = (0.0, 0.0)
        self.ext: dict[tuple[str, str], str] = {}
        self.ext_persist: dict[tuple[str, str], bool] = {}
        self.clock = 1000.0
        self.deferred: list = []
        self.messages: list[tuple[str, str]] = []
        self.dialogs: list[tuple[str, str, str]] = []
        self.dialog_answers: list = []  # str answers, or None for Cancel
        self.questions: list[tuple[str, str]] = []  # Yes/No boxes
        self.box_answers: list[str] = []  # "yes" / "no", one per Yes/No box
        self.undo_depth = 0
        self.undo_blocks: list[dict] = []
        self.changes_outside_undo: list[str] = []
        self.ui_refresh = 0
        self.processes: list[subprocess.Popen] = []
        self.commands: list[str] = []  # the cadenza command lines, as a user would type them
        self.launches: list[str] = []  # what ExecProcess was really given
        self.inputs: list[str] = []  # copies of the --in (--a, --b, --context) files the scripts passed, in order
        self.answers: dict[str, str] = {}  # copies of the --out files, as they appeared
        self.watched_outputs: list[str] = []
        self.missing: list[str] = []

    # ---- test helpers ----------------------------------------------------------------------

    def add_track(self, name: str, selected: bool = False, muted: bool = False) -> Track:
        t = Track(name, selected, muted=muted)
        self.tracks.append(t)
        return t

    def add_midi_item(self, track: Track, position: float, length: float, notes=(), name: str = "",
                      selected: bool = False, audio: bool = False) -> Item:
        """notes: (pitch, start_qn_from_item, length_qn, velocity[, channel[, muted]])."""
        item = Item(track, position, length, selected=selected)
        take = Take(name=name, is_midi=not audio, item=item)
        start_qn = self.tempo.time_to_qn(position)
        take.length_ticks = round((self.tempo.time_to_qn(position + length) - start_qn) * 960)
        for n in notes:
            pitch, s, d, v, *rest = n
            chan = rest[0] if rest else 0
            muted = rest[1] if len(rest) > 1 else False
            take.notes.append(Note(round(s * 960), round((s + d) * 960), chan, pitch, v, muted=muted))
        take.notes.sort(key=Note.key)
        item.takes.append(take)
        track.items.append(item)
        return item

    def snapshot(self):
        """Everything an action could change, as plain data (compare before/after)."""
        return (
            tuple((t.name, t.selected, tuple(sorted(t.ext.items())), tuple(
                (round(i.position, 9), round(i.length, 9), i.selected, i.active,
                 tuple((k.name, k.ppq, k.length_ticks, tuple(n.key() for n in k.notes)) for k in i.takes))
                for i in t.items)) for t in self.tracks),
            tuple(sorted(self.ext.items())),
        )

    def _changed(self, what: str) -> None:
        if self.undo_depth > 0:
            self.undo_blocks[-1]["changes"].append(what)
        else:
            self.changes_outside_undo.append(what)

    def _track(self, t) -> Track:
        _check(isinstance(t, Track) and t.alive, f"not a live MediaTrack*: {t!r}")
        return t

    def _item(self, i) -> Item:
        _check(isinstance(i, Item) and i.alive, f"not a live MediaItem*: {i!r}")
        return i

    def _take(self, k) -> Take:
        _check(isinstance(k, Take) and k.alive, f"not a live MediaItem_Take* (stale after a chunk edit?): {k!r}")
        return k

    def _all_items(self):
        return [i for t in self.tracks for i in t.items]

    def _take_origin_qn(self, take: Take) -> float:
        return self.tempo.time_to_qn(take.item.position)

    # ---- platform, clock, UI -----------------------------------------------------------------

    def GetOS(self):
        return self.os_name

    def GetResourcePath(self):
        return self.workdir

    def time_precise(self):
        return self.clock

    def file_exists(self, path):
        return isinstance(path, str) and os.path.isfile(path) and os.access(path, os.R_OK)

    def ShowMessageBox(self, msg, title, kind):
        """kind 0: OK (returns 1); kind 4: Yes/No, answered from `box_answers` ("yes" -> 6,
        "no" -> 7), and recorded in `questions` as well as in `messages`."""
        _check(isinstance(msg, str) and isinstance(title, str) and kind in (0, 4),
               "ShowMessageBox(msg, title, 0 or 4)")
        self.messages.append((title, msg))
        if kind == 0:
            return 1
        self.questions.append((title, msg))
        _check(self.box_answers, f"a Yes/No box opened but the test scripted no answer:\n{msg}")
        return {"yes": 6, "no": 7}[self.box_answers.pop(0)]

    def GetMousePosition(self):
        return self.mouse

    def ShowConsoleMsg(self, msg):
        self.messages.append(("console", msg))

    def defer(self, fn):
        _check(callable(fn), "defer needs a function")
        self.deferred.append(fn)
        return True

    def PreventUIRefresh(self, n):
        self.ui_refresh += _int(n, -1, 1, "PreventUIRefresh")

    def UpdateArrange(self):
        pass

    def GetUserInputs(self, title, num, captions, values):
        caps = [c for c in captions.split(",") if not c.startswith(("separator=", "extrawidth="))]
        sep = next((c[len("separator="):] for c in captions.split(",") if c.startswith("separator=")), ",")
        _check(num == len(caps) and num <= 16, f"GetUserInputs: {num} fields but {len(caps)} captions (max 16)")
        _check(len(values.split(sep)) == num, f"GetUserInputs: {num} fields but values {values!r}")
        self.dialogs.append((title, captions, values))
        _check(self.dialog_answers, "GetUserInputs opened but the test scripted no answer")
        answer = self.dialog_answers.pop(0)
        if callable(answer):
            answer = answer(values)
        return (False, values) if answer is None else (True, answer)

    # ---- ExtState ----------------------------------------------------------------------------

    def HasExtState(self, section, key):
        return (section, key) in self.ext

    def GetExtState(self, section, key):
        return self.ext.get((section, key), "")

    def SetExtState(self, section, key, value, persist):
        _check(all(isinstance(x, str) for x in (section, key, value)) and isinstance(persist, bool),
               "SetExtState(section, key, value: strings, persist: boolean)")
        self.ext[(section, key)] = value
        self.ext_persist[(section, key)] = persist

    # ---- processes ----------------------------------------------------------------------------

    def ExecProcess(self, cmdline, timeout):
        _check(timeout in (-1, -2), f"ExecProcess timeout {timeout}: the actions must never wait (use -1/-2)")
        self.launches.append(cmdline)
        windows = self.os_name.startswith("Win")
        argv = split_windows_command_line(cmdline) if windows else split_command_line(cmdline)
        launcher = None
        if windows and argv and re.search(r"(^|\\)wscript\.exe$", argv[0], re.I):
            _check(argv[1:3] == ["//B", "//Nologo"] and argv[-1].endswith(".vbs"),
                   f"wscript must run a .vbs launcher in batch mode: {cmdline}")
            launcher = argv[-1]
        elif not windows and argv[:1] == ["/bin/sh"] and len(argv) == 2:
            launcher = argv[1]
        if launcher is not None:
            with open(launcher, encoding="utf-8") as f:
                script = f.read()
            shown = LAUNCHER_COMMAND.search(script)
            _check(shown is not None, f"a launcher without its '# command:' line: {launcher}")
            self.commands.append(shown.group(1).rstrip("\r"))
            self._watch(split_windows_command_line(shown.group(1)) if windows else split_command_line(shown.group(1)))
            if windows:
                self.run_vbs_launcher(script)
                return ""
        else:
            self.commands.append(cmdline)
        if not argv or not os.access(argv[0], os.X_OK):
            return None  # REAPER: NULL on total failure
        if launcher is None:
            self._watch(argv)
        log = open(os.path.join(self.workdir, f"process{len(self.processes)}.log"), "w")
        self.processes.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log))
        log.close()
        return ""

    def _watch(self, argv):
        for flag, value in zip(argv, argv[1:]):
            if flag == "--context" and "=" in value:
                value = value.split("=", 1)[1]  # ROLE=FILE
            if flag in ("--in", "--a", "--b", "--context") and os.path.isfile(value):
                with open(value, encoding="utf-8") as f:
                    self.inputs.append(f.read())
            elif flag == "--out":
                self.watched_outputs.append(value)

    def run_vbs_launcher(self, script: str) -> None:
        """wscript.exe running a Cadenza launcher: mark, run the command hidden (window style 0)
        through `cmd.exe /S /C "... 2>err"`, write the exit code, rename it into place."""
        def lit(text):
            return text.replace('""', '"')
        s = r'"((?:[^"]|"")*)"'
        started = re.search(r"^fs\.CreateTextFile\(" + s + r", True\)\.Close\r?$", script, re.M)
        run = re.search(r"^code = sh\.Run\(" + s + r", (\d+), True\)\r?$", script, re.M)
        tmp = re.search(r"^Set f = fs\.CreateTextFile\(" + s + r", True\)\r?$", script, re.M)
        move = re.search(r"^fs\.MoveFile " + s + ", " + s + r"\r?$", script, re.M)
        _check(all((started, run, tmp, move)), f"a .vbs launcher this fake does not understand:\n{script}")
        _check(run.group(2) == "0", "sh.Run must hide the console window (window style 0)")
        line = lit(run.group(1))
        # the error file always quoted; the output file (>"out") only where the output is kept
        m = re.fullmatch(r'cmd\.exe /S /C "(.*?)(?: >"([^"]*)")? 2>"([^"]*)""', line)
        _check(m is not None, f"the launcher must run cmd.exe /S /C \"... 2>\"err\"\": {line}")
        argv = split_windows_command_line(m.group(1))
        out_path, err_path = m.group(2), m.group(3)
        open(lit(started.group(1)), "w").close()
        tmp_path, exit_from, exit_to = lit(tmp.group(1)), lit(move.group(1)), lit(move.group(2))

        def run_it():
            if not argv or not os.access(argv[0], os.X_OK):
                with open(err_path, "w") as err:
                    err.write(f"'{argv[0] if argv else ''}' is not recognized as an internal or external command,\n")
                code = 9009  # what cmd.exe answers for a program it cannot find
            else:
                with open(err_path, "w") as err, open(out_path or os.devnull, "w") as out:
                    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
                    self.processes.append(p)
                    code = p.wait()
            with open(tmp_path, "w") as f:
                f.write(f"{code}\r\n")
            os.replace(exit_from, exit_to)

        threading.Thread(target=run_it, daemon=True).start()

    def capture_answers(self) -> None:
        """Keep a copy of each answer file once it appears (the scripts delete them)."""
        for path in self.watched_outputs:
            if path not in self.answers and os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    self.answers[path] = f.read()

    # ---- undo ---------------------------------------------------------------------------------

    def Undo_BeginBlock(self):
        self.undo_depth += 1
        if self.undo_depth == 1:
            self.undo_blocks.append({"name": None, "changes": []})

    def Undo_EndBlock(self, name, flags):
        _check(self.undo_depth > 0, "Undo_EndBlock without Undo_BeginBlock")
        _check(isinstance(name, str) and isinstance(flags, int), "Undo_EndBlock(name, flags)")
        self.undo_depth -= 1
        if self.undo_depth == 0:
            self.undo_blocks[-1]["name"] = name

    def ValidatePtr2(self, proj, ptr, kind):
        wanted = {"MediaTrack*": Track, "MediaItem*": Item, "MediaItem_Take*": Take}[kind]
        return isinstance(ptr, wanted) and ptr.alive

    # ---- selection, cursor ------------------------------------------------------------------

    def GetSelectedTrack(self, proj, idx):
        sel = [t for t in self.tracks if t.selected]
        return sel[idx] if idx < len(sel) else None

    def GetSelectedMediaItem(self, proj, idx):
        sel = [i for i in self._all_items() if i.selected]
        return sel[idx] if idx < len(sel) else None

    def CountSelectedMediaItems(self, proj):
        return sum(1 for i in self._all_items() if i.selected)

    def SelectAllMediaItems(self, proj, selected):
        for i in self._all_items():
            i.selected = bool(selected)
        self._changed("SelectAllMediaItems")

    def SetMediaItemSelected(self, item, selected):
        self._item(item).selected = bool(selected)
        self._changed("SetMediaItemSelected")

    def GetCursorPosition(self):
        return self.cursor

    def GetSet_LoopTimeRange(self, is_set, is_loop, start, end, allow_autoseek):
        _check(is_set is False, "the actions only read the time selection")
        return self.time_sel

    # ---- tempo map ------------------------------------------------------------------------------

    def TimeMap_GetTimeSigAtTime(self, proj, time):
        return self.tempo.sig_at(_num(time, "time"))

    def TimeMap2_timeToBeats(self, proj, tpos):
        return self.tempo.time_to_beats(_num(tpos, "tpos"))

    def TimeMap2_beatsToTime(self, proj, tpos, measures=None):
        return self.tempo.beats_to_time(_num(tpos, "tpos"), measures)

    def TimeMap2_timeToQN(self, proj, tpos):
        return self.tempo.time_to_qn(_num(tpos, "tpos"))

    def TimeMap2_QNToTime(self, proj, qn):
        return self.tempo.qn_to_time(_num(qn, "qn"))

    # ---- tracks -------------------------------------------------------------------------------

    def CountTracks(self, proj):
        return len(self.tracks)

    def GetTrack(self, proj, idx):
        _int(idx, -(2**31), 2**31, "track index")
        return self.tracks[idx] if 0 <= idx < len(self.tracks) else None

    def InsertTrackAtIndex(self, idx, want_defaults):
        _int(idx, 0, len(self.tracks), "InsertTrackAtIndex index")
        _check(isinstance(want_defaults, bool), "InsertTrackAtIndex(idx, wantDefaults: boolean)")
        self.tracks.insert(idx, Track(""))
        self._changed("InsertTrackAtIndex")

    def GetMediaTrackInfo_Value(self, track, param):
        track = self._track(track)
        _check(param in ("IP_TRACKNUMBER", "B_MUTE"), f"GetMediaTrackInfo_Value: parameter {param!r} not faked")
        if param == "B_MUTE":
            return 1.0 if track.muted else 0.0
        return float(self.tracks.index(track) + 1)

    def GetSetMediaTrackInfo_String(self, track, param, value, set_new):
        track = self._track(track)
        _check(param == "P_NAME" or param.startswith("P_EXT:") and len(param) > 6,
               f"GetSetMediaTrackInfo_String: {param!r} not faked")
        if param.startswith("P_EXT:"):  # extension data kept with the track (REAPER 5.9+)
            if set_new:
                _check(isinstance(value, str), "GetSetMediaTrackInfo_String: P_EXT values are strings")
                track.ext[param] = value
                self._changed("track ext")
            return param in track.ext, track.ext.get(param, "")
        if set_new:
            _check(isinstance(value, str), "GetSetMediaTrackInfo_String: the name is a string")
            track.name = value
            self._changed("track name")
        return True, track.name

    def CountTrackMediaItems(self, track):
        return len(self._track(track).items)

    def GetTrackMediaItem(self, track, idx):
        items = self._track(track).items
        return items[idx] if 0 <= idx < len(items) else None

    # ---- items and takes ----------------------------------------------------------------------

    def GetMediaItemInfo_Value(self, item, param):
        item = self._item(item)
        values = {"D_POSITION": item.position, "D_LENGTH": item.length, "B_UISEL": float(item.selected)}
        _check(param in values, f"GetMediaItemInfo_Value: parameter {param!r} not faked")
        return values[param]

    def GetMediaItemTrack(self, item):
        return self._item(item).track

    def GetMediaItemNumTakes(self, item):
        return len(self._item(item).takes)

    def GetTake(self, item, idx):
        takes = self._item(item).takes
        return takes[idx] if 0 <= idx < len(takes) else None

    def GetActiveTake(self, item):
        return self._item(item).active_take()

    def SetActiveTake(self, take):
        take = self._take(take)
        take.item.active = take.item.takes.index(take)
        self._changed("SetActiveTake")

    def TakeIsMIDI(self, take):
        return self._take(take).is_midi

    def GetSetMediaItemTakeInfo_String(self, take, param, value, set_new):
        take = self._take(take)
        _check(param == "P_NAME", f"GetSetMediaItemTakeInfo_String: {param!r} not faked")
        if set_new:
            take.name = value
            self._changed("take name")
        return True, take.name

    def CreateNewMIDIItemInProj(self, track, start, end, qn_in=False):
        track = self._track(track)
        start, end = _num(start, "start"), _num(end, "end")
        _check(end > start, "CreateNewMIDIItemInProj: end must be after start")
        if qn_in:
            start_qn, end_qn = start, end
            start, end = self.tempo.qn_to_time(start), self.tempo.qn_to_time(end)
        else:
            start_qn, end_qn = self.tempo.time_to_qn(start), self.tempo.time_to_qn(end)
        item = Item(track, start, end - start)
        take = Take(item=item, length_ticks=round((end_qn - start_qn) * 960))
        item.takes.append(take)
        track.items.append(item)
        self._changed("CreateNewMIDIItemInProj")
        return item

    def GetItemStateChunk(self, item, _buf, is_undo):
        return True, item_chunk(self._item(item))

    def SetItemStateChunk(self, item, chunk, is_undo):
        item = self._item(item)
        before = item_chunk(item)
        try:
            props, takes = parse_item_chunk(chunk)
        except ChunkError as exc:
            raise FakeApiError(f"SetItemStateChunk: {exc}\n{chunk}") from None
        _check(len(takes) >= len(item.takes), "SetItemStateChunk: the chunk lost takes")
        kept = parse_item_chunk(before)[1]
        for (old, _), (new, _) in zip(kept, takes):
            _check((old.name, old.ppq, old.length_ticks, [n.key() for n in old.notes])
                   == (new.name, new.ppq, new.length_ticks, [n.key() for n in new.notes]),
                   f"SetItemStateChunk changed an existing take: {old!r} -> {new!r}")
        for old in item.takes:
            old.alive = False  # REAPER rebuilds the takes: old pointers go stale
        item.takes = [t for t, _ in takes]
        for t in item.takes:
            t.item = item
        active = [i for i, (_, a) in enumerate(takes) if a]
        item.active = active[-1] if active else 0
        item.position = props.get("POSITION", item.position)
        item.length = props.get("LENGTH", item.length)
        item.selected = props.get("SEL", item.selected)
        self._changed("SetItemStateChunk")
        return True

    # ---- MIDI ---------------------------------------------------------------------------------

    def MIDI_CountEvts(self, take):
        take = self._take(take)
        return len(take.notes) if take.ppq is not None else 0, len(take.notes), 0, 0

    def MIDI_GetNote(self, take, idx):
        take = self._take(take)
        if not 0 <= idx < len(take.notes):
            return False, False, False, 0.0, 0.0, 0, 0, 0
        n = take.notes[idx]
        return True, n.selected, n.muted, float(n.start), float(n.end), n.chan, n.pitch, n.vel

    def MIDI_GetPPQPosFromProjQN(self, take, qn):
        take = self._take(take)
        if take.ppq is None:
            return -1.0
        return (_num(qn, "qn") - self._take_origin_qn(take)) * take.ppq

    def MIDI_GetProjQNFromPPQPos(self, take, ppq):
        take = self._take(take)
        return self._take_origin_qn(take) + _num(ppq, "ppq") / (take.ppq or 960)

    def MIDI_InsertNote(self, take, selected, muted, start, end, chan, pitch, vel, no_sort=False):
        take = self._take(take)
        _check(isinstance(selected, bool) and isinstance(muted, bool) and isinstance(no_sort, bool),
               "MIDI_InsertNote: selected, muted and noSort are booleans")
        start, end = _num(start, "startppqpos"), _num(end, "endppqpos")
        _int(chan, 0, 15, "chan")
        _int(pitch, 0, 127, "pitch")
        _int(vel, 1, 127, "vel")
        if take.ppq is None or not take.is_midi or end <= start:
            return False  # REAPER refuses notes in a take without MIDI data
        _check(start == int(start) and end == int(end), "ticks must be whole numbers")
        take.notes.append(Note(int(start), int(end), chan, pitch, vel, selected, muted))
        if no_sort:
            take.sorted = False
        else:
            take.unsorted_inserts += 1
            take.notes.sort(key=Note.key)
        self._changed("MIDI_InsertNote")
        return True

    def MIDI_Sort(self, take):
        take = self._take(take)
        take.notes.sort(key=Note.key)
        take.sorted = True
        take.sort_calls += 1
        self._changed("MIDI_Sort")
