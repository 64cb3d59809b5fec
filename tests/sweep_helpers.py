"""A generated sweep of bad input over the public API, run on tinygrad_edu and PyTorch alike.

How a case is made:

1. **A base call.** For every public callable that PyTorch also has (``tg.*``, ``Tensor``
   methods, ``nn.functional``, ``linalg``, ``nn`` modules, ``optim`` constructors) the sweep
   looks for a call that works on both libraries: first an explicit row of ``BASE`` below, else
   the first of a few argument templates (``f(x)``, ``f(x, x)``, ``f(x, 1)``, ...) that both
   accept. That call is the known-good starting point.
2. **Mutations.** Each tensor argument of the base call is replaced by ``None``, a string, a
   list of strings, a tensor of another rank, an int or bool tensor, an empty tensor, and one
   full of NaN/Inf; each int argument by -1, 99, 2.5, ``True``, ``None`` and a string; each
   number keyword of a constructor by -1, NaN, a string and ``None``.
3. **The verdict.** Both libraries run the mutated call. Either both raise, our exception is an
   instance of torch's type and our message names the function, or both return, with equal
   results (NaN equal to NaN; only shapes for random functions and freshly initialised layers).

``classify`` names what went wrong; ``raw`` is an error that escaped from the inside of the
package (its message does not name the function: a numpy message, an ``AttributeError``, ...).
The whole sweep (about 7,700 calls) takes about half a minute, so every case runs every time.
"""

from __future__ import annotations

import inspect
import math
import os
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_edu as tg

PACKAGE = os.path.dirname(os.path.abspath(tg.__file__))


# ----------------------------------------------------------------------------- argument values
# A placeholder in a call template: ("T", shape, kind) is a tensor built in either library.

@dataclass(frozen=True)
class T:
    """A tensor placeholder: shape, kind ('float', 'int', 'bool', 'nan', 'pos', 'sq') ."""

    shape: tuple[int, ...]
    kind: str = "float"

    def build(self, lib: Any) -> Any:
        n = int(np.prod(self.shape)) if self.shape else 1
        base = (np.arange(n, dtype=np.float64) % 7 + 1) / 8  # 0.125 .. 0.875, no zeros
        if self.kind == "sq":  # a well-conditioned square matrix (or a batch of them)
            m = self.shape[-1]
            a = base.reshape(self.shape) * 0.1 + np.eye(m) * 2
            return lib.tensor(a.astype(np.float32))
        if self.kind == "nan":
            specials = np.array([np.nan, np.inf, -np.inf, 0.5])
            base = specials[np.arange(n) % 4]
        values = base.reshape(self.shape).astype(np.float32)
        if self.kind == "int":
            return lib.tensor((np.arange(n) % 2).reshape(self.shape).astype(np.int64))
        if self.kind == "bool":
            return lib.tensor((np.arange(n) % 2 == 0).reshape(self.shape))
        return lib.tensor(values)


@dataclass(frozen=True)
class P:
    """An optimizer's parameter list placeholder: one fresh parameter of two ones."""

    def build(self, lib: Any) -> Any:
        return [lib.nn.Parameter(lib.ones(2))]


X = T((2, 3))
SQ = T((3, 3), "sq")
V = T((3,))
IMG = T((1, 2, 4, 4))
SEQ = T((1, 2, 5))
LAB = T((2,), "int")


def build(value: Any, lib: Any) -> Any:
    """Turn placeholders (also inside lists and tuples) into the library's tensors."""
    if isinstance(value, T | P):
        return value.build(lib)
    if isinstance(value, list):
        return [build(v, lib) for v in value]
    if isinstance(value, tuple):
        return tuple(build(v, lib) for v in value)
    if isinstance(value, dict):
        return {k: build(v, lib) for k, v in value.items()}
    return value


# ----------------------------------------------------------------------------- a call

