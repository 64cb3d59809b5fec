"""``tg.autograd.gradcheck``: compare a function's gradients with finite differences.

The check PyTorch recommends for every custom ``autograd.Function``: for each differentiable
input ``x_j`` and each output ``y_i``, build the Jacobian dy_i/dx_j twice,

- numerically, one column per input element, by central differences:
  ``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)``;
- analytically, one row per output element, by backward with a one-hot ``grad_outputs``
  (``autograd.grad``),

and require ``|analytical - numerical| <= atol + rtol * |numerical|`` everywhere. Use float64
inputs: in float32 the differences' rounding error is about as large as ``atol``.

First order only: ``gradgradcheck`` (the check of a gradient's gradient) needs higher-order
autograd, which is not supported yet.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import no_grad
from .gradients import grad
from .graph import is_graph_tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """The analytical and numerical gradients differ (PyTorch's ``GradcheckError``)."""


def _outputs(func: Callable[..., Any], inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    out = func(*inputs)
    outs = out if isinstance(out, tuple | list) else (out,)
    return tuple(o for o in outs if is_graph_tensor(o))


def _numerical(func: Callable[..., Any], inputs: tuple[Any, ...], x: Any, n_out: int,
               eps: float) -> list[np.ndarray]:
    """Per output, the (output size, input size) Jacobian by central differences."""
    flat = x._data.reshape(-1)  # a view: writing it perturbs the input in place
    if not np.shares_memory(flat, x._data):
        raise RuntimeError("gradcheck: inputs must be contiguous tensors (call .contiguous())")
    columns: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for k in range(flat.size):
        old = flat[k].copy()
        flat[k] = old + eps
        with no_grad():
            plus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
        flat[k] = old - eps
        with no_grad():
            minus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
        flat[k] = old
        for i in range(n_out):
            columns[i].append((plus[i] - minus[i]) / (2 * eps))
    return [np.stack(c, axis=1) if c else np.zeros((0, 0)) for c in columns]


def _analytical(outputs: tuple[Any, ...], wanted: list[Any]) -> list[list[np.ndarray]]:
    """Per output and input, the Jacobian one row at a time (backward of a one-hot)."""
    jac = []
    for out in outputs:
        rows: list[list[np.ndarray]] = [[] for _ in wanted]
        for m in range(out._data.size):
            onehot = np.zeros(out._data.size, dtype=out._data.dtype)
            onehot[m] = 1
            if not out.requires_grad:
                grads: tuple[Any, ...] = (None,) * len(wanted)
            else:
                grads = grad(out, wanted, out._wrap(onehot.reshape(out._data.shape)),
                             retain_graph=True, allow_unused=True)
            for j, (g, x) in enumerate(zip(grads, wanted, strict=True)):
                rows[j].append(np.zeros(x._data.size) if g is None
                               else g._data.astype(np.float64).reshape(-1))
        jac.append([np.stack(r) if r else np.zeros((0, x._data.size))
                    for r, x in zip(rows, wanted, strict=True)])
    return jac


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Check ``func``'s gradients against finite differences (PyTorch's ``gradcheck``).

    Args:
        func: takes the inputs, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of arguments; the Tensors that require grad are checked.
        eps: the finite-difference step.
        atol, rtol: the tolerances, as in ``allclose``.
        raise_exception: raise ``GradcheckError`` on a mismatch (else return False).
        nondet_tol, check_undefined_grad, check_grad_dtypes, check_batched_grad,
        check_batched_forward_grad, fast_mode, masked: accepted for compatibility; the check
            is always the full (slow-mode) Jacobian comparison.
        check_forward_ad: not supported (there is no forward-mode AD).
        check_backward_ad: compare the backward Jacobian (the check itself).

    Returns:
        True when every Jacobian matches.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.randn(3, dtype=tg.float64, requires_grad=True)
        >>> tg.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    if check_forward_ad:
        raise NotImplementedError("gradcheck: check_forward_ad=True needs forward-mode AD, "
                                  "which tinygrad_edu does not have; leave it False")
    args = (inputs,) if is_graph_tensor(inputs) else tuple(inputs)
    wanted = [a for a in args if is_graph_tensor(a) and a.requires_grad]
    if not wanted:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")
    for j, a in enumerate(args):
        if is_graph_tensor(a) and a.requires_grad and a._data.dtype != np.float64:
            warnings.warn(f"Input #{j} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", stacklevel=2)
    if not check_backward_ad:
        return True
    outputs = _outputs(func, args)
    analytical = _analytical(outputs, wanted)
    for j, x in enumerate(wanted):
        numerical_j = _numerical(func, args, x, len(outputs), eps)
        for i in range(len(outputs)):
            numerical, a = numerical_j[i], analytical[i][j]
            if not np.allclose(a, numerical, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {i} with respect to input {j},\n"
                    f"numerical:{numerical}\nanalytical:{a}\n")
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None,
                  **kwargs: Any) -> bool:
    """Second-order check: not supported (gradients are first order)."""
    raise NotImplementedError(
        "gradgradcheck: checking second derivatives needs higher-order autograd "
        "(create_graph=True), which is not supported yet; it is planned in a later issue. "
        "gradcheck checks first derivatives.")
