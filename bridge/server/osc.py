"""OSC wire format: encoding messages and bundles, decoding packets and SLIP framing. Transports
and handlers never build bytes themselves; which replies protocol v1 sends is bridge/server/replies.py.

Encoding is done here (explicit, small, exact: int -> 'i', float -> 'f', str -> 's'); decoding
leans on python-osc's message parser, which knows every type tag a client may send, after the
packet's structure (bundle element sizes, type tags, how much it holds) was checked here.
"""

from __future__ import annotations

import math
import struct

from bridge.music.limits import MAX_NOTES
from bridge.server.config import MAX_TCP_PACKET

MAX_DATAGRAM = 1400  # every reply fits Pd (4 KiB), oscP5 (1.5 KiB) and one Ethernet frame
NOTES_PER_MESSAGE = 64  # at most 64 notes per /cadenza/result/notes: 64*16 B + tags + header < 1400 B
NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01
IMMEDIATELY = 1  # the special time tag


class OscDecodeError(ValueError):
    pass


def _pad(b: bytes) -> bytes:
    return b + b"\0" * (4 - len(b) % 4)


def _osc_string(s: str) -> bytes:
    return _pad(s.encode("utf-8"))


def encode_message(address: str, *args) -> bytes:
    """Encode one OSC message. bool -> T/F, int -> i (int32), float -> f, str -> s, bytes -> b."""
    tags, payload = [","], []
    for a in args:
        if isinstance(a, bool):
            tags.append("T" if a else "F")
        elif isinstance(a, int):
            if -(2**31) <= a < 2**31:
                tags.append("i")
                payload.append(struct.pack(">i", a))
            else:
                tags.append("h")
                payload.append(struct.pack(">q", a))
        elif isinstance(a, float):
            tags.append("f")
            payload.append(struct.pack(">f", a))
        elif isinstance(a, str):
            tags.append("s")
            payload.append(_osc_string(a))
        elif isinstance(a, (bytes, bytearray)):
            tags.append("b")
            payload.append(struct.pack(">i", len(a)) + bytes(a) + b"\0" * (-len(a) % 4))
        else:  # numpy scalars and friends
            if hasattr(a, "item"):
                return encode_message(address, *[x.item() if x is a else x for x in args])
            raise TypeError(f"cannot encode {type(a).__name__} in OSC")
    return _osc_string(address) + _osc_string("".join(tags)) + b"".join(payload)


