// Cadenza.amxd: where an answer goes. Infill writes the regenerated bars back into the
// selected clip; every other mode places its clips by Target (the next empty slot, this
// track's selected slot, or a new MIDI track) in Session view, or in the Arrangement.
//
// Why a module of its own: device_main.js wires the Max entry points and the daemon together;
// this file decides, from a plan and an answer, what is written to the set, through
// CadenzaLive (the only file that touches Live). Each writing function returns the status line
// that says what happened. `settings` is the device's CadenzaUI.Settings, handed in.

var CadenzaPlace = (function () {
    var MAX_BARS = 64; // the daemon's limit for a clip; checked here for a clear message
    // The modes whose source clip must hold notes (the daemon refuses an empty one for these).
    var NEEDS_NOTES = {restyle: "restyle", groove: "groove", drumify: "drumify"};

    // Continue, Restyle, Infill, Groove, Drumify: reads the selected clip into `plan` (its notes,
    // and the track the answer goes to, beside it) before anything is sent; throws an Error that
    // says what to do.
    function readSource(plan, settings, arrangementOk) {
        var source = CadenzaLive.sourceClip();
        if (!source) {
            throw new Error("Select a MIDI clip first: highlight its slot in Session view, or click it in the Arrangement.");
        }
        var read = CadenzaLive.readNotes(source.clip);
        if (read.length > MAX_BARS * plan.context.beatsPerBar + 1e-6) {
            throw new Error("The selected clip is longer than " + MAX_BARS + " bars: shorten its loop first.");
        }
        if (NEEDS_NOTES[plan.mode] && !read.notes.length) {
            throw new Error("The selected clip has no notes to " + NEEDS_NOTES[plan.mode] + ".");
        }
        plan.source = source;
        plan.trackPath = source.trackPath; // the new clip goes beside its source
        plan.trackName = CadenzaLive.trackName(source.trackPath);
        plan.arrangement = source.arrangement && arrangementOk;
        plan.tooOld = source.arrangement && !arrangementOk;
        plan.clip = {length: read.length, meter: plan.context.meter, tempo: plan.context.tempo,
            key: plan.key, notes: read.notes};
        if (NEEDS_NOTES[plan.mode]) {
            plan.bars = null; // restyle, groove and drumify keep the source's length
        }
        if (plan.mode === "infill") {
            plan.infill = infillBars(source.clip, read, plan.context.beatsPerBar, settings);
            plan.bars = null; // the answer is the whole clip, as long as it is
            plan.arrangement = false; // written in place, wherever the clip is
            plan.tooOld = false;
        }
    }

    // The bars Infill regenerates (0-based, end exclusive, from the clip's loop start): those the
    // clip's selected notes touch, else Bars bars from From bar. Bars are counted as the daemon
    // counts them (the clip's length rounded to whole bars).
    function infillBars(clip, read, beatsPerBar, settings) {
        var total = Math.max(1, Math.round(read.length / beatsPerBar));
        var chosen = CadenzaLive.selectedBars(clip, read.from, read.length, beatsPerBar);
        if (chosen) {
            chosen.how = "the selected notes";
        } else {
            chosen = {startBar: settings.fromBar - 1, endBar: settings.fromBar - 1 + settings.bars,
                how: "From bar and Bars"};
        }
        if (chosen.startBar >= total) {
            throw new Error("The selected clip has " + CadenzaUI.plural(total, "bar") + ": From bar " +
                settings.fromBar + " lies after its end.");
        }
        chosen.endBar = Math.min(chosen.endBar, total);
        chosen.from = read.from;
        chosen.start = chosen.startBar * beatsPerBar;
        chosen.end = Math.min(chosen.endBar * beatsPerBar, read.length);
        chosen.clipName = read.name;
        return chosen;
    }

    // "bars 3-4", "bar 2"
    function barsText(infill) {
        return infill.endBar - infill.startBar === 1 ? "bar " + (infill.startBar + 1) :
            "bars " + (infill.startBar + 1) + "-" + infill.endBar;
    }

    // What the status line says while the request runs: "bars 2-3 of \"Verse\", from the selected
    // notes, folk, D minor, seed 7".
    function describe(plan, settings) {
        var parts = [];
        if (plan.infill) {
            parts.push(barsText(plan.infill) + " of \"" + plan.infill.clipName + "\", from " + plan.infill.how);
        }
        if (plan.bars) {
            parts.push(CadenzaUI.plural(plan.bars, "bar"));
        }
        parts.push(settings.style || settings.role);
        parts.push(plan.key ? plan.key : "free key");
        parts.push("seed " + plan.seed);
        return parts.join(", ");
    }

    // Infill: the answer is the whole clip with the bars rewritten; only its notes that start in
    // those bars are written, in place of the clip's notes that start there. Every other note of
    // the clip stays exactly as it was.
    function writeInfill(plan, v) {
        var f = plan.infill;
        var clip = plan.source.clip;
        if (!CadenzaLive.stillThere(clip)) {
            return "The clip was deleted while Cadenza was working: nothing was written.";
        }
        var notes = [];
        for (var i = 0; i < v.notes.length; i++) {
            var n = v.notes[i];
            if (n.start_time >= f.start - 1e-9 && n.start_time < f.end - 1e-9) {
                notes.push({pitch: n.pitch, start_time: f.from + n.start_time, velocity: n.velocity,
                    duration: Math.min(n.duration, f.end - n.start_time)});
            }
        }
        CadenzaLive.withUndo(function () {
            CadenzaLive.replaceNotes(clip, f.from + f.start, f.end - f.start, notes);
        });
        return "Done: " + barsText(f) + " of \"" + f.clipName + "\" regenerated (" + CadenzaUI.plural(notes.length, "note") +
            "; every other note kept) (" + CadenzaUI.seconds(Date.now() - plan.started) + ").";
    }

    // Where the new clips go in Session view (Arrangement insertion keeps its own rule, on the new
    // track when Target is New track). Checked before anything is sent: a slot that holds a clip
    // is refused here, not after the daemon worked.
    function chooseTarget(plan, settings) {
        if (settings.target === "selected") {
            var scene = CadenzaLive.selectedSceneIndex();
            if (!plan.arrangement && CadenzaLive.slotHasClip(plan.trackPath, scene)) {
                throw new Error("The selected slot (scene " + (scene + 1) + ") of \"" + plan.trackName +
                    "\" holds a clip, and Cadenza never overwrites one: select an empty slot, or set Target to Next empty slot.");
            }
            return {kind: "selected", slot: scene};
        }
        return {kind: settings.target};
    }

    // Writes every variation and returns the status line that says where.
    function insert(plan, result, settings, liveVersion) {
        var slots = [];
        var bars = [];
        var notes = 0;
        var fellBack = false;
        var nextStart = null;
        var newTrack = false;
        if (plan.target.kind === "new_track") {
            plan.trackName = "Cadenza " + (settings.style || settings.role);
            plan.trackPath = CadenzaLive.withUndo(function () {
                return CadenzaLive.createMidiTrack(plan.trackPath, plan.trackName);
            });
            newTrack = true;
        }
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
            CadenzaUI.plural(notes, "note") + ") in \"" + plan.trackName + "\"" +
            (newTrack ? " (a new track: give it an instrument to hear it)" : "");
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
        if (plan.target.kind === "selected") {
            return plan.target.slot; // checked empty by chooseTarget(); further variations go below it
        }
        if (plan.target.kind === "new_track") {
            return CadenzaLive.selectedSceneIndex();
        }
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

    return {
        readSource: readSource,
        infillBars: infillBars,
        barsText: barsText,
        describe: describe,
        writeInfill: writeInfill,
        chooseTarget: chooseTarget,
        insert: insert
    };
}());
