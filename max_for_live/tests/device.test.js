"use strict";
// The Cadenza device's built script (dev/cadenza.js) against a fake Live set: what it
// sends, what it writes where, and what the status line says.
const test = require("node:test");
const assert = require("node:assert");
const { sentTo, last, parseRequest, notesOf, answer, setup, connect, go, wireNotes } = require("./helpers/device");

function clipIn(track, slot) {
  return track.slots[slot].clip;
}

function variation(count, length = 16) {
  return { notes: notesOf(count), length };
}

test("connects: ping with its reply port, then the style menu from the default model", () => {
  const { env } = setup();
  env.send("init");
  const ping = last(sentTo(env, "/cadenza/ping"));
  const bound = last(env.sent("udpreceive"));
  assert.strictEqual(bound[0], "port");
  assert.deepStrictEqual(ping.slice(2), ["reply_port", bound[1]]);
  assert.deepStrictEqual(sentTo(env, "host")[0], ["host", "127.0.0.1"]);
  assert.deepStrictEqual(sentTo(env, "port")[0], ["port", 7500]);
  env.send("/cadenza/pong", ping[1], "0.1.0");
  assert.match(env.status(), /^Connected to Cadenza 0\.1\.0 at 127\.0\.0\.1:7500/);
  const models = last(sentTo(env, "/cadenza/models"));
  env.send("/cadenza/model", models[1], "markov", "markov", "cpu", "none", "default", 1, "styles", "folk,jazz");
  env.send("/cadenza/done", models[1], 1.0);
  const menu = env.sent(2).filter((m) => m[0] === "style_menu").map((m) => m.slice(1).join(" "));
  assert.deepStrictEqual(menu, ["clear", "append any", "append folk", "append jazz", "setsymbol any"]);
  assert.strictEqual(env.status(), "Connected to Cadenza 0.1.0 (already running): model markov, 2 styles. Ready.");
});

test("Generate fills the next empty slots of the device's track and never overwrites a clip", () => {
  const { env, live, lead, bass } = setup();
  const keepA = live.addClip(lead, 0, { name: "Keep A", notes: [{ pitch: 50, start_time: 0, duration: 1 }] });
  const keepB = live.addClip(lead, 2, { name: "Keep B" });
  connect(env);
  env.send("style", "folk");
  env.send("variations", 2);
  env.send("seed", 42);
  env.send("seed_lock", 1);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.deepStrictEqual(request.options, {
    role: "melody", bars: 4, meter: "4/4", tempo: 120, key: "D minor", style: "folk",
    temperature: 1, seed: 42, variations: 2, reply_port: env.replyPort(),
  });
  assert.match(env.status(), /^Generating \(4 bars, folk, D minor, seed 42\)/);
  const v1 = variation(10);
  const v2 = variation(70, 32);
  answer(env, request.id, [v1, v2]);

  assert.strictEqual(clipIn(lead, 0), keepA);
  assert.strictEqual(clipIn(lead, 2), keepB);
  assert.deepStrictEqual(live.writesTo(keepA), []);
  assert.deepStrictEqual(live.writesTo(keepB), []);
  assert.strictEqual(keepA.notes.length, 1);
  const first = clipIn(lead, 1);
  const second = clipIn(lead, 3);
  assert.strictEqual(first.props.name, "Cadenza folk Dm s42 v1");
  assert.strictEqual(second.props.name, "Cadenza folk Dm s42 v2");
  assert.strictEqual(first.props.length, 16);
  assert.strictEqual(second.props.length, 32);
  assert.deepStrictEqual(wireNotes(first.notes), v1.notes);
  assert.deepStrictEqual(wireNotes(second.notes), v2.notes);
  assert.strictEqual(first.props.color, 0x1abc9c);
  assert.ok(bass.slots.every((s) => !s.clip), "nothing written to another track");
  const writes = live.calls.filter((c) => /create_clip|add_new_notes|^set /.test(c.method));
  assert.ok(writes.length >= 6 && writes.every((c) => c.undoDepth === 1), "every write inside an undo step");
  assert.strictEqual(live.undoSteps, 2, "one undo step per inserted clip");
  assert.strictEqual(live.undoDepth, 0);
  assert.match(env.status(), /^Done: 2 clips \(80 notes\) in "Lead", slots 2 and 4 \(\d+(\.\d)? s\)\.$/);
});

