"""``check_layer``: compare a student's forward/backward pair with the reference layer.

The autograder a teacher can hand out. hypothesis draws small inputs (shapes, hyper-parameters
and a seed for the values); for each draw the student's forward and the reference forward
(``tinygrad_edu.classic``) run on copies of the same inputs, then both backwards on the same
random upstream gradient. The first output or gradient that differs is reported in plain
words: which one, for which input shapes, at which index, yours and the expected value.

Usage::

    from tinygrad_edu.testing import check_layer
    check_layer(my_conv_forward, my_conv_backward, reference="conv")

The student's functions follow the course's signatures (``conv_forward(x, w, b, conv_param)
-> (out, cache)``, ``conv_backward(dout, cache) -> (dx, dw, db)``, ...); see ``REFERENCES``
for the layers that can be checked.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

__all__ = ["REFERENCES", "LayerCheckError", "check_layer"]


class LayerCheckError(AssertionError):
    """The student's layer disagrees with the reference (the message says where)."""


class _Spec(NamedTuple):
    """How to check one layer: inputs, reference pair and the names to report."""

    draw: Callable[[Any], tuple[list[Any], list[str]]]  # data -> (args, arg names)
    forward: str  # reference functions, looked up in tinygrad_edu.classic
    backward: str
    outputs: tuple[str, ...]  # names of the forward's outputs before the cache
    grads: tuple[str, ...]  # names of the backward's results
    signature: str


def _values(draw: Any, shapes: list[tuple[int, ...]]) -> list[Array]:
    """Continuous random float64 arrays (no ties, no exact zeros) from a drawn seed."""
    from hypothesis import strategies as st

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [rng.standard_normal(shape) for shape in shapes]


def _ints(draw: Any, low: int, high: int) -> int:
    from hypothesis import strategies as st

    return int(draw(st.integers(low, high)))


def _draw_affine(draw: Any) -> tuple[list[Any], list[str]]:
    n, dims, m = _ints(draw, 1, 3), [_ints(draw, 1, 3) for _ in range(_ints(draw, 1, 2))], \
        _ints(draw, 1, 4)
    x, w, b = _values(draw, [(n, *dims), (int(np.prod(dims)), m), (m,)])
    return [x, w, b], ["x", "w", "b"]


def _draw_relu(draw: Any) -> tuple[list[Any], list[str]]:
    return _values(draw, [(_ints(draw, 1, 3), _ints(draw, 1, 5))]), ["x"]


def _draw_conv(draw: Any) -> tuple[list[Any], list[str]]:
    n, c, f = _ints(draw, 1, 2), _ints(draw, 1, 3), _ints(draw, 1, 3)
    hh, ww, stride, pad = _ints(draw, 1, 3), _ints(draw, 1, 3), _ints(draw, 1, 2), _ints(draw, 0, 1)
    h, w = hh + _ints(draw, 0, 4), ww + _ints(draw, 0, 4)
    x, wt, b = _values(draw, [(n, c, h, w), (f, c, hh, ww), (f,)])
    return [x, wt, b, {"stride": stride, "pad": pad}], ["x", "w", "b", "conv_param"]


def _draw_pool(draw: Any) -> tuple[list[Any], list[str]]:
    ph, pw, stride = _ints(draw, 1, 3), _ints(draw, 1, 3), _ints(draw, 1, 3)
    shape = (_ints(draw, 1, 2), _ints(draw, 1, 2), ph + _ints(draw, 0, 4), pw + _ints(draw, 0, 4))
    params = {"pool_height": ph, "pool_width": pw, "stride": stride}
    return [_values(draw, [shape])[0], params], ["x", "pool_param"]


def _draw_norm(draw: Any, spatial: bool, running: bool) -> tuple[list[Any], list[str]]:
    n, d = _ints(draw, 2, 4), _ints(draw, 1, 4)
    shape = (n, d, _ints(draw, 1, 3), _ints(draw, 1, 3)) if spatial else (n, d)
    x, gamma, beta = _values(draw, [shape, (d,), (d,)])
    params: dict[str, Any] = {"mode": "train"} if running else {}
    return [x * 2 + 1, gamma, beta, params], ["x", "gamma", "beta",
                                             "bn_param" if running else "ln_param"]


