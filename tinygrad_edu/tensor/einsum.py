"""``tg.einsum``: the equation parsed into letters, then one registered op (``ops/einsum.py``).

``...`` becomes unused letters (right-aligned across operands, as numpy broadcasts), an
equation without ``->`` gets PyTorch's implicit output (the letters used once, in
alphabetical order, after the ``...`` axes), and the sublist form
``einsum(a, [0, 1], b, [1, 2], [0, 2])`` becomes an equation.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes
from ..autograd import OPS, apply_op
from .base import TensorBase

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _sublist_equation(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])``: the equation and operands it stands for."""
    def letters(sub: Sequence[Any]) -> str:
        if isinstance(sub, str | bytes) or not hasattr(sub, "__iter__"):
            raise TypeError(f"einsum(): a sublist must be a list of ints (or ...), got "
                            f"{type(sub).__name__} ({sub!r:.40})")
        return "".join("..." if s is Ellipsis else _LETTERS[_subscript(s)] for s in sub)

    operands, subs = list(args[0:len(args) - len(args) % 2:2]), list(args[1::2])
    out = letters(args[-1]) if len(args) % 2 else None
    eq = ",".join(letters(s) for s in subs[:len(operands)])
    return (eq if out is None else f"{eq}->{out}"), operands


def _subscript(s: Any) -> int:
    """One entry of a sublist: an int in [0, 52) (a one-element int tensor will do)."""
    if isinstance(s, TensorBase) and s.numel() != 1:  # PyTorch's type for a tensor as a number
        raise RuntimeError(f"einsum(): a sublist entry must be an int, got a tensor of shape "
                           f"{list(s.shape)}")
    if isinstance(s, int | float | np.number | TensorBase) and \
            not 0 <= float(s) < len(_LETTERS):  # the range first, as PyTorch checks (NaN too)
        raise ValueError(f"einsum(): subscript in subscript list is not within the valid range "
                         f"[0, {len(_LETTERS)}), got {s!r:.40}")
    if not hasattr(s, "__index__"):
        raise TypeError(f"einsum(): a sublist entry must be an int, got {type(s).__name__} "
                        f"({s!r:.40})")
    return int(s.__index__())


def _expand_equation(equation: str, ndims: Sequence[int]) -> tuple[tuple[str, ...], str]:
    """Letters for every axis: ``...`` replaced by unused letters, the implicit output made
    explicit (the letters used once, in alphabetical order, after the ``...`` axes)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation"
                         f" ({len(ndims)} operands for {len(inputs)} subscripts)"
                         if len(ndims) > len(inputs) else
                         f"einsum(): fewer operands were provided than specified in the equation"
                         f" ({len(ndims)} operands for {len(inputs)} subscripts)")
    for c in eq:
        if not (c in _LETTERS or c in ",.->"):
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in "
                               f"the equation string, subscripts must be in [a-zA-Z]")
    unused = [c for c in _LETTERS if c not in eq]
    n_ell = max([nd - len(s.replace("...", "")) for s, nd in zip(inputs, ndims, strict=True)
                 if "..." in s] or [0])
    ell = "".join(unused[:n_ell])
    expanded = []
    for s, nd in zip(inputs, ndims, strict=True):
        if "..." in s:
            k = nd - len(s.replace("...", ""))
            s = s.replace("...", ell[n_ell - k:] if k else "")
        if len(s) != nd:
            hint = "" if "..." in lhs else " and no ellipsis was given"
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({nd}) for operand "
                               f"{len(expanded)}{hint}")
        expanded.append(s)
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if c not in "".join(expanded):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
    else:
        joined = "".join(s for s in inputs).replace("...", "")
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    return tuple(expanded), out


def einsum(*args: Any) -> Any:
    """Sum of products over the letters of an equation (``torch.einsum``).

    ``einsum("ij,jk->ik", a, b)`` is ``a @ b``; ``"ii"`` is the trace, ``"bij,bjk->bik"``
    a batched product, ``"...ij->...ji"`` a transpose over any leading dims. Without ``->``
    the output has the letters that appear once, in alphabetical order. Operands may also be
    given as one list, or in the sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.
    """
    if args and isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], list | tuple):
            operands = list(operands[0])
    elif args:
        equation, operands = _sublist_equation(args)
    else:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if not operands or not all(isinstance(t, TensorBase) for t in operands):
        raise TypeError("einsum(): the operands must be Tensors (at least one)")
    inputs, output = _expand_equation(equation, [t.ndim for t in operands])
    dtype = operands[0].dtype
    for t in operands[1:]:
        dtype = dtypes.promote(dtype, False, t.dtype, False)
    return apply_op(OPS["einsum"], *[t.type(dtype) for t in operands], inputs=inputs,
                    output=output)
