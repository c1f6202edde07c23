"use strict";
// A small in-memory Live set behind a fake LiveAPI, for running the device's JS outside Live.
//
// It models what the device touches: the song (tempo, meter, Live 12 scale, scenes, undo
// steps, song time), tracks with clip slots, Session and Arrangement clips with notes, the
// song view (highlighted slot, detail clip, selected scene) and the application view. Every
// call and every write is recorded. It is stricter than Live where strictness finds bugs:
// reading a property an object does not have throws, and so does create_clip on a full slot.

class LiveObject {
  constructor(live, type, props) {
    this.live = live;
    this.type = type;
    this.props = Object.assign({}, props || {});
    this.id = live.register(this);
    this.parent = null;
    this.childName = null; // "tracks 3", "clip", "view" ... relative to the parent
  }

  path() {
    if (this.fixedPath) return this.fixedPath;
    return `${this.parent.path()} ${this.childName}`;
  }
}

class FakeLive {
  constructor(options = {}) {
    this.objects = new Map();
    this.nextId = 1;
    this.calls = []; // {path, method, args, undoDepth}
    this.undoDepth = 0;
    this.undoSteps = 0;
    // Live's undo history as the user sees it. begin/end_undo_step are not in the documented
    // Max for Live Song API: with honoursUndoSteps false the fake ignores them, as Live may, and
    // every write is an entry of its own.
    this.honoursUndoSteps = options.honoursUndoSteps !== undefined ? options.honoursUndoSteps : true;
    this.history = []; // {what, writes}
    const version = options.version || [12, 1, 10];
    // Track.create_midi_clip exists from Live 12.1.10 on.
    const since = [12, 1, 10];
    const newer = version[0] !== since[0] ? version[0] > since[0] : version[1] !== since[1] ? version[1] > since[1] : version[2] >= since[2];
    this.canCreateArrangementClips = options.arrangementClips !== undefined ? options.arrangementClips : newer;
    this.app = this.root("live_app", "Application", {});
    this.app.version = version;
    this.appView = this.child(this.app, "view", new LiveObject(this, "Application.View", {
      focused_document_view: options.focused || "Session",
    }));
    const songProps = {
      tempo: options.tempo || 120, signature_numerator: options.numerator || 4,
      signature_denominator: options.denominator || 4, current_song_time: options.songTime || 0,
      loop_start: options.loopStart || 0, loop_length: options.loopLength || 16, // the Arrangement loop brace
    };
    if (version[0] >= 12) {
      Object.assign(songProps, {
        root_note: options.rootNote === undefined ? 2 : options.rootNote,
        scale_name: options.scaleName || "Minor",
        scale_intervals: options.scaleIntervals || [0, 2, 3, 5, 7, 8, 10],
        scale_mode: options.scaleMode === undefined ? 1 : options.scaleMode,
      });
    }
    this.song = this.root("live_set", "Song", songProps);
    this.song.tracks = [];
    this.song.scenes = [];
    this.songView = this.child(this.song, "view", new LiveObject(this, "Song.View", {}));
    this.highlighted = null;
    this.detail = null;
    this.selectedScene = 0;
    this.device = null;
    for (let i = 0; i < (options.scenes || 4); i++) this.addScene();
  }

  register(obj) {
    const id = this.nextId++;
    this.objects.set(id, obj);
    return id;
  }

  root(path, type, props) {
    const obj = new LiveObject(this, type, props);
    obj.fixedPath = path;
    return obj;
  }

  child(parent, name, obj) {
    obj.parent = parent;
    obj.childName = name;
    return obj;
  }

  addScene() {
    const scene = new LiveObject(this, "Scene", { name: "" });
    this.song.scenes.push(scene);
    this.reindex();
    for (const track of this.song.tracks) this.addSlot(track);
    return scene;
  }

  reindex() {
    this.song.scenes.forEach((s, i) => this.child(this.song, `scenes ${i}`, s));
    this.song.tracks.forEach((t, i) => {
      this.child(this.song, `tracks ${i}`, t);
      t.slots.forEach((s, j) => this.child(t, `clip_slots ${j}`, s));
      t.arrangement.forEach((c, j) => this.child(t, `arrangement_clips ${j}`, c));
      t.devices.forEach((d, j) => this.child(t, `devices ${j}`, d));
    });
  }

