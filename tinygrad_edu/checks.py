"""Argument checks shared by the Tensor methods: dims, shapes, broadcasting and indices.

Each raises the exception type PyTorch raises for the same mistake, with a message that names
the op, what it got and what it expected.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np

from .dtypes import promote


def broadcast_shape(name: str, a: tuple[int, ...], b: tuple[int, ...], into: bool = False
                     ) -> tuple[int, ...]:
    """np.broadcast_shapes with PyTorch's error type and a message naming the op."""
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        shape = None
    if shape is None or (into and shape != b):
        for i in range(1, max(len(a), len(b)) + 1):
            na = a[-i] if i <= len(a) else 1
            nb = b[-i] if i <= len(b) else 1
            if na != nb and 1 not in (na, nb) or into and na != nb and na != 1:
                raise RuntimeError(
                    f"{name}: the size of tensor a ({na}) must match the size of tensor b ({nb}) "
                    f"at non-singleton dimension {max(len(a), len(b)) - i}; shapes {a} and {b} "
                    "do not broadcast")
        raise RuntimeError(f"{name}: shape {a} cannot be expanded to {b}")
    return shape


def dim_index(dim: Any, ndim: int, name: str) -> int:
    """Normalise one dim index, with PyTorch's IndexError for dims out of range."""
    n = max(ndim, 1)
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n if ndim else 0


def dims_tuple(dim: Any, ndim: int, name: str) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, an int, or a sequence of ints) to a sorted tuple or None."""
    if dim is None:
        return None
    items = dim if isinstance(dim, list | tuple) else (dim,)
    dims = tuple(sorted(dim_index(d, ndim, name) for d in items))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{name}: dim {dim} appears multiple times in the list of dims")
    if ndim == 0:
        return None
    return dims


def reduction_dims(dim: Any, ndim: int, name: str) -> tuple[int, ...] | None:
    """``dims_tuple`` for the reductions, where an empty list of dims means every dim, as in
    PyTorch: ``x.sum(dim=[])`` is ``x.sum()`` (``any``/``all`` read it as no dim at all)."""
    if isinstance(dim, list | tuple) and len(dim) == 0:
        return None
    return dims_tuple(dim, ndim, name)


def shape_arg(shape: tuple[Any, ...], name: str = "reshape", arg: str = "shape"
              ) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike; anything but ints is torch's TypeError.

    A bool after the first size is an int, as in PyTorch (its parser checks the type of the
    first element only and converts the others with ``int()``): ``zeros(2, True)`` is
    ``zeros(2, 1)``, ``zeros(True, 2)`` a TypeError.
    """
    if len(shape) == 1 and isinstance(shape[0], list | tuple):
        shape = tuple(shape[0])
    for i, s in enumerate(shape):
        if isinstance(s, bool) and i == 0 or not hasattr(s, "__index__"):  # ints, int tensors
            raise TypeError(f"{name}(): argument '{arg}' must be tuple of ints, but found "
                            f"element of type {type(s).__name__} ({s!r})")
    return tuple(int(s) for s in shape)


def index_key(key: Any, shape: tuple[int, ...], name: str = "getitem") -> Any:
    """Check an index (Tensors already turned into arrays) against the shape; lists become
    arrays."""
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for k in parts:
        if isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, str | bytes | float | dict | set):
            raise IndexError(f"{name}: only integers, slices (`:`), ellipsis (`...`), None and "
                             f"integer or bool tensors are valid indices, got {k!r}")
        if isinstance(k, np.ndarray) and k.dtype.kind not in "biu":
            raise IndexError(f"{name}: tensors used as indices must be long, int or bool, got "
                             f"{k.dtype}")
        if isinstance(k, np.ndarray) and k.dtype == np.uint8:  # PyTorch: a (deprecated) mask
            warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                          "dtype torch.bool instead.", UserWarning, stacklevel=4)
            k = k.astype(bool)
        out.append(k)
    _check_index(out, shape, name)
    return tuple(out) if isinstance(key, tuple) else out[0]