test("Generate starts at the selected scene and adds a scene when the track is full", () => {
  const { env, live, lead } = setup();
  for (let i = 0; i < 4; i++) if (i !== 2) live.addClip(lead, i, { name: `full ${i}` });
  live.selectedScene = 1;
  connect(env);
  env.send("variations", 2);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [variation(4), variation(5)]);
  assert.match(clipIn(lead, 2).props.name, /^Cadenza melody Dm s\d+ v1$/);
  assert.strictEqual(lead.slots.length, 5, "a scene was added for the second clip");
  assert.match(clipIn(lead, 4).props.name, / v2$/);
  const scene = live.calls.find((c) => c.method === "create_scene");
  assert.strictEqual(scene.undoDepth, 1, "the new scene is part of the clip's undo step");
  assert.match(env.status(), /slots 3 and 5/);
});

test("a device inside a rack writes to the track that holds the rack", () => {
  const { env, lead } = setup({ track: { inRack: true } });
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [variation(3)]);
  assert.ok(clipIn(lead, 0));
});

test("Continue reads the highlighted clip, uploads it in chunks and inserts the answer below it", () => {
  const { env, live, lead, bass } = setup();
  const sourceNotes = notesOf(100, { step: 0.25 }).map(([p, s, d, v]) => ({ pitch: p, start_time: s, duration: d, velocity: v + 0.4 }));
  const source = live.addClip(bass, 1, { name: "Riff", length: 32, notes: sourceNotes });
  const before = JSON.stringify(source.notes);
  live.highlight(bass, 1);
  connect(env);
  env.send("mode", 1);
  env.send("bars", 2);
  go(env);

  const begin = last(sentTo(env, "/cadenza/clip/begin"));
  const id = begin[1];
  assert.deepStrictEqual(begin.slice(2), [32, "meter", "4/4", "tempo", 120, "key", "D minor", "reply_port", env.replyPort()]);
  const chunks = sentTo(env, "/cadenza/clip/notes").filter((m) => m[1] === id);
  assert.deepStrictEqual(chunks.map((c) => (c.length - 2) / 4), [64, 36]);
  const uploaded = [];
  for (const c of chunks) for (let i = 2; i < c.length; i += 4) uploaded.push(c.slice(i, i + 4));
  assert.deepStrictEqual(uploaded, sourceNotes.map((n) => [n.pitch, n.start_time, n.duration, Math.round(n.velocity)]));
  const request = parseRequest(last(sentTo(env, "/cadenza/continue")));
  assert.strictEqual(request.id, id, "the request uses the upload's id");
  assert.strictEqual(request.options.bars, 2);
  assert.ok(!("strength" in request.options));
  const order = env.sent(0).map((m) => m[0]).filter((a) => a.startsWith("/cadenza/") && a !== "/cadenza/ping" && a !== "/cadenza/models");
  assert.deepStrictEqual(order, ["/cadenza/clip/begin", "/cadenza/clip/notes", "/cadenza/clip/notes", "/cadenza/continue"]);

  const cont = variation(12, 8);
  answer(env, id, [cont]);
  const made = clipIn(bass, 2);
  assert.strictEqual(made.props.name, "Cadenza melody Dm s" + request.options.seed + " cont");
  assert.deepStrictEqual(wireNotes(made.notes), cont.notes);
  assert.strictEqual(made.props.color, 0x3c8ce7);
  assert.strictEqual(JSON.stringify(source.notes), before, "the source clip's notes are untouched");
  assert.deepStrictEqual(live.writesTo(source), [], "nothing but reading touched the source");
  assert.ok(live.calls.some((c) => c.method === "get_notes_extended" && c.path === source.path()));
  assert.ok(lead.slots.every((s) => !s.clip), "Continue writes beside its source, not on the device's track");
  assert.match(env.status(), /^Done: 1 clip \(12 notes\) in "Bass", slot 3/);
});

