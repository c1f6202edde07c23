// The device's side of the conversation with the daemon: request ids, the reply port,
// timeouts and routing of replies to the request that asked.
//
// Why: UDP has no connection, so "is the daemon there?", "did it hear us?" and "is it still
// working?" are all answered with timers here. Nothing in this file blocks: every wait is a
// Max Task, so Live's UI keeps running while a request is out.
// Replies for ids we no longer wait for (late or repeated datagrams) are dropped.

var CadenzaClient = (function () {
    var P = CadenzaProtocol;
    var DEFAULT_HOST = "127.0.0.1";
    var DEFAULT_PORT = 7500;
    var PING_TIMEOUT_MS = 1500;   // loopback answers in about a millisecond
    var ACCEPT_TIMEOUT_MS = 5000; // a generating request is queued (or refused) at once
    var IDLE_TIMEOUT_MS = 90000;  // a request that goes silent this long is given up
    var FRESH_MS = 10000;         // a reply this recent means "connected": skip the ping
    var AUTO_PORT_BASE = 17500;   // automatic reply ports sit below every OS's ephemeral range
    var AUTO_PORT_SPAN = 10000;

    // Automatic reply ports in use by Cadenza devices in this Max (every device in every open
    // set): a Max Global is shared by all [js] objects, so two devices never pick the same port.
    var claimed = new Global("cadenza_reply_ports");

    // A free automatic port for `owner`, starting from a random one; `previous` is let go.
    function claimPort(owner, previous) {
        releasePort(owner, previous);
        var start = Math.floor(Math.random() * AUTO_PORT_SPAN);
        for (var i = 0; i < AUTO_PORT_SPAN; i++) {
            var port = AUTO_PORT_BASE + (start + i) % AUTO_PORT_SPAN;
            if (port !== previous && !claimed["p" + port]) {
                claimed["p" + port] = owner;
                return port;
            }
        }
        throw new Error("Every automatic reply port is taken: set Reply to a free port.");
    }

    function releasePort(owner, port) {
        if (port && claimed["p" + port] === owner) {
            claimed["p" + port] = 0;
        }
    }

    function after(ms, fn) {
        var task = new Task(fn);
        task.schedule(ms);
        return task;
    }

    function stop(task) {
        if (task) {
            task.cancel();
        }
    }

    // send(message): to [udpsend] (OSC, or its "host"/"port" messages);
    // bindReplyPort(port): tells [udpreceive] which port to listen on.
    function Client(send, bindReplyPort) {
        this.send = send;
        this.bindReplyPort = bindReplyPort;
        this.host = DEFAULT_HOST;
        this.port = DEFAULT_PORT;
        this.fixedReplyPort = 0; // 0: choose one automatically
        this.replyPort = 0;
        // Ids are scoped per client IP by the daemon, and every device in every open set shares
        // that IP: a random start keeps two devices from using the same ids.
        this.nextId = 1 + Math.floor(Math.random() * 1000000) * 1000;
        this.pending = {};
        this.lastHeard = 0;
        this.version = null;
        this.dropped = 0;
        this.owner = "c" + Math.floor(Math.random() * 2176782335).toString(36) + this.nextId;
    }

    Client.prototype.address = function () {
        return this.host + ":" + this.port;
    };

    Client.prototype.isDefaultAddress = function () {
        return this.host === DEFAULT_HOST && this.port === DEFAULT_PORT;
    };

    // host, port, replyPort (0 = automatic). Rebinds [udpreceive] and retargets [udpsend].
    Client.prototype.configure = function (host, port, replyPort) {
        this.host = host || DEFAULT_HOST;
        this.port = port || DEFAULT_PORT;
        this.fixedReplyPort = replyPort || 0;
        this.send(["host", this.host]);
        this.send(["port", this.port]);
        this.rebind();
        this.lastHeard = 0;
    };

    // Listens on the fixed reply port, or on an automatic one no other Cadenza device holds.
    Client.prototype.rebind = function () {
        var port = this.fixedReplyPort || claimPort(this.owner, this.replyPort);
        if (this.fixedReplyPort) {
            releasePort(this.owner, this.replyPort);
        }
        this.replyPort = port;
        this.bindReplyPort(port);
    };

    Client.prototype.isConnected = function () {
        return this.lastHeard > 0 && Date.now() - this.lastHeard < FRESH_MS;
    };

    Client.prototype.newId = function () {
        var id = this.nextId;
        this.nextId = this.nextId >= 2147483000 ? 1 : this.nextId + 1;
        return id;
    };

    Client.prototype.notRunningMessage = function () {
        var text = "Cadenza daemon not running: start it with `cadenza serve`";
        if (!this.isDefaultAddress()) {
            text += " (no answer from " + this.address() + ")";
        }
        return text;
    };

    // onPong(version) or onFail(message). One silent ping is retried on a fresh automatic reply
    // port: the first port may have been taken by another program, which [udpreceive] only
    // reports in the Max console.
    Client.prototype.ping = function (onPong, onFail, retried) {
        var self = this;
        var id = this.newId();
        var entry = {kind: "ping", onPong: onPong};
        entry.timer = after(PING_TIMEOUT_MS, function () {
            self.finish(id);
            if (!retried && !self.fixedReplyPort) {
                self.rebind();
                self.ping(onPong, onFail, true);
            } else {
                onFail(self.notRunningMessage());
            }
        });
        this.pending[id] = entry;
        this.send(P.query("ping", id, this.replyPort));
        return id;
    };

    // onModels([model, ...]) or onFail(message).
    Client.prototype.models = function (onModels, onFail) {
        var self = this;
        var id = this.newId();
        var entry = {kind: "models", list: [], onModels: onModels, onFail: onFail};
        entry.timer = after(PING_TIMEOUT_MS * 2, function () {
            self.finish(id);
            onFail(self.notRunningMessage());
        });
        this.pending[id] = entry;
        this.send(P.query("models", id, this.replyPort));
        return id;
    };

    // A generating request. clip (for continue/restyle/infill) is uploaded first under the same
    // id; for interpolate it is {a: clip, b: clip}, uploaded in slots "a" then "b"; for
    // accompany {context: [{slot: "c1", role, clip}, ...]}, each in its slot with its role.
    // handlers: event(ev) for accepted/progress/info/notes, done(result), fail(code, message).
    Client.prototype.run = function (operation, options, clip, handlers, positional) {
        var id = this.newId();
        var entry = {kind: "work", operation: operation, assembler: new P.Assembler(id),
            handlers: handlers, accepted: false};
        this.pending[id] = entry;
        this.arm(id, ACCEPT_TIMEOUT_MS);
        var withPort = options.concat([["reply_port", this.replyPort]]);
        var slots = clip && clip.a && clip.b ? [["a", clip.a], ["b", clip.b]] : (clip ? [[null, clip]] : []);
        if (clip && clip.context) {
            slots = [];
            for (var c = 0; c < clip.context.length; c++) {
                slots.push([clip.context[c].slot, clip.context[c].clip, clip.context[c].role]);
            }
        }
        for (var s = 0; s < slots.length; s++) {
            var uploads = P.upload(id, slots[s][1], this.replyPort, slots[s][0], slots[s][2]);
            for (var i = 0; i < uploads.length; i++) {
                this.send(uploads[i]);
            }
        }
        this.send(P.request(operation, id, withPort, positional));
        return id;
    };

    // (Re)starts the silence timer of a generating request.
    Client.prototype.arm = function (id, ms) {
        var self = this;
        var entry = this.pending[id];
        stop(entry.timer);
        entry.timer = after(ms, function () {
            if (!self.pending[id]) {
                return;
            }
            var waited = Math.round(ms / 1000);
            self.finish(id);
            self.send(P.cancel(id));
            if (!entry.accepted) {
                entry.handlers.fail("unavailable", self.lastHeard ?
                    "No answer from Cadenza at " + self.address() + " for " + waited +
                    " s: is `cadenza serve` still running?" : self.notRunningMessage());
            } else {
                entry.handlers.fail("timeout", "Cadenza stopped answering (nothing for " + waited +
                    " s): the request was cancelled. Try fewer bars or variations.");
            }
        });
    };

    Client.prototype.cancel = function (id) {
        if (this.pending[id]) {
            this.finish(id);
            this.send(P.cancel(id));
        }
    };

    Client.prototype.busy = function () {
        for (var id in this.pending) {
            if (this.pending.hasOwnProperty(id) && this.pending[id].kind === "work") {
                return true;
            }
        }
        return false;
    };

    Client.prototype.finish = function (id) {
        var entry = this.pending[id];
        if (entry) {
            stop(entry.timer);
            delete this.pending[id];
        }
    };

    Client.prototype.shutdown = function () {
        for (var id in this.pending) {
            if (this.pending.hasOwnProperty(id)) {
                if (this.pending[id].kind === "work") {
                    this.send(P.cancel(Number(id)));
                }
                this.finish(id);
            }
        }
        releasePort(this.owner, this.replyPort);
    };

    // Every OSC message from [udpreceive] comes here. Returns true when it belonged to a
    // request we wait for; anything else (late, repeated, someone else's) is dropped.
    Client.prototype.receive = function (address, args) {
        this.lastHeard = Date.now();
        var id = Number(args[0]);
        var entry = this.pending[id];
        if (address === P.ROOT + "/pong") {
            if (args.length > 1) {
                this.version = String(args[1]);
            }
            if (entry && entry.kind === "ping") {
                this.finish(id);
                entry.onPong(this.version);
                return true;
            }
            return this.drop();
        }
        if (!entry) {
            return this.drop();
        }
        if (entry.kind === "models") {
            return this.receiveModels(id, entry, address, args);
        }
        if (entry.kind !== "work") {
            return this.drop();
        }
        var ev = entry.assembler.handle(address, args);
        if (ev.kind === "duplicate" || ev.kind === "ignored") {
            return this.drop();
        }
        entry.accepted = true;
        this.arm(id, IDLE_TIMEOUT_MS);
        if (ev.kind === "done") {
            this.finish(id);
            entry.handlers.done(entry.assembler.result());
        } else if (ev.kind === "error") {
            this.finish(id);
            entry.handlers.fail(ev.code, ev.message);
        } else {
            entry.handlers.event(ev);
        }
        return true;
    };

    Client.prototype.receiveModels = function (id, entry, address, args) {
        if (address === P.ROOT + "/model") {
            entry.list.push(P.parseModel(args));
        } else if (address === P.ROOT + "/done") {
            this.finish(id);
            entry.onModels(entry.list);
        } else if (address === P.ROOT + "/error") {
            this.finish(id);
            entry.onFail("Cadenza refused the model list: " + args[2]);
        } else {
            return this.drop();
        }
        return true;
    };

    Client.prototype.drop = function () {
        this.dropped += 1;
        return false;
    };

    return {
        Client: Client,
        DEFAULT_HOST: DEFAULT_HOST,
        DEFAULT_PORT: DEFAULT_PORT,
        PING_TIMEOUT_MS: PING_TIMEOUT_MS,
        ACCEPT_TIMEOUT_MS: ACCEPT_TIMEOUT_MS,
        IDLE_TIMEOUT_MS: IDLE_TIMEOUT_MS
    };
}());
