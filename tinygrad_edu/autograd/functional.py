"""``tg.autograd.functional``: Jacobians and vector-Jacobian products of a function.

PyTorch's ``torch.autograd.functional`` differentiates a whole function ``f(inputs)`` rather
than a recorded graph: ``jacobian(f, x)`` is the matrix of every dy_i/dx_j, ``vjp(f, x, v)`` is
``v^T J`` (one backward pass), ``jvp(f, x, v)`` is ``J v``. Here they are built on
``autograd.grad``: the Jacobian one row per output element (a backward with a one-hot
``grad_outputs``), ``jvp`` as the Jacobian times ``v`` (PyTorch uses the double-backward
trick, which needs higher-order autograd).

``hessian``, ``hvp`` and ``vhp`` are second derivatives: they need higher-order autograd, which
is not supported yet, and raise ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import enable_grad
from .gradients import grad
from .graph import is_graph_tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(x: Any, what: str, fn: str) -> tuple[tuple[Any, ...], bool]:
    """``(tensors, was_tuple)``; every element must be a Tensor."""
    was_tuple = isinstance(x, tuple | list)
    items = tuple(x) if was_tuple else (x,)
    for i, t in enumerate(items):
        if not is_graph_tensor(t):
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of "
                            f"Tensors but the value at index {i} has type {type(t).__name__}.")
    return items, was_tuple


def _leaves(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """Fresh leaves on the inputs' values that require grad (the inputs stay untouched)."""
    out = []
    for t in inputs:
        leaf = t._wrap(t._data)
        leaf._version = t._version
        out.append(leaf.requires_grad_(True) if t._data.dtype.kind == "f" else leaf)
    return tuple(out)


def _run(func: Callable[..., Any], inputs: tuple[Any, ...], fn: str) -> tuple[tuple[Any, ...],
                                                                             bool]:
    with enable_grad():
        out = func(*inputs)
    return _as_tuple(out, "outputs of the user-provided function", fn)


def _no_higher_order(name: str) -> None:
    raise NotImplementedError(
        f"{name}: second derivatives need higher-order autograd (create_graph=True), which is "
        "not supported yet; it is planned in a later issue. jacobian, vjp and jvp work.")


def _strict_unused(strict: bool, fn: str, i: int, out: int | None = None) -> None:
    if strict:
        who = "The output" if out is None else f"Output {out}"
        raise RuntimeError(f"{who} of the user-provided function is independent of input "
                           f"{i}. This is not allowed in strict mode.")