test("Restyle leaves the source untouched, uploads only its loop and sends strength and preserve", () => {
  const { env, live, lead } = setup();
  const notes = [
    { pitch: 40, start_time: 2, duration: 1 },              // before the loop: left out
    { pitch: 62, start_time: 4, duration: 1, velocity: 90 },
    { pitch: 64, start_time: 5, duration: 0.5, mute: 1 },    // muted: not heard, not sent
    { pitch: 65, start_time: 11, duration: 4 },              // runs past the loop end: cut there
    { pitch: 67, start_time: 12, duration: 1 },              // after the loop: left out
  ];
  const source = live.addClip(lead, 0, { name: "Verse", length: 16, notes, props: { loop_start: 4, loop_end: 12 } });
  const before = JSON.stringify(source.notes);
  live.highlight(lead, 0);
  connect(env);
  env.send("mode", 2);
  env.send("strength", 0.8);
  env.send("preserve", 1);
  go(env);
  const begin = last(sentTo(env, "/cadenza/clip/begin"));
  assert.strictEqual(begin[2], 8);
  const sent = last(sentTo(env, "/cadenza/clip/notes")).slice(2);
  assert.deepStrictEqual(sent, [62, 0, 1, 90, 65, 7, 1, 100]);
  const request = parseRequest(last(sentTo(env, "/cadenza/restyle")));
  assert.strictEqual(request.options.strength, 0.8);
  assert.strictEqual(request.options.preserve, "contour");
  assert.ok(!("bars" in request.options), "restyle keeps the source's length");
  answer(env, request.id, [variation(6, 8)]);
  assert.strictEqual(JSON.stringify(source.notes), before);
  assert.deepStrictEqual(live.writesTo(source), []);
  assert.strictEqual(clipIn(lead, 0), source);
  assert.match(clipIn(lead, 1).props.name, / restyle$/);
  assert.strictEqual(clipIn(lead, 1).props.color, 0xf39c12);
});

test("Arrangement in front (Live 12): Generate goes to the insert marker, past any clip there", () => {
  const { env, live, lead } = setup({ live: { focused: "Arranger", songTime: 8 } });
  const existing = live.addArrangementClip(lead, { start: 8, length: 8, name: "Chorus" });
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [variation(8, 16)]);
  assert.strictEqual(live.overwritten, undefined, "no Arrangement clip was replaced");
  assert.ok(lead.arrangement.includes(existing));
  const made = lead.arrangement.find((c) => c !== existing);
  assert.strictEqual(made.props.start_time, 16);
  assert.strictEqual(made.notes.length, 8);
  assert.ok(lead.slots.every((s) => !s.clip), "nothing went to Session view");
  assert.match(env.status(), /in "Lead" at bar 5 of the Arrangement/);
});

test("a Live 12 that cannot create Arrangement clips gets Session clips, and says so", () => {
  const { env, lead } = setup({ live: { focused: "Arranger", arrangementClips: false } });
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [variation(4)]);
  assert.strictEqual(lead.arrangement.length, 0);
  assert.ok(clipIn(lead, 0));
  assert.match(env.status(), /slot 1 \(.*\)\. This Live cannot add Arrangement clips, so they went to Session view\.$/);
});

test("Continue of an Arrangement clip lands right after it", () => {
  const { env, live, lead } = setup({ live: { focused: "Arranger" } });
  const source = live.addArrangementClip(lead, { start: 0, length: 16, name: "Intro",
    notes: [{ pitch: 60, start_time: 0, duration: 1 }] });
  live.detail = source;
  connect(env);
  env.send("mode", 1);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/continue")));
  answer(env, request.id, [variation(4, 16)]);
  const made = lead.arrangement.find((c) => c !== source);
  assert.strictEqual(made.props.start_time, 16);
  assert.deepStrictEqual(live.writesTo(source), []);
});

for (const version of [[12, 1, 5], [12, 0, 25]]) {
  test(`Live ${version.join(".")} (before 12.1.10): no create_midi_clip call, Session clips, and the status says why`, () => {
    const { env, live, lead } = setup({ live: { version, focused: "Arranger", arrangementClips: true } });
    connect(env);
    go(env);
    answer(env, parseRequest(last(sentTo(env, "/cadenza/generate"))).id, [variation(4)]);
    assert.ok(!live.calls.some((c) => c.method === "create_midi_clip"), "gated on major, minor and bugfix");
    assert.ok(clipIn(lead, 0));
    assert.match(env.status(), new RegExp(`Live ${version.join("\\.")} cannot add Arrangement clips \\(Live 12\\.1\\.10 or later can\\), so they went to Session view\\.$`));
  });
}

