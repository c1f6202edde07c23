"use strict";
// No terminal step, in the fake Live set: when no daemon answers on this computer the device
// asks its [node.script] launcher to start `cadenza serve`, and says in the status line what
// happened; it stops only a daemon it started. And the launcher itself, with a fake spawn.
const test = require("node:test");
const assert = require("node:assert");
const { EventEmitter } = require("events");
const { sentTo, last, parseRequest, setup, answer, notesOf } = require("./helpers/device");
const { candidates, findProgram, Launcher } = require("../node/cadenza_launcher");

// Lets the ping (and its one retry) go unanswered.
function noPong(env) {
  env.clock.advance(1500);
  env.clock.advance(1500);
}

function pong(env) {
  env.send("/cadenza/pong", last(sentTo(env, "/cadenza/ping"))[1], "0.1.0");
}

function models(env) {
  const request = last(sentTo(env, "/cadenza/models"));
  env.send("/cadenza/model", request[1], "markov", "markov", "cpu", "none", "default", 1, "styles", "folk");
  env.send("/cadenza/done", request[1], 1);
}

test("no daemon: the device starts one, connects, runs the waiting Go, and stops it when deleted", () => {
  const { env, lead } = setup();
  env.send("program", "text", "/opt/cadenza/bin/cadenza");
  env.send("init");
  noPong(env);
  assert.deepStrictEqual(env.sent(3), [["start", "127.0.0.1", 7500, "/opt/cadenza/bin/cadenza"]]);
  assert.strictEqual(env.status(), "No Cadenza at 127.0.0.1:7500: starting `cadenza serve` ...");
  env.clock.advance(1000);
  env.send("go");
  assert.match(env.status(), /^Still starting Cadenza/, "a Go while it starts waits");
  env.send("launcher", "started", 4242, "/opt/cadenza/bin/cadenza");
  env.clock.advance(60000); // loading models: no give-up while it loads
  const pings = sentTo(env, "/cadenza/ping").length;
  env.send("launcher", "ready", "cadenza", "ready", "on", "udp+tcp", "127.0.0.1:7500");
  assert.strictEqual(sentTo(env, "/cadenza/ping").length, pings + 1, "pinged again once ready");
  pong(env);
  models(env);
  assert.strictEqual(env.status(), "Connected to Cadenza 0.1.0 (started by this device; it stops with it): model markov, 1 style. Ready.");
  env.clock.advance(1000);
  env.send("go");
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [{ notes: notesOf(3), length: 16 }]);
  assert.ok(lead.slots[0].clip);
  env.context.notifydeleted();
  assert.deepStrictEqual(last(env.sent(3)), ["stop"]);
  assert.strictEqual(env.sent(3).length, 2);
});

test("a Go with no daemon starts it and then runs", () => {
  const { env, lead } = setup();
  env.send("init");
  pong(env);
  models(env);
  env.clock.advance(20000); // no reply for a while: Go pings first
  env.send("go");
  noPong(env);
  assert.deepStrictEqual(last(env.sent(3)), ["start", "127.0.0.1", 7500]);
  env.send("launcher", "started", 99, "/usr/bin/cadenza");
  env.send("launcher", "ready", "cadenza ready");
  pong(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [{ notes: notesOf(2), length: 16 }]);
  assert.ok(lead.slots[0].clip, "the Go that found no daemon wrote its clip");
});

test("a daemon that answers is not started, and is never stopped", () => {
  const { env } = setup();
  env.send("init");
  pong(env);
  models(env);
  assert.match(env.status(), /^Connected to Cadenza 0\.1\.0 \(already running\): /);
  env.clock.advance(60000);
  env.context.notifydeleted();
  assert.deepStrictEqual(env.sent(3), []);
});

test("what the launcher reports reaches the status line: not installed, a bad path, a port in use", () => {
  const cases = [
    [["notfound", 27], /^Cadenza is not installed where the device looks \(the PATH and 27 usual places\): install it/],
    [["notfound", 1, "/nowhere/cadenza"], /^The cadenza program set in Program does not exist: \/nowhere\/cadenza\. /],
    [["failed", "spawn", "EACCES"], /^Could not run the cadenza program: spawn EACCES\. /],
    [["exited", 1, "Error:", "cannot", "listen", "on", "127.0.0.1:7500"],
      /^`cadenza serve` stopped at once \(exit code 1\): Error: cannot listen on 127\.0\.0\.1:7500\. Another program holds port 7500: set Port to another one\.$/],
  ];
  for (const [said, expected] of cases) {
    const { env } = setup();
    env.send("init");
    noPong(env);
    if (said[0] === "exited") env.send("launcher", "started", 7, "/usr/bin/cadenza");
    env.send("launcher", ...said);
    assert.match(env.status(), expected);
    env.context.notifydeleted();
    assert.ok(!env.sent(3).some((m) => m[0] === "stop"), "nothing to stop: it never ran");
  }
});

test("a daemon on another computer is not started", () => {
  const { env } = setup();
  env.context.setvalueof(JSON.stringify({ host: "192.168.1.20", port: 7500 }));
  env.send("init");
  noPong(env);
  assert.deepStrictEqual(env.sent(3), []);
  assert.strictEqual(env.status(), "Cadenza daemon not running: start it with `cadenza serve` (no answer from 192.168.1.20:7500)");
});

