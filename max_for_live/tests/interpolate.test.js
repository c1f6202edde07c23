"use strict";
// Interpolate (Mode 5): clip A is the selected clip, B the next clip after it on its track;
// both are uploaded in slots "a" and "b", `/cadenza/interpolate id steps N` is asked of a model
// whose operations include interpolate, and the N answers land below B (Session) or after it
// (Arrangement), in one undo step, A, B and every other clip untouched. In the fake Live set.
const test = require("node:test");
const assert = require("node:assert");
const { sentTo, last, parseRequest, notesOf, answer, setup, wireNotes, go, connectWith: connectModels } = require("./helpers/device");

const INTERPOLATE = 4; // index in the Mode menu

// init, answer the ping and /cadenza/models with `models`: [name, engine, default, operations].
function connectWith(env, models) {
  connectModels(env, models, { keys: ["roles", "melody,bass", "moods", "happy,sad", "eval", "ok"] });
}

const GENERATING = "generate,continue,restyle,infill";
const RESIDENT = [["transformer", "transformer", true, GENERATING], ["markov", "markov", false, GENERATING],
  ["vae", "vae", false, GENERATING + ",interpolate"]];

const A_NOTES = [{ pitch: 60, start_time: 0, duration: 1, velocity: 90 }, { pitch: 64, start_time: 1, duration: 1, velocity: 80 },
  { pitch: 67, start_time: 2, duration: 2, velocity: 70.6 }];
const B_NOTES = [{ pitch: 57, start_time: 0, duration: 0.5, velocity: 100 }, { pitch: 69, start_time: 4, duration: 4, velocity: 60 }];
const wire = (notes) => notes.map((n) => [n.pitch, n.start_time, n.duration, Math.round(n.velocity)]);

// The messages sent for clip uploads and the request, in order.
function requestMessages(env) {
  return env.sent(0).filter((m) => /^\/cadenza\/(clip|interpolate)/.test(m[0]));
}

test("Session: A and the clip below it are uploaded in slots a and b, and the steps fill the empty slots below B", () => {
  const { env, live, lead, bass } = setup({ live: { scenes: 6 } });
  const a = live.addClip(lead, 0, { name: "Verse", length: 8, notes: A_NOTES });
  const b = live.addClip(lead, 2, { name: "Chorus", length: 16, notes: B_NOTES });
  const keep = live.addClip(lead, 4, { name: "Keep", notes: [{ pitch: 40, start_time: 0, duration: 1 }] });
  const before = [a, b, keep].map((c) => JSON.stringify([c.props, c.notes]));
  live.highlight(lead, 0);
  connectWith(env, RESIDENT);
  const menu = env.sent(2).filter((m) => m[0] === "model_menu").map((m) => m.slice(1).join(" "));
  assert.deepStrictEqual(menu, ["clear", "append default", "append transformer", "append markov", "append vae",
    "setsymbol default"], "the model menu lists every resident model");
  env.send("mode", INTERPOLATE);
  assert.match(env.status(), /^Interpolate uses model vae: select clip A/);
  env.send("steps", 3);
  env.send("seed", 7);
  env.send("seed_lock", 1);
  go(env);

  const sent = requestMessages(env);
  const id = sent[0][1];
  const port = env.replyPort();
  assert.deepStrictEqual(sent.slice(0, 4), [
    ["/cadenza/clip/begin", id, 8, "slot", "a", "meter", "4/4", "tempo", 120, "key", "D minor", "reply_port", port],
    ["/cadenza/clip/notes", id, "a", ...[].concat(...wire(A_NOTES))],
    ["/cadenza/clip/begin", id, 16, "slot", "b", "meter", "4/4", "tempo", 120, "key", "D minor", "reply_port", port],
    ["/cadenza/clip/notes", id, "b", ...[].concat(...wire(B_NOTES))],
  ], "the contract's uploads: one id, slot a then slot b");
  assert.strictEqual(sent.length, 5);
  const request = parseRequest(sent[4]);
  assert.strictEqual(request.address, "/cadenza/interpolate");
  assert.strictEqual(request.id, id);
  assert.deepStrictEqual(request.options, { meter: "4/4", tempo: 120, key: "D minor", temperature: 1, seed: 7, steps: 3,
    model: "vae", reply_port: port }, "steps, not variations; no bars (the longer clip's), no role (clip A's)");
  assert.match(env.status(), /^Interpolating \("Verse" to "Chorus", 3 steps, model vae, seed 7\)/);

  const steps = [{ notes: notesOf(5), length: 16 }, { notes: notesOf(70, { step: 0.25 }), length: 16 }, { notes: notesOf(2), length: 16 }];
  const undoBefore = live.undoSteps;
  answer(env, id, steps);
  const made = [3, 5, 6].map((slot) => lead.slots[slot].clip);
  made.forEach((clip, k) => {
    assert.ok(clip, `step ${k + 1} written`);
    assert.strictEqual(clip.props.name, `Cadenza interp ${k + 1}/3`);
    assert.strictEqual(clip.props.length, 16);
    assert.deepStrictEqual(wireNotes(clip.notes), steps[k].notes);
    assert.strictEqual(clip.props.color, 0xe84393);
  });
  assert.strictEqual(lead.slots[1].clip, null, "the slot between A and B stays empty: the steps go below B");
  assert.strictEqual(lead.slots.length, 7, "a scene was added for the last step");
  assert.deepStrictEqual([a, b, keep].map((c) => JSON.stringify([c.props, c.notes])), before, "A, B and Keep untouched");
  for (const c of [a, b, keep]) assert.deepStrictEqual(live.writesTo(c), []);
  assert.strictEqual(lead.slots[4].clip, keep);
  assert.ok(bass.slots.every((s) => !s.clip));
  assert.strictEqual(live.undoSteps - undoBefore, 1, "one undo step for all the steps");
  const writes = live.calls.filter((c) => /create_clip|create_scene|add_new_notes|^set /.test(c.method));
  assert.ok(writes.every((c) => c.undoDepth === 1));
  assert.match(env.status(), /^Done: 3 steps from "Verse" to "Chorus" \(77 notes\) in "Lead", slots 4, 6 and 7/);
});

