"""Recurrent layers: PyTorch's ``RNN``, ``LSTM``, ``GRU``, ``RNNCell``, ``LSTMCell``, ``GRUCell``.

The sequence modules stack layers (optionally bidirectional, with dropout between layers) of
the one-layer functions of ``nn/functional/rnn.py`` (on padded Tensors or on a
``PackedSequence`` of sequences of different lengths); the cell modules call the one-step
functions. Names, shapes, defaults and return values are PyTorch's. The forward and backward
of every step and sequence are written out in ``tinygrad_edu/ops/rnn.py``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..checks import layer_size
from ..tensor import Tensor, creation
from ..tensor.convert import check_tensor
from ..tensor.functions import cat, stack
from . import functional as F
from . import init
from .functional.rnn import GATES, cell, check_dtypes, check_state, state_pair, zeros_state
from .functional.rnn import layer as run_layer
from .module import Module, Parameter
from .utils.rnn import PackedSequence, gather_packed, pad_packed_sequence

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_MODE_OPS = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "LSTM": "lstm", "GRU": "gru"}


# ----------------------------------------------------------------------------- modules

class RNNBase(Module):
    """Shared code of RNN, LSTM and GRU: parameters per layer and direction, the layer loop.

    ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'. See ``RNN`` for the arguments.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        if mode not in _MODE_OPS:
            raise ValueError(f"{name}: unrecognized RNN mode {mode!r}; expected one of "
                             f"{sorted(_MODE_OPS)}")
        _check_sizes(name, input_size, hidden_size, num_layers, dropout, proj_size,
                     GATES[_MODE_OPS[mode]])
        input_size, hidden_size, num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        gates = GATES[_MODE_OPS[mode]] * hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for suffix in self._suffixes():
                inputs = input_size if layer == 0 else hidden_size * self._directions()
                shapes: dict[str, tuple[int, ...]] = {"weight_ih": (gates, inputs),
                                                      "weight_hh": (gates, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                for kind, shape in shapes.items():
                    key = f"{kind}_l{layer}{suffix}"
                    setattr(self, key, Parameter(creation.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(key)
        self.reset_parameters()

    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Do nothing: PyTorch packs the weights for cuDNN here; kept so that such code runs."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per layer and direction: [weight_ih, weight_hh, bias_ih, bias_hh].

        The biases are left out when ``bias=False``.
        """
        per = 4 if self.bias else 2
        flat = [getattr(self, key) for key in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def _weights(self, layer: int, suffix: str) -> tuple[Tensor, Tensor, Any, Any]:
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        if not self.bias:
            return w_ih, w_hh, None, None
        return (w_ih, w_hh, getattr(self, f"bias_ih_l{layer}{suffix}"),
                getattr(self, f"bias_hh_l{layer}{suffix}"))

    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, name)
        x, batched = self._time_major(input, name)
        states = self._initial_states(hx, x, batched, name)
        output, finals = self._layers(x, states, name)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output, finals = output.squeeze(1), [f.squeeze(1) for f in finals]
        return (output, (finals[0], finals[1])) if self.mode == "LSTM" else (output, finals[0])

    def _forward_packed(self, packed: PackedSequence, hx: Any, name: str
                        ) -> tuple[PackedSequence, Any]:
        """Run a PackedSequence: each sequence stops at its own length.

        The sequences are grouped by length and each group runs as an ordinary batch over
        exactly its steps, so its final state is taken at its last real step (the reverse
        direction starts there too). The outputs are packed again with the input's layout;
        ``hx`` and the final states are in the original batch order, as in PyTorch.
        """
        padded, lengths_t = pad_packed_sequence(packed)  # (T, B, D), original order
        if padded.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {padded.shape[-1]}")
        states = self._initial_states(hx, padded, True, name)
        lengths, steps = lengths_t.numpy(), padded.shape[0]
        outputs, finals, order = [], [], []
        for n in sorted(set(lengths.tolist()), reverse=True):
            members = np.flatnonzero(lengths == n)
            pick = Tensor(members)
            group = [None if s is None else s.index_select(1, pick) for s in states]
            out, last = self._layers(padded[:n].index_select(1, pick), group, name)
            if n < steps:
                out = cat([out, creation.zeros(steps - n, *out.shape[1:], dtype=out.dtype)])
            outputs.append(out)
            finals.append(last)
            order.extend(members.tolist())
        back = Tensor(np.argsort(np.asarray(order), kind="stable"))  # group order -> original
        output = cat(outputs, dim=1).index_select(1, back)
        columns = (np.arange(len(lengths)) if packed.sorted_indices is None
                   else packed.sorted_indices)
        data = gather_packed(output, packed.batch_sizes, columns)
        result = PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                                packed.unsorted_indices)
        states_n = [cat([f[i] for f in finals], dim=1).index_select(1, back)
                    for i in range(len(finals[0]))]
        return (result, (states_n[0], states_n[1])) if self.mode == "LSTM" else \
            (result, states_n[0])

    def _time_major(self, input: Tensor, name: str) -> tuple[Tensor, bool]:  # noqa: A002
        """(T, N, D) from batched (T, N, D) / (N, T, D) or unbatched (T, D) input."""
        layout = "(N, T, D)" if self.batch_first else "(T, N, D)"
        check_tensor(input, name)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input of shape {layout} (batched) or (T, D) "
                             f"(unbatched), got {getattr(input, 'shape', type(input).__name__)}")
        if input.shape[-1] != self.input_size or input.numel() == 0:
            raise RuntimeError(f"{name}: expected input of shape {layout} or (T, D) with "
                               f"D = input_size = {self.input_size} and T, N >= 1, got "
                               f"{input.shape}")
        batched = input.ndim == 3
        if not batched:
            return input.unsqueeze(1), False
        return (input.transpose(0, 1) if self.batch_first else input), True

    def _initial_states(self, hx: Any, x: Tensor, batched: bool, name: str
                        ) -> list[Tensor | None]:
        """h_0 (and c_0) as (layers * directions, N, H) Tensors, or None for zeros."""
        if hx is None:
            return [None, None] if self.mode == "LSTM" else [None]
        given = state_pair(hx, name, "hx = (h_0, c_0)") if self.mode == "LSTM" else (hx,)
        layers, n, h = self.num_layers * self._directions(), x.shape[1], self.hidden_size
        expected = (layers, n, h) if batched else (layers, h)
        meaning = ("(num_layers * num_directions, batch, hidden_size)" if batched else
                   "(num_layers * num_directions, hidden_size)")
        states: list[Tensor | None] = []
        for what, state in zip(("h_0", "c_0"), given, strict=False):
            state = check_state(name, what, state, expected, meaning)
            states.append(state if batched else state.unsqueeze(1))
        return states

    def _layers(self, x: Tensor, states: list[Tensor | None], name: str
                ) -> tuple[Tensor, list[Tensor]]:
        """Run the stack: each layer's output (both directions side by side) feeds the next."""
        op, n = _MODE_OPS[self.mode], x.shape[1]
        weight = self.weight_ih_l0
        if x.dtype != weight.dtype:  # PyTorch's modules check this first, with a ValueError
            raise ValueError(f"{name}: input dtype ({x.dtype}) does not match weight dtype "
                             f"({weight.dtype}); convert the input with .to({weight.dtype}) "
                             f"or the module with .to({x.dtype})")
        finals: list[list[Tensor]] = [[] for _ in states]
        zeros = zeros_state(x, (n, self.hidden_size))
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(self._suffixes()):
                k = layer * self._directions() + d
                weights = self._weights(layer, suffix)
                start = [zeros if s is None else s[k] for s in states]
                check_dtypes(name, x, *start, *weights)
                out, last = run_layer(op, name, x, start, *weights, reverse=d == 1)
                outputs.append(out)
                for i, state in enumerate(last):
                    finals[i].append(state)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, [stack(f) for f in finals]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _check_sizes(name: str, input_size: Any, hidden_size: Any, num_layers: Any,
                 dropout: Any, proj_size: Any, gates: int) -> None:
    """PyTorch's checks of a recurrent module's hyperparameters, with its exception types.

    ``gates`` is the number of gates: a plain RNN's weights have hidden_size rows, and
    PyTorch refuses a bool as the first size of a tensor (``RNN(5, True)``), not as a
    multiple of it (``LSTM(5, True)`` has 4 rows).
    """
    if not isinstance(dropout, int | float | np.number | str):
        # PyTorch converts with float() first: None is a TypeError, a string a ValueError
        raise TypeError(f"{name}: dropout should be a number in range [0, 1] representing the "
                        f"probability of an element being zeroed, got {dropout!r}")
    if isinstance(dropout, bool | str) or not 0 <= dropout <= 1:
        raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                         f"the probability of an element being zeroed, got {dropout!r}")
    if dropout > 0 and num_layers == 1:
        warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                      "layer, so non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=4)
    layer_size(input_size, name, "input_size", least=1, error=ValueError)
    layer_size(hidden_size, name, "hidden_size", least=1, error=ValueError, bool_ok=gates > 1)
    layer_size(num_layers, name, "num_layers", least=1, error=ValueError, compare_first=True)
    layer_size(proj_size, name, "proj_size", error=ValueError, compare_first=True)
    if proj_size >= hidden_size:
        raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                         f"proj_size={proj_size} and hidden_size={hidden_size}")
    if proj_size != 0:
        raise ValueError(f"{name}: proj_size={proj_size} is not supported (LSTM projections); "
                         "use proj_size=0")


class RNN(RNNBase):
    """A multi-layer Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Args:
        input_size: features of each input step x_t.
        hidden_size: features of the state h_t.
        num_layers: stacked layers; layer k > 0 reads the output of layer k - 1.
        nonlinearity: 'tanh' (default) or 'relu'.
        bias: learn b_ih and b_hh (default True).
        batch_first: input and output are (N, T, *) instead of (T, N, *).
        dropout: dropout probability on each layer's output except the last's (training only).
        bidirectional: a second layer reads the sequence backwards; outputs are concatenated.

    Shape:
        input (T, N, input_size), (N, T, input_size) with batch_first, or (T, input_size);
        h_0 (num_layers * num_directions, N, hidden_size), or without N for unbatched input,
        zeros when omitted. Returns ``(output, h_n)``: output (T, N, num_directions *
        hidden_size) (batch first when ``batch_first``), the last layer's state at every
        step; h_n like h_0, every layer's final state.

        The input may also be a ``PackedSequence`` (``nn.utils.rnn.pack_padded_sequence``):
        then each sequence runs for its own length only, h_n holds each one's state at its
        last real step, and the output is a PackedSequence laid out like the input.

    Attributes:
        weight_ih_l{k}, weight_hh_l{k}: (hidden_size, input_size or num_directions *
            hidden_size) and (hidden_size, hidden_size); bias_ih_l{k}, bias_hh_l{k}:
            (hidden_size,). The reverse direction's end in ``_reverse``. All from
            U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> rnn = tg.nn.rnn.RNN(10, 20, num_layers=2, batch_first=True)
        >>> output, h_n = rnn(tg.randn(3, 5, 10))
        >>> output.shape, h_n.shape
        (torch.Size([3, 5, 20]), torch.Size([2, 3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' "
                             "or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A multi-layer long short-term memory RNN (gates in PyTorch's order i, f, g, o).

    i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
    (split in four), c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as in
            ``RNN``.
        proj_size: must be 0 (projections are not supported).

    Shape:
        input as in ``RNN``; hx = (h_0, c_0), each (num_layers * num_directions, N,
        hidden_size), zeros when omitted. Returns ``(output, (h_n, c_n))``.

    Attributes:
        weight_ih_l{k}: (4 * hidden_size, layer input size), weight_hh_l{k}: (4 * hidden_size,
            hidden_size), bias_ih_l{k}, bias_hh_l{k}: (4 * hidden_size,), blocks [i | f | g | o];
            ``_reverse`` for the reverse direction. U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> lstm = tg.nn.rnn.LSTM(10, 20, bidirectional=True)
        >>> output, (h_n, c_n) = lstm(tg.randn(5, 3, 10))
        >>> output.shape, h_n.shape, c_n.shape
        (torch.Size([5, 3, 40]), torch.Size([2, 3, 20]), torch.Size([2, 3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit RNN (PyTorch's formulation, gates r, z, n).

    r, z = sigmoid(x_t W_i{r,z}^T + b_i{r,z} + h_{t-1} W_h{r,z}^T + b_h{r,z}),
    n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn)), h_t = (1 - z) * n + z * h_{t-1}.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as in
            ``RNN``.

    Shape:
        as in ``RNN``; returns ``(output, h_n)``.

    Attributes:
        weight_ih_l{k}: (3 * hidden_size, layer input size), weight_hh_l{k}: (3 * hidden_size,
            hidden_size), biases (3 * hidden_size,), blocks [r | z | n].
            U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> gru = tg.nn.rnn.GRU(4, 8)
        >>> output, h_n = gru(tg.randn(6, 4))  # unbatched: (T, input_size)
        >>> output.shape, h_n.shape
        (torch.Size([6, 8]), torch.Size([1, 8]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class RNNCellBase(Module):
    """Shared code of the cells: the parameters and the argument checks.

    weight_ih (G, input_size), weight_hh (G, hidden_size) and the biases (G,), with
    G = gates * hidden_size, all from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """

    _op = "rnn_tanh_cell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        dtypes.check_device(device, name)
        # sizes of the weights (PyTorch creates them unchecked): 0 is allowed
        input_size = layer_size(input_size, name, "input_size")
        hidden_size = layer_size(hidden_size, name, "hidden_size")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(gates, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(gates, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(gates, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _step(self, input: Tensor, states: tuple[Any, ...]) -> list[Tensor]:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected input to be a Tensor, got "
                            f"{type(input).__name__}")
        return cell(self._op, type(self).__name__, input, states, self.weight_ih,
                     self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Args:
        input_size, hidden_size: features of x and h.
        bias: learn b_ih and b_hh (default True).
        nonlinearity: 'tanh' (default) or 'relu'.

    Shape:
        input (N, input_size) or (input_size,), hx (N, hidden_size) or (hidden_size,) (zeros
        when omitted) -> h' like hx.

    Attributes:
        weight_ih (hidden_size, input_size), weight_hh (hidden_size, hidden_size),
        bias_ih, bias_hh (hidden_size,): U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> cell = tg.nn.rnn.RNNCell(10, 20)
        >>> h = None
        >>> for x in tg.randn(6, 3, 10):  # six steps, batch of 3
        ...     h = cell(x, h)
        >>> h.shape
        torch.Size([3, 20])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from "
                             "'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self._op = f"rnn_{nonlinearity}_cell"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, (hx,))[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: returns the new ``(h, c)`` (gates i, f, g, o as in ``LSTM``).

    Shape:
        input (N, input_size) or (input_size,), hx = (h, c), each (N, hidden_size) or
        (hidden_size,), zeros when omitted -> (h', c'), each like h.

    Attributes:
        weight_ih (4 * hidden_size, input_size), weight_hh (4 * hidden_size, hidden_size),
        bias_ih, bias_hh (4 * hidden_size,): U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> cell = tg.nn.rnn.LSTMCell(4, 8)
        >>> h, c = cell(tg.randn(2, 4))
        >>> h.shape, c.shape
        (torch.Size([2, 8]), torch.Size([2, 8]))
    """

    _op = "lstm_cell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None  # noqa: A002
                ) -> tuple[Tensor, Tensor]:
        states = (None, None) if hx is None else state_pair(hx, "LSTMCell", "hx = (h, c)")
        h, c = self._step(input, states)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n as in ``GRU``).

    Shape:
        input (N, input_size) or (input_size,), hx (N, hidden_size) or (hidden_size,) (zeros
        when omitted) -> h' like hx.

    Attributes:
        weight_ih (3 * hidden_size, input_size), weight_hh (3 * hidden_size, hidden_size),
        bias_ih, bias_hh (3 * hidden_size,): U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.nn.rnn.GRUCell(4, 8)(tg.randn(4)).shape
        torch.Size([8])
    """

    _op = "gru_cell"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, (hx,))[0]
