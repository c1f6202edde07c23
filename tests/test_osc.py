"""Golden bytes for the wire format: our encoder against liblo's `oscsend -` (an independent
implementation), the chunking rule for result notes, SLIP framing and bundles."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from bridge.music.clip import Clip, Note
from bridge.server.osc import (
    MAX_DATAGRAM,
    NOTES_PER_MESSAGE,
    SlipDecoder,
    decode_packet,
    encode_bundle,
    encode_message,
    slip_encode,
    timetag,
    timetag_to_unix,
)
from bridge.server.replies import result_messages

needs_oscsend = pytest.mark.skipif(shutil.which("oscsend") is None, reason="liblo-tools not installed")


def oscsend_bytes(path: str, types: str, *args) -> bytes:
    return subprocess.run(["oscsend", "-", path, types, *map(str, args)], check=True, capture_output=True).stdout


@needs_oscsend
@pytest.mark.parametrize(
    "path,types,args",
    [
        ("/cadenza/ping", "i", (7,)),
        ("/cadenza/pong", "is", (7, "0.1.0")),
        ("/cadenza/generate", "isisssf", (7, "bars", 2, "style", "irish-folk", "temperature", 0.9)),
        ("/cadenza/result/begin", "iiif", (7, 0, 11, 8.0)),
        ("/cadenza/error", "iss", (-1, "bad_request", "bars must be an integer from 1 to 64, got -3")),
    ],
)
def test_encoder_matches_liblo(path, types, args):
    py_args = [float(a) if t == "f" else a for t, a in zip(types, args)]
    assert encode_message(path, *py_args) == oscsend_bytes(path, types, *args)


@needs_oscsend
def test_full_notes_message_matches_liblo_and_fits_a_datagram():
    notes = [Note(i * 0.25, 36 + i % 60, 0.25, 1 + (i * 7) % 127) for i in range(NOTES_PER_MESSAGE)]
    flat = []
    for n in notes:
        flat += [n.pitch, n.start, n.duration, n.velocity]
    ours = encode_message("/cadenza/result/notes", 7, 0, *flat)
    liblo = oscsend_bytes("/cadenza/result/notes", "ii" + "iffi" * NOTES_PER_MESSAGE, 7, 0, *flat)
    assert ours == liblo
    assert len(ours) <= MAX_DATAGRAM


def test_result_chunking_golden():
    clip = Clip([Note(i * 0.5, 60 + i % 12, 0.5, 90) for i in range(150)], length=75.0)
    msgs = result_messages(42, 3, clip)
    decoded = [decode_packet(m)[0] for m in msgs]
    addresses = [a for a, _, _ in decoded]
    assert addresses == ["/cadenza/result/begin"] + ["/cadenza/result/notes"] * 3 + ["/cadenza/result/end"]
    assert decoded[0][1] == [42, 3, 150, 75.0]
    counts = [(len(args) - 2) // 4 for _, args, _ in decoded[1:4]]
    assert counts == [64, 64, 22]
    assert all(len(m) <= MAX_DATAGRAM for m in msgs)
    # the exact bytes of the last chunk's header: address, type tags, id, variation
    last = msgs[3]
    assert last.startswith(b"/cadenza/result/notes\x00\x00\x00,ii" + b"iffi" * 22)
    assert struct.unpack(">ii", last[24 + 92 : 24 + 100]) == (42, 3)
    # the notes survive the trip in order
    got = []
    for _, args, _ in decoded[1:4]:
        flat = args[2:]
        got += [(flat[i], flat[i + 1], flat[i + 2], flat[i + 3]) for i in range(0, len(flat), 4)]
    assert got == [n.as_wire() for n in clip.notes]


def test_slip_round_trip_with_special_bytes():
    packets = [encode_message("/cadenza/ping", 0xC0DB), b"\xc0\xdb\xdc\xdd", encode_message("/x", "\xc0")]
    stream = b"".join(slip_encode(p) for p in packets)
    dec = SlipDecoder()
    got = []
    for i in range(0, len(stream), 3):  # arrives in small pieces
        got += dec.feed(stream[i : i + 3])
    assert got == packets


def test_bundles_nest_and_carry_time():
    inner = encode_bundle(1_800_000_000.25, [encode_message("/a", 1)])
    outer = encode_bundle(None, [inner, encode_message("/b", "x")])
    msgs = decode_packet(outer)
    assert [m[0] for m in msgs] == ["/a", "/b"]
    assert abs(timetag_to_unix(timetag(1_800_000_000.25)) - 1_800_000_000.25) < 1e-6


def test_encoder_rejects_unknown_types():
    with pytest.raises(TypeError):
        encode_message("/x", object())
