"""The PyTorch names tinygrad_edu does not have on purpose, each with its reason.

A user who reaches one of them (``tg.compile``, ``x.to_sparse()``, ``tg.fft``) gets an
``AttributeError`` that names it and says why, instead of a bare "has no attribute". A name
not listed here and not present gets the ordinary ``AttributeError`` (with a close match, when
there is one).

Two kinds of entries:

- ``UNSUPPORTED``: deliberately out of scope (no GPU, no graph compiler, no pickle, ...).
- ``PLANNED``: not built yet, with the work it belongs to.

``python -m tinygrad_edu.coverage`` reports both per namespace. The namespace keys are the
PyTorch ones: ``"torch"``, ``"Tensor"``, ``"nn"``, ``"nn.functional"``, ``"autograd"``, ...
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["PLANNED", "UNSUPPORTED", "explain", "missing_attribute"]

_NO_GPU = "tinygrad_edu computes on the CPU only (numpy and Numba); there is no GPU backend"
_EAGER = ("tinygrad_edu runs every op eagerly in Python; there is no graph compiler or tracer "
          "(the model runs unchanged without it)")
_NO_PICKLE = "tinygrad_edu never unpickles (a pickle file can run code); use tg.save/tg.load"
_REAL = "tinygrad_edu supports real dtypes only (bool, integers, floats); no complex numbers"
_NO_SPARSE = "tinygrad_edu stores dense arrays only; there are no sparse layouts"
_ONE_PROCESS = "tinygrad_edu trains in one process; there is no distributed or multi-GPU training"
_NO_QUANT = "tinygrad_edu computes in float32/float64; there is no quantization"
_NO_AMP = ("tinygrad_edu has no mixed precision: float16/bfloat16 are storage dtypes, compute "
           "runs in float32/float64")
_NO_DOWNLOAD = "tinygrad_edu never downloads code or weights at run time"
_NO_NAMED = "named tensors are a prototype feature of PyTorch that course code does not use"
_STORAGE = ("tinygrad_edu tensors own numpy arrays; there is no separate Storage object "
            "(use .numpy())")

_TORCH_INTERNAL = ("an implementation detail of PyTorch's own source (type annotations, "
                   "__torch_function__ dispatch, shared doc text), not an API for models")
_DATAPIPES = ("the legacy DataPipes (torchdata's, deprecated and removed upstream); use Dataset "
              "or IterableDataset with DataLoader")
_LOW_PRECISION_MM = ("low-precision (float8) and grouped matrix multiplies are GPU kernels; "
                     "tinygrad_edu multiplies float32/float64 matrices with numpy's BLAS")

UNSUPPORTED: dict[str, dict[str, str]] = {
    "torch": {
        "compile": _EAGER, "jit": _EAGER, "fx": _EAGER, "export": _EAGER, "vmap": _EAGER,
        "func": _EAGER, "cuda.amp": _NO_AMP, "amp": _NO_AMP, "autocast": _NO_AMP,
        "distributed": _ONE_PROCESS, "multiprocessing": _ONE_PROCESS,
        "hub": _NO_DOWNLOAD, "quantization": _NO_QUANT, "ao": _NO_QUANT,
        "quantize_per_tensor": _NO_QUANT, "sparse": _NO_SPARSE, "sparse_coo_tensor": _NO_SPARSE,
        "complex": _REAL, "complex64": _REAL, "complex128": _REAL, "cfloat": _REAL,
        "cdouble": _REAL, "view_as_complex": _REAL, "view_as_real": _REAL, "fft": _REAL,
        "polar": _REAL, "stft": _REAL, "istft": _REAL,
        "profiler": ("tinygrad_edu has no profiler; time a step with tg.train's history or "
                     "time.perf_counter"),
        "distributions": ("tinygrad_edu has no probability distributions package; sample with "
                          "tg.randn/tg.rand/tg.multinomial and write log-densities with ops"),
        "storage": _STORAGE, "UntypedStorage": _STORAGE, "TypedStorage": _STORAGE,
        "FloatStorage": _STORAGE,
        "use_deterministic_algorithms": ("tinygrad_edu's CPU ops are deterministic already; "
                                         "there is nothing to switch"),
    },
    "Tensor": {
        "is_sparse": _NO_SPARSE, "to_sparse": _NO_SPARSE,
        "to_dense": _NO_SPARSE, "coalesce": _NO_SPARSE, "indices": _NO_SPARSE,
        "values": _NO_SPARSE, "conj": _REAL, "real": _REAL, "imag": _REAL,
        "angle": _REAL, "share_memory_": _ONE_PROCESS, "is_shared": _ONE_PROCESS,
        "storage": _STORAGE, "untyped_storage": _STORAGE, "data_ptr": _STORAGE,
        "refine_names": _NO_NAMED, "rename": _NO_NAMED, "names": _NO_NAMED,
        "align_to": _NO_NAMED, "q_scale": _NO_QUANT, "dequantize": _NO_QUANT,
        "int_repr": _NO_QUANT, "record_stream": _NO_GPU,
    },
    "nn.functional": {
        **dict.fromkeys(["BroadcastingList1", "BroadcastingList2", "BroadcastingList3",
                         "ScalingType", "SwizzleType", "TYPE_CHECKING", "assert_int_or_pair",
                         "boolean_dispatch", "handle_torch_function", "has_torch_function",
                         "has_torch_function_unary", "has_torch_function_variadic",
                         "reproducibility_notes", "sparse_support_notes", "tf32_notes"],
                        _TORCH_INTERNAL),
        **dict.fromkeys(["grouped_mm", "scaled_grouped_mm", "scaled_mm"], _LOW_PRECISION_MM),
    },
    "optim": {
        "SparseAdam": _NO_SPARSE,
        "swap_in_optimizer_params_and_state": (
            "it swaps a distributed checkpoint's parameters into a live optimizer; in one "
            "process, load a state dict with optimizer.load_state_dict"),
    },
    "utils.data": {
        **dict.fromkeys(["DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe",
                         "functional_datapipe", "guaranteed_datapipes_determinism",
                         "non_deterministic", "runtime_validation",
                         "runtime_validation_disabled", "argument_validation"], _DATAPIPES),
        "_DatasetKind": _TORCH_INTERNAL,
    },
    "autograd": {
        "NestedIOFunction": ("the legacy Function API (instance methods, before static "
                             "forward/backward); subclass tinygrad_edu.autograd.Function"),
        "enforce_grad_layout_policy": ("gradients are contiguous numpy arrays; there is no "
                                       "stride layout policy to relax"),
        "set_multithreading_enabled": ("backward runs in the calling thread; there are no "
                                       "per-device worker threads to switch on or off"),
        "forward_ad": ("forward-mode AD (dual numbers) is not built; autograd.functional.jvp "
                       "gives Jacobian-vector products by the double-backward trick"),
    },
}

PLANNED: dict[str, dict[str, str]] = {
    "utils": {
        "checkpoint": "activation checkpointing (recomputing a block in backward)",
    },
}


def explain(namespace: str, name: str) -> str | None:
    """Why ``name`` is absent from ``namespace``, or None when it is not listed."""
    if name in UNSUPPORTED.get(namespace, {}):
        return f"is not supported: {UNSUPPORTED[namespace][name]}"
    if name in PLANNED.get(namespace, {}):
        return f"is not available yet: planned with {PLANNED[namespace][name]}"
    return None


def missing_attribute(namespace: str, owner: str, name: str, present: Iterable[str] = ()
                      ) -> AttributeError:
    """The error for ``owner.name`` that does not exist: the reason when listed, otherwise the
    ordinary message (Python's, for a module or an object) with a close match from ``present``.

    Example:
        >>> str(missing_attribute("torch", "tinygrad_edu", "compile")).split(":")[0]
        'tinygrad_edu.compile is not supported'
    """
    reason = explain(namespace, name)
    if reason is not None:
        return AttributeError(f"{owner}.{name} {reason}")
    message = (f"module {owner!r} has no attribute {name!r}" if "." in owner or owner.islower()
               else f"{owner!r} object has no attribute {name!r}")
    close = difflib.get_close_matches(name, [n for n in present if not n.startswith("_")], 1)
    if close:
        message += f"; did you mean {close[0]!r}?"
    return AttributeError(message)
