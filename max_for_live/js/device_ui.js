// The device's controls and words: what each menu index means, the settings a request is built
// from, clip names and colours, and the status line texts.
//
// Why: the patcher only forwards raw control values ("mode 2", "temperature 0.8"); turning them
// into protocol values and into plain-English status lives here, testable without Max.

var CadenzaUI = (function () {
    var MODES = ["generate", "continue", "restyle", "infill", "interpolate", "accompany", "groove", "drumify", "band"];
    // Where new clips go (Session view): the next empty slot from the selected scene down (or
    // below the source clip), this track's slot in the selected scene, or a new MIDI track.
    var TARGETS = ["next", "selected", "new_track"];
    var ROLES = ["melody", "bass", "chords", "keys", "drums"];
    var BAND_PARTS = ["drums", "bass", "chords", "melody"]; // Band's tick boxes, in answer order
    var MOODS = ["", "happy", "tense", "sad", "calm"];          // "" is the menu's "any"
    var KEY_ROOTS = ["follow", "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
    var SCALES = ["major", "minor"];
    var PRESERVE = ["rhythm", "contour", "none"];
    var ANY_STYLE = "any";
    var DEFAULT_MODEL = "default";                              // the model menu's first item
    // Menus for keys whose default is "the model decides": index 0 sends nothing.
    var DENSITIES = [null, 0.15, 0.35, 0.5, 0.65, 0.85];       // auto, sparse ... dense
    var GUIDANCES = [null, 0, 0.5, 1, 1.5, 2, 3, 4, 5];         // model's, then fixed strengths
    var FITS = [null, 0, 0.5, 1, 1.5, 2];                        // Accompany's fit: model's, then 0-2
    var TOP_P_DEFAULT = 0.95; // the daemon's default: sent only when the user moves it
    var SEED_MAX = 99999; // Live parameters are 32-bit floats: keep seeds exact and typeable
    // Clip colours per operation (Live snaps an RGB value to its nearest palette colour).
    var COLORS = {generate: 0x1ABC9C, "continue": 0x3C8CE7, restyle: 0xF39C12, infill: 0x9B59B6,
        interpolate: 0xE84393, accompany: 0x27AE60, groove: 0xE74C3C, drumify: 0xD35400,
        band: 0x2980B9};
    var STEPS_MIN = 2;  // Interpolate: clips from A to B, both ends included (the daemon's range)
    var STEPS_MAX = 16;

    function clamp(x, lo, hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    function pick(list, index) {
        var i = Math.round(Number(index));
        return list[isFinite(i) ? clamp(i, 0, list.length - 1) : 0];
    }

    function Settings() {
        this.mode = "generate";
        this.role = "melody";
        this.bars = 4;
        this.style = "";
        this.mood = "";
        this.keyRoot = "follow";
        this.scale = "minor";
        this.temperature = 1.0;
        this.variations = 1;
        this.seed = 1;
        this.seedLock = false;
        this.strength = 0.5;
        this.preserve = "rhythm";
        this.host = "127.0.0.1";
        this.port = 7500;
        this.replyPort = 0;
        this.model = "";        // "" = the daemon's default model
        this.prompt = "";
        this.topP = TOP_P_DEFAULT;
        this.guidance = null;   // null = the model's own
        this.density = null;    // null = the model's own
        this.fit = null;        // Accompany: how closely the part fits the context; null = the model's
        this.pitchLow = 0;
        this.pitchHigh = 127;
        this.scaleLock = false;
        this.target = "next";
        this.fromBar = 1;       // Infill without selected notes: the first bar to regenerate
        this.steps = 5;         // Interpolate: clips from A to B, both ends included
        this.amount = 1.0;      // Groove: 0 the clip as sent ... 1 the model's timing and velocity
        this.swing = 0.0;       // Groove: 0 straight ... 1 off-beats on the triplet point (2:1)
        this.band = {drums: true, bass: true, chords: true, melody: true}; // Band: the parts ticked
        this.program = "";      // the cadenza program the device may start; "" = find it
    }

    // [textedit] may prefix its contents with "text"; an empty one sends a bare "text".
    function textOf(value) {
        return String(value === undefined ? "" : value).replace(/^text(\s+|$)/, "");
    }

    // Applies one control message. Returns the setting's name when it changed something the
    // connection cares about ("connection"), else "setting"; null when `name` is not a control.
    Settings.prototype.apply = function (name, value) {
        switch (name) {
        case "mode": this.mode = pick(MODES, value); break;
        case "role": this.role = pick(ROLES, value); break;
        case "bars": this.bars = clamp(Math.round(Number(value)) || 4, 1, 64); break;
        case "style":
            this.style = value === undefined || String(value) === ANY_STYLE ? "" : String(value);
            break;
        case "mood": this.mood = pick(MOODS, value); break;
        case "key": this.keyRoot = pick(KEY_ROOTS, value); break;
        case "scale": this.scale = pick(SCALES, value); break;
        case "temperature": this.temperature = clamp(Number(value) || 1.0, 0.05, 3.0); break;
        case "variations": this.variations = clamp(Math.round(Number(value)) || 1, 1, 8); break;
        case "seed": this.seed = clamp(Math.round(Number(value)) || 0, 0, SEED_MAX); break;
        case "seed_lock": this.seedLock = Number(value) !== 0; break;
        case "strength": this.strength = clamp(Number(value), 0, 1); break;
        case "preserve": this.preserve = pick(PRESERVE, value); break;
        case "model":
            this.model = value === undefined || String(value) === DEFAULT_MODEL ? "" : String(value);
            break;
        case "prompt": this.prompt = textOf(value).replace(/^\s+|\s+$/g, "").slice(0, 200); break;
        case "top_p": this.topP = clamp(Number(value) || TOP_P_DEFAULT, 0.05, 1); break;
        case "guidance": this.guidance = pick(GUIDANCES, value); break;
        case "density": this.density = pick(DENSITIES, value); break;
        case "fit": this.fit = pick(FITS, value); break;
        case "pitch_low": this.pitchLow = clamp(Math.round(Number(value)) || 0, 0, 127); break;
        case "pitch_high": this.pitchHigh = clamp(Math.round(Number(value)), 0, 127); break;
        case "scale_lock": this.scaleLock = Number(value) !== 0; break;
        case "target": this.target = pick(TARGETS, value); break;
        case "from_bar": this.fromBar = clamp(Math.round(Number(value)) || 1, 1, 64); break;
        case "steps": this.steps = clamp(Math.round(Number(value)) || 5, STEPS_MIN, STEPS_MAX); break;
        case "amount": this.amount = clamp(Number(value) || 0, 0, 1); break;
        case "swing": this.swing = clamp(Number(value) || 0, 0, 1); break;
        case "band_drums": case "band_bass": case "band_chords": case "band_melody":
            this.band[name.slice(5)] = Number(value) !== 0;
            break;
        case "program": this.program = textOf(value).replace(/^\s+|\s+$/g, ""); break;
        case "host":
            // [textedit] may prefix its contents with "text".
            this.host = String(value === undefined ? "" : value).replace(/^text\s+/, "")
                .replace(/\s+/g, "") || "127.0.0.1";
            return "connection";
        case "port": this.port = clamp(Math.round(Number(value)) || 7500, 1, 65535); return "connection";
        case "reply_port": this.replyPort = clamp(Math.round(Number(value)) || 0, 0, 65535); return "connection";
        default: return null;
        }
        return "setting";
    };

    // The key to send: the chosen one, or the set's (Live 12), or none.
    Settings.prototype.key = function (setKey) {
        if (this.keyRoot === "follow") {
            return setKey || "";
        }
        return this.keyRoot + " " + this.scale;
    };

    // The seed for the next request: the locked one, or a new one the user can lock later.
    Settings.prototype.nextSeed = function () {
        if (!this.seedLock) {
            this.seed = Math.floor(Math.random() * (SEED_MAX + 1));
        }
        return this.seed;
    };

    // Request options in protocol order (unset ones are left out by CadenzaProtocol). `model`
    // (optional) replaces the Model menu's choice: Interpolate names a model that can.
    Settings.prototype.options = function (key, context, bars, model) {
        if (this.mode === "interpolate") {
            return this.interpolateOptions(key, context, model);
        }
        if (this.mode === "groove") {
            return this.grooveOptions(model);
        }
        if (this.mode === "band") {
            return this.bandOptions(key, context, bars, model);
        }
        if (this.mode === "drumify") {
            return this.drumifyOptions(context, model);
        }
        var opts = [
            // Live runs from 20 to 999 BPM, the daemon takes 20 to 300: the model only needs
            // the feel, so a faster set is sent as 300.
            ["role", this.role], ["bars", bars], ["meter", context.meter],
            ["tempo", clamp(context.tempo, 20, 300)],
            ["key", key], ["style", this.style], ["mood", this.mood],
            ["temperature", this.temperature], ["seed", this.seed],
            // Infill rewrites the clip in place: one answer.
            ["variations", this.mode === "infill" ? 1 : this.variations]
        ];
        // The rest only when set away from "the daemon decides", so a plain request stays short.
        opts.push(["model", model || this.model], ["prompt", this.prompt]);
        this.soundOptions(opts, key);
        if (this.mode === "restyle" || this.mode === "infill") {
            opts.push(["strength", this.strength]);
        }
        if (this.mode === "restyle") {
            opts.push(["preserve", this.preserve]);
        }
        return opts;
    };

    // Interpolate (docs/PROTOCOL.md, Interpolate): `steps` instead of variations; no bars (the
    // longer clip's), no role (clip A's: drums when A is drums); the model is one that can.
    Settings.prototype.interpolateOptions = function (key, context, model) {
        var opts = [
            ["meter", context.meter], ["tempo", clamp(context.tempo, 20, 300)],
            ["key", key], ["style", this.style], ["mood", this.mood],
            ["temperature", this.temperature], ["seed", this.seed], ["steps", this.steps],
            ["model", model], ["prompt", this.prompt]
        ];
        this.soundOptions(opts, key);
        return opts;
    };

    // Accompany (docs/PROTOCOL.md, Accompany): the part for this device's Role over the
    // context's bars and meter (no bars: the context's length); the model is one that can;
    // `variations`: 1 where only one answer fits (the Arrangement's loop brace).
    Settings.prototype.accompanyOptions = function (key, context, model, variations) {
        var opts = [
            ["role", this.role], ["meter", context.meter], ["tempo", clamp(context.tempo, 20, 300)],
            ["key", key], ["style", this.style], ["mood", this.mood],
            ["temperature", this.temperature], ["seed", this.seed], ["variations", variations],
            ["model", model], ["prompt", this.prompt]
        ];
        if (this.fit !== null) {
            opts.push(["fit", this.fit]);
        }
        this.soundOptions(opts, key);
        return opts;
    };

    // The parts Band asks for, in answer order.
    Settings.prototype.bandParts = function () {
        var out = [];
        for (var i = 0; i < BAND_PARTS.length; i++) {
            if (this.band[BAND_PARTS[i]]) {
                out.push(BAND_PARTS[i]);
            }
        }
        return out;
    };

    // Band (docs/PROTOCOL.md, Band): `role band` when every part is ticked (all the model
    // writes), else `roles "drums,bass"`; the model is one whose operations include band.
    Settings.prototype.bandOptions = function (key, context, bars, model) {
        var parts = this.bandParts();
        var all = parts.length === BAND_PARTS.length;
        var opts = [
            ["role", all ? "band" : ""], ["roles", all ? "" : parts.join(",")], ["bars", bars],
            ["meter", context.meter], ["tempo", clamp(context.tempo, 20, 300)],
            ["key", key], ["style", this.style], ["mood", this.mood],
            ["temperature", this.temperature], ["seed", this.seed], ["variations", this.variations],
            ["model", model], ["prompt", this.prompt]
        ];
        this.soundOptions(opts, key);
        return opts;
    };

    // Groove (docs/PROTOCOL.md, Groove): the clip's own bars, key and meter are kept, so only
    // what it plays (this device's Role), how much feel, and whose; the model is one that grooves.
    Settings.prototype.grooveOptions = function (model) {
        return [
            ["role", this.role], ["amount", Math.round(this.amount * 1000) / 1000],
            ["swing", Math.round(this.swing * 1000) / 1000], ["style", this.style],
            ["temperature", this.temperature], ["seed", this.seed], ["variations", this.variations],
            ["model", model]
        ];
    };

    // Drumify (docs/PROTOCOL.md, Drumify): restyle role drums preserve rhythm, so neither is
    // sent, nor a key (a kit has none); the daemon picks the model best at it unless the Model
    // menu names one.
    Settings.prototype.drumifyOptions = function (context, model) {
        var opts = [
            ["meter", context.meter], ["tempo", clamp(context.tempo, 20, 300)],
            ["style", this.style], ["mood", this.mood],
            ["temperature", this.temperature], ["seed", this.seed], ["variations", this.variations],
            ["model", model || this.model], ["prompt", this.prompt], ["strength", this.strength]
        ];
        this.soundOptions(opts, "");
        return opts;
    };

    // The sampling and range options every operation shares, appended to `opts`.
    Settings.prototype.soundOptions = function (opts, key) {
        if (Math.abs(this.topP - TOP_P_DEFAULT) > 1e-6) {
            opts.push(["top_p", Math.round(this.topP * 1000) / 1000]);
        }
        if (this.guidance !== null) {
            opts.push(["guidance", this.guidance]);
        }
        if (this.density !== null) {
            opts.push(["density", this.density]);
        }
        var low = Math.min(this.pitchLow, this.pitchHigh);
        var high = Math.max(this.pitchLow, this.pitchHigh);
        if (low > 0 || high < 127) {
            opts.push(["pitch_low", low], ["pitch_high", high]);
        }
        if (this.scaleLock && key) {
            opts.push(["scale_lock", 1]); // a hard mask needs a key to mask with
        }
    };

    // What getvalueof() stores with the Live set: the settings that are not Live parameters
    // (the seed among them: Go writes it, and a parameter the patch writes adds to Live's undo
    // history).
    Settings.prototype.saved = function () {
        return JSON.stringify({style: this.style, host: this.host, port: this.port,
            reply_port: this.replyPort, seed: this.seed, model: this.model, prompt: this.prompt,
            program: this.program});
    };

    Settings.prototype.restore = function (text) {
        var data;
        try {
            data = JSON.parse(String(text));
        } catch (e) {
            return false;
        }
        if (data && typeof data === "object") {
            if (typeof data.style === "string") {
                this.style = data.style;
            }
            if (data.host !== undefined) {
                this.apply("host", data.host);
            }
            if (data.port !== undefined) {
                this.apply("port", data.port);
            }
            if (data.reply_port !== undefined) {
                this.apply("reply_port", data.reply_port);
            }
            if (data.seed !== undefined) {
                this.apply("seed", data.seed);
            }
            if (typeof data.model === "string") {
                this.model = data.model;
            }
            if (typeof data.prompt === "string") {
                this.apply("prompt", data.prompt);
            }
            if (typeof data.program === "string") {
                this.apply("program", data.program);
            }
            return true;
        }
        return false;
    };

    // "D minor" -> "Dm", "F# major" -> "F#"
    function shortKey(key) {
        var match = /^([A-G][#b]?)\s*(major|minor)?$/i.exec(String(key || ""));
        if (!match) {
            return "";
        }
        return match[1] + (match[2] && match[2].toLowerCase() === "minor" ? "m" : "");
    }

    // "Cadenza folk Dm s42", plus " v2" for the second variation and the operation for
    // Continue/Restyle, so a clip says how to get it again.
    function clipName(mode, style, role, key, seed, variation, variations) {
        if (mode === "interpolate") {
            return "Cadenza interp " + (variation + 1) + "/" + variations; // step k of N, from A to B
        }
        if (mode === "band") { // "Cadenza drums rock s7 band": the part first, a kit has no key
            return ["Cadenza", role].concat(style ? [style] : [], role !== "drums" && shortKey(key) ? [shortKey(key)] : [],
                ["s" + seed], variations > 1 ? ["v" + (variation + 1)] : [], ["band"]).join(" ");
        }
        var parts = ["Cadenza", style || (mode === "drumify" ? "drums" : role)];
        var k = mode === "groove" || mode === "drumify" ? "" : shortKey(key); // they keep the clip's key, or have none
        if (k) {
            parts.push(k);
        }
        parts.push("s" + seed);
        if (variations > 1) {
            parts.push("v" + (variation + 1));
        }
        if (mode !== "generate") {
            parts.push({"continue": "cont", accompany: "acc", groove: "groove", drumify: "drumify"}[mode] || "restyle");
        }
        return parts.join(" ");
    }

    // "transformer, markov, vae": the resident models, for a status line that says none can.
    function modelNames(models) {
        var out = [];
        for (var i = 0; models && i < models.length; i++) {
            out.push(models[i].name);
        }
        return out.join(", ");
    }

    function plural(n, word) {
        return n + " " + word + (n === 1 ? "" : "s");
    }

    // "slot 3", "slots 3, 4 and 6"
    function slotList(indexes) {
        var shown = [];
        for (var i = 0; i < indexes.length; i++) {
            shown.push(String(indexes[i] + 1));
        }
        if (shown.length === 1) {
            return "slot " + shown[0];
        }
        return "slots " + shown.slice(0, -1).join(", ") + " and " + shown[shown.length - 1];
    }

    function seconds(ms) {
        return (Math.round(ms / 100) / 10) + " s";
    }

    function bar(beats, beatsPerBar) {
        return "bar " + (Math.floor(beats / beatsPerBar + 1e-9) + 1);
    }

    return {
        MODES: MODES,
        TARGETS: TARGETS,
        ROLES: ROLES,
        BAND_PARTS: BAND_PARTS,
        MOODS: MOODS,
        KEY_ROOTS: KEY_ROOTS,
        SCALES: SCALES,
        PRESERVE: PRESERVE,
        ANY_STYLE: ANY_STYLE,
        DEFAULT_MODEL: DEFAULT_MODEL,
        DENSITIES: DENSITIES,
        GUIDANCES: GUIDANCES,
        COLORS: COLORS,
        STEPS_MIN: STEPS_MIN,
        STEPS_MAX: STEPS_MAX,
        Settings: Settings,
        shortKey: shortKey,
        clipName: clipName,
        plural: plural,
        modelNames: modelNames,
        slotList: slotList,
        seconds: seconds,
        bar: bar
    };
}());