def _is_mask(k: Any) -> bool:
    return isinstance(k, np.ndarray) and k.dtype == bool


def _dims_used(k: Any) -> int:
    """How many dims of the indexed tensor one index entry consumes."""
    if k is None or k is Ellipsis:
        return 0
    return k.ndim if _is_mask(k) else 1


def _check_index(parts: list[Any], shape: tuple[int, ...], name: str) -> None:
    """IndexError naming the dim and size for out-of-range integer indices."""
    used = sum(_dims_used(k) for k in parts)
    if used > len(shape):
        raise IndexError(f"{name}: too many indices for tensor of dimension {len(shape)} "
                         f"(got {used})")
    dim = 0
    for i, k in enumerate(parts):
        if k is Ellipsis:
            dim = len(shape) - sum(_dims_used(k2) for k2 in parts[i + 1:])
        elif _is_mask(k):
            if k.shape != shape[dim:dim + k.ndim]:
                raise IndexError(f"{name}: the shape of the mask {k.shape} does not match the "
                                 f"shape {shape[dim:dim + k.ndim]} of the indexed dims")
        elif isinstance(k, int | np.integer | np.ndarray):
            size, arr = shape[dim], np.asarray(k)
            if arr.size and (arr.max() >= size or arr.min() < -size):
                bad = arr.max() if arr.max() >= size else arr.min()
                raise IndexError(f"{name}: index {bad} is out of bounds for dimension {dim} "
                                 f"with size {size} (tensor shape {shape})")
        dim += _dims_used(k)


def split_int_index(key: Any) -> tuple[Any, Any]:
    """Split ``x[ints and index arrays]`` into ``x[ints][arrays]``, PyTorch's order.

    numpy treats an int next to an index array as one more index array (and may move the
    result's dims to the front); PyTorch applies the ints first. Returns ``(key, None)`` when
    no split is needed.
    """
    parts = key if isinstance(key, tuple) else (key,)
    has_int = any(isinstance(k, int | np.integer) for k in parts)
    has_array = any(isinstance(k, np.ndarray) and not _is_mask(k) for k in parts)
    if not (has_int and has_array):
        return key, None
    first = tuple(k if isinstance(k, int | np.integer) or k is None or k is Ellipsis
                  else (slice(None),) * _dims_used(k) for k in parts)
    first = tuple(x for k in first for x in (k if isinstance(k, tuple) else (k,)))
    rest = tuple(slice(None) if k is None else k for k in parts
                 if not isinstance(k, int | np.integer))
    return first, rest


def check_scalar(value: Any, arg: str, name: str) -> None:
    """PyTorch's TypeError naming the function unless ``value`` is a Number (bools, ints,
    floats, complex, numpy scalars) or a one-element array or tensor."""
    if isinstance(value, bool | int | float | complex | np.number | np.bool_):
        return
    if getattr(value, "ndim", None) == 0 and getattr(value, "dtype", None) is not None and \
            getattr(value.dtype, "kind", "O") in "biufc":
        return
    raise TypeError(f"{name}(): argument '{arg}' must be Number, not {type(value).__name__}")


