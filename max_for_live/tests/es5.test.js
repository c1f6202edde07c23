"use strict";
// Max 8's [js] (the one Live 11 ships) is ES5: a single `let` or arrow function stops the
// script from loading and the device does nothing. Every file Max loads is parsed as ES5 here.
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const acorn = require("acorn");
const build = require("../build");

const loaded = Object.keys(build.BUNDLES).map((name) => path.join(build.DEV_DIR, name));
const modules = fs.readdirSync(build.JS_DIR).filter((f) => f.endsWith(".js")).map((f) => path.join(build.JS_DIR, f));

function parseEs5(file) {
  acorn.parse(fs.readFileSync(file, "utf8"), { ecmaVersion: 5, sourceType: "script" });
}

for (const file of loaded.concat(modules)) {
  test(`ES5 syntax: ${path.relative(path.join(__dirname, ".."), file)}`, () => {
    assert.doesNotThrow(() => parseEs5(file));
  });
}

test("the ES5 check rejects ES2015 syntax (so it can fail)", () => {
  for (const snippet of ["let x = 1;", "var f = (a) => a;", "var s = `t`;", "class A {}", "var {a} = b;"]) {
    assert.throws(() => acorn.parse(snippet, { ecmaVersion: 5 }), SyntaxError, snippet);
  }
});

test("every file Max loads is plain ASCII (Max 8 reads scripts without an encoding hint)", () => {
  for (const file of loaded) {
    const text = fs.readFileSync(file, "utf8");
    const bad = [...text].findIndex((c) => c.charCodeAt(0) > 127);
    assert.strictEqual(bad, -1, `${path.basename(file)} has a non-ASCII character at ${bad}`);
  }
});

test("every module is in a bundle, so nothing Max needs is left out", () => {
  const used = new Set([].concat(...Object.values(build.BUNDLES)));
  for (const file of modules) assert.ok(used.has(path.basename(file)), `${path.basename(file)} is in no bundle`);
});

// STYLE.md: a module is readable in one sitting (about 400 lines). Infill and Target (where the
// device's answer goes) are device_place.js, loaded before the entry points that call them.
test("every device module stays readable in one sitting, with Infill and Target in device_place.js", () => {
  for (const file of modules) {
    const lines = fs.readFileSync(file, "utf8").split("\n").length;
    assert.ok(lines <= 430, `${path.basename(file)} has ${lines} lines: split it`);
  }
  const main = fs.readFileSync(path.join(build.JS_DIR, "device_main.js"), "utf8");
  for (const name of ["infillBars", "writeInfill", "chooseTarget", "insert", "sessionStart"]) {
    assert.ok(!new RegExp(`function ${name}\\(`).test(main), `device_main.js still defines ${name}`);
  }
  const order = build.BUNDLES["cadenza.js"];
  assert.ok(order.indexOf("device_place.js") >= 0 && order.indexOf("device_place.js") < order.indexOf("device_main.js"));
});
