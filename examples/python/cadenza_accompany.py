"""Send a melody to Cadenza and get a bass line back (/cadenza/accompany), from any Python with
python-osc (`pip install python-osc`; TouchDesigner's Python does the same through its OSC DATs,
see examples/touchdesigner/accompany.py).

    python examples/python/cadenza_accompany.py                        # a built-in 2-bar melody
    python examples/python/cadenza_accompany.py tune.json --role chords --json
    python examples/python/cadenza_accompany.py lead.json --context drums=beat.json --out bass.json

It uploads the melody as context track c1 (role "melody"), any `--context ROLE=FILE` as c2, c3,
..., asks for the `--role` part (bass by default) and prints it. A clip file is Cadenza's JSON
clip: {"length_beats": 8.0, "meter": "4/4", "notes": [[pitch, start, duration, velocity], ...]}
(`cadenza render`/`--out x.json` write them). The answer lasts as long as the melody. It needs a
daemon serving a model that accompanies (`cadenza models` lists each model's operations); any
other answer is printed as the daemon's error and the script exits 1.
"""

import argparse
import json
import queue
import sys
import threading

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient

REQUEST_ID = 14             # any int32 the client chooses
NOTES_PER_MESSAGE = 64      # the protocol's most notes in one clip/notes message
MAX_CONTEXT = 8             # context slots c1 .. c8
TIMEOUT_S = 60.0            # how long to wait for the answer

DEMO_MELODY = {"length_beats": 8.0, "meter": "4/4", "key": "A minor",  # A C E | D B
               "notes": [[69, 0.0, 1.0, 90], [72, 1.0, 1.0, 90], [76, 2.0, 2.0, 90],
                         [74, 4.0, 2.0, 90], [71, 6.0, 2.0, 90]]}


def upload(client, slot, role, clip, reply_port):
    """clip/begin id length slot "c1" role "melody", then the notes in messages of at most 64."""
    opts = ["meter", clip.get("meter", "4/4")] + (["key", clip["key"]] if clip.get("key") else [])
    client.send_message("/cadenza/clip/begin", [REQUEST_ID, float(clip["length_beats"]), *opts,
                                                "slot", slot, "role", role, "reply_port", reply_port])
    notes = clip["notes"]
    for i in range(0, len(notes), NOTES_PER_MESSAGE):
        flat = []
        for p, s, d, v in notes[i:i + NOTES_PER_MESSAGE]:
            flat += [int(p), float(s), float(d), int(v)]
        client.send_message("/cadenza/clip/notes", [REQUEST_ID, slot, *flat, "reply_port", reply_port])


def accompany(tracks, role="bass", model=None, seed=None, host="127.0.0.1", port=7500):
    """`tracks` is [(role, clip), ...] (at most 8); returns {"info": {...}, "length_beats", "notes"}
    for the part; raises RuntimeError on the daemon's error or no answer."""
    replies = queue.Queue()
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(lambda address, *args: replies.put((address, list(args))))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)  # where the daemon's replies come
    reply_port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = SimpleUDPClient(host, port)
    try:
        for i, (track_role, clip) in enumerate(tracks, start=1):
            upload(client, f"c{i}", track_role, clip, reply_port)
        keys = ["role", role] + (["model", model] if model else []) + (["seed", seed] if seed is not None else [])
        client.send_message("/cadenza/accompany", [REQUEST_ID, *keys, "reply_port", reply_port])
        part = {"info": {}, "length_beats": 0.0, "notes": []}
        while True:
            try:
                address, args = replies.get(timeout=TIMEOUT_S)
            except queue.Empty:
                raise RuntimeError(f"no answer from {host}:{port} in {TIMEOUT_S:g} s: is `cadenza serve` running?")
            if not args or args[0] != REQUEST_ID:
                continue
            if address == "/cadenza/info":
                part["info"] = dict(zip(args[1::2], args[2::2]))
            elif address == "/cadenza/result/begin":
                part["length_beats"] = args[3]
            elif address == "/cadenza/result/notes":
                flat = args[2:]
                part["notes"] += [[flat[i], round(flat[i + 1], 4), round(flat[i + 2], 4), flat[i + 3]]
                                  for i in range(0, len(flat), 4)]
            elif address == "/cadenza/error":
                raise RuntimeError(f"{args[1]}: {args[2]}")
            elif address == "/cadenza/done":
                return part
    finally:
        server.shutdown()
        server.server_close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("melody", nargs="?", help="the melody (a JSON clip); default: a built-in 2-bar tune")
    ap.add_argument("--context", action="append", default=[], metavar="ROLE=FILE",
                    help="another track the part must fit (JSON clip), repeatable")
    ap.add_argument("--role", default="bass", help="the part to write: bass, chords, keys, drums or melody")
    ap.add_argument("--model", default=None, help="a model that accompanies (default: the daemon's choice)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7500)
    ap.add_argument("--json", action="store_true", help="print the part as JSON")
    ap.add_argument("--out", default=None, help="also write the part as a JSON clip file")
    args = ap.parse_args()
    tracks = [("melody", json.load(open(args.melody)) if args.melody else DEMO_MELODY)]
    for spec in args.context:
        track_role, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"--context {spec!r} must be ROLE=FILE")
        tracks.append((track_role, json.load(open(path))))
    if len(tracks) > MAX_CONTEXT:
        ap.error(f"at most {MAX_CONTEXT} tracks (the melody and {MAX_CONTEXT - 1} --context)")
    try:
        part = accompany(tracks, args.role, args.model, args.seed, args.host, args.port)
    except RuntimeError as exc:
        print(f"cadenza: {exc}", file=sys.stderr)
        sys.exit(1)
    clip = {"length_beats": part["length_beats"], "meter": part["info"].get("meter", "4/4"),
            "key": part["info"].get("key"), "tempo": part["info"].get("tempo", 120.0),
            "drums": args.role == "drums", "notes": part["notes"]}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(clip, f)
    if args.json:
        print(json.dumps(clip))
        return
    info = part["info"]
    print(f"{args.role} for {info.get('context', '')} from {info.get('model')}: {len(part['notes'])} notes, "
          f"{part['length_beats']:g} beats, key {info.get('key', '?')}")
    print(" ".join(f"{int(p)}@{s:g}" for p, s, _, _ in part["notes"]))


if __name__ == "__main__":
    main()
