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
// A frozen device (meta 7) holds in "ptch" an "mx@c" collective instead: the device's patcher and
// every file it uses, so it needs nothing beside it. Layout, as Max writes it and Ableton's
// maxdevtools (maxdiff/freezing_utils.py, frozen_device_printer.py) reads it; every number in it
// is big-endian:
//
//   "mx@c"  uint32 16 (the header size)  uint64 offset of the footer (from the start of "mx@c")
//   the files' bytes, one after the other from offset 16, no padding; the first is the device
//     itself ("<device>.amxd", type JSON: the patcher text, a newline and a NUL)
//   "dlst"  uint32 size of the whole footer (these 8 bytes included), then one entry per file:
//     "dire"  uint32 size of the entry (header included), then fields, each a 4-byte tag, a
//             uint32 size (its 8 header bytes included) and the data:
//       "type" 4 ASCII bytes (JSON, TEXT, PNG , ...)   "fnam" the name, NUL-terminated, padded
//       with NULs to a multiple of 4   "sz32" uint32 size   "of32" uint32 offset   "vers" uint32 0
//       "flag" uint32 (0x11 on the device entry, 0 on a [js] script; Max's own frozen devices
//       carry 8 on a [node.script]'s script and on audio files, meaning not documented)
//       "mdat" uint32 modification date, seconds since 1904-01-01 UTC (HFS+)

const TYPES = {
  mmmm: "MIDI effect",
  aaaa: "audio effect",
  iiii: "instrument",
  nagg: "MIDI Generator",
  natt: "MIDI Transformation",
};
const UNFROZEN_META = 1;
const FROZEN_META = 7;
const COLLECTIVE_HEADER = 16;
const DEVICE_FLAG = 0x11;
const HFS_TO_UNIX = 2082844800; // seconds from 1904-01-01 to 1970-01-01
// Every frozen file carries this date, so the same sources always build the same bytes.
const FROZEN_DATE = Date.UTC(2026, 0, 1) / 1000;

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

function checkArguments(patcher, type) {
  if (!TYPES[type]) {
    throw new Error(`unknown device type ${JSON.stringify(type)}; known: ${Object.keys(TYPES).join(", ")}`);
  }
  if (!patcher || typeof patcher.patcher !== "object") {
    throw new Error('expected a patcher document: {"patcher": {...}}');
  }
}

function patcherBody(patcher) {
  return Buffer.concat([Buffer.from(patcherText(patcher), "utf8"), Buffer.from([0])]);
}

function container(type, metaValue, ptch) {
  const meta = Buffer.alloc(4);
  meta.writeUInt32LE(metaValue, 0);
  return Buffer.concat([
    chunk("ampf", Buffer.from(type, "latin1")),
    chunk("meta", meta),
    chunk("ptch", ptch),
  ]);
}

// An unfrozen device: it loads its scripts from the folder it sits in.
function encode(patcher, type) {
  checkArguments(patcher, type);
  return container(type, UNFROZEN_META, patcherBody(patcher));
}

function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

// A footer field or entry: tag, big-endian size counting its own 8 header bytes, data.
function block(tag, data) {
  return Buffer.concat([Buffer.from(tag, "latin1"), u32(8 + data.length), data]);
}

function paddedName(name) {
  if (!/^[\x20-\x7e]+$/.test(name)) throw new Error(`a frozen file name must be printable ASCII: ${JSON.stringify(name)}`);
  const size = Math.ceil((name.length + 1) / 4) * 4;
  const b = Buffer.alloc(size);
  b.write(name, 0, "latin1");
  return b;
}

// One footer entry: {name, type, flag, size, offset, date (unix seconds)} -> "dire" bytes.
function direEntry(e) {
  return block("dire", Buffer.concat([
    block("type", Buffer.from(e.type, "latin1")),
    block("fnam", paddedName(e.name)),
    block("sz32", u32(e.size)),
    block("of32", u32(e.offset)),
    block("vers", u32(0)),
    block("flag", u32(e.flag)),
    block("mdat", u32(e.date + HFS_TO_UNIX)),
  ]));
}

