// Cadenza.amxd: the Max entry points of the MIDI effect device.
//
// Why: this file wires the pieces together. The patcher sends control changes ("bars 8"),
// "init" when Live is ready, "go" for the Go button, and every OSC reply from [udpreceive]
// (address as selector). Nothing here waits: a request goes out, replies arrive later through
// anything(), and the clips are written when the last one is in.
//
// Outlets: 0 -> [udpsend], 1 -> status line ("set ..."), 2 -> control feedback (seed, style
// and model menus, progress bar). The [udpreceive] that feeds the inlet is made by the script (see receiver.js).

autowatch = 0;
inlets = 1;
outlets = 3;

var OUT_UDP = 0;
var OUT_STATUS = 1;
var OUT_UI = 2;
var GO_DEBOUNCE_MS = 400; // one click of a button object may report press and release
var MAX_BARS = 64;        // the daemon's limit for a clip; checked here for a clear message

var settings = new CadenzaUI.Settings();
var receiver = new CadenzaReceiver.Receiver(this);
var client = new CadenzaClient.Client(
    function (message) { outlet(OUT_UDP, message); },
    function (port) { receiver.listen(port); }
);
var liveVersion = null; // set by init(): the LiveAPI is not usable before live.thisdevice bangs
var job = null;         // the request in flight and where its clips will go
var models = null;
var lastGo = 0;
var stored = settings.saved(); // what the pattr last took: it is told only when this changes
// Controls that are not Live parameters (or, for seed_lock, decide whether the seed is kept):
// the pattr stores them.
var STORED = {style: 1, seed: 1, seed_lock: 1, model: 1, prompt: 1};

setinletassist(0, "controls, init, go, and OSC replies from udpreceive");
setoutletassist(OUT_UDP, "to udpsend");
setoutletassist(OUT_STATUS, "status line (set ...)");
setoutletassist(OUT_UI, "control feedback: seed, style and model menus, progress");

function status(text) {
    outlet(OUT_STATUS, "set", text);
}

// Hands the settings to the [pattr] that saves them with the set, when they changed. Called
// only on the user's own changes: a Stored Only parameter that the patch writes adds an entry to
// Live's undo history (Ableton's production guidelines), so Go never calls it.
function store() {
    var now = settings.saved();
    if (now !== stored) {
        stored = now;
        notifyclients();
    }
}

// Every entry point runs inside guard(): an exception becomes a status line, never a dead device.
function guard(fn) {
    try {
        fn();
    } catch (e) {
        job = null;
        post("cadenza: " + (e && e.stack ? e.stack : e) + "\n");
        status((e && e.message ? e.message : String(e)));
    }
}

function init() {
    guard(function () {
        liveVersion = CadenzaLive.version();
        client.configure(settings.host, settings.port, settings.replyPort);
        connect();
    });
}

function connect() {
    status("Looking for Cadenza at " + client.address() + " ...");
    client.ping(function (version) {
        status("Connected to Cadenza " + version + " at " + client.address());
        loadModels();
    }, status);
}

function loadModels() {
    client.models(function (list) {
        guard(function () { showModels(list); });
    }, status);
}

// The model requests go to: the one chosen in the Model menu, else the daemon's default.
function currentModel() {
    var chosen = null;
    var fallback = null;
    for (var i = 0; models && i < models.length; i++) {
        if (models[i].name === settings.model) {
            chosen = models[i];
        }
        if (models[i].isDefault || !fallback) {
            fallback = models[i];
        }
    }
    return chosen || fallback;
}

// Fills the model menu from /cadenza/models, and the style menu from the current model.
function showModels(list) {
    models = list;
    if (!list.length) {
        status("Connected to Cadenza " + client.version + ", but it has no models: see `cadenza serve --help`.");
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
        settings.model = ""; // that model is not loaded any more: the default answers
    }
    outlet(OUT_UI, "model_menu", "setsymbol", settings.model || CadenzaUI.DEFAULT_MODEL);
    showStyles(currentModel());
}

function showStyles(model) {
    if (settings.style && model.styles.indexOf(settings.style) < 0) {
        settings.style = "";
    }
    outlet(OUT_UI, "style_menu", "clear");
    outlet(OUT_UI, "style_menu", "append", CadenzaUI.ANY_STYLE);
    for (var j = 0; j < model.styles.length; j++) {
        outlet(OUT_UI, "style_menu", "append", model.styles[j]);
    }
    outlet(OUT_UI, "style_menu", "setsymbol", settings.style || CadenzaUI.ANY_STYLE);
    status("Connected to Cadenza " + client.version + ": model " + model.name + ", " +
        CadenzaUI.plural(model.styles.length, "style") + ". Ready.");
}

function bang() {
    go();
}

