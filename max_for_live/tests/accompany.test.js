"use strict";
// Accompany (Mode 6): the other MIDI tracks' clips in the scene (Session) or under the loop brace
// (Arrangement) are uploaded in slots c1 ... c8 with the role each plays, `/cadenza/accompany id
// role R` is asked of a model whose operations include accompany, and the answer lands on this
// track (the scene's slot or the next empty one below it; the loop brace's range), in one undo
// step, every other clip untouched. In the fake Live set.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { sentTo, last, parseRequest, notesOf, answer, wireNotes, connectWith, go } = require("./helpers/device");
const { createMaxEnv } = require("./helpers/max_env");
const { FakeLive } = require("./helpers/fake_live");
const { DEVICE_JS } = require("./helpers/device");

const ACCOMPANY = 5; // index in the Mode menu
const ROLE = { melody: 0, bass: 1, chords: 2, keys: 3, drums: 4 }; // the Role menu
const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "tests", "data", "track_roles.json"), "utf8"));

const GENERATING = "generate,continue,restyle,infill";
const RESIDENT = [["markov", "markov", true, GENERATING], ["acc", "transformer", false, GENERATING + ",accompany"]];

const note = (pitch, start, duration, velocity = 90) => ({ pitch, start_time: start, duration, velocity });
const MELODY = [note(69, 0, 1), note(72, 1, 1), note(76, 2, 2), note(74, 4, 2), note(71, 6, 2)];
const CHORDS = [57, 60, 64].map((p) => note(p, 0, 4, 70)).concat([55, 59, 62].map((p) => note(p, 4, 4, 70)));
const BEAT = [note(36, 0, 0.25, 100), note(38, 1, 0.25, 100), note(36, 2, 0.25, 100), note(38, 3, 0.25, 100)];

// A set: the device on "Lead"; "Tune", "Strings" (a Cadenza device on it says chords), "Beat",
// a muted "Old", an "Empty" clip, and an audio track.
function session(options = {}) {
  const live = new FakeLive(Object.assign({ scenes: 4 }, options.live || {}));
  const lead = live.addTrack({ name: "Lead" });
  const tune = live.addTrack({ name: "Tune" });
  const strings = live.addTrack({ name: "Strings" });
  const beat = live.addTrack({ name: "Beat" });
  const old = live.addTrack({ name: "Old", mute: true });
  const empty = live.addTrack({ name: "Empty" });
  const audio = live.addTrack({ name: "Audio", midi: false });
  live.placeDevice(lead);
  live.addDevice(strings, { name: "Cadenza", params: { Role: ROLE.chords } });
  const env = createMaxEnv({ script: DEVICE_JS, live });
  return { live, env, lead, tune, strings, beat, old, empty, audio };
}

function requestMessages(env) {
  return env.sent(0).filter((m) => /^\/cadenza\/(clip|accompany)/.test(m[0]));
}

