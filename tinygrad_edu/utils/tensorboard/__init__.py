"""TensorBoard logging with PyTorch's API: ``from tinygrad_edu.utils.tensorboard import
SummaryWriter`` where a tutorial writes ``from torch.utils.tensorboard import SummaryWriter``.

- ``SummaryWriter`` (``writer.py``) writes event files TensorBoard reads: scalars,
  histograms, images, text, the model's graph (``graph.py``) and hyperparameters, built as
  protocol buffers in ``summary.py`` and written by the ``tensorboard`` package's own writer.
- ``TensorBoardCallback`` (``callback.py``) lets ``train.fit``/``Trainer`` log a run's losses,
  accuracies and learning rate.

It needs the ``tensorboard`` package: ``pip install "tinygrad_edu[tensorboard]"``. Then
``tensorboard --logdir runs`` shows the runs in a browser.
"""

try:
    import tensorboard  # noqa: F401
except ImportError as _error:
    raise ImportError("tinygrad_edu.utils.tensorboard writes event files with the tensorboard "
                      "package, which is not installed: pip install \"tinygrad_edu[tensorboard]\""
                      ) from _error

from .callback import TensorBoardCallback
from .writer import SummaryWriter

__all__ = ["SummaryWriter", "TensorBoardCallback"]
