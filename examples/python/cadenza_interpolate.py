"""Morph one clip into another with Cadenza's /cadenza/interpolate, from any Python with python-osc
(`pip install python-osc`; TouchDesigner's Python can run the same calls through its OSC DATs).

    python examples/python/cadenza_interpolate.py                    # two built-in 2-bar clips
    python examples/python/cadenza_interpolate.py a.json b.json --steps 8 --json

It uploads clip a into slot "a" and clip b into slot "b" of one request id, asks for `steps` clips,
and prints each step as it arrives (step 0 is clip a, the last is clip b). A clip file is Cadenza's
JSON clip: {"length_beats": 8.0, "meter": "4/4", "notes": [[pitch, start, duration, velocity], ...]}.
It needs a daemon serving a model that can interpolate (`cadenza models` lists each model's
operations); any other answer is printed as the daemon's error and the script exits 1.
"""

import argparse
import json
import queue
import sys
import threading

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

REQUEST_ID = 12             # any int32 the client chooses
NOTES_PER_MESSAGE = 64      # the protocol's most notes in one clip/notes message
TIMEOUT_S = 60.0            # how long to wait for the answer

DEMO_A = {"length_beats": 8.0, "meter": "4/4",  # C major arpeggio, quarters
          "notes": [[p, float(i), 1.0, 90] for i, p in enumerate([60, 64, 67, 72, 67, 64, 60, 55])]}
DEMO_B = {"length_beats": 8.0, "meter": "4/4",  # a G-D eighth-note line
          "notes": [[67 if i % 2 == 0 else 74, i / 2, 0.5, 80] for i in range(16)]}


def upload(client, slot, clip, reply_port):
    """clip/begin id length slot "a", then the notes in messages of at most 64."""
    client.send_message("/cadenza/clip/begin", [REQUEST_ID, float(clip["length_beats"]),
                                                "meter", clip.get("meter", "4/4"),
                                                "slot", slot, "reply_port", reply_port])
    notes = clip["notes"]
    for i in range(0, len(notes), NOTES_PER_MESSAGE):
        flat = []
        for p, s, d, v in notes[i:i + NOTES_PER_MESSAGE]:
            flat += [int(p), float(s), float(d), int(v)]
        client.send_message("/cadenza/clip/notes", [REQUEST_ID, slot, *flat, "reply_port", reply_port])


def interpolate(a, b, steps=5, model=None, host="127.0.0.1", port=7500):
    """The morph as a list of {"step", "length_beats", "notes"}; raises RuntimeError on an error."""
    replies = queue.Queue()
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(lambda address, *args: replies.put((address, list(args))))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)  # where the daemon's replies come
    reply_port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = SimpleUDPClient(host, port)
    try:
        upload(client, "a", a, reply_port)
        upload(client, "b", b, reply_port)
        keys = ["steps", steps] + (["model", model] if model else [])
        client.send_message("/cadenza/interpolate", [REQUEST_ID, *keys, "reply_port", reply_port])
        morph = {}
        while True:
            try:
                address, args = replies.get(timeout=TIMEOUT_S)
            except queue.Empty:
                raise RuntimeError(f"no answer from {host}:{port} in {TIMEOUT_S:g} s: is `cadenza serve` running?")
            if not args or args[0] != REQUEST_ID:
                continue
            if address == "/cadenza/result/begin":
                morph[args[1]] = {"step": args[1], "length_beats": args[3], "notes": []}
            elif address == "/cadenza/result/notes":
                flat = args[2:]
                morph[args[1]]["notes"] += [flat[i:i + 4] for i in range(0, len(flat), 4)]
            elif address == "/cadenza/error":
                raise RuntimeError(f"{args[1]}: {args[2]}")
            elif address == "/cadenza/done":
                return [morph[k] for k in sorted(morph)]
    finally:
        server.shutdown()
        server.server_close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", nargs="?", help="clip a (JSON); default: a built-in arpeggio")
    ap.add_argument("b", nargs="?", help="clip b (JSON); default: a built-in eighth-note line")
    ap.add_argument("--steps", type=int, default=5, help="clips returned, both ends included (2-16)")
    ap.add_argument("--model", default=None, help="a model that interpolates (default: the daemon's choice)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7500)
    ap.add_argument("--json", action="store_true", help="print the morph as JSON")
    args = ap.parse_args()
    a = json.load(open(args.a)) if args.a else DEMO_A
    b = json.load(open(args.b)) if args.b else DEMO_B
    try:
        morph = interpolate(a, b, args.steps, args.model, args.host, args.port)
    except RuntimeError as exc:
        print(f"cadenza: {exc}", file=sys.stderr)
        sys.exit(1)
    if args.json:
        print(json.dumps(morph))
        return
    for step in morph:
        pitches = " ".join(f"{int(p)}@{s:g}" for p, s, _, _ in step["notes"])
        print(f"step {step['step']}: {len(step['notes'])} notes, {step['length_beats']:g} beats: {pitches}")


if __name__ == "__main__":
    main()
