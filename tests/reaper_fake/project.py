"""The fake project's objects (tracks, items, takes, MIDI notes) and REAPER's item state chunk.

Objects handed to Lua are these Python objects; a pointer REAPER would invalidate (a take after
its item's chunk was set again) is marked dead, and the API refuses it. The chunk reader is
strict: the text a script writes back must be well formed, the takes it already had must come
back unchanged, and a MIDI take without `HASDATA` is an empty source that takes no notes, as in
REAPER.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

_ids = itertools.count(1)


def new_guid() -> str:
    n = next(_ids)
    return "{%08X-0000-4000-8000-%012X}" % (n, n)


@dataclass
class Note:
    start: int  # ticks from the take's start
    end: int
    chan: int
    pitch: int
    vel: int
    selected: bool = False
    muted: bool = False

    def key(self):
        return (self.start, self.pitch, self.end, self.chan, self.vel, self.muted)


@dataclass(eq=False)
class Track:
    name: str
    selected: bool = False
    alive: bool = True
    items: list = field(default_factory=list)
    muted: bool = False
    ext: dict = field(default_factory=dict)  # "P_EXT:key" -> value, saved with the project

    def __repr__(self):
        return f"<Track {self.name}>"


@dataclass(eq=False)
class Take:
    name: str = ""
    ppq: int | None = 960  # None: an empty source without MIDI data
    length_ticks: int = 0  # the source's length (its last event)
    notes: list = field(default_factory=list)
    is_midi: bool = True
    guid: str = field(default_factory=new_guid)
    item: "Item | None" = None
    alive: bool = True
    sorted: bool = True
    sort_calls: int = 0
    unsorted_inserts: int = 0  # inserts made with noSort false (each one sorts)

    def __repr__(self):
        return f"<Take {self.name!r} {len(self.notes)} notes>"


@dataclass(eq=False)
class Item:
    track: Track
    position: float
    length: float
    takes: list = field(default_factory=list)
    active: int = 0
    selected: bool = False
    alive: bool = True
    guid: str = field(default_factory=new_guid)

    def __repr__(self):
        return f"<Item {self.position:.3f}+{self.length:.3f} on {self.track.name}>"

    def active_take(self):
        return self.takes[self.active] if self.takes else None


# ---- state chunk ---------------------------------------------------------------------------

def _source_lines(take: Take) -> list[str]:
    if not take.is_midi:
        return ["<SOURCE WAVE", 'FILE "audio.wav"', ">"]
    lines = ["<SOURCE MIDI"]
    if take.ppq is not None:
        lines.append(f"HASDATA 1 {take.ppq} QN")
        events = []
        for n in take.notes:
            events.append((n.start, 1, f"{0x90 | n.chan:02x} {n.pitch:02x} {n.vel:02x}", n.muted))
            events.append((n.end, 0, f"{0x80 | n.chan:02x} {n.pitch:02x} 00", n.muted))
        events.sort(key=lambda e: (e[0], e[1]))
        last = 0
        for tick, _, data, muted in events:
            lines.append(f"{'e' if muted else 'E'} {tick - last} {data}")
            last = tick
        lines.append(f"E {max(take.length_ticks - last, 0)} b0 7b 00")
    lines.append(">")
    return lines


def item_chunk(item: Item) -> str:
    lines = ["<ITEM", f"POSITION {item.position:.14g}", f"LENGTH {item.length:.14g}", "LOOP 1",
             f"SEL {int(item.selected)}", f"IGUID {item.guid}"]
    for i, take in enumerate(item.takes):
        if i:
            lines.append("TAKE SEL" if i == item.active else "TAKE")
        lines += [f'NAME "{take.name}"', f"GUID {take.guid}"]
        lines += _source_lines(take)
    lines.append(">")
    return "\n".join(lines) + "\n"


class ChunkError(ValueError):
    pass


def _parse_source(lines: list[str], take: Take) -> None:
    head = lines[0].split()
    take.is_midi = head[1] == "MIDI"
    if not take.is_midi:
        return
    tick, pending = 0, {}
    take.ppq = None
    for line in lines[1:-1]:
        parts = line.split()
        if parts[0] == "HASDATA":
            if len(parts) != 4 or parts[1] != "1" or parts[3] != "QN" or not parts[2].isdigit():
                raise ChunkError(f"bad HASDATA line {line!r}: expected 'HASDATA 1 <ticks per QN> QN'")
            take.ppq = int(parts[2])
        elif parts[0] in ("E", "e"):
            if take.ppq is None:
                raise ChunkError("MIDI event before HASDATA")
            if len(parts) != 5 or not parts[1].isdigit():
                raise ChunkError(f"bad MIDI event line {line!r}: expected 'E <delta ticks> <3 hex bytes>'")
            tick += int(parts[1])
            status, d1, d2 = (int(p, 16) for p in parts[2:])
            kind, chan = status & 0xF0, status & 0x0F
            if kind == 0x90 and d2 > 0:
                pending[(chan, d1)] = (tick, d2, parts[0] == "e")
            elif kind in (0x80, 0x90):
                start, vel, muted = pending.pop((chan, d1))
                take.notes.append(Note(start, tick, chan, d1, vel, muted=muted))
        else:
            raise ChunkError(f"unexpected line in MIDI source: {line!r}")
    take.length_ticks = tick
    take.notes.sort(key=Note.key)


def parse_item_chunk(text: str) -> tuple[dict, list[tuple[Take, bool]]]:
    """Read an item chunk: item properties and [(take, is_active)]. Raises ChunkError."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines or lines[0] != "<ITEM" or lines[-1] != ">":
        raise ChunkError("an item chunk starts with '<ITEM' and ends with '>'")
    props: dict = {}
    takes: list[list] = []  # [take, active, has_source]
    current = None
    i = 1
    while i < len(lines) - 1:
        line = lines[i]
        if line.startswith("<"):
            depth, j = 0, i
            while True:
                if lines[j].startswith("<"):
                    depth += 1
                elif lines[j] == ">":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
                if j >= len(lines) - 1:
                    raise ChunkError(f"block {line!r} is not closed")
            if line.startswith("<SOURCE"):
                if current is None:
                    current = [Take(ppq=None), False, False]
                    takes.append(current)
                if current[2]:
                    raise ChunkError("a take with two sources")
                _parse_source(lines[i:j + 1], current[0])
                current[2] = True
            i = j + 1
            continue
        word, _, rest = line.partition(" ")
        if word == "TAKE":
            if current is None and not takes:
                raise ChunkError("TAKE before the first take")
            current = [Take(ppq=None), rest.strip() == "SEL", False]
            takes.append(current)
        elif word == "NAME" and current is None and not takes:
            current = [Take(ppq=None), False, False]
            takes.append(current)
            current[0].name = _unquote(rest)
        elif word == "NAME":
            current[0].name = _unquote(rest)
        elif word == "GUID" and current is not None:
            current[0].guid = rest.strip()
        elif word in ("POSITION", "LENGTH"):
            props[word] = float(rest)
        elif word == "SEL":
            props[word] = rest.strip() == "1"
        else:
            props[word] = rest
        i += 1
    for take, _, has_source in takes:
        if not has_source:
            raise ChunkError(f"take {take.name!r} has no <SOURCE> block")
    return props, [(t, active) for t, active, _ in takes]


def _unquote(s: str) -> str:
    s = s.strip()
    m = re.fullmatch(r'"(.*)"', s)
    return m.group(1) if m else s
