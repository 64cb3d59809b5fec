"""Attention: ``F.scaled_dot_product_attention`` and ``F.multi_head_attention_forward``.

Attention is a soft dictionary look-up. Each query row q asks "which keys look like me?": the
scores q . k_j / sqrt(E) are turned into weights by a softmax over the keys j, and the answer
is the weighted average of the values v_j:

    Attention(Q, K, V) = softmax(Q K^T * scale + mask) V

Everything here is built from differentiable Tensor operations (matmul, softmax, ``where``,
dropout), so autograd derives the gradients; there is no new registered op. Two conventions
of PyTorch are worth remembering:

* in ``scaled_dot_product_attention`` a bool mask says which keys TAKE PART (True = attend);
* in ``multi_head_attention_forward`` / ``nn.MultiheadAttention`` a bool mask says which keys
  are MASKED OUT (True = ignore). Both become an additive float mask of 0 and -inf.

A query row whose keys are all masked has no sensible softmax (0 / 0). PyTorch's
``scaled_dot_product_attention`` returns zeros for such a row (its "safe softmax"), while
``multi_head_attention_forward`` with ``need_weights=True`` keeps the NaN of a plain softmax;
both behaviours are reproduced here.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ...tensor import Tensor, creation
from ...tensor.convert import check_tensor
from ...tensor.functions import cat, where
from .dropout import dropout
from .linear import linear

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]

_NAME = "scaled_dot_product_attention"


# ----------------------------------------------------------------------------------------------
# scaled dot-product attention


def _check_sdpa_inputs(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
                       dropout_p: float, is_causal: bool) -> None:
    for arg, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, f"{_NAME} ({arg})")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"{_NAME}: expected query, key, and value to all be at least 2 "
                           f"dimensional, but got query.dim: {query.ndim} key.dim: {key.ndim} "
                           f"and value.dim: {value.ndim} instead.")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"{_NAME}: expected query, key, and value to have the same dtype, "
                           f"but got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                           f"value.dtype: {value.dtype} instead.")
    if query.dtype.kind != "f":
        raise RuntimeError(f"{_NAME}: expected floating point query, key and value (float32 or "
                           f"float64), got {query.dtype}")
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(f"{_NAME}: query and key must have the same embedding size E (last "
                           f"dim), got query {query.shape} and key {key.shape}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{_NAME}: key and value must have the same sequence length S "
                           f"(dim -2), got key {key.shape} and value "
                           f"{value.shape}")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{_NAME}(): argument 'attn_mask' must be Tensor, not "
                            f"{type(attn_mask).__name__}")
        if attn_mask.dtype.kind not in "bf" and attn_mask.dtype != query.dtype:
            raise RuntimeError(f"{_NAME}: expected attn_mask dtype to be bool or float or to "
                               f"match query dtype, but got attn_mask.dtype: {attn_mask.dtype} "
                               f"and query.dtype: {query.dtype} instead.")
        if is_causal:
            raise RuntimeError(f"{_NAME}: Explicit attn_mask should not be set when "
                               "is_causal=True")
    if not isinstance(is_causal, bool):
        raise TypeError(f"{_NAME}(): argument 'is_causal' must be bool, not "
                        f"{type(is_causal).__name__}")
    if dropout_p > 1.0:  # like PyTorch, a negative p means no dropout
        raise RuntimeError(f"{_NAME}: dropout probability has to be between 0 and 1, but got "
                           f"{dropout_p}")


def _repeat_kv_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: each key/value head serves Hq / Hk consecutive query heads.

    ``repeat_interleave`` copies key head h to query heads h*g .. h*g + g - 1 (g = Hq / Hk);
    its backward sums the g gradients back into the shared head.
    """
    hq = query.shape[-3] if query.ndim >= 3 else 1
    for t in (key, value):
        ht = t.shape[-3] if t.ndim >= 3 else 1
        if ht == 0 or hq % ht:
            raise RuntimeError(f"{_NAME}: Number of heads in key and value must divide the "
                               f"number of heads in query, got query heads {hq}, key heads "
                               f"{key.shape[-3]} and value heads {value.shape[-3]}")
    if query.ndim < 3:
        return key, value
    return tuple(t if t.ndim < 3 or t.shape[-3] == hq
                 else t.repeat_interleave(hq // t.shape[-3], dim=-3)
                 for t in (key, value))  # type: ignore[return-value]


def _safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, with 0 (not NaN) for rows whose scores are all -inf.

    Such a row is a query that may look at no key at all. Its -inf scores are replaced by 0
    before the softmax (so no NaN enters the graph, not even in the backward pass) and its
    weights are set to 0 afterwards (``where`` sends no gradient to the unchosen branch).
    An empty row (S = 0) counts as fully masked, as in PyTorch.
    """
    if scores.numel() == 0:  # no keys (the output is zeros) or no queries: nothing to do
        return scores
    # a row is dead when its largest score is -inf (amax and == are ops: a traced graph for
    # ONNX export computes the test again from the scores)
    dead = scores.detach().amax(dim=-1, keepdim=True) == -math.inf
    weights = where(dead, 0.0, scores).softmax(-1)
    return where(dead, 0.0, weights)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value, with dropout on the attention weights.

    Args:
        query: (N..., L, E); key: (N..., S, E); value: (N..., S, Ev). The batch dims N...
            broadcast against each other.
        attn_mask: bool (True = this key takes part) or float (added to the scores, -inf
            removes a key); it broadcasts to (N..., L, S).
        dropout_p: probability to drop an attention weight (always applied: pass 0.0 in eval
            mode, as PyTorch's docs say). The draws are ``F.dropout``'s, so a seed drops the
            same weights as PyTorch.
        is_causal: query i sees only keys j <= i: the lower-left triangle ``tril`` of an
            (L, S) matrix of ones, aligned at the top-left even when L != S.
        scale: the factor of the scores; None means 1 / sqrt(E).
        enable_gqa: grouped-query attention: key and value may have fewer heads (dim -3)
            than query, each serving a group of query heads.

    Returns:
        (N..., L, Ev). A query row with every key masked gives zeros.

    Example:
        >>> import tinygrad_edu as tg
        >>> q, k, v = tg.ones(2, 4, 8), tg.ones(2, 6, 8), tg.ones(2, 6, 3)
        >>> tg.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        torch.Size([2, 4, 3])
    """
    _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value)
    n_l, n_s = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        attn_mask = creation.ones(n_l, n_s, dtype="bool").tril()
    if attn_mask is not None:
        if attn_mask.dtype.kind == "b":  # keep the scores where True (``where`` is an op, so
            scores = where(attn_mask, scores, -math.inf)  # a traced graph reads the mask)
        else:
            scores = scores + attn_mask.to(scores.dtype)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, float(dropout_p))
    return weights @ value


