"""``torch.nn.grad``: the gradients of a convolution, as functions of their own.

A convolution ``out = conv(x, weight)`` is linear in each argument, so its gradients are
convolutions again:

- the input gradient, ``conv2d_input``, is the transposed convolution of ``grad_output``
  with the same weight (``output_padding`` restores the rows and columns of x that no window
  reached);
- the weight gradient, ``conv2d_weight``, correlates the input with ``grad_output``: the
  registered op ``conv2d_weight`` (``ops/conv.py``), which is also what ``conv2d``'s
  differentiable backward uses.

Both are recorded like any op, so they can be differentiated again. The 1-d forms view a
sequence as a height-1 image (as ``F.conv1d`` does); the 3-d forms take the gradient of
``F.conv3d`` (itself made of 2-D convolutions) with autograd.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import OPS, apply_op, is_grad_enabled
from ..autograd import grad as autograd_grad
from ..ops.conv_args import conv_pair, transposed_output_size
from ..tensor import Tensor
from . import functional as F
from .functional.conv import conv_single, conv_tuple

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
           "conv3d_weight"]


def _size(value: Any, dims: int, name: str, arg: str) -> tuple[int, ...]:
    """A full shape (N, C, *spatial) or an unbatched one (C, *spatial)."""
    size = tuple(int(s) for s in value) if isinstance(value, Sequence | np.ndarray) else ()
    if len(size) not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}: expected {arg} to be a sequence of {dims + 2} sizes "
                           f"(N, C, ...), got {value!r}")
    return size


def conv2d_input(input_size: Sequence[int], weight: Tensor, grad_output: Tensor,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                 ) -> Tensor:
    """The gradient of ``F.conv2d(input, weight, ...)`` with respect to an input of shape
    ``input_size``, given the gradient of its output.

    It is ``F.conv_transpose2d(grad_output, weight)`` with the ``output_padding`` (smaller than
    the stride) that gives the input's height and width.

    Args:
        input_size: the input's shape (N, C, H, W).
        weight: (F, C / groups, KH, KW).
        grad_output: (N, F, OH, OW), the gradient of the convolution's output.
        stride, padding, dilation, groups: the convolution's.
    """
    name = "conv2d_input"
    size = _size(input_size, 2, name, "input_size")
    s, p, d = (conv_pair(v, name, a) for v, a in ((stride, "stride"), (padding, "padding"),
                                                  (dilation, "dilation")))
    if grad_output.ndim != 4 or weight.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4D grad_output and a 4D weight, got shapes "
                           f"{tuple(grad_output.shape)} and {tuple(weight.shape)}")
    extra = tuple(n - transposed_output_size(o, k, s_, p_, 0, d_) for n, o, k, s_, p_, d_ in
                  zip(size[-2:], grad_output.shape[2:], weight.shape[2:], s, p, d,
                      strict=True))
    if any(e < 0 or e >= st for e, st in zip(extra, s, strict=True)):
        raise RuntimeError(f"{name}: grad_output of shape {tuple(grad_output.shape)} is not "
                           f"the output of a convolution of an input of size {size} with "
                           f"kernel {tuple(weight.shape[2:])}, stride {s}, padding {p} and "
                           f"dilation {d}")
    return F.conv_transpose2d(grad_output, weight, None, s, p, extra, groups, d)


def conv2d_weight(input: Tensor, weight_size: Sequence[int], grad_output: Tensor,  # noqa: A002
                  stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                  ) -> Tensor:
    """The gradient of ``F.conv2d(input, weight, ...)`` with respect to a weight of shape
    ``weight_size`` (F, C / groups, KH, KW), given the gradient of its output (N, F, OH, OW):
    the ``conv2d_weight`` op (see ``ops/conv.py`` for the math)."""
    name = "conv2d_weight"
    size = _size(weight_size, 2, name, "weight_size")
    if len(size) != 4:
        raise RuntimeError(f"{name}: expected weight_size (F, C / groups, KH, KW), got "
                           f"{tuple(weight_size)}")
    out = apply_op(OPS["conv2d_weight"], input, grad_output, kernel_size=size[2:],
                   stride=stride, padding=padding, dilation=dilation, groups=groups)
    if tuple(out.shape) != size:
        raise RuntimeError(f"{name}: weight_size {size} does not match input of shape "
                           f"{tuple(input.shape)} and grad_output of shape "
                           f"{tuple(grad_output.shape)} with groups={groups}: the weight "
                           f"gradient has shape {tuple(out.shape)}")
    return out


def conv1d_input(input_size: Sequence[int], weight: Tensor, grad_output: Tensor,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                 ) -> Tensor:
    """``conv2d_input`` of the height-1 image: input (N, C, L), weight (F, C / groups, K)."""
    name = "conv1d_input"
    size = _size(input_size, 1, name, "input_size")
    (s,), (p,), (d,) = (conv_single(v, name, a) for v, a in (
        (stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    dx = conv2d_input((*size[:-1], 1, size[-1]), weight.unsqueeze(-2),
                      grad_output.unsqueeze(-2), (1, s), (0, p), (1, d), groups)
    return dx.squeeze(-2)


def conv1d_weight(input: Tensor, weight_size: Sequence[int], grad_output: Tensor,  # noqa: A002
                  stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                  ) -> Tensor:
    """``conv2d_weight`` of the height-1 image: weight_size (F, C / groups, K)."""
    name = "conv1d_weight"
    size = _size(weight_size, 1, name, "weight_size")
    (s,), (p,), (d,) = (conv_single(v, name, a) for v, a in (
        (stride, "stride"), (padding, "padding"), (dilation, "dilation")))
    dw = conv2d_weight(input.unsqueeze(-2), (*size[:-1], 1, size[-1]),
                       grad_output.unsqueeze(-2), (1, s), (0, p), (1, d), groups)
    return dw.squeeze(-2)


def _vjp(name: str, output: Tensor, wrt: Tensor, grad_output: Tensor, other: Tensor
         ) -> Tensor:
    """d<output, grad_output>/d wrt; itself a graph when grad_output or the convolution's
    other argument needs a gradient (``wrt`` is a zero stand-in: the map is linear)."""
    if tuple(grad_output.shape) != tuple(output.shape):
        raise RuntimeError(f"{name}: grad_output of shape {tuple(grad_output.shape)} does not "
                           f"match the convolution's output, of shape {tuple(output.shape)}")
    higher = is_grad_enabled() and (grad_output.requires_grad or other.requires_grad)
    (g,) = autograd_grad(output, [wrt], grad_outputs=grad_output, create_graph=higher)
    return g


def conv3d_input(input_size: Sequence[int], weight: Tensor, grad_output: Tensor,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                 ) -> Tensor:
    """The gradient of ``F.conv3d`` with respect to an input of shape ``input_size``
    (N, C, D, H, W), by autograd through ``F.conv3d`` (a sum of 2-D convolutions)."""
    name = "conv3d_input"
    size = _size(input_size, 3, name, "input_size")
    conv_tuple(stride, 3, name, "stride")
    x = Tensor(np.zeros(size, dtype=grad_output.numpy(force=True).dtype), requires_grad=True)
    out = F.conv3d(x, weight, None, stride, padding, dilation, groups)
    return _vjp(name, out, x, grad_output, weight)


def conv3d_weight(input: Tensor, weight_size: Sequence[int], grad_output: Tensor,  # noqa: A002
                  stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1
                  ) -> Tensor:
    """The gradient of ``F.conv3d`` with respect to a weight of shape ``weight_size``
    (F, C / groups, KD, KH, KW), by autograd through ``F.conv3d``."""
    name = "conv3d_weight"
    size = _size(weight_size, 3, name, "weight_size")
    conv_tuple(stride, 3, name, "stride")
    w = Tensor(np.zeros(size, dtype=input.numpy(force=True).dtype), requires_grad=True)
    out = F.conv3d(input, w, None, stride, padding, dilation, groups)
    return _vjp(name, out, w, grad_output, input)
