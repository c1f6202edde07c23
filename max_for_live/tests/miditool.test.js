"use strict";
// The Live 12 MIDI Tools (dev/cadenza_miditool.js): the apply cycle is answered at once,
// from the cache when it holds this exact request, and the daemon's answer completes a second,
// re-triggered cycle. live.miditool.in/out are played by the test: it sends the context and
// notes dictionaries the way the object does and reads what goes to live.miditool.out.
const test = require("node:test");
const assert = require("node:assert");
const { createMaxEnv } = require("./helpers/max_env");
const { FakeLive } = require("./helpers/fake_live");
const { TOOL_JS, sentTo, last, parseRequest } = require("./helpers/device");
const { tool, pongAll, applyCycle, reply } = require("./helpers/miditool");

const STATUS = 2;

function context(start, end, scale = { scale_mode: 1, root_note: 9, scale_intervals: [0, 2, 3, 5, 7, 8, 10] }) {
  return {
    clip: { time_selection_start: start, time_selection_end: end, insert_marker_time: start,
      first_note_start: 0, last_note_end: 0, lowest_pitch: 0, highest_pitch: 0 },
    scale, grid: { interval: 0.25, enabled: 1 },
  };
}

test("Generator: no change first, then the answer arrives through a re-triggered cycle", () => {
  const { env } = tool("generate");
  pongAll(env);
  env.send("seed", 5);
  const first = applyCycle(env, context(4, 12), []);
  assert.deepStrictEqual(first, [], "nothing is added before the answer is in");
  const request = parseRequest(last(sentTo(env, "/cadenza/generate", 1)));
  assert.strictEqual(request.options.bars, 2);
  assert.strictEqual(request.options.key, "A minor");
  assert.strictEqual(request.options.tempo, 100);
  assert.strictEqual(request.options.seed, 5);
  assert.strictEqual(request.options.variations, 1);

  reply(env, request.id, [[60, 0, 1, 90], [64, 7.5, 2, 80], [67, 8, 1, 70]], 8);
  assert.deepStrictEqual(last(env.sent(3)), ["bang"], "live.miditool.in is banged once the answer is cached");
  const cache = [...env.dicts.entries()].find(([name]) => name.startsWith("cadenza_tool_cache_"));
  assert.ok(cache && JSON.parse(cache[1]).notes.length === 2, "the answer sits in a Dict");

  const second = applyCycle(env, context(4, 12), []);
  assert.deepStrictEqual(second, [
    { pitch: 60, start_time: 4, duration: 1, velocity: 90, mute: 0 },
    { pitch: 64, start_time: 11.5, duration: 0.5, velocity: 80, mute: 0 },
  ], "placed at the selection, cut at its end");
  assert.strictEqual(env.status(STATUS), "Applied 2 notes from Cadenza (seed 5).");

  env.clock.advance(5000);
  const again = applyCycle(env, context(4, 12), []);
  assert.strictEqual(again.length, 2, "the same request is answered from the cache");
  assert.strictEqual(sentTo(env, "/cadenza/generate", 1).length, 1, "without asking the daemon again");

  env.send("seed", 6);
  assert.deepStrictEqual(applyCycle(env, context(4, 12), []), []);
  assert.strictEqual(parseRequest(last(sentTo(env, "/cadenza/generate", 1))).options.seed, 6);
});

test("Transformation: returns its input unchanged, then the restyled notes", () => {
  const { env } = tool("restyle");
  pongAll(env);
  env.send("strength", 0.9);
  const input = [
    { note_id: 1, pitch: 62, start_time: 8, duration: 1, velocity: 100.0, mute: 0, probability: 1 },
    { note_id: 2, pitch: 65, start_time: 9.5, duration: 0.5, velocity: 90.0, mute: 0, probability: 1 },
  ];
  const first = applyCycle(env, context(0, 0, { scale_mode: 0 }), input);
  assert.deepStrictEqual(first, input, "the clip is left as it is until the answer is in");
  const begin = last(sentTo(env, "/cadenza/clip/begin", 1));
  assert.strictEqual(begin[2], 4, "one bar from the bar that holds the first note");
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/clip/notes", 1)).slice(2), [62, 0, 1, 100, 65, 1.5, 0.5, 90]);
  const request = parseRequest(last(sentTo(env, "/cadenza/restyle", 1)));
  assert.strictEqual(request.id, begin[1]);
  assert.strictEqual(request.options.strength, 0.9);
  assert.ok(!("key" in request.options), "Scale off: no key");
  reply(env, request.id, [[60, 0, 1, 100], [67, 1.5, 0.5, 90]], 4);
  const second = applyCycle(env, context(0, 0, { scale_mode: 0 }), input);
  assert.deepStrictEqual(second.map((n) => [n.pitch, n.start_time]), [[60, 8], [67, 9.5]]);
});

