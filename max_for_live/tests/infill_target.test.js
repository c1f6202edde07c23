"use strict";
// Infill (regenerate bars of the selected clip in place) and Target (where new clips go), in
// the fake Live set.
const test = require("node:test");
const assert = require("node:assert");
const { FakeLive } = require("./helpers/fake_live");
const { createMaxEnv } = require("./helpers/max_env");
const { DEVICE_JS, sentTo, last, parseRequest, notesOf, answer, setup, connect, go } = require("./helpers/device");

// A 4-bar clip with a note on every beat (pitch 60 + beat), in slot 1 of Bass.
function riff(live, bass, props = {}) {
  const notes = [];
  for (let b = 0; b < 16; b++) notes.push({ pitch: 60 + b, start_time: b, duration: 0.5, velocity: 90 });
  return live.addClip(bass, 1, { name: "Riff", length: 16, notes, props });
}

const snapshot = (clip) => JSON.stringify(clip.notes);

test("Infill regenerates the bars the selected notes touch, in place, and keeps every other note", () => {
  const { env, live, bass } = setup({ live: { honoursUndoSteps: false } });
  const clip = riff(live, bass);
  live.highlight(bass, 1);
  live.selectNotes(clip, (n) => n.start_time >= 5 && n.start_time < 11); // bars 2 and 3
  connect(env);
  const entriesBefore = live.history.length;
  env.send("mode", 3);
  go(env);
  const order = env.sent(0).map((m) => m[0]).filter((a) => /clip|infill/.test(a));
  assert.deepStrictEqual(order, ["/cadenza/clip/begin", "/cadenza/clip/notes", "/cadenza/infill"], "the clip is uploaded first");
  const request = parseRequest(last(sentTo(env, "/cadenza/infill")), 2);
  assert.deepStrictEqual(request.positional, [1, 3], "bars 2-3: start_bar 1, end_bar 3 (0-based, end exclusive)");
  assert.strictEqual(request.options.variations, 1);
  assert.ok(!("bars" in request.options));
  assert.strictEqual(last(sentTo(env, "/cadenza/clip/begin"))[1], request.id);
  assert.match(env.status(), /^Infilling \(bars 2-3 of "Riff", from the selected notes, /);
  const kept = clip.notes.filter((n) => n.start_time < 4 || n.start_time >= 12).map((n) => JSON.stringify(n));

  // The whole clip comes back; only what starts in beats 4-12 is written, cut at the bars' end.
  const answerNotes = [[40, 0, 1, 70], [50, 4, 1, 100], [51, 6.5, 0.5, 101], [52, 11, 3, 102], [41, 12, 1, 70]];
  answer(env, request.id, [{ notes: answerNotes, length: 16 }]);
  assert.deepStrictEqual(clip.notes.filter((n) => n.start_time < 4 || n.start_time >= 12).map((n) => JSON.stringify(n)), kept,
    "every note outside the bars is untouched (same ids, same values)");
  const inside = clip.notes.filter((n) => n.start_time >= 4 && n.start_time < 12)
    .map((n) => [n.pitch, n.start_time, n.duration, n.velocity]);
  assert.deepStrictEqual(inside, [[50, 4, 1, 100], [51, 6.5, 0.5, 101], [52, 11, 1, 102]]);
  assert.strictEqual(bass.slots[2].clip, null, "no new clip");
  const writes = live.calls.filter((c) => /remove_notes_extended|add_new_notes/.test(c.method));
  assert.deepStrictEqual(writes.map((c) => c.method), ["remove_notes_extended", "add_new_notes"]);
  assert.ok(writes.every((c) => c.undoDepth === 1), "inside one begin/end undo step");
  assert.strictEqual(live.history.length - entriesBefore, 2, "where Live ignores the undo step: two entries, as the docs say");
  assert.match(env.status(), /^Done: bars 2-3 of "Riff" regenerated \(3 notes; every other note kept\)/);
});

test("Infill without selected notes takes Bars bars from From bar, counted from the loop start", () => {
  const { env, live, bass } = setup();
  const clip = riff(live, bass, { loop_start: 4, loop_end: 20, length: 20 });
  live.putNotes(clip, [{ pitch: 90, start_time: 18, duration: 1 }]);
  live.highlight(bass, 1);
  connect(env);
  env.send("mode", 3);
  env.send("from_bar", 3);
  env.send("bars", 8); // more than the clip has: cut at its end
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/infill")), 2);
  assert.deepStrictEqual(request.positional, [2, 4]);
  assert.match(env.status(), /bars 3-4 of "Riff", from From bar and Bars/);
  const before = clip.notes.filter((n) => n.start_time < 12).map((n) => JSON.stringify(n));
  answer(env, request.id, [{ notes: [[70, 8, 1, 80], [71, 15.5, 0.5, 81]], length: 16 }]);
  assert.deepStrictEqual(clip.notes.filter((n) => n.start_time < 12).map((n) => JSON.stringify(n)), before);
  assert.deepStrictEqual(clip.notes.filter((n) => n.start_time >= 12).map((n) => [n.pitch, n.start_time]), [[70, 12], [71, 19.5]],
    "clip time = loop start + answer time; the note at 18 was in the bars and is replaced");
});

test("Infill changes nothing when the daemon refuses, is down, or the bars lie past the clip", () => {
  const { env, live, bass } = setup();
  const clip = riff(live, bass);
  live.highlight(bass, 1);
  connect(env);
  const before = snapshot(clip);
  env.send("mode", 3);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/infill")), 2);
  env.send("/cadenza/error", request.id, "bad_request", "infill bars must satisfy 0 <= start_bar < end_bar <= 4");
  assert.match(env.status(), /^Cadenza could not do it \(bad_request\)/);
  go(env);
  env.clock.advance(5000); // no answer at all
  assert.match(env.status(), /^No answer from Cadenza/);
  env.send("from_bar", 9);
  go(env);
  assert.match(env.status(), /^The selected clip has 4 bars: From bar 9 lies after its end\.$/);
  assert.strictEqual(snapshot(clip), before);
  assert.deepStrictEqual(live.writesTo(clip), []);
});

test("Infill of a clip deleted while waiting writes nothing", () => {
  const { env, live, bass } = setup();
  riff(live, bass);
  live.highlight(bass, 1);
  connect(env);
  env.send("mode", 3);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/infill")), 2);
  const gone = bass.slots[1].clip;
  live.objects.delete(gone.id);
  bass.slots[1].clip = null;
  answer(env, request.id, [{ notes: [[60, 0, 1, 80]], length: 16 }]);
  assert.match(env.status(), /^The clip was deleted while Cadenza was working: nothing was written\.$/);
});

test("Target Selected slot: this track's slot in the selected scene, and further variations below it", () => {
  const { env, live, lead } = setup();
  live.selectedScene = 2;
  connect(env);
  env.send("target", 1);
  env.send("variations", 2);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [{ notes: notesOf(3), length: 16 }, { notes: notesOf(4), length: 16 }]);
  assert.deepStrictEqual(lead.slots.map((s) => !!s.clip), [false, false, true, true]);
  assert.match(env.status(), /slots 3 and 4/);
});

