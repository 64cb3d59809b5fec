"""tinygrad_edu.vision.transforms against torchvision's documented behaviour.

torchvision itself cannot be installed here, so every expectation is computed independently:
with torch ops (``F.interpolate``, ``F.grid_sample``, ``F.pad``, ``conv2d``, written the way
torchvision's tensor code calls them), with Pillow (what torchvision calls for PIL images),
with Python's ``colorsys``, or by hand. The random transforms are checked against the numbers
torchvision would draw from torch's generator after the same seed (``torch.rand(1)``,
``torch.randint``, ``torch.empty(1).uniform_``, ``torch.randperm``).
"""

from __future__ import annotations

import colorsys
import math
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinygrad_edu as tg
import tinygrad_edu.vision as torchvision
from tinygrad_edu.vision import transforms as T
from tinygrad_edu.vision.transforms import InterpolationMode
from tinygrad_edu.vision.transforms import functional as F

Image = pytest.importorskip("PIL.Image")
ImageEnhance = pytest.importorskip("PIL.ImageEnhance")

RNG = np.random.default_rng(0)


def rgb_uint8(h: int = 9, w: int = 11) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def seed_both(seed: int) -> None:
    tg.manual_seed(seed)
    torch.manual_seed(seed)


# ----------------------------------------------------------------------------- layout, names

def test_torchvision_layout_and_names() -> None:
    assert torchvision.transforms is T
    assert T.functional is F
    assert T.InterpolationMode.BILINEAR.value == "bilinear"
    assert [m.value for m in InterpolationMode] == ["nearest", "nearest-exact", "bilinear",
                                                    "bicubic", "box", "hamming", "lanczos"]
    for name in T.__all__:
        assert getattr(T, name) is not None
    from tinygrad_edu.data import transforms as data_T
    assert data_T.RandomCrop is T.RandomCrop
    assert data_T.Normalize is T.Normalize
    assert issubclass(data_T.ToTensor, T.ToTensor)


# ----------------------------------------------------------------------------- conversion

def test_to_tensor_from_hwc_uint8_and_pil() -> None:
    x = rgb_uint8()
    expect = torch.from_numpy(x.transpose(2, 0, 1)).float().div(255).numpy()
    out = T.ToTensor()(x)
    assert isinstance(out, tg.Tensor)
    assert out.shape == (3, 9, 11)
    assert out.dtype == tg.float32
    np.testing.assert_array_equal(out.numpy(), expect)
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(x)).numpy(), expect)
    gray = x[:, :, 0]
    out = T.ToTensor()(Image.fromarray(gray))  # mode 'L': one channel
    assert out.shape == (1, 9, 11)
    np.testing.assert_array_equal(out.numpy()[0], gray.astype(np.float32) / 255)
    assert T.ToTensor()(gray).shape == (1, 9, 11)  # (H, W) array: one channel


def test_to_tensor_keeps_other_dtypes_and_pil_modes() -> None:
    f = RNG.random((4, 5, 2))  # float64: no scaling, dtype kept (torch.from_numpy)
    out = T.ToTensor()(f)
    assert out.dtype == tg.float64
    np.testing.assert_array_equal(out.numpy(), f.transpose(2, 0, 1))
    ints = RNG.integers(-5, 5, (4, 5), dtype=np.int32)
    out = T.ToTensor()(Image.fromarray(ints, mode="I"))
    assert out.dtype == tg.int32
    np.testing.assert_array_equal(out.numpy()[0], ints)
    out = T.ToTensor()(Image.fromarray(ints.astype(np.float32), mode="F"))
    assert out.dtype == tg.float32
    bits = Image.fromarray(np.array([[0, 255], [255, 0]], np.uint8)).convert("1")
    np.testing.assert_array_equal(T.ToTensor()(bits).numpy()[0], [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match="2/3 dimensional. Got 4"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))


def test_pil_to_tensor_and_convert_image_dtype() -> None:
    x = rgb_uint8()
    out = T.PILToTensor()(Image.fromarray(x))
    assert out.dtype == tg.uint8
    np.testing.assert_array_equal(out.numpy(), x.transpose(2, 0, 1))
    f = T.ConvertImageDtype(tg.float32)(out)
    np.testing.assert_array_equal(f.numpy(), x.transpose(2, 0, 1).astype(np.float32) / 255)
    back = T.ConvertImageDtype(tg.uint8)(f)  # x * 255.999, truncated: the same integers
    np.testing.assert_array_equal(back.numpy(), x.transpose(2, 0, 1))
    half = F.convert_image_dtype(tg.tensor([[[0.0, 0.5, 1.0]]]), tg.uint8)
    assert half.tolist() == [[[0, 127, 255]]]  # 0.5 * 255.999 = 127.9995 -> 127
    wide = F.convert_image_dtype(tg.tensor(np.array([[[255]]], np.uint8)), tg.int16)
    assert wide.tolist() == [[[255 * 128]]]  # int -> wider int: times (32767 + 1) // 256
    assert F.convert_image_dtype(f, tg.float32) is f
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, tg.int32)
    with pytest.raises(TypeError, match="pic should be PIL Image"):
        T.PILToTensor()(x)
    assert repr(T.ConvertImageDtype(tg.float32)) == "ConvertImageDtype()"


