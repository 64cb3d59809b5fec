"""tinygrad_edu.vision.utils: make_grid and save_image against torchvision's algorithm.

torchvision cannot be installed here; ``torch_make_grid`` below is its documented algorithm
written out with torch ops (stack, cat, clone, clamp_/sub_/div_, new_full, narrow/copy_),
and the grids must equal it exactly. A few grids are also spelled out by hand.
"""

from __future__ import annotations

import io
import math
import os

import numpy as np
import pytest
import torch
from PIL import Image

import tinygrad_edu as tg
from tinygrad_edu.vision import utils
from tinygrad_edu.vision.utils import make_grid, save_image

pytestmark = pytest.mark.torch


def torch_make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
                    scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid, step by step, on torch tensors (the reference)."""
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()

        def norm_ip(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t, value_range):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding),
                           pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(
                2, x * width + padding, width - padding).copy_(tensor[k])
            k += 1
    return grid


def torch_save_array(tensor, **kwargs):
    """The pixels torchvision's save_image writes (HWC uint8)."""
    grid = torch_make_grid(tensor, **kwargs)
    return grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()


def _images(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _assert_same(ours, ref):
    assert isinstance(ours, tg.Tensor)
    assert tuple(ours.shape) == tuple(ref.shape)
    assert str(ours.dtype) == str(ref.dtype)
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())


# ----------------------------------------------------------------------------- make_grid


@pytest.mark.parametrize("shape", [(10, 3, 5, 7), (8, 1, 4, 4), (3, 3, 6, 2), (2, 4, 3, 3),
                                   (1, 3, 4, 5), (1, 1, 4, 5), (3, 4, 4), (1, 4, 4), (4, 4),
                                   (5, 2, 3, 3)])
@pytest.mark.parametrize(("nrow", "padding", "pad_value"),
                         [(8, 2, 0.0), (3, 0, 0.0), (1, 1, 0.5), (4, 5, -1.0), (20, 2, 1.0)])
def test_make_grid_matches_torchvision(shape, nrow, padding, pad_value):
    x = _images(shape)
    _assert_same(make_grid(tg.tensor(x), nrow=nrow, padding=padding, pad_value=pad_value),
                 torch_make_grid(torch.tensor(x), nrow=nrow, padding=padding,
                                 pad_value=pad_value))


@pytest.mark.parametrize("value_range", [None, (-0.5, 0.5), (0, 1), (-3, 2)])
@pytest.mark.parametrize("scale_each", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_make_grid_normalize_matches_torchvision(value_range, scale_each, dtype):
    x = _images((5, 3, 4, 6), seed=1, dtype=dtype) * 3 + 1
    x[2] = 7.0  # a constant image: scale_each divides by the 1e-5 floor
    kwargs = {"normalize": True, "value_range": value_range, "scale_each": scale_each,
              "nrow": 2}
    source = tg.tensor(x)
    _assert_same(make_grid(source, **kwargs), torch_make_grid(torch.tensor(x), **kwargs))
    np.testing.assert_array_equal(source.numpy(), x)  # the input is not changed


def test_make_grid_of_a_list_and_of_other_dtypes():
    x = _images((4, 3, 5, 5), seed=2)
    _assert_same(make_grid([tg.tensor(a) for a in x], nrow=3),
                 torch_make_grid([torch.tensor(a) for a in x], nrow=3))
    u = np.random.default_rng(3).integers(0, 256, size=(3, 1, 4, 4)).astype(np.uint8)
    _assert_same(make_grid(tg.tensor(u), pad_value=255),
                 torch_make_grid(torch.tensor(u), pad_value=255))


def test_make_grid_by_hand():
    # two 1-channel 2x2 images side by side, padding 1 of value 9: channels repeated to 3
    x = tg.tensor([[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]]])
    grid = make_grid(x, padding=1, pad_value=9)
    expected = np.array([[9, 9, 9, 9, 9, 9, 9],
                         [9, 1, 2, 9, 5, 6, 9],
                         [9, 3, 4, 9, 7, 8, 9],
                         [9, 9, 9, 9, 9, 9, 9]], dtype=np.float32)
    np.testing.assert_array_equal(grid.numpy(), np.stack([expected] * 3))
    # three images, two per row: the empty slot keeps the padding value
    grid = make_grid(tg.ones(3, 1, 1, 1), nrow=2, padding=1)
    np.testing.assert_array_equal(grid.numpy()[0], [[0, 0, 0, 0, 0],
                                                    [0, 1, 0, 1, 0],
                                                    [0, 0, 0, 0, 0],
                                                    [0, 1, 0, 0, 0],
                                                    [0, 0, 0, 0, 0]])
    # normalize maps [min, max] to [0, 1]; one image comes back without padding
    grid = make_grid(tg.tensor([[[-2.0, 0.0, 2.0]]]), normalize=True)
    np.testing.assert_array_equal(grid.numpy(), [[[0.0, 0.5, 1.0]]] * 3)


