"""The evaluation section of a model card: one marked block, replaced on every `cadenza eval` run
and kept when a model is retrained, so the card's hand-written parts are never touched.

It lives with the engines (not in bridge.evaluation) because every family's card writer keeps the
block when it rewrites its card, and engines sit below evaluation: evaluation imports from here,
never the other way round.
"""

from __future__ import annotations

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
