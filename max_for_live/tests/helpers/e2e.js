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

// A MIDI Tool asks Live to run it again (outlet 3) once the daemon's answer is in: resolves then;
// rejects, with the tool's status, after 60 s.
function retriggered(env) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (env.sent(3).length) return resolve();
      if (Date.now() - started > 60000) return reject(new Error(`no re-trigger; status: ${env.status(2)}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

// Resolves with {proc, port, ready, log} at the `cadenza ready` line of `proc` (a daemon spawned
// with --port 0, stdout and stderr piped); rejects with what it printed when it exits first (the
// error names it `what`) or is not ready in 120 s.
function whenReady(proc, what = "cadenza serve") {
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`cadenza serve did not get ready in 120 s:\n${out}\n${err}`)); }, 120000);
    proc.stderr.on("data", (d) => { err += d; });
    proc.stdout.on("data", (d) => {
      out += d;
      const ready = out.split("\n").find((l) => l.startsWith("cadenza ready"));
      if (ready) {
        clearTimeout(timer);
        resolve({ proc, port: Number(/:(\d+) \|/.exec(ready)[1]), ready, log: () => err });
      }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}):\n${out}\n${err}`)); });
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

module.exports = { waitFor, whenReady, retriggered, pressGo, device };