# ----------------------------------------------------------------------------------------------
# multi-head attention (PyTorch's F.multi_head_attention_forward)


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor,
                     key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                     num_heads: int) -> bool:
    """PyTorch's checks of the ranks; True when the input is batched (3-D query)."""
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.ndim}-D query tensor")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be "
                             f"{query.ndim}-D but found {key.ndim}-D and {value.ndim}-D "
                             "tensors respectively")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` "
                             f"or {query.ndim - 1}-D but found {key_padding_mask.ndim}-D "
                             "tensor instead")
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D "
                                 f"or 3-D but found {attn_mask.ndim}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                 f"{attn_mask.shape}")
    return batched


def canonical_mask(mask: Tensor | None, mask_name: str, other_type: Any, other_name: str,
                   target_type: Any, check_other: bool = True) -> Tensor | None:
    """A bool mask (True = masked out) becomes a float mask of 0 and -inf; floats pass."""
    if mask is None:
        return None
    check_tensor(mask, mask_name)
    if mask.dtype.kind not in "bf":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if mask.dtype.kind == "b":
        return creation.zeros(tuple(mask.shape), dtype=target_type).masked_fill(mask, -math.inf)
    return mask


def _dtype_or_none(t: Tensor | None) -> Any:
    return None if t is None else t.dtype


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor,
                          b: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """Project q, k, v with the three (E, E) blocks of the packed (3E, E) weight."""
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q: Tensor, k: Tensor, v: Tensor, w_q: Tensor, w_k: Tensor, w_v: Tensor,
                   b: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """Project q, k, v with separate weights (when key/value sizes differ from E)."""
    e_q, e_k, e_v = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, shape in (("query", w_q, (e_q, e_q)), ("key", w_k, (e_q, e_k)),
                           ("value", w_v, (e_q, e_v))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got "
                                 f"{w.shape}")
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more key column (the bias or zero key), open to every query: pad with 0."""
    if mask is None:
        return None
    return cat([mask, creation.zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], dim=-1)


def _prepare_attn_mask(attn_mask: Tensor, tgt_len: int, src_len: int, bsz: int,
                       num_heads: int) -> Tensor:
    """A 2-D (L, S) mask becomes (1, L, S); a 3-D one must be (N * num_heads, L, S)."""
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, "
                               f"but should be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
        raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                           f"should be {(bsz * num_heads, tgt_len, src_len)}.")
    return attn_mask


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on sequence-first inputs, PyTorch's functional form.

    The steps, as in "Attention Is All You Need":

    1. project: q = query W_q^T + b_q, k = key W_k^T + b_k, v = value W_v^T + b_v (packed in
       ``in_proj_weight`` (3E, E), or separate ``q/k/v_proj_weight`` when
       ``use_separate_proj_weight``);
    2. optionally append a learned key/value (``bias_k``/``bias_v``) and a zero key/value
       (``add_zero_attn``): one more key every query may attend to;
    3. split E into ``num_heads`` heads of size E / num_heads and attend in each head
       independently (masks: ``attn_mask`` (L, S) or (N * num_heads, L, S), and
       ``key_padding_mask`` (N, S); bool True = masked out, float = added);
    4. concatenate the heads and project with ``out_proj_weight``.

    Shapes: query (L, N, E) or unbatched (L, E); key (S, N, Ek); value (S, N, Ev).

    Returns:
        (output (L, N, E), weights) with weights (N, L, S) averaged over heads, or
        (N, num_heads, L, S) when ``average_attn_weights=False``; None when
        ``need_weights=False``.
    """
    for arg, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, f"multi_head_attention_forward ({arg})")
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:  # run as a batch of one, squeeze at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    attn_mask, key_padding_mask, is_causal = _canonical_masks(
        attn_mask, key_padding_mask, is_causal, need_weights, query.dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias,
                       use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight)
    if attn_mask is not None:
        attn_mask = _prepare_attn_mask(attn_mask, tgt_len, key.shape[0], bsz, num_heads)
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(f"bias_{'k' if bias_v is None else 'v'} is set but "
                             f"bias_{'v' if bias_v is None else 'k'} is None")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(f"bias cannot be added to static "
                                 f"{'key' if static_k is not None else 'value'}.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    # (L, N, E) -> (N * heads, L, head_dim): each (batch, head) pair is one attention problem
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads(v, static_v, bsz, num_heads, head_dim, "static_v")
    if add_zero_attn:
        k = cat([k, creation.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype)], dim=1)
        v = cat([v, creation.zeros(bsz * num_heads, 1, head_dim, dtype=v.dtype)], dim=1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        attn_mask = _merge_padding(attn_mask, key_padding_mask, bsz, num_heads, src_len)
    if not training:
        dropout_p = 0.0
    if need_weights:
        return _attend_with_weights(q, k, v, attn_mask, dropout_p, is_causal, out_proj_weight,
                                    out_proj_bias, (tgt_len, bsz, num_heads, src_len),
                                    average_attn_weights, batched)
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                     else attn_mask.reshape(bsz, num_heads, -1, src_len))
    out = scaled_dot_product_attention(
        q.reshape(bsz, num_heads, tgt_len, head_dim), k.reshape(bsz, num_heads, src_len, head_dim),
        v.reshape(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz,
                                                              out_proj_weight.shape[0])
    return (out if batched else out.squeeze(1)), None


def _canonical_masks(attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                     is_causal: bool, need_weights: bool, dtype: Any
                     ) -> tuple[Tensor | None, Tensor | None, bool]:
    """Both masks as float masks; ``is_causal`` is only a hint that ``attn_mask`` is causal.

    Without a padding mask and without weights, the hint alone goes on to
    ``scaled_dot_product_attention`` (and the mask is dropped); merged with a padding mask
    the mask is no longer causal, so the hint is dropped.
    """
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask",
                                      _dtype_or_none(attn_mask), "attn_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        return None, None, True
    attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", dtype, check_other=False)
    return attn_mask, key_padding_mask, is_causal and key_padding_mask is None


def _merge_padding(attn_mask: Tensor | None, key_padding_mask: Tensor, bsz: int,
                   num_heads: int, src_len: int) -> Tensor:
    """Add the (N, S) padding mask, repeated for every head, to the attention mask."""
    if key_padding_mask.shape[0] != bsz:
        raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                             f"{key_padding_mask.shape[0]}")
    if key_padding_mask.shape[1] != src_len:
        raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                             f"{key_padding_mask.shape[1]}")
    padding = (key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
               .reshape(bsz * num_heads, 1, src_len))
    return padding if attn_mask is None else attn_mask + padding


def _project(query: Tensor, key: Tensor, value: Tensor, in_proj_weight: Tensor | None,
             in_proj_bias: Tensor | None, separate: bool, q_proj_weight: Tensor | None,
             k_proj_weight: Tensor | None, v_proj_weight: Tensor | None
             ) -> tuple[Tensor, Tensor, Tensor]:
    if separate:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not "
                                 f"match value's {value.shape[:2]}")
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        return _in_projection(query, key, value, q_proj_weight, k_proj_weight,  # type: ignore
                              v_proj_weight, in_proj_bias)
    if tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape "
                             f"{value.shape}")
    if in_proj_weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    return _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)


def _heads(t: Tensor, static: Tensor | None, bsz: int, num_heads: int, head_dim: int,
           name: str) -> Tensor:
    """(S, N, E) -> (N * heads, S, head_dim), or the given precomputed ``static`` tensor."""
    if static is None:
        return t.reshape(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.shape[0] != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got "
                             f"{static.shape[2]}")
    return static


def _attend_with_weights(q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None,
                         dropout_p: float, is_causal: bool, out_proj_weight: Tensor,
                         out_proj_bias: Tensor | None, sizes: tuple[int, int, int, int],
                         average: bool, batched: bool) -> tuple[Tensor, Tensor]:
    """The explicit path that also returns the attention weights (plain softmax: a fully
    masked row gives NaN, as in PyTorch)."""
    tgt_len, bsz, num_heads, src_len = sizes
    if is_causal and attn_mask is None:
        raise AssertionError("FIXME: is_causal not implemented for need_weights")
    scores = (q * math.sqrt(1.0 / float(q.shape[-1]))) @ k.transpose(-2, -1)
    if attn_mask is not None:
        scores = attn_mask + scores
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p)
    # explicit sizes, not -1: a length or batch of 0 leaves -1 undetermined
    out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, num_heads * v.shape[-1])
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz,
                                                              out_proj_weight.shape[0])
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average:
        weights = weights.mean(dim=1)
    if not batched:
        out, weights = out.squeeze(1), weights.squeeze(0)
    return out, weights
