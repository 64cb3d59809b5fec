"""Everyday PyTorch idioms run unchanged: each snippet below is written once, against the
names ``torch`` and ``F``, and runs twice, with torch and with tinygrad_edu bound to them. The
two results must agree in values, shapes and dtypes.

The snippets are the lines course notebooks and tutorials start with (TORCH_SURFACE.md's
idioms), so a failure here is a program a student could not run after swapping the imports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tgF

torch = pytest.importorskip("torch")
import torch.nn.functional as torchF  # noqa: E402

IDIOMS: dict[str, Callable[[Any, Any], Any]] = {}


def idiom(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    IDIOMS[fn.__name__] = fn
    return fn


def _x(torch: Any) -> Any:
    return torch.tensor([[1.5, -2.0, 0.5, 3.0], [0.0, 2.5, -1.0, 1.0], [4.0, -0.5, 2.0, -3.5]])


def _y(torch: Any) -> Any:
    return torch.tensor([3, 1, 0])


# --- reductions and indexing
@idiom
def sum_axis(torch, F):
    return _x(torch).sum(axis=1), _x(torch).mean(axis=0, keepdim=True)


@idiom
def max_dim_tuple(torch, F):
    values, indices = torch.max(_x(torch), 1)
    return values, indices, _x(torch).max(dim=1)[1], torch.argmax(_x(torch), dim=1)


@idiom
def scores_of_correct_class(torch, F):
    x, y = _x(torch), _y(torch)
    return x[torch.arange(x.shape[0]), y]


@idiom
def boolean_mask(torch, F):
    x = _x(torch)
    return x[x > 0], x.masked_select(x < 0)


@idiom
def accuracy(torch, F):
    pred = _x(torch).argmax(1)
    return (pred == _y(torch)).float().mean().item(), pred.eq(_y(torch)).sum().item()


@idiom
def sort_topk_argsort(torch, F):
    x = _x(torch)
    v, i = x.sort(dim=1, descending=True)
    tv, ti = x.topk(2, dim=1)
    return v, i, tv, ti, x.argsort(dim=0)


@idiom
def cumsum_norm(torch, F):
    x = _x(torch)
    return x.cumsum(0), x.norm(dim=1), torch.norm(x), x.norm(p=1)


@idiom
def unique_counts(torch, F):
    return torch.unique(torch.tensor([3, 1, 3, 2, 1, 3]), return_counts=True)


@idiom
def nonzero_index_select(torch, F):
    x = _x(torch)
    return (x > 1).nonzero(), x.index_select(1, torch.tensor([0, 2]))


@idiom
def scatter_one_hot(torch, F):
    y = _y(torch)
    manual = torch.zeros(3, 5).scatter_(1, y.unsqueeze(1), 1.0)
    return manual, F.one_hot(y, num_classes=5), F.one_hot(y)


# --- elementwise
@idiom
def clamp_where(torch, F):
    x = _x(torch)
    return x.clamp(min=0), torch.where(x > 0, x, torch.zeros_like(x)), x.clamp(-1, 1)


@idiom
def floor_div_mod(torch, F):
    a = torch.arange(-5, 6)
    return a // 2, a % 3, torch.floor_divide(a, 4), torch.remainder(a, -3), a.float() // 2


@idiom
def rounding_and_signs(torch, F):
    x = _x(torch)
    return x.round(), x.floor(), x.ceil(), x.sign(), x.abs().rsqrt(), x.reciprocal()


@idiom
def logs_and_exps(torch, F):
    x = _x(torch).abs()
    return x.log1p(), x.expm1(), x.log2(), x.log10(), x.square(), torch.sqrt(x)


@idiom
def nan_checks(torch, F):
    x = torch.tensor([1.0, math.nan, math.inf, -math.inf])
    return torch.isnan(x), torch.isinf(x), torch.isfinite(x), torch.isnan(x).any().item()


@idiom
def allclose(torch, F):
    x = _x(torch)
    return torch.allclose(x, x + 1e-9), torch.allclose(x, x + 1), torch.isclose(x, x * 1.0)


@idiom
def comparison_methods(torch, F):
    x, z = _x(torch), _x(torch).flip(0)
    return x.eq(z), x.ne(z), x.lt(z), x.le(z), x.gt(z), x.ge(z), torch.equal(x, x.clone())


# --- shapes
@idiom
def size_and_shape(torch, F):
    x = _x(torch)
    n, d = x.shape
    return n, d, x.size(0), x.size(-1), tuple(x.size()), x.view(-1).shape == torch.Size([12])


@idiom
def cat_stack(torch, F):
    x = _x(torch)
    return torch.cat([x, x], dim=1), torch.stack([x, x]), torch.cat((x, x))


@idiom
def transpose_permute(torch, F):
    x = _x(torch)
    return x.T, x.t(), x.permute(1, 0).contiguous(), x.transpose(0, 1), x.view_as(x.clone())


@idiom
def expand_repeat(torch, F):
    x = _x(torch).unsqueeze(1)
    return x.expand(-1, 3, -1), x.repeat(1, 2, 1), torch.tensor([1, 2]).repeat_interleave(2)


@idiom
def flip_unbind_tril(torch, F):
    x = _x(torch)
    return x.flip(0), x.unbind(0), torch.tril(torch.ones(3, 3)), torch.triu(x, diagonal=1)


@idiom
def masked_fill_inf(torch, F):
    x = _x(torch)
    mask = torch.triu(torch.ones(3, 4), diagonal=1).bool()
    return x.masked_fill(mask, float("-inf")).softmax(dim=-1)


@idiom
def meshgrid(torch, F):
    a, b = torch.arange(3), torch.arange(2)
    return torch.meshgrid(a, b, indexing="ij"), torch.meshgrid(a, b, indexing="xy")


# --- matrices
@idiom
def matmul_family(torch, F):
    x = _x(torch)
    v = torch.tensor([1.0, 2.0, -1.0])
    b = torch.ones(2, 4, 3)
    return (x.T @ v, torch.mm(x.T, x), torch.bmm(b, x.unsqueeze(0).expand(2, 3, 4)),
            torch.dot(v, v), torch.outer(v, v), torch.diag(v), torch.einsum("ij,ik->jk", x, x))


@idiom
def linalg(torch, F):
    a = torch.tensor([[4.0, 1.0], [2.0, 3.0]])
    rhs = torch.tensor([1.0, 2.0])
    return (torch.linalg.inv(a), torch.linalg.det(a), torch.linalg.solve(a, rhs),
            torch.linalg.norm(a), torch.inverse(a))


# --- dtypes, devices, conversion
@idiom
def dtypes(torch, F):
    x = _x(torch)
    return (x.half().dtype, x.type_as(_y(torch)).dtype, x.to(torch.float64).dtype,
            torch.get_default_dtype(), x.long().dtype, x.double().dtype)


@idiom
def uint8_images(torch, F):
    img = torch.tensor(np.arange(12, dtype=np.uint8).reshape(3, 4))
    return img.dtype, img.float() / 255, img.max().item()


@idiom
def device_choice(torch, F):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = _x(torch).to(device)
    return str(device), x.device.type, x.cpu().is_cuda, x.to("cpu", torch.float64).dtype


@idiom
def numpy_round_trip(torch, F):
    a = np.arange(6.0).reshape(2, 3)
    x = torch.from_numpy(a).float()
    return x, x.detach().numpy(), x.tolist(), x.data.numpy(), torch.tensor([x[0, 0], x[1, 2]])


@idiom
def legacy_constructors(torch, F):
    return torch.FloatTensor([1, 2]), torch.LongTensor([3]), torch.FloatTensor(2, 3).shape


@idiom
def threads(torch, F):
    n = torch.get_num_threads()
    torch.set_num_threads(n)
    return torch.get_num_threads() == n


# --- autograd
@idiom
def backward_and_grad(torch, F):
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    g = w.grad.clone()
    w.grad.zero_()
    with torch.no_grad():
        w -= 0.1 * g
    return g, w.detach(), w.requires_grad, loss.grad_fn.name()


@idiom
def inference_mode(torch, F):
    w = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        y = w * 2
    return y.requires_grad, y


@idiom
def autograd_grad(torch, F):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad((x ** 3).sum(), x)
    return g


@idiom
def variable(torch, F):
    v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    (v * 3).sum().backward()
    return v.grad


# --- random numbers: the page's numbers after manual_seed
@idiom
def seeded_draws(torch, F):
    torch.manual_seed(0)
    a = torch.randn(3, 4)
    b = torch.rand(5)
    c = torch.randint(0, 10, (6,))
    d = torch.randperm(7)
    return a, b, c, d


@idiom
def seeded_sampling(torch, F):
    torch.manual_seed(1)
    probs = torch.tensor([0.1, 0.2, 0.7])
    return torch.multinomial(probs, 5, replacement=True), torch.bernoulli(probs.expand(3, 3))


# --- printing
@idiom
def printing(torch, F):
    x = _x(torch)
    torch.set_printoptions(precision=2)
    try:
        text = repr(x)
    finally:
        torch.set_printoptions(profile="default")
    return text.replace("torch.", "").replace("tg.", ""), repr(x.shape)


def _plain(value: Any) -> Any:
    """A comparable form: arrays for tensors, names for dtypes, recursively for tuples."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype).split(".")[-1], value.detach().numpy())
    if isinstance(value, tg.Tensor):
        return ("tensor", str(value.dtype).split(".")[-1], value.detach().numpy())
    if isinstance(value, tuple | list) and not isinstance(value, str):
        return type(value) is list, [_plain(v) for v in value]
    if isinstance(value, torch.dtype) or isinstance(value, np.dtype) or hasattr(value, "itemsize"):
        return ("dtype", str(value).split(".")[-1])
    return value


def _assert_same(ours: Any, theirs: Any, where: str = "") -> None:
    if isinstance(theirs, tuple) and len(theirs) == 3 and theirs[0] == "tensor":
        assert isinstance(ours, tuple), f"{where}: {ours!r}"
        assert ours[0] == "tensor", f"{where}: {ours!r}"
        assert ours[1] == theirs[1], f"{where}: dtype {ours[1]} != {theirs[1]}"
        assert ours[2].shape == theirs[2].shape, f"{where}: shape {ours[2].shape}"
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-7, err_msg=where)
    elif isinstance(theirs, tuple) and len(theirs) == 2 and isinstance(theirs[1], list):
        assert len(ours[1]) == len(theirs[1]), f"{where}: length"
        for i, (o, t) in enumerate(zip(ours[1], theirs[1], strict=True)):
            _assert_same(o, t, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-6), where
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


@pytest.mark.parametrize("name", sorted(IDIOMS))
def test_idiom_runs_unchanged(name: str) -> None:
    theirs = _plain(IDIOMS[name](torch, torchF))
    ours = _plain(IDIOMS[name](tg, tgF))
    _assert_same(ours, theirs, name)
