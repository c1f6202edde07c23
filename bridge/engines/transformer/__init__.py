"""The conditioned music Transformer engine (see docs/MODEL.md).

Only the engine class is exported here. Importing it needs no torch (the ONNX runtime serves on
numpy and onnxruntime); the torch runtimes, training and export import torch when used.
"""

from bridge.engines.transformer.engine import TransformerEngine

__all__ = ["TransformerEngine"]
