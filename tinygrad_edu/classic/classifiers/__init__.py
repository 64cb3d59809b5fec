"""The course's classifiers: ``model.params`` (numpy arrays) and ``model.loss(X, y)``.

``fc_net``: ``TwoLayerNet``, ``FullyConnectedNet``; ``cnn``: ``ThreeLayerConvNet``; ``rnn``:
``CaptioningRNN``. Their gradients come from the autograd engine, over Tensors that share
memory with ``model.params``.
"""

from .cnn import ThreeLayerConvNet
from .fc_net import FullyConnectedNet, TwoLayerNet
from .rnn import CaptioningRNN

__all__ = ["CaptioningRNN", "FullyConnectedNet", "ThreeLayerConvNet", "TwoLayerNet"]
