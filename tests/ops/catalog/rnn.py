"""Catalog rows of the sequence ops (``tinygrad_edu/ops/rnn.py``): embedding, the four cells and
the four one-layer sequence ops.

Torch references: ``torch.nn.functional.embedding``; ``torch.rnn_tanh_cell``,
``torch.rnn_relu_cell``, ``torch.lstm_cell``, ``torch.gru_cell`` (same signatures as ours);
for one layer over a sequence ``torch.rnn_tanh`` / ``torch.rnn_relu`` / ``torch.lstm`` /
``torch.gru`` with a flat parameter list, one layer, one direction, time-major, states with a
leading axis of 1. ``reverse=True`` (the backward half of a bidirectional layer) is checked
against the forward-direction torch op on the time-flipped sequence, flipped back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from catalog.base import OpRow, Sample, ints, normal, row, sides
from tinygrad_edu.nn import functional as R

GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _ours_cell(name: str) -> Callable[..., Any]:
    fn = getattr(R, name)

    def ours(x: Any, *rest: Any) -> Any:
        if name == "lstm_cell":
            h, c, *weights = rest
            return fn(x, (h, c), *weights)
        return fn(x, *rest)

    return ours


def _torch_cell(name: str) -> Callable[..., Any]:
    def theirs(x: Any, *rest: Any) -> Any:
        import torch

        fn = getattr(torch, name)
        if name == "lstm_cell":
            h, c, *weights = rest
            return fn(x, (h, c), *weights)
        return fn(x, *rest)

    return theirs


def _ours_sequence(op: str) -> Callable[..., Any]:
    fn = getattr(R, op)

    def ours(x: Any, *rest: Any, reverse: bool = False) -> Any:
        if op == "lstm":
            h, c, *weights = rest
            out, (h_n, c_n) = fn(x, (h, c), *weights, reverse=reverse)
            return out, h_n, c_n
        h, *weights = rest
        out, h_n = fn(x, h, *weights, reverse=reverse)
        return out, h_n

    return ours


def _torch_sequence(op: str) -> Callable[..., Any]:
    def theirs(x: Any, *rest: Any, reverse: bool = False) -> Any:
        import torch

        states = 2 if op == "lstm" else 1
        hx = [s.unsqueeze(0) for s in rest[:states]]
        weights = list(rest[states:])
        if reverse:
            x = torch.flip(x, [0])
        outs = getattr(torch, op)(x, tuple(hx) if op == "lstm" else hx[0], weights,
                                  len(weights) == 4, 1, 0.0, True, False, False)
        out = torch.flip(outs[0], [0]) if reverse else outs[0]
        return (out, *[s[0] for s in outs[1:]])

    return theirs


def _cell_make(op: str, bias: bool) -> Callable[[np.random.Generator, Any], Sample]:
    """x (N, D), the state(s) (N, H), both weights and optionally both biases of one cell."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, d, h = spec
        g = GATES[op] * h
        states = [normal(rng, [n, h]) for _ in range(2 if op == "lstm" else 1)]
        args = [normal(rng, [n, d]), *states, normal(rng, [g, d], 0.5),
                normal(rng, [g, h], 0.5)]
        if bias:
            args += [normal(rng, [g], 0.5), normal(rng, [g], 0.5)]
        return Sample(tuple(args))

    return make


def _sequence_make(op: str, bias: bool, reverse: bool
                   ) -> Callable[[np.random.Generator, Any], Sample]:
    """A cell's sample with x (T, N, D) in place of x (N, D), and the ``reverse`` flag."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        t, n, d, h = spec
        sample = _cell_make(op, bias)(rng, (n, d, h))
        x = normal(rng, [t, n, d])
        return Sample((x, *sample.args[1:]), {"reverse": reverse})

    return make


def _embedding_make(padding: bool) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        rows, dim, a, b = spec
        kwargs = {"padding_idx": int(rng.integers(0, rows))} if padding else {}
        return Sample((ints(rng, [a, b], 0, rows), normal(rng, [rows, dim])), kwargs)

    return make


def _embedding_torch(ids: Any, weight: Any, **kw: Any) -> Any:
    import torch.nn.functional as TF

    return TF.embedding(ids, weight, **kw)


ROWS: list[OpRow] = [
    row("embedding", R.embedding, _embedding_torch, sides(4, 1, None),
        _embedding_make(False), variant="basic"),
    # padding_idx zeroes its row's gradient on purpose: not a derivative, no gradcheck
    row("embedding", R.embedding, _embedding_torch, sides(4, 1, None),
        _embedding_make(True), variant="padding_idx", gradcheck=False),
]
TOL = dict(rtol=1e-9, atol=1e-11, grad_rtol=1e-8, grad_atol=1e-10, f32_rtol=1e-4,
           f32_atol=1e-5)
for _name in ("rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"):
    for _bias in (True, False):
        ROWS.append(row(_name, _ours_cell(_name), _torch_cell(_name), sides(3, 1, None),
                        _cell_make(_name.removesuffix("_cell"), _bias),
                        variant="bias" if _bias else "no_bias", **TOL))
for _op in ("rnn_tanh", "rnn_relu", "lstm", "gru"):
    for _variant, _bias, _reverse in (("forward", True, False), ("reverse", True, True),
                                      ("no_bias", False, False)):
        ROWS.append(row(_op, _ours_sequence(_op), _torch_sequence(_op), sides(4, 1, None),
                        _sequence_make(_op, _bias, _reverse), variant=_variant,
                        max_examples=15, **TOL))
