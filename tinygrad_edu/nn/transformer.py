"""Transformers: PyTorch's ``TransformerEncoderLayer``/``Encoder``, ``TransformerDecoderLayer``/
``Decoder`` and ``Transformer``, built from ``MultiheadAttention``, ``Linear``, ``LayerNorm``
and ``Dropout``.

An encoder layer is two residual blocks: self-attention (every position looks at every
position of the same sequence) and a position-wise feed-forward network (the same two-layer
MLP applied to each position on its own):

    post-norm (default):  x = norm1(x + SA(x));        x = norm2(x + FF(x))
    pre-norm (norm_first): x = x + SA(norm1(x));       x = x + FF(norm2(x))
    with SA(x) = dropout1(self_attn(x, x, x)) and FF(x) = dropout2(linear2(dropout(
    activation(linear1(x))))).

A decoder layer has a third block between the two: cross-attention, where the queries come
from the target sequence and the keys and values from the encoder's output (the "memory"):
``MHA(x) = dropout2(multihead_attn(x, memory, memory))``, normalised by ``norm2``; its
feed-forward block is then normalised by ``norm3`` and dropped out by ``dropout3``.

Masks say what a query may not look at. ``*_mask`` (L, S) or (N * nhead, L, S) is per
query/key pair: a bool mask is True where attention is forbidden, a float mask is added to
the scores (``-inf`` forbids). ``*_key_padding_mask`` (N, S) hides padded key positions of
each sequence. A decoder that learns to predict the next word must not see the words after
the one it is at: ``Transformer.generate_square_subsequent_mask(L)`` is the float mask with
``-inf`` above the diagonal (``is_causal=True`` is a hint that the mask is that one).

Submodule and parameter names are PyTorch's (``self_attn``, ``multihead_attn``, ``linear1``,
``dropout``, ``linear2``, ``norm1``..``norm3``, ``dropout1``..``dropout3``, ``layers.N``,
``encoder``, ``decoder``), so ``load_state_dict(torch_model.state_dict())`` works. Where
PyTorch's fused inference kernels give different numbers (zeros at padded positions, NaN
for a query that may look at nothing), ``transformer_fastpath.py`` reproduces them.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..checks import layer_size
from ..tensor import Tensor, creation
from . import functional as F
from .activation import GELU, ReLU
from .attention import MultiheadAttention, check_heads
from .dropout import Dropout
from .functional.attention import canonical_mask
from .init import xavier_uniform_
from .layers import Linear, ModuleList
from .module import Module
from .normalization import LayerNorm
from .transformer_fastpath import fused_blind_queries, nested_padding, why_no_nested_tensor

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]

Activation = str | Callable[[Tensor], Tensor]


# ----------------------------------------------------------------------------- helpers

def _generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    """(sz, sz) float mask: 0 on and below the diagonal, -inf above (position i sees 0..i)."""
    dtypes.check_device(device, "generate_square_subsequent_mask")
    return creation.full((sz, sz), float("-inf"), dtype=dtype).triu(diagonal=1)


def _get_activation_fn(activation: str) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _activation_code(activation: Any) -> int:
    """PyTorch's ``activation_relu_or_gelu``: 1 for ReLU, 2 for GELU, 0 for anything else."""
    if activation is F.relu or isinstance(activation, ReLU):
        return 1
    if activation is F.gelu or isinstance(activation, GELU):
        return 2
    return 0


def _canonical_pair(mask: Tensor | None, padding: Tensor | None, mask_name: str,
                    padding_name: str, dtype: Any) -> tuple[Tensor | None, Tensor | None]:
    """Both masks as float masks of ``dtype`` (a bool True becomes -inf); PyTorch warns when
    their dtypes differ."""
    padding = canonical_mask(padding, padding_name, None if mask is None else mask.dtype,
                             mask_name, dtype)
    return canonical_mask(mask, mask_name, None, "", dtype, check_other=False), padding


def _seq_len(src: Tensor, batch_first: bool) -> int:
    """Sequence length of an (L, E) or (L, N, E) / (N, L, E) input."""
    if src.dim() == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """``is_causal`` if given; otherwise whether ``mask`` IS the square subsequent mask."""
    if is_causal is not None or mask is None:
        return is_causal is True
    if tuple(mask.shape) != (size, size):
        return False
    causal = np.triu(np.full((size, size), -np.inf), 1).astype(mask.numpy(force=True).dtype)
    return bool((mask.numpy(force=True) == causal).all())


