// Cadenza Generate / Cadenza Restyle / Cadenza Groove: Live 12 MIDI Tools on live.miditool.in/out.
// Restyle and Groove are Transformations (the selected notes in, their replacement out); Groove
// answers with the same pitches and note count, new timing and velocity, from a model whose
// operations include groove (docs/PROTOCOL.md, Groove).
//
// Why it works this way: Live's apply cycle is synchronous. live.miditool.in emits the notes
// (and, first, the context) and live.miditool.out must get a notes dictionary back before the
// cycle ends, but the daemon answers over the network later. So a cycle is answered at once
// from the cache when the cache holds the answer for exactly this request; otherwise it is
// answered with "no change", the request goes out, and when the answer is in it is stored in a
// Dict and live.miditool.in is banged: that second cycle finds the answer in the cache and
// completes synchronously.
//
// "No change" must really change nothing: a Generator's output REPLACES the notes in the time
// selection (or the clip loop), so a Generator answers a miss with the notes already in that
// range, and so does every cycle that fails for any reason (daemon down, slow, refusing, a bug
// here). Only an answer from the daemon ever replaces the user's notes.
//
// A changed control (role, mood, seed ...) re-runs the tool: with Auto Apply on (Live's
// default) the user expects the clip to follow the controls. The script bangs outlet 3 after a
// control change; the patcher sends that bang through a [qlim] to live.miditool.in, so turning
// a dial asks at most a few times a second (as h1data's reference MIDI Tools do).
//
// [js cadenza_miditool.js generate], [js cadenza_miditool.js restyle] or [js cadenza_miditool.js groove].
// Inlets: 0 notes dictionary, controls, init and OSC replies; 1 context dictionary.
// Outlets: 0 -> live.miditool.out, 1 -> udpsend, 2 -> status line, 3 -> [qlim] ->
// live.miditool.in (bang), 4 -> control feedback (style and model menus). The [udpreceive] that feeds
// inlet 0 is made by the script (see receiver.js).

autowatch = 0;
inlets = 2;
outlets = 5;

var OUT_NOTES = 0;
var OUT_UDP = 1;
var OUT_STATUS = 2;
var OUT_RETRIGGER = 3;
var OUT_UI = 4;
var RETRIGGER_WINDOW_MS = 1000; // a cycle this soon after our answer's bang is the one we asked for
// Controls whose change re-runs the tool (host and ports only reconnect).
var RERUN_ON = {role: 1, bars: 1, style: 1, mood: 1, key: 1, scale: 1, temperature: 1, seed: 1,
    strength: 1, preserve: 1, model: 1, prompt: 1, top_p: 1, guidance: 1, density: 1,
    pitch_low: 1, pitch_high: 1, scale_lock: 1, amount: 1, swing: 1};

var TOOLS = {generate: 1, restyle: 1, groove: 1};
var TOOL = jsarguments.length > 1 && TOOLS[String(jsarguments[1])] ? String(jsarguments[1]) : "generate";
var TRANSFORMS = TOOL !== "generate"; // the selected notes in, their replacement out
var INSTANCE = Math.floor(Math.random() * 2176782335).toString(36);
var cache = new Dict("cadenza_tool_cache_" + INSTANCE);
var answer = new Dict("cadenza_tool_notes_" + INSTANCE);

var settings = new CadenzaUI.Settings();
settings.mode = TOOL;
settings.seedLock = true; // MIDI Tools must give the same notes for the same controls
settings.variations = 1;  // one answer per apply cycle
var receiver = new CadenzaReceiver.Receiver(this);
var client = new CadenzaClient.Client(
    function (message) { outlet(OUT_UDP, message); },
    function (port) { receiver.listen(port); }
);
var context = null;   // the last context dictionary (clip selection, scale, grid)
var models = null;    // from /cadenza/models
var inFlight = null;  // {id, key}
var retriggeredAt = 0; // when the answer's bang went out (0: the next cycle is the user's)
var ready = false;
var loaded = false;   // live.thisdevice has banged: parameter values from the set are restored

