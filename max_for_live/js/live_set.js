// Reading and writing the Live set through the LiveAPI. Why: the only file that writes to Live
// (live_tracks.js reads the other tracks for Accompany), so the rules that keep a user's set safe
// live here: a clip slot that holds a clip is never written to, an Arrangement range that holds a
// clip is skipped, the source clip of Continue/Restyle is only read, and every insertion is one
// undo step. No music logic.

var CadenzaLive = (function () {
    var PITCH_NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
    var MINOR_NAMES = /minor|dorian|phrygian|aeolian|locrian/i;

    function api(path) {
        return new LiveAPI(path);
    }

    function exists(obj) {
        return obj !== null && obj !== undefined && Number(obj.id) !== 0;
    }

    // LiveAPI.get returns an array; most properties hold one value.
    function prop(obj, name) {
        var value = obj.get(name);
        if (Array.isArray(value)) {
            return value.length === 1 ? value[0] : value.join(" ");
        }
        return value;
    }

    function num(obj, name) {
        return Number(prop(obj, name));
    }

    // ["id", 12] (or "id 12") -> 12; 0 when the reference is empty.
    function refId(value) {
        if (Array.isArray(value)) {
            value = value.join(" ");
        }
        var match = /id\s+(\d+)/.exec(String(value));
        return match ? Number(match[1]) : 0;
    }

    // ["id", 3, "id", 7] -> [3, 7]
    function refIds(value) {
        var out = [];
        var text = Array.isArray(value) ? value.join(" ") : String(value);
        var re = /id\s+(\d+)/g;
        var match;
        while ((match = re.exec(text)) !== null) {
            if (Number(match[1]) !== 0) {
                out.push(Number(match[1]));
            }
        }
        return out;
    }

    function byId(id) {
        return api("id " + id);
    }

    function version() {
        var app = api("live_app");
        return {
            major: Number(app.call("get_major_version")),
            minor: Number(app.call("get_minor_version")),
            bugfix: Number(app.call("get_bugfix_version"))
        };
    }

    // Track.create_midi_clip (Arrangement clips through the API) arrived in Live 12.1.10; before
    // that the Arrangement is read-only to a device.
    var ARRANGEMENT_CLIPS_SINCE = [12, 1, 10];

    // true when version {major, minor, bugfix} is at least `since` [major, minor, bugfix].
    function atLeast(version, since) {
        var have = [version.major, version.minor, version.bugfix];
        for (var i = 0; i < 3; i++) {
            if (Number(have[i]) !== since[i]) {
                return Number(have[i]) > since[i];
            }
        }
        return true;
    }

    function canCreateArrangementClips(version) {
        return atLeast(version, ARRANGEMENT_CLIPS_SINCE);
    }

    function versionText(version) {
        return version.major + "." + version.minor + "." + version.bugfix;
    }

    // "live_set tracks 3 devices 0 chains 1 devices 2" -> "live_set tracks 3"
    function trackPathOf(path) {
        var match = /^live_set tracks \d+/.exec(String(path));
        return match ? match[0] : null;
    }

    // The MIDI track the device sits on (also when it sits inside a rack).
    function deviceTrack() {
        var device = api("this_device");
        var path = exists(device) ? trackPathOf(device.unquotedpath) : null;
        if (!path) {
            throw new Error("Put Cadenza on a MIDI track (not a return or master track).");
        }
        var track = api(path);
        if (!num(track, "has_midi_input")) {
            throw new Error("Cadenza writes MIDI clips: put it on a MIDI track.");
        }
        return {path: path, name: String(prop(track, "name")), api: track};
    }

    // "D minor" from Live 12's root note and scale, or null (Live 11, or Scale mode off).
    function keyOf(rootNote, scaleName, intervals) {
        var minor;
        if (intervals && intervals.length) {
            var has = {};
            for (var i = 0; i < intervals.length; i++) {
                has[Number(intervals[i]) % 12] = true;
            }
            minor = has[3] && !has[4] ? true : (has[4] ? false : MINOR_NAMES.test(scaleName));
        } else {
            minor = MINOR_NAMES.test(scaleName);
        }
        return PITCH_NAMES[((Number(rootNote) % 12) + 12) % 12] + (minor ? " minor" : " major");
    }

    // Tempo, meter and (Live 12, Scale mode on) key of the set.
    function setContext(liveMajor) {
        var song = api("live_set");
        var context = {
            tempo: num(song, "tempo"),
            numerator: num(song, "signature_numerator"),
            denominator: num(song, "signature_denominator"),
            key: null,
            keyNote: "Live 11 has no set key"
        };
        context.meter = context.numerator + "/" + context.denominator;
        context.beatsPerBar = context.numerator * 4 / context.denominator;
        if (liveMajor >= 12) {
            if (num(song, "scale_mode")) {
                var intervals = song.get("scale_intervals");
                context.key = keyOf(num(song, "root_note"), String(prop(song, "scale_name")),
                    Array.isArray(intervals) ? intervals : []);
                context.keyNote = "from the set";
            } else {
                context.keyNote = "turn on Scale in Live to follow the set's key";
            }
        }
        return context;
    }

    function focusedView() {
        return String(prop(api("live_app view"), "focused_document_view"));
    }

    function selectedSceneIndex() {
        var scene = byId(refId(api("live_set view").get("selected_scene")));
        var match = exists(scene) ? /scenes (\d+)/.exec(scene.unquotedpath) : null;
        return match ? Number(match[1]) : 0;
    }

    // Where a clip sits: {clip, trackPath, slotIndex} in Session, {clip, trackPath, start, end}
    // in the Arrangement.
    function locate(clip) {
        var path = clip.unquotedpath;
        var trackPath = trackPathOf(path);
        var slot = /clip_slots (\d+) clip$/.exec(path);
        if (!trackPath) {
            return null;
        }
        if (slot) {
            return {clip: clip, trackPath: trackPath, slotIndex: Number(slot[1]), arrangement: false};
        }
        return {clip: clip, trackPath: trackPath, arrangement: true,
            start: num(clip, "start_time"), end: num(clip, "end_time")};
    }

    function midiClipIn(slot) {
        if (!exists(slot) || !num(slot, "has_clip")) {
            return null;
        }
        var clip = api(slot.unquotedpath + " clip");
        return exists(clip) && num(clip, "is_midi_clip") ? clip : null;
    }

    // The clip Continue/Restyle read: the highlighted Session slot, or the clip in the Detail
    // view (which is how an Arrangement clip is selected). With the Arrangement in front, the
    // Detail view clip wins.
    function sourceClip() {
        var view = api("live_set view");
        var highlighted = midiClipIn(byId(refId(view.get("highlighted_clip_slot"))));
        var detail = byId(refId(view.get("detail_clip")));
        detail = exists(detail) && num(detail, "is_midi_clip") ? detail : null;
        var first = focusedView() === "Arranger" ? (detail || highlighted) : (highlighted || detail);
        return first ? locate(first) : null;
    }

    // Interpolate's clip B: the next MIDI clip after `source` on its track (below it, or to its right); or null.
    function nextClipAfter(source) {
        var track = api(source.trackPath);
        var best = null;
        var i;
        if (!source.arrangement) {
            for (i = source.slotIndex + 1; i < track.getcount("clip_slots") && !best; i++) {
                best = midiClipIn(api(source.trackPath + " clip_slots " + i));
            }
            return best ? locate(best) : null;
        }
        var ids = refIds(track.get("arrangement_clips"));
        for (i = 0; i < ids.length; i++) {
            var c = byId(ids[i]);
            if (num(c, "is_midi_clip") && num(c, "start_time") > source.start + 1e-9 &&
                    (!best || num(c, "start_time") < num(best, "start_time"))) {
                best = c;
            }
        }
        return best ? locate(best) : null;
    }

    // The notes of the clip's loop (or, unlooped, between its markers), clip-relative.
    function readNotes(clip) {
        var looping = num(clip, "looping");
        var from = looping ? num(clip, "loop_start") : num(clip, "start_marker");
        var to = looping ? num(clip, "loop_end") : num(clip, "end_marker");
        var raw = clip.call("get_notes_extended", 0, 128, from, to - from);
        var parsed = typeof raw === "string" ? JSON.parse(raw) : raw;
        var notes = [];
        var list = (parsed && parsed.notes) || [];
        for (var i = 0; i < list.length; i++) {
            var n = list[i];
            var start = Number(n.start_time) - from;
            if (start < 0 || start >= to - from) {
                continue;
            }
            var wire = CadenzaProtocol.wireNote({pitch: n.pitch, start_time: start, mute: n.mute,
                duration: Math.min(Number(n.duration), to - from - start), velocity: n.velocity});
            if (wire) {
                notes.push(wire);
            }
        }
        notes.sort(function (a, b) { return a[1] - b[1] || a[0] - b[0]; });
        return {notes: notes, length: to - from, from: from, name: String(prop(clip, "name"))};
    }

    // The bars (0-based, end exclusive, counted from `from`) that the clip's selected notes
    // touch, or null when no note is selected. Clip.get_selected_notes_extended is Live 11+.
    function selectedBars(clip, from, length, beatsPerBar) {
        var raw = clip.call("get_selected_notes_extended");
        var parsed = typeof raw === "string" ? JSON.parse(raw) : raw;
        var list = (parsed && parsed.notes) || [];
        var first = null;
        var last = null;
        for (var i = 0; i < list.length; i++) {
            var start = Number(list[i].start_time) - from;
            if (start < 0 || start >= length) {
                continue;
            }
            var bar = Math.floor(start / beatsPerBar + 1e-9);
            first = first === null ? bar : Math.min(first, bar);
            last = last === null ? bar : Math.max(last, bar);
        }
        return first === null ? null : {startBar: first, endBar: last + 1};
    }

    // Replaces the notes that start in [start, start + span) of `clip` (clip time) with `notes`
    // (LOM note dicts, clip time); every other note stays as it was. Call inside withUndo.
    function replaceNotes(clip, start, span, notes) {
        clip.call("remove_notes_extended", 0, 128, start, span);
        if (notes.length) {
            clip.call("add_new_notes", {notes: notes});
        }
    }

    // "live_set tracks 3" -> 3
    function trackIndex(path) {
        var match = /^live_set tracks (\d+)/.exec(String(path));
        return match ? Number(match[1]) : -1;
    }

    // A new MIDI track right after `afterPath`, named `name`; returns its path. Call inside withUndo.
    function createMidiTrack(afterPath, name) {
        var index = trackIndex(afterPath) + 1;
        api("live_set").call("create_midi_track", index);
        var path = "live_set tracks " + index;
        var track = api(path);
        if (!exists(track) || !num(track, "has_midi_input")) {
            throw new Error("Live did not add a MIDI track for the new clip.");
        }
        track.set("name", name);
        return path;
    }

    function slotHasClip(trackPath, index) {
        var slot = api(trackPath + " clip_slots " + index);
        return exists(slot) && !!num(slot, "has_clip");
    }

    // The clip behind a LiveAPI id still exists (it may have been deleted while we waited).
    function stillThere(clip) {
        return exists(byId(clip.id));
    }

    // One undo step around fn (Live 11+; older Live ignores the calls it does not know).
    function withUndo(fn) {
        var song = api("live_set");
        song.call("begin_undo_step");
        try {
            return fn();
        } finally {
            song.call("end_undo_step");
        }
    }

    // Indexes of the first `count` empty slots at or after `from`, adding scenes at the end of
    // the set when the track runs out (call inside withUndo).
    function emptySlots(trackPath, from, count) {
        var total = api(trackPath).getcount("clip_slots");
        var found = [];
        for (var i = Math.max(0, from); i < total && found.length < count; i++) {
            if (!num(api(trackPath + " clip_slots " + i), "has_clip")) {
                found.push(i);
            }
        }
        var song = api("live_set");
        while (found.length < count) {
            song.call("create_scene", -1);
            var now = api(trackPath).getcount("clip_slots");
            if (now <= total) {
                throw new Error("Live did not add a scene for the new clip.");
            }
            found.push(total);
            total = now;
        }
        return found;
    }

    function decorate(clip, name, color, notes) {
        clip.set("name", name);
        clip.set("color", color);
        if (notes.length) {
            clip.call("add_new_notes", {notes: notes});
        }
    }

    // A new Session clip in an empty slot. Refuses a slot that holds a clip.
    function writeSessionClip(trackPath, slotIndex, length, notes, name, color) {
        var slot = api(trackPath + " clip_slots " + slotIndex);
        if (!exists(slot)) {
            throw new Error("Clip slot " + (slotIndex + 1) + " does not exist.");
        }
        if (num(slot, "has_clip")) {
            throw new Error("Clip slot " + (slotIndex + 1) + " holds a clip: Cadenza never overwrites one.");
        }
        slot.call("create_clip", length);
        var clip = api(trackPath + " clip_slots " + slotIndex + " clip");
        if (!exists(clip)) {
            throw new Error("Live did not create a clip in slot " + (slotIndex + 1) + ".");
        }
        decorate(clip, name, color, notes);
        return clip;
    }

    // The first start >= `start` where `length` beats are free of clips on the track.
    function freeArrangementStart(trackPath, start, length) {
        var spans = [];
        var ids = refIds(api(trackPath).get("arrangement_clips"));
        for (var i = 0; i < ids.length; i++) {
            var c = byId(ids[i]);
            spans.push([num(c, "start_time"), num(c, "end_time")]);
        }
        var pos = start;
        var moved = true;
        while (moved) {
            moved = false;
            for (var j = 0; j < spans.length; j++) {
                if (spans[j][0] < pos + length - 1e-9 && spans[j][1] > pos + 1e-9) {
                    pos = spans[j][1];
                    moved = true;
                }
            }
        }
        return pos;
    }

    // A new Arrangement clip via Track.create_midi_clip (Live 12). Returns {clip, start}, or
    // null when this Live cannot create Arrangement clips (the caller falls back to Session).
    function writeArrangementClip(trackPath, start, length, notes, name, color) {
        var track = api(trackPath);
        var at = freeArrangementStart(trackPath, Math.max(0, start), length);
        var before = refIds(track.get("arrangement_clips"));
        var made = refId(track.call("create_midi_clip", at, length));
        if (!made) {
            var after = refIds(track.get("arrangement_clips"));
            for (var i = 0; i < after.length; i++) {
                if (before.indexOf(after[i]) < 0) {
                    made = after[i];
                }
            }
        }
        if (!made) {
            return null;
        }
        var clip = byId(made);
        decorate(clip, name, color, notes);
        return {clip: clip, start: at};
    }

    function trackName(path) {
        return String(prop(api(path), "name"));
    }

    function songTime() {
        return num(api("live_set"), "current_song_time");
    }

    return {
        PITCH_NAMES: PITCH_NAMES, api: api, exists: exists, trackName: trackName, songTime: songTime,
        prop: prop, num: num, refId: refId, refIds: refIds, byId: byId, midiClipIn: midiClipIn,
        version: version, ARRANGEMENT_CLIPS_SINCE: ARRANGEMENT_CLIPS_SINCE, atLeast: atLeast,
        canCreateArrangementClips: canCreateArrangementClips, versionText: versionText,
        deviceTrack: deviceTrack, keyOf: keyOf, setContext: setContext, focusedView: focusedView,
        selectedSceneIndex: selectedSceneIndex, sourceClip: sourceClip, nextClipAfter: nextClipAfter,
        readNotes: readNotes, selectedBars: selectedBars,
        // writing (call inside withUndo)
        replaceNotes: replaceNotes, trackIndex: trackIndex, createMidiTrack: createMidiTrack,
        slotHasClip: slotHasClip, stillThere: stillThere, withUndo: withUndo, emptySlots: emptySlots,
        writeSessionClip: writeSessionClip, writeArrangementClip: writeArrangementClip,
        freeArrangementStart: freeArrangementStart
    };
}());