test("the version gate compares major, minor and bugfix", () => {
  const { env } = setup();
  const gate = (major, minor, bugfix) => env.context.CadenzaLive.canCreateArrangementClips({ major, minor, bugfix });
  assert.deepStrictEqual([gate(11, 3, 25), gate(12, 0, 99), gate(12, 1, 9), gate(12, 1, 10), gate(12, 2, 0), gate(13, 0, 0)],
    [false, false, false, true, true, true]);
});

test("Live 11: no set key, and the Arrangement in front still gets Session clips", () => {
  const { env, live, lead } = setup({ live: { version: [11, 3, 25], focused: "Arranger" } });
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.ok(!("key" in request.options), "Live 11 has no key to follow");
  answer(env, request.id, [variation(4)]);
  assert.ok(clipIn(lead, 0));
  assert.ok(!live.calls.some((c) => c.method === "create_midi_clip"));
  assert.match(clipIn(lead, 0).props.name, /^Cadenza melody s\d+$/);
});

test("a chosen key wins over the set's, and Scale mode off means no key", () => {
  const { env } = setup({ live: { scaleMode: 0 } });
  connect(env);
  go(env);
  assert.ok(!("key" in parseRequest(last(sentTo(env, "/cadenza/generate"))).options));
  env.send("key", 7);   // F#
  env.send("scale", 0); // major
  go(env);
  assert.strictEqual(parseRequest(last(sentTo(env, "/cadenza/generate"))).options.key, undefined, "busy: ignored");
  assert.match(env.status(), /^Still working on the last request/);
});

test("the seed: unlocked, every Go picks a new one and shows it; locked, it stays", () => {
  const { env } = setup();
  connect(env);
  go(env);
  const first = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.deepStrictEqual(last(env.sent(2).filter((m) => m[0] === "seed")), ["seed", "set", first.options.seed]);
  answer(env, first.id, [variation(2)]);
  env.send("seed_lock", 1);
  env.send("seed", 777);
  go(env);
  const second = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.strictEqual(second.options.seed, 777);
});

test("errors show in the status line: daemon not running, on its default and another address", () => {
  const { env } = setup();
  env.send("init");
  const firstPort = env.replyPort();
  env.clock.advance(1500);
  assert.strictEqual(sentTo(env, "/cadenza/ping").length, 2, "one retry");
  assert.notStrictEqual(env.replyPort(), firstPort, "the retry listens on another port");
  env.clock.advance(1500);
  // On this computer the device asks its launcher to start one; with no launcher answering it
  // says how to start it by hand.
  assert.strictEqual(env.status(), "No Cadenza at 127.0.0.1:7500: starting `cadenza serve` ...");
  assert.deepStrictEqual(env.sent(3), [["start", "127.0.0.1", 7500]]);
  env.clock.advance(3000);
  assert.strictEqual(env.status(), "Cadenza daemon not running at 127.0.0.1:7500, and the device could not start it " +
    "(Node for Max did not answer): start it in a terminal with `cadenza serve --port 7500`");
  env.send("host", "text", "10.0.0.5");
  assert.deepStrictEqual(last(sentTo(env, "host")), ["host", "10.0.0.5"]);
  env.clock.advance(3000);
  assert.strictEqual(env.status(), "Cadenza daemon not running: start it with `cadenza serve` (no answer from 10.0.0.5:7500)");
  assert.strictEqual(env.sent(3).length, 1, "a daemon on another computer is not started");
});

test("errors show in the status line: the daemon's own error, and nothing is written", () => {
  const { env, lead } = setup();
  connect(env);
  env.send("bars", 64);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  env.send("/cadenza/error", request.id, "too_large", "a clip is at most 64 bars");
  assert.strictEqual(env.status(), "Cadenza could not do it (too_large): a clip is at most 64 bars");
  assert.ok(lead.slots.every((s) => !s.clip));
  go(env); // the device is free again
  assert.strictEqual(sentTo(env, "/cadenza/generate").length, 2);
});