def _draw_groupnorm(draw: Any) -> tuple[list[Any], list[str]]:
    groups = _ints(draw, 1, 3)
    c = groups * _ints(draw, 1, 2)
    shape = (_ints(draw, 1, 3), c, _ints(draw, 1, 3), _ints(draw, 1, 3))
    x, gamma, beta = _values(draw, [shape, (1, c, 1, 1), (1, c, 1, 1)])
    return [x, gamma, beta, groups, {}], ["x", "gamma", "beta", "G", "gn_param"]


def _draw_dropout(draw: Any) -> tuple[list[Any], list[str]]:
    from hypothesis import strategies as st

    x = _values(draw, [(_ints(draw, 1, 4), _ints(draw, 1, 6))])[0]
    p = draw(st.sampled_from([0.25, 0.5, 0.8]))
    return [x, {"mode": "train", "p": p, "seed": _ints(draw, 0, 1000)}], ["x", "dropout_param"]


def _draw_recurrent(draw: Any, gates: int, sequence: bool, cell: bool
                    ) -> tuple[list[Any], list[str]]:
    n, d, h, t = _ints(draw, 1, 3), _ints(draw, 1, 3), _ints(draw, 1, 3), _ints(draw, 1, 3)
    x_shape = (n, t, d) if sequence else (n, d)
    shapes = [x_shape, (n, h)] + ([(n, h)] if cell else []) + [(d, gates * h), (h, gates * h),
                                                                 (gates * h,)]
    arrays = _values(draw, shapes)
    names = ["x", "h0" if sequence else "prev_h"] + (["prev_c"] if cell else []) + \
        ["Wx", "Wh", "b"]
    return arrays, names


def _draw_embedding(draw: Any) -> tuple[list[Any], list[str]]:
    v, d = _ints(draw, 1, 5), _ints(draw, 1, 3)
    rng = np.random.default_rng(_ints(draw, 0, 1000))
    x = rng.integers(0, v, size=(_ints(draw, 1, 3), _ints(draw, 1, 4)))
    return [x, _values(draw, [(v, d)])[0]], ["x", "W"]


def _draw_temporal_affine(draw: Any) -> tuple[list[Any], list[str]]:
    n, t, d, m = (_ints(draw, 1, 3) for _ in range(4))
    return _values(draw, [(n, t, d), (d, m), (m,)]), ["x", "w", "b"]