@dataclass
class Call:
    """One call: ``kind`` says how ``name`` is reached in each library."""

    kind: str  # "tg", "method", "F", "linalg", "module", "optim"
    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    fwd: tuple[Any, ...] = ()  # a module's forward arguments
    mutation: str = "base"

    @property
    def id(self) -> str:
        return f"{self.kind}.{self.name}[{self.mutation}]"

    def run(self, lib: Any) -> Any:
        args, kwargs = build(self.args, lib), build(self.kwargs, lib)
        if self.kind == "method":
            return getattr(args[0], self.name)(*args[1:], **kwargs)
        if self.kind == "module":
            module = getattr(lib.nn, self.name)(*args, **kwargs)
            if lib is not tg:
                _copy_parameters(module)
            return module(*build(self.fwd, lib))
        if self.kind == "optim":
            return getattr(lib.optim, self.name)(*args, **kwargs)
        return resolve(self.kind, self.name, lib)(*args, **kwargs)


_LAST_TORCH_MODULE: list[Any] = []
PARAMETERS_COPIED = [True]  # False after a module whose torch weights did not fit ours


def _copy_parameters(module: Any) -> None:
    """Remember torch's freshly built module: ours is given its weights (same init)."""
    _LAST_TORCH_MODULE[:] = [module]
    PARAMETERS_COPIED[0] = True


def resolve(kind: str, name: str, lib: Any) -> Callable[..., Any]:
    where = {"tg": lib, "F": lib.nn.functional, "linalg": lib.linalg}[kind]
    return getattr(where, name)


# ----------------------------------------------------------------------------- outcomes

@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    innermost: str = ""


def run(call: Call, lib: Any) -> Outcome:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if call.kind == "module" and lib is not tg:
                _LAST_TORCH_MODULE.clear()
            if lib is tg and call.kind == "module":
                return Outcome(_run_module_like_torch(call))
            return Outcome(call.run(lib))
        except Exception as exc:  # noqa: BLE001 - the sweep looks at every error
            tb = traceback.extract_tb(exc.__traceback__)
            return Outcome(error=exc, innermost=tb[-1].filename if tb else "")


def _run_module_like_torch(call: Call) -> Any:
    """Build our module, give it the parameters torch's module got, then run forward."""
    module = getattr(tg.nn, call.name)(*build(call.args, tg), **build(call.kwargs, tg))
    if _LAST_TORCH_MODULE:
        try:
            state = {k: tg.tensor(v.detach().numpy())
                     for k, v in _LAST_TORCH_MODULE[0].state_dict().items()}
            module.load_state_dict(state)
        except Exception:  # noqa: BLE001 - layouts may differ: then only shapes are compared
            PARAMETERS_COPIED[0] = False
    return module(*build(call.fwd, tg))