def test_to_pil_image_modes() -> None:
    x = rgb_uint8()
    for arr, mode in [(x, "RGB"), (x[:, :, :2], "LA"), (np.dstack([x, x[:, :, :1]]), "RGBA"),
                      (x[:, :, 0], "L")]:
        img = T.ToPILImage()(arr)
        assert img.mode == mode
        np.testing.assert_array_equal(np.asarray(img), arr)
    t = T.ToTensor()(x)  # a float CHW tensor: * 255 and truncated back to the same bytes
    img = T.ToPILImage()(t)
    assert img.mode == "RGB"
    assert img.size == (11, 9)
    np.testing.assert_array_equal(np.asarray(img), (t.numpy().transpose(1, 2, 0) * 255)
                                  .astype(np.uint8))
    f = RNG.random((3, 4)).astype(np.float32)
    assert T.ToPILImage(mode="F")(f).mode == "F"
    np.testing.assert_array_equal(np.asarray(T.ToPILImage(mode="F")(f)), f)
    assert T.ToPILImage()(f).mode == "L"
    assert T.ToPILImage(mode="HSV")(x).mode == "HSV"
    with pytest.raises(ValueError, match="should not have > 4 channels"):
        T.ToPILImage()(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="Only modes"):
        T.ToPILImage(mode="L")(x)
    with pytest.raises(ValueError, match="Incorrect mode"):
        T.ToPILImage(mode="RGB")(x[:, :, 0])
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray"):
        T.ToPILImage()([1])
    assert repr(T.ToPILImage()) == "ToPILImage()"
    assert repr(T.ToPILImage(mode="RGB")) == "ToPILImage(mode=RGB)"