def timetag(unix_seconds: float | None) -> bytes:
    """64-bit NTP time tag for a UNIX time (None: immediately)."""
    if unix_seconds is None:
        return struct.pack(">Q", IMMEDIATELY)
    secs = unix_seconds + NTP_EPOCH_OFFSET
    whole = int(secs)
    frac = int((secs - whole) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack(">II", whole, frac)


def timetag_to_unix(tag: bytes) -> float:
    whole, frac = struct.unpack(">II", tag)
    return whole - NTP_EPOCH_OFFSET + frac / (1 << 32)


def encode_bundle(unix_time: float | None, messages: list[bytes]) -> bytes:
    out = [b"#bundle\0", timetag(unix_time)]
    for m in messages:
        out.append(struct.pack(">i", len(m)) + m)
    return b"".join(out)


MAX_MESSAGES_PER_PACKET = 32  # messages in one packet, bundles included: one datagram can ask for little
MAX_BUNDLE_DEPTH = 8
MAX_ARGS_PER_PACKET = 4 * MAX_NOTES + 64  # every argument of every message: one full clip upload fits
KNOWN_TAGS = frozenset("ihfdsbrmtTFN[]")  # what python-osc parses; anything else is refused here


def decode_packet(data: bytes) -> list[tuple[str, list, float | None]]:
    """Decode a datagram (message or bundle, nested) into (address, args, unix_time_or_None).

    Raises OscDecodeError for anything that is not valid OSC. Why bundles are walked here and not
    by python-osc's OscBundle: its parser trusts each element's size, and a negative one sends it
    backwards forever. Each element's size is checked (positive, a multiple of 4, within what is
    left), a packet holds at most MAX_MESSAGES_PER_PACKET messages and MAX_ARGS_PER_PACKET
    arguments, and a message's type tags are checked before python-osc sees it (it would log a
    warning per unknown tag). python-osc then decodes only single, checked messages.
    """
    from pythonosc.osc_message import OscMessage

    out: list = []
    budget = [MAX_ARGS_PER_PACKET]

    def walk(dgram: bytes, when, depth: int):
        if depth > MAX_BUNDLE_DEPTH:
            raise OscDecodeError(f"bundles nested deeper than {MAX_BUNDLE_DEPTH} levels")
        if dgram.startswith(b"#bundle\0"):
            if len(dgram) < 16:
                raise OscDecodeError("malformed bundle: no time tag")
            (tag,) = struct.unpack(">Q", dgram[8:16])
            inner = timetag_to_unix(dgram[8:16]) if tag > IMMEDIATELY else when
            i = 16
            while i < len(dgram):
                if len(dgram) - i < 4:
                    raise OscDecodeError(f"malformed bundle: {len(dgram) - i} stray bytes after the last element")
                (size,) = struct.unpack(">i", dgram[i : i + 4])
                i += 4
                if size <= 0 or size % 4 or size > len(dgram) - i:
                    raise OscDecodeError(
                        f"malformed bundle: bundle element size {size} (must be a positive multiple of 4, "
                        f"at most the {len(dgram) - i} bytes left)")
                walk(dgram[i : i + size], inner, depth + 1)
                i += size
            return
        if not dgram.startswith(b"/"):
            raise OscDecodeError("not an OSC packet (must start with '/' or '#bundle')")
        if len(out) >= MAX_MESSAGES_PER_PACKET:
            raise OscDecodeError(f"more than {MAX_MESSAGES_PER_PACKET} messages in one packet")
        _check_tags(dgram, budget)
        try:
            m = OscMessage(dgram)
            args = list(m.params)
        except Exception as exc:
            raise OscDecodeError(f"malformed OSC message: {exc}") from None
        out.append((m.address, args, when))

    walk(bytes(data), None, 0)
    return out


def _check_tags(dgram: bytes, budget: list) -> None:
    """Refuse unknown type tags and messages over the packet's argument budget, before parsing."""
    end = dgram.find(b"\0")
    if end < 0:
        raise OscDecodeError("malformed OSC message: the address has no terminating NUL")
    start = (end // 4 + 1) * 4
    if start >= len(dgram):
        return  # no type tags: a message without arguments
    stop = dgram.find(b"\0", start)
    if stop < 0 or dgram[start : start + 1] != b",":
        raise OscDecodeError("malformed OSC message: bad type tag string")
    tags = dgram[start + 1 : stop]
    budget[0] -= len(tags)
    if budget[0] < 0:
        raise OscDecodeError(f"more than {MAX_ARGS_PER_PACKET} arguments in one packet")
    unknown = set(tags.decode("latin-1")) - KNOWN_TAGS
    if unknown:
        shown = "".join(sorted(unknown))[:8]
        raise OscDecodeError(f"malformed OSC message: unknown type tag(s) {shown!r}")


def encode_fitted(address: str, *args, limit: int = MAX_DATAGRAM) -> bytes:
    """encode_message, with string arguments cut (by UTF-8 bytes, at a character boundary, longest
    first, marked with "...") until the message fits `limit` bytes. Why: a reply that does not
    fit one datagram is dropped, and a client that asked something answerable must get an answer."""
    packet = encode_message(address, *args)
    if len(packet) <= limit:
        return packet
    args = list(args)
    if len(_osc_string(address)) > limit // 2:
        address = cut_utf8(address, limit // 4)
    for _ in range(len(args) + 1):
        over = len(encode_message(address, *args)) - limit
        if over <= 0:
            break
        strings = [i for i, a in enumerate(args) if isinstance(a, str)]
        if not strings:
            break
        i = max(strings, key=lambda j: len(args[j].encode("utf-8")))
        size = len(args[i].encode("utf-8"))
        args[i] = cut_utf8(args[i], max(0, size - over - 8))
    packet = encode_message(address, *args)
    if len(packet) > limit:
        raise ValueError(f"a reply to {address[:40]} cannot fit {limit} bytes")
    return packet


def cut_utf8(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes (with "..." when it was cut)."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[: max(0, max_bytes - 3)].decode("utf-8", errors="ignore") + "..."


# SLIP (RFC 1055) framing for OSC 1.1 over TCP: END on both sides of each packet.
END, ESC, ESC_END, ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD


def slip_encode(packet: bytes) -> bytes:
    body = packet.replace(bytes([ESC]), bytes([ESC, ESC_ESC])).replace(bytes([END]), bytes([ESC, ESC_END]))
    return bytes([END]) + body + bytes([END])


class SlipDecoder:
    """Incremental SLIP decoder: feed bytes, get whole packets. Frames over `max_packet` are an error."""

    def __init__(self, max_packet: int = MAX_TCP_PACKET):
        self.buf = bytearray()
        self.max_packet = max_packet

    def feed(self, data: bytes) -> list[bytes]:
        packets = []
        self.buf.extend(data)
        while True:
            i = self.buf.find(END)
            if i < 0:
                if len(self.buf) > self.max_packet:
                    raise OscDecodeError(f"SLIP frame longer than {self.max_packet} bytes")
                return packets
            frame = bytes(self.buf[:i])
            del self.buf[: i + 1]
            if frame:
                packets.append(frame.replace(bytes([ESC, ESC_END]), bytes([END])).replace(bytes([ESC, ESC_ESC]), bytes([ESC])))


def is_integral(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and float(x) == int(x)

