"""``torchvision``'s layout: ``import tinygrad_edu.vision as torchvision`` runs tutorial code.

- ``transforms``: image transforms for PIL images, tensors and arrays (``transforms.functional``
  for the plain functions).
"""

from . import transforms as transforms  # noqa: PLC0414 - the public submodule
