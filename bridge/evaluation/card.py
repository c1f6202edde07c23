"""The evaluation section of a model card, as `cadenza eval` writes it.

The marked-block helpers live in bridge.engines.card (every engine family's card writer keeps
the block, and engines sit below evaluation); they are re-exported here for the eval side.
"""

from bridge.engines.card import BEGIN, END, PLACEHOLDER, current_section, replace_section, write_section

__all__ = ["BEGIN", "END", "PLACEHOLDER", "current_section", "replace_section", "write_section"]
