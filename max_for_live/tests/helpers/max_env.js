"use strict";
// Max's [js] globals for node:vm, so the built device scripts run here exactly as Max loads
// them (one file, the globals Max provides, nothing else).
//
// Provided: outlet, post, messagename, inlet, arrayfromargs, jsarguments, inlets/outlets,
// setinletassist/setoutletassist, notifyclients, Task, Dict, Global (shared by every script
// loaded in this process, as Max shares it between [js] objects), this.patcher/this.box (a
// fake patcher that records the objects a script makes) and LiveAPI (from FakeLive).
// A [udpreceive] the script makes reports what it listens on as outlet "udpreceive" entries:
// ["port", N] when it is made or retargeted, so env.sent("udpreceive") reads like an outlet.
// Task runs on a manual clock (advance(ms)) or on real timers (for the end-to-end test).
// ES2015+ library functions are removed from the sandbox, so a script that calls one fails
// here as it would in Max 8's ES5 engine.

const fs = require("fs");
const vm = require("vm");

const ES5_REMOVALS = `
  (function () {
    var gone = {
      String: ["startsWith", "endsWith", "includes", "repeat", "padStart", "padEnd", "trimStart",
               "trimEnd", "codePointAt", "normalize", "at", "replaceAll", "matchAll"],
      Array: ["find", "findIndex", "findLast", "findLastIndex", "includes", "fill", "copyWithin",
              "entries", "keys", "values", "flat", "flatMap", "at"]
    };
    for (var owner in gone) {
      for (var i = 0; i < gone[owner].length; i++) { delete this[owner].prototype[gone[owner][i]]; }
    }
    delete Array.from; delete Array.of; delete Object.assign; delete Object.entries;
    delete Object.values; delete Object.fromEntries; delete Number.isFinite; delete Number.isInteger;
    delete Number.isNaN; delete Math.trunc; delete Math.sign; delete Math.log2; delete Math.log10;
    delete this.Promise; delete this.Map; delete this.Set; delete this.WeakMap; delete this.WeakSet;
  }).call(this);
`;

class ManualClock {
  constructor() {
    this.now = 1700000000000;
    this.tasks = new Set();
  }

  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      let next = null;
      for (const t of this.tasks) if (t.due <= until && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.now = next.due;
      this.tasks.delete(next);
      next.fn();
    }
    this.now = until;
  }
}

// Max's Global: one object per name for the whole application.
const globals = new Map();
class Global {
  constructor(name) {
    if (!globals.has(name)) globals.set(name, {});
    return globals.get(name);
  }
}

