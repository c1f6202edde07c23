"use strict";
// End to end: the built device script talks OSC over real UDP sockets to a real `cadenza serve`
// (with the repository's trained models), through Node stand-ins for [udpsend]/[udpreceive],
// and the fake Live set ends up holding the clips.
//
// The daemon is required: when `cadenza serve` cannot start, or no model is shipped in
// models/, these tests fail (they never skip), because a device that cannot reach a working
// daemon is exactly what they exist to catch.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { spawn, spawnSync } = require("child_process");
const { createMaxEnv } = require("./helpers/max_env");
const { FakeLive } = require("./helpers/fake_live");
const { UdpShim } = require("./helpers/udp_shim");
const { TOOL_JS } = require("./helpers/device");
const { waitFor, whenReady, retriggered, pressGo, device } = require("./helpers/e2e");

const REPO = path.resolve(__dirname, "..", "..");
// CADENZA_E2E_MODELS points at another models folder (for working on the device before models/ ships).
const MODELS = process.env.CADENZA_E2E_MODELS || path.join(REPO, "models");

function daemonCommand() {
  if (spawnSync("cadenza", ["--version"], { encoding: "utf8" }).status === 0) return ["cadenza"];
  const python = process.env.PYTHON || "python3";
  if (spawnSync(python, ["-m", "bridge.cli", "--version"], { cwd: REPO, encoding: "utf8" }).status === 0) {
    return [python, "-m", "bridge.cli"];
  }
  return null;
}

function shippedModels() {
  if (!fs.existsSync(MODELS)) return [];
  return fs.readdirSync(MODELS).filter((d) => fs.existsSync(path.join(MODELS, d, "config.json")));
}

// Starts `cadenza serve --port 0` and resolves with {port, proc} at its `cadenza ready` line.
function startDaemon() {
  const command = daemonCommand();
  if (!command) {
    throw new Error("`cadenza serve` is not available: install the package (pip install -e .) so the e2e test can start the daemon");
  }
  const models = shippedModels();
  if (!models.length) {
    throw new Error(`no trained model in ${MODELS} (a folder with config.json): the end-to-end test needs the shipped models`);
  }
  const proc = spawn(command[0], command.slice(1).concat(["serve", "--port", "0", "--models", MODELS, "--log-level", "warning"]),
    { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: Object.assign({}, process.env, { PYTHONUNBUFFERED: "1" }) });
  return whenReady(proc);
}

let daemon = null;

test.before(async () => {
  daemon = await startDaemon();
});

test.after(() => {
  if (daemon && daemon.proc.exitCode === null) daemon.proc.kill("SIGTERM");
});

test("Generate, Continue and Restyle over UDP against cadenza serve fill the Live set", { timeout: 240000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    env.send("init");
    const ready = await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection and model list");
    assert.match(ready, /^Connected to Cadenza \S+ \(already running\): model \S+, \d+ styles?\. Ready\.$/);

    env.send("bars", 2);
    env.send("variations", 2);
    env.send("seed", 7);
    env.send("seed_lock", 1);
    await pressGo(env);
    const done = await waitFor(env, (s) => /^Done|could not|incomplete|not running|No answer|stopped/.test(s), "Generate");
    assert.match(done, /^Done: 2 clips \(\d+ notes?\) in "Lead", slots 1 and 2/);
    const first = lead.slots[0].clip;
    const second = lead.slots[1].clip;
    assert.ok(first && second, "two clips in the first two slots");
    assert.match(first.props.name, /^Cadenza melody Dm s7 v1$/);
    assert.ok(first.notes.length > 0, "the first variation has notes");
    for (const n of first.notes.concat(second.notes)) {
      assert.ok(n.pitch >= 0 && n.pitch <= 127 && n.duration > 0 && n.start_time >= 0 && n.start_time < first.props.length + 1e-6);
    }

    live.highlight(lead, 0);
    const sourceNotes = JSON.stringify(first.notes);
    const sourceWrites = live.writesTo(first).length;
    env.send("mode", 1);
    env.send("variations", 1);
    await pressGo(env);
    await waitFor(env, (s) => s !== done && /^Done|could not|incomplete|No answer|stopped/.test(s), "Continue");
    assert.match(env.status(), /^Done: 1 clip \(\d+ notes?\) in "Lead", slot 3/);
    assert.match(lead.slots[2].clip.props.name, / cont$/);

    env.send("mode", 2);
    env.send("strength", 1);
    const before = env.status();
    await pressGo(env);
    await waitFor(env, (s) => s !== before && /^Done|could not|incomplete|No answer|stopped/.test(s), "Restyle");
    assert.match(env.status(), /^Done: 1 clip \(\d+ notes?\) in "Lead", slot 4/);
    assert.strictEqual(JSON.stringify(first.notes), sourceNotes, "the source clip was only read");
    assert.strictEqual(live.writesTo(first).length, sourceWrites, "nothing was written to the source");

    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});

// The daemon answers a request it refuses at once (an unknown style, a bad key, a clip too
// long) on the request's reply_port, where the device listens: the refusal must reach the
// status line in plain words, not as silence.
test("the daemon's refusal shows in the status line", { timeout: 30000 }, async () => {
  const { env, shim } = device(daemon.port);
  try {
    env.send("init");
    await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection", 10000);
    env.send("style", "no-such-style");
    await pressGo(env);
    const error = await waitFor(env, (s) => /could not|No answer|Done/.test(s), "the daemon's error", 15000);
    assert.match(error, /^Cadenza could not do it \(bad_request\): unknown style 'no-such-style'/);
  } finally {
    shim.close();
  }
});

