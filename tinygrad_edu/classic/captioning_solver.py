"""The course's ``CaptioningSolver``: the Solver's training loop for a captioning model.

The same loop as ``Solver`` (``solver.MinibatchTrainer``: one update per minibatch with a
rule from ``classic.optim``, learning rates multiplied by ``lr_decay`` after every epoch),
with minibatches drawn from a COCO-style data dict by ``coco_utils.sample_coco_minibatch``
and ``model.loss(features, captions)``. As in the course it measures no accuracy (a caption
is not right or wrong as a class label is): it keeps the loss history.

Example:
    >>> import numpy as np
    >>> from tinygrad_edu.classic import CaptioningRNN, CaptioningSolver
    >>> vocab = {"<NULL>": 0, "<START>": 1, "<END>": 2, "cat": 3}
    >>> data = {"train_captions": np.array([[1, 3, 2], [1, 3, 3]]),
    ...         "train_image_idxs": np.array([0, 1]), "train_features": np.eye(2),
    ...         "train_urls": np.array(["a", "b"])}
    >>> np.random.seed(0)
    >>> model = CaptioningRNN(vocab, input_dim=2, wordvec_dim=3, hidden_dim=4)
    >>> solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=3, batch_size=2,
    ...                           verbose=False)
    >>> solver.train()
    >>> len(solver.loss_history)
    3
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .coco_utils import _split_arrays, sample_coco_minibatch
from .solver import _TRAINING_DEFAULTS, MinibatchTrainer, _check_model, _options

Array = Any

__all__ = ["CaptioningSolver"]


class CaptioningSolver(MinibatchTrainer):
    """Train a captioning model (``classic.CaptioningRNN``) on a COCO-style data dict.

    Args:
        model: has ``params`` (dict of arrays) and ``loss(features, captions)`` returning
            ``(loss, grads)``.
        data: the course's caption dict (``coco_utils.load_digit_captions()`` builds one):
            'train_captions', 'train_image_idxs', 'train_features', 'train_urls', ...
        update_rule: 'sgd', 'sgd_momentum', 'sgd_nesterov_momentum', 'rmsprop', 'adam' or a
            function ``rule(w, dw, config) -> (next_w, config)`` (default 'sgd').
        optim_config: hyper-parameters for the rule (copied once per parameter).
        lr_decay: the learning rates are multiplied by it after every epoch (1.0).
        batch_size: captions per minibatch (100), drawn with replacement.
        num_epochs: epochs of ``max(num_captions // batch_size, 1)`` iterations (10).
        print_every: print ``(Iteration t / T) loss: ...`` every this many iterations (10).
        verbose: False prints nothing.
        progress_bar: a progress bar per epoch (this project's addition).

    Raises:
        ValueError: ``Unrecognized arguments "name"`` for an unknown option (the course's
            text), ``Invalid update_rule "name"``, or a data dict without training captions.

    Attributes:
        loss_history: the loss of every iteration; epoch: the number of finished epochs;
        optim_configs: the rule's config of each parameter.
    """

    _owner = "CaptioningSolver"

    def __init__(self, model: Any, data: Mapping[str, Any], **kwargs: Any) -> None:
        options = _options("CaptioningSolver", kwargs, _TRAINING_DEFAULTS)
        _check_model("CaptioningSolver", model)
        if not isinstance(data, Mapping):
            raise TypeError(f"CaptioningSolver: data must be a dict, got {type(data).__name__}")
        self.model, self.data = model, data
        _split_arrays(data, "train")  # the training keys and shapes (no random draw)
        self._configure(options)
        self._reset()

    def _num_train(self) -> int:
        return int(np.asarray(self.data["train_captions"]).shape[0])

    def _minibatch(self) -> tuple[Array, Array]:
        """(features, captions) of ``batch_size`` training captions."""
        captions, features, _ = sample_coco_minibatch(self.data, batch_size=self.batch_size,
                                                      split="train")
        return features, captions