  addTrack({ name = "MIDI", midi = true, mute = false } = {}) {
    const track = new LiveObject(this, "Track", { name, has_midi_input: midi ? 1 : 0, mute: mute ? 1 : 0,
      playing_slot_index: -1 });
    track.slots = [];
    track.arrangement = [];
    track.devices = [];
    this.song.tracks.push(track);
    for (let i = 0; i < this.song.scenes.length; i++) this.addSlot(track);
    this.reindex();
    return track;
  }

  addSlot(track) {
    const slot = new LiveObject(this, "ClipSlot", {});
    slot.clip = null;
    track.slots.push(slot);
    this.reindex();
    return slot;
  }

  // The device sits on `track` (optionally inside a rack chain: the path just gets longer).
  placeDevice(track, { inRack = false } = {}) {
    const device = this.addDevice(track, { name: "Cadenza", params: { Role: 0 } });
    const index = track.devices.length - 1;
    track.devices.push(device);
    device.fixedPath = inRack ?
      `${track.path()} devices ${index} chains 0 devices 0` : `${track.path()} devices ${index}`;
    this.device = device;
    return device;
  }

  // A device on `track`: `params` ({"Role": 1}) become its DeviceParameters, after "Device On";
  // `drumPads` marks a Drum Rack (can_have_drum_pads).
  addDevice(track, { name = "Device", params = {}, drumPads = false } = {}) {
    const device = new LiveObject(this, "Device", { name, can_have_drum_pads: drumPads ? 1 : 0 });
    device.parameters = [["Device On", 1]].concat(Object.entries(params)).map(([pname, value], i) =>
      this.child(device, `parameters ${i}`, new LiveObject(this, "DeviceParameter", { name: pname, value })));
    track.devices.push(device);
    this.child(track, `devices ${track.devices.length - 1}`, device);
    return device;
  }

  makeClip(length, notes, props) {
    const clip = new LiveObject(this, "Clip", Object.assign({
      name: "", color: 0, is_midi_clip: 1, length, looping: 1, loop_start: 0, loop_end: length,
      start_marker: 0, end_marker: length,
    }, props || {}));
    clip.notes = [];
    clip.nextNoteId = 1;
    this.putNotes(clip, notes || []);
    return clip;
  }

  putNotes(clip, notes) {
    for (const n of notes) {
      clip.notes.push({
        note_id: clip.nextNoteId++, pitch: n.pitch, start_time: n.start_time, duration: n.duration,
        velocity: n.velocity === undefined ? 100 : n.velocity, mute: n.mute ? 1 : 0,
        probability: 1, velocity_deviation: 0, release_velocity: 64,
      });
    }
  }

  addClip(track, slotIndex, { length = 16, notes = [], name = "", props = {} } = {}) {
    const slot = track.slots[slotIndex];
    slot.clip = this.child(slot, "clip", this.makeClip(length, notes, Object.assign({ name }, props)));
    return slot.clip;
  }

  addArrangementClip(track, { start = 0, length = 16, notes = [], name = "" } = {}) {
    const clip = this.makeClip(length, notes, { name, start_time: start, end_time: start + length });
    track.arrangement.push(clip);
    track.arrangement.sort((a, b) => a.props.start_time - b.props.start_time);
    this.reindex();
    return clip;
  }

  // Selects the notes of `clip` for which `predicate(note)` holds (the user's selection in
  // the clip's note editor, which get_selected_notes_extended reports).
  selectNotes(clip, predicate) {
    clip.selected = new Set(clip.notes.filter(predicate).map((n) => n.note_id));
  }

  highlight(track, slotIndex) {
    this.highlighted = track.slots[slotIndex];
  }

