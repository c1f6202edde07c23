// Cadenza.amxd: the Band mode. One `generate role band` (or `roles "drums,bass"`, the parts
// ticked) asks a model whose operations include band for a loop of parts that fit each other
// (docs/PROTOCOL.md, Band), and writes one Session clip per part and take:
//   - onto this device's track when its Role is one of the parts, and onto the tracks to its
//     right that hold a Cadenza device whose Role is a part (the leftmost such track per part);
//   - every part no track plays goes onto a NEW MIDI track, "Cadenza <part>", created to the
//     right of the last track written (so no existing track is renamed or moved about).
// Each clip goes into the scene's slot (this track's highlighted slot, else its playing slot,
// else the selected scene), or the next empty slot below it; further takes below that. Band
// writes Session clips also when the Arrangement is in front. Everything is one undo step; no
// clip is ever overwritten.
//
// Why a module of its own: as device_accompany.js, it holds what only this mode needs (many
// destinations), through CadenzaLive and CadenzaTracks (the only files that touch Live).

var CadenzaBand = (function () {
    function model(models, chosen) {
        return CadenzaProtocol.modelFor(models, chosen, "band");
    }

    function modelText(models, chosen) {
        var m = model(models, chosen);
        if (!m) {
            return "Band needs a model that writes bands, and this Cadenza serves none (" +
                CadenzaUI.modelNames(models) + "): start `cadenza serve` with models/gan, then press Go.";
        }
        var note = chosen && m.name !== chosen ? " (" + chosen + " cannot write bands)" : "";
        return "Band uses model " + m.name + note + ": one clip per part on this track and the tracks to its right " +
            "that hold Cadenza (by their Role), new tracks for the rest.";
    }

    // Where each part goes: {part, path, name} with path null for a new track.
    function destinations(parts, tracks) {
        var out = [];
        var used = {};
        for (var i = 0; i < parts.length; i++) {
            var found = null;
            for (var k = 0; k < tracks.length && !found; k++) {
                if (tracks[k].role === parts[i] && !used[tracks[k].path]) {
                    found = tracks[k];
                    used[found.path] = true;
                }
            }
            out.push({part: parts[i], path: found ? found.path : null, name: found ? found.name : null});
        }
        return out;
    }

    function prepare(plan, arrangementOk, settings) {
        var parts = settings.bandParts();
        if (!parts.length) {
            throw new Error("Band: tick at least one part (drums, bass, chords, melody).");
        }
        plan.parts = parts;
        plan.scene = CadenzaTracks.sceneOf(plan.track.path);
        plan.destinations = destinations(parts, CadenzaTracks.bandTracks(plan.track.path, settings.role));
        plan.arrangement = false; // Session clips, one row
        plan.tooOld = false;
        plan.clip = null;
    }

    // "drums on Beat, bass on a new track, 4 bars in scene 2, model gan, seed 7"
    function describe(plan) {
        var where = [];
        for (var i = 0; i < plan.destinations.length; i++) {
            var d = plan.destinations[i];
            where.push(d.part + " on " + (d.path ? "\"" + d.name + "\"" : "a new track"));
        }
        return where.join(", ") + ", " + CadenzaUI.plural(plan.bars, "bar") + " in scene " + (plan.scene + 1) +
            ", model " + plan.model + ", seed " + plan.seed;
    }

    // The answer's clips by part, in take order: {drums: [v, ...], ...}. A clip without a role
    // (an older daemon) is placed by its number: variation v * P + i is part i.
    function byPart(plan, list) {
        var out = {};
        for (var i = 0; i < list.length; i++) {
            var part = list[i].role || plan.parts[list[i].index % plan.parts.length];
            (out[part] = out[part] || []).push(list[i]);
        }
        return out;
    }

    function insert(plan, result, settings) {
        var groups = byPart(plan, result.variations);
        var color = CadenzaUI.COLORS.band;
        var notes = 0;
        var lines = [];
        var made = [];
        var write = function (path, name, part) {
            var takes = groups[part] || [];
            var slots = CadenzaLive.emptySlots(path, plan.scene, takes.length);
            for (var k = 0; k < takes.length; k++) {
                CadenzaLive.writeSessionClip(path, slots[k], takes[k].length, takes[k].notes,
                    CadenzaUI.clipName("band", settings.style, part, plan.key, plan.seed, k, takes.length), color);
                notes += takes[k].notes.length;
            }
            lines.push(part + " in \"" + name + "\" " + CadenzaUI.slotList(slots));
        };
        CadenzaLive.withUndo(function () {
            var last = plan.track.path;
            var d;
            var i;
            for (i = 0; i < plan.destinations.length; i++) { // existing tracks first: new ones shift indexes
                d = plan.destinations[i];
                if (d.path && groups[d.part]) {
                    write(d.path, d.name, d.part);
                    last = CadenzaLive.trackIndex(d.path) > CadenzaLive.trackIndex(last) ? d.path : last;
                }
            }
            for (i = 0; i < plan.destinations.length; i++) {
                d = plan.destinations[i];
                if (!d.path && groups[d.part]) {
                    var name = "Cadenza " + d.part;
                    last = CadenzaLive.createMidiTrack(last, name);
                    made.push(name);
                    write(last, name, d.part);
                }
            }
        });
        var text = "Done: a band of " + CadenzaUI.plural(lines.length, "part") + " (" + CadenzaUI.plural(notes, "note") +
            "): " + lines.join(", ") + " (" + CadenzaUI.seconds(Date.now() - plan.started) + ").";
        if (made.length) {
            text += " New " + (made.length === 1 ? "track" : "tracks") + ": give " + (made.length === 1 ? "it" : "them") +
                " an instrument to hear " + (made.length === 1 ? "it" : "them") + ".";
        }
        return text;
    }

    return {
        model: model,
        modelText: modelText,
        destinations: destinations,
        prepare: prepare,
        describe: describe,
        insert: insert
    };
}());