test("Session: the scene's other clips go up as c1..c3 with their roles, and the answer fills this track's empty slots from that scene", () => {
  const { env, live, lead, tune, strings, beat, old, empty } = session();
  const clips = [
    live.addClip(tune, 1, { name: "Tune", length: 8, notes: MELODY }),
    live.addClip(strings, 1, { name: "Pads", length: 8, notes: CHORDS }),
    live.addClip(beat, 1, { name: "Loop", length: 4, notes: BEAT }), // one bar, played twice
    live.addClip(old, 1, { length: 8, notes: MELODY }),
    live.addClip(empty, 1, { length: 8 }),
    live.addClip(tune, 0, { name: "Other scene", length: 8, notes: [note(40, 0, 1)] }),
    live.addClip(lead, 2, { name: "Mine", length: 4, notes: [note(60, 0, 1)] }),
  ];
  const before = clips.map((c) => JSON.stringify([c.props, c.notes]));
  live.highlight(lead, 1); // this track's slot in scene 2
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  assert.match(env.status(), /^Accompany uses model acc: it writes this track's Role/);
  env.send("role", ROLE.bass);
  env.send("variations", 2);
  env.send("seed", 7);
  env.send("seed_lock", 1);
  go(env);

  const sent = requestMessages(env);
  const id = sent[0][1];
  const port = env.replyPort();
  const begin = (slot, role) => ["/cadenza/clip/begin", id, 8, "slot", slot, "role", role, "meter", "4/4", "tempo", 120,
    "reply_port", port];
  const tiled = BEAT.concat(BEAT.map((n) => Object.assign({}, n, { start_time: n.start_time + 4 })));
  assert.deepStrictEqual(sent.slice(0, 6), [
    begin("c1", "melody"), ["/cadenza/clip/notes", id, "c1", ...[].concat(...wireNotes(MELODY))],
    begin("c2", "chords"), ["/cadenza/clip/notes", id, "c2", ...[].concat(...wireNotes(CHORDS).sort((a, b) => a[1] - b[1] || a[0] - b[0]))],
    begin("c3", "drums"), ["/cadenza/clip/notes", id, "c3", ...[].concat(...wireNotes(tiled))],
  ], "Tune guessed melody from its notes, Strings chords from its Cadenza device, Beat drums from its name, the loop repeated");
  assert.strictEqual(sent.length, 7, "the muted and the empty track are left out");
  const request = parseRequest(sent[6]);
  assert.strictEqual(request.address, "/cadenza/accompany");
  assert.deepStrictEqual(request.options, { role: "bass", meter: "4/4", tempo: 120, key: "D minor", temperature: 1, seed: 7,
    variations: 2, model: "acc", reply_port: port }, "the model that can accompany; no bars (the context's)");
  assert.match(env.status(), /^Accompanying \(bass for Tune \(melody\), Strings \(chords\), Beat \(drums\) in scene 2, model acc, seed 7\)/);

  const undoBefore = live.undoSteps;
  const historyBefore = live.history.length;
  answer(env, id, [{ notes: notesOf(4, { step: 2, pitch: 45 }), length: 8 }, { notes: notesOf(3, { pitch: 40 }), length: 8 }]);
  const first = lead.slots[1].clip;
  const second = lead.slots[3].clip;
  assert.ok(first && second, "scene 2's slot, then the next empty one (slot 3 holds Mine)");
  assert.strictEqual(first.props.name, "Cadenza bass Dm s7 v1 acc");
  assert.strictEqual(first.props.length, 8);
  assert.deepStrictEqual(wireNotes(first.notes), notesOf(4, { step: 2, pitch: 45 }));
  assert.deepStrictEqual(wireNotes(second.notes), notesOf(3, { pitch: 40 }));
  assert.strictEqual(first.props.color, 0x27ae60);
  assert.strictEqual(live.undoSteps - undoBefore, 1, "one undo step");
  assert.strictEqual(live.history.length - historyBefore, 1, "one entry in Live's undo history");
  assert.ok(live.calls.filter((c) => /create_clip|create_scene|add_new_notes|^set /.test(c.method)).every((c) => c.undoDepth === 1));
  assert.deepStrictEqual(clips.map((c) => JSON.stringify([c.props, c.notes])), before, "every other clip untouched");
  for (const c of clips) assert.deepStrictEqual(live.writesTo(c), []);
  assert.match(env.status(), /^Done: bass for 3 tracks \(7 notes\) in "Lead", slots 2 and 4 \(.* s\)\. Muted, so left out: Old\.$/);
});

test("Session: without a highlighted slot on this track, its playing slot's scene, else the selected scene", () => {
  for (const [arrange, scene] of [[(live, lead) => { lead.props.playing_slot_index = 2; }, 2], [(live) => { live.selectedScene = 3; }, 3]]) {
    const { env, live, lead, tune } = session();
    live.addClip(tune, scene, { length: 4, notes: MELODY.slice(0, 3) });
    arrange(live, lead);
    connectWith(env, RESIDENT);
    env.send("mode", ACCOMPANY);
    go(env);
    const request = last(sentTo(env, "/cadenza/accompany"));
    assert.ok(request, env.status());
    answer(env, request[1], [{ notes: notesOf(2), length: 4 }]);
    assert.ok(lead.slots[scene].clip, `the answer sits in scene ${scene + 1}`);
    assert.strictEqual(lead.slots.filter((s) => s.clip).length, 1);
  }
});

test("Arrangement: the other tracks' clips under the loop brace, cut to it, and the answer right there", () => {
  const live = new FakeLive({ focused: "Arranger", loopStart: 16, loopLength: 8 });
  const lead = live.addTrack({ name: "Lead" });
  const tune = live.addTrack({ name: "Melody" });
  const kit = live.addTrack({ name: "1-MIDI" });
  const far = live.addTrack({ name: "Far" });
  live.placeDevice(lead);
  live.addDevice(kit, { name: "Drum Rack", drumPads: true });
  // Melody: song 12..28; its note at clip beat 3 (song 15, 2 beats) sounds into the brace.
  const melody = live.addArrangementClip(tune, { start: 12, length: 16, notes: [note(60, 3, 2), note(64, 5, 1), note(67, 11, 8), note(72, 13, 1)] });
  const drums = live.addArrangementClip(kit, { start: 20, length: 4, notes: [note(36, 0, 0.5, 100), note(38, 2, 0.5, 100)] });
  live.addArrangementClip(far, { start: 40, length: 8, notes: [note(50, 0, 1)] });
  const mine = live.addArrangementClip(lead, { start: 0, length: 16, name: "Before" });
  const env = createMaxEnv({ script: DEVICE_JS, live });
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  env.send("role", ROLE.bass);
  env.send("variations", 3);
  go(env);
  const sent = requestMessages(env);
  const id = sent[0][1];
  assert.deepStrictEqual(sent.map((m) => m.slice(0, 7)), [
    ["/cadenza/clip/begin", id, 8, "slot", "c1", "role", "melody"],
    ["/cadenza/clip/notes", id, "c1", 60, 0, 1, 90],
    ["/cadenza/clip/begin", id, 8, "slot", "c2", "role", "drums"],
    ["/cadenza/clip/notes", id, "c2", 36, 4, 0.5, 100],
    ["/cadenza/accompany", id, "role", "bass", "meter", "4/4", "tempo"]], "Far lies outside the brace; the Drum Rack says drums");
  assert.deepStrictEqual(sent[1].slice(3), [60, 0, 1, 90, 64, 1, 1, 90, 67, 7, 1, 90], "cut to bars 5-6 (song 16..24)");
  assert.deepStrictEqual(sent[3].slice(3), [36, 4, 0.5, 100, 38, 6, 0.5, 100]);
  const request = parseRequest(sent[4]);
  assert.strictEqual(request.options.variations, 1, "one answer fits the range");
  assert.strictEqual(request.options.fit, undefined, "Fit on 'model' sends nothing");
  answer(env, id, [{ notes: notesOf(4, { step: 2, pitch: 40 }), length: 8 }]);
  const made = lead.arrangement.filter((c) => c !== mine);
  assert.deepStrictEqual(made.map((c) => [c.props.start_time, c.props.length, c.notes.length]), [[16, 8, 4]]);
  assert.strictEqual(live.overwritten, undefined);
  assert.ok(lead.slots.every((s) => !s.clip));
  assert.deepStrictEqual([melody, drums, mine].map((c) => live.writesTo(c)), [[], [], []]);
  assert.match(env.status(), /^Done: bass for 2 tracks \(4 notes\) in "Lead" at bar 5 of the Arrangement/);
});

test("Arrangement: a clip of this track under the loop brace is refused before anything is sent", () => {
  const live = new FakeLive({ focused: "Arranger", loopStart: 0, loopLength: 16 });
  const lead = live.addTrack({ name: "Lead" });
  const tune = live.addTrack({ name: "Melody" });
  live.placeDevice(lead);
  live.addArrangementClip(tune, { start: 0, length: 16, notes: MELODY });
  const mine = live.addArrangementClip(lead, { start: 12, length: 8, name: "Mine", notes: [note(50, 0, 1)] });
  const env = createMaxEnv({ script: DEVICE_JS, live });
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  go(env);
  assert.match(env.status(), /^"Lead" has a clip under the loop brace \(bars 1-4\), and Cadenza never overwrites one/);
  assert.deepStrictEqual(requestMessages(env), []);
  assert.deepStrictEqual(live.writesTo(mine), []);
  assert.strictEqual(lead.arrangement.length, 1);
});

test("Accompany refuses, sending nothing: no other track with notes, no model that can accompany", () => {
  const { env, live, lead, old, empty } = session();
  live.addClip(old, 0, { length: 4, notes: MELODY });
  live.addClip(empty, 0, { length: 4 });
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  go(env);
  assert.match(env.status(), /^Accompany found no other MIDI track with notes in scene 1 \(skipped, muted: Old; no notes: Empty\)/);
  assert.deepStrictEqual(requestMessages(env), []);
  assert.ok(lead.slots.every((s) => !s.clip));

  const other = session();
  other.live.addClip(other.tune, 0, { length: 4, notes: MELODY });
  connectWith(other.env, RESIDENT.slice(0, 1));
  other.env.send("mode", ACCOMPANY);
  assert.match(other.env.status(), /^Accompany needs a model that can accompany, and this Cadenza serves none \(markov\)/);
  go(other.env);
  assert.deepStrictEqual(requestMessages(other.env), []);
  assert.ok(other.lead.slots.every((s) => !s.clip));
});

test("at most 8 context tracks: the first 8 with notes, and the status line names the rest", () => {
  const live = new FakeLive();
  const lead = live.addTrack({ name: "Lead" });
  live.placeDevice(lead);
  for (let i = 1; i <= 10; i++) live.addClip(live.addTrack({ name: `Line ${i}` }), 0, { length: 4, notes: [note(60 + i, 0, 1)] });
  const env = createMaxEnv({ script: DEVICE_JS, live });
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  go(env);
  const slots = sentTo(env, "/cadenza/clip/begin").map((m) => m[4]);
  assert.deepStrictEqual(slots, ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"]);
  answer(env, last(sentTo(env, "/cadenza/accompany"))[1], [{ notes: notesOf(1), length: 4 }]);
  assert.match(env.status(), /Only the first 8 tracks were read \(not Line 9, Line 10\)\.$/);
});

test("the daemon's refusal writes nothing and shows its words", () => {
  const { env, live, lead, tune } = session();
  live.addClip(tune, 0, { length: 8, notes: MELODY });
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  go(env);
  const id = last(sentTo(env, "/cadenza/accompany"))[1];
  env.send("/cadenza/accepted", id, 0);
  env.send("/cadenza/error", id, "bad_request", "every context track already plays melody: ask for another role");
  assert.strictEqual(env.status(), "Cadenza could not do it (bad_request): every context track already plays melody: ask for another role");
  assert.ok(lead.slots.every((s) => !s.clip));
  assert.ok(!live.calls.some((c) => /create_clip|add_new_notes|create_scene/.test(c.method)));
});

test("the role guess agrees with the shared cases (tests/data/track_roles.json, also run against the REAPER library)", () => {
  const { env } = session();
  const guess = env.context.CadenzaTracks.guessRole;
  for (const c of CASES.cases) {
    assert.strictEqual(guess(c.name, c.notes, c.drums), c.role, `${c.name} ${JSON.stringify(c.notes)}`);
  }
});

test("Arrangement in a Live that cannot add Arrangement clips: the context under the brace, the answer in Session view", () => {
  const live = new FakeLive({ version: [12, 0, 5], focused: "Arranger", loopStart: 0, loopLength: 8 });
  const lead = live.addTrack({ name: "Lead" });
  const tune = live.addTrack({ name: "Melody" });
  live.placeDevice(lead);
  live.addArrangementClip(tune, { start: 0, length: 8, notes: MELODY });
  live.addArrangementClip(lead, { start: 4, length: 8, name: "Mine" }); // not in the way: nothing goes there
  live.selectedScene = 2;
  const env = createMaxEnv({ script: DEVICE_JS, live });
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  env.send("variations", 2);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/accompany")));
  assert.strictEqual(request.options.variations, 2, "Session view takes every variation");
  answer(env, request.id, [{ notes: notesOf(2), length: 8 }, { notes: notesOf(3), length: 8 }]);
  assert.deepStrictEqual([2, 3].map((k) => lead.slots[k].clip && lead.slots[k].clip.notes.length), [2, 3]);
  assert.strictEqual(lead.arrangement.length, 1);
  assert.match(env.status(), /slots 3 and 4 .* Live 12\.0\.5 cannot add Arrangement clips .* so it went to Session view\.$/);
});

test("Fit reaches the accompany request (menu: model, 0, 0.5, 1, 1.5, 2)", () => {
  const { env, live, lead, tune } = session();
  live.addClip(tune, 1, { name: "Tune", length: 8, notes: MELODY });
  live.highlight(lead, 1);
  connectWith(env, RESIDENT);
  env.send("mode", ACCOMPANY);
  env.send("role", ROLE.bass);
  env.send("fit", 4);
  go(env);
  const sent = requestMessages(env);
  const request = parseRequest(sent.find((m) => m[0] === "/cadenza/accompany"));
  assert.strictEqual(request.options.fit, 1.5);
});
