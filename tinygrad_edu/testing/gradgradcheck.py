"""Second-derivative checks: a differentiable backward against central differences.

``gradcheck`` checks an op's backward, the first derivative. With ``create_graph=True`` the
engine runs a *second* formula, the backward written with Tensor operations (an op's ``grad``,
or a ``Function``'s backward run with recording on), and differentiates it: a gradient
penalty, a Hessian-vector product, a physics-informed loss. That formula can be wrong while
the numpy backward is right (a ``detach()`` too many, a term that does not depend on ``x``
in the numpy version but must in the graph), so it gets its own check.

The first-order gradient ``g(x, v) = d<f(x), v>/dx`` (``v`` is ``grad_outputs``) is itself a
function of ``x`` and ``v``. Weight it with a fixed random direction ``u`` (one array per
input) and differentiate the scalar ``<g(x, v), u>`` twice over:

- analytically, by ``backward`` through the graph that ``create_graph=True`` built: this
  gives ``H u`` (a Hessian-vector product) for each input and ``J u`` for ``v``;
- numerically, by central differences of ``<g(x, v), u>``, where ``g`` is computed by the
  plain first-order backward (the numpy formulas, already checked by ``gradcheck``).

Both are compared element by element, as ``gradcheck`` does: the error names the input (or
``grad_outputs``), the worst element with both values, and the largest error. This is
PyTorch's ``gradgradcheck`` (which compares whole Jacobians) in the form of this package's
``gradcheck``; ``tinygrad_edu.autograd.gradgradcheck`` is PyTorch's own, call for call.

Usage::

    import numpy as np
    from tinygrad_edu.testing import gradgradcheck

    x = np.random.default_rng(0).standard_normal((3, 4))
    gradgradcheck(lambda x: (x * x).tanh(), [x])   # True, or raises GradcheckError
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import enable_grad, grad, no_grad
from ..tensor.creation import tensor
from .gradcheck import (
    Array,
    Float64Array,
    GradcheckError,
    Mismatch,
    TensorFn,
    _check_output,
    _check_precision,
    _compare,
    _describe_fn,
    _Input,
    _leaf,
    _prepare,
    central_differences,
)

__all__ = ["gradgradcheck"]


def gradgradcheck(
    fn: TensorFn,
    inputs: Sequence[Any],
    grad_outputs: Array | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    directions: Sequence[Array] | None = None,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives of ``fn`` (its backward's backward) against central differences.

    For every floating input ``x_i`` and for ``grad_outputs`` ``v``, the derivative of
    ``<g(x, v), u>`` (``g`` the first-order gradients, ``u`` the ``directions``) computed by
    backward through ``create_graph=True`` must match central differences of the same scalar
    computed with first-order gradients only:
    ``|analytical - numerical| <= atol + rtol * |numerical|`` at every element.

    Args:
        fn: function of as many Tensors as there are inputs, returning one Tensor.
        inputs: Tensors, ndarrays or scalars; floating ones are differentiated (as float64
            copies), integer and bool ones are passed through unchanged.
        grad_outputs: the upstream gradient ``v`` of ``fn``'s output (its shape); defaults to
            a fixed-seed standard normal array (``np.random.default_rng(0)``). It is
            differentiated too: a backward that mishandles its ``dout`` fails here.
        eps: step of the central difference.
        atol: absolute tolerance.
        rtol: relative tolerance, relative to the numerical value.
        directions: ``u``, one array per floating input (its shape), weighting the first-order
            gradients; defaults to fixed-seed standard normal arrays
            (``np.random.default_rng(1)``).
        raise_exception: raise :class:`GradcheckError` on failure (default) or return False.

    Returns:
        True if every second derivative matches; False on a mismatch when ``raise_exception``
        is False.

    Raises:
        GradcheckError: on a mismatch (``failures`` lists them; ``input_index`` is the input's
            position, ``len(inputs)`` for ``grad_outputs``), or when ``fn`` returns a lower
            precision than float64.
        RuntimeError: from the engine, naming an op whose backward cannot be differentiated.

    Example:
        >>> import numpy as np
        >>> from tinygrad_edu.testing import gradgradcheck
        >>> gradgradcheck(lambda x, w: (x @ w).sin(), [np.ones((2, 3)), np.full((3, 2), 0.3)])
        True
    """
    prepared = _prepare(inputs)
    floating = [k for k, item in enumerate(prepared) if item.array is not None]
    if not floating:
        raise TypeError(f"gradgradcheck: fn {_describe_fn(fn)} has no floating-point input to "
                        "differentiate")
    with no_grad():
        out = _check_output(fn(*_plain(prepared)), fn)
    _check_precision(out, prepared, fn)
    v = _grad_outputs(grad_outputs, tuple(out.shape))
    us = _directions(directions, [prepared[k] for k in floating])
    both = [*prepared, _Input(v, None)]  # grad_outputs is the last "input"
    analytic = _analytical(fn, both, us)
    numeric = _numerical(fn, both, us, eps)
    failures: list[str] = []
    mismatches: list[Mismatch] = []
    for k, (item, a, n) in enumerate(zip(both, analytic, numeric, strict=True)):
        if item.array is None:
            continue
        report = _report(k, len(prepared), item.array, a, n, atol, rtol)
        if report is not None:
            failures.append(report[0])
            mismatches.append(report[1])
    if not failures:
        return True
    if not raise_exception:
        return False
    header = (f"gradgradcheck failed for fn {_describe_fn(fn)}: the derivative of <g, u> (g: "
              "the gradients from backward with create_graph=True) disagrees with central "
              "differences of the first-order gradients")
    footer = (f"  eps={eps:g}; grad_outputs: "
              f"{'given' if grad_outputs is not None else 'standard normal, default_rng(0)'}; "
              f"u: {'given' if directions is not None else 'standard normal, default_rng(1)'}")
    raise GradcheckError("\n".join([header, *failures, footer]), mismatches)