test("a re-triggered cycle that no longer matches asks the user instead of looping", () => {
  const { env } = tool("generate");
  pongAll(env);
  applyCycle(env, context(0, 4), []);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate", 1)));
  reply(env, request.id, [[60, 0, 1, 90]], 4);
  const out = applyCycle(env, context(0, 8), []); // the selection changed meanwhile
  assert.deepStrictEqual(out, []);
  assert.strictEqual(env.status(STATUS), "The clip changed while Cadenza was working: press Apply again.");
  assert.strictEqual(sentTo(env, "/cadenza/generate", 1).length, 1);
});

test("the MIDI Tools say when the daemon is not running, and answer the cycle anyway", () => {
  const { env } = tool("generate");
  const out = applyCycle(env, context(0, 4), []);
  assert.deepStrictEqual(out, []);
  env.clock.advance(3100);
  assert.strictEqual(env.status(STATUS), "Cadenza daemon not running: start it with `cadenza serve`");
});

// ---- the Generator never loses the user's notes -------------------------------------------

const USER_NOTES = [
  { note_id: 1, pitch: 60, start_time: 4, duration: 1, velocity: 100, mute: 0, probability: 1 },
  { note_id: 2, pitch: 62, start_time: 3.5, duration: 1, velocity: 90, mute: 0, probability: 1 }, // sounds into the range
  { note_id: 3, pitch: 64, start_time: 11, duration: 0.5, velocity: 80, mute: 0, probability: 1 },
  { note_id: 4, pitch: 67, start_time: 12, duration: 1, velocity: 70, mute: 0, probability: 1 }, // after the range
];
const IN_RANGE = USER_NOTES.slice(0, 3);

test("Generator: a cache miss with the daemon down answers with the notes already in the range", () => {
  const { env } = tool("generate");
  const out = applyCycle(env, context(4, 12), USER_NOTES);
  assert.deepStrictEqual(out, IN_RANGE, "the notes in the selection come back as they were");
  env.clock.advance(3100);
  assert.match(env.status(STATUS), /not running/);
  assert.deepStrictEqual(applyCycle(env, context(4, 12), USER_NOTES), IN_RANGE, "and again on the next Apply");
});

test("Generator: while the daemon is slow, and after it refuses, every cycle keeps the notes", () => {
  const { env } = tool("generate");
  pongAll(env);
  assert.deepStrictEqual(applyCycle(env, context(4, 12), USER_NOTES), IN_RANGE);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate", 1)));
  env.send("/cadenza/accepted", request.id, 0);
  env.clock.advance(2000);
  assert.deepStrictEqual(applyCycle(env, context(4, 12), USER_NOTES), IN_RANGE, "slow: still the user's notes");
  env.send("/cadenza/error", request.id, "bad_request", "style must be one of ...");
  assert.match(env.status(STATUS), /could not do it \(bad_request\)/);
  assert.deepStrictEqual(applyCycle(env, context(4, 12), USER_NOTES), IN_RANGE, "refused: still the user's notes");
});

test("Generator: with no time selection, every note handed over is returned", () => {
  const { env } = tool("generate");
  assert.deepStrictEqual(applyCycle(env, context(0, 0), USER_NOTES), USER_NOTES);
});

test("a cycle that fails inside the script still answers with the user's notes", () => {
  for (const kind of ["generate", "restyle"]) {
    const { env } = tool(kind);
    env.context.describe = () => { throw new Error("boom"); };
    assert.deepStrictEqual(applyCycle(env, context(0, 0), USER_NOTES), USER_NOTES, kind);
    assert.strictEqual(env.status(STATUS), "boom");
  }
});

// ---- a changed control re-runs the tool ---------------------------------------------------

test("a changed control bangs live.miditool.in (through the patcher's qlim); the same value does not", () => {
  const live = new FakeLive({ tempo: 100 });
  const env = createMaxEnv({ script: TOOL_JS, live, args: ["generate"] });
  env.send("seed", 3); // parameters restored at load, before live.thisdevice bangs: no re-run
  assert.strictEqual(env.sent(3).length, 0);
  env.send("init");
  pongAll(env);
  env.send("seed", 4);
  assert.deepStrictEqual(env.sent(3), [["bang"]]);
  env.send("seed", 4);
  env.send("host", "127.0.0.1");
  assert.strictEqual(env.sent(3).length, 1, "no re-run for an unchanged value or a connection setting");
  for (const [name, value] of [["role", 1], ["mood", 2], ["bars", 8], ["temperature", 0.5], ["style", "rock"]]) {
    env.send(name, value);
  }
  assert.strictEqual(env.sent(3).length, 6);
});

