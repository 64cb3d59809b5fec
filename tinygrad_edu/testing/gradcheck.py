"""Gradient checks: a backward formula against the definition of the derivative.

Every primitive's backward is a hand-written formula, and a formula can be wrong. The checks in
this module compare it with central differences computed in float64::

    d/dx[i] sum(f(x) * c)  ~=  (sum(f(x + eps*e_i) * c) - sum(f(x - eps*e_i) * c)) / (2*eps)

where ``c`` is the cotangent (the upstream gradient, ``dout`` in the course's notation). A
backward computes exactly this vector-Jacobian product, so for a correct op the two agree up to
the rounding of the difference quotient.

- :func:`numerical_gradient` and :func:`analytical_gradient` return the two sides.
- :func:`gradcheck` compares them element by element and raises :class:`GradcheckError` (an
  ``AssertionError``, so pytest shows it as a plain test failure) that says which input, which
  element and by how much. It costs two forward passes per input element: keep shapes small.
- :func:`check_vjp` is the cheap version for large shapes: it checks ``<u, J v>`` (a central
  difference along a random direction ``v``) against ``<J^T u, v>`` (one backward with a random
  cotangent ``u``) for a few random directions per input.

``fn`` must be deterministic: seed any randomness (a dropout mask) inside it, or every
evaluation sees a different function. Points where ``fn`` has a kink (relu or abs at 0, ties
in max) have no derivative; keep test inputs at least ``eps`` away from them.

The inputs are never modified and never get a ``.grad``: the checks run on float64 copies, which
keep the memory layout of the originals (a non-contiguous input stays non-contiguous). Integer
and bool inputs (labels, indices, masks) are passed to ``fn`` unchanged and get no gradient.

Usage::

    import numpy as np
    from tinygrad_edu.testing import gradcheck, check_vjp

    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    gradcheck(lambda x, w: (x @ w).tanh(), [x, w])          # True, or raises GradcheckError

    big_x, big_w = rng.standard_normal((64, 128)), rng.standard_normal((128, 32))
    check_vjp(lambda x, w: (x @ w).tanh(), [big_x, big_w])  # two random directions per input
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..autograd import no_grad
from ..tensor import Tensor
from ..tensor.creation import from_numpy, tensor

__all__ = [
    "GradcheckError",
    "Mismatch",
    "analytical_gradient",
    "check_vjp",
    "gradcheck",
    "numerical_gradient",
]

Array = NDArray[Any]
Float64Array = NDArray[np.float64]
TensorFn = Callable[..., Any]


class Mismatch(NamedTuple):
    """Where one input's gradient disagrees with the numerical one.

    Attributes:
        input_index: position of the input in ``inputs``.
        shape: the input's shape.
        element: index of the worst element of the gradient (``gradcheck``), or ``None`` for
            an inner product over the whole input (``check_vjp``).
        analytical: the backward's value there.
        numerical: the central-difference value there.
        max_abs_error: the largest ``|analytical - numerical|`` over the input.
    """

    input_index: int
    shape: tuple[int, ...]
    element: tuple[int, ...] | None
    analytical: float
    numerical: float
    max_abs_error: float


class GradcheckError(AssertionError):
    """A backward disagrees with central differences.

    The message names the function, the input (index, shape, dtype), the worst element with both
    values, and the largest absolute error. The same facts are in :attr:`failures`.

    Attributes:
        failures: one :class:`Mismatch` per failing input, in input order.
    """

    def __init__(self, message: str, failures: Sequence[Mismatch] = ()) -> None:
        """Store the message and the structured failures.

        Args:
            message: the full human-readable report.
            failures: one :class:`Mismatch` per failing input.
        """
        super().__init__(message)
        self.failures = list(failures)

    @property
    def input_index(self) -> int | None:
        """Index of the first failing input, or ``None`` if the failure is not about one input."""
        return self.failures[0].input_index if self.failures else None


class _Input(NamedTuple):
    """One input as the checks hold it: a float64 copy to perturb, or a pass-through Tensor."""

    array: Float64Array | None  # float64 copy for floating inputs
    tensor: Any  # the unchanged Tensor for integer and bool inputs


# ----------------------------------------------------------------------------------------------
# Public API


def numerical_gradient(
    fn: TensorFn,
    inputs: Sequence[Any],
    eps: float = 1e-6,
    cotangent: Array | None = None,
) -> list[Float64Array | None]:
    """Central-difference gradient of ``sum(fn(*inputs) * cotangent)`` for every input.

    ``fn`` is evaluated under ``no_grad()`` on float64 copies of the floating inputs, two
    times per input element, so keep shapes small.

    Args:
        fn: function of as many Tensors as there are inputs, returning one Tensor.
        inputs: Tensors, ndarrays or scalars. Floating ones are differentiated; integer and bool
            ones are passed through unchanged.
        eps: step of the central difference.
        cotangent: array of the output's shape weighting the output elements (the upstream
            gradient). Defaults to ones, which for a one-element output is its plain gradient.

    Returns:
        One float64 ndarray of the input's shape per floating input, ``None`` per integer or
        bool input.
    """
    prepared = _prepare(inputs)
    with no_grad():
        out = _check_output(fn(*_tensors(prepared)), fn)
    cot = _make_cotangent(cotangent, out.shape, default="ones")
    return _numerical(fn, prepared, cot, eps)


def analytical_gradient(
    fn: TensorFn,
    inputs: Sequence[Any],
    cotangent: Array | None = None,
) -> list[Float64Array | None]:
    """Gradient of ``sum(fn(*inputs) * cotangent)`` for every input, computed by backward.

    Runs ``fn`` once on float64 leaf copies with ``requires_grad=True`` and calls
    ``out.backward(cotangent)``.

    Args:
        fn: function of as many Tensors as there are inputs, returning one Tensor.
        inputs: Tensors, ndarrays or scalars (see :func:`numerical_gradient`).
        cotangent: upstream gradient of the output's shape; defaults to ones.

    Returns:
        One float64 ndarray per floating input (zeros if backward gave it no gradient), ``None``
        per integer or bool input. A gradient of the wrong shape is returned as it is.
    """
    prepared = _prepare(inputs)
    grads, _ = _analytical(fn, prepared, lambda shape: _make_cotangent(cotangent, shape, "ones"))
    return grads


def gradcheck(
    fn: TensorFn,
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    cotangent: Array | None = None,
    raise_exception: bool = True,
) -> bool:
    """Check every input's backward gradient against central differences, element by element.

    An element passes when ``|analytical - numerical| <= atol + rtol * |numerical|`` (torch's
    float64 defaults). The default cotangent is 1 for a one-element output and a fixed-seed
    standard-normal array (``np.random.default_rng(0)``) otherwise: with all-ones a backward
    that mixes up output positions (a missing transpose or flip) can still sum to the right
    answer, and a random cotangent catches it.

    Args:
        fn: function of as many Tensors as there are inputs, returning one Tensor.
        inputs: Tensors, ndarrays or scalars (see :func:`numerical_gradient`).
        eps: step of the central difference.
        atol: absolute tolerance.
        rtol: relative tolerance, relative to the numerical value.
        cotangent: upstream gradient of the output's shape; see above for the default.
        raise_exception: raise :class:`GradcheckError` on failure (default) or return False.

    Returns:
        True if every gradient matches; False on a mismatch when ``raise_exception`` is False.

    Raises:
        GradcheckError: on a mismatch, or when ``fn`` returns a lower precision than float64.
    """
    prepared = _prepare(inputs)
    grads, cot = _analytical(fn, prepared, lambda shape: _default_cotangent(cotangent, shape))
    numerical = _numerical(fn, prepared, cot, eps)
    failures: list[str] = []
    mismatches: list[Mismatch] = []
    for k, (item, grad, num) in enumerate(zip(prepared, grads, numerical, strict=True)):
        if item.array is None or grad is None or num is None:
            continue
        report = _gradient_report(k, item.array, grad, num, atol, rtol)
        if report is not None:
            failures.append(report[0])
            mismatches.append(report[1])
    if not failures:
        return True
    if not raise_exception:
        return False
    header = f"gradcheck failed for fn {_describe_fn(fn)}:"
    footer = f"  eps={eps:g}; cotangent: {_describe_cotangent(cotangent, cot)}"
    raise GradcheckError("\n".join([header, *failures, footer]), mismatches)


def check_vjp(
    fn: TensorFn,
    inputs: Sequence[Any],
    n_directions: int = 2,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Random-direction gradient check, cheap enough for large shapes.

    For each of ``n_directions`` directions it draws a standard-normal cotangent ``u`` (output
    shape) and, per floating input, a standard-normal direction ``v`` (input shape), then checks
    ``<J^T u, v>`` (one backward) against ``<u, J v>`` (a central difference along ``v``) with
    ``|backward - numerical| <= atol + rtol * |numerical|``. Cost: one backward and two forward
    passes per input per direction, whatever the shapes.

    Args:
        fn: function of as many Tensors as there are inputs, returning one Tensor.
        inputs: Tensors, ndarrays or scalars (see :func:`numerical_gradient`).
        n_directions: number of random (u, v) draws.
        eps: step of the central difference along ``v``.
        atol: absolute tolerance on the inner products.
        rtol: relative tolerance on the inner products.
        seed: seed of ``np.random.default_rng`` for ``u`` and ``v``.
        raise_exception: raise :class:`GradcheckError` on failure (default) or return False.

    Returns:
        True if every direction matches; False on a mismatch when ``raise_exception`` is False.

    Raises:
        GradcheckError: on a mismatch, or when ``fn`` returns a lower precision than float64.
    """
    prepared = _prepare(inputs)
    rng = np.random.default_rng(seed)
    failures: list[str] = []
    mismatches: list[Mismatch] = []
    for direction in range(n_directions):
        grads, u = _analytical(fn, prepared, lambda shape: rng.standard_normal(shape))
        for k, (item, grad) in enumerate(zip(prepared, grads, strict=True)):
            if item.array is None or grad is None:
                continue
            v = rng.standard_normal(item.array.shape)
            label = f"{direction} of {n_directions}"
            report = _direction_report(fn, prepared, k, grad, (u, v), eps, atol, rtol, label)
            if report is not None and all(m.input_index != k for m in mismatches):
                failures.append(report[0])
                mismatches.append(report[1])
    if not failures:
        return True
    if not raise_exception:
        return False
    header = f"check_vjp failed for fn {_describe_fn(fn)} (seed {seed}):"
    raise GradcheckError("\n".join([header, *failures]), mismatches)