def test_normalize_matches_torch() -> None:
    x = RNG.random((2, 3, 4, 5)).astype(np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    m, s = torch.tensor(mean).view(-1, 1, 1), torch.tensor(std).view(-1, 1, 1)
    expect = ((torch.tensor(x) - m) / s).numpy()
    out = T.Normalize(mean, std)(tg.tensor(x))
    np.testing.assert_allclose(out.numpy(), expect, rtol=1e-6)
    y = tg.tensor(x.copy())
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-6)
    assert repr(T.Normalize(mean, std)) == f"Normalize(mean={mean}, std={std})"
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize(mean, std)(tg.tensor(np.zeros((3, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="division by zero"):
        F.normalize(tg.tensor(x), [0.0], [0.0])
    with pytest.raises(ValueError, match="tensor image of size"):
        F.normalize(tg.tensor(x[0, 0]), [0.0], [1.0])


# ----------------------------------------------------------------------------- resize

@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [(7, 9), (30, 41), (17, 10), (40, 5)])
def test_resize_tensor_matches_torch_interpolate(mode: str, antialias: bool,
                                                 size: tuple[int, int]) -> None:
    """torchvision resizes a float tensor with F.interpolate(size, mode, align_corners=False
    for bilinear/bicubic, antialias only for bilinear/bicubic)."""
    x = RNG.random((2, 3, 17, 23)).astype(np.float32)
    linear = mode in ("bilinear", "bicubic")
    expect = TF.interpolate(torch.tensor(x), size=size, mode=mode,
                            align_corners=False if linear else None,
                            antialias=antialias and linear).numpy()
    out = F.resize(tg.tensor(x), list(size), InterpolationMode(mode), antialias=antialias)
    assert out.dtype == tg.float32
    np.testing.assert_allclose(out.numpy(), expect, atol=3e-6)


def test_resize_uint8_tensor_rounds_like_torchvision() -> None:
    """uint8 tensors are resized in float32, then rounded (bicubic also clamped)."""
    x = RNG.integers(0, 256, (3, 20, 16), dtype=np.uint8)
    for mode in ("bilinear", "bicubic"):
        ref = TF.interpolate(torch.tensor(x)[None].float(), size=(9, 13), mode=mode,
                             align_corners=False, antialias=True)
        expect = torch.round(ref.clamp(0, 255) if mode == "bicubic" else ref)[0].to(torch.uint8)
        out = T.Resize((9, 13), InterpolationMode(mode))(tg.tensor(x))
        assert out.dtype == tg.uint8
        diff = np.abs(out.numpy().astype(int) - expect.numpy().astype(int))
        assert diff.max() <= 1
        assert (diff > 0).mean() < 0.01


def test_resize_sizes_max_size_and_pil() -> None:
    t = tg.tensor(RNG.random((3, 10, 20)).astype(np.float32))
    assert T.Resize(5)(t).shape == (3, 5, 10)  # the shorter edge becomes 5
    assert T.Resize([5])(t).shape == (3, 5, 10)
    assert T.Resize((4, 6))(t).shape == (3, 4, 6)
    assert T.Resize(7)(tg.tensor(np.zeros((3, 20, 10), np.float32))).shape == (3, 14, 7)
    assert T.Resize(5, max_size=8)(t).shape == (3, 4, 8)  # long edge capped: int(8 * 5 / 10)
    assert T.Resize(10)(t) is t  # nothing to do
    assert T.Resize(5)(t.numpy()).shape == (3, 5, 10)  # arrays are channels-first here
    assert F.resize(tg.tensor(np.zeros((10, 20), np.float32)), 5).shape == (5, 10)
    x = rgb_uint8(10, 20)
    pil = Image.fromarray(x)
    for mode, pil_mode in [(InterpolationMode.BILINEAR, Image.BILINEAR),
                           (InterpolationMode.NEAREST, Image.NEAREST),
                           (InterpolationMode.LANCZOS, Image.LANCZOS)]:
        out = T.Resize(5, mode)(pil)
        assert out.size == (10, 5)
        np.testing.assert_array_equal(np.asarray(out), np.asarray(pil.resize((10, 5), pil_mode)))
    assert T.Resize(5, interpolation=Image.BICUBIC).interpolation is InterpolationMode.BICUBIC
    with pytest.warns(UserWarning, match="Anti-alias option is always applied"):
        T.Resize(5, antialias=False)(pil)
    with pytest.raises(ValueError, match="max_size = 5 must be strictly greater"):
        T.Resize(5, max_size=5)(t)
    with pytest.raises(ValueError, match="max_size should only be passed"):
        T.Resize((5, 6), max_size=9)(t)
    with pytest.raises(ValueError, match="1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(TypeError, match="InterpolationMode"):
        T.Resize(5, interpolation="bilinear")
    with pytest.raises(NotImplementedError, match="PIL images only"):
        T.Resize(5, InterpolationMode.LANCZOS)(t)
    assert repr(T.Resize(5)) == \
        "Resize(size=5, interpolation=bilinear, max_size=None, antialias=True)"


# ----------------------------------------------------------------------------- crops, pads

def test_center_crop_and_padding_when_too_small() -> None:
    x = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6)
    out = T.CenterCrop((3, 2))(tg.tensor(x))
    # top = round((5 - 3) / 2) = 1, left = round((6 - 2) / 2) = 2
    np.testing.assert_array_equal(out.numpy(), x[:, 1:4, 2:4])
    big = T.CenterCrop((8, 9))(tg.tensor(x))  # padded: left 1, top 1, right 2, bottom 2
    expect = TF.pad(torch.tensor(x), (1, 2, 1, 2)).numpy()
    np.testing.assert_array_equal(big.numpy(), expect)
    pil = Image.fromarray(rgb_uint8(5, 6))
    np.testing.assert_array_equal(np.asarray(T.CenterCrop((3, 2))(pil)),
                                  np.asarray(pil)[1:4, 2:4])
    padded = np.asarray(T.CenterCrop(8)(pil))
    assert padded.shape == (8, 8, 3)
    np.testing.assert_array_equal(padded[1:6, 1:7], np.asarray(pil))
    assert padded[0].sum() == 0
    assert padded[:, 0].sum() == 0
    assert repr(T.CenterCrop(10)) == "CenterCrop(size=(10, 10))"
    with pytest.raises(ValueError, match="only two dimensions"):
        T.CenterCrop((1, 2, 3))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes(mode: str) -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    out = T.Pad((1, 2, 3, 1), fill=7, padding_mode=mode)(tg.tensor(x))
    widths = ((0, 0), (2, 1), (1, 3))
    expect = np.pad(x, widths, mode, **({"constant_values": 7} if mode == "constant" else {}))
    np.testing.assert_array_equal(out.numpy(), expect)
    if mode != "symmetric":  # torch's pad has no symmetric mode
        torch_mode = {"edge": "replicate"}.get(mode, mode)
        kwargs = {"value": 7.0} if mode == "constant" else {}
        np.testing.assert_array_equal(
            out.numpy(), TF.pad(torch.tensor(x)[None], (1, 3, 2, 1), mode=torch_mode,
                                **kwargs)[0].numpy())
    pil = Image.fromarray(rgb_uint8(3, 4))
    got = np.asarray(T.Pad((1, 2, 3, 1), fill=7, padding_mode=mode)(pil))
    np.testing.assert_array_equal(got, np.pad(np.asarray(pil), widths[1:] + ((0, 0),), mode,
                                              **({"constant_values": 7} if mode == "constant"
                                                 else {})))


def test_pad_forms_and_errors() -> None:
    x = np.ones((1, 2, 2), np.float32)
    assert F.pad(x, 1).shape == (1, 4, 4)
    assert F.pad(x, [1, 2]).shape == (1, 6, 4)  # (left/right, top/bottom)
    assert F.pad(x, [-1, 0, 0, 0]).shape == (1, 2, 1)  # negative padding crops
    assert repr(T.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    pil = Image.fromarray(rgb_uint8(4, 5))
    got = np.asarray(F.pad(pil, [2, 1], fill=(10, 20, 30)))  # a colour per band
    assert got.shape == (6, 9, 3)
    assert got[0, 0].tolist() == [10, 20, 30]
    np.testing.assert_array_equal(got[1:5, 2:7], np.asarray(pil))
    np.testing.assert_array_equal(np.asarray(F.pad(pil, [-1, 0, 1, 0], fill=0))[:, :4],
                                  np.asarray(pil)[:, 1:])
    with pytest.raises(ValueError, match="does not match the number of channels"):
        F.pad(pil, 1, fill=(1, 2))
    with pytest.raises(ValueError, match="1, 2, or 4 element tuple, not a 3"):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(TypeError, match="inappropriate padding"):
        T.Pad("1")


def test_random_crop_draws_like_torchvision() -> None:
    """get_params: torch.randint(0, h - th + 1, (1,)), then the same for the width."""
    x = np.arange(3 * 10 * 12, dtype=np.float32).reshape(3, 10, 12)
    crop = T.RandomCrop((4, 5), padding=2, padding_mode="reflect")
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2)), mode="reflect")
    seed_both(7)
    for _ in range(10):
        out = crop(tg.tensor(x))
        i = torch.randint(0, 14 - 4 + 1, size=(1,)).item()
        j = torch.randint(0, 16 - 5 + 1, size=(1,)).item()
        np.testing.assert_array_equal(out.numpy(), padded[:, i:i + 4, j:j + 5])
    assert tg.rand(3).tolist() == torch.rand(3).tolist()  # same number of draws
    pil = Image.fromarray(rgb_uint8(10, 12))
    seed_both(3)
    out = T.RandomCrop(6)(pil)
    i, j = torch.randint(0, 5, (1,)).item(), torch.randint(0, 7, (1,)).item()
    np.testing.assert_array_equal(np.asarray(out), np.asarray(pil)[i:i + 6, j:j + 6])