def to_numpy(value: Any) -> Any:
    """Results as nested tuples of numpy arrays / plain values, the same for both libraries."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        try:
            return np.asarray(value.detach().numpy())
        except TypeError:  # torch.bfloat16 has no numpy twin
            return np.asarray(value.detach().float().numpy())
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, list | tuple):
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, int | float | bool | complex | np.generic | type(None) | str):
        return value
    return type(value).__name__  # an optimizer, a generator, ...: compare the kind


# decompositions whose vectors are defined up to sign (each library's LAPACK call picks one)
SIGN_FREE = ("eigh", "eig", "svd")


def same_result(ours: Any, theirs: Any, shapes_only: bool, sign_free: bool = False) -> str:
    """'' when equal (with ``sign_free``: equal up to signs), else what differs."""
    a, b = to_numpy(ours), to_numpy(theirs)
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) != len(b):
            return f"{len(a)} results, torch {len(b)}"
        diffs = (same_result(x, y, shapes_only, sign_free) for x, y in zip(a, b, strict=True))
        return next((d for d in diffs if d), "")
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return f"shape {a.shape}, torch {b.shape}"
        if shapes_only or a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
            return ""
        a, b = a.astype(np.float64), b.astype(np.float64)
        if sign_free:
            a, b = np.abs(a), np.abs(b)
        if not np.allclose(a, b, rtol=1e-3, atol=1e-4, equal_nan=True):
            return f"values {a.ravel()[:4]}, torch {b.ravel()[:4]}"
        return ""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return ""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return "" if math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-4) else f"{a}, torch {b}"
    return "" if a == b or isinstance(a, str) else f"{a!r}, torch {b!r}"


# Python's and numpy's own words: a message with one of them escaped from inside the package,
# even when a front door put the function's name in front of it.
RAW_WORDS = ("object is not iterable", "not supported between instances", "has no attribute",
             "invalid literal for int()", "could not convert string to float",
             "unsupported operand type(s) for", "not all arguments converted",
             "argument must be a string", "cannot reshape array", "tuple index out of range",
             "list index out of range", "object is not subscriptable",
             "cannot be interpreted as an integer", "The numpy boolean", "must be real number",
             "object cannot be", "NoneType' object", "operands could not be broadcast")


def names_function(message: str, names: tuple[str, ...], module: bool = False) -> bool:
    """The message names the function: one of its names appears in the message's first line.

    A module may also speak through the functional it calls ("pad(): argument 'input' must be
    a Tensor" from ``nn.ZeroPad2d``), as PyTorch's modules do.
    """
    head = message.strip().splitlines()[0].lower() if message.strip() else ""
    if module and any(head.startswith((f"{f}:", f"{f}()", f"{f} ")) for f in FUNCTIONALS):
        return True
    return any(n.lower() in head for n in names)


FUNCTIONALS = tuple(n for n in tg.nn.functional.__all__ if n[0].islower())


# PyTorch's exception types that ours cannot subclass, and our twin of each: where torch raises
# one, ours must be an instance of the twin (``tg.linalg.LinAlgError`` is, like torch's, a
# RuntimeError).
TWIN_ERRORS: dict[str, type[BaseException]] = {"torch._C._LinAlgError": tg.linalg.LinAlgError}


def expected_error(theirs: BaseException) -> type[BaseException]:
    """The type our exception must be an instance of, where torch raised ``theirs``."""
    kind = type(theirs)
    return TWIN_ERRORS.get(f"{kind.__module__}.{kind.__qualname__}", kind)


def classify(call: Call, ours: Outcome, theirs: Outcome, names: tuple[str, ...],
             shapes_only: bool) -> str:
    """'' for a pass, else one word for the failure and a detail."""
    if ours.error is not None:
        msg = str(ours.error)
        raw = (not os.path.abspath(ours.innermost).startswith(PACKAGE)
               or not names_function(msg, names, call.kind == "module")
               or any(w in msg for w in RAW_WORDS)
               or isinstance(ours.error, AttributeError | ZeroDivisionError | RecursionError))
        # PyTorch's own text, word for word, is kept where a test holds us to it (the
        # optimizers' "Invalid learning rate: -1.0"), unless it is Python's words
        torchs_text = theirs.error is not None and msg == str(theirs.error) and isinstance(
            ours.error, type(theirs.error)) and not any(w in msg for w in RAW_WORDS)
        if raw and not torchs_text:
            return f"raw: {type(ours.error).__name__}: {msg[:120]}"
        if theirs.error is None:
            return f"refused (torch accepts): {type(ours.error).__name__}: {msg[:100]}"
        if not isinstance(ours.error, expected_error(theirs.error)):
            return (f"type: ours {type(ours.error).__name__}, torch "
                    f"{type(theirs.error).__name__}: {msg[:100]}")
        return ""
    if theirs.error is not None:
        return f"accepted (torch: {type(theirs.error).__name__}: {str(theirs.error)[:80]})"
    diff = same_result(ours.value, theirs.value, shapes_only, call.name in SIGN_FREE)
    return f"result: {diff}" if diff else ""


def signature_numbers(cls: Any) -> list[str]:
    """Keyword arguments of a constructor whose default is a plain number."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if isinstance(p.default, int | float)
            and not isinstance(p.default, bool)]


# ----------------------------------------------------------------------------- what is swept

