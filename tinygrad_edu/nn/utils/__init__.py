"""``tinygrad_edu.nn.utils``: gradient clipping, parameter vectors, sequence packing and
weight reparametrizations (``torch.nn.utils``'s layout).

- ``clip_grad``: ``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``,
  ``clip_grads_with_norm_``, ``parameters_to_vector``, ``vector_to_parameters``;
- ``rnn``: ``pad_sequence``, ``pack_padded_sequence``, ``PackedSequence``, ...;
- ``parametrize``: compute a parameter from another on every access;
- ``weight_norm`` / ``spectral_norm`` (hooks, the old API) and ``parametrizations`` (the new
  one): reparametrize a layer's weight;
- ``prune``: zero out a layer's least important weights (masks kept as buffers).
"""

from . import parametrizations, parametrize, prune, rnn
from .clip_grad import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "parametrizations", "parametrize", "prune",
           "remove_spectral_norm", "remove_weight_norm", "rnn", "spectral_norm",
           "vector_to_parameters", "weight_norm"]