def test_random_crop_pad_if_needed_and_errors() -> None:
    x = np.ones((1, 3, 4), np.float32)
    out = T.RandomCrop((5, 6), pad_if_needed=True, fill=0)(x)
    # torchvision pads the short width by (6 - 4) on both sides, the height by (5 - 3)
    assert out.shape == (1, 5, 6)
    assert T.RandomCrop((3, 4))(x).shape == (1, 3, 4)
    assert repr(T.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    with pytest.raises(ValueError, match=r"Required crop size \(5, 5\) is larger than input "
                                         r"image size \(3, 4\)"):
        T.RandomCrop(5)(x)
    with pytest.raises(ValueError, match="padding"):
        T.RandomCrop(2, padding=(1, 2, 3))


def test_flips() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(F.hflip(tg.tensor(x)).numpy(), x[..., ::-1])
    np.testing.assert_array_equal(F.vflip(x), x[..., ::-1, :])
    pil = Image.fromarray(rgb_uint8())
    np.testing.assert_array_equal(np.asarray(F.hflip(pil)), np.asarray(pil)[:, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(pil)), np.asarray(pil)[::-1])
    seed_both(11)
    for _ in range(8):
        out = T.RandomVerticalFlip(0.5)(tg.tensor(x))
        expect = x[..., ::-1, :] if torch.rand(1) < 0.5 else x
        np.testing.assert_array_equal(out.numpy(), expect)
    assert T.RandomHorizontalFlip(0.0)(pil) is pil
    assert repr(T.RandomVerticalFlip()) == "RandomVerticalFlip(p=0.5)"


# ----------------------------------------------------------------------------- resized crop

def torch_resized_crop_params(height: int, width: int, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, drawing with torch."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


@pytest.mark.parametrize(("scale", "ratio"), [((0.08, 1.0), (3 / 4, 4 / 3)),
                                         ((0.9, 1.0), (3.0, 4.0)),  # always the fallback
                                         ((0.5, 0.6), (0.2, 0.3))])
def test_random_resized_crop_params_match_torch_draws(scale, ratio) -> None:
    img = np.zeros((3, 37, 53), np.float32)
    for seed in range(40):
        seed_both(seed)
        ours = [T.RandomResizedCrop.get_params(img, scale, ratio) for _ in range(3)]
        theirs = [torch_resized_crop_params(37, 53, scale, ratio) for _ in range(3)]
        assert ours == theirs
    assert tg.rand(2).tolist() == torch.rand(2).tolist()


def test_random_resized_crop_output() -> None:
    x = RNG.random((3, 20, 30)).astype(np.float32)
    seed_both(2)
    out = T.RandomResizedCrop(8)(tg.tensor(x))
    i, j, h, w = torch_resized_crop_params(20, 30, (0.08, 1.0), (3 / 4, 4 / 3))
    expect = TF.interpolate(torch.tensor(x[None, :, i:i + h, j:j + w]), size=(8, 8),
                            mode="bilinear", align_corners=False, antialias=True)[0]
    np.testing.assert_allclose(out.numpy(), expect.numpy(), atol=3e-6)
    pil = T.RandomResizedCrop((5, 7))(Image.fromarray(rgb_uint8(20, 30)))
    assert pil.size == (7, 5)
    assert repr(T.RandomResizedCrop(224)) == (
        "RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), ratio=(0.75, 1.3333), "
        "interpolation=bilinear, antialias=True)")
    with pytest.warns(UserWarning, match="Scale and ratio should be of kind"):
        T.RandomResizedCrop(4, scale=(1.0, 0.5))
    with pytest.raises(TypeError, match="Scale should be a sequence"):
        T.RandomResizedCrop(4, scale=0.5)


# ----------------------------------------------------------------------------- rotation

def forward_affine(angle: float, translate, scale: float, shear, center) -> np.ndarray:
    """The 3x3 forward matrix T C R(angle) S(scale) SHy SHx C^-1 (torchvision's definition),
    built from the elementary matrices; the transforms use its inverse."""
    a, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])

    def m3(block, shift=(0.0, 0.0)) -> np.ndarray:
        out = np.eye(3)
        out[:2, :2], out[:2, 2] = block, shift
        return out

    rot = m3([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    shx, shy = m3([[1, -math.tan(sx)], [0, 1]]), m3([[1, 0], [-math.tan(sy), 1]])
    c, c_inv = m3(np.eye(2), center), m3(np.eye(2), (-center[0], -center[1]))
    t = m3(np.eye(2), translate)
    return t @ c @ rot @ m3(scale * np.eye(2)) @ shy @ shx @ c_inv


def torch_warp(img: torch.Tensor, inverse: np.ndarray, ow: int, oh: int, mode: str, fill):
    """torchvision's tensor warp: each output pixel (relative to the output centre) is taken
    back by the inverse matrix and read with grid_sample; a ones channel marks the outside."""
    c, h, w = img.shape
    theta = torch.tensor(inverse[:2].ravel(), dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh).unsqueeze(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, oh * ow, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h]))
    x = torch.cat([img[None].float(), torch.ones(1, 1, h, w)], 1)
    out = TF.grid_sample(x, grid.view(1, oh, ow, 2), mode=mode, padding_mode="zeros",
                         align_corners=False)
    mask, out = out[:, -1:].expand(1, c, oh, ow), out[:, :-1]
    color = torch.tensor(fill, dtype=out.dtype).view(1, -1, 1, 1).expand_as(out)
    if mode == "nearest":
        out = torch.where(mask < 0.5, color, out)
    else:
        out = out * mask + (1 - mask) * color
    return torch.round(out[0]).to(torch.uint8) if img.dtype == torch.uint8 else out[0]