def check_number(value: Any, arg: str, name: str) -> None:
    """TypeError naming the function unless ``value`` is a real number (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name}: argument '{arg}' must be a number, got {value!r}")


def int_tuple(value: Any, n: int, name: str, arg: str) -> tuple[int, ...]:
    """An int or a sequence of one or ``n`` ints, as an ``n``-tuple (PyTorch's rule for the
    (D,) H, W arguments of convolutions and poolings).

    TypeError for anything that is not an int, RuntimeError for a sequence of another length;
    the caller checks the range (PyTorch's messages differ per argument).
    """
    items = tuple(value) if isinstance(value, list | tuple) else (value,)
    words = {2: "two", 3: "three"}.get(n, str(n))
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name}: {arg} must be an int or a tuple of {words} ints, got "
                            f"{value!r}")
    if len(items) not in (1, n):
        raise RuntimeError(f"{name}: {arg} must either be a single int, or a tuple of {words} "
                           f"ints, got {value!r}")
    return tuple(int(items[0 if len(items) == 1 else i]) for i in range(n))


def pair(value: Any, name: str, arg: str) -> tuple[int, int]:
    """``int_tuple`` for the (H, W) arguments."""
    return int_tuple(value, 2, name, arg)  # type: ignore[return-value]


def check_floating(dtype: Any, message: str) -> None:
    """PyTorch's error for an op that has no integer or bool kernel, unless ``dtype`` (ours or
    numpy's) is a floating dtype.

    PyTorch raises NotImplementedError there ("... not implemented for 'Long'"); it is a
    RuntimeError, so code that catches RuntimeError still catches it.
    """
    if getattr(dtype, "kind", None) != "f":
        raise NotImplementedError(message)


def check_size(value: Any, name: str, arg: str) -> int:
    """A layer's size argument (features, channels, groups): an int (bools are not), >= 0.

    TypeError for another type and RuntimeError for a negative size, PyTorch's types for the
    same mistakes ("Trying to create tensor with negative dimension"), with the layer and the
    argument named.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: {arg} must be an int, got {value!r}")
    if value < 0:
        raise RuntimeError(f"{name}: {arg} must be >= 0 (it is a tensor dimension), got {value}")
    return int(value)


def int_arg(value: Any, name: str, arg: str) -> int:
    """An int argument (``chunks``, ``k``, ``n``; an int tensor of one element will do):
    PyTorch's TypeError for anything else, bools included."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name}(): argument '{arg}' must be int, not {type(value).__name__}")
    return int(value.__index__())


def size_arg(shape: tuple[Any, ...], name: str, arg: str = "size") -> tuple[int, ...]:
    """``shape_arg`` for the size of a new tensor: no negative entries (PyTorch's
    RuntimeError "Trying to create tensor with negative dimension")."""
    sizes = shape_arg(shape, name, arg)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{name}: trying to create tensor with negative dimension: "
                           f"{list(sizes)}")
    return sizes


def layer_size(value: Any, name: str, arg: str, *, least: int = 0,
               error: type[Exception] = RuntimeError, bool_ok: bool = True,
               compare_first: bool = False) -> int:
    """A layer's size hyperparameter (features, hidden size, layers, heads) as an int.

    PyTorch's types for the mistakes, with the layer and the argument named:

    - TypeError for a value that is not an int. A bool is an int (True is 1), except where
      ``bool_ok`` is False: PyTorch's tensor constructors refuse a bool as the *first* size of
      a new tensor, so a size that becomes a weight's first dimension may not be a bool.
    - ``error`` for a size below ``least``: RuntimeError for a negative tensor dimension
      (PyTorch's "Trying to create tensor with negative dimension"), ValueError where the
      layer checks the value itself ("must be greater than zero").
    - ``compare_first``: a number of the wrong type (``-1.0``) is compared with ``least``
      before its type is checked, PyTorch's order where the layer compares before it creates
      a tensor (``num_layers``, ``proj_size``); NaN compares as not too small.
    """
    def too_small() -> Exception:
        return error(f"{name}: {arg} must be >= {least}, got {value!r}")

    if compare_first and isinstance(value, int | float | np.integer | np.floating) and \
            value < least:
        raise too_small()
    if not isinstance(value, int | np.integer):
        raise TypeError(f"{name}: {arg} must be an int, got {value!r}")
    if value < least:
        raise too_small()
    if isinstance(value, bool) and not bool_ok:
        raise TypeError(f"{name}: {arg} must be an int, not a bool, got {value!r}")
    return int(value)


def is_real(value: Any) -> bool:
    """A real number: a Python or numpy int or float (bools are ints)."""
    return isinstance(value, int | float | np.integer | np.floating)


def check_divisible(name: str, groups_arg: str, groups: Any, sizes: dict[str, Any]) -> None:
    """PyTorch's checks of a layer's group count against the sizes it divides (a convolution's
    channels, GroupNorm's channels), made before the sizes are known to be ints.

    TypeError when a value is not a number; ValueError when a size (2.5 channels, or any size
    for NaN groups) is not a multiple of ``groups``. The caller then checks that each is an int
    (``check_size``), as PyTorch's tensor creation does.
    """
    for arg, value in ((groups_arg, groups), *sizes.items()):
        if not is_real(value):
            raise TypeError(f"{name}: {arg} must be an int, got {value!r}")
    for arg, value in sizes.items():
        if groups != 0 and float(value) % float(groups) != 0:  # NaN: never a multiple
            raise ValueError(f"{name}: {arg} ({value}) must be divisible by {groups_arg} "
                             f"({groups})")


def int_items(value: Any, name: str, arg: str, none_entries: bool = False) -> tuple[Any, ...]:
    """An int or a sequence of ints (a size argument of any length) as a tuple: PyTorch's
    TypeError for anything else, bools included. With ``none_entries`` a sequence may hold
    None (an adaptive pooling's "keep the input's size")."""
    seq = isinstance(value, list | tuple)
    items = tuple(value) if seq else (value,)
    for v in items:
        if v is None and none_entries and seq:
            continue
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            extra = " (or None entries)" if none_entries else ""
            raise TypeError(f"{name}: {arg} must be an int or a tuple of ints{extra}, got "
                            f"{value!r}")
    return items


def count_arg(value: Any, name: str, arg: str) -> int:
    """An int that counts something (``eye``'s n, ``linspace``'s steps, ``randperm``'s n):
    ``int_arg``'s TypeError for another type, RuntimeError for a negative count (PyTorch's
    types for the two mistakes)."""
    n = int_arg(value, name, arg)
    if n < 0:
        raise RuntimeError(f"{name}: {arg} must be non-negative, got {n}")
    return n


def pad_arg(pad: Any, ndim: int, name: str = "pad") -> list[int]:
    """``F.pad``'s ``pad``: a sequence of ints (bools count as 0 and 1, as in PyTorch) of even
    length, at most two per dim of the input. TypeError for anything else in it, RuntimeError
    for a bad length: PyTorch's types."""
    if not isinstance(pad, list | tuple):
        raise TypeError(f"{name}(): argument 'pad' must be tuple of ints, not "
                        f"{type(pad).__name__}")
    for p in pad:
        if not hasattr(p, "__index__"):
            raise TypeError(f"{name}(): argument 'pad' must be tuple of ints, but found element "
                            f"of type {type(p).__name__} ({p!r})")
    if len(pad) % 2:
        raise RuntimeError(f"{name}: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"{name}: padding length should be less than or equal to two times "
                           f"the input dimension, but got padding length {len(pad)} and input "
                           f"of dimension {ndim}")
    return [int(p.__index__()) for p in pad]


def input_dims(x: Any, ndims: tuple[int, ...], name: str, exc: type[Exception] = ValueError,
               what: str = "") -> None:
    """An input of one of the ranks ``ndims``, else ``exc`` (PyTorch's type differs per
    function: ValueError for most modules, RuntimeError or IndexError for some functionals)
    naming the function, the ranks expected and the shape got."""
    if x.ndim not in ndims:
        ranks = " or ".join(f"{n}D" for n in ndims)
        raise exc(f"{name}: expected {ranks} input{what} (got {x.ndim}D input of shape "
                  f"{tuple(x.shape)})")


def min_dims(x: Any, n: int, name: str, expected: str) -> None:
    """PyTorch's IndexError for an input with fewer than ``n`` dims where the function reads a
    dim that is not there (``avg_pool2d``'s dim -3, ``unfold``'s dim 1); ``expected`` says
    which ranks the function takes."""
    if x.ndim < n:
        raise IndexError(f"{name}: expected {expected}, got a {x.ndim}-d input of shape "
                         f"{tuple(x.shape)} (dimension out of range)")


class DtypeRule(NamedTuple):
    """What dtypes an op takes, declared once with the op (``register_op(..., dtypes=)``) or
    with a function, and checked by ``check_dtypes``.

    Attributes:
        kinds: the numpy kinds accepted: ``"f"`` floating, ``"i"``/``"u"`` integer, ``"b"`` bool.
        error: PyTorch's exception for another dtype: NotImplementedError where it has no
            kernel for the dtype ("elu_cpu" not implemented for 'Long'), RuntimeError where
            it checks and refuses ("Boolean inputs not supported for relu").
        expected: the words for what is accepted, for the message.
        same: every tensor checked must also have one and the same dtype (RuntimeError, as
            PyTorch's "mat1 and mat2 must have the same dtype"), except that floating dtypes
            of different widths pass: the function computes them in the wider one (a float64
            batch through a float32 layer, as ``testing.gradcheck_graph`` runs it).
    """

    kinds: str
    error: type[Exception]
    expected: str
    same: bool = False


#: No integer or bool kernel (elu, gelu, softmax, ...).
FLOATING = DtypeRule("f", NotImplementedError, "a floating point")
#: Only floating point, refused by an explicit check (cdist, vecdot, kl_div).
FLOATING_CHECKED = DtypeRule("f", RuntimeError, "a floating point")
#: No bool kernel (reflection pads, trace, kthvalue).
NUMBERS = DtypeRule("fiu", NotImplementedError, "a floating point or integer")
#: Bool refused by an explicit check (relu, hardtanh, argmax, topk).
NOT_BOOL = DtypeRule("fiu", RuntimeError, "a floating point or integer")
#: Any dtype, but one for all (matmul, linear, bilinear; floats of two widths promote).
SAME = DtypeRule("fiub", RuntimeError, "any", same=True)


_DEFAULT_NAMES = ("input", "other", "argument 3", "argument 4", "argument 5", "argument 6")


def check_dtypes(name: str, rule: DtypeRule, *tensors: Any, args: tuple[str, ...] = ()
                 ) -> None:
    """PyTorch's error unless the tensors' dtypes follow ``rule`` (None entries are skipped).

    ``args`` names the tensors for the message (``input`` and ``weight``); the message names
    the function, the argument, the dtype it got and what it expects:
    ``elu: expected a floating point input, got torch.bool``.
    """
    first = None  # the fast path, run for every call of an op with a rule: no names, no lists
    for t in tensors:
        if t is None:
            continue
        dtype = t.dtype
        if dtype.kind not in rule.kinds or rule.same and first is not None and dtype != first \
                and not dtype.kind == first.kind == "f":
            break
        if first is None:
            first = dtype
    else:
        return
    names = (*args, *_DEFAULT_NAMES[len(args):])
    given = [(names[i], t.dtype) for i, t in enumerate(tensors) if t is not None]
    if rule.same:
        for arg, dtype in given[1:]:
            if dtype != given[0][1] and not dtype.kind == given[0][1].kind == "f":
                raise RuntimeError(f"{name}: expected {given[0][0]} and {arg} to have the same "
                                   f"dtype, got {given[0][1]} and {dtype}")
    for arg, dtype in given:
        if dtype.kind not in rule.kinds:
            raise rule.error(f"{name}: expected {rule.expected} {arg}, got {dtype}")


def common_floating(name: str, a: Any, b: Any, rule: DtypeRule = FLOATING,
                    args: tuple[str, ...] = ("input", "other")) -> tuple[Any, Any]:
    """Tensors ``a`` and ``b`` in their promoted dtype, which must be floating (``rule``'s
    error otherwise): for the functions PyTorch computes in the common dtype (mse, smooth L1,
    Huber, cosine similarity), which take an integer or bool tensor beside a float one but
    have no integer kernel."""
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        check_dtypes(name, rule, a, b, args=args)
    if a.dtype != b.dtype:
        dtype = promote(a.dtype, False, b.dtype, False)
        a, b = a.type(dtype), b.type(dtype)
    return a, b