REFERENCES: dict[str, _Spec] = {
    "affine": _Spec(_draw_affine, "layers.affine_forward", "layers.affine_backward", ("out",),
                    ("dx", "dw", "db"), "affine_forward(x, w, b) / affine_backward(dout, cache)"),
    "relu": _Spec(_draw_relu, "layers.relu_forward", "layers.relu_backward", ("out",), ("dx",),
                  "relu_forward(x) / relu_backward(dout, cache) -> dx"),
    "conv": _Spec(_draw_conv, "layers.conv_forward_fast", "layers.conv_backward_fast", ("out",),
                  ("dx", "dw", "db"),
                  "conv_forward(x, w, b, conv_param) / conv_backward(dout, cache)"),
    "max_pool": _Spec(_draw_pool, "layers.max_pool_forward_fast",
                      "layers.max_pool_backward_fast", ("out",), ("dx",),
                      "max_pool_forward(x, pool_param) / max_pool_backward(dout, cache) -> dx"),
    "batchnorm": _Spec(lambda d: _draw_norm(d, False, True), "layers.batchnorm_forward",
                       "layers.batchnorm_backward", ("out",), ("dx", "dgamma", "dbeta"),
                       "batchnorm_forward(x, gamma, beta, bn_param) / batchnorm_backward"),
    "spatial_batchnorm": _Spec(lambda d: _draw_norm(d, True, True),
                               "layers.spatial_batchnorm_forward",
                               "layers.spatial_batchnorm_backward", ("out",),
                               ("dx", "dgamma", "dbeta"),
                               "spatial_batchnorm_forward(x, gamma, beta, bn_param)"),
    "layernorm": _Spec(lambda d: _draw_norm(d, False, False), "layers.layernorm_forward",
                       "layers.layernorm_backward", ("out",), ("dx", "dgamma", "dbeta"),
                       "layernorm_forward(x, gamma, beta, ln_param) / layernorm_backward"),
    "spatial_groupnorm": _Spec(_draw_groupnorm, "layers.spatial_groupnorm_forward",
                               "layers.spatial_groupnorm_backward", ("out",),
                               ("dx", "dgamma", "dbeta"),
                               "spatial_groupnorm_forward(x, gamma, beta, G, gn_param)"),
    "dropout": _Spec(_draw_dropout, "layers.dropout_forward", "layers.dropout_backward",
                     ("out",), ("dx",), "dropout_forward(x, dropout_param) (p = keep "
                     "probability, mask from np.random after np.random.seed(seed))"),
    "rnn_step": _Spec(lambda d: _draw_recurrent(d, 1, False, False),
                      "rnn_layers.rnn_step_forward", "rnn_layers.rnn_step_backward",
                      ("next_h",), ("dx", "dprev_h", "dWx", "dWh", "db"),
                      "rnn_step_forward(x, prev_h, Wx, Wh, b)"),
    "rnn": _Spec(lambda d: _draw_recurrent(d, 1, True, False), "rnn_layers.rnn_forward",
                 "rnn_layers.rnn_backward", ("h",), ("dx", "dh0", "dWx", "dWh", "db"),
                 "rnn_forward(x, h0, Wx, Wh, b)"),
    "lstm_step": _Spec(lambda d: _draw_recurrent(d, 4, False, True),
                       "rnn_layers.lstm_step_forward", "rnn_layers.lstm_step_backward",
                       ("next_h", "next_c"), ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
                       "lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b) (gates i, f, o, g)"),
    "lstm": _Spec(lambda d: _draw_recurrent(d, 4, True, False), "rnn_layers.lstm_forward",
                  "rnn_layers.lstm_backward", ("h",), ("dx", "dh0", "dWx", "dWh", "db"),
                  "lstm_forward(x, h0, Wx, Wh, b) (gates i, f, o, g)"),
    "word_embedding": _Spec(_draw_embedding, "rnn_layers.word_embedding_forward",
                            "rnn_layers.word_embedding_backward", ("out",), ("dW",),
                            "word_embedding_forward(x, W) / word_embedding_backward -> dW"),
    "temporal_affine": _Spec(_draw_temporal_affine, "rnn_layers.temporal_affine_forward",
                             "rnn_layers.temporal_affine_backward", ("out",),
                             ("dx", "dw", "db"), "temporal_affine_forward(x, w, b)"),
}


def _reference(path: str) -> Callable[..., Any]:
    import importlib

    module, name = path.split(".")
    return getattr(importlib.import_module(f"tinygrad_edu.classic.{module}"), name)  # type: ignore[no-any-return]


def _describe_inputs(args: list[Any], names: list[str]) -> str:
    parts = []
    for name, value in zip(names, args, strict=True):
        parts.append(f"{name} {value.shape}" if isinstance(value, np.ndarray) else
                     f"{name}={value!r}")
    return ", ".join(parts)


def _split_forward(result: Any, n_out: int, who: str) -> tuple[list[Any], Any]:
    if not isinstance(result, tuple) or len(result) != n_out + 1:
        raise LayerCheckError(f"{who} forward must return {n_out} output(s) and a cache as a "
                              f"tuple of {n_out + 1}, got {type(result).__name__}"
                              f"{f' of length {len(result)}' if isinstance(result, tuple) else ''}")
    return list(result[:n_out]), result[n_out]


def _as_grads(result: Any, n: int) -> list[Any]:
    """The backward's gradients as a list: one-input layers return a bare array (as the
    course's notebooks expect), the others a tuple of n."""
    if n == 1 and isinstance(result, np.ndarray):
        return [result]
    if n > 1 and isinstance(result, tuple | list) and len(result) == n:
        return list(result)
    got = type(result).__name__
    if isinstance(result, tuple | list):
        got += f" of length {len(result)}"
    expected = "1 gradient(s) (a bare array)" if n == 1 else f"{n} gradient(s) as a tuple"
    raise LayerCheckError(f"your backward must return {expected}, got {got}")


def _compare(what: str, yours: Any, expected: Array, rtol: float, atol: float) -> str | None:
    """None when equal within tolerance, else a sentence saying where they differ."""
    yours = np.asarray(yours)
    if yours.shape != expected.shape:
        return f"{what} has shape {yours.shape}, expected {expected.shape}"
    bad = ~np.isclose(yours, expected, rtol=rtol, atol=atol)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"{what} differs from the reference at index {index}: yours is "
            f"{float(yours[index]):.6g}, expected {float(expected[index]):.6g} "
            f"({int(bad.sum())} of {bad.size} values differ, largest difference "
            f"{float(np.max(np.abs(yours - expected))):.3g}; tolerance rtol={rtol}, atol={atol})")


