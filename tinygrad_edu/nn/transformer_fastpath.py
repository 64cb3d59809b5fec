"""What PyTorch's Transformer layers do differently in inference, reproduced.

In evaluation mode, when no gradient is wanted, PyTorch runs its Transformer encoder through
fused kernels instead of the step-by-step layers of ``transformer.py``. The numbers are the
same except in two places, which this module reproduces so that outputs match PyTorch's:

- ``TransformerEncoder`` with ``enable_nested_tensor`` (and ``batch_first``, no ``mask``, a
  ``src_key_padding_mask`` with the padding at the end of each row) packs the sequences
  into a "nested tensor" of their real positions only and pads the result back with zeros:
  the output at padded positions is 0 (then the final ``norm``). ``nested_padding`` says
  when, and ``why_no_nested_tensor`` gives PyTorch's warning text when the encoder's layer
  rules that path out.
- ``TransformerEncoderLayer``'s fused kernel gives NaN for a query that may look at no key
  (a fully padded sequence, a fully masked row of ``src_mask``), where the step-by-step
  layer gives a finite value: ``fused_blind_queries``.

A reader learning Transformers can skip this file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import is_grad_enabled
from ..tensor import Tensor

__all__ = ["fused_blind_queries", "left_aligned", "nested_padding", "why_no_nested_tensor"]


def fused_blind_queries(layer: Any, src: Tensor, src_mask: Tensor | None,
                        key_padding_mask: Tensor | None) -> np.ndarray | None:
    """(N, S) positions that may look at no key at all, where PyTorch's fused inference
    kernel would run (it returns NaN there; the step-by-step layer a finite value).

    PyTorch takes that kernel in evaluation mode when no gradient is wanted, for batched
    ``batch_first`` input, biases, ReLU or GELU, an even number of heads, equal norm eps
    and no hooks (the conditions of its ``TransformerEncoderLayer.forward``)."""
    attn = layer.self_attn
    if (layer.training or src.dim() != 3 or not attn.batch_first
            or attn.in_proj_bias is None or not attn._qkv_same_embed_dim
            or not layer.activation_relu_or_gelu or layer.norm1.eps != layer.norm2.eps
            or attn.num_heads % 2 == 1
            or (src_mask is None and key_padding_mask is None)):
        return None
    if any(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in layer.modules()):
        return None
    params = (src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight,
              attn.out_proj.bias, layer.norm1.weight, layer.norm1.bias, layer.norm2.weight,
              layer.norm2.bias, layer.linear1.weight, layer.linear1.bias,
              layer.linear2.weight, layer.linear2.bias)
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in params):
        return None
    merged, _ = attn.merge_masks(src_mask, key_padding_mask, src)
    masked = np.isneginf(merged.numpy(force=True))
    if masked.ndim == 2:  # key padding only: (N, S), the same for every query
        blind = np.repeat(masked.all(axis=1)[:, None], src.shape[1], axis=1)
    else:  # (N, heads, L, S): blind in any head
        blind = masked.all(axis=-1).any(axis=1)
    return blind if blind.any() else None


def nested_padding(encoder: Any, src: Tensor, mask: Tensor | None,
                   key_padding: Tensor | None) -> np.ndarray | None:
    """The (N, S) padding PyTorch's nested-tensor path drops, or None when it is not
    taken (the conditions of PyTorch's ``TransformerEncoder.forward``)."""
    first = encoder.layers[0]
    if not getattr(encoder, "use_nested_tensor", False) or first.training or src.dim() != 3:
        return None
    if key_padding is None or mask is not None:
        return None
    padding = key_padding.numpy(force=True) != 0  # logical_not of the float mask
    if encoder.mask_check and not left_aligned(padding):
        return None
    attn = first.self_attn
    params = (attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight,
              attn.out_proj.bias, first.norm1.weight, first.norm1.bias, first.norm2.weight,
              first.norm2.bias, first.linear1.weight, first.linear1.bias,
              first.linear2.weight, first.linear2.bias)
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in (src, *params)):
        return None
    return padding


def why_no_nested_tensor(layer: Any, is_encoder_layer: bool) -> str:
    """PyTorch's reason (its warning text) why an encoder of ``layer`` cannot use its
    nested-tensor fast path, or "" when it can."""
    name = "encoder_layer"
    attn = getattr(layer, "self_attn", None)
    if not is_encoder_layer or attn is None:
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not attn.batch_first:
        return (f"{name}.self_attn.batch_first was not True(use batch_first for better "
                "inference performance)")
    if not getattr(attn, "_qkv_same_embed_dim", True):
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if getattr(attn, "in_proj_bias", None) is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


def left_aligned(padding: np.ndarray) -> bool:
    """True when each row of a (N, S) padding mask is False..False then True..True."""
    keep = ~padding
    return bool((keep[:, 1:] <= keep[:, :-1]).all())