test("the cycle a control change starts asks for the new request, even right after an answer", () => {
  const { env } = tool("generate");
  pongAll(env);
  env.send("seed", 5);
  applyCycle(env, context(0, 4), []);
  const first = parseRequest(last(sentTo(env, "/cadenza/generate", 1)));
  reply(env, first.id, [[60, 0, 1, 90]], 4);
  assert.strictEqual(applyCycle(env, context(0, 4), []).length, 1, "the answer is applied");
  env.send("seed", 6); // at once: within the answer's re-trigger window
  const out = applyCycle(env, context(0, 4), USER_NOTES.slice(0, 1).map((n) => Object.assign({}, n, { start_time: 0 })));
  assert.strictEqual(out.length, 1, "the notes in the range are kept until the new answer is in");
  const second = parseRequest(last(sentTo(env, "/cadenza/generate", 1)));
  assert.notStrictEqual(second.id, first.id);
  assert.strictEqual(second.options.seed, 6);
  assert.doesNotMatch(env.status(STATUS), /changed while/);
});

test("both MIDI Tools wire the script's re-run outlet through a qlim into live.miditool.in", () => {
  const build = require("../build");
  for (const name of ["Cadenza Generate.maxpat", "Cadenza Restyle.maxpat", "Cadenza Groove.maxpat"]) {
    const p = build.readPatcher(name).patcher;
    const byId = new Map(p.boxes.map((b) => [b.box.id, b.box]));
    const idOf = (re) => p.boxes.find((b) => re.test(b.box.text || "")).box.id;
    const js = idOf(/^js /);
    const into = (id) => p.lines.filter((l) => l.patchline.source[0] === id).map((l) => l.patchline);
    const fromJs = into(js).filter((l) => l.source[1] === 3).map((l) => byId.get(l.destination[0]));
    assert.strictEqual(fromJs.length, 1, name);
    assert.match(fromJs[0].text, /^qlim \d+$/, `${name}: outlet 3 goes to a qlim`);
    assert.deepStrictEqual(into(fromJs[0].id).map((l) => byId.get(l.destination[0]).text), ["live.miditool.in"], name);
  }
});

test("the MIDI Tools fill a model menu and send every control the daemon accepts; each one re-runs the tool", () => {
  const { env } = tool("restyle");
  pongAll(env);
  const models = last(sentTo(env, "/cadenza/models", 1));
  env.send("/cadenza/model", models[1], "markov", "markov", "cpu", "none", "default", 1, "styles", "folk");
  env.send("/cadenza/model", models[1], "transformer", "transformer", "cpu", "none", "default", 0, "styles", "rock,jazz");
  env.send("/cadenza/done", models[1], 1);
  const menu = (name) => env.sent(4).filter((m) => m[0] === name).map((m) => m.slice(1).join(" "));
  assert.deepStrictEqual(menu("model_menu"), ["clear", "append default", "append markov", "append transformer", "setsymbol default"]);
  assert.deepStrictEqual(menu("style_menu").slice(-2), ["append folk", "setsymbol any"]);
  const controls = [["model", "transformer"], ["prompt", "text dark and slow"], ["top_p", 0.7], ["guidance", 3],
    ["density", 5], ["pitch_low", 40], ["pitch_high", 90], ["scale_lock", 1], ["strength", 0.8], ["preserve", 1]];
  for (const [name, value] of controls) env.send(name, value);
  assert.strictEqual(env.sent(3).length, controls.length, "every control change re-runs the tool");
  assert.deepStrictEqual(menu("style_menu").slice(-3), ["append rock", "append jazz", "setsymbol any"]);
  applyCycle(env, context(0, 4), [{ pitch: 60, start_time: 0, duration: 1, velocity: 90, mute: 0 }]);
  const request = parseRequest(last(sentTo(env, "/cadenza/restyle", 1)));
  assert.deepStrictEqual(
    ["model", "prompt", "top_p", "guidance", "density", "pitch_low", "pitch_high", "scale_lock", "strength", "preserve"].map((k) => request.options[k]),
    ["transformer", "dark and slow", 0.7, 1, 0.85, 40, 90, 1, 0.8, "contour"]);
});

test("every front-end patcher has a control for every key the daemon accepts", () => {
  const build = require("../build");
  const common = ["role", "style", "mood", "seed", "temperature", "model", "prompt", "top_p", "guidance",
    "density", "pitch_low", "pitch_high", "scale_lock"];
  const want = {
    "Cadenza.maxpat": common.concat(["bars", "variations", "key", "scale", "strength", "preserve", "mode", "cancel", "amount", "swing"]),
    "Cadenza Generate.maxpat": common.concat(["bars"]),
    "Cadenza Restyle.maxpat": common.concat(["strength", "preserve"]),
    // groove takes only these keys (docs/PROTOCOL.md, Groove)
    "Cadenza Groove.maxpat": ["role", "style", "seed", "temperature", "model", "amount", "swing"],
  };
  for (const [name, keys] of Object.entries(want)) {
    const texts = build.readPatcher(name).patcher.boxes.map((b) => b.box.text || "");
    const sent = new Set(texts.map((t) => (/^prepend (\S+)$/.exec(t) || [])[1]).concat(texts));
    for (const key of keys) assert.ok(sent.has(key), `${name} has no control for ${key}`);
  }
});
