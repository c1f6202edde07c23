"use strict";
// Over real UDP with nothing listening: the status line says the daemon is not running and
// how to start it (after one retry on a fresh reply port), and Live is left alone.
const test = require("node:test");
const assert = require("node:assert");
const dgram = require("dgram");
const { waitFor, device } = require("./helpers/e2e");

test("with no daemon on the port, the status line says how to start it", { timeout: 30000 }, async () => {
  const probe = dgram.createSocket("udp4");
  await new Promise((resolve) => probe.bind(0, "127.0.0.1", resolve));
  const deadPort = probe.address().port;
  await new Promise((resolve) => probe.close(resolve)); // nothing listens there now
  const { env, shim, lead } = device(deadPort);
  try {
    env.send("init");
    const status = await waitFor(env, (s) => /not running/.test(s), "the not-running message", 10000);
    assert.strictEqual(status, `Cadenza daemon not running: start it with \`cadenza serve\` (no answer from 127.0.0.1:${deadPort})`);
    assert.strictEqual(shim.received.length, 0);
    assert.ok(lead.slots.every((s) => !s.clip));
  } finally {
    shim.close();
  }
});
