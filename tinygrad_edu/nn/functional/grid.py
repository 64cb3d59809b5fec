"""Spatial transformer functions: ``F.affine_grid`` and ``F.grid_sample``.

A spatial transformer (Jaderberg et al. 2015) warps an image by a transformation that the
network itself predicts: ``affine_grid`` turns a batch of affine matrices ``theta`` into a
*sampling grid* (for every output pixel, where to read in the input, in normalized
coordinates -1 .. +1), and ``grid_sample`` reads the input there with bilinear (or nearest,
or bicubic) interpolation. Both are differentiable, in the image and in ``theta``, so the
network learns where to look::

    grid = F.affine_grid(theta, x.shape, align_corners=False)  # (N, H, W, 2)
    warped = F.grid_sample(x, grid, align_corners=False)       # (N, C, H, W)

``affine_grid`` is a matrix product (a base grid of homogeneous coordinates times
``theta``ᵀ); ``grid_sample`` is the registered op of ``tinygrad_edu/ops/grid.py``, where the
interpolation and its two gradients are explained.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ...autograd import OPS, apply_op
from ...tensor import Tensor
from ...tensor.convert import check_tensor

__all__ = ["GRID_SAMPLE_INTERPOLATION_MODES", "GRID_SAMPLE_PADDING_MODES", "affine_grid",
           "grid_sample"]

GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to "
                    "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                    "old behavior is desired. See the documentation of grid_sample for details.")


def _align_corners(align_corners: bool | None) -> bool:
    """PyTorch's default: False, with a warning that says so."""
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` at the positions of ``grid`` (see ``ops/grid.py`` for the math).

    Args:
        input: (N, C, H, W), or (N, C, D, H, W) for volumes.
        grid: (N, OH, OW, 2), or (N, OD, OH, OW, 3): normalized positions, x (width) first;
            -1 and +1 are the input's edges, values outside read the padding.
        mode: ``'bilinear'`` (trilinear for volumes), ``'nearest'`` or ``'bicubic'`` (4-d).
        padding_mode: what positions outside the input read: ``'zeros'``, ``'border'`` (the
            nearest edge value) or ``'reflection'`` (the input mirrored at its edges).
        align_corners: True: -1 and +1 are the centers of the corner pixels; False (the
            default, with a warning when not given): their outer edges.

    Returns:
        (N, C, OH, OW) or (N, C, OD, OH, OW), differentiable in ``input`` and ``grid``.

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> x = tg.tensor([[[[0.0, 10.0]]]])               # one row, two pixels
        >>> grid = tg.tensor([[[[-1.0, 0.0], [0.0, 0.0], [0.5, 0.0]]]])
        >>> F.grid_sample(x, grid, align_corners=True).tolist()
        [[[[0.0, 5.0, 7.5]]]]
    """
    name = "grid_sample"
    check_tensor(input, name)
    check_tensor(grid, name)
    if mode not in GRID_SAMPLE_INTERPOLATION_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in GRID_SAMPLE_PADDING_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    return apply_op(OPS["grid_sample"], input, grid, mode=mode, padding_mode=padding_mode,
                    align_corners=_align_corners(align_corners))


def _steps(n: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """n positions from -1 to +1 (PyTorch's ``linspace_from_neg_one``): the pixel centers.

    With ``align_corners=False`` the centers sit half a pixel inside the edges, so the range
    shrinks by (n - 1) / n. A single pixel is at 0.
    """
    if n <= 1:
        return np.zeros(n, dtype=dtype)
    i = np.arange(n)
    step = dtype.type(2.0 / (n - 1))
    values = np.where(i < n // 2, -1 + step * i, 1 - step * (n - 1 - i)).astype(dtype)
    if not align_corners:
        values = (values * (n - 1) / n).astype(dtype)
    return values


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None
                ) -> Tensor:
    """The sampling grid of a batch of affine transforms, for ``grid_sample``.

    Every output pixel's center ``(x, y)`` (normalized to -1 .. +1) is mapped to
    ``theta @ (x, y, 1)``: the position to read in the input. The identity
    ``[[1, 0, 0], [0, 1, 0]]`` reads every pixel where it is.

    Args:
        theta: (N, 2, 3) affine matrices for 2-d, (N, 3, 4) for 3-d; floating point.
        size: the output size, (N, C, H, W) or (N, C, D, H, W).
        align_corners: as in ``grid_sample`` (use the same value there); default False, with
            a warning.

    Returns:
        The grid, (N, H, W, 2) or (N, D, H, W, 3), differentiable in ``theta``.

    Example:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> theta = tg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=True).tolist()
        [[[[-1.0, -1.0], [1.0, -1.0]], [[-1.0, 1.0], [1.0, 1.0]]]]
    """
    check_tensor(theta, "affine_grid")
    align = _align_corners(align_corners)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    dims = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[-2:]) != (dims, dims + 1):
        kind = "2D affine matrices of shape Nx2x3" if dims == 2 else \
            "3D affine matrices of shape Nx3x4"
        raise ValueError(f"Expected a batch of {kind} for size {size}. Got {theta.shape}.")
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid: theta holds {theta.shape[0]} matrices but size asks "
                           f"for a batch of {size[0]}")
    dtype = np.dtype(theta.numpy(force=True).dtype)
    # base[..., :] = (x, y[, z], 1) at every output pixel (x runs along the last dim)
    axes = np.meshgrid(*[_steps(n, align, dtype) for n in spatial], indexing="ij")
    base = np.stack([*axes[::-1], np.ones(spatial, dtype=dtype)], axis=-1)
    points = Tensor(base.reshape(1, -1, dims + 1))
    grid = points.matmul(theta.transpose(1, 2))  # (N, D*H*W, dims)
    return grid.reshape(size[0], *spatial, dims)
