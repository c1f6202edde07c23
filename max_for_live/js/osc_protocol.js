// Cadenza OSC protocol v1 for Max [js]: request builders and the reply assembler.
//
// Why this file exists: the wire contract (docs/PROTOCOL.md) is spoken by the device, the MIDI
// Tools and the tests alike, so it lives in one place. Messages are plain arrays
// [address, arg, arg, ...]; [udpsend] turns such a Max message into an OSC datagram, and
// [udpreceive] hands replies back with the address as the message selector.
// ES5 only: Max 8's [js] (Live 11) runs an ES5 engine.

var CadenzaProtocol = (function () {
    var ROOT = "/cadenza";
    var NOTES_PER_MESSAGE = 64; // the contract's chunk size; 64 notes keep a datagram < 1400 bytes

    // [["bars", 4], ["style", ""], ...] -> ["bars", 4]: unset values (null, undefined, "") are
    // left out so the daemon applies its own default instead of rejecting an empty string.
    function optionArgs(options) {
        var out = [];
        for (var i = 0; i < options.length; i++) {
            var value = options[i][1];
            if (value === null || value === undefined || value === "") {
                continue;
            }
            out.push(options[i][0], value);
        }
        return out;
    }

    function request(operation, id, options, positional) {
        return [ROOT + "/" + operation, id].concat(positional || [], optionArgs(options || []));
    }

    // ping, models and status take only an id; `reply_port` is the daemon's extension that lets
    // a client listening on its own port (Max's [udpreceive]) get the answer.
    function query(name, id, replyPort) {
        return [ROOT + "/" + name, id].concat(optionArgs([["reply_port", replyPort]]));
    }

    function cancel(id) {
        return [ROOT + "/cancel", id];
    }

    // A Live note (any of Live's shapes) -> [pitch, start, duration, velocity] in the contract's
    // ranges, or null for a note the daemon would reject (muted, zero length, out of range).
    function wireNote(note) {
        if (note.mute) {
            return null;
        }
        var pitch = Math.round(Number(note.pitch));
        var start = roundBeats(Number(note.start_time));
        var duration = roundBeats(Number(note.duration));
        var velocity = Math.round(Number(note.velocity === undefined ? 100 : note.velocity));
        if (!isFinite(pitch) || pitch < 0 || pitch > 127 || !isFinite(start) || start < 0 ||
                !isFinite(duration) || duration <= 0) {
            return null;
        }
        velocity = Math.max(1, Math.min(127, isFinite(velocity) ? velocity : 100));
        return [pitch, start, duration, velocity];
    }

    // Live stores beats as doubles; OSC carries float32. Six decimals is far below a tick.
    function roundBeats(x) {
        return Math.round(x * 1e6) / 1e6;
    }

    // The upload for continue/restyle/infill: clip/begin, then clip/notes in chunks.
    // clip: {length, meter, tempo, key, notes: [[p, s, d, v], ...]}. `slot` (optional, "a" or
    // "b"): interpolate's two uploads under one id, `clip/begin id len slot "a" ...` and
    // `clip/notes id "a" ...` (docs/PROTOCOL.md, Interpolate); "c1" ... "c8" with the `role` the
    // context track plays for accompany (docs/PROTOCOL.md, Accompany).
    function upload(id, clip, replyPort, slot, role) {
        var messages = [[ROOT + "/clip/begin", id, clip.length].concat(optionArgs([
            ["slot", slot], ["role", role], ["meter", clip.meter], ["tempo", clip.tempo], ["key", clip.key],
            ["reply_port", replyPort]
        ]))];
        for (var i = 0; i < clip.notes.length; i += NOTES_PER_MESSAGE) {
            var flat = slot ? [ROOT + "/clip/notes", id, slot] : [ROOT + "/clip/notes", id];
            var chunk = clip.notes.slice(i, i + NOTES_PER_MESSAGE);
            for (var j = 0; j < chunk.length; j++) {
                flat.push(chunk[j][0], chunk[j][1], chunk[j][2], chunk[j][3]);
            }
            messages.push(flat);
        }
        return messages;
    }

    // /cadenza/model id name engine device quantization [key value ...] -> a plain object.
    function parseModel(args) {
        var model = {
            name: String(args[1]), engine: String(args[2]), device: String(args[3]),
            quantization: String(args[4]), isDefault: false, styles: [], roles: [], moods: [],
            operations: [] // the requests it answers (`operations` extension); [] from an older daemon
        };
        for (var i = 5; i + 1 < args.length; i += 2) {
            var key = String(args[i]);
            var value = args[i + 1];
            if (key === "default") {
                model.isDefault = Number(value) === 1;
            } else if (key === "styles" || key === "roles" || key === "moods" || key === "operations") {
                model[key] = splitList(value);
            }
        }
        return model;
    }

    // true when the model lists `operation` (e.g. "interpolate") among the requests it answers.
    function can(model, operation) {
        return !!model && model.operations.indexOf(operation) >= 0;
    }

    // The model an extension request (interpolate, accompany) goes to, as the daemon chooses
    // it: the chosen one when it can, else the default when it can, else the first resident
    // model that can; null when none can.
    function modelFor(models, chosen, operation) {
        var found = null;
        for (var i = 0; models && i < models.length; i++) {
            var m = models[i];
            if (!can(m, operation)) {
                continue;
            }
            if (m.name === chosen) {
                return m;
            }
            if (!found || (m.isDefault && !found.isDefault)) {
                found = m;
            }
        }
        return found;
    }

    function splitList(value) {
        var out = [];
        var parts = String(value).split(",");
        for (var i = 0; i < parts.length; i++) {
            var item = parts[i].replace(/^\s+|\s+$/g, "");
            if (item !== "") {
                out.push(item);
            }
        }
        return out;
    }

    // Collects the replies of one generating request. handle() returns what happened so the
    // caller can update the status line; duplicates (UDP may deliver a datagram twice) and
    // packets after the terminal reply are reported as "duplicate" and change nothing.
    function Assembler(id) {
        this.id = id;
        this.variations = {}; // index -> {index, expected, length, notes, ended, seen}
        this.info = {};
        this.finished = false;
        this.elapsedMs = null;
        this.error = null;
    }

    Assembler.prototype.handle = function (address, args) {
        if (this.finished) {
            return {kind: "duplicate"};
        }
        var v;
        switch (address) {
        case ROOT + "/accepted":
            return {kind: "accepted", position: Number(args[1])};
        case ROOT + "/progress":
            return {kind: "progress", fraction: Number(args[1])};
        case ROOT + "/info":
            for (var i = 1; i + 1 < args.length; i += 2) {
                this.info[String(args[i])] = args[i + 1];
            }
            return {kind: "info", info: this.info};
        case ROOT + "/result/begin":
            v = Number(args[1]);
            if (this.variations[v]) {
                return {kind: "duplicate"};
            }
            this.variations[v] = {index: v, expected: Number(args[2]), length: Number(args[3]),
                notes: [], ended: false, seen: {}};
            // a band answer's clip also says its part and take (docs/PROTOCOL.md, Band)
            for (var k = 4; k + 1 < args.length; k += 2) {
                if (args[k] === "role") {
                    this.variations[v].role = String(args[k + 1]);
                } else if (args[k] === "take") {
                    this.variations[v].take = Number(args[k + 1]);
                }
            }
            return {kind: "begin", variation: v};
        case ROOT + "/result/notes":
            return this.addNotes(Number(args[1]), args);
        case ROOT + "/result/end":
            v = this.variations[Number(args[1])];
            if (!v || v.ended) {
                return {kind: "duplicate"};
            }
            v.ended = true;
            return {kind: "end", variation: v.index};
        case ROOT + "/done":
            this.finished = true;
            this.elapsedMs = Number(args[1]);
            return {kind: "done"};
        case ROOT + "/error":
            this.finished = true;
            this.error = {code: String(args[1]), message: String(args[2])};
            return {kind: "error", code: this.error.code, message: this.error.message};
        default:
            return {kind: "ignored"};
        }
    };

    Assembler.prototype.addNotes = function (index, args) {
        var v = this.variations[index];
        if (!v || v.ended) {
            return {kind: "duplicate"};
        }
        // A repeated datagram has the very same arguments; two different chunks never do
        // (their notes start at different times), so the joined text identifies a chunk.
        var signature = args.slice(2).join(" ");
        if (v.seen[signature]) {
            return {kind: "duplicate"};
        }
        v.seen[signature] = true;
        for (var i = 2; i + 3 < args.length; i += 4) {
            v.notes.push({
                pitch: Math.round(Number(args[i])),
                start_time: roundBeats(Number(args[i + 1])),
                duration: roundBeats(Number(args[i + 2])),
                velocity: Math.round(Number(args[i + 3])),
                mute: 0
            });
        }
        return {kind: "notes", variation: index, count: v.notes.length};
    };

    // Variations in order, or a description of what went missing (lost datagrams).
    Assembler.prototype.result = function () {
        var list = [];
        var problems = [];
        for (var key in this.variations) {
            if (this.variations.hasOwnProperty(key)) {
                list.push(this.variations[key]);
            }
        }
        list.sort(function (a, b) { return a.index - b.index; });
        for (var i = 0; i < list.length; i++) {
            if (!list[i].ended || list[i].notes.length !== list[i].expected) {
                problems.push("variation " + (list[i].index + 1) + " has " + list[i].notes.length +
                    " of " + list[i].expected + " notes");
            }
        }
        return {variations: list, problems: problems, info: this.info, elapsedMs: this.elapsedMs};
    };

    return {
        ROOT: ROOT,
        NOTES_PER_MESSAGE: NOTES_PER_MESSAGE,
        request: request,
        query: query,
        cancel: cancel,
        upload: upload,
        wireNote: wireNote,
        roundBeats: roundBeats,
        modelFor: modelFor,
        parseModel: parseModel,
        splitList: splitList,
        can: can,
        Assembler: Assembler
    };
}());