def _get_clones(module: Module, n: int) -> ModuleList:
    """``n`` independent deep copies (each layer gets its own parameters)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _check_layer_args(name: str, d_model: Any, nhead: Any, dim_feedforward: Any,
                      dropout: Any) -> tuple[int, int, int]:
    """d_model, nhead and dim_feedforward as ints, after PyTorch's checks (its types)."""
    d_model, nhead = check_heads(d_model, nhead, name, ("d_model", "nhead"))
    # the first size of linear1's weight: PyTorch creates it unchecked, 0 is allowed
    dim_feedforward = layer_size(dim_feedforward, name, "dim_feedforward", bool_ok=False)
    if not isinstance(dropout, int | float | np.number):
        raise TypeError(f"{name}: dropout must be a number (a probability), got {dropout!r}")
    if not 0.0 <= dropout <= 1.0:
        # NaN: PyTorch's dropout raises RuntimeError for it (at the first forward)
        error = RuntimeError if np.isnan(dropout) else ValueError
        raise error(f"{name}: dropout probability has to be between 0 and 1, but got "
                    f"{dropout}")
    return d_model, nhead, dim_feedforward


# ----------------------------------------------------------------------------- layers

class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network, each in a residual block with LayerNorm.

    Args:
        d_model: number of features E of each position.
        nhead: number of attention heads (d_model must be divisible by it).
        dim_feedforward: hidden size of the feed-forward network (default 2048).
        dropout: dropout probability, in attention and after each block (default 0.1).
        activation: ``"relu"`` (default), ``"gelu"`` or a callable (a function or module).
        layer_norm_eps: LayerNorm's eps (default 1e-5).
        batch_first: inputs are (N, S, E) instead of (S, N, E) (default False).
        norm_first: pre-norm (LayerNorm before each block) instead of post-norm.
        bias: whether the Linear and LayerNorm layers (and attention) learn biases.
        device, dtype: of the parameters (only the CPU exists here).

    Shape:
        src (S, E), (S, N, E) or (N, S, E) with batch_first -> output the same shape.

    Example:
        >>> import tinygrad_edu as tg
        >>> layer = tg.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> layer(tg.randn(5, 3, 8)).shape
        torch.Size([5, 3, 8])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        d_model, nhead, dim_feedforward = _check_layer_args(
            "TransformerEncoderLayer", d_model, nhead, dim_feedforward, dropout)
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        self.activation_relu_or_gelu = _activation_code(activation)
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False
                ) -> Tensor:
        """Args: src; src_mask (S, S) or (N * nhead, S, S); src_key_padding_mask (N, S) or
        (S,) for unbatched input; is_causal: a hint that src_mask is the causal mask."""
        src_mask, src_key_padding_mask = _canonical_pair(
            src_mask, src_key_padding_mask, "src_mask", "src_key_padding_mask", src.dtype)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        blind = fused_blind_queries(self, src, src_mask, src_key_padding_mask)
        if blind is not None:
            x = x.masked_fill(creation.tensor(blind[:, :, None]), float("nan"))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        out: Tensor = self.dropout1(x)
        return out

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        out: Tensor = self.dropout2(x)
        return out


class TransformerDecoderLayer(Module):
    """Self-attention, cross-attention to the memory, and a feed-forward network.

    Args: as ``TransformerEncoderLayer``.

    Shape:
        tgt (T, E), (T, N, E) or (N, T, E) with batch_first; memory (S, E), (S, N, E) or
        (N, S, E) -> output the shape of tgt.

    Example:
        >>> import tinygrad_edu as tg
        >>> layer = tg.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16,
        ...                                       batch_first=True)
        >>> layer(tg.randn(3, 4, 8), tg.randn(3, 6, 8)).shape
        torch.Size([3, 4, 8])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        d_model, nhead, dim_feedforward = _check_layer_args(
            "TransformerDecoderLayer", d_model, nhead, dim_feedforward, dropout)
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, **factory)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = (_get_activation_fn(activation) if isinstance(activation, str)
                           else activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        """Args: tgt, memory; tgt_mask (T, T); memory_mask (T, S); the key padding masks
        (N, T) and (N, S); the ``*_is_causal`` hints."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        out: Tensor = self.dropout1(x)
        return out

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None,
                   key_padding_mask: Tensor | None, is_causal: bool = False) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        out: Tensor = self.dropout2(x)
        return out

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        out: Tensor = self.dropout3(x)
        return out


# ----------------------------------------------------------------------------- stacks

