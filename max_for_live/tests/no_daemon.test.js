"use strict";
// No terminal step, over real UDP: with no daemon on the port, the device's launcher (the real
// max_for_live/node/cadenza_launcher.js, as [node.script] runs it) starts `cadenza serve`, the
// device connects and writes clips, and deleting the device stops the daemon it started; a
// daemon that was already running is never started twice nor stopped. Without a launcher, or
// without a cadenza program, the status line says how to start it by hand or how to install it.
const test = require("node:test");
const assert = require("node:assert");
const dgram = require("dgram");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const { waitFor, pressGo, device } = require("./helpers/e2e");
const { Launcher } = require("../node/cadenza_launcher");

const REPO = path.resolve(__dirname, "..", "..");

async function freePort() {
  const probe = dgram.createSocket("udp4");
  await new Promise((resolve) => probe.bind(0, "127.0.0.1", resolve));
  const port = probe.address().port;
  await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
  return port;
}

// The launcher wired to the device's outlet 3 and inlet, as the patcher wires [node.script].
function withLauncher(env, options = {}) {
  const said = [];
  const launcher = new Launcher(Object.assign({
    send: (...words) => { said.push(words); setImmediate(() => env.send("launcher", ...words)); },
  }, options));
  const previous = env.context.onOutlet;
  env.context.onOutlet = (n, args) => {
    if (previous) previous(n, args);
    if (n !== 3) return;
    if (args[0] === "start") launcher.start(args[1], args[2], args[3]);
    else if (args[0] === "stop") launcher.stop();
  };
  return { launcher, said };
}

// A `cadenza` program for this checkout: the daemon from this worktree's sources and models.
function cadenzaProgram() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cadenza-launch-"));
  const file = path.join(dir, "cadenza");
  const python = process.env.PYTHON || "python3";
  fs.writeFileSync(file, `#!/bin/sh\ncd '${REPO}' && exec '${python}' -m bridge.cli "$@"\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

test("with no daemon and no launcher answering, the status line says how to start it", { timeout: 30000 }, async () => {
  const port = await freePort();
  const { env, shim, lead } = device(port);
  try {
    env.send("init");
    const status = await waitFor(env, (s) => /not running/.test(s), "the not-running message", 15000);
    assert.strictEqual(status, `Cadenza daemon not running at 127.0.0.1:${port}, and the device could not start it ` +
      `(Node for Max did not answer): start it in a terminal with \`cadenza serve --port ${port}\``);
    assert.strictEqual(shim.received.length, 0);
    assert.ok(lead.slots.every((s) => !s.clip));
  } finally {
    shim.close();
  }
});

test("no cadenza program anywhere: the status line says how to install it or where to set it", { timeout: 30000 }, async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "cadenza-nothing-"));
  const port = await freePort();
  const { env, shim } = device(port);
  const { said } = withLauncher(env, { env: { PATH: empty, HOME: empty }, platform: "linux" });
  try {
    env.send("init");
    const status = await waitFor(env, (s) => /not installed/.test(s), "the not-installed message", 15000);
    assert.match(status, /^Cadenza is not installed where the device looks \(the PATH and \d+ usual places\): install it \(pipx install cadenza/);
    assert.match(status, /type the full path of the cadenza program into Program\.$/);
    env.send("program", "text", path.join(empty, "no-such-cadenza"));
    env.send("port", port); // reconnects
    const again = await waitFor(env, (s) => /does not exist/.test(s), "the bad-path message", 15000);
    assert.strictEqual(again, `The cadenza program set in Program does not exist: ${path.join(empty, "no-such-cadenza")}. ` +
      "Fix the path, or clear it to let the device look on the PATH.");
    assert.deepStrictEqual(said.map((w) => w[0]), ["notfound", "notfound"]);
  } finally {
    shim.close();
  }
});

test("the device starts cadenza serve when none answers, uses it, and stops it when deleted", { timeout: 240000 }, async () => {
  const port = await freePort();
  const { env, shim, lead } = device(port);
  const { launcher, said } = withLauncher(env);
  try {
    env.send("program", "text", cadenzaProgram());
    env.send("init");
    await waitFor(env, (s) => /starting `cadenza serve`/.test(s), "the start", 15000);
    const ready = await waitFor(env, (s) => /Ready\.$|could not|stopped|not installed/.test(s), "the started daemon", 180000);
    assert.match(ready, /^Connected to Cadenza \S+ \(started by this device; it stops with it\): model \S+, \d+ styles?\. Ready\.$/);
    assert.deepStrictEqual(said.map((w) => w[0]), ["started", "ready"]);
    const child = launcher.child;
    assert.ok(child && child.exitCode === null, "the daemon runs");

    env.send("bars", 1);
    env.send("model", "markov");
    await pressGo(env);
    const done = await waitFor(env, (s) => /^Done|could not|No answer|stopped/.test(s), "Generate", 60000);
    assert.match(done, /^Done: 1 clip \(\d+ notes?\) in "Lead", slot 1/);
    assert.ok(lead.slots[0].clip.notes.length > 0);

    env.context.notifydeleted();
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on("exit", resolve)));
    assert.deepStrictEqual(said.map((w) => w[0]), ["started", "ready", "stopped"], "the daemon it started has stopped");
  } finally {
    if (launcher.child) launcher.child.kill("SIGKILL");
    shim.close();
  }
});

test("a daemon that is already running is neither started again nor stopped by the device", { timeout: 240000 }, async () => {
  const port = await freePort();
  const daemon = spawn(cadenzaProgram(), ["serve", "--port", String(port), "--log-level", "warning"],
    { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise((resolve, reject) => {
      let out = "";
      daemon.stdout.on("data", (d) => { out += d; if (out.includes("cadenza ready")) resolve(); });
      daemon.on("exit", (code) => reject(new Error(`cadenza serve exited (${code})`)));
    });
    const { env, shim } = device(port);
    const { said } = withLauncher(env);
    try {
      env.send("init");
      const ready = await waitFor(env, (s) => /Ready\.$|could not|not running/.test(s), "the connection", 30000);
      assert.match(ready, /^Connected to Cadenza \S+ \(already running\): /);
      assert.deepStrictEqual(env.sent(3), [], "no start asked");
      env.context.notifydeleted();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepStrictEqual(env.sent(3), [], "no stop asked");
      assert.deepStrictEqual(said, []);
      assert.strictEqual(daemon.exitCode, null, "the daemon still runs");
    } finally {
      shim.close();
    }
  } finally {
    daemon.kill("SIGTERM");
  }
});
