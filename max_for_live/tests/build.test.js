"use strict";
// The committed device folders are what the sources build: max_for_live/Cadenza/ (frozen, what
// users install) holds one .amxd per device with its patcher and every script inside it;
// max_for_live/dev/ (unfrozen) holds the same patchers with the scripts beside them.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const amxd = require("../amxd");
const build = require("../build");

test("the committed max_for_live/Cadenza/ and dev/ are up to date with the sources", () => {
  for (const [name, data] of build.outputs()) {
    const file = path.join(build.OUT_DIR, "..", name);
    assert.ok(fs.existsSync(file), `${name} is missing: run npm run build --prefix max_for_live`);
    assert.ok(fs.readFileSync(file).equals(data), `${name} is stale: run npm run build --prefix max_for_live`);
  }
  assert.deepStrictEqual(build.extraFiles(build.outputs()), [], "files the build does not make");
  assert.deepStrictEqual(fs.readdirSync(build.OUT_DIR).sort(), build.DEVICES.map((d) => d.file).sort(),
    "the install folder holds only the frozen devices");
});

// The collective read the way Ableton's maxdevtools reads it (freezing_utils.parse_footer,
// frozen_device_printer.get_device_entries), written apart from amxd.js so that a shared
// mistake in amxd.js cannot pass: -> [{fnam, type, data}].
function readCollectiveAsMaxdevtools(bytes) {
  let pos = 0;
  let ptch = null;
  while (pos < bytes.length) {
    const tag = bytes.toString("ascii", pos, pos + 4);
    const size = bytes.readUInt32LE(pos + 4);
    if (tag === "ptch") ptch = bytes.subarray(pos + 8, pos + 8 + size);
    pos += 8 + size;
  }
  assert.strictEqual(ptch.toString("ascii", 0, 4), "mx@c");
  const footerAt = Number(ptch.readBigUInt64BE(8));
  const footer = ptch.subarray(footerAt);
  assert.strictEqual(footer.toString("ascii", 0, 4), "dlst");
  assert.strictEqual(footer.readUInt32BE(4), footer.length, "the footer records its own size");
  let data = footer.subarray(8);
  const entries = [];
  while (data.length && data.toString("ascii", 0, 4) === "dire") {
    const size = data.readUInt32BE(4);
    let fields = data.subarray(8, size);
    const entry = {};
    while (fields.length >= 12) {
      const fieldSize = fields.readUInt32BE(4);
      entry[fields.toString("ascii", 0, 4)] = fields.subarray(8, fieldSize);
      fields = fields.subarray(fieldSize);
    }
    const offset = entry.of32.readUInt32BE(0);
    entries.push({
      fnam: entry.fnam.toString("ascii").replace(/\0+$/, ""),
      type: entry.type.toString("ascii"),
      data: ptch.subarray(offset, offset + entry.sz32.readUInt32BE(0)),
    });
    data = data.subarray(size);
  }
  return entries;
}