function go() {
    guard(function () {
        if (liveVersion === null) {
            status("Cadenza is still loading: try again in a moment.");
            return;
        }
        var now = Date.now();
        if (now - lastGo < GO_DEBOUNCE_MS) {
            return;
        }
        lastGo = now;
        if (job) {
            status("Still working on the last request: wait for it to finish (or time out).");
            return;
        }
        var plan = prepare();
        if (client.isConnected()) {
            start(plan);
            return;
        }
        status("Looking for Cadenza at " + client.address() + " ...");
        client.ping(function () {
            guard(function () { start(plan); });
            if (!models) {
                loadModels();
            }
        }, status);
    });
}

// Reads everything the request needs from Live before anything is sent.
function prepare() {
    var plan = {mode: settings.mode, track: CadenzaLive.deviceTrack()};
    plan.context = CadenzaLive.setContext(liveVersion.major);
    plan.key = settings.key(plan.context.key);
    plan.trackPath = plan.track.path;
    plan.trackName = plan.track.name;
    var arrangementOk = CadenzaLive.canCreateArrangementClips(liveVersion);
    var wantsArrangement = liveVersion.major >= 12 && CadenzaLive.focusedView() === "Arranger";
    plan.arrangement = wantsArrangement && arrangementOk;
    plan.tooOld = wantsArrangement && !arrangementOk;
    plan.bars = settings.bars;
    if (plan.context.numerator > 16) {
        throw new Error("Cadenza writes meters up to 16 beats a bar; this set is in " + plan.context.meter + ".");
    }
    if (plan.mode !== "generate") {
        var source = CadenzaLive.sourceClip();
        if (!source) {
            throw new Error("Select a MIDI clip first: highlight its slot in Session view, or click it in the Arrangement.");
        }
        var read = CadenzaLive.readNotes(source.clip);
        if (read.length > MAX_BARS * plan.context.beatsPerBar + 1e-6) {
            throw new Error("The selected clip is longer than " + MAX_BARS + " bars: shorten its loop first.");
        }
        if (plan.mode === "restyle" && !read.notes.length) {
            throw new Error("The selected clip has no notes to restyle.");
        }
        plan.source = source;
        plan.trackPath = source.trackPath; // the new clip goes beside its source
        plan.trackName = CadenzaLive.trackName(source.trackPath);
        plan.arrangement = source.arrangement && arrangementOk;
        plan.tooOld = source.arrangement && !arrangementOk;
        plan.clip = {length: read.length, meter: plan.context.meter, tempo: plan.context.tempo,
            key: plan.key, notes: read.notes};
        if (plan.mode === "restyle") {
            plan.bars = null; // restyle keeps the source's length
        }
    }
    return plan;
}

function start(plan) {
    plan.seed = settings.nextSeed();
    // The seed box is a plain [number], not a Live parameter: showing the seed adds no undo
    // entry. It is stored with the set only when the user locks or types it (store()).
    outlet(OUT_UI, "seed", "set", plan.seed);
    plan.started = Date.now();
    job = plan;
    outlet(OUT_UI, "progress", 0);
    var verb = {generate: "Generating", "continue": "Continuing", restyle: "Restyling"}[plan.mode];
    status(verb + " (" + describeRequest(plan) + ") ...");
    plan.id = client.run(plan.mode, settings.options(plan.key, plan.context, plan.bars), plan.clip, {
        event: function (ev) { guard(function () { progress(plan, verb, ev); }); },
        done: function (result) { guard(function () { finish(plan, result); }); },
        fail: function (code, message) { guard(function () { failed(plan, code, message); }); }
    });
}

function describeRequest(plan) {
    var parts = [];
    if (plan.bars) {
        parts.push(CadenzaUI.plural(plan.bars, "bar"));
    }
    parts.push(settings.style || settings.role);
    parts.push(plan.key ? plan.key : "free key");
    parts.push("seed " + plan.seed);
    return parts.join(", ");
}

function progress(plan, verb, ev) {
    if (job !== plan) {
        return;
    }
    if (ev.kind === "accepted" && ev.position > 0) {
        status(verb + ": waiting behind " + CadenzaUI.plural(ev.position, "request") + " ...");
    } else if (ev.kind === "progress") {
        var percent = Math.max(0, Math.min(100, Math.round(ev.fraction * 100)));
        outlet(OUT_UI, "progress", percent);
        status(verb + " ... " + percent + "%");
    }
}

// The Cancel button: the daemon is told to stop, and whatever it still sends is dropped.
function cancel() {
    guard(function () {
        if (!job || job.id === undefined) {
            status("Nothing to cancel.");
            return;
        }
        client.cancel(job.id);
        job = null;
        outlet(OUT_UI, "progress", 0);
        status("Cancelled: nothing was written.");
    });
}

function failed(plan, code, message) {
    if (job !== plan) {
        return;
    }
    job = null;
    outlet(OUT_UI, "progress", 0);
    if (code === "unavailable" || code === "timeout") {
        status(message);
    } else {
        status("Cadenza could not do it (" + code + "): " + message);
    }
}

