"""The daemon's replies, built in one place: errors, request info, results and done.

Why here and not in osc.py: osc.py is the wire codec and knows no addresses; what a reply of
protocol v1 looks like (its address, its arguments, how a result is cut into datagrams) is
decided here, and the queue's worker, the handlers and the streams all send through it.
"""

from __future__ import annotations

from bridge.errors import CadenzaError
from bridge.music.request import BAND
from bridge.server.osc import NOTES_PER_MESSAGE, cut_utf8, encode_fitted, encode_message
from bridge.server.router import ROOT

MAX_ERROR_BYTES = 512  # error texts are cut here (UTF-8 bytes): an error never costs much more than its request


def error_message(req_id: int, exc: CadenzaError) -> bytes:
    return encode_fitted(f"{ROOT}/error", req_id, exc.code, cut_utf8(exc.message, MAX_ERROR_BYTES))


def send_error(peer, req_id: int, exc: CadenzaError) -> None:
    peer.send(error_message(req_id, exc))


def accepted(req_id: int, position: int) -> bytes:
    return encode_message(f"{ROOT}/accepted", req_id, position)


def done(req_id: int, elapsed_ms: float) -> bytes:
    return encode_message(f"{ROOT}/done", req_id, float(elapsed_ms))


def progress(req_id: int, fraction: float) -> bytes:
    return encode_message(f"{ROOT}/progress", req_id, float(fraction))


def info(req_id: int, pairs: list) -> bytes:
    return encode_fitted(f"{ROOT}/info", req_id, *pairs)  # an echoed prompt or style may be long


def request_info(request, model_name: str, clips: list, clip=None) -> list:
    """What a request resolved to, as key/value pairs for /cadenza/info: the seed to reuse,
    the model, the context's roles when it had context, and the key/meter/tempo the answer is in
    (the clip's when the request named none)."""
    req, first = request, clips[0] if clips else None
    bars = round(first.bars) if req.bars is None and first else req.effective_bars()
    out = ["seed", int(req.seed), "model", model_name, "role", req.role, "bars", int(bars)]
    if req.role == BAND:  # the band's parts, in answer order
        out += ["roles", ",".join(req.parts)]
    if req.operation == "interpolate":
        out += ["steps", int(req.steps)]
    if req.context:  # accompany, infill or continue with context: the context's roles, in slot order
        out += ["context", ",".join(role for role, _ in req.context)]
    for name in ("style", "mood"):
        if getattr(req, name):
            out += [name, getattr(req, name)]
    key = req.key or next((c.key for c in clips if c.key is not None), None) or (clip.key if clip else None)
    if key is not None:
        out += ["key", key.name]
    if first is not None:
        out += ["meter", str(first.meter), "tempo", float(first.tempo)]
    if req.unknown_words:
        out += ["unknown", cut_utf8(" ".join(req.unknown_words), 400)]  # keeps the datagram under 1,400 bytes
    return out


def note_chunks(notes, size: int = NOTES_PER_MESSAGE):
    """Yield flat argument lists (p, s, d, v, p, s, d, v, ...) of at most `size` notes."""
    for i in range(0, len(notes), size):
        flat: list = []
        for n in notes[i : i + size]:
            p, s, d, v = n.as_wire() if hasattr(n, "as_wire") else n
            flat.extend((int(p), float(s), float(d), int(v)))
        yield flat


def band_label(request, n: int) -> list:
    """result/begin's trailing pairs for clip n of an answer: a band's `role R take v` (clip
    n = v x P + i is part i of take v), nothing for any other request."""
    if request.role != BAND or not request.parts:
        return []
    take, part = divmod(n, len(request.parts))
    return ["role", request.parts[part], "take", take]


def result_messages(req_id: int, variation: int, clip, label: list = ()) -> list[bytes]:
    """The replies for one variation: result/begin (with `label`'s pairs after its four
    arguments: band_label), result/notes chunks, result/end."""
    msgs = [encode_message(f"{ROOT}/result/begin", req_id, variation, len(clip.notes), float(clip.length), *label)]
    for flat in note_chunks(clip.notes):
        msgs.append(encode_message(f"{ROOT}/result/notes", req_id, variation, *flat))
    msgs.append(encode_message(f"{ROOT}/result/end", req_id, variation))
    return msgs
