"use strict";
// End to end, the issue 13 modes: the built device script and the Cadenza Groove MIDI Tool,
// over real UDP sockets against a real `cadenza serve` serving the shipped models/groove,
// models/gan and models/markov alone (`--models DIR --only`, as accompany_e2e.test.js does).
// What a model plays is not known by hand, so each test checks the contract of its mode: Groove
// keeps the pitches and the count and moves only timing and velocity; Drumify puts drum hits on
// the clip's onsets; Band writes a clip per part where its Role says; the source clip is only read.
// Fails (never skips) when the daemon cannot start.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const { waitFor, whenReady, retriggered, pressGo, device } = require("./helpers/e2e");
const { createMaxEnv } = require("./helpers/max_env");
const { FakeLive } = require("./helpers/fake_live");
const { UdpShim } = require("./helpers/udp_shim");
const { TOOL_JS } = require("./helpers/device");

const REPO = path.resolve(__dirname, "..", "..");
const PYTHON = process.env.PYTHON || "python3";
const SERVED = ["groove", "gan", "markov"];

function startDaemon(folder) {
  const args = ["-m", "bridge.cli", "serve", "--models", folder, "--only", "--default", "markov", "--port", "0",
    "--log-level", "warning"];
  const proc = spawn(PYTHON, args, {
    cwd: REPO, stdio: ["ignore", "pipe", "pipe"],
    env: Object.assign({}, process.env, { PYTHONUNBUFFERED: "1", PYTHONPATH: REPO }),
  });
  return whenReady(proc);
}

