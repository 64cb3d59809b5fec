"""Catalog rows of the convolutions (``tinygrad_edu/ops/conv.py``): conv2d and
conv_transpose2d with stride, padding, dilation, groups and unbatched inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from catalog.base import (
    TF,
    OpRow,
    Sample,
    Spec,
    normal,
    row,
    torch,
)

ROWS: list[OpRow] = []
add = ROWS.append

# --- convolutions (F.conv2d / F.conv_transpose2d; Numba im2col/col2im behind them)

CONV_SPEC: Spec = lambda size: st.tuples(  # noqa: E731
    st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), st.sampled_from([1, 2]),
    st.integers(1, size.max_side), st.integers(1, size.max_side), st.integers(1, 3),
    st.integers(1, 3))


def _conv_make(transpose: bool, bias: bool = True, unbatched: bool = False, stride: int = 1,
               padding: Any = 0, dilation: int = 1, output_padding: int = 0,
               groups: bool = False) -> Callable[[np.random.Generator, Any], Sample]:
    """x (N, C, H, W) or (C, H, W), weight, optional bias; H and W grown until the output
    has at least one pixel."""

    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, cg, fg, g, h, w, kh, kw = spec
        g = g if groups else 1
        c, f = cg * g, fg * g
        if not transpose:  # conv: the dilated kernel must fit the padded input
            pad = 0 if isinstance(padding, str) else padding
            h = max(h, dilation * (kh - 1) + 1 - 2 * pad)
            w = max(w, dilation * (kw - 1) + 1 - 2 * pad)
        else:  # transposed conv: the output must not be cropped to nothing
            need = lambda k: -(-(2 * padding - dilation * (k - 1) - output_padding) // stride) + 1  # noqa: E731,E501
            h, w = max(h, need(kh)), max(w, need(kw))
        xshape = [c, h, w] if unbatched else [n, c, h, w]
        wshape = [c, fg, kh, kw] if transpose else [f, cg, kh, kw]
        args: tuple[Any, ...] = (normal(rng, xshape), normal(rng, wshape, 0.5))
        if bias:
            args = (*args, normal(rng, [f]))
        kw_: dict[str, Any] = {"stride": stride, "padding": padding, "dilation": dilation,
                               "groups": g}
        if transpose:
            kw_["output_padding"] = output_padding
        return Sample(args, kw_)

    return make


def _conv_fns(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def ours(x: Any, w: Any, b: Any = None, **kw: Any) -> Any:
        return getattr(F, name)(x, w, b, **kw)

    def theirs(x: Any, w: Any, b: Any = None, **kw: Any) -> Any:
        return getattr(TF, name)(x, w, b, **kw)

    return ours, theirs


CONV_ROWS: dict[str, dict[str, Any]] = {
    "basic": {},
    "no_bias": {"bias": False},
    "stride2_padding1": {"stride": 2, "padding": 1},
    "dilation2": {"dilation": 2, "padding": 1},
    "groups": {"groups": True},
    "unbatched": {"unbatched": True, "padding": 1},
    "padding_same": {"padding": "same", "dilation": 2},
}
for _variant, _opts in CONV_ROWS.items():
    add(row("conv2d", *_conv_fns("conv2d"), CONV_SPEC, _conv_make(False, **_opts),
            variant=_variant, grad_rtol=1e-6, max_examples=6, f32_rtol=1e-4, f32_atol=1e-5))
CONVT_ROWS: dict[str, dict[str, Any]] = {
    "basic": {},
    "no_bias": {"bias": False},
    "stride2_output_padding1": {"stride": 2, "output_padding": 1},
    "padding1_dilation2": {"padding": 1, "dilation": 2},
    "groups_stride2": {"groups": True, "stride": 2},
    "unbatched": {"unbatched": True},
}
for _variant, _opts in CONVT_ROWS.items():
    add(row("conv_transpose2d", *_conv_fns("conv_transpose2d"), CONV_SPEC,
            _conv_make(True, **_opts), variant=_variant, grad_rtol=1e-6, max_examples=6,
            f32_rtol=1e-4, f32_atol=1e-5))

# --- conv2d's weight gradient as an op (torch.nn.grad.conv2d_weight), so
# that it can be differentiated again; dy has the conv's output shape.


def _conv_weight_make(stride: int = 1, padding: int = 0, dilation: int = 1,
                      groups: bool = False) -> Callable[[np.random.Generator, Any], Sample]:
    def make(rng: np.random.Generator, spec: tuple[int, ...]) -> Sample:
        n, cg, fg, g, h, w, kh, kw = spec
        g = g if groups else 1
        h = max(h, dilation * (kh - 1) + 1 - 2 * padding)
        w = max(w, dilation * (kw - 1) + 1 - 2 * padding)
        oh, ow = ((size + 2 * padding - dilation * (k - 1) - 1) // stride + 1
                  for size, k in ((h, kh), (w, kw)))
        return Sample((normal(rng, [n, cg * g, h, w]), normal(rng, [n, fg * g, oh, ow])),
                      {"weight_size": (fg * g, cg, kh, kw), "stride": stride,
                       "padding": padding, "dilation": dilation, "groups": g})

    return make


def _conv_weight_ours(x: Any, dy: Any, weight_size: Any, **kw: Any) -> Any:
    return tg.nn.grad.conv2d_weight(x, weight_size, dy, **kw)


def _conv_weight_torch(x: Any, dy: Any, weight_size: Any, **kw: Any) -> Any:
    return torch.nn.grad.conv2d_weight(x, weight_size, dy, **kw)


for _variant, _opts in {"basic": {}, "stride2_padding1": {"stride": 2, "padding": 1},
                        "dilation2_groups": {"dilation": 2, "padding": 1, "groups": True}
                        }.items():
    add(row("conv2d_weight", _conv_weight_ours, _conv_weight_torch, CONV_SPEC,
            _conv_weight_make(**_opts), variant=_variant, grad_rtol=1e-6, max_examples=6,
            f32_rtol=1e-4, f32_atol=1e-5))
