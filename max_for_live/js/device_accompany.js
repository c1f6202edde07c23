// Cadenza.amxd: the Accompany mode. The context is the other MIDI tracks: in Session view their
// clips in the scene of this track's highlighted (or playing) slot, else the selected scene; in
// the Arrangement their clips under the loop brace, cut to it. Each is uploaded in a slot
// c1 ... c8 with the role it plays (its own Cadenza device's Role, else guessed from its name
// and notes, see live_tracks.js), then `/cadenza/accompany id role R ...` asks for the part this
// device's Role names (docs/PROTOCOL.md, Accompany). The answer goes into this track's slot in
// that scene, or the next empty one below it (Session), or under the loop brace (Arrangement,
// refused before anything is sent when a clip of this track is there), in one undo step. The
// other tracks are only read; muted tracks and empty clips are skipped.
//
// Why a module of its own: as device_interpolate.js, it holds what only this mode needs (many
// sources, a model that can accompany, one place for the answer), through CadenzaLive and
// CadenzaTracks (the only files that touch Live).

var CadenzaAccomp = (function () {
    function model(models, chosen) {
        return CadenzaProtocol.modelFor(models, chosen, "accompany");
    }

    // What the status line says about Accompany's model, once the model list is in.
    function modelText(models, chosen) {
        var m = model(models, chosen);
        if (!m) {
            return "Accompany needs a model that can accompany, and this Cadenza serves none (" +
                CadenzaUI.modelNames(models) + "): start `cadenza serve` with one (see docs/MODEL.md), then press Go.";
        }
        var note = chosen && m.name !== chosen ? " (" + chosen + " cannot accompany)" : "";
        return "Accompany uses model " + m.name + note + ": it writes this track's Role for the other tracks' " +
            "clips in this scene (Session) or under the loop brace (Arrangement).";
    }

    // "scene 2" / "bars 5-8"
    function whereText(plan) {
        if (!plan.inArrangement) {
            return "scene " + (plan.scene + 1);
        }
        var bpb = plan.context.beatsPerBar;
        var first = Math.floor(plan.range.start / bpb + 1e-9) + 1;
        var last = first + plan.range.length / bpb - 1;
        return last > first ? "bars " + first + "-" + last : "bar " + first;
    }

    function names(list) {
        return list.length > 3 ? list.slice(0, 3).join(", ") + " and " + (list.length - 3) + " more" : list.join(", ");
    }

    // Reads the context into `plan` before anything is sent; throws an Error that says what to do.
    function prepare(plan, arrangementOk) {
        var own = plan.track.path;
        var bpb = plan.context.beatsPerBar;
        plan.inArrangement = CadenzaLive.focusedView() === "Arranger";
        plan.trackPath = own;
        plan.bars = null; // the context's length
        if (plan.inArrangement) {
            var brace = CadenzaTracks.loopBrace();
            var bars = Math.round(brace.length / bpb);
            if (bars < 1 || bars > CadenzaTracks.MAX_BARS) {
                throw new Error("Accompany reads the other tracks under the Arrangement's loop brace: set it over 1 to " +
                    CadenzaTracks.MAX_BARS + " bars (select the bars, then Loop Selection, Ctrl/Cmd+L).");
            }
            plan.range = {start: brace.start, length: bars * bpb};
            plan.arrangement = arrangementOk;
            plan.tooOld = !arrangementOk;
            plan.scene = CadenzaLive.selectedSceneIndex(); // where it goes when this Live cannot write there
            plan.found = CadenzaTracks.rangeContext(own, plan.range.start, plan.range.length, plan.context);
            if (plan.arrangement &&
                    CadenzaLive.freeArrangementStart(own, plan.range.start, plan.range.length) !== plan.range.start) {
                throw new Error("\"" + plan.trackName + "\" has a clip under the loop brace (" + whereText(plan) +
                    "), and Cadenza never overwrites one: move it, or the loop brace, then press Go.");
            }
        } else {
            plan.arrangement = false;
            plan.tooOld = false;
            plan.scene = CadenzaTracks.sceneOf(own);
            plan.found = CadenzaTracks.sceneContext(own, plan.scene, plan.context);
        }
        var skipped = plan.found.skipped;
        if (!plan.found.tracks.length) {
            var why = [];
            if (skipped.muted.length) {
                why.push("muted: " + names(skipped.muted));
            }
            if (skipped.empty.length) {
                why.push("no notes: " + names(skipped.empty));
            }
            throw new Error("Accompany found no other MIDI track with notes " + (plan.inArrangement ?
                "under the loop brace (" + whereText(plan) + ")" : "in " + whereText(plan)) +
                (why.length ? " (skipped, " + why.join("; ") + ")" : "") + ": it writes a part for the other tracks.");
        }
        var context = [];
        for (var i = 0; i < plan.found.tracks.length; i++) {
            var t = plan.found.tracks[i];
            context.push({slot: t.slot, role: t.role, clip: t.clip});
        }
        plan.clip = {context: context};
        plan.variations = plan.arrangement ? 1 : null; // one answer fits the range; Session takes every variation
    }

    // "bass for Melody (melody), Drums (drums) in scene 1, model acc, seed 7"
    function describe(plan, settings) {
        var parts = [];
        for (var i = 0; i < plan.found.tracks.length; i++) {
            parts.push(plan.found.tracks[i].name + " (" + plan.found.tracks[i].role + ")");
        }
        return settings.role + " for " + parts.join(", ") + " in " + whereText(plan) + ", model " + plan.model +
            ", seed " + plan.seed;
    }

    // Writes the answer in one undo step and returns the status line.
    function insert(plan, result, settings, liveVersion) {
        var list = result.variations;
        var color = CadenzaUI.COLORS.accompany;
        var notes = 0;
        var where = CadenzaLive.withUndo(function () {
            var placed = {bars: [], slots: []};
            var i = 0;
            if (plan.arrangement) {
                if (CadenzaLive.freeArrangementStart(plan.trackPath, plan.range.start, list[0].length) !== plan.range.start) {
                    placed.blocked = true; // a clip was put there while Cadenza worked
                    return placed;
                }
                var made = CadenzaLive.writeArrangementClip(plan.trackPath, plan.range.start, list[0].length,
                    list[0].notes, CadenzaUI.clipName("accompany", settings.style, settings.role, plan.key, plan.seed, 0, 1),
                    color);
                if (made) {
                    placed.bars.push(made.start);
                    notes += list[0].notes.length;
                    i = 1;
                } else {
                    placed.fellBack = true; // this Live cannot: Session view, selected scene
                }
            }
            if (i < list.length) {
                var slots = CadenzaLive.emptySlots(plan.trackPath, plan.scene, list.length - i);
                for (var k = 0; i < list.length; i++, k++) {
                    CadenzaLive.writeSessionClip(plan.trackPath, slots[k], list[i].length, list[i].notes,
                        CadenzaUI.clipName("accompany", settings.style, settings.role, plan.key, plan.seed, i, list.length),
                        color);
                    placed.slots.push(slots[k]);
                    notes += list[i].notes.length;
                }
            }
            return placed;
        });
        if (where.blocked) {
            return "A clip now sits on \"" + plan.trackName + "\" under the loop brace: nothing was written " +
                "(Cadenza never overwrites one).";
        }
        var count = plan.found.tracks.length;
        var text = "Done: " + settings.role + " for " + CadenzaUI.plural(count, "track") + " (" +
            CadenzaUI.plural(notes, "note") + ") in \"" + plan.trackName + "\"";
        if (where.bars.length) {
            text += " at " + CadenzaUI.bar(where.bars[0], plan.context.beatsPerBar) + " of the Arrangement";
        }
        if (where.slots.length) {
            text += (where.bars.length ? ", and " : ", ") + CadenzaUI.slotList(where.slots);
        }
        text += " (" + CadenzaUI.seconds(Date.now() - plan.started) + ").";
        var skipped = plan.found.skipped;
        if (skipped.more.length) {
            text += " Only the first " + CadenzaTracks.MAX_CONTEXT + " tracks were read (not " + names(skipped.more) + ").";
        }
        if (skipped.muted.length) {
            text += " Muted, so left out: " + names(skipped.muted) + ".";
        }
        if (plan.tooOld) {
            text += " Live " + CadenzaLive.versionText(liveVersion) + " cannot add Arrangement clips (Live " +
                CadenzaLive.ARRANGEMENT_CLIPS_SINCE.join(".") + " or later can), so it went to Session view.";
        } else if (where.fellBack) {
            text += " This Live cannot add Arrangement clips, so it went to Session view.";
        }
        return text;
    }

    return {
        model: model,
        modelText: modelText,
        prepare: prepare,
        describe: describe,
        insert: insert
    };
}());
