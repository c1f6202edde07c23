"use strict";
// Shared steps of the MIDI Tool tests (dev/cadenza_miditool.js): the tool started in a fake Live
// set, the apply cycle played the way live.miditool.in does, and a daemon's one-clip answer.
const assert = require("node:assert");
const { createMaxEnv } = require("./max_env");
const { FakeLive } = require("./fake_live");
const { TOOL_JS, sentTo } = require("./device");

// The tool of `kind` (its argument: generate, groove, ...), started.
function tool(kind) {
  const live = new FakeLive({ tempo: 100 });
  const env = createMaxEnv({ script: TOOL_JS, live, args: [kind] });
  env.send("init");
  return { env, live };
}

// Answer every ping the tool sent.
function pongAll(env) {
  for (const ping of sentTo(env, "/cadenza/ping", 1)) env.send("/cadenza/pong", ping[1], "0.1.0");
}

// One apply cycle: context first (middle outlet), then notes (left outlet), as Live does.
function applyCycle(env, context, notes) {
  const before = env.sent(0).length;
  env.dicts.set("ctx", JSON.stringify(context));
  env.dicts.set("in", JSON.stringify({ notes }));
  env.sendTo(1, "dictionary", "ctx");
  env.sendTo(0, "dictionary", "in");
  const out = env.sent(0).slice(before);
  assert.strictEqual(out.length, 1, "exactly one notes dictionary per apply cycle, synchronously");
  assert.strictEqual(out[0][0], "dictionary");
  return JSON.parse(env.dicts.get(out[0][1])).notes;
}

// The daemon's answer to request `id`: one clip of `notes` ([pitch, start, duration, velocity]
// each) `length` beats long, then done.
function reply(env, id, notes, length) {
  env.send("/cadenza/accepted", id, 0);
  env.send("/cadenza/result/begin", id, 0, notes.length, length);
  env.send("/cadenza/result/notes", id, 0, ...[].concat(...notes));
  env.send("/cadenza/result/end", id, 0);
  env.send("/cadenza/done", id, 5.0);
}

module.exports = { tool, pongAll, applyCycle, reply };