def _run_student(fn: Callable[..., Any], args: list[Any], what: str) -> Any:
    try:
        return fn(*args)
    except LayerCheckError:
        raise
    except Exception as exc:  # the student's bug, reported in words
        raise LayerCheckError(f"your {what} raised {type(exc).__name__}: {exc}") from exc


def _check_once(spec: _Spec, student_forward: Callable[..., Any],
                student_backward: Callable[..., Any], draw: Any, rtol: float, atol: float,
                reference: str) -> None:
    args, names = spec.draw(draw)
    context = (f"check_layer(reference={reference!r}) with inputs "
               f"{_describe_inputs(args, names)}:\n  ")
    ref_args, my_args = copy.deepcopy(args), copy.deepcopy(args)
    ref_outs, ref_cache = _split_forward(_reference(spec.forward)(*ref_args), len(spec.outputs),
                                         "the reference")
    try:
        result = _run_student(student_forward, my_args, "forward")
        my_outs, my_cache = _split_forward(result, len(spec.outputs), "your")
        for name, mine, ref in zip(spec.outputs, my_outs, ref_outs, strict=True):
            problem = _compare(f"your forward's {name}", mine, ref, rtol, atol)
            if problem:
                raise LayerCheckError(problem)
        for i, value in enumerate(ref_args):  # running statistics stored into the dict
            if isinstance(value, dict):
                for key, ref in value.items():
                    if isinstance(ref, np.ndarray):
                        problem = _compare(f"{names[i]}[{key!r}] after your forward",
                                           my_args[i].get(key), ref, rtol, atol)
                        if problem:
                            raise LayerCheckError(problem)
        douts = _values(draw, [np.shape(out) for out in ref_outs])
        ref_grads = _as_grads(_reference(spec.backward)(*douts, ref_cache), len(spec.grads))
        result = _run_student(student_backward, [*copy.deepcopy(douts), my_cache], "backward")
        for name, mine, ref in zip(spec.grads, _as_grads(result, len(spec.grads)), ref_grads,
                                   strict=True):
            problem = _compare(f"your backward's {name}", mine, ref, rtol, atol)
            if problem:
                raise LayerCheckError(problem)
    except LayerCheckError as exc:
        raise LayerCheckError(context + str(exc)) from exc.__cause__


def check_layer(student_forward: Callable[..., Any], student_backward: Callable[..., Any],
                reference: str = "conv", *, max_examples: int = 30, rtol: float = 1e-6,
                atol: float = 1e-8) -> int:
    """Check a student's forward/backward pair against the reference on drawn inputs.

    Args:
        student_forward: called like the reference forward (course signature), on float64
            copies of the drawn inputs; must return the output(s) and a cache.
        student_backward: called as ``backward(dout, cache)`` (``lstm_step``:
            ``backward(dnext_h, dnext_c, cache)``) with the student's own cache; returns the
            gradients in the course's order (a bare array for one-input layers).
        reference: the layer, a key of ``REFERENCES``: 'affine', 'relu', 'conv', 'max_pool',
            'batchnorm', 'spatial_batchnorm', 'layernorm', 'spatial_groupnorm', 'dropout',
            'rnn_step', 'rnn', 'lstm_step', 'lstm', 'word_embedding', 'temporal_affine'.
        max_examples: how many input draws hypothesis tries (derandomized: the same every run).
        rtol, atol: the tolerance of each comparison (``np.isclose``).

    Returns:
        The number of draws checked (all passed).

    Raises:
        LayerCheckError: (an AssertionError) at the first output, running statistic or
            gradient that differs, shrunk by hypothesis to small inputs; the message names it,
            the input shapes, the index and both values. Also when the student's function
            raises or returns the wrong structure.
        ValueError: for an unknown ``reference``.
    """
    if reference not in REFERENCES:
        raise ValueError(f"check_layer: unknown reference {reference!r}; expected one of "
                         f"{sorted(REFERENCES)}")
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    spec = REFERENCES[reference]
    count = [0]

    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
              print_blob=False)
    @given(st.data())
    def run(data: Any) -> None:
        count[0] += 1
        _check_once(spec, student_forward, student_backward, data.draw, rtol, atol, reference)

    run()
    return count[0]