for (const device of build.DEVICES) {
  test(`the frozen ${device.file} round-trips: its patcher and every script it needs are inside, byte for byte`, () => {
    const bytes = fs.readFileSync(path.join(build.OUT_DIR, device.file));
    const source = build.readPatcher(device.patcher);
    const decoded = amxd.decode(bytes);
    assert.strictEqual(decoded.type, device.type);
    assert.strictEqual(decoded.meta, amxd.FROZEN_META);
    assert.strictEqual(decoded.frozen, true);
    assert.deepStrictEqual(decoded.chunks, ["ampf", "meta", "ptch"]);
    assert.strictEqual(decoded.name, device.file);
    assert.deepStrictEqual(decoded.patcher, source);

    const entries = readCollectiveAsMaxdevtools(bytes);
    assert.strictEqual(entries[0].fnam, device.file);
    assert.strictEqual(entries[0].type, "JSON");
    assert.ok(entries[0].data.equals(Buffer.from(amxd.patcherText(source) + "\0", "utf8")), "the patcher text, byte for byte");
    const needed = build.scriptsOf(source);
    assert.ok(needed.length >= 1);
    assert.deepStrictEqual(entries.slice(1).map((e) => e.fnam), needed, "exactly the scripts the patcher loads");
    for (const entry of entries.slice(1)) {
      assert.strictEqual(entry.type, "TEXT");
      assert.ok(entry.data.equals(Buffer.from(build.scriptText(entry.fnam), "utf8")), `${entry.fnam} is the built script, byte for byte`);
    }
    const carried = new Map(entries.slice(1).map((e) => [e.fnam, e.data.toString("utf8")]));
    assert.deepStrictEqual(build.validatePatcher(source, device.type, carried), [], "what the frozen device carries is all it needs");
  });

  test(`the development ${device.file} (dev/) parses back to ${device.patcher}, unfrozen`, () => {
    const decoded = amxd.decode(fs.readFileSync(path.join(build.DEV_DIR, device.file)));
    assert.strictEqual(decoded.type, device.type);
    assert.strictEqual(decoded.meta, amxd.UNFROZEN_META);
    assert.strictEqual(decoded.frozen, false);
    assert.deepStrictEqual(decoded.chunks, ["ampf", "meta", "ptch"]);
    assert.deepStrictEqual(decoded.patcher, build.readPatcher(device.patcher));
  });

  test(`the development ${device.file} references only files that exist next to it`, () => {
    const doc = amxd.decode(fs.readFileSync(path.join(build.DEV_DIR, device.file))).patcher;
    const files = new Map();
    for (const name of fs.readdirSync(build.DEV_DIR)) {
      if (name.endsWith(".js")) files.set(name, fs.readFileSync(path.join(build.DEV_DIR, name), "utf8"));
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

test("a footer entry is byte for byte what Max 9 writes (maxdevtools' FrozenTest.amxd)", () => {
  // Two entries of Ableton/maxdevtools maxdiff/tests/test_files/FrozenTest.amxd, saved by Max 9.0.10.
  const device = "6469726500000064747970650000000c4a534f4e666e616d00000014546573742e616d7864000000737a33320000000c" +
    "00008eb36f6633320000000c00000010766572730000000c00000000666c61670000000c000000116d6461740000000ce59f94f5";
  const script = "6469726500000068747970650000000c54455854666e616d00000018546573745363726970742e6a73000000737a3332" +
    "0000000c000000576f6633320000000c000639e7766572730000000c00000000666c61670000000c000000006d6461740000000ce3d4d52e";
  const hfs = (hex) => parseInt(hex, 16) - 2082844800;
  assert.strictEqual(amxd.direEntry({ name: "Test.amxd", type: "JSON", flag: 0x11, size: 36531, offset: 16, date: hfs("e59f94f5") }).toString("hex"), device);
  assert.strictEqual(amxd.direEntry({ name: "TestScript.js", type: "TEXT", flag: 0, size: 87, offset: 0x639e7, date: hfs("e3d4d52e") }).toString("hex"), script);
});

test("a frozen container carries any files and refuses a corrupt footer", () => {
  const doc = { patcher: { boxes: [], lines: [] } };
  const files = [{ name: "a.js", data: Buffer.from("post(1);\n") }, { name: "launcher.js", data: Buffer.from("x"), flag: 8 }];
  const bytes = amxd.encodeFrozen(doc, "natt", "T.amxd", files);
  const back = amxd.decode(bytes);
  assert.deepStrictEqual(back.patcher, doc);
  assert.deepStrictEqual(back.files.map((f) => [f.name, f.type, f.flag, f.data.toString(), f.date]),
    [["a.js", "TEXT", 0, "post(1);\n", amxd.FROZEN_DATE], ["launcher.js", "TEXT", 8, "x", amxd.FROZEN_DATE]]);
  assert.ok(amxd.encodeFrozen(doc, "natt", "T.amxd", files).equals(bytes), "the same input builds the same bytes");
  const broken = Buffer.from(bytes);
  broken.write("xlst", broken.indexOf("dlst"), "latin1");
  assert.throws(() => amxd.decode(broken), /does not start with "dlst"/);
  assert.throws(() => amxd.encodeFrozen(doc, "natt", "T.amxd", [files[0], files[0]]), /frozen twice/);
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
  const files = new Map([["cadenza.js", "inlets = 1;\noutlets = 3;\n"], ["cadenza_launcher.js", ""]]);
  const problems = build.validatePatcher(doc, "natt", files).join("\n");
  assert.match(problems, /declares 1\/3/);
  assert.match(problems, /amxdtype/);
  const missing = build.validatePatcher(doc, device.type, new Map()).join("\n");
  assert.match(missing, /needs cadenza\.js/);
  assert.match(missing, /\[node\.script cadenza_launcher\.js\] \(obj-95\) needs cadenza_launcher\.js/);
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
