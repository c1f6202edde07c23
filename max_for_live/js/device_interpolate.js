// Cadenza.amxd: the Interpolate mode. Clip A is the selected clip (the highlighted Session
// slot, or the clip shown in the Detail view for the Arrangement), clip B the next MIDI clip
// after it on the same track (the first one below it in Session view, the next one to its
// right in the Arrangement). Both are uploaded under one id in slots "a" and "b", then
// `/cadenza/interpolate id steps N ...` asks for N clips from A to B (docs/PROTOCOL.md,
// Interpolate). The answers go into the first empty slots below B (Session) or right after B
// (Arrangement, never over a clip), named "Cadenza interp k/N", all in one undo step. A and B
// are only read.
//
// Why a module of its own: device_main.js wires the entry points, device_place.js places the
// other modes' answers; this file holds what only Interpolate needs (two sources, a model that
// can interpolate, N clips in order), through CadenzaLive (the only file that touches Live).

var CadenzaInterp = (function () {
    var MAX_BARS = 16; // the daemon's limit for an interpolated clip; checked here for a clear message

    // The model Interpolate uses: the Model menu's choice when it can interpolate, else the
    // daemon's default when it can, else the first resident model that can; null when none can.
    function model(models, chosen) {
        return CadenzaProtocol.modelFor(models, chosen, "interpolate");
    }

    // What the status line says about Interpolate's model, once the model list is in.
    function modelText(models, chosen) {
        var m = model(models, chosen);
        if (!m) {
            return "Interpolate needs a model that can interpolate (a VAE), and this Cadenza serves none (" +
                CadenzaUI.modelNames(models) + "): start `cadenza serve` with one (see docs/MODEL.md), then press Go.";
        }
        var note = chosen && m.name !== chosen ? " (" + chosen + " cannot interpolate)" : "";
        return "Interpolate uses model " + m.name + note + ": select clip A; B is the next clip below it " +
            "(Session) or after it (Arrangement) on the same track.";
    }

    function readClip(located, context, key, which) {
        var read = CadenzaLive.readNotes(located.clip);
        if (read.length > MAX_BARS * context.beatsPerBar + 1e-6) {
            throw new Error("Clip " + which + " (\"" + read.name + "\") is longer than " + MAX_BARS +
                " bars, the most Interpolate morphs: shorten its loop first.");
        }
        if (!read.notes.length) {
            throw new Error("Clip " + which + " (\"" + read.name + "\") has no notes to interpolate from.");
        }
        return {length: read.length, meter: context.meter, tempo: context.tempo, key: key,
            notes: read.notes, name: read.name};
    }

    // Reads A and B into `plan` before anything is sent; throws an Error that says what to do.
    function prepare(plan, arrangementOk) {
        var a = CadenzaLive.sourceClip();
        if (!a) {
            throw new Error("Interpolate: select clip A first (highlight its slot in Session view, or click it " +
                "in the Arrangement). Clip B is the next clip below it (Session) or after it (Arrangement) on the same track.");
        }
        var b = CadenzaLive.nextClipAfter(a);
        if (!b) {
            throw new Error("Interpolate needs a second MIDI clip, B, " + (a.arrangement ?
                "after the selected clip on its track in the Arrangement" :
                "in a slot below the selected clip on the same track") + ": Cadenza morphs from A to B.");
        }
        var clipA = readClip(a, plan.context, plan.key, "A");
        var clipB = readClip(b, plan.context, plan.key, "B");
        plan.source = a;
        plan.sourceB = b;
        plan.names = [clipA.name, clipB.name];
        plan.clip = {a: clipA, b: clipB};
        plan.trackPath = a.trackPath;
        plan.trackName = CadenzaLive.trackName(a.trackPath);
        plan.arrangement = a.arrangement && arrangementOk;
        plan.tooOld = a.arrangement && !arrangementOk;
        plan.bars = null; // the longer clip's length (the daemon's default)
    }

    // "\"Verse\" to \"Chorus\", 5 steps, model vae, seed 7"
    function describe(plan, settings) {
        return "\"" + plan.names[0] + "\" to \"" + plan.names[1] + "\", " + CadenzaUI.plural(settings.steps, "step") +
            ", model " + plan.model + ", seed " + plan.seed;
    }

    // Writes the steps in order, in one undo step, and returns the status line.
    function insert(plan, result, settings, liveVersion) {
        var list = result.variations;
        if (!CadenzaLive.stillThere(plan.source.clip) || !CadenzaLive.stillThere(plan.sourceB.clip)) {
            return "Clip A or B was deleted while Cadenza was working: nothing was written.";
        }
        var color = CadenzaUI.COLORS.interpolate;
        var notes = 0;
        var where = CadenzaLive.withUndo(function () {
            var placed = {bars: [], slots: []};
            var i = 0;
            var at = plan.sourceB.end;
            for (; plan.arrangement && i < list.length; i++) {
                var made = CadenzaLive.writeArrangementClip(plan.trackPath, at, list[i].length, list[i].notes,
                    CadenzaUI.clipName("interpolate", "", "", "", 0, i, list.length), color);
                if (!made) {
                    placed.fellBack = true; // this Live cannot: the rest go to Session view
                    break;
                }
                placed.bars.push(made.start);
                at = made.start + list[i].length;
                notes += list[i].notes.length;
            }
            if (i < list.length) {
                var from = plan.sourceB.arrangement ? CadenzaLive.selectedSceneIndex() : plan.sourceB.slotIndex + 1;
                var slots = CadenzaLive.emptySlots(plan.trackPath, from, list.length - i);
                for (var k = 0; i < list.length; i++, k++) {
                    CadenzaLive.writeSessionClip(plan.trackPath, slots[k], list[i].length, list[i].notes,
                        CadenzaUI.clipName("interpolate", "", "", "", 0, i, list.length), color);
                    placed.slots.push(slots[k]);
                    notes += list[i].notes.length;
                }
            }
            return placed;
        });
        var text = "Done: " + CadenzaUI.plural(list.length, "step") + " from \"" + plan.names[0] + "\" to \"" +
            plan.names[1] + "\" (" + CadenzaUI.plural(notes, "note") + ") in \"" + plan.trackName + "\"";
        if (where.bars.length) {
            text += " from " + CadenzaUI.bar(where.bars[0], plan.context.beatsPerBar) + " of the Arrangement";
        }
        if (where.slots.length) {
            text += (where.bars.length ? ", and " : ", ") + CadenzaUI.slotList(where.slots);
        }
        text += " (" + CadenzaUI.seconds(Date.now() - plan.started) + ").";
        if (plan.tooOld) {
            text += " Live " + CadenzaLive.versionText(liveVersion) + " cannot add Arrangement clips (Live " +
                CadenzaLive.ARRANGEMENT_CLIPS_SINCE.join(".") + " or later can), so they went to Session view.";
        } else if (where.fellBack) {
            text += " This Live cannot add Arrangement clips, so they went to Session view.";
        }
        return text;
    }

    return {
        MAX_BARS: MAX_BARS,
        model: model,
        modelText: modelText,
        prepare: prepare,
        describe: describe,
        insert: insert
    };
}());
