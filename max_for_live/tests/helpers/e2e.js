"use strict";
// Shared steps of the end-to-end tests: a device on real UDP sockets, waiting on its status line.
const { createMaxEnv } = require("./max_env");
const { FakeLive } = require("./fake_live");
const { UdpShim } = require("./udp_shim");
const { DEVICE_JS } = require("./device");

function waitFor(env, predicate, what, timeoutMs = 60000, statusOutlet = 1) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const status = env.status(statusOutlet) || "";
      if (predicate(status)) return resolve(status);
      if (Date.now() - started > timeoutMs) return reject(new Error(`waited ${timeoutMs} ms for ${what}; status: ${status}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

// The device ignores a second Go within 400 ms (one click can report press and release).
function pressGo(env) {
  return new Promise((resolve) => setTimeout(() => { env.send("go"); resolve(); }, 450));
}

// The device script on a "Lead" track, its [udpsend] aimed at 127.0.0.1:port.
function device(port) {
  const live = new FakeLive();
  const lead = live.addTrack({ name: "Lead" });
  live.placeDevice(lead);
  const env = createMaxEnv({ script: DEVICE_JS, live, clock: "real" });
  const shim = new UdpShim(env, { sendOutlet: 0, receiverOutlet: "udpreceive" });
  env.send("port", port);
  return { live, lead, env, shim };
}

module.exports = { waitFor, pressGo, device };
