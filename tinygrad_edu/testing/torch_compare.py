"""Parity with PyTorch: the same computation in tinygrad_edu and in torch, forward and backward.

:func:`assert_close_to_torch` runs a function on tinygrad_edu Tensors and a reference on torch
tensors built from the same float64 values, compares the outputs, backpropagates the same
cotangent through both and compares every input's gradient. When the two APIs agree, one lambda
serves both sides (pass ``None`` as the torch function), as in tinygrad's ``helper_test_op``.

torch is imported only when one of these functions runs, so this module (and
``tinygrad_edu.testing``) imports without it; without torch they raise an ImportError that
says how to install it.

Usage::

    import numpy as np
    import torch
    from tinygrad_edu.testing import assert_close_to_torch

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    assert_close_to_torch(lambda x, w: (x @ w).tanh(), None, x, w)     # one lambda, both sides
    assert_close_to_torch(lambda x: x.relu(), lambda x: torch.relu(x), x)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..tensor import Tensor
from ..tensor.creation import tensor
from .gradcheck import _compare, _describe_fn, _float64_copy, _leaf

__all__ = ["assert_close_to_torch", "from_torch", "to_torch"]

TORCH_INSTALL = "pip install torch==2.13.0"


def assert_close_to_torch(
    fn_ours: Callable[..., Any],
    fn_torch: Callable[..., Any] | None,
    *inputs: Any,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    check_grad: bool = True,
    cotangent: NDArray[Any] | Sequence[NDArray[Any]] | None = None,
    check_dtype: bool = True,
) -> None:
    """Assert that ``fn_ours`` on tinygrad_edu matches ``fn_torch`` on torch, with gradients.

    Floating inputs become float64 on both sides (requiring grad when ``check_grad``); integer
    and bool inputs keep their dtype. Both outputs are compared (a tuple or list output is
    compared element by element), then each side backpropagates the same cotangent (ones for a
    one-element output, ``np.random.default_rng(0)`` standard normal otherwise; several outputs
    add their contributions) and every floating input's gradient is compared. An element passes
    when ``|ours - torch| <= atol + rtol * |torch|``; NaN matches NaN at the same place.

    Args:
        fn_ours: function of tinygrad_edu Tensors, one per input.
        fn_torch: the reference on torch tensors, or None to run ``fn_ours`` on both.
        *inputs: ndarrays, Tensors or scalars.
        rtol: relative tolerance, relative to torch's value.
        atol: absolute tolerance.
        check_grad: also compare input gradients.
        cotangent: upstream gradient (one array per output for tuple outputs); see above for
            the default.
        check_dtype: require each output's dtype to equal torch's.

    Raises:
        AssertionError: naming forward or gradient, the output or input index, the worst
            element and both values.
        ImportError: if torch is not installed.
    """
    torch = _import_torch("assert_close_to_torch")
    arrays = [_input_array(x) for x in inputs]
    ours = [_our_input(array, check_grad) for array in arrays]
    theirs = [_torch_input(torch, array, check_grad) for array in arrays]
    outs = _as_list(fn_ours(*ours))
    refs = _as_list((fn_torch if fn_torch is not None else fn_ours)(*theirs))
    where = f"assert_close_to_torch for fn {_describe_fn(fn_ours)}"
    _compare_outputs(where, outs, refs, rtol, atol, check_dtype)
    if check_grad and any(_is_float(array) for array in arrays):
        used = _backward_both(torch, where, outs, refs, cotangent)
        _compare_gradients(where, arrays, ours, theirs, rtol, atol, used)


def to_torch(t: Any, requires_grad: bool | None = None) -> Any:
    """Copy a Tensor or ndarray into a new torch tensor of the same dtype and values.

    Args:
        t: a ``Tensor``, ndarray or scalar.
        requires_grad: whether the torch tensor requires grad; None copies
            ``t.requires_grad`` (False for arrays).

    Returns:
        A contiguous ``torch.Tensor`` leaf.

    Raises:
        ImportError: if torch is not installed.
    """
    torch = _import_torch("to_torch")
    result = torch.from_numpy(np.array(_input_array(t), order="C", copy=True))
    if requires_grad is None:
        requires_grad = bool(getattr(t, "requires_grad", False))
    if requires_grad:
        result.requires_grad_(True)
    return result


def from_torch(t: Any, requires_grad: bool | None = None) -> Any:
    """Copy a torch tensor into a new ``Tensor`` of the same dtype and values.

    Args:
        t: a ``torch.Tensor`` (on CPU).
        requires_grad: whether the result requires grad; None copies ``t.requires_grad``.

    Returns:
        A ``Tensor`` leaf that shares nothing with ``t``.
    """
    array = t.detach().cpu().numpy()
    if requires_grad is None:
        requires_grad = bool(t.requires_grad)
    return tensor(array.copy(), requires_grad=requires_grad)


# ----------------------------------------------------------------------------------------------
# Helpers


def _import_torch(caller: str) -> Any:
    """Import torch, or explain how to install it."""
    try:
        import torch
    except ImportError as err:
        raise ImportError(
            f"{caller} needs PyTorch, a test dependency of tinygrad_edu; install it with "
            f"`{TORCH_INSTALL}` (or the test extra: pip install 'tinygrad_edu[test]')"
        ) from err
    return torch


def _input_array(x: Any) -> NDArray[Any]:
    """The ndarray behind a Tensor, or ``np.asarray`` of anything else."""
    return x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)


def _is_float(array: NDArray[Any]) -> bool:
    return bool(np.issubdtype(array.dtype, np.floating))


def _our_input(array: NDArray[Any], check_grad: bool) -> Any:
    """A float64 leaf copy (layout kept) for floats, a plain copy for integer/bool inputs."""
    if _is_float(array):
        return _leaf(_float64_copy(array), requires_grad=check_grad)
    return tensor(array.copy())


def _torch_input(torch: Any, array: NDArray[Any], check_grad: bool) -> Any:
    """The same values as a contiguous torch tensor (float64 for floats)."""
    dtype = np.float64 if _is_float(array) else array.dtype
    result = torch.from_numpy(np.array(array, dtype=dtype, order="C", copy=True))
    if check_grad and _is_float(array):
        result.requires_grad_(True)
    return result


def _as_list(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _torch_numpy(t: Any) -> NDArray[Any]:
    return np.asarray(t.detach().cpu().numpy())


def _compare_outputs(
    where: str, outs: list[Any], refs: list[Any], rtol: float, atol: float, check_dtype: bool
) -> None:
    """Raise AssertionError at the first output that differs in count, shape, dtype or value."""
    if len(outs) != len(refs):
        raise AssertionError(f"{where}: ours returned {len(outs)} outputs, torch {len(refs)}")
    for i, (out, ref) in enumerate(zip(outs, refs, strict=True)):
        if not isinstance(out, Tensor):
            raise AssertionError(f"{where}: output {i} is a {type(out).__name__}, not a Tensor")
        if not hasattr(ref, "detach"):
            raise AssertionError(f"{where}: torch's output {i} is a {type(ref).__name__}, "
                                 "not a torch.Tensor")
        ours, theirs = out.detach().numpy(), _torch_numpy(ref)
        label = f"{where}: forward output {i}"
        if tuple(ours.shape) != tuple(theirs.shape):
            raise AssertionError(f"{label} has shape {ours.shape}, torch's has {theirs.shape}")
        if check_dtype and ours.dtype != theirs.dtype:
            raise AssertionError(f"{label} has dtype {ours.dtype}, torch's has {theirs.dtype}")
        found = _compare(ours, theirs, atol, rtol, equal_nan=True)
        if found is not None:
            raise AssertionError(_mismatch_text(f"{label} differs from torch", found, atol, rtol))


def _backward_both(
    torch: Any,
    where: str,
    outs: list[Any],
    refs: list[Any],
    cotangent: NDArray[Any] | Sequence[NDArray[Any]] | None,
) -> str:
    """Backpropagate the same cotangents through both sides; return how they were chosen."""
    cotangents = _cotangents(where, refs, cotangent)
    active = [i for i, ref in enumerate(refs) if ref.requires_grad]
    for n, i in enumerate(active):
        keep = n < len(active) - 1  # later outputs may share graph nodes with this one
        refs[i].backward(torch.from_numpy(cotangents[i]).to(refs[i].dtype), retain_graph=keep)
        if outs[i].requires_grad:  # if not, ours has zero gradients and the comparison says so
            outs[i].backward(tensor(cotangents[i], dtype=outs[i].dtype), retain_graph=keep)
    if cotangent is not None:
        return "cotangent: the given one"
    return "cotangent: ones for one-element outputs, else standard normal from default_rng(0)"


def _cotangents(
    where: str, refs: list[Any], cotangent: NDArray[Any] | Sequence[NDArray[Any]] | None
) -> list[NDArray[np.float64]]:
    """One cotangent per output: the given ones (shape-checked) or the default ones."""
    shapes = [tuple(ref.shape) for ref in refs]
    if cotangent is None:
        rng = np.random.default_rng(0)
        return [np.ones(s) if int(np.prod(s)) == 1 else rng.standard_normal(s) for s in shapes]
    single = len(refs) == 1 and not isinstance(cotangent, (list, tuple))
    given = [cotangent] if single else cotangent
    arrays = [np.asarray(_input_array(c), dtype=np.float64) for c in given]
    if [a.shape for a in arrays] != shapes:
        raise ValueError(
            f"{where}: cotangent shapes {[a.shape for a in arrays]} do not match the output "
            f"shapes {shapes}"
        )
    return arrays


def _compare_gradients(
    where: str,
    arrays: list[NDArray[Any]],
    ours: list[Any],
    theirs: list[Any],
    rtol: float,
    atol: float,
    cotangent_text: str,
) -> None:
    """Compare every floating input's gradient; one AssertionError lists every mismatch."""
    failures = []
    for k, (array, mine, ref) in enumerate(zip(arrays, ours, theirs, strict=True)):
        if not _is_float(array):
            continue
        expected = np.zeros(array.shape) if ref.grad is None else _torch_numpy(ref.grad)
        actual = np.zeros(array.shape) if mine.grad is None else mine.grad.detach().numpy()
        label = f"gradient of input {k} (shape {array.shape})"
        if actual.shape != expected.shape:
            failures.append(f"  {label} has shape {actual.shape}, torch's has {expected.shape}")
            continue
        found = _compare(actual, expected, atol, rtol, equal_nan=True)
        if found is not None:
            failures.append(_mismatch_text(f"  {label} differs from torch", found, atol, rtol))
    if failures:
        raise AssertionError("\n".join([f"{where}:", *failures, f"  ({cotangent_text})"]))


def _mismatch_text(title: str, found: Any, atol: float, rtol: float) -> str:
    """Worst element with both values, largest error and how many elements fail."""
    indent = " " * (len(title) - len(title.lstrip()) + 2)
    return "\n".join([
        title,
        f"{indent}worst element: index {found.element}",
        f"{indent}  ours:  {found.actual:.17g}",
        f"{indent}  torch: {found.expected:.17g}",
        f"{indent}  abs error there: {found.abs_error:.4g} "
        f"(allowed: atol + rtol*|torch| = {found.allowed:.4g})",
        f"{indent}max abs error: {found.max_abs_error:.4g}; {found.n_bad} of {found.size} "
        f"elements outside atol={atol:g}, rtol={rtol:g}",
    ])