# Callables left out of the sweep, each for a reason: they change global state (seeds, default
# dtype, threads, printing) or the file system, or they are not functions of tensors.
NOT_SWEPT = {
    "manual_seed", "seed", "set_rng_state", "get_rng_state", "set_default_dtype",
    "set_default_device", "set_num_threads", "set_printoptions", "set_grad_enabled", "save",
    "load", "no_grad", "enable_grad", "inference_mode", "Generator", "Size", "device", "dtype",
    "finfo", "iinfo", "missing_attribute", "Tensor", "Any", "backward", "register_hook",
    "retain_grad", "requires_grad_", "cuda", "cpu", "to", "type", "numpy", "tolist",
    "pin_memory", "apply_", "mutate", "data", "grad", "grad_fn", "is_grad_enabled",
    "is_inference_mode_enabled", "get_default_dtype", "get_default_device", "get_num_threads",
    "initial_seed", "detach_", "resize_", "is_tensor", "element_size", "storage_offset",
    "get_device", "LinAlgError", "NamedTuple", "run_shape", "promote_types", "can_cast",
    "result_type", "broadcast_shapes", "ndim", "shape", "requires_grad", "is_leaf",
    "retains_grad", "H", "T", "mT", "mH", "is_cpu", "is_cuda",
    # slow to build (seconds per call); tests/nn/test_transformer.py covers their bad input
    "Transformer", "TransformerDecoder", "TransformerEncoder", "LazyConvTranspose3d",
}

# Names whose results are random or uninitialised: only the shapes are compared.
RANDOM_WORDS = ("rand", "dropout", "bernoulli", "multinomial", "normal", "uniform", "empty",
                "exponential", "geometric", "cauchy", "random", "gumbel", "rrelu",
                "fractional", "transformer")  # transformer layers: dropout 0.1 by default

# Argument templates tried in order until one works on both libraries (the base call).
FUNC_TEMPLATES: list[tuple[Any, ...]] = [
    (X,), (SQ,), (X, X), (SQ, SQ), (X, 1), (X, 0), (SQ, 1), (V,), (V, V), (IMG,), (SEQ,),
    (X, X, X), (SQ, SQ, SQ), (X, X, 0.5), (X, 0.5), (X, LAB), (2, 3), (3,), (X, 1, 1),
    (X, (3, 2)), (X, [1, 0]), (SQ, 0, 1), (T((2, 3, 3)), T((2, 3, 3))),
]
METHOD_TEMPLATES: list[tuple[Any, ...]] = [
    (X,), (SQ,), (X, X), (SQ, SQ), (X, 1), (X, 0), (X, 0.5), (V, V), (X, 3, 2), (X, (3, 2)),
    (X, 1, 0), (X, X, X), (X, 0, 1), (IMG,), (X, 1, 2), (T((2, 1)), 2, 3),
]