  // ---- path resolution -------------------------------------------------------------------
  resolve(path) {
    const words = String(path).replace(/^"|"$/g, "").trim().split(/\s+/);
    let obj = null;
    let i = 0;
    if (words[0] === "id") {
      obj = this.objects.get(Number(words[1])) || null;
      i = 2;
    } else if (words[0] === "live_set") {
      obj = this.song;
      i = 1;
    } else if (words[0] === "live_app") {
      obj = this.app;
      i = 1;
    } else if (words[0] === "this_device") {
      obj = this.device;
      i = 1;
    }
    while (obj && i < words.length) {
      const word = words[i];
      const index = Number(words[i + 1]);
      if (word === "view") {
        obj = obj === this.song ? this.songView : obj === this.app ? this.appView : null;
        i += 1;
      } else if (word === "clip") {
        obj = obj.clip || null;
        i += 1;
      } else if (word === "canonical_parent") {
        obj = obj.parent;
        i += 1;
      } else {
        const list = { tracks: obj.tracks, scenes: obj.scenes, clip_slots: obj.slots,
          arrangement_clips: obj.arrangement, devices: obj.devices, parameters: obj.parameters }[word];
        obj = list && list[index] ? list[index] : null;
        i += 2;
      }
    }
    return obj;
  }

  // ---- property reads ----------------------------------------------------------------------
  read(obj, name) {
    if (obj === this.songView) {
      if (name === "highlighted_clip_slot") return ["id", this.highlighted ? this.highlighted.id : 0];
      if (name === "detail_clip") return ["id", this.detail ? this.detail.id : 0];
      if (name === "selected_scene") return ["id", this.song.scenes[this.selectedScene].id];
    }
    if (obj.type === "ClipSlot" && name === "has_clip") return [obj.clip ? 1 : 0];
    if (obj.type === "Track" && name === "arrangement_clips") {
      return [].concat(...obj.arrangement.map((c) => ["id", c.id]));
    }
    if (!(name in obj.props)) {
      throw new Error(`fake Live: ${obj.type} at "${obj.path()}" has no property ${name}`);
    }
    const value = obj.props[name];
    return Array.isArray(value) ? value.slice() : [value];
  }

  // ---- function calls ----------------------------------------------------------------------
  // One write to the set: an entry in Live's undo history, or part of the open undo step.
  recordWrite(obj, method) {
    const what = `${obj.type} ${method}`;
    if (this.honoursUndoSteps && this.undoDepth > 0) this.history[this.history.length - 1].writes.push(what);
    else this.history.push({ what, writes: [what] });
  }

  invoke(obj, method, args) {
    this.calls.push({ path: obj.path(), method, args, undoDepth: this.undoDepth });
    if (FakeLive.WRITES.includes(method)) this.recordWrite(obj, method);
    const handler = {
      "Application get_major_version": () => this.app.version[0],
      "Application get_minor_version": () => this.app.version[1],
      "Application get_bugfix_version": () => this.app.version[2],
      "Song begin_undo_step": () => {
        if (this.honoursUndoSteps && this.undoDepth === 0) this.history.push({ what: "undo step", writes: [] });
        this.undoDepth += 1; this.undoSteps += 1;
      },
      "Song end_undo_step": () => { this.undoDepth -= 1; },
      "Song create_scene": () => { this.addScene(); return ["id", this.song.scenes[this.song.scenes.length - 1].id]; },
      "ClipSlot create_clip": () => {
        if (obj.clip) throw new Error("fake Live: create_clip on a slot that holds a clip");
        obj.clip = this.child(obj, "clip", this.makeClip(Number(args[0]), []));
      },
      "Clip add_new_notes": () => {
        const spec = args[0];
        if (!spec || !Array.isArray(spec.notes)) throw new Error("fake Live: add_new_notes needs {notes: [...]}");
        for (const n of spec.notes) {
          for (const k of ["pitch", "start_time", "duration"]) {
            if (typeof n[k] !== "number") throw new Error(`fake Live: a note without a numeric ${k}`);
          }
        }
        this.putNotes(obj, spec.notes);
      },
      "Clip get_selected_notes_extended": () => {
        return JSON.stringify({ notes: obj.notes.filter((n) => obj.selected && obj.selected.has(n.note_id)) });
      },
      "Clip remove_notes_extended": () => {
        // Live deletes the notes that START in the area.
        const [fromPitch, span, fromTime, timeSpan] = args.map(Number);
        if (args.length !== 4 || args.some((a) => typeof a !== "number")) throw new Error("fake Live: remove_notes_extended needs 4 numbers");
        obj.notes = obj.notes.filter((n) => !(n.pitch >= fromPitch && n.pitch < fromPitch + span &&
          n.start_time >= fromTime && n.start_time < fromTime + timeSpan));
      },
      "Song create_midi_track": () => {
        const index = Number(args[0]);
        if (!(index >= -1 && index <= this.song.tracks.length)) throw new Error(`fake Live: create_midi_track index ${index} out of range`);
        const track = new LiveObject(this, "Track", { name: "MIDI", has_midi_input: 1, mute: 0, playing_slot_index: -1 });
        track.slots = [];
        track.arrangement = [];
        track.devices = [];
        this.song.tracks.splice(index === -1 ? this.song.tracks.length : index, 0, track);
        for (let i = 0; i < this.song.scenes.length; i++) this.addSlot(track);
        this.reindex();
        for (const t of this.song.tracks) for (const d of t.devices) {
          if (d.fixedPath) d.fixedPath = d.fixedPath.replace(/^live_set tracks \d+/, t.path());
        }
      },
      "Clip get_notes_extended": () => {
        const [fromPitch, span, fromTime, timeSpan] = args.map(Number);
        const notes = obj.notes.filter((n) => n.pitch >= fromPitch && n.pitch < fromPitch + span &&
          n.start_time >= fromTime && n.start_time < fromTime + timeSpan);
        return JSON.stringify({ notes });
      },
      "Track create_midi_clip": () => {
        if (!this.canCreateArrangementClips) {
          return undefined; // Max prints "no such function" and carries on
        }
        const [start, length] = args.map(Number);
        // Live replaces whatever the new clip covers: the device must never let that happen.
        obj.arrangement = obj.arrangement.filter((c) => {
          const overlaps = c.props.start_time < start + length && c.props.end_time > start;
          if (overlaps) this.overwritten = (this.overwritten || []).concat([c]);
          return !overlaps;
        });
        const clip = this.addArrangementClip(obj, { start, length });
        return ["id", clip.id];
      },
    }[`${obj.type} ${method}`];
    if (!handler) throw new Error(`fake Live: ${obj.type} has no function ${method}`);
    return handler();
  }

