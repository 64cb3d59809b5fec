"""Multi-head attention: ``nn.MultiheadAttention``, PyTorch's parameters, masks and layouts.

The module holds the learned projections and calls ``F.multi_head_attention_forward`` (in
``nn/functional/attention.py``, where the steps of multi-head attention are explained). Its
parameter names and shapes are PyTorch's, so ``load_state_dict(torch_mha.state_dict())`` works:

* ``in_proj_weight`` (3E, E): the query, key and value projections stacked (when
  kdim == vdim == embed_dim), else ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim),
  ``v_proj_weight`` (E, vdim);
* ``in_proj_bias`` (3E,), ``out_proj.weight`` (E, E), ``out_proj.bias`` (E,);
* ``bias_k``, ``bias_v`` (1, 1, E) with ``add_bias_kv=True``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import is_grad_enabled
from ..checks import layer_size
from ..tensor import Tensor, creation
from . import functional as F
from . import init
from .functional.attention import canonical_mask
from .layers import Linear
from .module import Module, Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


def check_heads(embed_dim: Any, num_heads: Any, name: str,
                args: tuple[str, str] = ("embed_dim", "num_heads")) -> tuple[int, int]:
    """The model size and the number of heads of an attention layer, as ints.

    PyTorch's checks, in its order and with its exception types: TypeError for a value that
    is not a number, ValueError for a size <= 0, AssertionError when the heads do not divide
    the model size (2.5 is not divisible by 1), then TypeError for a float, and for a bool
    model size (PyTorch refuses a bool as the first size of the projection weight). ``args``
    are the layer's names for the two (``d_model``, ``nhead`` in a Transformer layer).
    """
    values = (embed_dim, num_heads)
    for arg, value in zip(args, values, strict=True):
        if not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"{name}: {arg} must be an int, got {value!r}")
    if embed_dim <= 0 or num_heads <= 0:
        raise ValueError(f"{name}: {args[0]} and {args[1]} must be greater than 0, got "
                         f"{args[0]}={embed_dim} and {args[1]}={num_heads} instead")
    if embed_dim // num_heads * num_heads != embed_dim:
        raise AssertionError(f"{name}: {args[0]} must be divisible by {args[1]}, got "
                             f"{args[0]}={embed_dim} and {args[1]}={num_heads}")
    return (layer_size(embed_dim, name, args[0], least=1, error=ValueError, bool_ok=False),
            layer_size(num_heads, name, args[1], least=1, error=ValueError))


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under PyTorch's name for the output projection of ``MultiheadAttention``
    (PyTorch uses the name to keep quantization tools away from it; here it is a Linear)."""


class MultiheadAttention(Module):
    """Attention with ``num_heads`` parallel heads (Vaswani et al., 2017).

    Args:
        embed_dim: model size E (split into num_heads heads of size E / num_heads).
        num_heads: number of heads; must divide embed_dim.
        dropout: dropout probability on the attention weights (in training mode).
        bias: learn biases for the input and output projections.
        add_bias_kv: learn one extra key and value (``bias_k``, ``bias_v``) appended to the
            sequence of keys.
        add_zero_attn: append a key and value of zeros.
        kdim, vdim: sizes of key and value features (default embed_dim).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).

    Forward:
        ``forward(query, key, value, key_padding_mask=None, need_weights=True,
        attn_mask=None, average_attn_weights=True, is_causal=False)`` returns
        ``(output, weights)``: output (L, N, E) (or (N, L, E), or (L, E) unbatched); weights
        (N, L, S) averaged over heads, (N, num_heads, L, S) with
        ``average_attn_weights=False``, or None with ``need_weights=False``. In both masks a
        bool True means "do not attend" and a float is added to the scores.

    Example:
        >>> import tinygrad_edu as tg
        >>> mha = tg.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = tg.ones(3, 5, 8)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (torch.Size([3, 5, 8]), torch.Size([3, 5, 5]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        name = "MultiheadAttention"
        embed_dim, num_heads = check_heads(embed_dim, num_heads, name)
        if kdim is not None:
            kdim = layer_size(kdim, name, "kdim")
        if vdim is not None:
            vdim = layer_size(vdim, name, "vdim")
        if not isinstance(dropout, int | float | np.number):
            # PyTorch fails at the first forward, comparing dropout with 0.0
            raise TypeError(f"{name}: dropout must be a number (a probability), got "
                            f"{dropout!r}")
        super().__init__()
        dtypes.check_device(device, name)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads

        def empty(*shape: int) -> Parameter:
            return Parameter(creation.empty(*shape, dtype=dtype))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k, self.bias_v = empty(1, 1, embed_dim), empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's initialisation: Xavier-uniform projections, zero biases, Xavier-normal
        extra key/value (drawn in PyTorch's order, so a seed gives PyTorch's numbers)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for extra in (self.bias_k, self.bias_v):
            if extra is not None:
                init.xavier_normal_(extra)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        for arg, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: expected a Tensor {arg}, got "
                                f"{type(t).__name__}")
        batched = query.ndim == 3
        if not need_weights and self._torch_fast_path(query, key, value, key_padding_mask,
                                                       attn_mask):
            # PyTorch's inference kernel computes the weights explicitly; its only visible
            # difference is a NaN (not 0) output for a query that may attend to no key
            out, _ = self.forward(query, key, value, key_padding_mask, True, attn_mask,
                                  average_attn_weights, is_causal)
            return out, None
        key_padding_mask = canonical_mask(
            key_padding_mask, "key_padding_mask",
            None if attn_mask is None else attn_mask.dtype, "attn_mask", query.dtype)
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                               check_other=False)
        if self.batch_first and batched:  # (N, L, E) -> (L, N, E)
            query, key, value = (t.transpose(1, 0) for t in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights

    def merge_masks(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                    query: Tensor) -> tuple[Tensor | None, int | None]:
        """One (N, num_heads, L, L) float mask from both masks of a batched self-attention,
        and PyTorch's mask type code (1: key padding only, 2: with an attention mask)."""
        if key_padding_mask is None and attn_mask is None:
            return None, None
        if attn_mask is None:
            return key_padding_mask, 1
        batch_size, seq_len, _ = query.shape
        if attn_mask.ndim == 3:
            merged = attn_mask.reshape(batch_size, -1, seq_len, seq_len)
        else:
            merged = attn_mask.reshape(1, 1, seq_len, seq_len).expand(
                batch_size, self.num_heads, -1, -1)
        if key_padding_mask is not None:
            merged = merged + key_padding_mask.reshape(batch_size, 1, 1, seq_len).expand(
                -1, self.num_heads, -1, -1)
        return merged, 2

    def _torch_fast_path(self, query: Tensor, key: Tensor, value: Tensor,
                         key_padding_mask: Tensor | None, attn_mask: Tensor | None) -> bool:
        """True where PyTorch would run its fused inference kernel (``why_not_fast_path``):
        evaluation mode, no gradient wanted, batched self-attention with one tensor,
        ``batch_first``, packed weights with biases, an even number of heads, bool masks."""
        tensors = [query, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
                   self.out_proj.bias]
        return (not self.training and query.ndim == 3 and query is key is value
                and self.batch_first and self.num_heads % 2 == 0
                and self.in_proj_weight is not None and self.in_proj_bias is not None
                and query.dtype == self.in_proj_weight.dtype == self.in_proj_bias.dtype
                and self.bias_k is None and self.bias_v is None and not self.add_zero_attn
                and all(m is None or m.dtype.kind != "f" for m in (attn_mask, key_padding_mask))
                and not (is_grad_enabled() and any(t is not None and t.requires_grad
                                                   for t in tensors)))