# Explicit base calls where no template fits: name -> (args, kwargs).
BASE: dict[tuple[str, str], tuple[tuple[Any, ...], dict[str, Any]]] = {
    ("F", "conv1d"): ((SEQ, T((3, 2, 2))), {}),
    ("F", "conv2d"): ((IMG, T((3, 2, 2, 2))), {}),
    ("F", "conv_transpose1d"): ((SEQ, T((2, 3, 2))), {}),
    ("F", "conv_transpose2d"): ((IMG, T((2, 3, 2, 2))), {}),
    ("F", "max_pool1d"): ((SEQ, 2), {}),
    ("F", "max_pool2d"): ((IMG, 2), {}),
    ("F", "avg_pool1d"): ((SEQ, 2), {}),
    ("F", "avg_pool2d"): ((IMG, 2), {}),
    ("F", "adaptive_avg_pool2d"): ((IMG, 2), {}),
    ("F", "adaptive_max_pool2d"): ((IMG, 2), {}),
    ("F", "adaptive_avg_pool1d"): ((SEQ, 2), {}),
    ("F", "linear"): ((X, T((4, 3)), T((4,))), {}),
    ("F", "bilinear"): ((X, X, T((4, 3, 3))), {}),
    ("F", "embedding"): ((LAB, T((4, 3))), {}),
    ("F", "one_hot"): ((LAB,), {}),
    ("F", "cross_entropy"): ((X, LAB), {}),
    ("F", "nll_loss"): ((X, LAB), {}),
    ("F", "multi_margin_loss"): ((X, LAB), {}),
    ("F", "batch_norm"): ((X, T((3,)), T((3,))), {}),
    ("F", "layer_norm"): ((X, (3,)), {}),
    ("F", "group_norm"): ((IMG, 1), {}),
    ("F", "instance_norm"): ((IMG,), {}),
    ("F", "pad"): ((X, (1, 1)), {}),
    ("F", "interpolate"): ((IMG,), {"scale_factor": 2}),
    ("F", "pixel_shuffle"): ((T((1, 4, 2, 2)), 2), {}),
    ("F", "pixel_unshuffle"): ((IMG, 2), {}),
    ("F", "unfold"): ((IMG, 2), {}),
    ("F", "prelu"): ((X, T((1,))), {}),
    ("F", "scaled_dot_product_attention"): ((SEQ, SEQ, SEQ), {}),
    ("tg", "zeros"): ((2, 3), {}),
    ("tg", "ones"): ((2, 3), {}),
    ("tg", "full"): (((2, 3), 1.5), {}),
    ("tg", "arange"): ((5,), {}),
    ("tg", "linspace"): ((0, 1, 5), {}),
    ("tg", "logspace"): ((0, 1, 5), {}),
    ("tg", "eye"): ((3,), {}),
    ("tg", "randint"): ((0, 5, (2, 3)), {}),
    ("tg", "randperm"): ((5,), {}),
    ("tg", "cat"): (([X, X],), {}),
    ("tg", "stack"): (([X, X],), {}),
    ("method", "view"): ((X, 3, 2), {}),
    ("method", "expand"): ((T((1, 3)), 2, 3), {}),
    ("method", "repeat"): ((X, 2, 1), {}),
    ("method", "new_zeros"): ((X, (2, 3)), {}),
    ("method", "new_ones"): ((X, (2, 3)), {}),
    ("method", "new_full"): ((X, (2, 3), 1.5), {}),
    ("method", "new_empty"): ((X, (2, 3)), {}),
}

# nn modules: (constructor args, forward args); modules not here get a template search.
MODULES: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {
    "Linear": ((3, 4), (X,)),
    "Bilinear": ((3, 3, 4), (X, X)),
    "Conv1d": ((2, 3, 2), (SEQ,)),
    "Conv2d": ((2, 3, 2), (IMG,)),
    "ConvTranspose1d": ((2, 3, 2), (SEQ,)),
    "ConvTranspose2d": ((2, 3, 2), (IMG,)),
    "MaxPool1d": ((2,), (SEQ,)),
    "MaxPool2d": ((2,), (IMG,)),
    "AvgPool1d": ((2,), (SEQ,)),
    "AvgPool2d": ((2,), (IMG,)),
    "BatchNorm1d": ((3,), (X,)),
    "BatchNorm2d": ((2,), (IMG,)),
    "LayerNorm": ((3,), (X,)),
    "GroupNorm": ((1, 2), (IMG,)),
    "Embedding": ((4, 3), (LAB,)),
    "RNN": ((5, 4), (SEQ,)),
    "LSTM": ((5, 4), (SEQ,)),
    "GRU": ((5, 4), (SEQ,)),
    "RNNCell": ((3, 4), (X,)),
    "LSTMCell": ((3, 4), (X,)),
    "GRUCell": ((3, 4), (X,)),
    "CrossEntropyLoss": ((), (X, LAB)),
    "NLLLoss": ((), (X, LAB)),
    "MultiheadAttention": ((5, 1), (SEQ, SEQ, SEQ)),
    "PixelShuffle": ((2,), (T((1, 4, 2, 2)),)),
}
MODULE_TEMPLATES: list[tuple[Any, ...]] = [(), (3,), (2,), (3, 4), (2, 3), (1,), (3, 3)]
FORWARD_TEMPLATES: list[tuple[Any, ...]] = [
    (X,), (IMG,), (T((2, 3, 4)),), (T((2, 3, 4, 4)),), (X, X), (X, LAB), (T((1, 2, 4, 4, 4)),),
]