def torch_rotate(img: torch.Tensor, angle: float, mode: str, expand: bool, center, fill):
    """torchvision's tensor rotate: the affine warp by -angle about the centre (coordinates
    relative to the image centre), on a canvas grown to the rotated corners with expand."""
    c, h, w = img.shape
    pivot = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    inverse = np.linalg.inv(forward_affine(-angle, (0.0, 0.0), 1.0, (0.0, 0.0), pivot))
    ow, oh = w, h
    if expand:
        pts = torch.tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                            [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
        new = pts @ torch.tensor(inverse[:2], dtype=torch.float32).T
        lo = new.min(0).values + torch.tensor((w * 0.5, h * 0.5))
        hi = new.max(0).values + torch.tensor((w * 0.5, h * 0.5))
        size = torch.ceil((hi / 1e-4).trunc() * 1e-4) - torch.floor((lo / 1e-4).trunc() * 1e-4)
        ow, oh = int(size[0]), int(size[1])
    return torch_warp(img, inverse, ow, oh, mode, fill)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize(("angle", "expand", "center"), [(30.0, False, None), (-77.3, True, None),
                                                 (90.0, False, None), (12.345, False, (3, 4)),
                                                 (180.0, True, None)])
def test_rotate_tensor_matches_torch_grid_sample(dtype, mode, angle, expand, center) -> None:
    x = (RNG.random((3, 13, 17)) * (255 if dtype == np.uint8 else 1)).astype(dtype)
    fill = [127.0 if dtype == np.uint8 else 0.5] * 3
    out = F.rotate(tg.tensor(x), angle, InterpolationMode(mode), expand, center, fill)
    expect = torch_rotate(torch.tensor(x), angle, mode, expand, center, fill).numpy()
    assert out.shape == expect.shape
    assert out.numpy().dtype == dtype
    # float32: the sampling coordinates (up to the image size) are rounded to float32 in
    # both libraries, by different sums, and an interpolated pixel moves by its neighbours'
    # difference (at most 1) times that rounding: a few eps times the image size
    atol = 4 * np.finfo(np.float32).eps * sum(x.shape[1:]) if dtype == np.float32 else 1e-6
    np.testing.assert_allclose(out.numpy().astype(float), expect.astype(float), atol=atol)


def test_rotate_by_90_is_rot90_and_pil() -> None:
    x = RNG.random((2, 6, 6)).astype(np.float32)
    np.testing.assert_array_equal(F.rotate(tg.tensor(x), 90.0).numpy(), np.rot90(x, 1, (1, 2)))
    assert F.rotate(tg.tensor(x[:, :, :4]), 90.0, expand=True).shape == (2, 4, 6)
    pil = Image.fromarray(rgb_uint8())
    got = F.rotate(pil, 33.0, InterpolationMode.BILINEAR, expand=True, fill=[1, 2, 3])
    np.testing.assert_array_equal(np.asarray(got), np.asarray(
        pil.rotate(33.0, Image.BILINEAR, True, fillcolor=(1, 2, 3))))


def test_random_rotation_draws_and_repr() -> None:
    x = RNG.random((3, 8, 8)).astype(np.float32)
    rot = T.RandomRotation((-40, 25), interpolation=InterpolationMode.BILINEAR, fill=0.25)
    seed_both(4)
    for _ in range(4):
        angle = float(torch.empty(1).uniform_(-40.0, 25.0).item())
        np.testing.assert_allclose(rot(tg.tensor(x)).numpy(), torch_rotate(
            torch.tensor(x), angle, "bilinear", False, None, [0.25] * 3).numpy(), atol=1e-6)
    assert T.RandomRotation(30).degrees == [-30.0, 30.0]
    assert repr(T.RandomRotation(30)) == \
        "RandomRotation(degrees=[-30.0, 30.0], interpolation=nearest, expand=False, fill=0)"
    assert repr(T.RandomRotation(10, center=(1, 2))) == ("RandomRotation(degrees=[-10.0, 10.0], "
                                                         "interpolation=nearest, expand=False, "
                                                         "center=(1, 2), fill=0)")
    with pytest.raises(ValueError, match="must be positive"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="sequence of length 2"):
        T.RandomRotation((1, 2, 3))
    with pytest.raises(ValueError, match="unsupported with Tensor input"):
        F.rotate(tg.tensor(x), 10.0, InterpolationMode.BICUBIC)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize(("angle", "translate", "scale", "shear", "center"), [
    (0.0, (2, -1), 1.0, (0.0, 0.0), None), (25.0, (0, 0), 0.8, (10.0, 0.0), None),
    (-40.0, (1, 3), 1.3, (5.0, -12.0), (4, 2))])
def test_affine_tensor_matches_torch(mode, angle, translate, scale, shear, center) -> None:
    x = RNG.random((3, 11, 14)).astype(np.float32)
    pivot = (0.0, 0.0) if center is None else (center[0] - 7.0, center[1] - 5.5)
    inverse = np.linalg.inv(forward_affine(angle, translate, scale, shear, pivot))
    out = F.affine(tg.tensor(x), angle, list(translate), scale, list(shear),
                   InterpolationMode(mode), fill=[0.2, 0.3, 0.4], center=center)
    expect = torch_warp(torch.tensor(x), inverse, 14, 11, mode, [0.2, 0.3, 0.4])
    np.testing.assert_allclose(out.numpy(), expect.numpy(), atol=1e-5)


def test_affine_on_pil_and_random_affine_draws() -> None:
    pil = Image.fromarray(rgb_uint8(10, 12))
    got = F.affine(pil, 15.0, [2, 1], 1.1, [4.0, 0.0], InterpolationMode.BILINEAR, fill=9)
    inverse = np.linalg.inv(forward_affine(15.0, (2, 1), 1.1, (4.0, 0.0), (6.0, 5.0)))
    expect = pil.transform((12, 10), Image.AFFINE, tuple(inverse[:2].ravel()), Image.BILINEAR,
                           fillcolor=(9, 9, 9))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expect))
    x = RNG.random((1, 10, 12)).astype(np.float32)
    aff = T.RandomAffine(20, translate=(0.1, 0.2), scale=(0.9, 1.1), shear=(-5, 5, -3, 3))
    seed_both(8)
    out = aff(tg.tensor(x))
    angle = torch.empty(1).uniform_(-20.0, 20.0).item()
    tx = int(round(torch.empty(1).uniform_(-1.2, 1.2).item()))  # 0.1 * width 12
    ty = int(round(torch.empty(1).uniform_(-2.0, 2.0).item()))  # 0.2 * height 10
    sc = torch.empty(1).uniform_(0.9, 1.1).item()
    shx = torch.empty(1).uniform_(-5.0, 5.0).item()
    shy = torch.empty(1).uniform_(-3.0, 3.0).item()
    expect = F.affine(tg.tensor(x), angle, [tx, ty], sc, [shx, shy], fill=[0.0])
    np.testing.assert_array_equal(out.numpy(), expect.numpy())
    assert repr(T.RandomAffine(10, translate=(0.1, 0.1), fill=1)) == \
        "RandomAffine(degrees=[-10.0, 10.0], translate=(0.1, 0.1), fill=1)"
    assert T.RandomAffine(0, shear=8).shear == [-8.0, 8.0]
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(2, 0))
    with pytest.raises(ValueError, match="scale values should be positive"):
        T.RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match="Argument scale should be positive"):
        F.affine(tg.tensor(x), 0.0, [0, 0], 0.0, 0.0)


