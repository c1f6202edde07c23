"use strict";
// Band (Mode 9): `/cadenza/generate id role band` (or `roles "drums,bass"`, the parts ticked) to a
// model whose operations include band; each part's clips land on this track or a track to its
// right that holds a Cadenza device with that Role, else on a new MIDI track created to the right
// of the last track written; in the scene's slot or the next empty one below; one undo step; no
// other clip touched. In the fake Live set.
const test = require("node:test");
const assert = require("node:assert");
const { sentTo, last, parseRequest, notesOf, wireNotes, go, connectWith: connectModels } = require("./helpers/device");
const { createMaxEnv } = require("./helpers/max_env");
const { FakeLive } = require("./helpers/fake_live");
const { DEVICE_JS } = require("./helpers/device");

const BAND = 8; // index in the Mode menu
const ROLE = { melody: 0, bass: 1, chords: 2, keys: 3, drums: 4 };

const GENERATING = "generate,continue,restyle,infill";
const RESIDENT = [["markov", "markov", true, GENERATING, "folk,jazz"], ["gan", "gan", false, "generate,band", "rock,funk"]];

// init, answer the ping and /cadenza/models with `models`: [name, engine, default, operations, styles];
// each model writes the band's four parts.
function connectWith(env, models) {
  connectModels(env, models, { keys: ["roles", "drums,bass,chords,melody"] });
}

// A band answer as the daemon sends it: clip v*P+i is part i of take v, with role and take.
function bandAnswer(env, id, parts, takes, length) {
  env.send("/cadenza/accepted", id, 0);
  env.send("/cadenza/info", id, "seed", 7, "model", "gan", "role", "band", "roles", parts.join(","));
  const sent = {};
  for (let v = 0; v < takes; v++) {
    parts.forEach((part, i) => {
      const index = v * parts.length + i;
      const notes = notesOf(2 + index, { pitch: 36 + 12 * i, step: 1 });
      sent[`${part} ${v}`] = notes;
      env.send("/cadenza/result/begin", id, index, notes.length, length, "role", part, "take", v);
      env.send("/cadenza/result/notes", id, index, ...[].concat(...notes));
      env.send("/cadenza/result/end", id, index);
    });
  }
  env.send("/cadenza/done", id, 9.5);
  return sent;
}

test("Band: every part asked with role band; each lands on the track of its Role to the right (the next empty slot there), the rest on a new track", () => {
  const live = new FakeLive({ scenes: 4 });
  const left = live.addTrack({ name: "Left" });
  const lead = live.addTrack({ name: "Lead" });
  const keys = live.addTrack({ name: "Keys" });
  const beat = live.addTrack({ name: "Beat" });
  const pads = live.addTrack({ name: "Pads" });
  live.addDevice(left, { name: "Cadenza", params: { Role: ROLE.melody } }); // to the left: never written
  live.placeDevice(lead);
  live.addDevice(beat, { name: "Cadenza", params: { Role: ROLE.drums } });
  live.addDevice(pads, { name: "Cadenza", params: { Role: ROLE.chords } });
  const env = createMaxEnv({ script: DEVICE_JS, live });
  const kept = [live.addClip(beat, 1, { name: "Loop", length: 4, notes: [{ pitch: 36, start_time: 0, duration: 1 }] }),
    live.addClip(keys, 1, { name: "Mine", length: 4, notes: [{ pitch: 60, start_time: 0, duration: 1 }] })];
  const before = kept.map((c) => JSON.stringify([c.props, c.notes]));
  live.highlight(lead, 1);
  connectWith(env, RESIDENT);
  env.send("mode", BAND);
  assert.match(env.status(), /^Band uses model gan: one clip per part/);
  const menu = env.sent(2).filter((m) => m[0] === "style_menu").map((m) => m.slice(1).join(" "));
  assert.deepStrictEqual(menu.slice(-4), ["append any", "append rock", "append funk", "setsymbol any"], "the band model's styles");
  env.send("role", ROLE.bass);
  env.send("bars", 2);
  env.send("style", "rock");
  env.send("seed", 7);
  env.send("seed_lock", 1);
  go(env);

  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.deepStrictEqual(request.options, { role: "band", bars: 2, meter: "4/4", tempo: 120, key: "D minor", style: "rock",
    temperature: 1, seed: 7, variations: 1, model: "gan", reply_port: env.replyPort() });
  assert.strictEqual(sentTo(env, "/cadenza/clip/begin").length, 0, "nothing is uploaded");
  assert.match(env.status(), /^Writing a band \(drums on "Beat", bass on "Lead", chords on "Pads", melody on a new track, 2 bars in scene 2, model gan, seed 7\)/);

  const undoBefore = live.undoSteps;
  const historyBefore = live.history.length;
  const sent = bandAnswer(env, request.id, ["drums", "bass", "chords", "melody"], 1, 8);
  const tracks = live.song.tracks;
  assert.deepStrictEqual(tracks.map((t) => t.props.name), ["Left", "Lead", "Keys", "Beat", "Pads", "Cadenza melody"],
    "one new track, right of the last track written");
  const clip = (track, slot) => track.slots[slot].clip;
  assert.deepStrictEqual(wireNotes(clip(beat, 2).notes), sent["drums 0"], "Beat's scene-2 slot holds Loop: the next one below");
  assert.deepStrictEqual(wireNotes(clip(lead, 1).notes), sent["bass 0"]);
  assert.deepStrictEqual(wireNotes(clip(pads, 1).notes), sent["chords 0"]);
  assert.deepStrictEqual(wireNotes(clip(tracks[5], 1).notes), sent["melody 0"]);
  assert.strictEqual(clip(beat, 2).props.name, "Cadenza drums rock s7 band");
  assert.strictEqual(clip(lead, 1).props.name, "Cadenza bass rock Dm s7 band");
  assert.strictEqual(clip(lead, 1).props.length, 8);
  assert.strictEqual(clip(lead, 1).props.color, 0x2980b9);
  assert.ok(left.slots.every((s) => !s.clip) && keys.slots.filter((s) => s.clip).length === 1, "Left and Keys untouched");
  assert.strictEqual(live.undoSteps - undoBefore, 1, "one undo step");
  assert.strictEqual(live.history.length - historyBefore, 1, "one entry in Live's undo history");
  assert.deepStrictEqual(kept.map((c) => JSON.stringify([c.props, c.notes])), before);
  for (const c of kept) assert.deepStrictEqual(live.writesTo(c), []);
  assert.match(env.status(), /^Done: a band of 4 parts \(14 notes\): drums in "Beat" slot 3, bass in "Lead" slot 2, chords in "Pads" slot 2, melody in "Cadenza melody" slot 2 \(.* s\)\. New track: give it an instrument/);
});