def public(namespace: Any, other: Any) -> list[str]:
    """Public callables of ``namespace`` that ``other`` (torch's twin) also has."""
    names = []
    for n in dir(namespace):
        obj = getattr(namespace, n, None)
        if (n.startswith("_") or n in NOT_SWEPT or not callable(obj) or inspect.isclass(obj)
                or inspect.ismodule(obj) or not hasattr(other, n)):
            continue
        names.append(n)
    return names


def both_work(call: Call, torch: Any) -> bool:
    theirs = run(call, torch)
    if theirs.error is not None:
        return False
    return run(call, tg).error is None


def find_base(kind: str, name: str, torch: Any) -> Call | None:
    """The first call of ``name`` both libraries accept."""
    if (kind, name) in BASE:
        args, kwargs = BASE[(kind, name)]
        call = Call(kind, name, args, kwargs)
        return call if both_work(call, torch) else None
    for args in METHOD_TEMPLATES if kind == "method" else FUNC_TEMPLATES:
        call = Call(kind, name, args)
        if both_work(call, torch):
            return call
    return None


def find_module_base(name: str, torch: Any) -> Call | None:
    if name in MODULES:
        ctor, fwd = MODULES[name]
        call = Call("module", name, ctor, fwd=fwd)
        return call if both_work(call, torch) else None
    for ctor in MODULE_TEMPLATES:
        for fwd in FORWARD_TEMPLATES:
            call = Call("module", name, ctor, fwd=fwd)
            if both_work(call, torch):
                return call
    return None


# ----------------------------------------------------------------------------- mutations

def tensor_mutations(t: T) -> dict[str, Any]:
    """Bad (or degenerate) stand-ins for one tensor argument."""
    return {
        "None": None, "str": "a", "list of str": ["a", "b"],
        "0-d": T(()), "rank+1": T((1, *t.shape)), "int tensor": T(t.shape, "int"),
        "bool tensor": T(t.shape, "bool"),
        "empty": T((0, *t.shape[1:]) if t.shape else (0,)), "nan/inf": T(t.shape, "nan"),
    }


INT_MUTATIONS: dict[str, Any] = {"-1": -1, "99": 99, "2.5": 2.5, "True": True, "None": None,
                                 "str": "a"}
NUMBER_MUTATIONS: dict[str, Any] = {"-1": -1.0, "nan": float("nan"), "str": "a", "None": None}


