// Cadenza.amxd: the Max entry points of the MIDI effect device.
//
// Why: this file wires the pieces together; where an answer is written (Infill and Target) is
// device_place.js. The patcher sends control changes ("bars 8"), "init" when Live is ready,
// "go" for the Go button, and every OSC reply from [udpreceive] (address as selector). Nothing here waits: a request goes out, replies arrive later through
// anything(), and the clips are written when the last one is in.
//
// Outlets: 0 -> [udpsend], 1 -> status line ("set ..."), 2 -> control feedback (seed, style
// and model menus, progress bar), 3 -> the [node.script] launcher that can start `cadenza
// serve` (its answers come back as "launcher ..."). The [udpreceive] that feeds the inlet is
// made by the script (see receiver.js).

autowatch = 0;
inlets = 1;
outlets = 4;

var OUT_UDP = 0;
var OUT_STATUS = 1;
var OUT_UI = 2;
var OUT_LAUNCH = 3;
var GO_DEBOUNCE_MS = 400; // one click of a button object may report press and release

var settings = new CadenzaUI.Settings();
var receiver = new CadenzaReceiver.Receiver(this);
var client = new CadenzaClient.Client(
    function (message) { outlet(OUT_UDP, message); },
    function (port) { receiver.listen(port); }
);
var starter = new CadenzaStarter.Starter(function (message) { outlet(OUT_LAUNCH, message); });
var liveVersion = null; // set by init(): the LiveAPI is not usable before live.thisdevice bangs
var job = null;         // the request in flight and where its clips will go
var models = null;
var lastGo = 0;
var stored = settings.saved(); // what the pattr last took: it is told only when this changes
// Controls that are not Live parameters (or, for seed_lock, decide whether the seed is kept):
// the pattr stores them.
var STORED = {style: 1, seed: 1, seed_lock: 1, model: 1, prompt: 1, program: 1};
var VERBS = {generate: "Generating", "continue": "Continuing", restyle: "Restyling", infill: "Infilling",
    interpolate: "Interpolating", accompany: "Accompanying", groove: "Grooving", drumify: "Drumifying",
    band: "Writing a band"};
// The modes that need a model of their own kind (its `operations` list them): their modules
// name the model and say which (model(), modelText()).
var CHOOSER = {interpolate: CadenzaInterp, accompany: CadenzaAccomp, groove: CadenzaGroove, band: CadenzaBand};
// ... and those among them that also read their own sources, describe the request and place the
// answer (Groove reads and writes as Restyle does).
var SPECIAL = {interpolate: CadenzaInterp, accompany: CadenzaAccomp, band: CadenzaBand};
// The request a mode sends, where it is not its own name: a band is a generate request.
var OPERATION = {band: "generate"};

setinletassist(0, "controls, init, go, and OSC replies from udpreceive");
setoutletassist(OUT_UDP, "to udpsend");
setoutletassist(OUT_STATUS, "status line (set ...)");
setoutletassist(OUT_UI, "control feedback: seed, style and model menus, progress");
setoutletassist(OUT_LAUNCH, "to node.script cadenza_launcher.js");

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

// Pings the daemon; when none answers on this computer, starts one (see starter.js). `then`
// (optional) runs once connected and the model list is in: the Go that was waiting.
function connect(then) {
    status("Looking for Cadenza at " + client.address() + " ...");
    client.ping(function (version) {
        guard(function () { connected(version, then); });
    }, function (message) {
        guard(function () { noAnswer(message, then); });
    });
}

function noAnswer(message, then) {
    if (!CadenzaStarter.isLocal(client.host)) {
        status(message); // a daemon on another computer is not ours to start
        return;
    }
    status("No Cadenza at " + client.address() + ": starting `cadenza serve` ...");
    starter.start(client.host, client.port, settings.program, function () {
        guard(function () {
            status("Cadenza started: connecting ...");
            client.ping(function (version) {
                guard(function () { connected(version, then); });
            }, status);
        });
    }, status);
}

// What the status line says about where the daemon came from.
function origin() {
    return starter.startedIt() ? "started by this device; it stops with it" : "already running";
}