function createMaxEnv({ script, live = null, args = [], clock = "manual" }) {
  const manual = clock === "manual" ? new ManualClock() : null;
  const outlets = []; // {outlet, args}
  const posts = [];
  const dicts = new Map();
  const notified = [];

  class Task {
    constructor(fn, thisArg) {
      this.fn = thisArg ? fn.bind(thisArg) : fn;
      this.handle = null;
    }
    schedule(ms) {
      this.cancel();
      if (manual) {
        this.entry = { due: manual.now + (ms || 0), fn: () => { this.entry = null; this.fn(); } };
        manual.tasks.add(this.entry);
      } else {
        this.handle = setTimeout(() => { this.handle = null; this.fn(); }, ms || 0);
      }
    }
    cancel() {
      if (manual && this.entry) {
        manual.tasks.delete(this.entry);
        this.entry = null;
      }
      if (this.handle) {
        clearTimeout(this.handle);
        this.handle = null;
      }
    }
  }

  class Dict {
    constructor(name) {
      this.name = name || `u${dicts.size + 1}`;
      if (!dicts.has(this.name)) dicts.set(this.name, "");
    }
    parse(text) {
      JSON.parse(text); // Max refuses text that is not JSON
      dicts.set(this.name, text);
    }
    stringify() {
      return dicts.get(this.name) || "{}";
    }
  }

  // The patcher around the [js]: objects the script makes, and the lines it draws.
  const made = [];
  const box = { rect: [40, 200, 240, 222], maxclass: "newobj" };
  const patcher = {
    objects: made,
    lines: [],
    newdefault(x, y, maxclass, ...objArgs) {
      const obj = {
        maxclass, args: objArgs, rect: [x, y, x + 100, y + 22], varname: "", removed: false,
        message(...m) { record(obj, m); },
      };
      made.push(obj);
      record(obj, ["port", objArgs[0]], true);
      return obj;
    },
    connect(from, outletIndex, to, inletIndex) { this.lines.push([from, outletIndex, to, inletIndex]); },
    remove(obj) { obj.removed = true; made.splice(made.indexOf(obj), 1); },
    getnamed(name) { return made.find((o) => o.varname === name) || null; },
  };
  function record(obj, m, creating) {
    if (obj.maxclass !== "udpreceive" || (!creating && m[0] !== "port")) return;
    const flat = Array.from(m);
    outlets.push({ outlet: "udpreceive", args: flat });
    if (sandbox.onOutlet) sandbox.onOutlet("udpreceive", flat);
  }

  const RealDate = Date;
  const sandbox = {
    outlet: (n, ...rest) => {
      // Copied into this realm: Max messages are flat lists of numbers and symbols.
      const flat = Array.from(rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest);
      outlets.push({ outlet: n, args: flat });
      if (sandbox.onOutlet) sandbox.onOutlet(n, flat);
    },
    post: (...xs) => posts.push(xs.join(" ")),
    arrayfromargs: (a, b) => (b === undefined ? Array.prototype.slice.call(a) : [a].concat(Array.prototype.slice.call(b))),
    setinletassist: () => {},
    setoutletassist: () => {},
    notifyclients: () => notified.push(true),
    jsarguments: [script.replace(/^.*\//, "")].concat(args),
    messagename: "",
    inlet: 0,
    Task,
    Dict,
    Global,
    patcher,
    box,
    LiveAPI: null,
  };
  if (manual) {
    // Date.now follows the manual clock, so "connected 10 s ago" can be tested.
    sandbox.Date = class extends RealDate {
      static now() { return manual.now; }
    };
  }
  const context = vm.createContext(sandbox);
  // LiveAPI results must be arrays of the script's own realm, as in Max (instanceof Array).
  const inSandbox = vm.runInContext("(function (a) { return Array.prototype.slice.call(a); })", context);
  context.LiveAPI = live ? live.api(inSandbox) :
    class { constructor() { throw new Error("no Live set in this test"); } };
  vm.runInContext(ES5_REMOVALS, context);
  vm.runInContext(fs.readFileSync(script, "utf8"), context, { filename: script });

  // Sends a Max message to the script: a named function when it has one, else anything().
  function send(selector, ...values) {
    return sendTo(0, selector, ...values);
  }
  function sendTo(inletIndex, selector, ...values) {
    context.inlet = inletIndex;
    context.messagename = selector;
    const fn = typeof context[selector] === "function" && selector !== "anything" ? context[selector] : context.anything;
    return fn.apply(context, values);
  }

  function statusLines(statusOutlet = 1) {
    return outlets.filter((o) => o.outlet === statusOutlet && o.args[0] === "set").map((o) => o.args.slice(1).join(" "));
  }

  return {
    context, outlets, posts, dicts, notified, clock: manual, send, sendTo, statusLines, patcher,
    // The port the script's [udpreceive] listens on now (undefined before it made one).
    replyPort() {
      const ports = outlets.filter((o) => o.outlet === "udpreceive");
      return ports.length ? ports[ports.length - 1].args[1] : undefined;
    },
    status(statusOutlet) {
      const lines = statusLines(statusOutlet);
      return lines[lines.length - 1];
    },
    sent(outletIndex = 0) {
      return outlets.filter((o) => o.outlet === outletIndex).map((o) => o.args);
    },
  };
}

module.exports = { createMaxEnv, ManualClock, globals };