def _replace(seq: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    return (*seq[:i], value, *seq[i + 1:])


def mutations(base: Call) -> list[Call]:
    """Every mutated call of ``base``: each tensor and int argument in turn."""
    out: list[Call] = []

    def add(mutation: str, **changes: Any) -> None:
        fields = {"args": base.args, "kwargs": base.kwargs, "fwd": base.fwd, **changes}
        out.append(Call(base.kind, base.name, mutation=mutation, **fields))

    groups = [("args", base.args)] + ([("fwd", base.fwd)] if base.kind == "module" else [])
    for group, seq in groups:
        for i, a in enumerate(seq):
            if base.kind == "method" and group == "args" and i == 0:
                continue  # ``self`` is always a Tensor
            if isinstance(a, T):
                for label, bad in tensor_mutations(a).items():
                    add(f"{group}[{i}]={label}", **{group: _replace(seq, i, bad)})
            elif isinstance(a, int) and not isinstance(a, bool):
                for label, bad in INT_MUTATIONS.items():
                    add(f"{group}[{i}]={label}", **{group: _replace(seq, i, bad)})
            elif isinstance(a, P):
                for label, bad in {"None": None, "str": "a", "empty": [],
                                   "tensor": T((2,))}.items():
                    add(f"params={label}", args=_replace(seq, i, bad))
            elif isinstance(a, tuple) and all(isinstance(v, int) for v in a) and a:
                for label, bad in {"-1": -1, "2.5": 2.5}.items():
                    add(f"{group}[{i}] has {label}", **{group: _replace(seq, i, (*a[:-1], bad))})
    if base.kind in ("optim", "module"):
        cls = getattr(tg.optim if base.kind == "optim" else tg.nn, base.name)
        for kw in signature_numbers(cls):
            for label, bad in NUMBER_MUTATIONS.items():
                add(f"{kw}={label}", kwargs={**base.kwargs, kw: bad})
    return out


# ----------------------------------------------------------------------------- names and cases

# Functions implemented by another public one, whose message names that one (as PyTorch's do:
# torch's ``view`` and ``reshape`` errors both speak of the shape).
ALIASES: dict[str, tuple[str, ...]] = {
    "view": ("reshape",), "concat": ("cat",), "concatenate": ("cat",), "divide": ("div",),
    "true_divide": ("div",), "multiply": ("mul",), "subtract": ("sub",), "greater": ("gt",),
    "greater_equal": ("ge",), "less": ("lt",), "less_equal": ("le",), "not_equal": ("ne",),
    "absolute": ("abs",), "negative": ("neg",), "clip": ("clamp",), "ger": ("outer",),
    "swapaxes": ("transpose",), "swapdims": ("transpose",), "moveaxis": ("movedim",),
    "fix": ("trunc",), "arccos": ("acos",), "arcsin": ("asin",), "arctan": ("atan",),
    "arctan2": ("atan2",), "arccosh": ("acosh",), "arcsinh": ("asinh",),
    "arctanh": ("atanh",), "row_stack": ("vstack",), "sgn": ("sign",),
}


def names_of(call: Call) -> tuple[str, ...]:
    """The names a message may use for the function: its own, snake_case, without '_'."""
    import re

    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", call.name).lower()
    short = re.sub(r"(\d+d|_loss)$", "", snake)
    plain = call.name.rstrip("_")  # an in-place method may speak for its out-of-place twin
    return (call.name, snake, short, plain, *ALIASES.get(plain, ()))


def shapes_only(call: Call) -> bool:
    random = any(w in call.name.lower() for w in RANDOM_WORDS)
    return random or (call.kind == "module" and not PARAMETERS_COPIED[0])


def all_bases(torch: Any) -> tuple[list[Call], list[str]]:
    """Base calls for everything swept, and the names no base call was found for."""
    sources = [("tg", public(tg, torch)), ("F", public(tg.nn.functional, torch.nn.functional)),
               ("linalg", public(tg.linalg, torch.linalg))]
    seen = set(sources[0][1])
    methods = [n for n in public(tg.Tensor, torch.Tensor) if n not in seen]
    sources.append(("method", methods))
    bases, missing = [], []
    for kind, names in sources:
        for name in names:
            base = find_base(kind, name, torch)
            (bases.append(base) if base else missing.append(f"{kind}.{name}"))
    modules = [n for n in dir(tg.nn) if inspect.isclass(getattr(tg.nn, n)) and n not in NOT_SWEPT
               and hasattr(torch.nn, n) and issubclass(getattr(tg.nn, n), tg.nn.Module)]
    for name in sorted(modules):
        base = find_module_base(name, torch)
        (bases.append(base) if base else missing.append(f"module.{name}"))
    for name in sorted(n for n in dir(tg.optim) if inspect.isclass(getattr(tg.optim, n))
                       and hasattr(torch.optim, n) and n != "Optimizer"):
        call = Call("optim", name, (P(),), {"lr": 0.01} if name != "Adafactor" else {})
        (bases.append(call) if both_work(call, torch) else missing.append(f"optim.{name}"))
    return bases, missing


def verdict(call: Call, torch: Any) -> str:
    """Run one call on both libraries: '' for a pass, else what is wrong."""
    theirs = run(call, torch)
    ours = run(call, tg)
    return classify(call, ours, theirs, names_of(call), shapes_only(call))