setinletassist(0, "notes dictionary from live.miditool.in, controls, OSC replies");
setinletassist(1, "context dictionary from live.miditool.in");

function status(text) {
    outlet(OUT_STATUS, "set", text);
}

function guard(fn) {
    try {
        fn();
    } catch (e) {
        post("cadenza tool: " + (e && e.stack ? e.stack : e) + "\n");
        status(e && e.message ? e.message : String(e));
    }
}

function init() {
    loaded = true;
    guard(start);
}

// From live.thisdevice, or from the first apply cycle if that comes first.
function start() {
    if (ready) {
        return;
    }
    ready = true;
    client.configure(settings.host, settings.port, settings.replyPort);
    status("Looking for Cadenza at " + client.address() + " ...");
    client.ping(function (version) {
        status("Connected to Cadenza " + version + ". Press Apply to ask it.");
        client.models(function (list) { guard(function () { showModels(list); }); }, status);
    }, status);
}

// The model menu from /cadenza/models; the style menu from the chosen (or default) model.
function showModels(list) {
    models = list;
    if (!list.length) {
        status("Cadenza has no models loaded: see `cadenza serve --help`.");
        return;
    }
    var known = false;
    outlet(OUT_UI, "model_menu", "clear");
    outlet(OUT_UI, "model_menu", "append", CadenzaUI.DEFAULT_MODEL);
    for (var i = 0; i < list.length; i++) {
        outlet(OUT_UI, "model_menu", "append", list[i].name);
        known = known || list[i].name === settings.model;
    }
    if (settings.model && !known) {
        settings.model = "";
    }
    outlet(OUT_UI, "model_menu", "setsymbol", settings.model || CadenzaUI.DEFAULT_MODEL);
    showStyles();
}

// The model this tool asks: Groove's is one that grooves (null when none does); the others:
// the one the Model menu names, else the daemon's default.
function toolModel() {
    if (TOOL === "groove") {
        return CadenzaProtocol.modelFor(models, settings.model, "groove");
    }
    var model = null;
    for (var i = 0; models && i < models.length; i++) {
        if (models[i].name === settings.model || (!settings.model && models[i].isDefault) || !model) {
            model = models[i];
        }
    }
    return model;
}

function showStyles() {
    var model = toolModel();
    if (!model) {
        return;
    }
    outlet(OUT_UI, "style_menu", "clear");
    outlet(OUT_UI, "style_menu", "append", CadenzaUI.ANY_STYLE);
    for (var j = 0; j < model.styles.length; j++) {
        outlet(OUT_UI, "style_menu", "append", model.styles[j]);
    }
    if (settings.style && model.styles.indexOf(settings.style) < 0) {
        settings.style = "";
    }
    outlet(OUT_UI, "style_menu", "setsymbol", settings.style || CadenzaUI.ANY_STYLE);
}

function readDict(name) {
    var text = new Dict(name).stringify();
    return text ? JSON.parse(text) : {};
}

function dictionary(name) {
    var from = inlet;
    if (from === 1) {
        guard(function () { context = readDict(name); });
        return;
    }
    var input = null;
    var answered = false;
    try {
        input = readDict(name);
        start();
        answered = applyCycle(input);
    } catch (e) {
        post("cadenza tool: " + (e && e.stack ? e.stack : e) + "\n");
        status(e && e.message ? e.message : String(e));
    }
    if (!answered) {
        // Whatever went wrong, the cycle still gets its dictionary, and it holds the user's notes.
        emit(unchanged(input));
    }
}

// The notes a cycle that changes nothing returns. A Transformation gets its input back. A
// Generator's output replaces the notes in its range, so it returns the notes already there:
// every note that sounds inside the range (live.miditool.in may hand over more of the clip).
function unchanged(input) {
    var notes = (input && input.notes) || [];
    if (TRANSFORMS) {
        return notes;
    }
    var range = generatorRange();
    var kept = [];
    for (var i = 0; i < notes.length; i++) {
        var start = Number(notes[i].start_time);
        var end = start + Number(notes[i].duration);
        if (range === null || (start < range.to && end > range.from)) {
            kept.push(notes[i]);
        }
    }
    return kept;
}