# ----------------------------------------------------------------------------- colour

def torch_gray(img: torch.Tensor) -> torch.Tensor:
    r, g, b = img.unbind(-3)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)


def torch_blend(a: torch.Tensor, b: torch.Tensor, ratio: float) -> torch.Tensor:
    bound = 1.0 if a.is_floating_point() else 255
    return (ratio * a + (1.0 - ratio) * b).clamp(0, bound).to(a.dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_adjust_brightness_contrast_saturation_match_torch(dtype) -> None:
    x = (RNG.random((2, 3, 6, 7)) * (255 if dtype == np.uint8 else 1)).astype(dtype)
    tx = torch.tensor(x)
    for factor in (0.0, 0.3, 1.0, 1.7):
        cases = [
            (F.adjust_brightness, torch_blend(tx, torch.zeros_like(tx), factor)),
            (F.adjust_saturation, torch_blend(tx, torch_gray(tx), factor)),
            (F.adjust_contrast, torch_blend(tx, torch_gray(tx).to(torch.float32).mean(
                dim=(-3, -2, -1), keepdim=True), factor)),
        ]
        for fn, expect in cases:
            out = fn(tg.tensor(x), factor).numpy()
            assert out.dtype == dtype
            diff = np.abs(out.astype(float) - expect.numpy().astype(float))
            assert diff.max() <= (1 if dtype == np.uint8 else 1e-6), fn.__name__
    np.testing.assert_array_equal(F.rgb_to_grayscale(tg.tensor(x)).numpy(),
                                  torch_gray(tx).numpy())
    assert F.rgb_to_grayscale(tg.tensor(x), 3).shape == x.shape
    with pytest.raises(ValueError, match="is not non-negative"):
        F.adjust_brightness(tg.tensor(x), -1)
    with pytest.raises(TypeError, match="permitted channel values are"):
        F.adjust_contrast(tg.tensor(np.zeros((2, 4, 4), np.float32)), 0.5)


def test_adjust_hue_matches_colorsys() -> None:
    x = RNG.random((3, 5, 6)).astype(np.float32)
    for factor in (-0.5, -0.2, 0.0, 0.1, 0.37):
        out = F.adjust_hue(tg.tensor(x), factor).numpy()
        expect = np.empty_like(x)
        for i in range(5):
            for j in range(6):
                h, s, v = colorsys.rgb_to_hsv(*x[:, i, j].astype(float))
                expect[:, i, j] = colorsys.hsv_to_rgb((h + factor) % 1.0, s, v)
        np.testing.assert_allclose(out, expect, atol=2e-6)
    u = RNG.integers(0, 256, (3, 4, 4), dtype=np.uint8)
    same = F.adjust_hue(tg.tensor(u), 0.0).numpy()
    assert np.abs(same.astype(int) - u).max() <= 1  # uint8 -> float -> uint8 round trip
    gray = tg.tensor(x[:1])
    assert F.adjust_hue(gray, 0.2) is gray
    with pytest.raises(ValueError, match=r"is not in \[-0.5, 0.5\]"):
        F.adjust_hue(tg.tensor(x), 0.6)


def test_color_adjustments_on_pil_are_pillows() -> None:
    pil = Image.fromarray(rgb_uint8())
    for fn, enhancer in [(F.adjust_brightness, ImageEnhance.Brightness),
                         (F.adjust_contrast, ImageEnhance.Contrast),
                         (F.adjust_saturation, ImageEnhance.Color)]:
        np.testing.assert_array_equal(np.asarray(fn(pil, 1.4)),
                                      np.asarray(enhancer(pil).enhance(1.4)))
    red = Image.fromarray(np.full((2, 2, 3), (255, 0, 0), np.uint8))
    green = np.asarray(F.adjust_hue(red, 1 / 3))  # hue + int(85) of 255: a third of the wheel
    assert green[0, 0, 1] == 255
    assert green[0, 0, 0] <= 6
    assert green[0, 0, 2] <= 6
    gray = F.rgb_to_grayscale(pil)
    assert gray.mode == "L"
    np.testing.assert_array_equal(np.asarray(gray), np.asarray(pil.convert("L")))
    three = np.asarray(T.Grayscale(3)(pil))
    assert three.shape == (9, 11, 3)
    assert (three == three[:, :, :1]).all()


def test_color_jitter_draws_like_torchvision() -> None:
    """get_params: torch.randperm(4), then one uniform_ per jittered property, in order
    brightness, contrast, saturation, hue; the adjustments run in the permuted order."""
    jitter = T.ColorJitter(brightness=0.4, contrast=(0.5, 1.2), hue=0.1)
    assert (jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue) == \
        ((0.6, 1.4), (0.5, 1.2), None, (-0.1, 0.1))
    x = RNG.random((3, 6, 6)).astype(np.float32)
    seed_both(9)
    for _ in range(3):
        out = jitter(tg.tensor(x))
        order = torch.randperm(4).tolist()
        b = float(torch.empty(1).uniform_(0.6, 1.4))
        c = float(torch.empty(1).uniform_(0.5, 1.2))
        h = float(torch.empty(1).uniform_(-0.1, 0.1))
        expect = tg.tensor(x)
        for k in order:
            if k == 0:
                expect = F.adjust_brightness(expect, b)
            elif k == 1:
                expect = F.adjust_contrast(expect, c)
            elif k == 3:
                expect = F.adjust_hue(expect, h)
        np.testing.assert_array_equal(out.numpy(), expect.numpy())
    assert repr(T.ColorJitter(0.2)) == \
        "ColorJitter(brightness=(0.8, 1.2), contrast=None, saturation=None, hue=None)"
    assert T.ColorJitter(brightness=2).brightness == (0.0, 3.0)  # the low end clipped at 0
    with pytest.raises(ValueError, match="must be non negative"):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(TypeError, match="single number or a list/tuple"):
        T.ColorJitter(contrast=(1, 2, 3))


def test_grayscale_and_random_grayscale() -> None:
    x = RNG.random((3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(T.Grayscale()(tg.tensor(x)).numpy(),
                                  torch_gray(torch.tensor(x)).numpy())
    seed_both(1)
    for _ in range(6):
        out = T.RandomGrayscale(0.5)(tg.tensor(x)).numpy()
        expect = torch_gray(torch.tensor(x)).expand(3, 4, 5) if torch.rand(1) < 0.5 \
            else torch.tensor(x)
        np.testing.assert_array_equal(out, expect.numpy())
    assert repr(T.Grayscale()) == "Grayscale(num_output_channels=1)"
    assert repr(T.RandomGrayscale()) == "RandomGrayscale(p=0.1)"
    with pytest.raises(ValueError, match="either 1 or 3"):
        F.rgb_to_grayscale(tg.tensor(x), 2)


def test_gaussian_blur_matches_torch_conv() -> None:
    x = RNG.random((3, 9, 10)).astype(np.float32)
    kx, ky, sx, sy = 5, 3, 1.3, 0.7

    def kernel1d(k: int, s: float) -> torch.Tensor:
        t = torch.linspace(-(k - 1) * 0.5, (k - 1) * 0.5, steps=k)
        pdf = torch.exp(-0.5 * (t / s).pow(2))
        return pdf / pdf.sum()

    kernel = torch.mm(kernel1d(ky, sy)[:, None], kernel1d(kx, sx)[None, :])
    padded = TF.pad(torch.tensor(x)[None], [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect")
    expect = TF.conv2d(padded, kernel.expand(3, 1, ky, kx), groups=3)[0]
    out = F.gaussian_blur(tg.tensor(x), [kx, ky], [sx, sy])
    np.testing.assert_allclose(out.numpy(), expect.numpy(), atol=1e-6)
    seed_both(6)
    out = T.GaussianBlur(3, sigma=(0.5, 2.0))(tg.tensor(x))
    s = torch.empty(1).uniform_(0.5, 2.0).item()
    np.testing.assert_allclose(out.numpy(), F.gaussian_blur(tg.tensor(x), 3, s).numpy())
    pil = T.GaussianBlur(3)(Image.fromarray(rgb_uint8()))
    assert pil.mode == "RGB"
    assert pil.size == (11, 9)
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)


# ----------------------------------------------------------------------------- containers

def test_compose_lambda_and_reprs() -> None:
    pipeline = T.Compose([T.Resize(5), T.CenterCrop(4), T.ToTensor(), T.Lambda(lambda t: t * 2)])
    out = pipeline(Image.fromarray(rgb_uint8(10, 12)))
    assert out.shape == (3, 4, 4)
    assert repr(pipeline) == ("Compose(\n    Resize(size=5, interpolation=bilinear, max_size=None, "
                              "antialias=True)\n    CenterCrop(size=(4, 4))\n    ToTensor()\n"
                              "    Lambda()\n)")
    with pytest.raises(TypeError, match="lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_random_apply_choice_order() -> None:
    x = tg.tensor(np.zeros((1, 2, 2), np.float32))
    plus = T.Lambda(lambda t: t + 1)
    seed_both(5)
    for _ in range(8):
        out = T.RandomApply([plus, plus], p=0.3)(x)
        applied = not 0.3 < torch.rand(1)  # torchvision skips when p < torch.rand(1)
        assert out.numpy()[0, 0, 0] == (2.0 if applied else 0.0)
    assert repr(T.RandomApply([plus], p=0.3)) == "RandomApply(\n    p=0.3\n    Lambda()\n)"
    double, square = T.Lambda(lambda v: v * 2), T.Lambda(lambda v: v * v)
    random.seed(3)
    got = [T.RandomChoice([double, square], p=[0.2, 0.8])(3) for _ in range(10)]
    random.seed(3)
    assert got == [[6, 9][random.choices([0, 1], weights=[0.2, 0.8])[0]] for _ in range(10)]
    random.seed(1)
    got = [T.RandomOrder([double, T.Lambda(lambda v: v + 1)])(3) for _ in range(10)]
    random.seed(1)
    expect = []
    for _ in range(10):
        order = [0, 1]
        random.shuffle(order)
        expect.append(3 * 2 + 1 if order == [0, 1] else (3 + 1) * 2)
    assert got == expect
    assert set(got) == {7, 8}
    assert repr(T.RandomChoice([double])) == "RandomChoice(\n    Lambda()\n)(p=None)"
    with pytest.raises(TypeError, match="transforms should be a sequence"):
        T.RandomOrder(double)


def test_pipelines_pickle_for_worker_processes() -> None:
    import pickle
    pipeline = T.Compose([T.RandomResizedCrop(8), T.RandomHorizontalFlip(),
                          T.ColorJitter(0.2, 0.2, 0.2, 0.1), T.RandomRotation(10), T.ToTensor(),
                          T.Normalize((0.5,), (0.5,))])
    copy = pickle.loads(pickle.dumps(pipeline))
    assert repr(copy) == repr(pipeline)
    img = Image.fromarray(rgb_uint8(12, 14))
    tg.manual_seed(0)
    first = pipeline(img)
    tg.manual_seed(0)
    np.testing.assert_array_equal(copy(img).numpy(), first.numpy())


def test_to_tensor_follows_the_default_dtype() -> None:
    tg.set_default_dtype(tg.float64)
    try:
        out = T.ToTensor()(rgb_uint8())
    finally:
        tg.set_default_dtype(tg.float32)
    assert out.dtype == tg.float64  # torchvision: .to(torch.get_default_dtype()).div(255)


def test_batches_and_single_channel_images() -> None:
    """Tensor images may have leading dims (..., C, H, W) or none at all (H, W)."""
    batch = RNG.random((2, 3, 8, 9)).astype(np.float32)
    for fn in (lambda t: F.rotate(t, 21.0, InterpolationMode.BILINEAR),
               lambda t: F.resize(t, [5, 4]), lambda t: F.adjust_contrast(t, 0.6),
               lambda t: F.adjust_hue(t, 0.2), lambda t: F.gaussian_blur(t, 3, 1.0),
               lambda t: F.center_crop(t, 6)):
        together = fn(tg.tensor(batch)).numpy()
        one_by_one = np.stack([fn(tg.tensor(img)).numpy() for img in batch])
        np.testing.assert_allclose(together, one_by_one, atol=1e-6)
    plane = RNG.random((8, 9)).astype(np.float32)
    assert F.resize(tg.tensor(plane), [4, 3]).shape == (4, 3)
    np.testing.assert_allclose(F.rotate(tg.tensor(plane), 33.0).numpy(),
                               F.rotate(tg.tensor(plane[None]), 33.0).numpy()[0])
    assert F.get_dimensions(tg.tensor(plane)) == [1, 8, 9]
    assert F.get_image_size(Image.fromarray(rgb_uint8())) == [11, 9]
    assert F.get_image_num_channels(Image.fromarray(rgb_uint8())) == 3


def test_five_and_ten_crop() -> None:
    x = np.arange(2 * 6 * 7, dtype=np.float32).reshape(2, 6, 7)
    tl, tr, bl, br, center = T.FiveCrop((3, 4))(tg.tensor(x))
    for got, expect in [(tl, x[:, :3, :4]), (tr, x[:, :3, 3:]), (bl, x[:, 3:, :4]),
                        (br, x[:, 3:, 3:]), (center, x[:, 2:5, 2:6])]:  # round(1.5) = 2
        np.testing.assert_array_equal(got.numpy(), expect)
    ten = T.TenCrop(3, vertical_flip=True)(x)
    assert len(ten) == 10
    np.testing.assert_array_equal(ten[5], x[:, ::-1][:, :3, :3])
    pil = Image.fromarray(rgb_uint8(6, 7))
    assert [c.size for c in T.FiveCrop(2)(pil)] == [(2, 2)] * 5
    assert repr(T.TenCrop(3)) == "TenCrop(size=(3, 3), vertical_flip=False)"
    with pytest.raises(ValueError, match="is bigger than input size"):
        F.five_crop(x, 8)


def test_random_erasing_draws_like_torchvision() -> None:
    x = RNG.random((3, 12, 16)).astype(np.float32)
    area, log_ratio = 12 * 16, torch.log(torch.tensor((0.3, 3.3)))
    for value in (0.5, "random", (0.1, 0.2, 0.3)):
        erasing = T.RandomErasing(p=0.7, value=value)
        seed_both(12)
        for _ in range(5):
            out = erasing(tg.tensor(x)).numpy()
            expect = torch.tensor(x).clone()
            if torch.rand(1) < 0.7:
                for _ in range(10):
                    target = area * torch.empty(1).uniform_(0.02, 0.33).item()
                    aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
                    h = int(round(math.sqrt(target * aspect)))
                    w = int(round(math.sqrt(target / aspect)))
                    if h < 12 and w < 16:
                        v = torch.empty([3, h, w]).normal_() if value == "random" else \
                            torch.tensor(value if isinstance(value, tuple) else (value,),
                                         dtype=torch.float32)[:, None, None]
                        i = torch.randint(0, 12 - h + 1, size=(1,)).item()
                        j = torch.randint(0, 16 - w + 1, size=(1,)).item()
                        expect[..., i:i + h, j:j + w] = v
                        break
            np.testing.assert_array_equal(out, expect.numpy())
    y = tg.tensor(x.copy())
    assert F.erase(y, 1, 2, 3, 4, tg.tensor(0.0), inplace=True) is y
    assert float(y[:, 1:4, 2:6].abs().sum()) == 0.0
    assert repr(T.RandomErasing()) == ("RandomErasing(p=0.5, scale=(0.02, 0.33), "
                                       "ratio=(0.3, 3.3), value=0, inplace=False)")
    with pytest.raises(ValueError, match="it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="Scale should be between 0 and 1"):
        T.RandomErasing(scale=(0.5, 2))
    with pytest.raises(ValueError, match="either a single value or 3"):
        T.RandomErasing(p=1.0, value=(1, 2))(tg.tensor(x))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.erase(Image.fromarray(rgb_uint8()), 0, 0, 1, 1, 0)