# ----------------------------------------------------------------------------------------------
# Inputs, evaluation and the two sides


def _prepare(inputs: Sequence[Any]) -> list[_Input]:
    """Float64 copies of floating inputs; integer and bool inputs as unchanged Tensors."""
    if isinstance(inputs, (Tensor, np.ndarray)):
        raise TypeError(
            "inputs must be a list or tuple of Tensors/arrays (one per argument of fn), "
            f"got a single {type(inputs).__name__}; write [x] instead of x"
        )
    prepared = []
    for x in inputs:
        array = x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)
        if np.issubdtype(array.dtype, np.floating):
            prepared.append(_Input(_float64_copy(array), None))
        elif isinstance(x, Tensor):
            prepared.append(_Input(None, x))
        else:
            prepared.append(_Input(None, tensor(array)))
    return prepared


def _float64_copy(array: Array) -> Float64Array:
    """Copy ``array`` to float64, keeping its layout: C order, Fortran order, or strided.

    A strided (neither C- nor F-contiguous) input gets a strided copy, a step-2 view into a
    buffer whose gaps hold NaN, so an op that ignores strides shows up as NaN in the check.

    Args:
        array: any ndarray.

    Returns:
        A new float64 array with the values of ``array``.
    """
    if array.flags.c_contiguous:
        return np.array(array, dtype=np.float64, order="C", copy=True)
    if array.flags.f_contiguous:
        return np.array(array, dtype=np.float64, order="F", copy=True)
    axis = max(i for i, side in enumerate(array.shape) if side > 1)
    buffer_shape = list(array.shape)
    buffer_shape[axis] *= 2
    buffer = np.full(buffer_shape, np.nan)
    view = buffer[(slice(None),) * axis + (slice(None, None, 2),)]
    view[...] = array
    return view


