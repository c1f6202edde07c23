"""The on-disk dataset format: compact numpy arrays plus a JSON manifest.

A dataset folder (e.g. ~/.local/share/cadenza/datasets/v1-permissive/) holds:
- `notes.npy`  int32 [n_notes, 4]: start_tick, duration_tick, pitch, velocity. Ticks are
  TICKS_PER_BEAT (12) per quarter note, clip-relative; notes of a clip are contiguous, sorted by
  (start, pitch).
- `clips.npy`  int32 [n_clips, len(CLIP_COLUMNS)]: one row per clip (one part of a piece, a
  window of whole bars), columns named in CLIP_COLUMNS.
- `manifest.json`: format version, the vocabularies (roles, styles, moods, splits), the pieces
  (id, source, path, title, style, licence), counts and build facts.

Transposition augmentation happens at training time; nothing on disk is transposed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bridge.music.clip import Clip
from bridge.music.theory import MODES, MOODS, ROLES, TICKS_PER_BEAT, Key, Meter
from bridge.music.ticks import ticks_to_notes

FORMAT = "cadenza-dataset"
FORMAT_VERSION = 1
SPLITS = ("train", "val", "test")
CLIP_COLUMNS = (
    "note_offset",  # first row in notes.npy
    "note_count",
    "piece",  # index into manifest["pieces"]
    "role",  # index into ROLES
    "style",  # index into manifest["styles"]
    "mood",  # index into MOODS
    "tonic",  # 0..11
    "mode",  # index into MODES
    "meter_num",
    "meter_den",
    "tempo",  # BPM, rounded
    "bars",
    "split",  # index into SPLITS
    "pitch_low",
    "pitch_high",
    "density_x100",  # notes per beat * 100
    "window",  # index of this window inside its part (0, 1, ...)
    "part",  # index of the part (track/voice) inside its piece
)
COL = {name: i for i, name in enumerate(CLIP_COLUMNS)}


@dataclass
class ClipRow:
    """One clip's labels, as the builder produces them (before packing)."""

    notes: np.ndarray  # int32 [n, 4] start_tick, duration_tick, pitch, velocity
    piece: int
    role: str
    style: str
    mood: str
    tonic: int
    mode: str
    meter_num: int
    meter_den: int
    tempo: float
    bars: int
    split: str
    window: int = 0
    part: int = 0


class Dataset:
    def __init__(self, folder: Path, notes: np.ndarray, clips: np.ndarray, manifest: dict):
        self.folder = Path(folder)
        self.notes = notes
        self.clips = clips
        self.manifest = manifest
        self.styles = tuple(manifest["styles"])

    @classmethod
    def load(cls, folder: str | Path) -> "Dataset":
        folder = Path(folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder} is not a {FORMAT} v{FORMAT_VERSION} folder")
        notes = np.load(folder / "notes.npy", allow_pickle=False)
        clips = np.load(folder / "clips.npy", allow_pickle=False)
        return cls(folder, notes, clips, manifest)

    def __len__(self) -> int:
        return len(self.clips)

    def indices(self, split: str | None = None) -> np.ndarray:
        if split is None:
            return np.arange(len(self.clips))
        return np.nonzero(self.clips[:, COL["split"]] == SPLITS.index(split))[0]

    def clip_notes(self, i: int) -> np.ndarray:
        row = self.clips[i]
        off, n = row[COL["note_offset"]], row[COL["note_count"]]
        return self.notes[off : off + n]

    def labels(self, i: int) -> dict:
        row = self.clips[i]
        return {
            "role": ROLES[row[COL["role"]]],
            "style": self.styles[row[COL["style"]]],
            "mood": MOODS[row[COL["mood"]]],
            "key": Key(int(row[COL["tonic"]]), MODES[row[COL["mode"]]]),
            "meter": Meter(int(row[COL["meter_num"]]), int(row[COL["meter_den"]])),
            "tempo": float(row[COL["tempo"]]),
            "bars": int(row[COL["bars"]]),
            "split": SPLITS[row[COL["split"]]],
            "piece": int(row[COL["piece"]]),
            "density": row[COL["density_x100"]] / 100.0,
        }

    def clip(self, i: int) -> Clip:
        lab = self.labels(i)
        notes = ticks_to_notes(self.clip_notes(i))
        length = lab["bars"] * lab["meter"].beats_per_bar
        return Clip(notes, length, lab["meter"], lab["tempo"], lab["key"], drums=lab["role"] == "drums")


def save_dataset(folder: str | Path, rows: list[ClipRow], manifest: dict) -> Dataset:
    """Pack rows into arrays and write the folder. `manifest` must hold "pieces" and "styles";
    vocabularies, counts and the format version are added here."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    styles = list(manifest["styles"])
    note_arrays, table = [], np.zeros((len(rows), len(CLIP_COLUMNS)), dtype=np.int32)
    offset = 0
    for i, r in enumerate(rows):
        n = np.asarray(r.notes, dtype=np.int32).reshape(-1, 4)
        beats = r.bars * Meter(r.meter_num, r.meter_den).beats_per_bar
        table[i] = (
            offset, len(n), r.piece, ROLES.index(r.role), styles.index(r.style), MOODS.index(r.mood),
            r.tonic, MODES.index(r.mode), r.meter_num, r.meter_den, round(r.tempo), r.bars,
            SPLITS.index(r.split), int(n[:, 2].min()) if len(n) else 0, int(n[:, 2].max()) if len(n) else 0,
            round(100 * len(n) / beats) if beats else 0, r.window, r.part,
        )
        note_arrays.append(n)
        offset += len(n)
    notes = np.concatenate(note_arrays) if note_arrays else np.zeros((0, 4), np.int32)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "ticks_per_beat": TICKS_PER_BEAT,
        "clip_columns": list(CLIP_COLUMNS),
        "roles": list(ROLES),
        "moods": list(MOODS),
        "modes": list(MODES),
        "splits": list(SPLITS),
        **manifest,
    }
    np.save(folder / "notes.npy", notes)
    np.save(folder / "clips.npy", table)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return Dataset(folder, notes, table, manifest)
