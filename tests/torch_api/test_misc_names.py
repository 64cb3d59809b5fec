"""The last names of the course checklist, each against torch: ``apply_``, ``float_power``,
``masked_fill_``, ``tril_``/``triu_``, ``tg.logspace``, ``tg.as_tensor``, ``tg.clone``."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

A = np.array([[1.5, -2.0, 0.5], [3.0, 0.0, -1.0], [2.0, 4.0, -3.5]], dtype=np.float32)


def _same(ours, theirs) -> None:
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_apply_maps_each_element_in_place() -> None:
    ours, theirs = tg.tensor(A), torch.tensor(A)
    version = ours._version[0]
    assert ours.apply_(lambda v: v * v - 1) is ours
    theirs.apply_(lambda v: v * v - 1)
    _same(ours, theirs)
    assert ours._version[0] > version
    ints, tints = tg.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    _same(ints.apply_(lambda v: v // 2), tints.apply_(lambda v: v // 2))
    for make in (lambda m: m.tensor(A, requires_grad=True),
                 lambda m: m.tensor(A, requires_grad=True) * 2):
        with pytest.raises(RuntimeError, match="Can't call apply_"):
            make(tg).apply_(abs)
        with pytest.raises(RuntimeError, match="Can't call apply_"):
            make(torch).apply_(abs)


@pytest.mark.parametrize("exponent", [2, 0.5, -1.5, "tensor"])
def test_float_power_computes_in_float64_with_gradients(exponent) -> None:
    base = np.abs(A) + 0.5
    ours, theirs = tg.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
    e_ours = tg.tensor([1, 2, 3]) if exponent == "tensor" else exponent
    e_theirs = torch.tensor([1, 2, 3]) if exponent == "tensor" else exponent
    r, tr = ours.float_power(e_ours), theirs.float_power(e_theirs)
    _same(r, tr)
    _same(tg.float_power(ours, e_ours), torch.float_power(theirs, e_theirs))
    r.sum().backward()
    tr.sum().backward()
    _same(ours.grad, theirs.grad)


def test_masked_fill_and_triangles_in_place() -> None:
    mask = A > 1
    for name, args in (("masked_fill_", (mask, -9.0)), ("tril_", ()), ("triu_", (1,)),
                       ("tril_", (-1,))):
        ours, theirs = tg.tensor(A), torch.tensor(A)
        t_args = tuple(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args)
        o_args = tuple(tg.tensor(a) if isinstance(a, np.ndarray) else a for a in args)
        assert getattr(ours, name)(*o_args) is ours
        getattr(theirs, name)(*t_args)
        _same(ours, theirs)
    w, tw = tg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    y, ty = w * 1, tw * 1
    y.triu_().masked_fill_(tg.tensor(mask), 0.0).sum().backward()
    ty.triu_().masked_fill_(torch.tensor(mask), 0.0).sum().backward()
    _same(w.grad, tw.grad)


@pytest.mark.parametrize(("start", "end", "steps", "kwargs"), [
    (0, 2, 3, {}), (-1.5, 2.5, 7, {}), (0, 3, 4, {"base": 2}), (1, 0, 5, {"base": 3.0}),
    (0, 2, 1, {}), (0, 2, 0, {}), (0, 2, 4, {"dtype": "float64"}),
])
def test_logspace(start, end, steps, kwargs) -> None:
    t_kwargs = {**kwargs, **({"dtype": torch.float64} if "dtype" in kwargs else {})}
    o_kwargs = {**kwargs, **({"dtype": tg.float64} if "dtype" in kwargs else {})}
    _same(tg.logspace(start, end, steps, **o_kwargs), torch.logspace(start, end, steps, **t_kwargs))


def test_as_tensor_shares_memory_like_torch() -> None:
    a = np.arange(6.0).reshape(2, 3)
    ours, theirs = tg.as_tensor(a), torch.as_tensor(a)
    _same(ours, theirs)
    a[0, 0] = 42.0  # both see the change: no copy was made
    assert ours[0, 0].item() == theirs[0, 0].item() == 42.0
    x = tg.ones(3)
    assert tg.as_tensor(x) is x
    _same(tg.as_tensor(x, dtype=tg.float64), torch.as_tensor(torch.ones(3), dtype=torch.float64))
    _same(tg.as_tensor([1, 2]), torch.as_tensor([1, 2]))
    _same(tg.as_tensor(a, dtype=tg.float32), torch.as_tensor(a, dtype=torch.float32))


def test_clone_function() -> None:
    w = tg.tensor(A, requires_grad=True)
    c = tg.clone(w)
    assert c is not w
    c.sum().backward()
    _same(w.grad, torch.ones(3, 3))
