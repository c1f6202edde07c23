"""The musical part of the model card's evaluation section (issue 10): the verdict line, the
musical columns per model against the real ceiling, the per-role summary with its verdicts, the
style model's recall and the issue's targets as pass/fail lines. report.py places these pieces."""

from __future__ import annotations

from bridge.evaluation.musical_compare import COLUMNS, summary_score

SHORT = {"tonality": "tonality", "key_match": "key match", "pc_entropy": "pc entropy", "pitches_used": "pitches",
         "pitch_range": "range", "repeated_notes": "repeats", "onset_position": "onsets", "duration": "durations",
         "on_grid": "on grid", "empty_beats": "empty beats", "groove": "groove", "drum_kit": "drum kit",
         "drum_pattern": "drum pattern", "backbeat": "backbeat", "bass_root": "bass roots", "structure": "structure",
         "velocity_spread": "velocity spread", "velocity_values": "velocity values"}
MAX_LISTED = 12  # failures listed per target line (eval.json has them all)
MARK = {True: "pass", False: "**FAIL**", None: "n/a"}


def _f(v, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _label(m: dict, first: bool) -> str:
    return f"**{m['name']}**" if first else m["name"] + (" (baseline)" if m["engine"] == "markov" else "")


def verdict_lines(result: dict) -> list[str]:
    """The line at the top of the section."""
    mus = result.get("musical")
    if not mus:
        return []
    v = mus.get("verdict")
    if v and v.get("overall"):
        return [f"**Verdict** (musical columns, against the Markov baseline): {v['overall']['line']}.", ""]
    return ["**Verdict**: no Markov baseline was evaluated beside this model, so there is no verdict.", ""]


def _cols(result: dict) -> list[str]:
    """The columns that apply somewhere in this run."""
    parts = [m["musical"]["overall"] for m in result["models"] if m.get("musical") and m["musical"]["overall"]]
    real = result["real"].get("musical", {}).get("overall")
    parts += [real] if real else []
    return [c.name for c in COLUMNS if any(p["columns"].get(c.name) is not None for p in parts)]


def _cell(part: dict, name: str, raw: bool) -> str:
    r, v = part["ratios"].get(name), part["columns"].get(name)
    if r is None:
        return "—"
    return f"{r:.2f} ({v:.2f})" if raw and v is not None else f"{r:.2f}"


def columns_table(result: dict) -> list[str]:
    cols = _cols(result)
    levels = {c.name for c in COLUMNS if c.kind == "level"}
    n = result["musical"]["min_style_clips"]
    head = ["model"] + [SHORT[c] for c in cols] + [f"style (≥ {n} test clips)", "summary score"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for i, m in enumerate(result["models"]):
        part = (m.get("musical") or {}).get("overall")
        if not part:
            continue
        style = part["style"]
        lines.append(f"| {_label(m, i == 0)} | " + " | ".join(_cell(part, c, c in levels) for c in cols)
                     + f" | {_f(style['ratio'])} ({style['styles']}) | {_f(part['score'])} |")
    real = result["real"].get("musical", {}).get("overall")
    if real:
        lines.append("| real (ceiling) | " + " | ".join(_f(real["columns"].get(c)) for c in cols)
                     + f" | {_f(real['style']['ratio'])} ({real['style']['styles']}) | {_f(real['score'])} |")
    return lines


def role_table(result: dict) -> list[str]:
    models = [m for m in result["models"] if m.get("musical")]
    v = result["musical"].get("verdict") or {}
    roles = sorted({r for m in models for r in m["musical"]["by_role"]})
    head = ["role", "groups (test clips)"] + [f"{m['name']} score" for m in models] + \
        [f"{m['name']} style" for m in models] + ["verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    real = {}
    for r in result["real"]["combos"]:
        g = real.setdefault(r["role"], [0, 0])
        g[0], g[1] = g[0] + 1, g[1] + r.get("test_clips", r["clips"])
    for role in roles:
        parts = [m["musical"]["by_role"].get(role) for m in models]
        scores = [_f(p["score"]) if p else "—" for p in parts]
        styles = [f"{_f(p['style']['ratio'])} ({p['style']['styles']})" if p else "—" for p in parts]
        line = (v.get("by_role") or {}).get(role, {}).get("line", "—")
        g = real.get(role, [0, 0])
        lines.append(f"| {role} | {g[0]} ({g[1]}) | " + " | ".join(scores + styles) + f" | {line} |")
    return lines


def style_lines(result: dict) -> list[str]:
    mus, m = result["musical"], result["models"][0]
    out = []
    info = mus.get("style_models") or {}
    if info:
        acc = "; ".join(f"{r}: {_f(i['accuracy'])} ({i['test_clips']} test clips, {len(i['classes'])} styles, "
                        f"fitted on {i['fit_clips']} train clips)" for r, i in sorted(info.items()))
        out.append(f"Style model (gradient-boosted trees per role, 4-bar windows) on real test clips: {acc}.")
    n = mus["min_style_clips"]
    by_role = (m.get("musical") or {}).get("by_role") or {}
    per = []
    for role, part in sorted(by_role.items()):
        groups = part["style"]["groups"] if part else []
        if groups:
            per.append(f"{role}: " + ", ".join(f"{g['style']} {_f(g['generated'])} / {_f(g['real'])}" for g in groups))
    out.append(f"Style recall of {m['name']}, generated / real, styles with ≥ {n} test clips: "
               + ("; ".join(per) if per else f"no style has ≥ {n} test clips with a real recall above 0") + ".")
    return out


def target_lines(result: dict) -> list[str]:
    out = []
    for t in result["musical"].get("targets", []):
        fails = t["failures"][:MAX_LISTED] + ([f"{len(t['failures']) - MAX_LISTED} more in eval.json"]
                                              if len(t["failures"]) > MAX_LISTED else [])
        more = f" Below target: {'; '.join(fails)}." if fails else ""
        out.append(f"- {MARK[t['passed']]}: {t['line']}.{more}")
    return out


def group_table(result: dict) -> list[str]:
    """Per model and group: its summary score, style recall and its three lowest columns."""
    lines = ["| model | style | role | score | style recall (gen / real) | lowest columns (ratio) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for m in result["models"]:
        for r in m["combos"]:
            mus = r.get("musical")
            if not mus:
                continue
            ratios = {k: v for k, v in mus["ratios"].items() if v is not None}
            low = ", ".join(f"{SHORT[k]} {v:.2f}" for k, v in sorted(ratios.items(), key=lambda kv: kv[1])[:3])
            lines.append(f"| {m['name']} | {r['style']} | {r['role']} | {_f(summary_score(ratios))} | "
                         f"{_f(r.get('style_recall'))} / {_f(r.get('style_recall_real'))} | {low} |")
    return lines


def section(result: dict) -> list[str]:
    """The "Musical columns" subsection (empty when the run had no musical part)."""
    if not result.get("musical"):
        return []
    return [
        "", "### Musical columns", "",
        "Each generated (style, role) group against the real test clips of that group (docs/EVAL.md). A cell is "
        "the ratio to the real-vs-real ceiling, capped to 0..1 and clip-weighted over groups (1.00: as real "
        "held-out music reaches); level columns add the raw value in parentheses; the real row gives the ceilings' "
        "raw values. Style: generated / real recall of the style model, capped at 1, with the number of styles "
        "counted. Summary score: the mean ratio over the columns.",
        "", *columns_table(result),
        "", "#### By role", "", *role_table(result),
        "", *style_lines(result),
        "", "#### Targets (issue 10)", "", *target_lines(result),
        "", "#### Musical columns by style and role", "", *group_table(result),
    ]