test("Arrangement: B is the next clip to the right of A, and the steps go after B, never over a clip", () => {
  const { env, live, lead } = setup({ live: { focused: "Arranger" } });
  const a = live.addArrangementClip(lead, { start: 0, length: 8, name: "A", notes: A_NOTES });
  const other = live.addArrangementClip(lead, { start: 40, length: 8, name: "Later" });
  const b = live.addArrangementClip(lead, { start: 16, length: 8, name: "B", notes: B_NOTES });
  const next = live.addArrangementClip(lead, { start: 24, length: 4, name: "Right after B" });
  live.detail = a;
  connectWith(env, RESIDENT);
  env.send("mode", INTERPOLATE);
  env.send("steps", 2);
  go(env);
  const sent = requestMessages(env);
  assert.deepStrictEqual(sent.map((m) => m.slice(0, 5)), [
    ["/cadenza/clip/begin", sent[0][1], 8, "slot", "a"], ["/cadenza/clip/notes", sent[0][1], "a", 60, 0],
    ["/cadenza/clip/begin", sent[0][1], 8, "slot", "b"], ["/cadenza/clip/notes", sent[0][1], "b", 57, 0],
    ["/cadenza/interpolate", sent[0][1], "meter", "4/4", "tempo"]]);
  const request = parseRequest(sent[4]);
  assert.strictEqual(request.options.steps, 2);
  answer(env, request.id, [{ notes: notesOf(3), length: 8 }, { notes: notesOf(4), length: 8 }]);
  assert.strictEqual(live.overwritten, undefined, "no Arrangement clip was replaced");
  const made = lead.arrangement.filter((c) => ![a, b, next, other].includes(c));
  assert.deepStrictEqual(made.map((c) => [c.props.name, c.props.start_time, c.notes.length]),
    [["Cadenza interp 1/2", 28, 3], ["Cadenza interp 2/2", 48, 4]], "after B, past every clip in the way");
  assert.ok(lead.slots.every((s) => !s.clip), "nothing went to Session view");
  assert.match(env.status(), /^Done: 2 steps from "A" to "B" \(7 notes\) in "Lead" from bar 8 of the Arrangement/);
});

