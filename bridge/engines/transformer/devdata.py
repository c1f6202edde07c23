"""A small real dataset from music21's bundled corpus, for development and tests.

The project's corpus builder writes the real training set; this module exists so the transformer
can be trained and tested without it: Bach chorales (soprano as melody, bass as bass, all voices as
keys) and, optionally, O'Neill's / Ryan's folk tunes (ABC) as melody. Written with
bridge.data.dataset.save_dataset, so it is read exactly like the real thing.

    python -m bridge.engines.transformer.devdata OUT_DIR [--chorales N] [--folk N]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import zlib
from pathlib import Path

import numpy as np

from bridge.data.dataset import ClipRow, save_dataset
from bridge.data.labels import cut_window
from bridge.data.readers import parts_on_grid
from bridge.music.keys import key_of_ticks
from bridge.music.theory import Key, Meter, mood_from

log = logging.getLogger(__name__)
WINDOW_BARS = 8
LICENCES = {
    "bach": "public domain composition; music21 corpus encoding (BSD-3 licensed toolkit, no restriction statement)",
    "ryansMammoth": "public domain (Ryan's Mammoth Collection, 1883); music21 corpus ABC encoding",
    "oneills1850": "public domain (O'Neill's 1850, 1903); music21 corpus ABC encoding",
}


def _windows(notes: np.ndarray, meter: Meter, tempo: float, piece: int, role: str, style: str,
             split: str, part: int) -> list[ClipRow]:
    bar = meter.ticks_per_bar
    if len(notes) < 16 or meter.beats_per_bar < 1.5:  # odd parses (e.g. a 1/16 meter) are skipped
        return []
    n_bars = int(notes[:, 0].max()) // bar + 1
    rows = []
    for w, b0 in enumerate(range(0, n_bars, WINDOW_BARS)):
        b1 = min(n_bars, b0 + WINDOW_BARS)
        sel = cut_window(notes, b0 * bar, b1 * bar)
        if len(sel) < 4:
            continue
        bars = b1 - b0
        key = key_of_ticks(sel) or Key(0, "major")  # a window naming no key (flat pitch classes): C major
        npb = len(sel) / (bars * meter.beats_per_bar)
        rows.append(ClipRow(sel, piece, role, style, mood_from(key.mode, tempo, npb), key.tonic, key.mode,
                            meter.numerator, meter.denominator, tempo, bars, split, w, part))
    return rows


def _split(name: str) -> str:
    h = zlib.crc32(name.encode()) % 20
    return "val" if h == 0 else "test" if h == 1 else "train"


def _parts(parts) -> tuple[Meter, list[np.ndarray]]:
    """Notes of each part (bridge.data.readers, as the corpus builder reads them) and the meter
    the first bar line starts."""
    _, meters, notes = parts_on_grid(parts)
    _, num, den = meters[0]
    return Meter(num, den), [n for n, _ in notes]


def build(out: Path, chorales: int = 60, folk: int = 0) -> Path:
    from music21 import corpus

    rows, pieces = [], []
    paths = [p for p in corpus.getComposer("bach") if "bwv" in p.name][:chorales]
    for path in paths:
        try:
            score = corpus.parse(path)
        except Exception as exc:  # music21 raises many types on odd files
            log.warning("skipping %s: %s", path.name, exc)
            continue
        if len(score.parts) != 4:
            continue
        meter, voices = _parts(list(score.parts))
        split = _split(path.name)
        piece = len(pieces)
        pieces.append({"id": f"bach/{path.stem}", "source": "music21-corpus", "path": f"bach/{path.name}",
                       "title": path.stem, "style": "baroque-chorale", "licence": LICENCES["bach"]})
        tempo = 80.0
        rows += _windows(voices[0], meter, tempo, piece, "melody", "baroque-chorale", split, 0)
        rows += _windows(voices[3], meter, tempo, piece, "bass", "baroque-chorale", split, 3)
        allv = np.concatenate(voices)
        allv = allv[np.lexsort((allv[:, 2], allv[:, 0]))]
        rows += _windows(allv, meter, tempo, piece, "keys", "baroque-chorale", split, 4)
    for book in ("oneills1850", "ryansMammoth"):
        if folk <= 0:
            break
        for path in corpus.getComposer(book):
            if folk <= 0:
                break
            try:
                opus = corpus.parse(path)
            except Exception as exc:
                log.warning("skipping %s: %s", path.name, exc)
                continue
            for i, score in enumerate(getattr(opus, "scores", [opus])):
                if folk <= 0:
                    break
                try:
                    meter, (notes,) = _parts([score.parts[0] if score.parts else score])
                except Exception as exc:  # odd ABC tunes: skip, keep the rest
                    log.warning("skipping %s #%d: %s", path.name, i, exc)
                    continue
                name = f"{book}/{path.stem}#{i}"
                piece = len(pieces)
                pieces.append({"id": name, "source": "music21-corpus", "path": f"{book}/{path.name}",
                               "title": str(score.metadata.title if score.metadata else name),
                               "style": "irish-folk", "licence": LICENCES[book]})
                rows += _windows(notes, meter, 110.0, piece, "melody", "irish-folk",
                                 _split(name), 0)
                folk -= 1
    styles = sorted({p["style"] for p in pieces})
    manifest = {"name": f"music21-dev-{hashlib.sha1(str(len(rows)).encode()).hexdigest()[:6]}",
                "pieces": pieces, "styles": styles,
                "built_by": "bridge.engines.transformer.devdata", "licence_note": "see pieces[].licence"}
    save_dataset(out, rows, manifest)
    return Path(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--chorales", type=int, default=60)
    ap.add_argument("--folk", type=int, default=0)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    ds = build(a.out, a.chorales, a.folk)
    print(f"wrote {ds}")


if __name__ == "__main__":
    main()