// The Generator's range in clip beats, from the context; null when the context says nothing
// (then every note handed over is kept).
function generatorRange() {
    var clip = (context && context.clip) || {};
    var from = Number(clip.time_selection_start);
    var to = Number(clip.time_selection_end);
    return isFinite(from) && isFinite(to) && to > from ? {from: from, to: to} : null;
}

function emit(notes) {
    answer.parse(JSON.stringify({notes: notes}));
    outlet(OUT_NOTES, "dictionary", answer.name);
}

// Tempo and meter from the set when the LiveAPI answers (it should, inside Live 12).
function setTiming() {
    try {
        var c = CadenzaLive.setContext(12);
        return {tempo: c.tempo, meter: c.meter, beatsPerBar: c.beatsPerBar};
    } catch (e) {
        return {tempo: 120, meter: "4/4", beatsPerBar: 4};
    }
}

// What this cycle asks for, with a key that names it exactly (the cache key).
function describe(input) {
    var clip = (context && context.clip) || {};
    var scale = (context && context.scale) || {};
    var timing = setTiming();
    var from = Number(clip.time_selection_start) || 0;
    var to = Number(clip.time_selection_end) || 0;
    var request = {from: from, timing: timing, input: [], clip: null};
    request.key = settings.key(Number(scale.scale_mode) ?
        CadenzaLive.keyOf(scale.root_note, "", scale.scale_intervals || []) : null);
    if (TOOL === "generate") {
        request.length = to > from ? to - from : settings.bars * timing.beatsPerBar;
    } else {
        request.input = (input && input.notes) || [];
        var first = Infinity;
        var last = 0;
        for (var i = 0; i < request.input.length; i++) {
            first = Math.min(first, Number(request.input[i].start_time));
            last = Math.max(last, Number(request.input[i].start_time) + Number(request.input[i].duration));
        }
        if (!(to > from)) {
            from = isFinite(first) ? Math.floor(first / timing.beatsPerBar) * timing.beatsPerBar : 0;
            to = Math.max(last, from + timing.beatsPerBar);
        }
        request.from = from;
        request.length = to - from;
        var notes = [];
        for (var j = 0; j < request.input.length; j++) {
            var n = request.input[j];
            var wire = CadenzaProtocol.wireNote({pitch: n.pitch, start_time: Number(n.start_time) - from,
                duration: n.duration, velocity: n.velocity, mute: n.mute});
            if (wire) {
                notes.push(wire);
            }
        }
        request.clip = {length: request.length, meter: timing.meter, tempo: timing.tempo,
            key: request.key, notes: notes};
    }
    request.bars = Math.max(1, Math.min(64, Math.ceil(request.length / timing.beatsPerBar - 1e-9)));
    // Groove: with the Model menu on default the daemon picks the model that grooves, by the rule
    // modelFor keeps, so the request (and its cache key) is the same before and after the model
    // list is in; a menu choice that cannot groove gives way to one that can.
    var model = TOOL === "groove" ? toolModel() : null;
    request.model = model;
    request.options = settings.options(request.key, timing, TRANSFORMS ? null : request.bars,
        model && settings.model ? model.name : undefined);
    request.cacheKey = JSON.stringify([TOOL, request.options, request.from, request.length,
        request.clip && request.clip.notes]);
    return request;
}

function cached() {
    var text = cache.stringify();
    var data = text ? JSON.parse(text) : null;
    return data && data.key ? data : null;
}

// Answers the cycle from the cache (returns true), or asks the daemon and returns false: the
// caller then answers the cycle with the notes unchanged.
function applyCycle(input) {
    var request = describe(input);
    var hit = cached();
    var answerCycle = retriggeredAt && Date.now() - retriggeredAt < RETRIGGER_WINDOW_MS;
    retriggeredAt = 0;
    if (hit && hit.key === request.cacheKey) {
        emit(hit.notes);
        status("Applied " + CadenzaUI.plural(hit.notes.length, "note") + " from Cadenza (seed " +
            settings.seed + ").");
        return true;
    }
    if (answerCycle) {
        status("The clip changed while Cadenza was working: press Apply again.");
        return false;
    }
    if (!(inFlight && inFlight.key === request.cacheKey)) {
        fetch(request); // (when already asked, the answer re-triggers the cycle)
    }
    return false;
}