test("the model: the Model menu's choice when it can interpolate, else one that can; the status line says which", () => {
  const { env, live, lead } = setup();
  live.addClip(lead, 0, { name: "A", length: 4, notes: A_NOTES });
  live.addClip(lead, 1, { name: "B", length: 4, notes: B_NOTES });
  live.highlight(lead, 0);
  connectWith(env, [...RESIDENT, ["vae-jazz", "vae", false, "restyle,interpolate"]]);
  env.send("model", "markov");
  env.send("mode", INTERPOLATE);
  assert.match(env.status(), /^Interpolate uses model vae \(markov cannot interpolate\)/);
  go(env);
  assert.strictEqual(parseRequest(last(sentTo(env, "/cadenza/interpolate"))).options.model, "vae");
  env.send("/cadenza/error", last(sentTo(env, "/cadenza/interpolate"))[1], "cancelled", "test");
  env.send("model", "vae-jazz");
  assert.match(env.status(), /^Interpolate uses model vae-jazz: /);
  go(env);
  assert.strictEqual(parseRequest(last(sentTo(env, "/cadenza/interpolate"))).options.model, "vae-jazz");
});

test("no resident model can interpolate: the status line says so, and nothing is sent or written", () => {
  const { env, live, lead } = setup();
  const a = live.addClip(lead, 0, { name: "A", length: 4, notes: A_NOTES });
  live.addClip(lead, 1, { name: "B", length: 4, notes: B_NOTES });
  live.highlight(lead, 0);
  connectWith(env, RESIDENT.slice(0, 2));
  env.send("mode", INTERPOLATE);
  assert.match(env.status(), /^Interpolate needs a model that can interpolate \(a VAE\), and this Cadenza serves none \(transformer, markov\)/);
  go(env);
  assert.deepStrictEqual(requestMessages(env), []);
  assert.match(env.status(), /serves none/);
  assert.deepStrictEqual(live.writesTo(a), []);
  assert.strictEqual(lead.slots[2].clip, null);
});

test("Interpolate refuses, before sending anything: no clip selected, no clip B, an empty or too long clip", () => {
  const cases = [
    [(live, lead) => { live.addClip(lead, 1, { notes: A_NOTES }); }, /^Interpolate: select clip A first/],
    [(live, lead) => { live.addClip(lead, 1, { notes: A_NOTES }); live.highlight(lead, 1); }, /needs a second MIDI clip, B, in a slot below/],
    [(live, lead) => { live.addClip(lead, 0, { name: "Quiet" }); live.addClip(lead, 1, { notes: B_NOTES }); live.highlight(lead, 0); },
      /^Clip A \("Quiet"\) has no notes to interpolate from/],
    [(live, lead) => { live.addClip(lead, 0, { notes: A_NOTES }); live.addClip(lead, 3, { name: "Long", length: 68, notes: B_NOTES }); live.highlight(lead, 0); },
      /^Clip B \("Long"\) is longer than 16 bars/],
  ];
  for (const [arrange, message] of cases) {
    const { env, live, lead } = setup();
    arrange(live, lead);
    connectWith(env, RESIDENT);
    env.send("mode", INTERPOLATE);
    const clipsBefore = lead.slots.map((s) => s.clip);
    go(env);
    assert.match(env.status(), message);
    assert.deepStrictEqual(requestMessages(env), []);
    assert.deepStrictEqual(lead.slots.map((s) => s.clip), clipsBefore);
    assert.ok(!live.calls.some((c) => /create_clip|add_new_notes/.test(c.method)));
  }
});

test("a daemon error during Interpolate writes nothing and shows the daemon's words", () => {
  const { env, live, lead } = setup();
  live.addClip(lead, 0, { name: "A", length: 4, notes: A_NOTES });
  live.addClip(lead, 1, { name: "B", length: 4, notes: B_NOTES });
  live.highlight(lead, 0);
  connectWith(env, RESIDENT);
  env.send("mode", INTERPOLATE);
  go(env);
  const id = last(sentTo(env, "/cadenza/interpolate"))[1];
  env.send("/cadenza/accepted", id, 0);
  env.send("/cadenza/error", id, "bad_request", "clips a and b must share one meter: a is 4/4, b is 3/4");
  assert.strictEqual(env.status(), "Cadenza could not do it (bad_request): clips a and b must share one meter: a is 4/4, b is 3/4");
  assert.ok(lead.slots.slice(2).every((s) => !s.clip));
  assert.ok(!live.calls.some((c) => /create_clip|add_new_notes|create_scene/.test(c.method)));
});