class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (then ``norm``, if given).

    Args:
        encoder_layer: the layer to copy (each copy has its own parameters).
        num_layers: how many layers.
        norm: an optional final layer (a ``LayerNorm``), applied to the last layer's output.
        enable_nested_tensor: PyTorch's switch for its "nested tensor" fast path in
            inference. PyTorch warns at construction when the path cannot be used (for
            example without ``batch_first=True``); so does this class. When the path is
            used -- evaluation mode, no gradient needed, a ``src_key_padding_mask`` whose
            padding is at the end of each row and no ``mask`` -- PyTorch runs only the real
            positions and returns zeros (then ``norm``) at the padded ones; this class gives
            the same output.
        mask_check: check that the padding is at the end of each row before taking that
            path (default True).

    Shape:
        as ``TransformerEncoderLayer``.

    Example:
        >>> import tinygrad_edu as tg
        >>> layer = tg.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        >>> encoder = tg.nn.TransformerEncoder(layer, num_layers=2)
        >>> [name for name, _ in encoder.named_children()], len(encoder.layers)
        (['layers'], 2)
        >>> encoder(tg.randn(3, 5, 8)).shape
        torch.Size([3, 5, 8])
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = why_no_nested_tensor(
            encoder_layer, isinstance(encoder_layer, TransformerEncoderLayer))
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool | None = None
                ) -> Tensor:
        """Args: src; mask (S, S) or (N * nhead, S, S); src_key_padding_mask (N, S);
        is_causal: None detects whether ``mask`` is the causal mask."""
        mask, src_key_padding_mask = _canonical_pair(
            mask, src_key_padding_mask, "mask", "src_key_padding_mask", src.dtype)
        padded = nested_padding(self, src, mask, src_key_padding_mask)
        first = self.layers[0]
        is_causal = _detect_is_causal_mask(
            mask, is_causal, _seq_len(src, first.self_attn.batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal,
                           src_key_padding_mask=src_key_padding_mask)
        if padded is not None:  # PyTorch's nested tensors are padded back with zeros
            output = output.masked_fill(creation.tensor(padded[:, :, None]), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (then ``norm``, if given).

    Args:
        decoder_layer: the layer to copy; num_layers: how many; norm: optional final layer.

    Shape:
        as ``TransformerDecoderLayer``.

    Example:
        >>> import tinygrad_edu as tg
        >>> layer = tg.nn.TransformerDecoderLayer(8, 2, 16)
        >>> decoder = tg.nn.TransformerDecoder(layer, num_layers=2)
        >>> mask = tg.nn.Transformer.generate_square_subsequent_mask(4)
        >>> decoder(tg.randn(4, 3, 8), tg.randn(6, 3, 8), tgt_mask=mask).shape
        torch.Size([4, 3, 8])
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """Args: as ``TransformerDecoderLayer.forward``; tgt_is_causal=None detects whether
        ``tgt_mask`` is the causal mask."""
        output = tgt
        seq_len = _seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need" (PyTorch's module).

    ``encoder`` is a ``TransformerEncoder`` of ``num_encoder_layers`` layers with a final
    ``LayerNorm``; ``decoder`` a ``TransformerDecoder`` likewise. Every parameter with more
    than one dimension is re-initialised with ``xavier_uniform_``. The module takes
    already-embedded sequences: add embeddings and positions yourself.

    Args:
        d_model (512), nhead (8), num_encoder_layers (6), num_decoder_layers (6),
        dim_feedforward (2048), dropout (0.1), activation ("relu"), custom_encoder and
        custom_decoder (modules used instead of the stacks), layer_norm_eps (1e-5),
        batch_first (False), norm_first (False), bias (True), device, dtype.

    Shape:
        src (S, N, E), tgt (T, N, E) (batch first: (N, S, E), (N, T, E); unbatched: (S, E),
        (T, E)) -> output the shape of tgt.

    Example:
        >>> import tinygrad_edu as tg
        >>> model = tg.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
        ...                           num_decoder_layers=1, dim_feedforward=16,
        ...                           batch_first=True)  # else PyTorch's warning, as there
        >>> mask = model.generate_square_subsequent_mask(4)
        >>> model(tg.randn(2, 6, 8), tg.randn(2, 4, 8), tgt_mask=mask).shape
        torch.Size([2, 4, 8])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = F.relu,
                 custom_encoder: Any | None = None, custom_decoder: Any | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, **factory), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, **factory), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """Encode ``src`` into a memory, then decode ``tgt`` attending to it."""
        is_batched = src.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if is_batched and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        output: Tensor = self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal)
        return output

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None
                                        ) -> Tensor:
        """The causal mask for a sequence of length ``sz``: float (sz, sz), -inf above the
        diagonal and 0 elsewhere, so position i attends to positions 0..i only.

        Example:
            >>> import tinygrad_edu as tg
            >>> tg.nn.Transformer.generate_square_subsequent_mask(3)
            tensor([[0., -inf, -inf],
                    [0., 0., -inf],
                    [0., 0., 0.]])
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        """Xavier-uniform for every matrix (PyTorch's ``Transformer`` initialisation)."""
        for p in self.parameters():
            if p.dim() > 1:
                xavier_uniform_(p)
