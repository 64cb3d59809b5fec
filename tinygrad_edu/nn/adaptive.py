"""``AdaptiveLogSoftmaxWithLoss``: a cheap softmax for large vocabularies (Grave et al. 2016).

Frequent classes (below ``cutoffs[0]``) form a "shortlist" scored by a head layer, next to one
extra head entry per cluster of rarer classes. A rare class's log-probability is
log p(cluster | x) from the head plus log p(class | cluster, x) from that cluster's small tail
network (a projection to ``in_features / div_value**(i+1)`` features, then to the cluster's
classes). Tails run only on the rows whose target is in their cluster. Parameter names and
shapes are PyTorch's (``head``, ``tail.<i>.0``, ``tail.<i>.1``), so its state_dict loads.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor_like
from ..tensor.functions import cat
from .layers import Linear, ModuleList, Sequential
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: ``forward(input, target)`` returns (target log-probabilities, loss)."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **kw),
                                        Linear(hidden, size, bias=False, **kw)))

    def reset_parameters(self) -> None:
        """Re-initialise the head and every tail layer."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        target_ = as_tensor_like(target_, input_)
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if input_.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {input_.shape}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {input_.shape}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        x = input_ if batched else input_.unsqueeze(0)
        t = (target_ if batched else target_.unsqueeze(0)).numpy()
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{t.min()}, {t.max()}] were found. ")
        # which head entry scores each row: its own class, or its cluster's entry
        head_index = t.copy()
        output = x.new_zeros(t.shape[0])
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = np.nonzero((t >= low) & (t < high))[0]
            if rows.size == 0:
                continue
            head_index[rows] = self.shortlist_size + i
            logp = self.tail[i](x[Tensor(rows)]).log_softmax(1)
            local = logp.take_along_dim(Tensor(t[rows] - low).reshape(-1, 1), 1).reshape(-1)
            output = output.index_copy(0, Tensor(rows), local)
        head_logp = self.head(x).log_softmax(1)
        output = output + head_logp.take_along_dim(Tensor(head_index).reshape(-1, 1),
                                                   1).reshape(-1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.reshape(()), loss)

    def _full_log_prob(self, x: Tensor) -> Tensor:
        head_logp = self.head(x).log_softmax(1)
        parts = [head_logp[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = self.tail[i](x).log_softmax(1)
            parts.append(cluster + head_logp[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of every class, (N, n_classes) or (n_classes,)."""
        if input.ndim not in (1, 2):
            raise RuntimeError(f"log_prob: expected a 1D or 2D input, got {input.shape}")
        out = self._full_log_prob(input if input.ndim == 2 else input.unsqueeze(0))
        return out if input.ndim == 2 else out.reshape(-1)

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most likely class of each row (argmax of ``log_prob``)."""
        return self.log_prob(input).argmax(-1)