test("errors show in the status line: silence before and after the request was accepted", () => {
  const { env } = setup();
  connect(env);
  go(env);
  const first = parseRequest(last(sentTo(env, "/cadenza/generate")));
  env.clock.advance(5000);
  assert.match(env.status(), /^No answer from Cadenza at 127\.0\.0\.1:7500 for 5 s: is `cadenza serve` still running\?$/);
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/cancel")), ["/cadenza/cancel", first.id]);
  go(env); // no reply for 10 s: the device pings again first
  const ping = last(sentTo(env, "/cadenza/ping"));
  env.send("/cadenza/pong", ping[1], "0.1.0");
  const second = parseRequest(last(sentTo(env, "/cadenza/generate")));
  env.send("/cadenza/accepted", second.id, 0);
  env.clock.advance(89000);
  env.send("/cadenza/progress", second.id, 0.5);
  assert.strictEqual(env.status(), "Generating ... 50%");
  env.clock.advance(90000);
  assert.match(env.status(), /^Cadenza stopped answering \(nothing for 90 s\): the request was cancelled/);
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/cancel")), ["/cadenza/cancel", second.id]);
});

test("errors show in the status line: no clip selected, an audio track, lost datagrams", () => {
  let t = setup();
  connect(t.env);
  t.env.send("mode", 1);
  go(t.env);
  assert.match(t.env.status(), /^Select a MIDI clip first/);
  assert.strictEqual(sentTo(t.env, "/cadenza/continue").length, 0);

  t = setup({ track: { audio: true } });
  connect(t.env);
  go(t.env);
  assert.strictEqual(t.env.status(), "Cadenza writes MIDI clips: put it on a MIDI track.");

  t = setup();
  connect(t.env);
  go(t.env);
  const request = parseRequest(last(sentTo(t.env, "/cadenza/generate")));
  answer(t.env, request.id, [variation(100)], { skipChunk: 1 });
  assert.match(t.env.status(), /^The answer arrived incomplete \(variation 1 has 64 of 100 notes\)/);
  assert.ok(t.lead.slots.every((s) => !s.clip), "an incomplete clip is not written");
});

test("what the daemon would refuse is caught with a clear message first", () => {
  let t = setup({ live: { tempo: 400 } });
  connect(t.env);
  go(t.env);
  assert.strictEqual(parseRequest(last(sentTo(t.env, "/cadenza/generate"))).options.tempo, 300, "a 400 BPM set is sent as 300");

  t = setup({ live: { numerator: 17, denominator: 8 } });
  connect(t.env);
  go(t.env);
  assert.strictEqual(t.env.status(), "Cadenza writes meters up to 16 beats a bar; this set is in 17/8.");

  t = setup();
  t.live.addClip(t.lead, 0, { length: 260, notes: [{ pitch: 60, start_time: 0, duration: 1 }] });
  t.live.highlight(t.lead, 0);
  connect(t.env);
  t.env.send("mode", 2);
  go(t.env);
  assert.strictEqual(t.env.status(), "The selected clip is longer than 64 bars: shorten its loop first.");
  assert.strictEqual(sentTo(t.env, "/cadenza/clip/begin").length, 0);
});

test("late and repeated datagrams are dropped by request id", () => {
  const { env, live, lead } = setup();
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  env.send("/cadenza/result/begin", request.id + 1000, 0, 1, 4); // someone else's id
  const v = variation(80);
  answer(env, request.id, [v], { duplicate: true });
  assert.strictEqual(clipIn(lead, 0).notes.length, 80, "a repeated chunk is not added twice");
  const clips = () => lead.slots.filter((s) => s.clip).length;
  answer(env, request.id, [v]); // the whole answer again, late
  env.send("/cadenza/done", request.id, 1.0);
  assert.strictEqual(clips(), 1, "a late repeat writes nothing");
  assert.strictEqual(live.undoSteps, 1);
  assert.match(env.status(), /^Done: 1 clip \(80 notes\)/);
});

