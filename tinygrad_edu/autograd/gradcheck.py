"""``tg.autograd.gradcheck``: compare a function's gradients with finite differences.

The check PyTorch recommends for every custom ``autograd.Function``: for each differentiable
input ``x_j`` and each output ``y_i``, build the Jacobian dy_i/dx_j twice,

- numerically, one column per input element, by central differences:
  ``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)``;
- analytically, one row per output element, by backward with a one-hot ``grad_outputs``
  (``autograd.grad``),

and require ``|analytical - numerical| <= atol + rtol * |numerical|`` everywhere. Use float64
inputs: in float32 the differences' rounding error is about as large as ``atol``.

``gradgradcheck`` checks second derivatives the same way: it builds the function
``(inputs, grad_outputs) -> autograd.grad(func(inputs), inputs, grad_outputs,
create_graph=True)`` (the first-order gradients) and runs ``gradcheck`` on it, so the gradients'
Jacobians with respect to the inputs (Hessian blocks) and to ``grad_outputs`` are both
compared with finite differences of the first-order gradients.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import enable_grad, no_grad
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


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives against finite differences (PyTorch's ``gradgradcheck``).

    The first-order gradients ``autograd.grad(func(*inputs), inputs, grad_outputs,
    create_graph=True)`` are themselves a function of the inputs and of ``grad_outputs``;
    ``gradcheck`` of that function compares its Jacobians (second derivatives, and the
    derivatives with respect to ``grad_outputs``) with central differences. A mismatch raises
    ``GradcheckError: Jacobian mismatch for output i with respect to input j``, where the
    outputs are the gradients (one per input that requires grad) and the inputs are
    ``inputs`` followed by ``grad_outputs``.

    Args:
        func: takes the inputs, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of arguments (use float64).
        grad_outputs: the upstream gradients, one per differentiable output; by default
            random values in [-1, 1) that require grad (fixed seed, so runs repeat).
        eps, atol, rtol, raise_exception: as in ``gradcheck``.
        gen_non_contig_grad_outputs, nondet_tol, check_undefined_grad, check_grad_dtypes,
        check_batched_grad, fast_mode, masked: accepted for compatibility (see ``gradcheck``).
        check_fwd_over_rev: not supported (there is no forward-mode AD).
        check_rev_over_rev: run the (reverse-over-reverse) check itself.

    Returns:
        True when every second derivative matches.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([0.5, 1.5], dtype=tg.float64, requires_grad=True)
        >>> tg.autograd.gradgradcheck(lambda t: (t ** 3).sin(), (x,))
        True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or "
                             "check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev "
                             "to be True")
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck: check_fwd_over_rev=True needs forward-mode "
                                  "AD, which tinygrad_edu does not have; leave it False")
    args = (inputs,) if is_graph_tensor(inputs) else tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = [o for o in _outputs(func, args) if o.requires_grad]
        grad_outs = tuple(_random_like(o, rng) for o in outs)
    else:
        grad_outs = (grad_outputs,) if is_graph_tensor(grad_outputs) else tuple(grad_outputs)
    n_in = len(args)

    def first_order_grads(*both: Any) -> tuple[Any, ...]:
        with enable_grad():  # gradcheck evaluates under no_grad; the gradients need a graph
            xs, vs = both[:n_in], both[n_in:]
            outs = [o for o in _outputs(func, xs) if o.requires_grad]
            wanted = [x for x in xs if is_graph_tensor(x) and x.requires_grad]
            if not outs:
                return ()
            got = grad(outs, wanted, list(vs), create_graph=True, allow_unused=True)
            return tuple(g for g in got if g is not None)

    return gradcheck(first_order_grads, args + grad_outs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, check_backward_ad=check_rev_over_rev)


def _random_like(out: Any, rng: np.random.Generator) -> Any:
    """An upstream gradient for ``out``: uniform in [-1, 1), requiring grad."""
    dtype = out._data.dtype if out._data.dtype.kind in "fc" else np.float64
    v = out._wrap(rng.uniform(-1, 1, out._data.shape).astype(dtype))
    v.requires_grad = True
    return v