test("Band: the parts ticked go as roles; with no track of theirs, new tracks right of this one; every take below the first", () => {
  const live = new FakeLive({ scenes: 2 });
  const lead = live.addTrack({ name: "Lead" });
  const after = live.addTrack({ name: "After" });
  live.placeDevice(lead);
  const env = createMaxEnv({ script: DEVICE_JS, live });
  connectWith(env, RESIDENT);
  env.send("mode", BAND);
  env.send("band_chords", 0);
  env.send("band_melody", 0);
  env.send("variations", 2);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.strictEqual(request.options.roles, "drums,bass");
  assert.ok(!("role" in request.options));
  assert.strictEqual(request.options.variations, 2);
  const sent = bandAnswer(env, request.id, ["drums", "bass"], 2, 16);
  const tracks = live.song.tracks;
  assert.deepStrictEqual(tracks.map((t) => t.props.name), ["Lead", "Cadenza drums", "Cadenza bass", "After"],
    "Lead plays melody (not ticked): both parts on new tracks right of it, After left where it was");
  assert.deepStrictEqual(wireNotes(tracks[1].slots[0].clip.notes), sent["drums 0"]);
  assert.deepStrictEqual(wireNotes(tracks[1].slots[1].clip.notes), sent["drums 1"]);
  assert.deepStrictEqual(wireNotes(tracks[2].slots[1].clip.notes), sent["bass 1"]);
  assert.strictEqual(tracks[2].slots[1].clip.props.name, "Cadenza bass Dm s" + request.options.seed + " v2 band");
  assert.ok(lead.slots.every((s) => !s.clip) && after.slots.every((s) => !s.clip));
  assert.match(env.status(), /^Done: a band of 2 parts .* New tracks: give them an instrument/);
});

test("Band without a model that writes bands, or with no part ticked, says so and sends nothing", () => {
  const live = new FakeLive();
  const lead = live.addTrack({ name: "Lead" });
  live.placeDevice(lead);
  const env = createMaxEnv({ script: DEVICE_JS, live });
  connectWith(env, [RESIDENT[0]]);
  env.send("mode", BAND);
  assert.match(env.status(), /^Band needs a model that writes bands, and this Cadenza serves none \(markov\)/);
  go(env);
  assert.strictEqual(sentTo(env, "/cadenza/generate").length, 0);
  for (const part of ["drums", "bass", "chords", "melody"]) env.send(`band_${part}`, 0);
  go(env);
  assert.strictEqual(env.status(), "Band: tick at least one part (drums, bass, chords, melody).");
  assert.strictEqual(sentTo(env, "/cadenza/generate").length, 0);
});

test("the patcher has Band in the Mode menu and a tick box per part, on by default, sent to the script", () => {
  const p = require("../build").readPatcher("Cadenza.maxpat").patcher;
  const byVar = new Map(p.boxes.map((b) => [b.box.varname, b.box]));
  const byId = new Map(p.boxes.map((b) => [b.box.id, b.box]));
  assert.strictEqual(byVar.get("Mode").saved_attribute_attributes.valueof.parameter_enum[BAND], "Band");
  for (const part of ["drums", "bass", "chords", "melody"]) {
    const name = "Band " + part[0].toUpperCase() + part.slice(1);
    const box = byVar.get(name);
    assert.strictEqual(box.maxclass, "live.toggle", name);
    assert.strictEqual(box.saved_attribute_attributes.valueof.parameter_initial[0], 1);
    const out = p.lines.find((l) => l.patchline.source[0] === box.id).patchline.destination[0];
    assert.strictEqual(byId.get(out).text, `prepend band_${part}`);
  }
});