test("style, host and ports are stored with the set through pattr", () => {
  const { env } = setup();
  env.send("style", "jazz");
  assert.ok(env.notified.length >= 1, "pattr is told the value changed");
  const saved = env.context.getvalueof();
  assert.deepStrictEqual(JSON.parse(saved), { style: "jazz", host: "127.0.0.1", port: 7500, reply_port: 0, seed: 1, model: "", prompt: "", program: "" });
  const other = setup().env;
  other.context.setvalueof(JSON.stringify({ style: "folk", host: "192.168.1.20", port: 9000, reply_port: 9001 }));
  other.send("init");
  assert.deepStrictEqual(last(sentTo(other, "host")), ["host", "192.168.1.20"]);
  assert.deepStrictEqual(last(sentTo(other, "port")), ["port", 9000]);
  assert.deepStrictEqual(last(other.sent("udpreceive")), ["port", 9001]);
  assert.deepStrictEqual(last(sentTo(other, "/cadenza/ping")).slice(2), ["reply_port", 9001]);
  other.context.setvalueof("not json");
  assert.strictEqual(JSON.parse(other.context.getvalueof()).style, "folk");
});

// The box the script's seed feedback reaches, through [route style_menu seed].
function seedBox() {
  const p = require("../build").readPatcher("Cadenza.maxpat").patcher;
  const byId = new Map(p.boxes.map((b) => [b.box.id, b.box]));
  const route = p.boxes.map((b) => b.box).find((b) => /^route .*\bseed\b/.test(b.text || ""));
  const outletIndex = route.text.split(/\s+/).slice(1).indexOf("seed");
  const line = p.lines.find((l) => l.patchline.source[0] === route.id && l.patchline.source[1] === outletIndex);
  return byId.get(line.patchline.destination[0]);
}

test("Go shows a new seed without storing it; locking or typing a seed stores it with the set", () => {
  const box = seedBox();
  assert.strictEqual(box.parameter_enable, 0, "the seed box is not a Live parameter (writing one adds undo entries)");
  assert.notStrictEqual(box.maxclass.slice(0, 5), "live.");
  const { env } = setup();
  connect(env);
  const before = env.notified.length;
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.deepStrictEqual(last(env.sent(2).filter((m) => m[0] === "seed")), ["seed", "set", request.options.seed]);
  env.clock.advance(1000);
  answer(env, request.id, [variation(4)]);
  go(env);
  assert.strictEqual(env.notified.length, before, "Go never touches the stored state");
  const shown = parseRequest(last(sentTo(env, "/cadenza/generate"))).options.seed;
  env.send("seed_lock", 1);
  assert.strictEqual(env.notified.length, before + 1, "locking stores the seed on show");
  assert.strictEqual(JSON.parse(env.context.getvalueof()).seed, shown);
  env.send("seed", 4321);
  assert.strictEqual(env.notified.length, before + 2);
  assert.strictEqual(JSON.parse(env.context.getvalueof()).seed, 4321);

  const reopened = setup().env;
  const told = reopened.notified.length;
  reopened.context.setvalueof(env.context.getvalueof());
  assert.deepStrictEqual(last(reopened.sent(2).filter((m) => m[0] === "seed")), ["seed", "set", 4321]);
  reopened.send("seed_lock", 1); // Live restores the Lock parameter
  assert.strictEqual(reopened.notified.length, told, "loading a set stores nothing (no undo entry at load)");
  connect(reopened);
  go(reopened);
  assert.strictEqual(parseRequest(last(sentTo(reopened, "/cadenza/generate"))).options.seed, 4321);
});

test("where Live ignores begin/end_undo_step, one clip costs exactly the entries the docs name, and Go adds none", () => {
  const { env, live } = setup({ live: { honoursUndoSteps: false } });
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  answer(env, request.id, [variation(6)]);
  assert.deepStrictEqual(live.history.map((h) => h.what),
    ["ClipSlot create_clip", "Clip set name", "Clip set color", "Clip add_new_notes"]);
  const honoured = setup();
  connect(honoured.env);
  go(honoured.env);
  answer(honoured.env, parseRequest(last(sentTo(honoured.env, "/cadenza/generate"))).id, [variation(6)]);
  assert.strictEqual(honoured.live.history.length, 1, "where Live honours them, one clip is one step");
  assert.strictEqual(honoured.live.history[0].writes.length, 4);
});

// What the script showed in a menu: ["clear", "append a", ...] for outlet-2 messages to `menu`.
function menuOf(env, menu) {
  return env.sent(2).filter((m) => m[0] === menu).map((m) => m.slice(1).join(" "));
}

