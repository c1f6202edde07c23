"use strict";
// Groove (Mode 7) and Drumify (Mode 8): the selected clip is uploaded as for Restyle,
// `/cadenza/groove id role R amount A swing S ...` goes to a model whose operations include
// groove, `/cadenza/drumify` to the daemon's choice; the answer is a NEW clip in the next empty
// slot below the source, in one undo step, and the source is never written to. In the fake Live set.
const test = require("node:test");
const assert = require("node:assert");
const { sentTo, last, parseRequest, notesOf, answer, wireNotes, setup, connectWith, go } = require("./helpers/device");

const GROOVE = 6; // index in the Mode menu
const DRUMIFY = 7;
const ROLE = { melody: 0, bass: 1, chords: 2, keys: 3, drums: 4 };

const GENERATING = "generate,continue,restyle,infill";
const RESIDENT = [["markov", "markov", true, GENERATING, "folk,jazz"], ["groove", "groove", false, "groove", "funk,rock"]];

const note = (pitch, start, duration, velocity = 100) => ({ pitch, start_time: start, duration, velocity });
const BEAT = [note(36, 0, 0.25), note(42, 0.5, 0.25), note(38, 1, 0.25), note(42, 1.5, 0.25),
  note(36, 2, 0.25), note(42, 2.5, 0.25), note(38, 3, 0.25), note(42, 3.5, 0.25)];

function menuOf(env, name) {
  return env.sent(2).filter((m) => m[0] === name).map((m) => m.slice(1).join(" "));
}