test("a MIDI Generator gets its notes through the second apply cycle", { timeout: 120000 }, async () => {
  const live = new FakeLive();
  const env = createMaxEnv({ script: TOOL_JS, live, clock: "real", args: ["generate"] });
  const shim = new UdpShim(env, { sendOutlet: 1, receiverOutlet: "udpreceive" });
  const cycle = () => {
    env.dicts.set("ctx", JSON.stringify({ clip: { time_selection_start: 0, time_selection_end: 8 },
      scale: { scale_mode: 1, root_note: 0, scale_intervals: [0, 2, 4, 5, 7, 9, 11] } }));
    env.dicts.set("in", JSON.stringify({ notes: [] }));
    env.sendTo(1, "dictionary", "ctx");
    env.sendTo(0, "dictionary", "in");
    const out = env.sent(0);
    return JSON.parse(env.dicts.get(out[out.length - 1][1])).notes;
  };
  try {
    env.send("port", daemon.port);
    env.send("seed", 3);
    env.send("init");
    await waitFor(env, (s) => /Press Apply|not running/.test(s), "the tool's connection", 10000, 2);
    assert.deepStrictEqual(cycle(), []);
    await retriggered(env);
    const notes = cycle();
    assert.ok(notes.length > 0, "the second cycle brings the daemon's notes");
    assert.ok(notes.every((n) => n.start_time >= 0 && n.start_time < 8));
    assert.match(env.status(2), /^Applied \d+ notes? from Cadenza \(seed 3\)\.$/);
  } finally {
    shim.close();
  }
});

// Infill against the real daemon: /cadenza/infill id start_bar end_bar after the upload, and
// only the notes of that bar change.
test("Infill over UDP against cadenza serve rewrites one bar in place", { timeout: 120000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    const notes = [];
    for (let b = 0; b < 8; b++) notes.push({ pitch: 62 + (b % 5), start_time: b, duration: 0.5, velocity: 90 });
    const clip = live.addClip(lead, 0, { name: "Tune", length: 8, notes });
    live.highlight(lead, 0);
    env.send("init");
    await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection", 30000);
    env.send("model", "markov");
    env.send("mode", 3);
    env.send("from_bar", 2);
    env.send("bars", 1);
    const outside = JSON.stringify(clip.notes.filter((n) => n.start_time < 4));
    await pressGo(env);
    const done = await waitFor(env, (s) => /^Done|could not|incomplete|No answer|stopped/.test(s), "Infill", 60000);
    assert.match(done, /^Done: bar 2 of "Tune" regenerated \(\d+ notes?; every other note kept\)/);
    assert.strictEqual(JSON.stringify(clip.notes.filter((n) => n.start_time < 4)), outside, "bar 1 is untouched");
    assert.ok(clip.notes.every((n) => n.start_time < 8 && n.duration > 0));
    assert.strictEqual(lead.slots[1].clip, null, "no new clip");
  } finally {
    shim.close();
  }
});

// Interpolate against the real daemon: A and the clip below it go up in slots a and b, the
// daemon's one model that interpolates (the shipped VAE) answers, and the steps land below B.
test("Interpolate over UDP against cadenza serve fills the slots below B from the shipped VAE", { timeout: 120000 }, async () => {
  const { live, lead, env, shim } = device(daemon.port);
  try {
    const up = [60, 62, 64, 65, 67, 69, 71, 72];
    const a = live.addClip(lead, 0, { name: "Up", length: 8,
      notes: up.map((p, i) => ({ pitch: p, start_time: i, duration: 1, velocity: 90 })) });
    const b = live.addClip(lead, 1, { name: "Down", length: 8,
      notes: up.slice().reverse().map((p, i) => ({ pitch: p, start_time: i, duration: 0.5, velocity: 80 })) });
    const before = [a, b].map((c) => JSON.stringify(c.notes));
    live.highlight(lead, 0);
    env.send("init");
    await waitFor(env, (s) => /Ready\.$|no models/.test(s), "the connection", 30000);
    env.send("mode", 4);
    assert.match(env.status(), /^Interpolate uses model vae/);
    env.send("steps", 3);
    await pressGo(env);
    const done = await waitFor(env, (s) => /^Done|could not|incomplete|No answer|stopped/.test(s), "Interpolate", 60000);
    assert.match(done, /^Done: 3 steps from "Up" to "Down" \(\d+ notes?\) in "Lead", slots 3, 4 and 5/);
    for (let k = 2; k < 5; k++) {
      const clip = lead.slots[k].clip;
      assert.ok(clip && clip.notes.length > 0, `step ${k - 1} has notes`);
      assert.match(clip.props.name, new RegExp(`^Cadenza interp ${k - 1}/3`));
      assert.ok(clip.notes.every((n) => n.start_time >= 0 && n.start_time < 8 && n.duration > 0));
    }
    assert.deepStrictEqual([a, b].map((c) => JSON.stringify(c.notes)), before, "A and B were only read");
    assert.strictEqual(shim.errors.length, 0);
  } finally {
    shim.close();
  }
});
