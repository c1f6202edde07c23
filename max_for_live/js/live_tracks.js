// Reading the other tracks of the Live set for Accompany: their clips in one scene (Session) or
// over the Arrangement's loop brace, as Live plays them, and the role each one plays.
//
// Why a file of its own: live_set.js reads and writes the device's own track; this one only
// reads the others (never writes), through the same LiveAPI helpers. The role guess is the one
// rule the REAPER library also keeps (cadenza/context.lua); both are tested against the same
// cases in tests/data/track_roles.json, so they cannot drift apart. No music logic beyond that:
// beats in, beats out.

var CadenzaTracks = (function () {
    var L = CadenzaLive;
    var MAX_CONTEXT = 8;   // context slots c1 .. c8 (docs/PROTOCOL.md, Accompany)
    var MAX_BARS = 64;     // the daemon's longest context
    var BASS_BELOW = 48;   // C3: a track whose median pitch is lower is a bass
    var CHORDAL_SHARE = 0.5; // ... whose notes mostly start three or more together plays chords
    var NAME_ROLES = [     // the first that matches the track name wins
        [/drum|kick|snare|hat|beat|perc/i, "drums"],
        [/bass/i, "bass"],
        [/chord|pad/i, "chords"],
        [/keys|piano|organ|rhodes/i, "keys"]
    ];
    var EPS = 1e-6;

    // What a track plays, when no Cadenza device on it says: from its name, else a drum kit
    // (`drums`: a Drum Rack on the track), else its notes ([pitch, start, ...] each).
    function guessRole(name, notes, drums) {
        for (var i = 0; i < NAME_ROLES.length; i++) {
            if (NAME_ROLES[i][0].test(String(name))) {
                return NAME_ROLES[i][1];
            }
        }
        if (drums) {
            return "drums";
        }
        if (!notes.length) {
            return "melody";
        }
        var pitches = [];
        var starts = {};
        for (var j = 0; j < notes.length; j++) {
            pitches.push(Number(notes[j][0]));
            var at = String(Math.round(Number(notes[j][1]) * 1000));
            starts[at] = (starts[at] || 0) + 1;
        }
        pitches.sort(function (a, b) { return a - b; });
        if (pitches[Math.floor(pitches.length / 2)] < BASS_BELOW) {
            return "bass";
        }
        var together = 0;
        for (var k = 0; k < notes.length; k++) {
            if (starts[String(Math.round(Number(notes[k][1]) * 1000))] >= 3) {
                together += 1;
            }
        }
        return together / notes.length >= CHORDAL_SHARE ? "chords" : "melody";
    }

    // The Role menu of a Cadenza device on the track (or null), and whether it holds a Drum Rack.
    function trackDevices(trackPath) {
        var out = {role: null, drumRack: false};
        var count = L.api(trackPath).getcount("devices");
        for (var i = 0; i < count; i++) {
            var path = trackPath + " devices " + i;
            var device = L.api(path);
            if (L.num(device, "can_have_drum_pads")) {
                out.drumRack = true;
            }
            if (!/cadenza/i.test(String(L.prop(device, "name")))) {
                continue;
            }
            for (var k = 0; k < device.getcount("parameters"); k++) {
                var param = L.api(path + " parameters " + k);
                if (String(L.prop(param, "name")) === "Role") {
                    var index = Math.round(L.num(param, "value"));
                    out.role = CadenzaUI.ROLES[index] || null;
                }
            }
        }
        return out;
    }

    // How long a clip plays before it repeats (its loop) or ends (its markers), in beats.
    function clipLength(clip) {
        return L.num(clip, "looping") ? L.num(clip, "loop_end") - L.num(clip, "loop_start") :
            L.num(clip, "end_marker") - L.num(clip, "start_marker");
    }

    // The wire notes a clip plays in its first `span` beats, as Live plays it: from the start
    // marker to the end (or to the loop end, then round the loop again and again).
    function played(clip, span) {
        var start = L.num(clip, "start_marker");
        var segments = []; // [from, to, at]: clip time [from, to) sounds from `at` beats on
        var lo = start;
        var hi;
        if (L.num(clip, "looping")) {
            var loopStart = L.num(clip, "loop_start");
            hi = L.num(clip, "loop_end");
            start = start < hi - EPS ? start : loopStart;
            lo = Math.min(start, loopStart);
            segments.push([start, hi, 0]);
            for (var at = hi - start; at < span - EPS && hi - loopStart > EPS; at += hi - loopStart) {
                segments.push([loopStart, hi, at]);
            }
        } else {
            hi = L.num(clip, "end_marker");
            segments.push([start, hi, 0]);
        }
        var raw = clip.call("get_notes_extended", 0, 128, lo, hi - lo);
        var list = ((typeof raw === "string" ? JSON.parse(raw) : raw) || {}).notes || [];
        var out = [];
        for (var s = 0; s < segments.length; s++) {
            var seg = segments[s];
            for (var i = 0; i < list.length; i++) {
                var n = list[i];
                var t = Number(n.start_time);
                var p = seg[2] + t - seg[0];
                if (t < seg[0] - EPS || t >= seg[1] - EPS || p >= span - EPS) {
                    continue;
                }
                var wire = CadenzaProtocol.wireNote({pitch: n.pitch, start_time: p, mute: n.mute, velocity: n.velocity,
                    duration: Math.min(Number(n.duration), seg[1] - t, span - p)});
                if (wire) {
                    out.push(wire);
                }
            }
        }
        return out;
    }

    function byTime(a, b) {
        return a[1] - b[1] || a[0] - b[0];
    }

    // The MIDI tracks other than `own`, in set order: {path, name, api}; muted ones are named in
    // skipped.muted.
    function otherTracks(own, skipped) {
        var out = [];
        var count = L.api("live_set").getcount("tracks");
        for (var i = 0; i < count; i++) {
            var path = "live_set tracks " + i;
            var track = L.api(path);
            if (path === own || !L.num(track, "has_midi_input")) {
                continue;
            }
            var name = String(L.prop(track, "name"));
            if (L.num(track, "mute")) {
                skipped.muted.push(name);
                continue;
            }
            out.push({path: path, name: name});
        }
        return out;
    }

    // Roles, the empty ones skipped, at most 8: [{slot, name, role, how, clip}] with the clips
    // `length` beats long, in the set's meter and tempo.
    function finish(found, length, context, skipped) {
        var tracks = [];
        for (var i = 0; i < found.length; i++) {
            var f = found[i];
            if (!f.notes.length) {
                skipped.empty.push(f.name);
                continue;
            }
            if (tracks.length === MAX_CONTEXT) {
                skipped.more.push(f.name);
                continue;
            }
            var devices = trackDevices(f.path);
            var role = devices.role || guessRole(f.name, f.notes, devices.drumRack);
            f.notes.sort(byTime);
            tracks.push({slot: "c" + (tracks.length + 1), name: f.name, role: role,
                how: devices.role ? "its Cadenza device" : "guessed",
                clip: {length: length, meter: context.meter, tempo: context.tempo, notes: f.notes}});
        }
        return {tracks: tracks, length: length, skipped: skipped};
    }

    // Session view: the other tracks' clips in scene `scene`, each played for the longest one's
    // length in whole bars (a shorter looping clip repeats, as Live plays it), at most 64 bars.
    function sceneContext(own, scene, context) {
        var skipped = {muted: [], empty: [], more: []};
        var found = [];
        var longest = 0;
        var tracks = otherTracks(own, skipped);
        for (var i = 0; i < tracks.length; i++) {
            var clip = L.midiClipIn(L.api(tracks[i].path + " clip_slots " + scene));
            if (clip) {
                tracks[i].clip = clip;
                longest = Math.max(longest, clipLength(clip));
                found.push(tracks[i]);
            }
        }
        var bars = Math.min(MAX_BARS, Math.max(1, Math.ceil(longest / context.beatsPerBar - EPS)));
        var length = bars * context.beatsPerBar;
        for (var k = 0; k < found.length; k++) {
            found[k].notes = played(found[k].clip, length);
        }
        return finish(found, length, context, skipped);
    }

    // Arrangement: the other tracks' clips overlapping [start, start + length) (song beats), cut
    // to it; a note that sounds into the range starts at its beginning.
    function rangeContext(own, start, length, context) {
        var skipped = {muted: [], empty: [], more: []};
        var end = start + length;
        var tracks = otherTracks(own, skipped);
        for (var i = 0; i < tracks.length; i++) {
            var notes = [];
            var ids = L.refIds(L.api(tracks[i].path).get("arrangement_clips"));
            for (var k = 0; k < ids.length; k++) {
                var clip = L.byId(ids[k]);
                var from = L.num(clip, "start_time");
                var to = L.num(clip, "end_time");
                if (!L.num(clip, "is_midi_clip") || from >= end - EPS || to <= start + EPS) {
                    continue;
                }
                var list = played(clip, to - from);
                for (var j = 0; j < list.length; j++) {
                    var on = Math.max(from + list[j][1], start);
                    var off = Math.min(from + list[j][1] + list[j][2], end, to);
                    if (off - on > EPS) {
                        notes.push([list[j][0], CadenzaProtocol.roundBeats(on - start),
                            CadenzaProtocol.roundBeats(off - on), list[j][3]]);
                    }
                }
            }
            tracks[i].notes = notes;
        }
        return finish(tracks, length, context, skipped);
    }

    // Band: this device's track (`own`, playing `ownRole`) and every MIDI track to its right
    // that holds a Cadenza device, with that device's Role, in set order: [{path, name, role}].
    function bandTracks(own, ownRole) {
        var out = [{path: own, name: String(L.prop(L.api(own), "name")), role: ownRole}];
        var count = L.api("live_set").getcount("tracks");
        for (var i = L.trackIndex(own) + 1; i < count; i++) {
            var path = "live_set tracks " + i;
            var track = L.api(path);
            if (!L.num(track, "has_midi_input")) {
                continue;
            }
            var role = trackDevices(path).role;
            if (role) {
                out.push({path: path, name: String(L.prop(track, "name")), role: role});
            }
        }
        return out;
    }

    // The scene Accompany reads in Session view: this track's highlighted slot, else its playing
    // slot, else the selected scene.
    function sceneOf(trackPath) {
        var slot = L.byId(L.refId(L.api("live_set view").get("highlighted_clip_slot")));
        var match = L.exists(slot) ? /^(live_set tracks \d+) clip_slots (\d+)$/.exec(slot.unquotedpath) : null;
        if (match && match[1] === trackPath) {
            return Number(match[2]);
        }
        var playing = L.num(L.api(trackPath), "playing_slot_index");
        return playing >= 0 ? playing : L.selectedSceneIndex();
    }

    // The Arrangement's loop brace, in song beats: {start, length}.
    function loopBrace() {
        var song = L.api("live_set");
        return {start: L.num(song, "loop_start"), length: L.num(song, "loop_length")};
    }

    return {
        MAX_CONTEXT: MAX_CONTEXT,
        MAX_BARS: MAX_BARS,
        guessRole: guessRole,
        played: played,
        sceneContext: sceneContext,
        rangeContext: rangeContext,
        sceneOf: sceneOf,
        bandTracks: bandTracks,
        loopBrace: loopBrace
    };
}());