# ----------------------------------------------------------------------------------------------
# The scalar <g(x, v), u> and its two derivatives


def _plain(prepared: Sequence[_Input], requires_grad: bool = False) -> list[Any]:
    return [item.tensor if item.array is None else _leaf(item.array, requires_grad)
            for item in prepared]


def _grad_outputs(given: Array | None, shape: tuple[int, ...]) -> Float64Array:
    if given is None:
        return np.random.default_rng(0).standard_normal(shape)
    if hasattr(given, "detach"):
        given = given.detach().numpy()
    v = np.array(given, dtype=np.float64, copy=True)
    if v.shape != shape:
        raise ValueError(f"gradgradcheck: grad_outputs has shape {v.shape} but fn's output has "
                         f"shape {shape}")
    return v


def _directions(given: Sequence[Array] | None, items: list[_Input]) -> list[Float64Array]:
    shapes = [item.array.shape for item in items if item.array is not None]
    if given is None:
        rng = np.random.default_rng(1)
        return [rng.standard_normal(s) for s in shapes]
    us = [np.asarray(u.detach().numpy() if hasattr(u, "detach") else u, dtype=np.float64)
          for u in given]
    if [u.shape for u in us] != shapes:
        raise ValueError(f"gradgradcheck: directions must have the shapes of the floating "
                         f"inputs, {shapes}; got {[u.shape for u in us]}")
    return us


def _dot(fn: TensorFn, leaves: list[Any], us: list[Float64Array], create_graph: bool) -> Any:
    """``<g(x, v), u>`` as a 0-d Tensor; ``leaves`` are the inputs then ``v``."""
    xs, v = leaves[:-1], leaves[-1]
    out = _check_output(fn(*xs), fn)
    wanted = [x for x in xs if x.requires_grad]
    terms = []
    if out.requires_grad:  # else fn does not depend on its inputs: g = 0
        gs = grad(out, wanted, grad_outputs=v, create_graph=create_graph, allow_unused=True)
        terms = [(g * tensor(u)).sum() for g, u in zip(gs, us, strict=True) if g is not None]
    if not terms:
        return tensor(np.zeros(()))
    return sum(terms[1:], terms[0])


def _analytical(fn: TensorFn, both: list[_Input], us: list[Float64Array]
                ) -> list[Float64Array | None]:
    """d<g, u>/d(each input) and d<g, u>/dv by backward through the create_graph gradients."""
    leaves = _plain(both, requires_grad=True)
    with enable_grad():
        s = _dot(fn, leaves, us, create_graph=True)
        if s.requires_grad:
            s.backward()
    return [None if item.array is None else
            np.zeros(item.array.shape) if leaf.grad is None else
            np.array(leaf.grad.detach().numpy(), dtype=np.float64, copy=True)
            for item, leaf in zip(both, leaves, strict=True)]


def _numerical(fn: TensorFn, both: list[_Input], us: list[Float64Array], eps: float
               ) -> list[Float64Array | None]:
    """Central differences of ``<g, u>``, with ``g`` from the first-order backward only."""

    def value() -> float:
        with enable_grad():
            s = _dot(fn, _plain(both, requires_grad=True), us, create_graph=False)
        return float(s.detach().numpy())

    return central_differences([item.array for item in both], value, eps)


def _report(k: int, n_inputs: int, array: Array, analytic: Array, numeric: Array, atol: float,
            rtol: float) -> tuple[str, Mismatch] | None:
    """Describe the worst element where the two derivatives of ``<g, u>`` disagree."""
    found = _compare(analytic, numeric, atol, rtol)
    if found is None:
        return None
    shape = tuple(array.shape)
    if k == n_inputs:
        what = (f"  grad_outputs (shape {shape}): the gradient's derivative with respect to "
                "the upstream gradient is wrong (the backward mishandles dout)")
    else:
        what = (f"  input {k} (shape {shape}, float64): second derivative is wrong (the "
                "Hessian-vector product H u)")
    text = "\n".join([
        what,
        f"    worst element: index {found.element}",
        f"      analytical (backward with create_graph=True): {found.actual:.10g}",
        f"      numerical (central difference):               {found.expected:.10g}",
        f"      abs error there: {found.abs_error:.4g} "
        f"(allowed: atol + rtol*|numerical| = {found.allowed:.4g})",
        f"    max abs error: {found.max_abs_error:.4g}; {found.n_bad} of {found.size} elements "
        f"outside atol={atol:g}, rtol={rtol:g}",
    ])
    return text, Mismatch(k, shape, found.element, found.actual, found.expected,
                          found.max_abs_error)
