"""How tensors print: the same text as PyTorch for the same values.

Printing a tensor is a small lesson in number formatting. The steps, as PyTorch takes them:

1. **Summarise** (``summarize``): a tensor with more than ``threshold`` elements shows only the
   first and last ``edgeitems`` entries of each dimension, with ``...`` in between.
2. **Choose one format for all numbers** (``Formatter``), from the nonzero finite values that
   will be shown:

   - *int mode*: every value is a whole number, so floats print as ``3.`` (the dot says
     "float");
   - *scientific mode* (``1.0000e+05``) when the largest magnitude is over 1000 times the
     smallest, or over 1e8, or the smallest is under 1e-4 (``set_printoptions(sci_mode=)``
     forces it on or off);
   - otherwise *fixed*: ``precision`` digits after the point (4 by default).

   Every number is right-aligned to the widest one, so columns line up. ``nan``/``inf`` are
   not measured (they print as they are).
3. **Lay out** (``_vector_str`` / ``_nested_str``): as many numbers per line as fit in
   ``linewidth`` (80), continuation lines indented under the first number; dimension ``d``
   separates its rows with ``d - 1`` blank lines.
4. **Suffixes**: ``dtype=torch.float64`` when the dtype is not one PyTorch leaves implicit
   (the default float dtype, int64, bool), ``size=(0, 3)`` for empty tensors, then
   ``grad_fn=<...>`` or ``requires_grad=True``; a suffix that would pass the line width goes
   on a new line.

Dtypes print with PyTorch's names (``dtype=torch.float64``), so the text is exactly what a
tutorial page shows.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import dtypes

Array = NDArray[Any]


@dataclass
class PrintOptions:
    """The knobs of ``set_printoptions`` (PyTorch's defaults)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = PrintOptions()
PROFILES = {  # precision, threshold, edgeitems, linewidth
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (PyTorch's ``torch.set_printoptions``).

    Args:
        precision: digits after the decimal point (default 4).
        threshold: more elements than this are summarised with ``...`` (default 1000).
        edgeitems: entries shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``'default'``, ``'short'`` (precision 2, edgeitems 2) or ``'full'`` (never
            summarise); the other arguments then override it.
        sci_mode: True/False forces scientific notation on/off; None (the default) lets the
            values decide. As in PyTorch, every call sets it, so a call without it resets it.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.set_printoptions(precision=2)
        >>> tg.tensor([1.12345])
        tensor([1.12])
        >>> tg.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, "
                             f"got {profile!r}")
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = PROFILES[profile]
    for name, value, kinds in (("precision", precision, int), ("edgeitems", edgeitems, int),
                               ("linewidth", linewidth, int),
                               ("threshold", threshold, int | float)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, kinds):
                raise TypeError(f"set_printoptions: {name} must be a number, got "
                                f"{type(value).__name__}")
            setattr(PRINT_OPTS, name, value)
    if sci_mode is not None and not isinstance(sci_mode, bool | np.bool_):
        raise TypeError(f"set_printoptions: sci_mode must be True, False or None, got "
                        f"{sci_mode!r}")
    PRINT_OPTS.sci_mode = None if sci_mode is None else bool(sci_mode)


def get_printoptions() -> dict[str, Any]:
    """The current options as a dict that ``set_printoptions(**d)`` accepts."""
    return asdict(PRINT_OPTS)


# ----------------------------------------------------------------------------- dtypes

def is_floating(dtype: np.dtype[Any]) -> bool:
    """True for the float dtypes (bfloat16 is stored as an ml_dtypes type numpy calls 'V')."""
    return dtype.kind == "f" or dtype.name == "bfloat16"


def torch_dtype_name(dtype: np.dtype[Any]) -> str:
    """``torch.float64``: the dtype's name as PyTorch prints it."""
    return "torch." + np.dtype(dtype).name


def default_dtype() -> Any:
    """The default float dtype (float32 unless ``set_default_dtype`` changed it)."""
    get = getattr(dtypes, "get_default_dtype", None)  # present once dtypes has it
    return np.dtype(dtypes.float32) if get is None else np.dtype(get())


def python_values(a: Array) -> list[Any]:
    """The elements as Python numbers; floats become exact Python floats (doubles)."""
    return (a.astype(np.float64) if is_floating(a.dtype) else a).ravel().tolist()


# ----------------------------------------------------------------------------- formatter

class Formatter:
    """One format for every number of a tensor, chosen from the values that will be shown."""

    def __init__(self, shown: Array) -> None:
        self.floating = is_floating(shown.dtype)
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            for value in python_values(shown):
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        values = shown.astype(np.float64).ravel()
        nonzero_finite = values[np.isfinite(values) & (values != 0)]
        if nonzero_finite.size == 0:
            return  # only zeros, nan and inf: int mode, width 1
        magnitudes = np.abs(nonzero_finite)
        largest, smallest = magnitudes.max(), magnitudes.min()
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8
                                 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        for value in nonzero_finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{p}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # room for the trailing dot
            else:
                width = len(f"{value:.{p}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        """``value`` as text, right-aligned to the widest number."""
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if math.isfinite(value):
                    text += "."
            else:
                text = f"{value:.{p}f}"
        else:
            text = f"{value}"
        return text.rjust(self.max_width)


# ----------------------------------------------------------------------------- layout

def summarize(a: Array) -> Array:
    """The entries that a summarised print shows (PyTorch's ``get_summarized_data``)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        # a[-e:] with e == 0 is the whole vector, as in PyTorch
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return np.empty((0,) * a.ndim, dtype=a.dtype)
    rows = list(a)
    if len(rows) > 2 * e:
        rows = rows[:e] + rows[-e:]
    return np.stack([summarize(row) for row in rows])


def _vector_str(a: Array, indent: int, summarized: bool, fmt: Formatter) -> str:
    """One dimension: numbers separated by ``, ``, wrapped to the line width."""
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    e = PRINT_OPTS.edgeitems
    if summarized and not e:
        items = ["..."]
    elif summarized and a.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in python_values(a[:e])] + [" ..."]
                 + [fmt.format(v) for v in python_values(a[-e:])])
    else:
        items = [fmt.format(v) for v in python_values(a)]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: Array, indent: int, summarized: bool, fmt: Formatter) -> str:
    """Any number of dimensions: the rows of the first one, each printed one level deeper."""
    if a.ndim == 0:
        return fmt.format(python_values(a)[0])
    if a.ndim == 1:
        return _vector_str(a, indent, summarized, fmt)
    e = PRINT_OPTS.edgeitems
    if summarized and a.shape[0] > 2 * e:
        rows = ([_nested_str(a[i], indent + 1, summarized, fmt) for i in range(e)] + ["..."]
                + [_nested_str(a[i], indent + 1, summarized, fmt)
                   for i in range(len(a) - e, len(a))])
    else:
        rows = [_nested_str(row, indent + 1, summarized, fmt) for row in a]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def tensor_str(a: Array, indent: int) -> str:
    """The numbers of ``a`` (without ``tensor(`` and suffixes); continuation lines start
    ``indent`` columns in."""
    if a.size == 0:
        return "[]"
    summarized = a.size > PRINT_OPTS.threshold
    fmt = Formatter(summarize(a) if summarized else a)
    return _nested_str(a, indent, summarized, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items; one that would pass the line width starts a new line."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1  # PyTorch's count (one more than seen)
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(data: Array, grad_fn: str | None, requires_grad: bool) -> str:
    """``tensor([...], dtype=..., grad_fn=<...>)``, exactly as PyTorch writes it.

    Example:
        >>> import numpy as np
        >>> print(tensor_repr(np.array([1e-5, 1.0]), None, False))
        tensor([1.0000e-05, 1.0000e+00], dtype=torch.float64)
    """
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default = default_dtype()
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != default:  # no values to tell ints from floats: always named
            suffixes.append(f"dtype={torch_dtype_name(data.dtype)}")
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype not in (default, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={torch_dtype_name(data.dtype)}")
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + tensor_str(data, indent), suffixes, indent)
