"""Counts for the manifest and the table `cadenza data stats` prints.

The counts are computed once at build time and stored in manifest.json, so `stats` reads
one JSON file and never the arrays.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from bridge.music.theory import MOODS, ROLES


def manifest_counts(rows, pieces: list[dict]) -> dict:
    """rows: ClipRow list; pieces: piece metas (with "split")."""
    def table():
        return defaultdict(lambda: {"pieces": 0, "clips": 0, "notes": 0, "bars": 0})

    by = {k: table() for k in ("source", "style", "role", "mood", "meter", "licence", "split")}
    style_role: dict[str, Counter] = defaultdict(Counter)
    pieces_with_clips: dict[str, set[int]] = defaultdict(set)
    total = {"pieces": len(pieces), "clips": len(rows), "notes": 0, "bars": 0}
    for r in rows:
        p = pieces[r.piece]
        n = len(r.notes)
        total["notes"] += n
        total["bars"] += r.bars
        keys = {"source": p["source"], "style": r.style, "role": r.role, "mood": r.mood,
                "meter": f"{r.meter_num}/{r.meter_den}", "licence": p["licence"], "split": r.split}
        for dim, key in keys.items():
            cell = by[dim][key]
            cell["clips"] += 1
            cell["notes"] += n
            cell["bars"] += r.bars
            pieces_with_clips[f"{dim}\0{key}"].add(r.piece)
        style_role[r.style][r.role] += 1
    for dim, tab in by.items():
        for key, cell in tab.items():
            cell["pieces"] = len(pieces_with_clips[f"{dim}\0{key}"])
    out = {dim: {k: dict(v) for k, v in sorted(tab.items())} for dim, tab in by.items()}
    out["total"] = total
    out["style_role_clips"] = {s: dict(c) for s, c in sorted(style_role.items())}
    return out


def _fmt(n: int) -> str:
    return f"{n:,}"


def format_table(manifest: dict) -> str:
    """A plain-text report of a dataset's manifest: totals, then one block per dimension."""
    c = manifest["counts"]
    t = c["total"]
    lines = [
        f"dataset {manifest.get('version', '?')}  licence filter: {manifest.get('licence_filter', '?')}  "
        f"builder v{manifest.get('builder_version', '?')}",
        f"pieces {_fmt(t['pieces'])}  clips {_fmt(t['clips'])}  notes {_fmt(t['notes'])}  bars {_fmt(t['bars'])}",
    ]
    order = {"role": list(ROLES), "mood": list(MOODS)}
    for dim in ("source", "licence", "split", "style", "role", "mood", "meter"):
        tab = c[dim]
        keys = [k for k in order.get(dim, []) if k in tab] or sorted(tab, key=lambda k: -tab[k]["clips"])
        width = max([len(dim)] + [len(k) for k in keys])
        lines.append("")
        header = f"{dim:<{width}}  {'pieces':>7} {'clips':>8} {'notes':>11} {'bars':>9}"
        if dim == "style":
            header += "  " + " ".join(f"{r:>6}" for r in ROLES)
        lines.append(header)
        for k in keys:
            cell = tab[k]
            line = (f"{k:<{width}}  {_fmt(cell['pieces']):>7} {_fmt(cell['clips']):>8} "
                    f"{_fmt(cell['notes']):>11} {_fmt(cell['bars']):>9}")
            if dim == "style":
                roles = c["style_role_clips"].get(k, {})
                line += "  " + " ".join(f"{_fmt(roles.get(r, 0)):>6}" for r in ROLES)
            lines.append(line)
    broken = manifest.get("broken_files") or []
    lines.append("")
    lines.append(f"broken files skipped: {len(broken)}")
    return "\n".join(lines)
