"""`cadenza export --onnx`: write the default transformer as an ONNX decode graph."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "transformer"


@click.command(name="export")
@click.option("--onnx", "onnx_", is_flag=True, required=True, help="Export to ONNX (the only format so far).")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=DEFAULT_MODEL, show_default=True, help="A transformer model folder.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file [MODEL/model.onnx, or model-int8.onnx with --int8].")
@click.option("--int8", is_flag=True, help="Quantize the MatMul weights to int8 with ONNX Runtime.")
@click.option("--check/--no-check", default=True, show_default=True,
              help="Run a prompt through PyTorch and ONNX Runtime and report the largest logit difference.")
def export(onnx_, model_dir, out, int8, check):
    """Export a transformer model folder as an ONNX decode graph that ONNX Runtime runs.

    The graph maps tokens [batch, new] and each layer's cached keys and values
    [past, batch, heads, head_dim] to the next-token logits and the keys and values of the new
    positions, so it serves both prefill and decoding.

    \b
    Examples:
      cadenza export --onnx
      cadenza export --onnx --model models/transformer --out /tmp/cadenza.onnx --int8
    """
    from bridge.errors import CadenzaError
    import bridge.engines.decoding.vocab as V
    from bridge.engines.transformer.tools.export import export_onnx, parity
    from bridge.engines.transformer.weights import read_model

    try:
        model = read_model(model_dir)
    except (OSError, ValueError, KeyError, CadenzaError) as exc:
        raise click.ClickException(f"cannot read the model in {model_dir}: {exc}") from None
    out = out or model_dir / ("model-int8.onnx" if int8 else "model.onnx")
    path = export_onnx(model, out, int8=int8)
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB{', int8' if int8 else ''})")
    if check:
        prompt = [V.BOS, V.ROLE_OFFSET, V.STYLE_OFFSET, V.MOOD_ANY, V.KEY_ANY, V.meter_token("4/4"),
                  V.TEMPO_ANY, V.DENSITY_ANY, V.bars_token(4)]
        steps = [V.BAR, V.pos_token(0), V.VEL_OFFSET + 5, V.pitch_token(62), V.dur_token(12)]
        diff = parity(read_model(model_dir), path, prompt, steps)
        click.echo(f"max |logit difference| PyTorch vs ONNX Runtime: {diff:.2e}")
