"""How every engine opens an ONNX Runtime session on the CPU: one rule, one place.

A decode step of Cadenza's small models is too little work to split across threads, so engines
run one thread by default (`cpu_threads` in a model's config.json), and with one thread the pool
must not spin-wait: on shared cores a spinning pool steals time from everyone else.
"""

from __future__ import annotations

from pathlib import Path


def ort_session(path: str | Path, threads: int = 1):
    """An InferenceSession of the graph at `path` on the CPU provider, with `threads` intra-op
    threads (0: the library's default), no spinning when one thread, every graph optimization."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    if threads == 1:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