  // The LiveAPI class the device code sees.
  api(toRealm = (a) => a) {
    const live = this;
    const out = (v) => (Array.isArray(v) ? toRealm(v) : v);
    return class LiveAPI {
      constructor(a, b) {
        const path = typeof a === "string" ? a : b;
        this._obj = path ? live.resolve(path) : null;
      }
      get id() { return this._obj ? String(this._obj.id) : "0"; }
      get path() { return this._obj ? `"${this._obj.path()}"` : ""; }
      get unquotedpath() { return this._obj ? this._obj.path() : ""; }
      get type() { return this._obj ? this._obj.type : ""; }
      get(name) {
        if (!this._obj) throw new Error(`fake Live: get ${name} on an empty LiveAPI`);
        return out(live.read(this._obj, name));
      }
      set(name, value) {
        if (!this._obj) throw new Error(`fake Live: set ${name} on an empty LiveAPI`);
        live.calls.push({ path: this._obj.path(), method: `set ${name}`, args: [value], undoDepth: live.undoDepth });
        live.recordWrite(this._obj, `set ${name}`);
        this._obj.props[name] = value;
      }
      call(method, ...args) {
        if (!this._obj) throw new Error(`fake Live: call ${method} on an empty LiveAPI`);
        return out(live.invoke(this._obj, method, args));
      }
      getcount(child) {
        const list = { tracks: this._obj.tracks, scenes: this._obj.scenes, clip_slots: this._obj.slots,
          arrangement_clips: this._obj.arrangement, devices: this._obj.devices, parameters: this._obj.parameters }[child];
        if (!list) throw new Error(`fake Live: ${this._obj.type} has no list ${child}`);
        return list.length;
      }
    };
  }

  // Calls that changed something, for "the source is untouched" checks.
  writesTo(obj) {
    const path = obj.path();
    return this.calls.filter((c) => c.path === path && !/^get_/.test(c.method));
  }
}

// The functions that change the set (each is an undo entry in Live).
FakeLive.WRITES = ["create_scene", "create_midi_track", "create_clip", "add_new_notes", "create_midi_clip",
  "remove_notes_extended", "apply_note_modifications", "delete_clip", "duplicate_clip_to"];

module.exports = { FakeLive };
