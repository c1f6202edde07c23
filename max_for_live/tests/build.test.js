"use strict";
// The committed device folder is what the sources build, every .amxd holds exactly its
// .maxpat, and every file a patcher references sits next to it.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const amxd = require("../amxd");
const build = require("../build");

test("the committed max_for_live/Cadenza/ is up to date with the sources", () => {
  for (const [name, data] of build.outputs()) {
    const file = path.join(build.OUT_DIR, name);
    assert.ok(fs.existsSync(file), `${name} is missing: run npm run build --prefix max_for_live`);
    assert.ok(fs.readFileSync(file).equals(data), `${name} is stale: run npm run build --prefix max_for_live`);
  }
});

for (const device of build.DEVICES) {
  test(`${device.file} parses back to ${device.patcher}`, () => {
    const decoded = amxd.decode(fs.readFileSync(path.join(build.OUT_DIR, device.file)));
    assert.strictEqual(decoded.type, device.type);
    assert.strictEqual(decoded.meta, amxd.UNFROZEN_META);
    assert.strictEqual(decoded.frozen, false);
    assert.deepStrictEqual(decoded.chunks, ["ampf", "meta", "ptch"]);
    assert.deepStrictEqual(decoded.patcher, build.readPatcher(device.patcher));
  });

  test(`${device.file} references only files that exist next to it`, () => {
    const doc = amxd.decode(fs.readFileSync(path.join(build.OUT_DIR, device.file))).patcher;
    const files = new Map();
    for (const name of fs.readdirSync(build.OUT_DIR)) {
      if (name.endsWith(".js")) files.set(name, fs.readFileSync(path.join(build.OUT_DIR, name), "utf8"));
    }
    assert.deepStrictEqual(build.validatePatcher(doc, device.type, files), []);
    const scripts = doc.patcher.boxes.map((b) => b.box.text || "").filter((t) => /^js /.test(t));
    assert.ok(scripts.length === 1, "one [js] object per device");
  });
}

test("the container layout is byte-exact: ampf, meta, ptch with little-endian sizes", () => {
  const doc = { patcher: { boxes: [], lines: [] } };
  const bytes = amxd.encode(doc, "mmmm");
  assert.strictEqual(bytes.toString("latin1", 0, 4), "ampf");
  assert.strictEqual(bytes.readUInt32LE(4), 4);
  assert.strictEqual(bytes.toString("latin1", 8, 12), "mmmm");
  assert.strictEqual(bytes.toString("latin1", 12, 16), "meta");
  assert.strictEqual(bytes.readUInt32LE(16), 4);
  assert.strictEqual(bytes.readUInt32LE(20), 1);
  assert.strictEqual(bytes.toString("latin1", 24, 28), "ptch");
  assert.strictEqual(bytes.readUInt32LE(28), bytes.length - 32);
  assert.strictEqual(bytes[bytes.length - 1], 0, "the patcher text ends with a NUL byte");
  assert.strictEqual(amxd.amxdType("mmmm"), 1835887981);
  assert.strictEqual(amxd.amxdType("nagg"), 1851877223);
  assert.strictEqual(amxd.amxdType("natt"), 1851880564);
});

test("decode refuses broken containers with a message that says why", () => {
  const good = amxd.encode({ patcher: { boxes: [], lines: [] } }, "mmmm");
  assert.throws(() => amxd.decode(good.subarray(0, good.length - 10)), /claims \d+ bytes/);
  assert.throws(() => amxd.decode(Buffer.from("{\"patcher\": {}}")), /not an \.amxd/);
  const wrongType = Buffer.from(good);
  wrongType.write("xxxx", 8, "latin1");
  assert.throws(() => amxd.decode(wrongType), /unknown device type/);
  assert.throws(() => amxd.encode({ patcher: {} }, "zzzz"), /unknown device type/);
});

test("the validator catches a missing script, wrong ports, a bad line and a wrong device type", () => {
  const device = build.DEVICES[0];
  const doc = build.readPatcher(device.patcher);
  const files = new Map([["cadenza.js", "inlets = 1;\noutlets = 4;\n"]]);
  const problems = build.validatePatcher(doc, "natt", files).join("\n");
  assert.match(problems, /declares 1\/4/);
  assert.match(problems, /amxdtype/);
  const missing = build.validatePatcher(doc, device.type, new Map()).join("\n");
  assert.match(missing, /needs cadenza\.js/);
  doc.patcher.lines.push({ patchline: { source: ["obj-1", 9], destination: ["nowhere", 0] } });
  assert.match(build.validatePatcher(doc, device.type, files).join("\n"), /no outlet 9[\s\S]*missing box nowhere/);
});

test("a MIDI effect device passes the track's MIDI through", () => {
  const doc = build.readPatcher("Cadenza.maxpat").patcher;
  const byText = new Map(doc.boxes.map((b) => [b.box.text, b.box.id]));
  const through = doc.lines.some((l) => l.patchline.source[0] === byText.get("midiin") &&
    l.patchline.destination[0] === byText.get("midiout"));
  assert.ok(through, "[midiin] -> [midiout] is wired");
});

// Nobody has looked at these faces in Live yet: at least nothing sits outside the device or on
// top of another control.
for (const device of build.DEVICES) {
  test(`${device.patcher}: every control on the face is inside the device and nothing overlaps`, () => {
    const p = build.readPatcher(device.patcher).patcher;
    const shown = p.boxes.map((b) => b.box).filter((b) => b.presentation);
    for (const b of shown) {
      const [x, y, w, h] = b.presentation_rect;
      assert.ok(x >= 0 && y >= 0 && x + w <= p.devicewidth && y + h <= 169, `${b.id} lies outside the device`);
    }
    for (let i = 0; i < shown.length; i++) {
      for (let j = i + 1; j < shown.length; j++) {
        const [ax, ay, aw, ah] = shown[i].presentation_rect;
        const [bx, by, bw, bh] = shown[j].presentation_rect;
        const overlap = ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
        assert.ok(!overlap, `${shown[i].id} (${shown[i].text || shown[i].varname}) overlaps ${shown[j].id} (${shown[j].text || shown[j].varname})`);
      }
    }
  });
}