def _rows(out: Any, inputs: tuple[Any, ...], strict: bool, fn: str, index: int
          ) -> list[np.ndarray]:
    """d out / d input_j as (out.numel(), input_j.numel()) arrays, one backward per row."""
    rows: list[list[np.ndarray]] = [[] for _ in inputs]
    used = [False] * len(inputs)
    for m in range(out._data.size):
        if out.requires_grad:
            onehot = np.zeros(out._data.size, dtype=out._data.dtype)
            onehot[m] = 1
            grads = grad(out, [t for t in inputs if t.requires_grad],
                         out._wrap(onehot.reshape(out._data.shape)), retain_graph=True,
                         allow_unused=True)
        else:
            grads = (None,) * sum(t.requires_grad for t in inputs)
        it = iter(grads)
        for j, t in enumerate(inputs):
            g = next(it) if t.requires_grad else None
            used[j] = used[j] or g is not None
            rows[j].append(np.zeros(t._data.size, dtype=t._data.dtype) if g is None
                           else g._data.reshape(-1))
    for j, u in enumerate(used):
        if not u and out._data.size:
            _strict_unused(strict, fn, j, index)
    return [np.stack(r).astype(t._data.dtype, copy=False) if r
            else np.zeros((0, t._data.size), dtype=t._data.dtype)
            for r, t in zip(rows, inputs, strict=True)]


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs`` (PyTorch's ``autograd.functional.jacobian``).

    Returns:
        For one input and one output, a Tensor of shape ``output.shape + input.shape``; for a
        tuple of inputs, a tuple per input; for a tuple of outputs, a tuple per output (of
        those).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.autograd.functional.jacobian(lambda x: x ** 2, tg.tensor([1.0, 3.0]))
        tensor([[2., 0.],
                [0., 6.]])
    """
    if create_graph:
        _no_higher_order("jacobian(create_graph=True)")
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    ins, in_tuple = _as_tuple(inputs, "inputs", "jacobian")
    leaves = _leaves(ins)
    outs, out_tuple = _run(func, leaves, "jacobian")
    result = []
    for i, out in enumerate(outs):
        per_input = [t._wrap(r.reshape(out._data.shape + t._data.shape))
                     for r, t in zip(_rows(out, leaves, strict, "jacobian", i), leaves,
                                     strict=True)]
        result.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(result) if out_tuple else result[0]


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: one backward pass (PyTorch's ``autograd.functional.vjp``)."""
    if create_graph:
        _no_higher_order("vjp(create_graph=True)")
    ins, in_tuple = _as_tuple(inputs, "inputs", "vjp")
    leaves = _leaves(ins)
    outs, out_tuple = _run(func, leaves, "vjp")
    if v is None:
        if len(outs) != 1 or outs[0]._data.size != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        vs: tuple[Any, ...] = (outs[0]._wrap(np.ones_like(outs[0]._data)),)
    else:
        vs, _ = _as_tuple(v, "v", "vjp")
    for o, vv in zip(outs, vs, strict=True):
        if o._data.shape != vv._data.shape:
            raise RuntimeError(f"Mismatch in shape: output has shape {o._data.shape} but v has "
                               f"shape {vv._data.shape}")
    diff = [(o, vv) for o, vv in zip(outs, vs, strict=True) if o.requires_grad]
    wanted = [t for t in leaves if t.requires_grad]
    if diff and wanted:
        grads = iter(grad([o for o, _ in diff], wanted, [vv for _, vv in diff],
                          allow_unused=True))
    else:
        grads = iter([None] * len(wanted))
    result = []
    for j, t in enumerate(leaves):
        g = next(grads) if t.requires_grad else None
        if g is None:
            _strict_unused(strict, "vjp", j)
            g = t._wrap(np.zeros_like(t._data))
        result.append(g)
    detached = tuple(o._wrap(o._data) for o in outs)
    return (detached if out_tuple else detached[0],
            tuple(result) if in_tuple else result[0])


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)`` (PyTorch's ``autograd.functional.jvp``), as the Jacobian
    times ``v``: one backward pass per output element."""
    if create_graph:
        _no_higher_order("jvp(create_graph=True)")
    ins, in_tuple = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(ins) != 1 or ins[0]._data.size != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        vs: tuple[Any, ...] = (ins[0]._wrap(np.ones_like(ins[0]._data)),)
    else:
        vs, _ = _as_tuple(v, "v", "jvp")
    leaves = _leaves(ins)
    outs, out_tuple = _run(func, leaves, "jvp")
    result = []
    for i, out in enumerate(outs):
        total = np.zeros(out._data.size, dtype=out._data.dtype)
        for r, vv in zip(_rows(out, leaves, strict, "jvp", i), vs, strict=True):
            total = total + r @ vv._data.reshape(-1).astype(r.dtype)
        result.append(out._wrap(total.reshape(out._data.shape).astype(out._data.dtype)))
    detached = tuple(o._wrap(o._data) for o in outs)
    return (detached if out_tuple else detached[0], tuple(result) if out_tuple else result[0])


def hessian(func: Callable[..., Any], inputs: Any, **kwargs: Any) -> Any:
    """Second derivatives: not supported yet (needs higher-order autograd)."""
    _no_higher_order("hessian")


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, **kwargs: Any) -> Any:
    """Hessian-vector product: not supported yet (needs higher-order autograd)."""
    _no_higher_order("hvp")


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, **kwargs: Any) -> Any:
    """Vector-Hessian product: not supported yet (needs higher-order autograd)."""
    _no_higher_order("vhp")