test("Groove: the selected clip goes up, /cadenza/groove asks the groove model with Role, Amount and Swing, and the answer is a new clip below it", () => {
  const { env, live, lead } = setup();
  const source = live.addClip(lead, 0, { name: "Beat", length: 4, notes: BEAT });
  const other = live.addClip(lead, 1, { name: "Fill", length: 4, notes: [note(49, 0, 1)] });
  const before = [source, other].map((c) => JSON.stringify([c.props, c.notes]));
  live.highlight(lead, 0);
  connectWith(env, RESIDENT);
  env.send("mode", GROOVE);
  assert.match(env.status(), /^Groove uses model groove: it plays the selected clip with feel/);
  assert.deepStrictEqual(menuOf(env, "style_menu").slice(-4), ["append any", "append funk", "append rock", "setsymbol any"],
    "the Style menu lists the groove model's feels");
  env.send("role", ROLE.drums);
  env.send("style", "funk");
  env.send("amount", 0.8);
  env.send("swing", 0.3);
  env.send("seed", 7);
  env.send("seed_lock", 1);
  go(env);

  const begin = last(sentTo(env, "/cadenza/clip/begin"));
  assert.strictEqual(begin[2], 4, "the clip's length");
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/clip/notes")).slice(2), [].concat(...wireNotes(BEAT)));
  const request = parseRequest(last(sentTo(env, "/cadenza/groove")));
  assert.deepStrictEqual(request.options, { role: "drums", amount: 0.8, swing: 0.3, style: "funk", temperature: 1, seed: 7,
    variations: 1, model: "groove", reply_port: env.replyPort() }, "no bars, key or meter: the clip keeps its own");
  assert.match(env.status(), /^Grooving \(funk, /);

  const undoBefore = live.undoSteps;
  const historyBefore = live.history.length;
  const grooved = BEAT.map((n, i) => [n.pitch, n.start_time + (i % 2 ? 0.02 : 0), n.duration, 70 + i]);
  answer(env, request.id, [{ notes: grooved, length: 4 }]);
  const made = lead.slots[2].clip;
  assert.ok(made, "the next empty slot below the source (slot 2 holds Fill)");
  assert.strictEqual(made.props.name, "Cadenza funk s7 groove");
  assert.strictEqual(made.props.length, 4);
  assert.strictEqual(made.props.color, 0xe74c3c);
  assert.deepStrictEqual(wireNotes(made.notes), grooved);
  assert.strictEqual(live.undoSteps - undoBefore, 1, "one undo step");
  assert.strictEqual(live.history.length - historyBefore, 1, "one entry in Live's undo history");
  assert.deepStrictEqual([source, other].map((c) => JSON.stringify([c.props, c.notes])), before, "the source is kept as it was");
  assert.deepStrictEqual(live.writesTo(source), []);
  assert.match(env.status(), /^Done: 1 clip \(8 notes\) in "Lead", slot 3 /);
});

test("Groove: Amount 0 is sent (the clip as sent, swung), and a Model menu choice that cannot groove gives way to one that can", () => {
  const { env, live, lead } = setup();
  live.addClip(lead, 0, { length: 4, notes: BEAT });
  live.highlight(lead, 0);
  connectWith(env, RESIDENT);
  env.send("model", "markov");
  env.send("mode", GROOVE);
  assert.match(env.status(), /^Groove uses model groove \(markov cannot groove\)/);
  env.send("amount", 0);
  env.send("swing", 1);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/groove")));
  assert.strictEqual(request.options.amount, 0);
  assert.strictEqual(request.options.swing, 1);
  assert.strictEqual(request.options.model, "groove");
});

test("Groove without a model that grooves says so and sends nothing; an empty clip is refused before anything is sent", () => {
  const { env, live, lead } = setup();
  live.addClip(lead, 0, { length: 4, notes: BEAT });
  live.addClip(lead, 1, { length: 4 });
  live.highlight(lead, 0);
  connectWith(env, [RESIDENT[0]]);
  env.send("mode", GROOVE);
  assert.match(env.status(), /^Groove needs a model that grooves, and this Cadenza serves none \(markov\)/);
  go(env);
  assert.strictEqual(sentTo(env, "/cadenza/groove").length, 0);
  assert.match(env.status(), /^Groove needs a model that grooves/);

  const second = setup();
  second.live.addClip(second.lead, 0, { length: 4 });
  second.live.highlight(second.lead, 0);
  connectWith(second.env, RESIDENT);
  second.env.send("mode", GROOVE);
  go(second.env);
  assert.strictEqual(second.env.status(), "The selected clip has no notes to groove.");
  assert.strictEqual(sentTo(second.env, "/cadenza/clip/begin").length, 0);
});

test("Drumify: /cadenza/drumify on the selected clip, no role, preserve or key (drums on its onsets), the answer a new drum clip below it", () => {
  const { env, live, lead } = setup();
  const tune = [note(69, 0, 1), note(72, 1, 0.5), note(76, 1.5, 0.5), note(74, 2, 2)];
  const source = live.addClip(lead, 0, { name: "Tune", length: 4, notes: tune });
  const before = JSON.stringify([source.props, source.notes]);
  live.highlight(lead, 0);
  connectWith(env, RESIDENT);
  env.send("mode", DRUMIFY);
  env.send("role", ROLE.melody);
  env.send("seed", 11);
  env.send("seed_lock", 1);
  go(env);
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/clip/notes")).slice(2), [].concat(...wireNotes(tune)));
  const request = parseRequest(last(sentTo(env, "/cadenza/drumify")));
  assert.deepStrictEqual(request.options, { meter: "4/4", tempo: 120, temperature: 1, seed: 11, variations: 1, strength: 0.5,
    reply_port: env.replyPort() }, "the daemon picks the model best at drumify");
  assert.strictEqual(sentTo(env, "/cadenza/restyle").length, 0);
  const drums = [[36, 0, 1, 110], [38, 1, 0.5, 100], [42, 1.5, 0.5, 90], [36, 2, 2, 110]];
  answer(env, request.id, [{ notes: drums, length: 4 }]);
  const made = lead.slots[1].clip;
  assert.strictEqual(made.props.name, "Cadenza drums s11 drumify");
  assert.strictEqual(made.props.color, 0xd35400);
  assert.deepStrictEqual(wireNotes(made.notes), drums);
  assert.strictEqual(JSON.stringify([source.props, source.notes]), before);
  assert.deepStrictEqual(live.writesTo(source), []);

  env.send("model", "markov"); // a model the user names is asked
  go(env);
  assert.strictEqual(parseRequest(last(sentTo(env, "/cadenza/drumify"))).options.model, "markov");
});

test("Groove of an Arrangement clip: the grooved clip lands right after it, the source only read", () => {
  const { env, live, lead } = setup({ live: { focused: "Arranger" } });
  const source = live.addArrangementClip(lead, { start: 0, length: 4, name: "Beat", notes: BEAT });
  const before = JSON.stringify(source.notes);
  live.detail = source;
  connectWith(env, RESIDENT);
  env.send("mode", GROOVE);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/groove")));
  answer(env, request.id, [{ notes: BEAT.map((n) => [n.pitch, n.start_time, n.duration, 90]), length: 4 }]);
  const made = lead.arrangement.find((c) => c !== source);
  assert.strictEqual(made.props.start_time, 4);
  assert.strictEqual(made.notes.length, BEAT.length);
  assert.strictEqual(JSON.stringify(source.notes), before);
  assert.deepStrictEqual(live.writesTo(source), []);
});

test("the patcher has Groove and Drumify in the Mode menu and Amount and Swing dials sent to the script", () => {
  const p = require("../build").readPatcher("Cadenza.maxpat").patcher;
  const byVar = new Map(p.boxes.map((b) => [b.box.varname, b.box]));
  const modes = byVar.get("Mode").saved_attribute_attributes.valueof.parameter_enum;
  assert.strictEqual(modes[GROOVE], "Groove");
  assert.strictEqual(modes[DRUMIFY], "Drumify");
  const byId = new Map(p.boxes.map((b) => [b.box.id, b.box]));
  for (const [name, initial, word] of [["Amount", 1, "amount"], ["Swing", 0, "swing"]]) {
    const dial = byVar.get(name);
    const v = dial.saved_attribute_attributes.valueof;
    assert.deepStrictEqual([dial.maxclass, v.parameter_mmin, v.parameter_mmax, v.parameter_initial[0]], ["live.dial", 0, 1, initial]);
    assert.deepStrictEqual(p.parameters[dial.id], [name, name, 0]);
    const out = p.lines.find((l) => l.patchline.source[0] === dial.id).patchline.destination[0];
    assert.strictEqual(byId.get(out).text, `prepend ${word}`);
    const js = p.lines.find((l) => l.patchline.source[0] === out).patchline.destination[0];
    assert.strictEqual(byId.get(js).text, "js cadenza.js");
  }
});
