"""ONNX export, where tutorial code does ``import torch.onnx``: ``tinygrad_edu.onnx.export``.

``export(model, example_input, "model.onnx", input_names=..., output_names=...,
dynamic_axes=...)`` runs the model once, reads the recorded graph of that forward pass and
writes it as an ONNX model that ONNX Runtime (or any ONNX tool) can run. Each op of the graph
is written by a converter (``converters.py``); ``supported_ops()`` lists them. Needs the
``onnx`` package: ``pip install 'tinygrad_edu[onnx]'``.

Example (the file is written only when ``onnx`` is installed)::

    import tinygrad_edu as tg
    import tinygrad_edu.onnx
    model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 2))
    tinygrad_edu.onnx.export(model, tg.randn(1, 4), "mlp.onnx", input_names=["x"],
                             output_names=["scores"], dynamic_axes={"x": {0: "batch"}})
"""

from __future__ import annotations

# The modules of converters: importing one registers its converters (one line per module).
from . import (
    ops_basic,  # noqa: F401
    ops_conv,  # noqa: F401
    ops_sequence,  # noqa: F401
    ops_shape,  # noqa: F401
)
from .converters import CONVERTERS, ExportError, OpCall, converter, supported_ops
from .exporter import DEFAULT_OPSET, TrainingMode, export, is_in_onnx_export

#: torch's name for the error of the exporter
OnnxExporterError = ExportError

__all__ = ["CONVERTERS", "DEFAULT_OPSET", "ExportError", "OnnxExporterError", "OpCall",
           "TrainingMode", "converter", "export", "is_in_onnx_export", "supported_ops"]
