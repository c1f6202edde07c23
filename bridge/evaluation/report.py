"""Render an evaluation result (runner.evaluate) as the Markdown section of a model card."""

from __future__ import annotations

from bridge.evaluation import report_musical
from bridge.evaluation.accompany import section as accompany_section


def _f(v, digits: int = 2, pct: bool = False) -> str:
    if v is None:
        return "—"
    if pct:
        return f"{100 * v:.0f}%"
    return f"{v:.{digits}f}"


def _loss(vl) -> str:
    if not vl:
        return "n/a"
    if vl.get("loss") is None:
        return "n/a" + (f" ({vl['error']})" if vl.get("error") else "")
    unit = vl.get("unit", "")
    return f"{vl['loss']:.3f}" + (f" {unit}" if unit else "")


def _row(label: str, loss: str, o: dict, real_acc=None) -> str:
    acc = f"{_f(o.get('style_acc'))} / {_f(real_acc)}" if real_acc is not None or o.get("style_acc") is not None \
        else "—"
    copy = f"{_f(o.get('copy_mean'), 1)} / {o.get('copy_max') if o.get('copy_max') is not None else '—'}"
    return (f"| {label} | {loss} | {_f(o.get('key_adherence'))} | {_f(o.get('exact'), pct=True)} | {acc} | "
            f"{_f(o.get('pc_overlap'))} | {_f(o.get('rhythm_overlap'))} | {_f(o.get('distinct'))} | {copy} | "
            f"{_f(o.get('copy_share'), pct=True)} | {_f(o.get('ms_per_clip'), 1)} |")


HEAD = ("| model | validation loss | key adherence | bars & meter exact | style accuracy (generated / real) | "
        "pitch-class overlap | rhythm overlap | variation distinctness | longest copied run, notes (mean / max) | "
        "clips copying ≥ 16 notes | ms per clip |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
DETAIL_HEAD = ("| model | style | role | clips | key adherence | exact | style acc. (gen / real) | pc overlap | "
               "rhythm overlap | distinct | copied run (mean / max) | ≥ 16 |\n"
               "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def render(result: dict) -> str:
    s, ds = result["settings"], result["dataset"]
    real = result["real"]
    lines = [
        "## Evaluation",
        "",
        *report_musical.verdict_lines(result),
        f"Measured by `cadenza eval` on {result['date']} against dataset `{ds['name']}` "
        f"({ds['test_clips']:,} test clips, {ds['train_clips']:,} training clips) in {result['seconds']} s. "
        f"For every style and role with test clips, {s['n']} clips were generated ({s['variations']} variations "
        f"per request, {s['bars']} bars, the key, meter and tempo of real test clips, temperature "
        f"{s['temperature']}, no scale lock). Definitions: docs/EVAL.md.",
        "",
        HEAD,
    ]
    real_acc = real["overall"].get("style_acc")
    for i, m in enumerate(result["models"]):
        label = f"**{m['name']}** ({m['engine']}, {m['device']}, {m['quantization']})" if i == 0 else \
            f"{m['name']} ({m['engine']}{', baseline' if m['engine'] == 'markov' else ''})"
        lines.append(_row(label, _loss(m["val_loss"]), m["overall"], real_acc))
    ro = dict(real["overall"])
    lines.append(_row("real test clips (reference)", "—", {**ro, "style_acc": None}, real_acc))
    lines += [
        "",
        "The reference row scores real held-out clips the same way: their key adherence in their labelled key, "
        "the classifier's accuracy on them, val-against-test histogram overlap (the ceiling a model can reach) and "
        "how much of them already occurs in the training split.",
    ]
    if result.get("notes"):
        lines += [""] + [f"Note: {n}." for n in result["notes"]]
    for m in result["models"]:
        if m.get("warning"):
            lines += ["", f"**Warning ({m['name']})**: {m['warning']}."]
    if result.get("classifier_roles"):
        roles = "; ".join(f"{r}: {', '.join(c)}" for r, c in result["classifier_roles"].items())
        lines += ["", f"Style classifier classes by role: {roles}."]
    lines += report_musical.section(result)
    for m in result["models"]:
        lines += accompany_section(m.get("accompany"), m["name"])
    lines += ["", "### By style and role", "", DETAIL_HEAD]
    real_by = {(r["style"], r["role"]): r for r in real["combos"]}
    for m in result["models"]:
        for r in m["combos"]:
            ref_acc = real_by.get((r["style"], r["role"]), {}).get("style_acc")
            lines.append(
                f"| {m['name']} | {r['style']} | {r['role']} | {r['clips']} | {_f(r['key_adherence'])} | "
                f"{_f(r['exact'], pct=True)} | {_f(r['style_acc'])} / {_f(ref_acc)} | {_f(r['pc_overlap'])} | "
                f"{_f(r['rhythm_overlap'])} | {_f(r['distinct'])} | {_f(r['copy_mean'], 1)} / {r['copy_max']} | "
                f"{_f(r['copy_share'], pct=True)} |"
            )
    skipped = [f"{m['name']}: {k['style']} {k['role']} ({k['why']})" for m in result["models"] for k in m["skipped"]]
    if skipped:
        lines += ["", "Not evaluated: " + "; ".join(skipped) + "."]
    return "\n".join(lines) + "\n"


def summary_lines(result: dict) -> list[str]:
    """A short plain-text summary for the terminal."""
    out = []
    for m in result["models"] + [{"name": "real test clips", "overall": result["real"]["overall"], "val_loss": None}]:
        o = m["overall"]
        out.append(
            f"{m['name']:<18} loss {_loss(m.get('val_loss')):<12} key {_f(o.get('key_adherence'))}  "
            f"exact {_f(o.get('exact'), pct=True)}  style {_f(o.get('style_acc'))}  "
            f"pc {_f(o.get('pc_overlap'))}  rhythm {_f(o.get('rhythm_overlap'))}  "
            f"distinct {_f(o.get('distinct'))}  copy {_f(o.get('copy_mean'), 1)}/{o.get('copy_max')}  "
            f">=16 {_f(o.get('copy_share'), pct=True)}"
            + (f"  musical {_f(m['musical']['overall']['score'])}" if (m.get("musical") or {}).get("overall") else "")
        )
    mus = result.get("musical") or {}
    if (mus.get("verdict") or {}).get("overall"):
        out.append("verdict: " + mus["verdict"]["overall"]["line"])
    for t in mus.get("targets", []):
        out.append(f"target {report_musical.MARK[t['passed']].strip('*').lower()}: {t['line']}")
    return out