def _leaf(array: Float64Array, requires_grad: bool) -> Any:
    """A Tensor sharing memory with ``array`` (so strides are kept), optionally a grad leaf."""
    tensor = from_numpy(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _tensors(prepared: Sequence[_Input], requires_grad: bool = False) -> list[Any]:
    """Fresh Tensors for one call of ``fn``."""
    return [
        item.tensor if item.array is None else _leaf(item.array, requires_grad)
        for item in prepared
    ]


def _check_output(out: Any, fn: TensorFn) -> Any:
    """Make sure ``fn`` returned one Tensor, with a hint for multi-output functions."""
    if not isinstance(out, Tensor):
        raise TypeError(
            f"fn {_describe_fn(fn)} must return one Tensor, got {type(out).__name__}; "
            "check each output separately, e.g. lambda *a: f(*a)[0]"
        )
    return out


def _objective(fn: TensorFn, prepared: Sequence[_Input], cotangent: Float64Array) -> float:
    """``sum(fn(*inputs) * cotangent)`` in float64, for the current input values."""
    out = _check_output(fn(*_tensors(prepared)), fn)
    return float(np.sum(np.asarray(out.detach().numpy(), dtype=np.float64) * cotangent))


def _numerical(
    fn: TensorFn, prepared: Sequence[_Input], cotangent: Float64Array, eps: float
) -> list[Float64Array | None]:
    """Central differences of ``_objective``, one element at a time, under ``no_grad``."""
    with no_grad():
        return central_differences([item.array for item in prepared],
                                   lambda: _objective(fn, prepared, cotangent), eps)


def central_differences(arrays: Sequence[Float64Array | None], value: Callable[[], float],
                        eps: float) -> list[Float64Array | None]:
    """d value() / d array for each array (None for None): each element is moved by +eps and
    -eps in place, ``value()`` read both times, and put back."""
    grads: list[Float64Array | None] = []
    for array in arrays:
        if array is None:
            grads.append(None)
            continue
        grad = np.zeros(array.shape)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            plus = value()
            array[index] = original - eps
            minus = value()
            array[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def _analytical(
    fn: TensorFn,
    prepared: Sequence[_Input],
    make_cotangent: Callable[[tuple[int, ...]], Float64Array],
) -> tuple[list[Float64Array | None], Float64Array]:
    """Run ``fn`` on fresh leaves, backward with ``make_cotangent(out.shape)``; return grads."""
    leaves = _tensors(prepared, requires_grad=True)
    out = _check_output(fn(*leaves), fn)
    _check_precision(out, prepared, fn)
    cotangent = make_cotangent(tuple(out.shape))
    if out.requires_grad:
        out.backward(tensor(cotangent))
    grads: list[Float64Array | None] = []
    for item, leaf in zip(prepared, leaves, strict=True):
        if item.array is None:
            grads.append(None)
        elif leaf.grad is None:
            grads.append(np.zeros(item.array.shape))
        else:
            grads.append(np.array(leaf.grad.detach().numpy(), dtype=np.float64, copy=True))
    return grads, cotangent


def _check_precision(out: Any, prepared: Sequence[_Input], fn: TensorFn) -> None:
    """Central differences in float32 are noise: insist on float64 output for float64 inputs."""
    floating = any(item.array is not None for item in prepared)
    if floating and np.dtype(out.dtype) != np.float64:
        raise GradcheckError(
            f"fn {_describe_fn(fn)} returned a {np.dtype(out.dtype)} Tensor for float64 inputs; "
            "gradient checks need float64 all the way (an op that downcasts float64 is a bug)"
        )


def _make_cotangent(
    cotangent: Array | None, shape: tuple[int, ...], default: str
) -> Float64Array:
    """The user's cotangent checked against the output shape, or the default one."""
    if cotangent is None:
        if default == "ones" or int(np.prod(shape)) == 1:
            return np.ones(shape)
        return np.random.default_rng(0).standard_normal(shape)
    if isinstance(cotangent, Tensor):
        cotangent = cotangent.detach().numpy()
    result = np.asarray(cotangent, dtype=np.float64)
    if result.shape != shape:
        raise ValueError(
            f"cotangent has shape {result.shape} but fn's output has shape {shape}; "
            "the cotangent (upstream gradient) must have the output's shape"
        )
    return result


def _default_cotangent(cotangent: Array | None, shape: tuple[int, ...]) -> Float64Array:
    """Gradcheck's default: ones for one element, fixed-seed standard normal otherwise."""
    return _make_cotangent(cotangent, shape, default="random")


# ----------------------------------------------------------------------------------------------
# Comparison and reports


class _Comparison(NamedTuple):
    """The worst disagreement between two arrays of the same shape (see :func:`_compare`)."""

    element: tuple[int, ...]
    actual: float
    expected: float
    abs_error: float
    allowed: float
    max_abs_error: float
    n_bad: int
    size: int


def _compare(
    actual: Array, expected: Array, atol: float, rtol: float, equal_nan: bool = False
) -> _Comparison | None:
    """Compare elementwise with ``|actual - expected| <= atol + rtol * |expected|``.

    Equal infinities count as equal; NaNs count as equal only with ``equal_nan``.

    Args:
        actual: the array under test.
        expected: the reference, same shape.
        atol: absolute tolerance.
        rtol: relative tolerance, relative to ``expected``.
        equal_nan: whether NaN in both at the same place counts as a match.

    Returns:
        None if every element is close, else the worst element (largest excess over the
        allowed error) with both values, the largest absolute error and the failure count.
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, which correctly fails
        diff = np.abs(a - e)
        allowed = atol + rtol * np.abs(e)
        ok = (diff <= allowed) | (a == e)
    if equal_nan:
        ok |= np.isnan(a) & np.isnan(e)
    if ok.all():
        return None
    with np.errstate(invalid="ignore"):
        excess = np.where(ok, -np.inf, np.nan_to_num(diff - allowed, nan=np.inf))
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), a.shape))
    return _Comparison(
        index, float(a[index]), float(e[index]), float(diff[index]), float(allowed[index]),
        float(np.max(diff)), int((~ok).sum()), int(a.size),
    )


def _gradient_report(
    k: int, array: Array, grad: Array, num: Array, atol: float, rtol: float
) -> tuple[str, Mismatch] | None:
    """Compare one input's backward gradient with the numerical one; describe a failure."""
    what = f"  input {k} (shape {array.shape}, {array.dtype})"
    shape = tuple(array.shape)
    if grad.shape != array.shape:
        text = f"{what}: backward returned a gradient of shape {grad.shape}, expected {shape}"
        return text, Mismatch(k, shape, None, float("nan"), float("nan"), float("inf"))
    found = _compare(grad, num, atol, rtol)
    if found is None:
        return None
    text = "\n".join([
        f"{what}: gradient is wrong",
        f"    worst element: index {found.element}",
        f"      analytical (backward):          {found.actual:.10g}",
        f"      numerical (central difference): {found.expected:.10g}",
        f"      abs error there: {found.abs_error:.4g} "
        f"(allowed: atol + rtol*|numerical| = {found.allowed:.4g})",
        f"    max abs error over input {k}: {found.max_abs_error:.4g}; "
        f"{found.n_bad} of {found.size} elements outside atol={atol:g}, rtol={rtol:g}",
    ])
    mismatch = Mismatch(k, shape, found.element, found.actual, found.expected, found.max_abs_error)
    return text, mismatch


def _direction_report(
    fn: TensorFn,
    prepared: Sequence[_Input],
    k: int,
    grad: Array,
    uv: tuple[Float64Array, Float64Array],
    eps: float,
    atol: float,
    rtol: float,
    label: str,
) -> tuple[str, Mismatch] | None:
    """Compare ``<J^T u, v>`` with the central difference of ``<u, f>`` along ``v`` for input k."""
    u, v = uv
    array = prepared[k].array
    assert array is not None
    shape = tuple(array.shape)
    what = f"  input {k} (shape {shape}, {array.dtype})"
    if grad.shape != array.shape:
        text = f"{what}: backward returned a gradient of shape {grad.shape}, expected {shape}"
        return text, Mismatch(k, shape, None, float("nan"), float("nan"), float("inf"))
    backward = float(np.sum(grad * v))
    original = array.copy()
    with no_grad():
        array[...] = original + eps * v
        plus = _objective(fn, prepared, u)
        array[...] = original - eps * v
        minus = _objective(fn, prepared, u)
        array[...] = original
    numerical = (plus - minus) / (2 * eps)
    error, allowed = abs(backward - numerical), atol + rtol * abs(numerical)
    if error <= allowed:
        return None
    text = "\n".join([
        f"{what}: gradient is wrong along random direction {label}",
        f"    <J^T u, v> by backward:         {backward:.10g}",
        f"    <u, J v> by central difference: {numerical:.10g}",
        f"    abs error: {error:.4g} (allowed: atol + rtol*|numerical| = {allowed:.4g})",
    ])
    return text, Mismatch(k, shape, None, backward, numerical, error)


def _describe_fn(fn: Callable[..., Any]) -> str:
    """``'name' (file.py:line)`` for functions and lambdas, the repr for other callables."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    code = getattr(fn, "__code__", None)
    if name is None:
        return repr(fn)
    if code is None:
        return f"'{name}'"
    return f"'{name}' ({os.path.basename(code.co_filename)}:{code.co_firstlineno})"


def _describe_cotangent(given: Array | None, used: Float64Array) -> str:
    """Say which cotangent was used, so a failure can be reproduced."""
    if given is not None:
        return f"the given array of shape {used.shape}"
    if used.size == 1:
        return f"ones of shape {used.shape}"
    return f"standard normal from np.random.default_rng(0), shape {used.shape}"
