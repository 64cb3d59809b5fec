"""Instance normalisation: ``InstanceNorm1d``, ``InstanceNorm2d`` and ``InstanceNorm3d``.

Each (sample, channel) is normalised with its own mean and variance over the spatial dims
(L; H, W; or D, H, W), as style transfer and GANs use it. The three classes differ only in
how many spatial dims they expect; the work is ``F.instance_norm``
(``nn/functional/normalization.py``).
"""

from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor
from . import functional as F
from .functional.normalization import reshape_result
from .normalization import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    """Shared code: ``_spatial`` is the number of spatial dims of the subclass."""

    _spatial = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        name, unbatched = type(self).__name__, self._spatial + 1
        if not isinstance(input, Tensor) or input.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"{name}: expected {unbatched}D or {unbatched + 1}D input (got "
                             f"{getattr(input, 'ndim', '?')}D input)")
        feature_dim = input.ndim - unbatched
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim={feature_dim} "
                                 f"to match num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. "
                          "You can silence this warning by not passing in num_features, which "
                          "is not used because affine=False", stacklevel=2)
        x = input.unsqueeze(0) if input.ndim == unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return reshape_result(out, input.shape)


_DOC = """Instance normalisation of {batched} or {unbatched}: each sample's channel alone.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, with mean and biased variance over
    ({dims}) of each (n, c). With ``track_running_stats`` the running averages are updated
    in training and used in evaluation mode.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance for stability (default 1e-5).
        momentum: weight of the new statistics in the running averages (default 0.1).
        affine: learn per-channel ``weight`` and ``bias`` (default False).
        track_running_stats: keep running statistics (default False).
        bias: learn ``bias`` when ``affine`` (keyword only, default True).

    Shape:
        input {batched} or {unbatched} -> output the same shape.

    Attributes:
        weight: (C,), initialised to 1. bias: (C,), initialised to 0 (when affine).
        running_mean, running_var, num_batches_tracked: as in ``BatchNorm2d`` (when
            track_running_stats).

    Example:
        >>> import tinygrad_edu as tg
        >>> inorm = tg.nn.{name}(3)
        >>> inorm  # doctest: +NORMALIZE_WHITESPACE
        {name}(3, eps=1e-05, momentum=0.1, affine=False, bias=False,
                       track_running_stats=False)
        >>> inorm(tg.randn({example})).shape
        torch.Size([{example}])
    """


class InstanceNorm1d(_InstanceNorm):
    __doc__ = _DOC.format(name="InstanceNorm1d", batched="(N, C, L)", unbatched="(C, L)",
                          dims="L", example="2, 3, 4")
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    __doc__ = _DOC.format(name="InstanceNorm2d", batched="(N, C, H, W)", unbatched="(C, H, W)",
                          dims="H, W", example="2, 3, 4, 4")
    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    __doc__ = _DOC.format(name="InstanceNorm3d", batched="(N, C, D, H, W)",
                          unbatched="(C, D, H, W)", dims="D, H, W", example="2, 3, 2, 2, 2")
    _spatial = 3
