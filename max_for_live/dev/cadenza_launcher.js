"use strict";
// cadenza_launcher.js: the device's [node.script], which starts `cadenza serve` when no daemon
// answers, and stops it again only if it started it.
//
// Why Node: Max's [js] cannot run programs; Node for Max (node.script, in Max 8 and 9) can.
// This file runs in Node for Max's own Node process, so it is modern JavaScript (not the ES5 of
// the [js] scripts) and uses only Node's built-in modules: a frozen device carries it alone,
// without node_modules.
//
// Messages in (from the device's [js]):
//   start HOST PORT [PROGRAM]   start `PROGRAM serve --host HOST --port PORT`; PROGRAM is the
//                               full path set in the device, or absent: found on the PATH or
//                               in the usual install places
//   stop                        stop the daemon this script started (nothing else, ever)
// Messages out (to the [js], which prefixes them with "launcher"):
//   started PID EXE             the program is running (not yet ready)
//   ready LINE                  it printed its `cadenza ready ...` line: it answers now
//   running PID                 `start` while the daemon this script started still runs
//   notfound COUNT [PROGRAM]    no program: the configured path does not exist, or none of the
//                               COUNT places searched holds one
//   failed MESSAGE              the operating system could not run it (not executable, ...)
//   exited CODE TEXT            it stopped before it was ready; TEXT is the end of its errors
//   stopped CODE                the daemon this script started has stopped
//
// The child is not detached: when Max quits or the device is deleted, Node for Max ends this
// process and the handlers at the bottom stop the child with it. On Windows the console
// program runs hidden (windowsHide), so no console window flashes up.

const fs = require("fs");
const childProcess = require("child_process");

const PYTHON_VERSIONS = ["3.14", "3.13", "3.12", "3.11", "3.10"];
const ERROR_TAIL = 400; // characters of the program's error output worth showing in a status line

// Where `cadenza` usually lands, most specific first: the PATH, then pipx / pip --user /
// Homebrew / python.org / virtual-environment places (the same list as the REAPER actions: a
// Live started from the macOS Dock sees only a short PATH).
function candidates(platform, env) {
  const out = [];
  const add = (p) => { if (p && !out.includes(p)) out.push(p); };
  if (platform === "win32") {
    for (const dir of String(env.PATH || env.Path || "").split(";")) {
      const clean = dir.replace(/"/g, "").replace(/\\+$/, "");
      if (clean) add(clean + "\\cadenza.exe");
    }
    const home = env.USERPROFILE;
    if (home) add(home + "\\.local\\bin\\cadenza.exe");
    for (const v of PYTHON_VERSIONS) {
      const short = v.replace(".", "");
      if (env.APPDATA) add(`${env.APPDATA}\\Python\\Python${short}\\Scripts\\cadenza.exe`);
      if (env.LOCALAPPDATA) add(`${env.LOCALAPPDATA}\\Programs\\Python\\Python${short}\\Scripts\\cadenza.exe`);
    }
    if (home) {
      for (const rest of ["pipx\\venvs\\cadenza\\Scripts", ".venv\\Scripts", "cadenza\\.venv\\Scripts",
        "miniconda3\\Scripts", "anaconda3\\Scripts"]) add(`${home}\\${rest}\\cadenza.exe`);
    }
    return out;
  }
  for (const dir of String(env.PATH || "").split(":")) if (dir) add(dir.replace(/\/+$/, "") + "/cadenza");
  const home = env.HOME;
  if (home) add(home + "/.local/bin/cadenza");
  add("/opt/homebrew/bin/cadenza");
  add("/usr/local/bin/cadenza");
  add("/usr/bin/cadenza");
  if (home) {
    for (const v of PYTHON_VERSIONS) add(`${home}/Library/Python/${v}/bin/cadenza`);
    for (const rest of [".local/pipx/venvs/cadenza/bin", ".pyenv/shims", ".venv/bin", "cadenza/.venv/bin",
      "miniforge3/bin", "miniconda3/bin", "anaconda3/bin"]) add(`${home}/${rest}/cadenza`);
  }
  return out;
}

function isProgram(file) {
  try {
    return fs.statSync(file).isFile();
  } catch (e) {
    return false;
  }
}

// {exe} or {looked: [places], configured}: the configured path wins, and is never second-guessed.
function findProgram(configured, { platform = process.platform, env = process.env, exists = isProgram } = {}) {
  if (configured) return exists(configured) ? { exe: configured } : { looked: [configured], configured };
  const looked = candidates(platform, env);
  const exe = looked.find((p) => exists(p));
  return exe ? { exe } : { looked };
}

class Launcher {
  // send(...words): a message to the [js]; spawn: child_process.spawn (replaceable in tests).
  constructor({ send, spawn = childProcess.spawn, platform = process.platform, env = process.env, exists = isProgram }) {
    this.send = send;
    this.spawn = spawn;
    this.platform = platform;
    this.env = env;
    this.exists = exists;
    this.child = null; // only ever the process this launcher started
  }

  running() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(host, port, program) {
    if (this.running()) {
      this.send("running", this.child.pid);
      return;
    }
    const found = findProgram(program ? String(program) : "", { platform: this.platform, env: this.env, exists: this.exists });
    if (!found.exe) {
      this.send("notfound", found.looked.length, ...(found.configured ? [found.configured] : []));
      return;
    }
    let child;
    try {
      child = this.spawn(found.exe, ["serve", "--host", String(host), "--port", String(port)],
        { stdio: ["ignore", "pipe", "pipe"], windowsHide: true, env: this.env });
    } catch (e) {
      this.send("failed", String(e && e.message ? e.message : e));
      return;
    }
    this.child = child;
    let ready = false;
    let out = "";
    let err = "";
    let reported = false; // one terminal message per child
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      out = (out + text).slice(-4096); // keep reading: a full pipe would stall the daemon
      const line = !ready && out.split(/\r?\n/).find((l) => l.startsWith("cadenza ready"));
      if (line) {
        ready = true;
        this.send("ready", line.trim());
      }
    });
    child.stderr.on("data", (text) => { err = (err + text).slice(-4096); });
    child.on("error", (e) => {
      if (reported) return;
      reported = true;
      if (this.child === child) this.child = null;
      this.send("failed", String(e && e.message ? e.message : e));
    });
    child.on("exit", (code, signal) => {
      if (reported) return;
      reported = true;
      if (this.child === child) this.child = null;
      const status = code === null ? -1 : code;
      if (ready) this.send("stopped", status);
      else this.send("exited", status, err.replace(/\s+$/, "").slice(-ERROR_TAIL) || (signal ? `ended by ${signal}` : ""));
    });
    if (child.pid !== undefined) this.send("started", child.pid, found.exe);
  }

  // Stops the daemon this launcher started; a daemon somebody else started is never touched.
  stop() {
    if (this.running()) this.child.kill("SIGTERM");
  }
}

// Wires a Launcher to Node for Max (the "max-api" module exists only inside node.script).
function attach(maxApi, options = {}) {
  const launcher = new Launcher(Object.assign({ send: (...words) => maxApi.outlet(...words) }, options));
  maxApi.addHandlers({
    start: (host, port, program) => launcher.start(host, port, program),
    stop: () => launcher.stop(),
  });
  const end = () => { launcher.stop(); };
  process.on("exit", end);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { end(); process.exit(0); });
  return launcher;
}

module.exports = { candidates, findProgram, Launcher, attach };

let maxApi = null;
try {
  maxApi = require("max-api");
} catch (e) {
  maxApi = null; // not inside Max: loaded by the tests
}
if (maxApi) attach(maxApi);