function connected(version, then) {
    status("Connected to Cadenza " + version + " at " + client.address() + " (" + origin() + ")");
    if (models && then) {
        then();
        return;
    }
    loadModels(then);
}

function loadModels(then) {
    client.models(function (list) {
        guard(function () {
            showModels(list);
            if (then && list.length) {
                then();
            }
        });
    }, status);
}

// The model whose styles the Style menu lists: the one that answers this mode (Groove's styles
// are feels, Band's the gan's), else the one requests go to.
function styleModel() {
    var chooser = CHOOSER[settings.mode];
    return (chooser && chooser.model(models, settings.model)) || currentModel();
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
    showStyles(styleModel());
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
    if (CHOOSER[settings.mode]) {
        status(CHOOSER[settings.mode].modelText(models, settings.model));
        return;
    }
    status("Connected to Cadenza " + client.version + " (" + origin() + "): model " + model.name + ", " +
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
        if (starter.starting()) {
            status("Still starting Cadenza: wait for it (the status line says when it is ready).");
            return;
        }
        var plan = prepare();
        if (client.isConnected()) {
            start(plan);
            return;
        }
        connect(function () { start(plan); });
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
    if (SPECIAL[plan.mode]) {
        SPECIAL[plan.mode].prepare(plan, arrangementOk, settings); // its sources, and where the answer goes
        return plan;
    }
    if (plan.mode !== "generate") {
        CadenzaPlace.readSource(plan, settings, arrangementOk); // the selected clip, and where beside it
    }
    if (plan.mode !== "infill") {
        plan.target = CadenzaPlace.chooseTarget(plan, settings);
    }
    return plan;
}

function start(plan) {
    var special = SPECIAL[plan.mode];
    var chooser = CHOOSER[plan.mode];
    if (chooser) {
        var chosen = chooser.model(models, settings.model);
        if (!chosen) {
            status(chooser.modelText(models, settings.model)); // says that none can
            return;
        }
        plan.model = chosen.name;
    }
    plan.seed = settings.nextSeed();
    // The seed box is a plain [number], not a Live parameter: showing the seed adds no undo
    // entry. It is stored with the set only when the user locks or types it (store()).
    outlet(OUT_UI, "seed", "set", plan.seed);
    plan.started = Date.now();
    job = plan;
    outlet(OUT_UI, "progress", 0);
    var verb = VERBS[plan.mode];
    status(verb + " (" + (special ? special.describe(plan, settings) : CadenzaPlace.describe(plan, settings)) +
        ") ...");
    var options = plan.mode === "accompany" ?
        settings.accompanyOptions(plan.key, plan.context, plan.model, plan.variations || settings.variations) :
        settings.options(plan.key, plan.context, plan.bars, plan.model);
    plan.id = client.run(OPERATION[plan.mode] || plan.mode, options, plan.clip, {
        event: function (ev) { guard(function () { progress(plan, verb, ev); }); },
        done: function (result) { guard(function () { finish(plan, result); }); },
        fail: function (code, message) { guard(function () { failed(plan, code, message); }); }
    }, plan.infill ? [plan.infill.startBar, plan.infill.endBar] : null);
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
    if (SPECIAL[plan.mode]) {
        status(SPECIAL[plan.mode].insert(plan, result, settings, liveVersion));
        return;
    }
    status(plan.infill ? CadenzaPlace.writeInfill(plan, result.variations[0]) :
        CadenzaPlace.insert(plan, result, settings, liveVersion));
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
        if (name === "launcher") {
            starter.receive(args);
            return;
        }
        var value = args.length > 1 ? args.join(" ") : args[0];
        var modeBefore = settings.mode;
        var what = settings.apply(name, value);
        if (what === null) {
            post("cadenza: unknown message " + name + "\n");
            return;
        }
        if ((name === "model" || name === "mode" && (CHOOSER[settings.mode] || CHOOSER[modeBefore])) && models && models.length) {
            showStyles(styleModel()); // another model, other styles; or which model, or that none can
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

// The device is deleted (or its set closed): the daemon it started stops with it; one that was
// already running is left alone.
function notifydeleted() {
    starter.stop();
    client.shutdown();
    receiver.close();
}
