"use strict";
// Two Cadenza devices on one machine: each makes its own [udpreceive] on a port no other
// Cadenza device holds (a Max Global shared by every [js]), and nothing is printed to the Max
// console while a device loads, even with no daemon running.
const test = require("node:test");
const assert = require("node:assert");
const { createMaxEnv } = require("./helpers/max_env");
const { FakeLive } = require("./helpers/fake_live");
const { DEVICE_JS, TOOL_JS, setup, sentTo, last } = require("./helpers/device");
const build = require("../build");
const vm = require("vm");

// Chance is pinned inside the script's own realm.
function pinRandom(env, value) {
  vm.runInContext(`Math.random = function () { return ${value}; };`, env.context);
}

test("a second device gets another reply port, even when chance picks the same one", () => {
  const a = setup().env;
  const b = setup().env;
  pinRandom(a, 0.5);
  pinRandom(b, 0.5);
  a.send("init");
  b.send("init");
  assert.ok(a.replyPort() >= 17500 && a.replyPort() < 27500);
  assert.notStrictEqual(b.replyPort(), a.replyPort());
  assert.deepStrictEqual(last(sentTo(b, "/cadenza/ping")).slice(2), ["reply_port", b.replyPort()]);
  const freed = a.replyPort();
  a.send("notifydeleted");
  assert.deepStrictEqual(a.patcher.objects, [], "a deleted device removes its [udpreceive]");
  const c = setup().env;
  pinRandom(c, 0.5);
  c.send("init");
  assert.strictEqual(c.replyPort(), freed, "a deleted device's port is free again");
});

test("the MIDI Tools and the device share the registry", () => {
  const live = new FakeLive();
  const tools = ["generate", "restyle"].map((kind) => createMaxEnv({ script: TOOL_JS, live, args: [kind] }));
  const device = setup().env;
  const all = tools.concat([device]);
  for (const env of all) {
    pinRandom(env, 0.25);
    env.send("init");
  }
  assert.strictEqual(new Set(all.map((env) => env.replyPort())).size, 3);
});

test("the script makes its own quiet [udpreceive] and wires it into its inlet", () => {
  for (const [script, args] of [[DEVICE_JS, []], [TOOL_JS, ["generate"]]]) {
    const live = new FakeLive();
    live.placeDevice(live.addTrack({ name: "Lead" }));
    const env = createMaxEnv({ script, live, args });
    assert.deepStrictEqual(env.patcher.objects, [], "nothing is bound before init");
    env.send("init");
    const made = env.patcher.objects;
    assert.strictEqual(made.length, 1);
    assert.strictEqual(made[0].maxclass, "udpreceive");
    assert.deepStrictEqual(made[0].args, [env.replyPort(), "@quiet", 1]);
    assert.deepStrictEqual(env.patcher.lines, [[made[0], 0, env.context.box, 0]]);
    env.clock.advance(1600); // the silent ping is retried on a fresh port: same object, retargeted
    assert.strictEqual(env.patcher.objects.length, 1);
    assert.deepStrictEqual(last(env.sent("udpreceive")), ["port", env.replyPort()]);
  }
});

test("no patcher binds a fixed [udpreceive] port at load", () => {
  for (const device of build.DEVICES) {
    const texts = build.readPatcher(device.patcher).patcher.boxes.map((b) => String(b.box.text || ""));
    assert.deepStrictEqual(texts.filter((t) => /^udpreceive\b/.test(t)), [], device.patcher);
  }
});

test("nothing is printed to the Max console at load, with no daemon running", () => {
  const { env } = setup();
  for (const [name, value] of [["mode", 0], ["role", 1], ["bars", 4], ["variations", 1], ["mood", 0],
    ["key", 0], ["scale", 1], ["temperature", 1], ["seed", 5], ["seed_lock", 0], ["strength", 0.5],
    ["preserve", 0], ["port", 7500], ["reply_port", 0]]) env.send(name, value);
  env.context.setvalueof(JSON.stringify({ style: "", host: "127.0.0.1", port: 7500, reply_port: 0 }));
  env.send("init");
  env.clock.advance(10000);
  assert.match(env.status(), /not running/);
  assert.deepStrictEqual(env.posts, []);
  for (const kind of ["generate", "restyle"]) {
    const tool = createMaxEnv({ script: TOOL_JS, live: new FakeLive(), args: [kind] });
    for (const [name, value] of [["role", 0], ["mood", 0], ["seed", 1], ["temperature", 1], ["bars", 2], ["strength", 0.5], ["preserve", 0]]) {
      tool.send(name, value);
    }
    tool.send("init");
    tool.clock.advance(10000);
    assert.deepStrictEqual(tool.posts, [], kind);
  }
});
