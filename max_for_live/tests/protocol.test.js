"use strict";
// js/osc_protocol.js on its own: message shapes, note conversion and reply assembly.
const test = require("node:test");
const assert = require("node:assert");
const path = require("path");
const { createMaxEnv } = require("./helpers/max_env");

const P = createMaxEnv({ script: path.join(__dirname, "..", "js", "osc_protocol.js") }).context.CadenzaProtocol;
const plain = (x) => JSON.parse(JSON.stringify(x));

test("requests leave unset options out and keep the contract's order", () => {
  assert.deepStrictEqual(plain(P.request("generate", 7, [["bars", 4], ["style", ""], ["key", null], ["seed", 0]])),
    ["/cadenza/generate", 7, "bars", 4, "seed", 0]);
  assert.deepStrictEqual(plain(P.request("infill", 8, [["bars", 4]], [1, 3])), ["/cadenza/infill", 8, 1, 3, "bars", 4]);
  assert.deepStrictEqual(plain(P.query("ping", 3, 17600)), ["/cadenza/ping", 3, "reply_port", 17600]);
  assert.deepStrictEqual(plain(P.cancel(9)), ["/cadenza/cancel", 9]);
});

test("an upload is clip/begin and clip/notes chunks of at most 64 notes", () => {
  const notes = [];
  for (let i = 0; i < 129; i++) notes.push([60, i * 0.25, 0.25, 100]);
  const msgs = plain(P.upload(5, { length: 64, meter: "4/4", tempo: 96, key: "", notes }, 17001));
  assert.deepStrictEqual(msgs[0], ["/cadenza/clip/begin", 5, 64, "meter", "4/4", "tempo", 96, "reply_port", 17001]);
  assert.deepStrictEqual(msgs.slice(1).map((m) => (m.length - 2) / 4), [64, 64, 1]);
  assert.ok(msgs.slice(1).every((m) => m[0] === "/cadenza/clip/notes" && m[1] === 5));
});

test("an interpolate upload names its slot on clip/begin and on every clip/notes chunk", () => {
  const notes = [];
  for (let i = 0; i < 65; i++) notes.push([60, i * 0.25, 0.25, 100]);
  const msgs = plain(P.upload(9, { length: 8, meter: "3/4", notes }, 7501, "b"));
  assert.deepStrictEqual(msgs[0], ["/cadenza/clip/begin", 9, 8, "slot", "b", "meter", "3/4", "reply_port", 7501]);
  assert.deepStrictEqual(msgs.slice(1).map((m) => m.slice(0, 3)), [["/cadenza/clip/notes", 9, "b"], ["/cadenza/clip/notes", 9, "b"]]);
  assert.deepStrictEqual(msgs.slice(1).map((m) => (m.length - 3) / 4), [64, 1]);
});

test("Live notes become contract notes; ones the daemon would refuse are dropped", () => {
  assert.deepStrictEqual(plain(P.wireNote({ pitch: 60, start_time: 1.0000000001, duration: 0.5, velocity: 99.6 })), [60, 1, 0.5, 100]);
  assert.deepStrictEqual(plain(P.wireNote({ pitch: 60, start_time: 0, duration: 1, velocity: 0.2 })), [60, 0, 1, 1]);
  assert.strictEqual(P.wireNote({ pitch: 60, start_time: 0, duration: 1, mute: 1 }), null);
  assert.strictEqual(P.wireNote({ pitch: 60, start_time: 0, duration: 0 }), null);
  assert.strictEqual(P.wireNote({ pitch: 128, start_time: 0, duration: 1 }), null);
  assert.strictEqual(P.wireNote({ pitch: 60, start_time: -1, duration: 1 }), null);
});

test("a model reply becomes menus", () => {
  const m = plain(P.parseModel([3, "markov", "markov", "cpu", "none", "default", 1, "styles", "folk, jazz,", "moods", "happy,sad"]));
  assert.deepStrictEqual([m.name, m.isDefault, m.styles, m.moods, m.roles], ["markov", true, ["folk", "jazz"], ["happy", "sad"], []]);
  assert.deepStrictEqual(m.operations, [], "an older daemon sends no operations: nothing is assumed");
  assert.strictEqual(P.can(m, "interpolate"), false);
  const vae = P.parseModel([3, "vae", "vae", "cpu", "none", "default", 0, "operations", "generate,restyle,interpolate"]);
  assert.strictEqual(P.can(vae, "interpolate"), true);
  assert.strictEqual(P.can(vae, "infill"), false);
});

test("the assembler collects variations, spots repeats and reports what went missing", () => {
  const a = new P.Assembler(4);
  assert.strictEqual(a.handle("/cadenza/accepted", [4, 2]).position, 2);
  a.handle("/cadenza/result/begin", [4, 0, 3, 8]);
  assert.strictEqual(a.handle("/cadenza/result/begin", [4, 0, 3, 8]).kind, "duplicate");
  a.handle("/cadenza/result/notes", [4, 0, 60, 0, 1, 90, 62, 1, 1, 90]);
  assert.strictEqual(a.handle("/cadenza/result/notes", [4, 0, 60, 0, 1, 90, 62, 1, 1, 90]).kind, "duplicate");
  a.handle("/cadenza/result/end", [4, 0]);
  assert.strictEqual(a.handle("/cadenza/result/notes", [4, 0, 64, 2, 1, 90]).kind, "duplicate", "notes after end");
  a.handle("/cadenza/done", [4, 3.5]);
  assert.strictEqual(a.handle("/cadenza/done", [4, 3.5]).kind, "duplicate");
  const r = plain(a.result());
  assert.deepStrictEqual(r.problems, ["variation 1 has 2 of 3 notes"]);
  assert.strictEqual(r.variations[0].notes[1].start_time, 1);
});
