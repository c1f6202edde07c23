"use strict";
// OSC 1.0 encoding and decoding for the Node stand-ins of [udpsend] and [udpreceive].
//
// Encoding follows what [udpsend] does with a Max message: the selector is the address, an
// integral number goes out as int32 ('i'), any other number as float32 ('f'), a symbol as a
// string ('s'). (Max [js] outlets integral numbers as ints, so 1.0 travels as 'i' 1.)
// Decoding gives what [udpreceive] gives: float32 values widened to doubles, so a script sees
// 0.10000000149011612 where the daemon sent 0.1, as it would in Max.

function pad4(n) {
  return (4 - (n % 4)) % 4;
}

function oscString(text) {
  const bytes = Buffer.from(String(text), "utf8");
  return Buffer.concat([bytes, Buffer.alloc(1 + pad4(bytes.length + 1))]);
}

function encodeMessage(address, args) {
  let tags = ",";
  const parts = [];
  for (const a of args) {
    if (typeof a === "number" && Number.isInteger(a) && a >= -2147483648 && a <= 2147483647) {
      tags += "i";
      const b = Buffer.alloc(4);
      b.writeInt32BE(a, 0);
      parts.push(b);
    } else if (typeof a === "number") {
      tags += "f";
      const b = Buffer.alloc(4);
      b.writeFloatBE(a, 0);
      parts.push(b);
    } else if (typeof a === "string") {
      tags += "s";
      parts.push(oscString(a));
    } else {
      throw new Error(`udpsend stand-in: cannot send ${typeof a} ${a}`);
    }
  }
  return Buffer.concat([oscString(address), oscString(tags), ...parts]);
}

function readString(buf, pos) {
  const end = buf.indexOf(0, pos);
  if (end < 0) throw new Error("OSC string without a terminator");
  return { value: buf.toString("utf8", pos, end), next: end + 1 + pad4(end + 1 - pos) };
}

// -> [{address, args}] (bundles are flattened, as [udpreceive] outputs their messages)
function decodePacket(buf) {
  if (buf.toString("latin1", 0, 8) === "#bundle\0") {
    const out = [];
    let pos = 16;
    while (pos + 4 <= buf.length) {
      const size = buf.readInt32BE(pos);
      out.push(...decodePacket(buf.subarray(pos + 4, pos + 4 + size)));
      pos += 4 + size;
    }
    return out;
  }
  const address = readString(buf, 0);
  const tags = readString(buf, address.next);
  if (!tags.value.startsWith(",")) throw new Error(`OSC type tags must start with ",": ${tags.value}`);
  const args = [];
  let pos = tags.next;
  for (const t of tags.value.slice(1)) {
    if (t === "i") { args.push(buf.readInt32BE(pos)); pos += 4; }
    else if (t === "f") { args.push(buf.readFloatBE(pos)); pos += 4; }
    else if (t === "d") { args.push(buf.readDoubleBE(pos)); pos += 8; }
    else if (t === "h") { args.push(Number(buf.readBigInt64BE(pos))); pos += 8; }
    else if (t === "s" || t === "S") { const s = readString(buf, pos); args.push(s.value); pos = s.next; }
    else if (t === "T") args.push(1);
    else if (t === "F") args.push(0);
    else if (t === "N" || t === "I") args.push(0);
    else throw new Error(`udpreceive stand-in: unsupported OSC type tag ${t}`);
  }
  return [{ address: address.value, args }];
}

module.exports = { encodeMessage, decodePacket };
