"""OSC wire format: encoding messages and bundles, decoding packets and SLIP framing. Transports
and handlers never build bytes themselves; which replies protocol v1 sends is bridge/server/replies.py.

Encoding is done here (explicit, small, exact: int -> 'i', float -> 'f', str -> 's'); decoding
leans on python-osc's parser, which knows every type tag a client may send.
"""

from __future__ import annotations

import math
import struct

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


def decode_packet(data: bytes) -> list[tuple[str, list, float | None]]:
    """Decode a datagram (message or bundle, nested) into (address, args, unix_time_or_None).

    Raises OscDecodeError for anything that is not valid OSC.
    """
    from pythonosc.osc_bundle import OscBundle
    from pythonosc.osc_message import OscMessage

    out: list = []

    def walk(dgram: bytes, when, depth: int):
        if depth > 8:
            raise OscDecodeError("bundles nested deeper than 8 levels")
        if dgram.startswith(b"#bundle"):
            try:
                b = OscBundle(dgram)
            except Exception as exc:
                raise OscDecodeError(f"malformed bundle: {exc}") from None
            tag = b.timestamp
            for content in b:
                raw = content.dgram if hasattr(content, "dgram") else content
                walk(raw, tag if tag and tag > 1 else when, depth + 1)
            return
        if not dgram.startswith(b"/"):
            raise OscDecodeError("not an OSC packet (must start with '/' or '#bundle')")
        try:
            m = OscMessage(dgram)
            args = list(m.params)
        except Exception as exc:
            raise OscDecodeError(f"malformed OSC message: {exc}") from None
        out.append((m.address, args, when))

    walk(bytes(data), None, 0)
    return out


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

