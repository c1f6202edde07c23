"""The conditioned music Transformer engine (see docs/MODEL.md).

Only the engine class is exported here; torch is imported when this package is, so the registry
imports it lazily ("bridge.engines.transformer:TransformerEngine").
"""

from bridge.engines.transformer.engine import TransformerEngine

__all__ = ["TransformerEngine"]