test("every control the daemon accepts reaches the request: model, prompt, top-p, guidance, density, pitch range, scale lock", () => {
  const { env } = setup();
  connect(env, { more: [["transformer", "baroque-chorale,rock"]] });
  assert.deepStrictEqual(menuOf(env, "model_menu"), ["clear", "append default", "append markov", "append transformer", "setsymbol default"]);
  env.send("model", "transformer");
  assert.deepStrictEqual(menuOf(env, "style_menu").slice(-4), ["append any", "append baroque-chorale", "append rock", "setsymbol any"],
    "the style menu follows the chosen model");
  env.send("style", "rock");
  env.send("prompt", "text", "calm", "tune", "in", "D", "minor");
  env.send("top_p", 0.8);
  env.send("guidance", 4);     // menu index: model, 0, 0.5, 1, 1.5 ...
  env.send("density", 1);      // auto, sparse ...
  env.send("pitch_low", 84);
  env.send("pitch_high", 48);  // the wrong way round: sent as a range
  env.send("scale_lock", 1);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.strictEqual(request.options.model, "transformer");
  assert.strictEqual(request.options.style, "rock");
  assert.strictEqual(request.options.prompt, "calm tune in D minor");
  assert.strictEqual(request.options.top_p, 0.8);
  assert.strictEqual(request.options.guidance, 1.5);
  assert.strictEqual(request.options.density, 0.15);
  assert.strictEqual(request.options.pitch_low, 48);
  assert.strictEqual(request.options.pitch_high, 84);
  assert.strictEqual(request.options.scale_lock, 1);
  const saved = JSON.parse(env.context.getvalueof());
  assert.strictEqual(saved.model, "transformer");
  assert.strictEqual(saved.prompt, "calm tune in D minor");

  const plain = setup().env;
  connect(plain);
  plain.send("scale", 0);
  plain.send("key", 0); // follow Live, and this set has Scale mode on: a key is sent
  plain.send("scale_lock", 0);
  go(plain);
  const options = parseRequest(last(sentTo(plain, "/cadenza/generate"))).options;
  for (const key of ["model", "prompt", "top_p", "guidance", "density", "pitch_low", "pitch_high", "scale_lock"]) {
    assert.ok(!(key in options), `${key} is left to the daemon when not set`);
  }
});

test("a model that is no longer loaded falls back to the default", () => {
  const { env } = setup();
  env.context.setvalueof(JSON.stringify({ model: "gone", style: "" }));
  connect(env);
  assert.deepStrictEqual(menuOf(env, "model_menu").slice(-1), ["setsymbol default"]);
  go(env);
  assert.ok(!("model" in parseRequest(last(sentTo(env, "/cadenza/generate"))).options));
});

test("the progress bar follows /cadenza/progress, and Cancel stops the request and writes nothing", () => {
  const { env, lead } = setup();
  connect(env);
  go(env);
  const request = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.deepStrictEqual(last(env.sent(2).filter((m) => m[0] === "progress")), ["progress", 0]);
  env.send("/cadenza/accepted", request.id, 0);
  env.send("/cadenza/progress", request.id, 0.4);
  assert.deepStrictEqual(last(env.sent(2).filter((m) => m[0] === "progress")), ["progress", 40]);
  assert.match(env.status(), /40%/);
  env.send("cancel");
  assert.deepStrictEqual(last(sentTo(env, "/cadenza/cancel")), ["/cadenza/cancel", request.id]);
  assert.strictEqual(env.status(), "Cancelled: nothing was written.");
  assert.deepStrictEqual(last(env.sent(2).filter((m) => m[0] === "progress")), ["progress", 0]);
  answer(env, request.id, [variation(5)]); // what was already on its way
  env.send("/cadenza/error", request.id, "cancelled", "cancelled by the client");
  assert.ok(lead.slots.every((s) => !s.clip), "nothing written after Cancel");
  assert.strictEqual(env.status(), "Cancelled: nothing was written.");
  env.send("cancel");
  assert.strictEqual(env.status(), "Nothing to cancel.");
  go(env);
  const next = parseRequest(last(sentTo(env, "/cadenza/generate")));
  assert.notStrictEqual(next.id, request.id, "a new request can start at once");
  answer(env, next.id, [variation(5)]);
  assert.deepStrictEqual(last(env.sent(2).filter((m) => m[0] === "progress")), ["progress", 100]);
  assert.ok(lead.slots[0].clip);
});