function finish(plan, result) {
    if (job !== plan) {
        return;
    }
    job = null;
    outlet(OUT_UI, "progress", 100);
    if (result.problems.length) {
        status("The answer arrived incomplete (" + result.problems.join("; ") +
            "): UDP lost some datagrams. Press Go again.");
        return;
    }
    if (!result.variations.length) {
        status("Cadenza answered with no clip. Try other settings.");
        return;
    }
    status(insert(plan, result));
}

// Writes every variation and returns the status line that says where.
function insert(plan, result) {
    var slots = [];
    var bars = [];
    var notes = 0;
    var fellBack = false;
    var nextStart = null;
    var nextSlot = sessionStart(plan);
    for (var i = 0; i < result.variations.length; i++) {
        var v = result.variations[i];
        var name = CadenzaUI.clipName(plan.mode, settings.style, settings.role, plan.key, plan.seed,
            i, result.variations.length);
        var color = CadenzaUI.COLORS[plan.mode];
        notes += v.notes.length;
        if (plan.arrangement) {
            var at = nextStart !== null ? nextStart :
                (plan.mode === "generate" ? CadenzaLive.songTime() : plan.source.end);
            var made = writeArrangement(plan.trackPath, at, v, name, color);
            if (made) {
                bars.push(made.start);
                nextStart = made.start + v.length;
                continue;
            }
            plan.arrangement = false;
            fellBack = true;
        }
        var slot = writeSession(plan.trackPath, nextSlot, v, name, color);
        slots.push(slot);
        nextSlot = slot + 1;
    }
    var text = "Done: " + CadenzaUI.plural(result.variations.length, "clip") + " (" +
        CadenzaUI.plural(notes, "note") + ") in \"" + plan.trackName + "\"";
    if (bars.length) {
        text += " at " + CadenzaUI.bar(bars[0], plan.context.beatsPerBar) + " of the Arrangement";
    }
    if (slots.length) {
        text += (bars.length ? ", and " : ", ") + CadenzaUI.slotList(slots);
    }
    text += " (" + CadenzaUI.seconds(Date.now() - plan.started) + ").";
    if (plan.tooOld) {
        text += " Live " + CadenzaLive.versionText(liveVersion) + " cannot add Arrangement clips (Live " +
            CadenzaLive.ARRANGEMENT_CLIPS_SINCE.join(".") + " or later can), so they went to Session view.";
    } else if (fellBack) {
        text += " This Live cannot add Arrangement clips, so they went to Session view.";
    }
    return text;
}

// Generate fills the first empty slots from the selected scene down; Continue and Restyle
// start right below their source clip.
function sessionStart(plan) {
    if (plan.source && !plan.source.arrangement) {
        return plan.source.slotIndex + 1;
    }
    return CadenzaLive.selectedSceneIndex();
}

function writeSession(trackPath, from, v, name, color) {
    return CadenzaLive.withUndo(function () {
        var slot = CadenzaLive.emptySlots(trackPath, from, 1)[0];
        CadenzaLive.writeSessionClip(trackPath, slot, v.length, v.notes, name, color);
        return slot;
    });
}

function writeArrangement(trackPath, at, v, name, color) {
    return CadenzaLive.withUndo(function () {
        return CadenzaLive.writeArrangementClip(trackPath, at, v.length, v.notes, name, color);
    });
}

// Controls ("bars 8") and OSC replies ("/cadenza/...") both arrive here.
function anything() {
    var args = arrayfromargs(arguments);
    var name = messagename;
    guard(function () {
        if (name.charAt(0) === "/") {
            client.receive(name, args);
            return;
        }
        var value = args.length > 1 ? args.join(" ") : args[0];
        var what = settings.apply(name, value);
        if (what === null) {
            post("cadenza: unknown message " + name + "\n");
            return;
        }
        if (name === "model" && models) {
            showStyles(currentModel()); // another model, other styles
        }
        if (STORED[name] || what === "connection") {
            store(); // the user changed it: the pattr keeps it with the set
        }
        if (what === "connection" && liveVersion !== null) {
            client.configure(settings.host, settings.port, settings.replyPort);
            connect();
        }
    });
}

// pattr (with parameter_enable, type blob) keeps these with the Live set.
function getvalueof() {
    return settings.saved();
}

function setvalueof(value) {
    guard(function () {
        var restored = settings.restore(value);
        stored = settings.saved();
        if (restored) {
            outlet(OUT_UI, "seed", "set", settings.seed);
        }
        if (restored && liveVersion !== null) {
            client.configure(settings.host, settings.port, settings.replyPort);
            connect();
        }
    });
}

function notifydeleted() {
    client.shutdown();
    receiver.close();
}
