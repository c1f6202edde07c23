"use strict";
// End to end, Accompany: the built device script talks OSC over real UDP sockets to a real
// `cadenza serve` that serves the accomp test family (tests/serve_accomp.py registers
// tests/accomp_engine.py, a protocol fixture whose bass rule is known by hand: on beats 1 and 3 the
// lowest sounding pitched context note, in octave 2; drums are not pitched). The shipped models
// write notes no one knows by hand, so this is the daemon the test can know the answer of. Like e2e.test.js,
// it fails (never skips) when the daemon cannot start. A second test runs the trained accompany
// model at CADENZA_ACC_MODEL (default the shipped models/transformer, which accompanies) when
// that folder exists, and skips otherwise.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const { waitFor, whenReady, pressGo, device } = require("./helpers/e2e");

const REPO = path.resolve(__dirname, "..", "..");
const PYTHON = process.env.PYTHON || "python3";

const ACC_MODEL = process.env.CADENZA_ACC_MODEL || path.join(REPO, "models", "transformer");

// Starts tests/serve_accomp.py (or `cadenza serve` with `args`) --port 0 and resolves with
// {port, proc} at its `cadenza ready` line.
function startDaemon(args = [path.join(REPO, "tests", "serve_accomp.py")]) {
  const proc = spawn(PYTHON, args.concat(["--port", "0", "--log-level", "warning"]), {
    cwd: REPO, stdio: ["ignore", "pipe", "pipe"],
    env: Object.assign({}, process.env, { PYTHONUNBUFFERED: "1", PYTHONPATH: REPO }),
  });
  return whenReady(proc, args.join(" "));
}

let daemon = null;
test.before(async () => { daemon = await startDaemon(); });
test.after(() => { if (daemon && daemon.proc.exitCode === null) daemon.proc.kill("SIGTERM"); });

const note = (pitch, start, duration, velocity = 90) => ({ pitch, start_time: start, duration, velocity });
// Two bars in A minor: A C E | D B (as tests/test_accompany_support.py's MELODY), and a beat whose
// kick (36) is the lowest note of all: sent as drums, it never becomes the bass.
const MELODY = [note(69, 0, 1), note(72, 1, 1), note(76, 2, 2), note(74, 4, 2), note(71, 6, 2)];
const BEAT = [0, 1, 2, 3].map((b) => note(b % 2 ? 38 : 36, b, 0.25, 100));
const BASS_UNDER_MELODY = [[45, 0, 2, 80], [40, 2, 2, 80], [38, 4, 2, 80], [47, 6, 2, 80]]; // A2 E2 | D2 B2

test("Accompany over UDP against cadenza serve writes the fixture's bass under the scene's melody and drums", { timeout: 120000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    const tune = live.addTrack({ name: "Tune" });
    const kit = live.addTrack({ name: "Beat" });
    const a = live.addClip(tune, 1, { name: "Tune", length: 8, notes: MELODY });
    const b = live.addClip(kit, 1, { name: "Loop", length: 4, notes: BEAT });
    const before = [a, b].map((c) => JSON.stringify(c.notes));
    live.highlight(lead, 1);
    env.send("init");
    await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection", 30000);
    env.send("mode", 5);
    assert.match(env.status(), /^Accompany uses model accomp: /, "the default (markov) cannot: the one that can answers");
    env.send("role", 1); // bass
    env.send("seed", 3);
    env.send("seed_lock", 1);
    await pressGo(env);
    const done = await waitFor(env, (s) => /^Done|could not|incomplete|No answer|stopped/.test(s), "Accompany", 60000);
    assert.match(done, /^Done: bass for 2 tracks \(4 notes\) in "Lead", slot 2 /);
    const clip = lead.slots[1].clip;
    assert.strictEqual(clip.props.name, "Cadenza bass Dm s3 acc");
    assert.strictEqual(clip.props.length, 8);
    assert.deepStrictEqual(clip.notes.map((n) => [n.pitch, n.start_time, n.duration, n.velocity]), BASS_UNDER_MELODY);
    assert.deepStrictEqual([a, b].map((c) => JSON.stringify(c.notes)), before, "the context was only read");
    assert.strictEqual(lead.slots.filter((s) => s.clip).length, 1);

    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});

// The trained accompany model (a Transformer whose config says "accompany": true): what it writes
// is not known by hand, so the test checks the contract: one clip of the context's length in the
// scene's slot, notes inside it, the melody only read.
test("Accompany against the trained accompany model writes a bass clip of the scene's length", {
  timeout: 180000, skip: fs.existsSync(path.join(ACC_MODEL, "config.json")) ? false : `no trained accompany model at ${ACC_MODEL}`,
}, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "cadenza-acc-"));
  fs.symlinkSync(path.resolve(ACC_MODEL), path.join(folder, "acc"));
  const served = await startDaemon(["-m", "bridge.cli", "serve", "--models", folder, "--only"]);
  const { live, lead, env, shim } = device(served.port);
  try {
    const tune = live.addTrack({ name: "Tune" });
    const a = live.addClip(tune, 0, { name: "Tune", length: 8, notes: MELODY });
    const before = JSON.stringify(a.notes);
    env.send("init");
    await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection", 60000);
    env.send("mode", 5);
    assert.match(env.status(), /^Accompany uses model acc: /);
    env.send("role", 1); // bass
    await pressGo(env);
    const done = await waitFor(env, (s) => /^Done|could not|incomplete|No answer|stopped/.test(s), "Accompany", 120000);
    assert.match(done, /^Done: bass for 1 track \(\d+ notes?\) in "Lead", slot 1 /);
    const clip = lead.slots[0].clip;
    assert.strictEqual(clip.props.length, 8);
    assert.ok(clip.notes.length > 0, "the model wrote notes");
    assert.ok(clip.notes.every((n) => n.start_time >= 0 && n.start_time < 8 && n.duration > 0 && n.pitch >= 0 && n.pitch <= 127));
    assert.strictEqual(JSON.stringify(a.notes), before, "the melody was only read");
    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
    served.proc.kill("SIGTERM");
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
