// Starting the daemon when none answers: the device's side of its [node.script] launcher
// (max_for_live/node/cadenza_launcher.js).
//
// Why: a user should not need a terminal. When a ping goes unanswered on this computer, the
// device asks its launcher to run `cadenza serve` (the program set in the device, or found on
// the PATH or in the usual install places), waits for its ready line, and says in the status
// line what happened. It stops the daemon only if it started it (when the device is deleted or
// Max quits); a daemon that was already running is never touched.

var CadenzaStarter = (function () {
    var ANSWER_MS = 3000;    // the launcher answers `start` at once: silence means no Node for Max
    var READY_MS = 120000;   // loading the models can take a while on a slow computer
    var LOCAL = {"127.0.0.1": 1, "localhost": 1, "::1": 1};

    function isLocal(host) {
        return !!LOCAL[String(host)];
    }

    // send(list): a message to the [node.script].
    function Starter(send) {
        this.send = send;
        this.pid = 0;        // the daemon this device started and that still runs; 0: none
        this.exe = "";
        this.waiting = null; // {onReady, onFail, timer} while a start is under way
    }

    Starter.prototype.starting = function () {
        return this.waiting !== null;
    };

    Starter.prototype.startedIt = function () {
        return this.pid !== 0;
    };

    // Asks the launcher for `cadenza serve` on host:port. onReady() once it answers;
    // onFail(message) with what went wrong and what to do.
    Starter.prototype.start = function (host, port, program, onReady, onFail) {
        var self = this;
        this.settle();
        var entry = {onReady: onReady, onFail: onFail, answered: false, port: port};
        entry.timer = new Task(function () {
            if (self.waiting !== entry) {
                return;
            }
            self.waiting = null;
            onFail(entry.answered ?
                "`cadenza serve` started but was not ready after " + Math.round(READY_MS / 1000) +
                " s: start it yourself in a terminal to see why: cadenza serve --port " + port :
                "Cadenza daemon not running at " + host + ":" + port + ", and the device could not " +
                "start it (Node for Max did not answer): start it in a terminal with `cadenza serve --port " +
                port + "`");
        });
        entry.timer.schedule(ANSWER_MS);
        this.waiting = entry;
        var message = ["start", host, port];
        if (program) {
            message.push(program);
        }
        this.send(message);
    };

    Starter.prototype.settle = function () {
        if (this.waiting) {
            this.waiting.timer.cancel();
            this.waiting = null;
        }
    };

    function words(list, from) {
        return list.slice(from).join(" ");
    }

    // A message from the launcher: ["started", pid, exe], ["ready", line...], ...
    Starter.prototype.receive = function (args) {
        var what = String(args[0]);
        var entry = this.waiting;
        if (what === "started") {
            this.pid = Number(args[1]) || -1;
            this.exe = words(args, 2);
            if (entry) {
                entry.answered = true;
                entry.timer.schedule(READY_MS);
            }
            return;
        }
        if (what === "stopped") {
            this.pid = 0;
            return;
        }
        if (!entry) {
            return;
        }
        if (what === "ready" || what === "running") {
            this.settle();
            entry.onReady();
            return;
        }
        this.settle();
        this.pid = 0;
        if (what === "notfound") {
            entry.onFail(args.length > 2 ?
                "The cadenza program set in Program does not exist: " + words(args, 2) +
                ". Fix the path, or clear it to let the device look on the PATH." :
                "Cadenza is not installed where the device looks (the PATH and " + (Number(args[1]) || 0) +
                " usual places): install it (pipx install cadenza, or pip install -e . in its folder), " +
                "or type the full path of the cadenza program into Program.");
        } else if (what === "failed") {
            entry.onFail("Could not run the cadenza program: " + words(args, 1) +
                ". Check the path in Program, or start it yourself: cadenza serve");
        } else if (what === "exited") {
            var text = words(args, 2);
            var hint = /cannot listen|already running|in use/i.test(text) ?
                " Another program holds port " + entry.port + ": set Port to another one." : "";
            entry.onFail("`cadenza serve` stopped at once (exit code " + args[1] + ")" +
                (text ? ": " + text : "") + "." + hint);
        } else {
            entry.onFail("The launcher said something unexpected: " + words(args, 0));
        }
    };

    // Stops the daemon only if this device started it.
    Starter.prototype.stop = function () {
        this.settle();
        if (this.pid !== 0) {
            this.send(["stop"]);
            this.pid = 0;
        }
    };

    return {Starter: Starter, isLocal: isLocal, ANSWER_MS: ANSWER_MS, READY_MS: READY_MS};
}());
