"""Ready-made models built from ``tinygrad_edu.nn`` modules.

- ``MLP`` (``mlp.py``): a fully connected classifier.
- ``ThreeLayerConvNet`` and ``ConvNet`` (``convnet.py``): the course's conv-relu-pool-affine-
  relu-affine network, and the small conv-BN-ReLU-pool network the digits example trains.
- ``ResNet``, ``BasicBlock``, ``resnet8``, ``resnet20`` (``resnet.py``): residual networks for
  CIFAR-sized images.
- ``CaptioningRNN`` (``captioning.py``): the course's image-captioning RNN/LSTM.
- ``CaptioningTransformer`` (``transformer_captioning.py``): the course's Transformer
  captioner (a decoder with a causal mask attending to the projected image features).
"""

from .captioning import CaptioningRNN
from .convnet import ConvNet, ThreeLayerConvNet
from .mlp import MLP
from .resnet import BasicBlock, ResNet, resnet8, resnet20
from .transformer_captioning import CaptioningTransformer

__all__ = ["MLP", "BasicBlock", "CaptioningRNN", "ConvNet", "ResNet", "ThreeLayerConvNet",
           "resnet8", "resnet20", "CaptioningTransformer"]
