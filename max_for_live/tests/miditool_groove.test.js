"use strict";
// The "Cadenza Groove" MIDI Transformation (dev/cadenza_miditool.js with the argument groove):
// the selected notes go up as a clip, `/cadenza/groove` asks a model that grooves with Role,
// Amount and Swing, the cycle returns the notes unchanged until the answer is in, and the
// re-triggered cycle replaces them with the grooved ones (same pitches and count).
const test = require("node:test");
const assert = require("node:assert");
const { sentTo, last, parseRequest } = require("./helpers/device");
const { tool: startTool, pongAll, applyCycle: cycle, reply } = require("./helpers/miditool");

const STATUS = 2;

function tool() {
  const started = startTool("groove");
  pongAll(started.env);
  return started;
}

// The model list: [name, operations, styles] each; the first is the default.
function models(env, list) {
  const id = last(sentTo(env, "/cadenza/models", 1))[1];
  list.forEach(([name, operations, styles], i) => env.send("/cadenza/model", id, name, name, "cpu", "none", "default",
    i === 0 ? 1 : 0, "styles", styles, "operations", operations));
  env.send("/cadenza/done", id, 1);
}

function applyCycle(env, notes) {
  return cycle(env, { clip: { time_selection_start: 0, time_selection_end: 0 }, scale: { scale_mode: 0 } }, notes);
}

const INPUT = [0, 1, 2, 3].map((i) => ({ note_id: i + 1, pitch: i % 2 ? 38 : 36, start_time: 4 + i * 0.5, duration: 0.25,
  velocity: 100, mute: 0, probability: 1 }));

test("Cadenza Groove: the notes unchanged first, then the grooved ones from the model that grooves", () => {
  const { env } = tool();
  models(env, [["markov", "generate,continue,restyle,infill", "folk"], ["groove", "groove", "funk,rock"]]);
  const menu = env.sent(4).filter((m) => m[0] === "style_menu").map((m) => m.slice(1).join(" "));
  assert.deepStrictEqual(menu.slice(-3), ["append funk", "append rock", "setsymbol any"], "the groove model's feels");
  env.send("role", 4); // drums
  env.send("amount", 0.6);
  env.send("swing", 0.5);
  env.send("style", "funk");
  const first = applyCycle(env, INPUT);
  assert.deepStrictEqual(first, INPUT, "the notes are left as they are until the answer is in");
  assert.strictEqual(last(sentTo(env, "/cadenza/clip/begin", 1))[2], 4, "the bar that holds the notes");
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/clip/notes", 1)).slice(2),
    [36, 0, 0.25, 100, 38, 0.5, 0.25, 100, 36, 1, 0.25, 100, 38, 1.5, 0.25, 100]);
  const request = parseRequest(last(sentTo(env, "/cadenza/groove", 1)));
  assert.deepStrictEqual(request.options, { role: "drums", amount: 0.6, swing: 0.5, style: "funk", temperature: 1, seed: 1,
    variations: 1, reply_port: request.options.reply_port }, "Model default: the daemon picks the model that grooves");
  assert.strictEqual(sentTo(env, "/cadenza/restyle", 1).length, 0);
  const grooved = [[36, 0.01, 0.25, 110], [38, 0.6, 0.25, 70], [36, 1.02, 0.25, 105], [38, 1.62, 0.25, 64]];
  reply(env, request.id, grooved, 4);
  const second = applyCycle(env, INPUT);
  assert.deepStrictEqual(second.map((n) => [n.pitch, n.start_time, n.duration, n.velocity]),
    grooved.map(([p, s, d, v]) => [p, 4 + s, d, v]), "the same pitches and count, new timing and velocity");
});

test("Cadenza Groove: a Model menu choice that cannot groove gives way to the model that can", () => {
  const { env } = tool();
  models(env, [["markov", "generate,continue,restyle,infill", "folk"], ["groove", "groove", "funk,rock"]]);
  env.send("model", "markov");
  applyCycle(env, INPUT);
  assert.strictEqual(parseRequest(last(sentTo(env, "/cadenza/groove", 1))).options.model, "groove");
});

test("Cadenza Groove: Amount and Swing re-run the tool; no model that grooves is said before asking", () => {
  const { env } = tool();
  models(env, [["markov", "generate,continue,restyle,infill", "folk"]]);
  env.send("amount", 0.3);
  env.send("swing", 0.2);
  assert.strictEqual(env.sent(3).length, 2, "each change re-runs the tool");
  assert.deepStrictEqual(applyCycle(env, INPUT), INPUT);
  assert.strictEqual(sentTo(env, "/cadenza/groove", 1).length, 0);
  assert.match(env.status(STATUS), /^Cadenza Groove needs a model that grooves, and this Cadenza serves none \(markov\)/);
});

test("the Cadenza Groove device: a MIDI Transformation running the groove tool, with Amount and Swing dials", () => {
  const build = require("../build");
  const device = build.DEVICES.find((d) => d.file === "Cadenza Groove.amxd");
  assert.strictEqual(device.type, "natt", "a Transformation");
  const p = build.readPatcher(device.patcher).patcher;
  const texts = p.boxes.map((b) => b.box.text || "");
  assert.ok(texts.includes("js cadenza_miditool.js groove"));
  const byVar = new Map(p.boxes.map((b) => [b.box.varname, b.box]));
  for (const name of ["Amount", "Swing"]) {
    const v = byVar.get(name).saved_attribute_attributes.valueof;
    assert.deepStrictEqual([v.parameter_mmin, v.parameter_mmax], [0, 1], name);
  }
  assert.ok(!texts.includes("prepend preserve") && !texts.includes("prepend strength"), "restyle's keys are not groove's");
});