test("the patcher wires the script to a [node.script cadenza_launcher.js] and back", () => {
  const p = require("../build").readPatcher("Cadenza.maxpat").patcher;
  const boxes = new Map(p.boxes.map((b) => [b.box.id, b.box]));
  const js = [...boxes.values()].find((b) => /^js cadenza\.js/.test(b.text || ""));
  const node = [...boxes.values()].find((b) => /^node\.script cadenza_launcher\.js\b/.test(b.text || ""));
  assert.ok(node, "a node.script box");
  const lines = p.lines.map((l) => l.patchline);
  assert.ok(lines.some((l) => l.source[0] === js.id && l.source[1] === 3 && l.destination[0] === node.id));
  const back = lines.find((l) => l.source[0] === node.id && l.source[1] === 0);
  assert.strictEqual(boxes.get(back.destination[0]).text, "prepend launcher");
  assert.ok(lines.some((l) => l.source[0] === back.destination[0] && l.destination[0] === js.id));
});

// ---- the launcher itself ------------------------------------------------------------------

class FakeChild extends EventEmitter {
  constructor(pid) {
    super();
    this.pid = pid;
    this.exitCode = null;
    this.signalCode = null;
    this.stdout = Object.assign(new EventEmitter(), { setEncoding() {} });
    this.stderr = Object.assign(new EventEmitter(), { setEncoding() {} });
    this.killed = [];
  }
  kill(sig) { this.killed.push(sig); }
  exit(code) { this.exitCode = code; this.emit("exit", code, null); }
}

function fakeLauncher(existing) {
  const said = [];
  const spawned = [];
  const launcher = new Launcher({
    send: (...w) => said.push(w),
    spawn: (exe, args, options) => { const c = new FakeChild(100 + spawned.length); spawned.push({ exe, args, options, child: c }); return c; },
    platform: "linux",
    env: { PATH: "/usr/local/bin:/home/u/bin", HOME: "/home/u" },
    exists: (p) => existing.includes(p),
  });
  return { launcher, said, spawned };
}

test("launcher: the PATH first, then the usual places; a set path is used as it is", () => {
  const env = { PATH: "/a:/b/", HOME: "/h" };
  const list = candidates("linux", env);
  assert.deepStrictEqual(list.slice(0, 3), ["/a/cadenza", "/b/cadenza", "/h/.local/bin/cadenza"]);
  assert.ok(list.includes("/opt/homebrew/bin/cadenza") && list.includes("/h/.venv/bin/cadenza"));
  const win = candidates("win32", { PATH: "C:\\Py\\Scripts\\;C:\\x", USERPROFILE: "C:\\Users\\u", APPDATA: "C:\\A" });
  assert.deepStrictEqual(win.slice(0, 3), ["C:\\Py\\Scripts\\cadenza.exe", "C:\\x\\cadenza.exe", "C:\\Users\\u\\.local\\bin\\cadenza.exe"]);
  assert.deepStrictEqual(findProgram("", { platform: "linux", env, exists: (p) => p === "/h/.local/bin/cadenza" }), { exe: "/h/.local/bin/cadenza" });
  assert.deepStrictEqual(findProgram("/x/cadenza", { platform: "linux", env, exists: () => false }), { looked: ["/x/cadenza"], configured: "/x/cadenza" });
});

test("launcher: starts serve hidden on the asked host and port, reports ready, and stops only its own child", () => {
  const { launcher, said, spawned } = fakeLauncher(["/home/u/bin/cadenza"]);
  launcher.stop(); // nothing started: nothing to stop
  assert.deepStrictEqual(said, []);
  launcher.start("127.0.0.1", 7600);
  assert.strictEqual(spawned.length, 1);
  assert.strictEqual(spawned[0].exe, "/home/u/bin/cadenza");
  assert.deepStrictEqual(spawned[0].args, ["serve", "--host", "127.0.0.1", "--port", "7600"]);
  assert.strictEqual(spawned[0].options.windowsHide, true);
  const child = spawned[0].child;
  child.stdout.emit("data", "cadenza ready on udp+tcp 127.0.0.1:7600 | models: markov\n");
  launcher.start("127.0.0.1", 7600);
  assert.strictEqual(spawned.length, 1, "one daemon at a time");
  assert.deepStrictEqual(said, [["started", 100, "/home/u/bin/cadenza"], ["ready", "cadenza ready on udp+tcp 127.0.0.1:7600 | models: markov"], ["running", 100]]);
  launcher.stop();
  assert.deepStrictEqual(child.killed, ["SIGTERM"]);
  child.exit(0);
  assert.deepStrictEqual(last(said), ["stopped", 0]);
  launcher.stop();
  assert.deepStrictEqual(child.killed, ["SIGTERM"], "a stopped daemon is not signalled again");
});

test("launcher: a program that stops before it is ready is reported with its own error text", () => {
  const { launcher, said, spawned } = fakeLauncher(["/usr/local/bin/cadenza"]);
  launcher.start("127.0.0.1", 7500);
  spawned[0].child.stderr.emit("data", "Error: cannot listen on 127.0.0.1:7500: Address already in use. Is another cadenza already running? Try --port.\n");
  spawned[0].child.exit(1);
  assert.deepStrictEqual(last(said), ["exited", 1, "Error: cannot listen on 127.0.0.1:7500: Address already in use. Is another cadenza already running? Try --port."]);
  const none = fakeLauncher([]);
  none.launcher.start("127.0.0.1", 7500);
  assert.strictEqual(none.spawned.length, 0);
  assert.strictEqual(none.said[0][0], "notfound");
});