let daemon = null;
let folder = null;
test.before(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "cadenza-engines-"));
  for (const name of SERVED) fs.symlinkSync(path.join(REPO, "models", name), path.join(folder, name));
  daemon = await startDaemon(folder);
});
test.after(() => {
  if (daemon && daemon.proc.exitCode === null) daemon.proc.kill("SIGTERM");
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

const note = (pitch, start, duration, velocity = 100) => ({ pitch, start_time: start, duration, velocity });
// One bar of rock beat: kick, hat, snare, hat, in eighths.
const BEAT = [36, 42, 38, 42, 36, 42, 38, 42].map((p, i) => note(p, i * 0.5, 0.25));
const TUNE = [note(69, 0, 1, 90), note(72, 1, 0.5, 90), note(76, 1.5, 0.5, 90), note(74, 2, 2, 90)];
const DONE = /^Done|could not|incomplete|No answer|stopped|needs/;

async function connected(env) {
  env.send("init");
  await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection", 30000);
}

test("Groove over UDP against the shipped groove model: a new clip, the same pitches and count, new timing and velocity", { timeout: 120000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    const source = live.addClip(lead, 0, { name: "Beat", length: 4, notes: BEAT });
    const before = JSON.stringify([source.props, source.notes]);
    live.highlight(lead, 0);
    await connected(env);
    env.send("mode", 6);
    assert.match(env.status(), /^Groove uses model groove: /, "the default (markov) cannot groove: the one that can answers");
    env.send("role", 4); // drums
    env.send("style", "funk");
    env.send("amount", 1);
    env.send("swing", 0.5);
    env.send("seed", 3);
    env.send("seed_lock", 1);
    await pressGo(env);
    const done = await waitFor(env, (s) => DONE.test(s), "Groove", 60000);
    assert.match(done, /^Done: 1 clip \(8 notes\) in "Lead", slot 2 /);
    const made = lead.slots[1].clip;
    assert.strictEqual(made.props.name, "Cadenza funk s3 groove");
    assert.strictEqual(made.props.length, 4);
    const pitches = (notes) => notes.map((n) => n.pitch).sort((a, b) => a - b);
    assert.deepStrictEqual(pitches(made.notes), pitches(BEAT), "pitches and count unchanged");
    assert.ok(made.notes.every((n) => n.start_time >= 0 && n.start_time < 4 && n.duration > 0));
    const moved = made.notes.filter((n) => !BEAT.some((b) => b.pitch === n.pitch && Math.abs(b.start_time - n.start_time) < 1e-6 &&
      b.velocity === n.velocity));
    assert.ok(moved.length > 0, "timing or velocity changed");
    const offbeats = made.notes.filter((n) => n.pitch === 42).map((n) => n.start_time % 1);
    assert.ok(offbeats.every((x) => x > 0.5), `swing 0.5 delays the off-beat eighths: ${offbeats}`);
    assert.strictEqual(JSON.stringify([source.props, source.notes]), before, "the source is only read");
    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});

test("Drumify over UDP: a drum clip whose hits fall on the tune's onsets, every onset hit", { timeout: 120000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    const source = live.addClip(lead, 0, { name: "Tune", length: 4, notes: TUNE });
    const before = JSON.stringify([source.props, source.notes]);
    live.highlight(lead, 0);
    await connected(env);
    env.send("mode", 7);
    env.send("seed", 5);
    env.send("seed_lock", 1);
    await pressGo(env);
    const done = await waitFor(env, (s) => DONE.test(s), "Drumify", 60000);
    assert.match(done, /^Done: 1 clip \(\d+ notes?\) in "Lead", slot 2 /);
    const made = lead.slots[1].clip;
    assert.strictEqual(made.props.name, "Cadenza drums s5 drumify");
    const onsets = new Set(TUNE.map((n) => n.start_time));
    const hits = new Set(made.notes.map((n) => n.start_time));
    assert.deepStrictEqual([...hits].sort(), [...onsets].sort(), "every onset gets a hit and every hit falls on an onset");
    assert.ok(made.notes.some((n) => n.pitch === 36 && n.start_time === 0), "a kick on the downbeat");
    assert.strictEqual(JSON.stringify([source.props, source.notes]), before);
    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});

test("Band over UDP against the shipped gan model: one clip per part, on the tracks of their Role or new ones, 2 bars each", { timeout: 120000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    const beat = live.addTrack({ name: "Beat" });
    live.addDevice(beat, { name: "Cadenza", params: { Role: 4 } }); // drums
    live.highlight(lead, 0);
    await connected(env);
    env.send("mode", 8);
    assert.match(env.status(), /^Band uses model gan: /, "the default (markov) cannot write bands: the one that can answers");
    env.send("role", 1); // this track plays bass
    env.send("bars", 2);
    env.send("seed", 4);
    env.send("seed_lock", 1);
    await pressGo(env);
    const done = await waitFor(env, (s) => DONE.test(s), "Band", 60000);
    assert.match(done, /^Done: a band of 4 parts \(\d+ notes?\): drums in "Beat" slot 1, bass in "Lead" slot 1, chords in "Cadenza chords" slot 1, melody in "Cadenza melody" slot 1 /);
    const tracks = live.song.tracks;
    assert.deepStrictEqual(tracks.map((t) => t.props.name), ["Lead", "Beat", "Cadenza chords", "Cadenza melody"]);
    for (const t of tracks) {
      const clip = t.slots[0].clip;
      assert.strictEqual(clip.props.length, 8, `${t.props.name}: 2 bars of 4/4`);
      assert.ok(clip.notes.length > 0, `${t.props.name}: the model wrote notes`);
      assert.ok(clip.notes.every((n) => n.start_time >= 0 && n.start_time < 8 && n.duration > 0), t.props.name);
    }
    assert.ok(tracks[1].slots[0].clip.notes.every((n) => n.pitch >= 35 && n.pitch <= 81), "GM drum pitches on Beat");
    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});

test("the Cadenza Groove MIDI Tool over UDP: the second apply cycle replaces the notes with the grooved ones", { timeout: 120000 }, async () => {
  const live = new FakeLive();
  const env = createMaxEnv({ script: TOOL_JS, live, clock: "real", args: ["groove"] });
  const shim = new UdpShim(env, { sendOutlet: 1, receiverOutlet: "udpreceive" });
  const input = BEAT.map((n, i) => Object.assign({ note_id: i + 1, mute: 0, probability: 1 }, n, { start_time: 4 + n.start_time }));
  const cycle = () => {
    env.dicts.set("ctx", JSON.stringify({ clip: { time_selection_start: 4, time_selection_end: 8 }, scale: { scale_mode: 0 } }));
    env.dicts.set("in", JSON.stringify({ notes: input }));
    env.sendTo(1, "dictionary", "ctx");
    env.sendTo(0, "dictionary", "in");
    const out = env.sent(0);
    return JSON.parse(env.dicts.get(out[out.length - 1][1])).notes;
  };
  try {
    env.send("port", daemon.port);
    env.send("role", 4); // drums
    env.send("swing", 0.5);
    env.send("seed", 3);
    env.send("init");
    await waitFor(env, (s) => /Press Apply|not running/.test(s), "the tool's connection", 10000, 2);
    assert.deepStrictEqual(cycle(), input, "the notes are kept until the answer is in");
    await retriggered(env);
    const notes = cycle();
    assert.match(env.status(2), /^Applied 8 notes from Cadenza \(seed 3\)\.$/);
    assert.deepStrictEqual(notes.map((n) => n.pitch).sort(), input.map((n) => n.pitch).sort(), "the same pitches and count");
    assert.ok(notes.every((n) => n.start_time >= 4 && n.start_time < 8 && n.duration > 0));
    const hats = notes.filter((n) => n.pitch === 42).map((n) => n.start_time % 1);
    assert.ok(hats.every((x) => x > 0.5), `swing 0.5 delays the off-beat eighths: ${hats}`);
    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});
