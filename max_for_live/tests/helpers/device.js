"use strict";
// Shared steps for the device tests: load the built script into a fake Live set, connect it,
// and answer its requests the way the daemon does.
const path = require("path");
const { createMaxEnv } = require("./max_env");
const { FakeLive } = require("./fake_live");

const DEVICE_JS = path.join(__dirname, "..", "..", "dev", "cadenza.js");
const TOOL_JS = path.join(__dirname, "..", "..", "dev", "cadenza_miditool.js");

// Message arrays sent to [udpsend] whose address is `address`.
function sentTo(env, address, outletIndex = 0) {
  return env.sent(outletIndex).filter((m) => m[0] === address);
}

function last(list) {
  return list[list.length - 1];
}

// ["/cadenza/generate", 7, "bars", 4, ...] -> {id: 7, options: {bars: 4, ...}}
function parseRequest(message, positional = 0) {
  const options = {};
  for (let i = 2 + positional; i + 1 < message.length; i += 2) options[message[i]] = message[i + 1];
  return { address: message[0], id: message[1], positional: message.slice(2, 2 + positional), options };
}

function notesOf(count, { step = 0.5, pitch = 60 } = {}) {
  const notes = [];
  for (let i = 0; i < count; i++) notes.push([pitch + (i % 12), i * step, step, 80 + (i % 20)]);
  return notes;
}

// Replies for one request, as the daemon sends them (64 notes per result/notes).
function answer(env, id, variations, { elapsed = 12.5, skipChunk = null, duplicate = false } = {}) {
  env.send("/cadenza/accepted", id, 0);
  env.send("/cadenza/info", id, "seed", 42, "model", "markov");
  variations.forEach((v, index) => {
    env.send("/cadenza/result/begin", id, index, v.notes.length, v.length);
    for (let i = 0, chunk = 0; i < v.notes.length; i += 64, chunk++) {
      const flat = [].concat(...v.notes.slice(i, i + 64));
      if (chunk !== skipChunk) env.send("/cadenza/result/notes", id, index, ...flat);
      if (duplicate) env.send("/cadenza/result/notes", id, index, ...flat);
    }
    env.send("/cadenza/result/end", id, index);
  });
  env.send("/cadenza/done", id, elapsed);
}

// A set with a "Lead" MIDI track holding the device, a "Bass" track, and an audio track.
function setup({ live: liveOptions = {}, track: trackOptions = {} } = {}) {
  const live = new FakeLive(liveOptions);
  const lead = live.addTrack({ name: "Lead" });
  const bass = live.addTrack({ name: "Bass" });
  const audio = live.addTrack({ name: "Drums Audio", midi: false });
  live.placeDevice(trackOptions.audio ? audio : lead, { inRack: !!trackOptions.inRack });
  const env = createMaxEnv({ script: DEVICE_JS, live });
  return { live, lead, bass, audio, env };
}

// init, answer the ping and the model list: the device is connected and ready.
// `more`: further models, [name, styles], after the default "markov".
function connect(env, { styles = "folk,jazz,irish-folk", more = [] } = {}) {
  env.send("init");
  const ping = last(sentTo(env, "/cadenza/ping"));
  env.send("/cadenza/pong", ping[1], "0.1.0");
  const models = last(sentTo(env, "/cadenza/models"));
  env.send("/cadenza/model", models[1], "markov", "markov", "cpu", "none", "default", 1,
    "styles", styles, "roles", "melody,bass,chords,keys,drums", "moods", "happy,tense,sad,calm");
  for (const [name, its] of more) {
    env.send("/cadenza/model", models[1], name, "transformer", "cpu", "none", "default", 0, "styles", its);
  }
  env.send("/cadenza/done", models[1], 1.5);
}

// Press Go, past the device's debounce.
function go(env) {
  env.clock.advance(1000);
  env.send("go");
}

// init, answer the ping and /cadenza/models with `models`: [name, engine, default, operations,
// styles (else `styles`)]; `keys`: what each model line says between its styles and operations.
function connectWith(env, models, { styles = "folk,jazz", keys = ["roles", "melody,bass,chords,keys,drums"] } = {}) {
  env.send("init");
  const ping = last(sentTo(env, "/cadenza/ping"));
  env.send("/cadenza/pong", ping[1], "0.2.0");
  const id = last(sentTo(env, "/cadenza/models"))[1];
  for (const [name, engine, isDefault, operations, its = styles] of models) {
    env.send("/cadenza/model", id, name, engine, "cpu", "none", "default", isDefault ? 1 : 0,
      "styles", its, ...keys, "operations", operations);
  }
  env.send("/cadenza/done", id, 1.0);
}

function wireNotes(notes) {
  return notes.map((n) => [n.pitch, n.start_time, n.duration, Math.round(n.velocity)]);
}

module.exports = { DEVICE_JS, TOOL_JS, sentTo, last, parseRequest, notesOf, answer, setup, connect, connectWith, go,
  wireNotes };