def test_make_grid_errors_and_old_range_argument():
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid([tg.zeros(3, 4, 4), np.zeros((3, 4, 4))])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but "
                                           r"got \[3, 4, 4\] at entry 0 and \[3, 5, 5\]"):
        make_grid([tg.zeros(3, 4, 4), tg.zeros(3, 5, 5)])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(tg.zeros(2, 3, 4, 4), normalize=True, value_range=[0, 1])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Byte"):
        make_grid(tg.zeros(2, 3, 4, 4, dtype=tg.uint8), normalize=True)
    x = _images((3, 3, 4, 4), seed=4)
    with pytest.warns(UserWarning, match="range will be deprecated"):
        grid = make_grid(tg.tensor(x), normalize=True, range=(-1, 1))
    _assert_same(grid, torch_make_grid(torch.tensor(x), normalize=True, value_range=(-1, 1)))


# ----------------------------------------------------------------------------- save_image


@pytest.mark.parametrize("kwargs", [{}, {"nrow": 2, "padding": 3, "pad_value": 0.5},
                                    {"normalize": True}, {"normalize": True, "scale_each": True}])
def test_save_image_writes_torchvisions_pixels(tmp_path, kwargs):
    x = np.random.default_rng(5).uniform(-0.2, 1.2, size=(5, 3, 6, 4)).astype(np.float32)
    x[0, 0, 0, :3] = [0.5 / 255, 1.5 / 255, 254.5 / 255]  # on the rounding boundaries
    path = tmp_path / "grid.png"
    save_image(tg.tensor(x), path, **kwargs)
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.mode == "RGB"
        pixels = np.array(img)
    np.testing.assert_array_equal(pixels, torch_save_array(torch.tensor(x), **kwargs))


def test_save_image_of_one_gray_image_and_to_a_file_object(tmp_path):
    x = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    save_image(tg.tensor(x), str(tmp_path / "one.png"))
    with Image.open(tmp_path / "one.png") as img:
        np.testing.assert_array_equal(np.array(img), torch_save_array(torch.tensor(x)))
        assert img.size == (4, 3)
    buffer = io.BytesIO()
    save_image(tg.tensor(x), buffer, format="png")
    assert buffer.getvalue() == (tmp_path / "one.png").read_bytes()
    with open(tmp_path / "named.bmp", "wb") as f:  # the format comes from the file's name
        save_image(tg.tensor(x), f)
    with Image.open(tmp_path / "named.bmp") as img:
        assert img.format == "BMP"
    with pytest.raises(ValueError, match="unknown file extension"):
        save_image(tg.tensor(x), io.BytesIO())


def test_save_image_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "out.png"
    save_image(tg.zeros(3, 2, 2), path)
    before = path.read_bytes()
    # an unknown extension fails before anything is written
    with pytest.raises(ValueError, match="unknown file extension: .nope"):
        save_image(tg.ones(3, 2, 2), tmp_path / "out.nope")
    assert not (tmp_path / "out.nope").exists()

    # a failure while writing leaves the old file whole and no temporary file behind
    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(utils.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        save_image(tg.ones(3, 8, 8), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]
    # a successful save replaces the file whole, with the usual permissions
    save_image(tg.ones(3, 8, 8), path)
    with Image.open(path) as img:
        assert img.size == (8, 8)
        assert np.array(img).min() == 255
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_image_refuses_integer_grids_as_torchvision(tmp_path):
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Byte"):
        save_image(tg.zeros(3, 2, 2, dtype=tg.uint8), tmp_path / "u.png")
    assert not (tmp_path / "u.png").exists()
