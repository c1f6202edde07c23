"""Where a torch engine runs and trains: one rule for serving and training alike."""

from __future__ import annotations

import torch


def resolve_device(device: str | None = "auto") -> str:
    """"auto" (or None) is CUDA when torch sees a GPU, else the CPU; an explicit "cuda" without a
    GPU is refused rather than silently run on the CPU."""
    if device in ("auto", None):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for but torch sees no CUDA device")
    return device