function fetch(request) {
    if (inFlight) {
        client.cancel(inFlight.id);
    }
    if (TRANSFORMS && !request.clip.notes.length) {
        status("Select the notes to " + TOOL + " first.");
        return;
    }
    // Before the model list is in, the daemon chooses (the first model that grooves); after,
    // a daemon with none is told here rather than refused there.
    if (TOOL === "groove" && models && !request.model) {
        status("Cadenza Groove needs a model that grooves, and this Cadenza serves none (" +
            CadenzaUI.modelNames(models) + "): start `cadenza serve` with models/groove.");
        return;
    }
    var ask = function () {
        status("Asking Cadenza for " + CadenzaUI.plural(request.bars, "bar") + " ...");
        var flight = {key: request.cacheKey};
        inFlight = flight;
        flight.id = client.run(TOOL, request.options, request.clip, {
            event: function (ev) {
                if (ev.kind === "progress") {
                    status("Cadenza is working ... " + Math.round(ev.fraction * 100) + "%");
                }
            },
            done: function (result) { guard(function () { arrived(flight, request, result); }); },
            fail: function (code, message) {
                if (inFlight === flight) {
                    inFlight = null;
                }
                status(code === "unavailable" || code === "timeout" ? message :
                    "Cadenza could not do it (" + code + "): " + message);
            }
        });
    };
    if (client.isConnected()) {
        ask();
    } else {
        client.ping(function () { guard(ask); }, status);
    }
}

function arrived(flight, request, result) {
    if (inFlight !== flight) {
        return; // superseded by a newer request
    }
    inFlight = null;
    if (result.problems.length || !result.variations.length) {
        status("The answer arrived incomplete (UDP lost datagrams): press Apply again.");
        return;
    }
    var notes = [];
    var end = request.from + request.length;
    var v = result.variations[0];
    for (var i = 0; i < v.notes.length; i++) {
        var n = v.notes[i];
        var start = n.start_time + request.from;
        if (start >= end) {
            continue;
        }
        notes.push({pitch: n.pitch, start_time: start, duration: Math.min(n.duration, end - start),
            velocity: n.velocity, mute: 0});
    }
    cache.parse(JSON.stringify({key: request.cacheKey, notes: notes}));
    status("Cadenza answered with " + CadenzaUI.plural(notes.length, "note") + ": applying ...");
    retriggeredAt = Date.now();
    outlet(OUT_RETRIGGER, "bang");
}

function anything() {
    var args = arrayfromargs(arguments);
    var name = messagename;
    guard(function () {
        if (name.charAt(0) === "/") {
            client.receive(name, args);
            return;
        }
        var before = controlState();
        var what = settings.apply(name, args.length > 1 ? args.join(" ") : args[0]);
        if (what === null) {
            post("cadenza tool: unknown message " + name + "\n");
        } else if (what === "connection" && ready) {
            client.configure(settings.host, settings.port, settings.replyPort);
        } else if (name === "model" && models) {
            showStyles();
        }
        if (what === "setting" && loaded && RERUN_ON.hasOwnProperty(name) && controlState() !== before) {
            rerun();
        }
    });
}

// What the controls that shape a request are set to, as one comparable string.
function controlState() {
    var s = settings;
    return JSON.stringify([s.role, s.bars, s.style, s.mood, s.keyRoot, s.scale, s.temperature,
        s.seed, s.strength, s.preserve, s.model, s.prompt, s.topP, s.guidance, s.density,
        s.pitchLow, s.pitchHigh, s.scaleLock, s.amount, s.swing]);
}

// A control changed: run the tool again (through the patcher's [qlim] into live.miditool.in).
// The cycle this starts is the user's, not the answer's.
function rerun() {
    retriggeredAt = 0;
    outlet(OUT_RETRIGGER, "bang");
}

function notifydeleted() {
    client.shutdown();
    receiver.close();
}