// A frozen device: `deviceName` ("Cadenza.amxd"), and `files`, each {name, type ("TEXT"),
// data (Buffer), flag (0 unless given)}, carried inside it; every file dated `date`.
function encodeFrozen(patcher, type, deviceName, files, date = FROZEN_DATE) {
  checkArguments(patcher, type);
  const entries = [{ name: deviceName, type: "JSON", flag: DEVICE_FLAG, data: patcherBody(patcher) }]
    .concat(files.map((f) => ({ name: f.name, type: f.type || "TEXT", flag: f.flag || 0, data: f.data })));
  const seen = new Set();
  let offset = COLLECTIVE_HEADER;
  const dires = [];
  for (const e of entries) {
    if (seen.has(e.name)) throw new Error(`${e.name} is frozen twice`);
    seen.add(e.name);
    if (!Buffer.isBuffer(e.data)) throw new Error(`${e.name}: data must be a Buffer`);
    if (Buffer.byteLength(e.type, "latin1") !== 4) throw new Error(`${e.name}: type ${JSON.stringify(e.type)} is not 4 bytes`);
    dires.push(direEntry({ name: e.name, type: e.type, flag: e.flag, size: e.data.length, offset, date }));
    offset += e.data.length;
  }
  const header = Buffer.alloc(COLLECTIVE_HEADER);
  header.write("mx@c", 0, "latin1");
  header.writeUInt32BE(COLLECTIVE_HEADER, 4);
  header.writeBigUInt64BE(BigInt(offset), 8);
  const footer = block("dlst", Buffer.concat(dires));
  return container(type, FROZEN_META, Buffer.concat([header].concat(entries.map((e) => e.data), [footer])));
}

// The "mx@c" collective -> [{name, type, flag, date (unix seconds), data}], the device first.
function decodeCollective(ptch) {
  const fail = (why) => { throw new Error(`frozen device: ${why}`); };
  if (ptch.length < COLLECTIVE_HEADER) fail("the collective header is truncated");
  const headerSize = ptch.readUInt32BE(4);
  const footerAt = Number(ptch.readBigUInt64BE(8));
  if (headerSize !== COLLECTIVE_HEADER) fail(`header size ${headerSize}, expected ${COLLECTIVE_HEADER}`);
  if (footerAt + 8 > ptch.length) fail(`footer offset ${footerAt} lies past the end (${ptch.length} bytes)`);
  if (ptch.toString("latin1", footerAt, footerAt + 4) !== "dlst") fail('the footer does not start with "dlst"');
  if (ptch.readUInt32BE(footerAt + 4) !== ptch.length - footerAt) fail("the footer size does not match its bytes");
  const files = [];
  let pos = footerAt + 8;
  while (pos < ptch.length) {
    if (ptch.toString("latin1", pos, pos + 4) !== "dire") fail(`expected "dire" at byte ${pos}`);
    const end = pos + ptch.readUInt32BE(pos + 4);
    if (end > ptch.length || end < pos + 8) fail(`the entry at byte ${pos} has a bad size`);
    const fields = {};
    for (let f = pos + 8; f + 8 <= end;) {
      const size = ptch.readUInt32BE(f + 4);
      if (size < 8 || f + size > end) fail(`a field at byte ${f} has a bad size`);
      fields[ptch.toString("latin1", f, f + 4)] = ptch.subarray(f + 8, f + size);
      f += size;
    }
    for (const tag of ["type", "fnam", "sz32", "of32", "flag", "mdat"]) if (!fields[tag]) fail(`an entry lacks "${tag}"`);
    const name = fields.fnam.toString("latin1").replace(/\0+$/, "");
    const offset = fields.of32.readUInt32BE(0);
    const size = fields.sz32.readUInt32BE(0);
    if (offset < COLLECTIVE_HEADER || offset + size > footerAt) fail(`${name} lies outside the data (${offset}+${size})`);
    files.push({
      name,
      type: fields.type.toString("latin1"),
      flag: fields.flag.readUInt32BE(0),
      date: fields.mdat.readUInt32BE(0) - HFS_TO_UNIX,
      data: ptch.subarray(offset, offset + size),
    });
    pos = end;
  }
  if (!files.length) fail("the collective holds no files");
  return files;
}

function parsePatcherBody(body) {
  const end = body[body.length - 1] === 0 ? body.length - 1 : body.length;
  return JSON.parse(body.toString("utf8", 0, end));
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
  const meta = chunks.meta.readUInt32LE(0);
  if (ptch.toString("latin1", 0, 4) === "mx@c") {
    const files = decodeCollective(ptch);
    const device = files[0];
    return { type, meta, frozen: true, name: device.name, patcher: parsePatcherBody(device.data), files: files.slice(1), chunks: order };
  }
  return { type, meta, frozen: false, patcher: parsePatcherBody(ptch), files: [], chunks: order };
}

// The 32-bit value Max stores as project.amxdtype: the type code read as a big-endian int.
function amxdType(type) {
  return Buffer.from(type, "latin1").readUInt32BE(0);
}

module.exports = { TYPES, UNFROZEN_META, FROZEN_META, FROZEN_DATE, encode, encodeFrozen, direEntry, decode, decodeCollective, patcherText, amxdType };
