"""The evaluation section of a model card: one marked block, replaced on every `cadenza eval` run
and kept when a model is retrained, so the card's hand-written parts are never touched; and the
pieces every family's card writer shares (a Markdown table, the network table, the weights row,
the opening of the training paragraph, the data section, rewriting a card around its kept block).

It lives with the engines (not in bridge.evaluation) because every family's card writer keeps the
block when it rewrites its card, and engines sit below evaluation: evaluation imports from here,
never the other way round.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

BEGIN = "<!-- cadenza-eval:begin (written by `cadenza eval`; edits inside are replaced) -->"
END = "<!-- cadenza-eval:end -->"
PLACEHOLDER = "## Evaluation\n\nNot measured yet: run `cadenza eval <model folder>`.\n"


def current_section(text: str) -> str | None:
    """The text between the markers, or None when the card has no section."""
    a, b = text.find(BEGIN), text.find(END)
    if a < 0 or b < a:
        return None
    return text[a + len(BEGIN) : b].strip("\n") + "\n"


def replace_section(text: str, section: str) -> str:
    """`text` with the marked section replaced by `section` (appended when there is none)."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}\n"
    a, b = text.find(BEGIN), text.find(END)
    if a >= 0 and b > a:
        return text[:a] + block + text[b + len(END) :].lstrip("\n")
    return text.rstrip() + ("\n\n" if text.strip() else "") + block


def write_section(card: Path, section: str) -> None:
    """Replace the section in `card` (created when missing), atomically."""
    card = Path(card)
    text = card.read_text() if card.exists() else f"# {card.parent.name}\n"
    tmp = card.with_suffix(card.suffix + ".tmp")
    tmp.write_text(replace_section(text, section))
    os.replace(tmp, card)


def table(rows: list[tuple], head: tuple) -> str:
    """A Markdown table of `rows` under the column names `head`."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def network_section(rows: list[tuple]) -> list[str]:
    """The card's "## Network" lines: a two-column table of (what, how) rows."""
    return ["## Network", "", table(rows, ("", "")), ""]


def weights_row(cfg: dict) -> tuple:
    """The network table's row for the weight files, and how every family stores them."""
    return ("weights", ", ".join(cfg.get("weights", [])) + " (safetensors, fp32, each file <= 16 MiB)")


WALL_TIME = "Minutes are wall time on a machine whose 2 cores were shared with other work, not a speed measure."


def trained_for(t: dict, what: str) -> str:
    """The first sentence of a torch-trained card's training paragraph, from config.json's
    `training` record `t`: the device, threads, minutes and steps (totals over resumed runs), the
    batch (`what` a step holds, e.g. "band crops") and the config file."""
    return (f"Trained on **{str(t.get('device', '?')).upper()}** ({t.get('threads', '?')} torch thread(s), fp32) for "
            f"**{t.get('total_minutes', t.get('minutes'))} minutes** of wall time: "
            f"{t.get('total_steps', t.get('steps'))} steps of {t.get('batch_size')} {what}, "
            f"config `{t.get('config', '?')}`.")


def data_section(cfg: dict, data: dict, how: str = "") -> list[str]:
    """The card's "## Data" lines: the dataset, its clips and pieces (`how`: how clips were used,
    e.g. " (cut into 2-bar windows)"), the styles, and the sources and licences of the pieces."""
    out = ["## Data", "",
           f"Dataset `{data.get('dataset', '?')}`: {data.get('train_clips', '?')} training clips from "
           f"{data.get('train_pieces', '?')} pieces{how}, {data.get('val_clips', '?')} validation clips; "
           f"styles: {', '.join(cfg.get('styles', []))}.", ""]
    if data.get("sources"):
        out += [table(sorted(data["sources"].items()), ("source", "training pieces")), ""]
    if data.get("licences"):
        out += [table(sorted(data["licences"].items()), ("licence", "training pieces")), ""]
    return out


def rewrite_card(folder: Path, text: str) -> Path:
    """Write MODEL_CARD.md in `folder` as `text` followed by the card's evaluation block as it was
    (the placeholder when the card has none yet)."""
    card = Path(folder) / "MODEL_CARD.md"
    old = card.read_text() if card.exists() else ""
    a, b = old.find(BEGIN), old.find(END)
    block = old[a : b + len(END)] if a >= 0 and b > a else f"{BEGIN}\n{PLACEHOLDER.rstrip()}\n{END}"
    card.write_text(text.rstrip() + "\n\n" + block + "\n")
    return card


def write_folder_card(folder: Path, render, *args) -> Path:
    """Rewrite `folder`'s MODEL_CARD.md as `render(config.json, *args)`, keeping its evaluation block."""
    folder = Path(folder)
    return rewrite_card(folder, render(json.loads((folder / "config.json").read_text()), *args))