test("Target Selected slot refuses a slot that holds a clip before asking the daemon", () => {
  const { env, live, lead } = setup();
  const kept = live.addClip(lead, 1, { name: "Mine" });
  live.selectedScene = 1;
  connect(env);
  env.send("target", 1);
  go(env);
  assert.deepStrictEqual(sentTo(env, "/cadenza/generate"), []);
  assert.match(env.status(), /^The selected slot \(scene 2\) of "Lead" holds a clip, and Cadenza never overwrites one/);
  assert.deepStrictEqual(live.writesTo(kept), []);
});

test("Target New track: a new MIDI track right after the device's track gets the clips", () => {
  const { env, live, lead, bass } = setup();
  connect(env);
  env.send("target", 2);
  env.send("style", "folk");
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [{ notes: notesOf(5), length: 16 }]);
  const tracks = live.song.tracks;
  assert.deepStrictEqual(tracks.map((t) => t.props.name), ["Lead", "Cadenza folk", "Bass", "Drums Audio"]);
  assert.ok(tracks[1].slots[0].clip && tracks[1].slots[0].clip.notes.length === 5);
  assert.ok(lead.slots.every((s) => !s.clip) && bass.slots.every((s) => !s.clip));
  const made = live.calls.find((c) => c.method === "create_midi_track");
  assert.deepStrictEqual(made.args, [1]);
  assert.strictEqual(made.undoDepth, 1);
  assert.match(env.status(), /^Done: 1 clip \(5 notes\) in "Cadenza folk" \(a new track: give it an instrument to hear it\), slot 1/);
});

test("Target New track for Continue: after the source clip's track; the source is only read", () => {
  const { env, live, bass } = setup();
  const source = riff(live, bass);
  const before = snapshot(source);
  live.highlight(bass, 1);
  live.selectedScene = 3;
  connect(env);
  env.send("mode", 1);
  env.send("target", 2);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/continue")));
  answer(env, request.id, [{ notes: notesOf(2), length: 8 }]);
  const tracks = live.song.tracks;
  assert.deepStrictEqual(tracks.map((t) => t.props.name), ["Lead", "Bass", "Cadenza melody", "Drums Audio"]);
  assert.ok(tracks[2].slots[3].clip, "at the selected scene");
  assert.strictEqual(snapshot(source), before);
});

test("the patcher has the Target menu, From bar, Steps, and Infill, Interpolate and Accompany in the Mode menu", () => {
  const p = require("../build").readPatcher("Cadenza.maxpat").patcher;
  const byVar = new Map(p.boxes.map((b) => [b.box.varname, b.box]));
  assert.deepStrictEqual(byVar.get("Mode").saved_attribute_attributes.valueof.parameter_enum, ["Generate", "Continue", "Restyle", "Infill", "Interpolate", "Accompany", "Groove", "Drumify", "Band"]);
  assert.strictEqual(byVar.get("Mode").saved_attribute_attributes.valueof.parameter_mmax, 8);
  const steps = byVar.get("Steps").saved_attribute_attributes.valueof;
  assert.deepStrictEqual([steps.parameter_mmin, steps.parameter_mmax, steps.parameter_initial[0]], [2, 16, 5]);
  assert.deepStrictEqual(p.parameters[byVar.get("Steps").id], ["Steps", "Steps", 0]);
  assert.deepStrictEqual(byVar.get("Target").saved_attribute_attributes.valueof.parameter_enum, ["Next empty slot", "Selected slot", "New track"]);
  const texts = p.boxes.map((b) => b.box.text);
  for (const word of ["target", "from_bar", "program", "steps"]) assert.ok(texts.includes(`prepend ${word}`), word);
});
