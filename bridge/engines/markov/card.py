"""MODEL_CARD.md for a trained Markov model: what it is, the data it saw (sources and licences),
its size and held-out loss. The evaluation section (`cadenza eval`) survives a retrain until the
next eval replaces it."""

from __future__ import annotations

from pathlib import Path

from bridge.engines.card import PLACEHOLDER, current_section, replace_section


def write_card(folder: Path, config: dict, summary: dict) -> Path:
    folder = Path(folder)
    card = folder / "MODEL_CARD.md"
    old_eval = current_section(card.read_text()) if card.exists() else None
    ds = config["dataset"]
    vl = summary.get("val_loss") or {}
    sources = "\n".join(
        f"| {s['source']} | {s['licence']} | {s['pieces']} |" for s in config.get("sources", [])
    ) or "| (none recorded) | | |"
    events = ", ".join(f"{r} {n:,}" for r, n in ds["events"].items())
    settings = ", ".join(f"{k} {v}" for k, v in config["settings"].items())
    pruned = ", ".join(f"{r} {m}" for r, m in config.get("min_count_used", {}).items())
    if config.get("min_count_val_loss"):
        pruned += " (chosen by val-split loss)"
    text = f"""# {folder.name}: the Markov baseline

A variable-order Markov (n-gram) model over note events, Cadenza's fast baseline. Each part is
two interpolated (Witten-Bell) n-gram streams: rhythm tokens (inter-onset ticks and held ticks in
the context of the position in the bar and the previous tokens) and content (melodic intervals in
the context of the key-relative pitch class and metric level; key-relative chord shapes; drum hit
sets by position in the bar). Conditioned on role, style, key (everything pitched is key-relative,
so every key works), meter, density and mood. Velocities come from per-style, per-metric-level
statistics of the data (an accent prior when the data carries flat velocities).

- Engine: `markov`, CPU, no quantization; tables are safetensors (no pickle), one file per role.
- Trained: {config['trained_at']} in {summary['seconds']:.1f} s with `cadenza train --engine markov`.
- Size: {summary['bytes'] / 2**20:.2f} MiB. Roles: {', '.join(config['roles'])}.
- Styles: {', '.join(config['styles'])}.
- Settings: {settings}. Pruning (min_count) per role: {pruned}.
- Held-out loss ({vl.get('split', 'val')} split): {vl.get('loss', 'n/a')} {vl.get('unit', '')}
  over {vl.get('events', 0):,} onsets.

## Data

Dataset `{ds['name']}`: {ds['train_clips']:,} training clips; onset groups per role: {events}.

| source | licence | pieces |
| --- | --- | --- |
{sources}

## Limits

A Markov chain has no long-range plan: phrases do not return to themes, and chords and melody
are generated independently. It is the yardstick the Transformer must beat.

"""
    card.write_text(replace_section(text, old_eval or PLACEHOLDER))
    return card
