"use strict";
// The .amxd container: reading and writing the file Live loads as a Max device.
//
// Layout (all we write; read by Ableton's maxdevtools `amxd_textconv.py` the same way):
// a sequence of chunks, each a 4-byte ASCII tag, a 4-byte little-endian unsigned size (of the
// data that follows, not counting the 8 header bytes) and the data, with no padding:
//
//   "ampf" size 4   data: the device type, 4 ASCII bytes
//                         "mmmm" MIDI effect, "aaaa" audio effect, "iiii" instrument,
//                         "nagg" MIDI Generator (Live 12), "natt" MIDI Transformation (Live 12)
//   "meta" size 4   data: uint32 LE, 1 for a device saved unfrozen (frozen devices carry 7)
//   "ptch" size N   data: the patcher as UTF-8 JSON, a newline and one NUL byte
//
// A frozen device instead holds an "mx@c" collective in "ptch" (the patcher plus every file it
// uses); this writer never freezes, so the device finds its .js next to the .amxd.

const TYPES = {
  mmmm: "MIDI effect",
  aaaa: "audio effect",
  iiii: "instrument",
  nagg: "MIDI Generator",
  natt: "MIDI Transformation",
};
const UNFROZEN_META = 1;

function chunk(tag, data) {
  const header = Buffer.alloc(8);
  header.write(tag, 0, 4, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data]);
}

// The patcher text exactly as the .maxpat source holds it (tab-indented JSON).
function patcherText(patcher) {
  return JSON.stringify(patcher, null, "\t") + "\n";
}

function encode(patcher, type) {
  if (!TYPES[type]) {
    throw new Error(`unknown device type ${JSON.stringify(type)}; known: ${Object.keys(TYPES).join(", ")}`);
  }
  if (!patcher || typeof patcher.patcher !== "object") {
    throw new Error('expected a patcher document: {"patcher": {...}}');
  }
  const meta = Buffer.alloc(4);
  meta.writeUInt32LE(UNFROZEN_META, 0);
  const body = Buffer.concat([Buffer.from(patcherText(patcher), "utf8"), Buffer.from([0])]);
  return Buffer.concat([
    chunk("ampf", Buffer.from(type, "latin1")),
    chunk("meta", meta),
    chunk("ptch", body),
  ]);
}

// -> {type, meta, frozen, patcher}; throws with a message that says what is wrong.
function decode(buffer) {
  if (buffer.toString("latin1", 0, 4) !== "ampf") {
    throw new Error(`not an .amxd: the file starts with ${JSON.stringify(buffer.toString("latin1", 0, 4))}, not "ampf"`);
  }
  const chunks = {};
  const order = [];
  let pos = 0;
  while (pos < buffer.length) {
    if (pos + 8 > buffer.length) {
      throw new Error(`truncated chunk header at byte ${pos}`);
    }
    const tag = buffer.toString("latin1", pos, pos + 4);
    const size = buffer.readUInt32LE(pos + 4);
    if (pos + 8 + size > buffer.length) {
      throw new Error(`chunk ${JSON.stringify(tag)} at byte ${pos} claims ${size} bytes; only ${buffer.length - pos - 8} remain`);
    }
    chunks[tag] = buffer.subarray(pos + 8, pos + 8 + size);
    order.push(tag);
    pos += 8 + size;
  }
  const type = chunks.ampf.toString("latin1");
  if (!TYPES[type]) {
    throw new Error(`unknown device type ${JSON.stringify(type)}`);
  }
  if (!chunks.meta || chunks.meta.length !== 4) {
    throw new Error('missing the 4-byte "meta" chunk');
  }
  if (!chunks.ptch) {
    throw new Error('missing the "ptch" chunk');
  }
  const ptch = chunks.ptch;
  if (ptch.toString("latin1", 0, 4) === "mx@c") {
    return {type, meta: chunks.meta.readUInt32LE(0), frozen: true, patcher: null, chunks: order};
  }
  const end = ptch[ptch.length - 1] === 0 ? ptch.length - 1 : ptch.length;
  return {
    type,
    meta: chunks.meta.readUInt32LE(0),
    frozen: false,
    patcher: JSON.parse(ptch.toString("utf8", 0, end)),
    chunks: order,
  };
}

// The 32-bit value Max stores as project.amxdtype: the type code read as a big-endian int.
function amxdType(type) {
  return Buffer.from(type, "latin1").readUInt32BE(0);
}

module.exports = { TYPES, UNFROZEN_META, encode, decode, patcherText, amxdType };
