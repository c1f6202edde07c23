// Cadenza Generate / Cadenza Restyle: Live 12 MIDI Tools on live.miditool.in/out.
//
// Why it works this way: Live's apply cycle is synchronous. live.miditool.in emits the notes
// (and, first, the context) and live.miditool.out must get a notes dictionary back before the
// cycle ends, but the daemon answers over the network later. So a cycle is answered at once
// from the cache when the cache holds the answer for exactly this request; otherwise it is
// answered with "no change" (a Generator adds nothing, a Transformation returns its input),
// the request goes out, and when the answer is in it is stored in a Dict and live.miditool.in
// is banged: that second cycle finds the answer in the cache and completes synchronously.
//
// [js cadenza_miditool.js generate] or [js cadenza_miditool.js restyle].
// Inlets: 0 notes dictionary, controls, init and OSC replies; 1 context dictionary.
// Outlets: 0 -> live.miditool.out, 1 -> udpsend, 2 -> status line, 3 -> live.miditool.in
// (bang), 4 -> udpreceive (port N), 5 -> control feedback (style menu).

autowatch = 0;
inlets = 2;
outlets = 6;

var OUT_NOTES = 0;
var OUT_UDP = 1;
var OUT_STATUS = 2;
var OUT_RETRIGGER = 3;
var OUT_RECEIVER = 4;
var OUT_UI = 5;
var RETRIGGER_WINDOW_MS = 1000; // a cycle this soon after our bang is the one we asked for

var TOOL = jsarguments.length > 1 && String(jsarguments[1]) === "restyle" ? "restyle" : "generate";
var INSTANCE = Math.floor(Math.random() * 2176782335).toString(36);
var cache = new Dict("cadenza_tool_cache_" + INSTANCE);
var answer = new Dict("cadenza_tool_notes_" + INSTANCE);

var settings = new CadenzaUI.Settings();
settings.mode = TOOL;
settings.seedLock = true; // MIDI Tools must give the same notes for the same controls
settings.variations = 1;  // one answer per apply cycle
var client = new CadenzaClient.Client(
    function (message) { outlet(OUT_UDP, message); },
    function (port) { outlet(OUT_RECEIVER, "port", port); }
);
var context = null;   // the last context dictionary (clip selection, scale, grid)
var inFlight = null;  // {id, key}
var retriggeredAt = 0;
var ready = false;

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
        client.models(function (list) { guard(function () { showStyles(list); }); }, status);
    }, status);
}

function showStyles(list) {
    var model = null;
    for (var i = 0; i < list.length; i++) {
        if (list[i].isDefault || !model) {
            model = list[i];
        }
    }
    if (!model) {
        status("Cadenza has no models loaded: see `cadenza serve --help`.");
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
    guard(function () {
        if (from === 1) {
            context = readDict(name);
        } else {
            start();
            applyCycle(readDict(name));
        }
    });
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
    request.options = settings.options(request.key, timing, TOOL === "restyle" ? null : request.bars);
    request.cacheKey = JSON.stringify([TOOL, request.options, request.from, request.length,
        request.clip && request.clip.notes]);
    return request;
}

function cached() {
    var text = cache.stringify();
    var data = text ? JSON.parse(text) : null;
    return data && data.key ? data : null;
}

function applyCycle(input) {
    var request = describe(input);
    var hit = cached();
    if (hit && hit.key === request.cacheKey) {
        emit(hit.notes);
        status("Applied " + CadenzaUI.plural(hit.notes.length, "note") + " from Cadenza (seed " +
            settings.seed + ").");
        return;
    }
    // Not ready yet: leave the clip as it is for this cycle.
    emit(TOOL === "restyle" ? request.input : []);
    if (Date.now() - retriggeredAt < RETRIGGER_WINDOW_MS) {
        status("The clip changed while Cadenza was working: press Apply again.");
        return;
    }
    if (inFlight && inFlight.key === request.cacheKey) {
        return; // already asked; the answer re-triggers the cycle
    }
    fetch(request);
}

function fetch(request) {
    if (inFlight) {
        client.cancel(inFlight.id);
    }
    if (TOOL === "restyle" && !request.clip.notes.length) {
        status("Select the notes to restyle first.");
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
        var what = settings.apply(name, args.length > 1 ? args.join(" ") : args[0]);
        if (what === null) {
            post("cadenza tool: unknown message " + name + "\n");
        } else if (what === "connection" && ready) {
            client.configure(settings.host, settings.port, settings.replyPort);
        }
    });
}

function notifydeleted() {
    client.shutdown();
}
