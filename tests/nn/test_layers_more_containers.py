"""ParameterList and ParameterDict against torch 2.x: registration names, state dict keys,
list/dict behaviour, loading torch's weights, reprs and errors."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def both(build):
    """``build(lib)`` for torch and for tinygrad_edu (lib has ``nn``, ``zeros``, ``ones``)."""
    return build(torch), build(tg)


def same_structure(ours, theirs):
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [(n, tuple(p.shape), p.requires_grad) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape), p.requires_grad) for n, p in theirs.named_parameters()]


def test_parameter_list_registers_like_torch():
    def build(lib):
        pl = lib.nn.ParameterList([lib.zeros(2, 3), lib.nn.Parameter(lib.ones(4).double())])
        pl.append(lib.ones(1))
        pl.extend([lib.zeros(2), 3, lib.nn.Linear(2, 2)])
        pl += [lib.nn.Parameter(lib.zeros(1), requires_grad=False)]
        return pl
    tp, op = both(build)
    same_structure(op, tp)
    assert len(op) == len(tp) == 7
    assert isinstance(op[0], tg.nn.Parameter)
    assert op[-4] is op[3]
    assert op[4] == 3
    assert [type(p).__name__ for p in op] == ["Parameter"] * 4 + ["int", "Linear", "Parameter"]
    sliced_t, sliced_o = tp[1:5:2], op[1:5:2]
    assert isinstance(sliced_o, tg.nn.ParameterList)
    same_structure(sliced_o, sliced_t)
    assert sliced_o[0] is op[1]  # the same Parameter objects
    op[0] = tg.ones(2, 3)  # a Tensor assigned becomes a Parameter
    assert isinstance(op[0], tg.nn.Parameter)
    assert "0" not in dir(op)


def test_parameter_list_in_a_model_loads_torch_weights_and_trains():
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.ws = lib.nn.ParameterList([lib.randn(3, 4), lib.randn(4, 2)])
                self.fc = lib.nn.Linear(2, 1)

            def forward(self, x):
                for w in self.ws:
                    x = x @ w
                return self.fc(x)
        return Net()
    tm, om = both(build)
    same_structure(om, tm)
    result = om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    assert result.missing_keys == []
    assert result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    yt, yo = tm(torch.tensor(x)), om(tg.tensor(x))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yt.sum().backward()
    yo.sum().backward()
    for (n, p), (_, tp) in zip(om.named_parameters(), tm.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=n)
    assert len(list(tg.optim.SGD(om.parameters(), lr=0.1).param_groups[0]["params"])) == 4


def test_parameter_list_errors_like_torch():
    tp, op = both(lambda lib: lib.nn.ParameterList([lib.zeros(1)]))
    for fn, err in [(lambda pl: pl[1], IndexError), (lambda pl: pl[-2], IndexError),
                    (lambda pl: pl["a"], TypeError), (lambda pl: pl.extend(5), TypeError),
                    (lambda pl: pl(), RuntimeError)]:
        with pytest.raises(err):
            fn(tp)
        with pytest.raises(err):
            fn(op)
    with pytest.raises(TypeError, match="extend should be called with an iterable"):
        op.extend(tg.zeros(3))  # a Tensor is not taken as a list of rows
    with pytest.raises(TypeError, match="cannot assign 'int' as parameter '0'"):
        op[0] = 5
    assert repr(tg.nn.ParameterList()) == repr(torch.nn.ParameterList()) == "ParameterList()"


def test_parameter_dict_registers_like_torch():
    def build(lib):
        pd = lib.nn.ParameterDict({"b": lib.zeros(2), "a": lib.nn.Parameter(lib.ones(3, 1)),
                                   "c": "text"})  # a plain dict: sorted keys
        pd.update(OrderedDict([("z", lib.zeros(1)), ("y", lib.ones(2).double())]))  # in order
        pd.update([("m", lib.zeros(3)), ("k", lib.nn.Linear(1, 1))])  # pairs: in order
        pd["n"] = lib.nn.Parameter(lib.zeros(2), requires_grad=False)
        return pd
    tp, op = both(build)
    same_structure(op, tp)
    assert list(op) == list(tp) == list(op.keys())
    assert [k for k, _ in op.items()] == list(tp.keys())
    assert "a" in op
    assert "q" not in op
    assert op.get("q", 7) == 7
    assert op.get("a") is op["a"]
    assert op.setdefault("q", tg.zeros(4)) is op["q"]
    tp.setdefault("q", torch.zeros(4))
    same_structure(op, tp)
    assert op.pop("b") is not None
    tp.pop("b")
    assert op.popitem()[0] == tp.popitem()[0] == "q"
    del op["c"], tp["c"]
    same_structure(op, tp)
    same_structure(op.copy(), tp.copy())
    union_o, union_t = op | tg.nn.ParameterDict({"new": tg.zeros(1)}), \
        tp | torch.nn.ParameterDict({"new": torch.zeros(1)})
    same_structure(union_o, union_t)
    same_structure(op.fromkeys(["u", "v"], tg.zeros(2)), tp.fromkeys(["u", "v"], torch.zeros(2)))
    assert list(reversed(op)) == list(reversed(tp))
    op.clear()
    tp.clear()
    same_structure(op, tp)
    assert len(op) == 0


def test_parameter_dict_loads_torch_state_and_errors():
    tp, op = both(lambda lib: lib.nn.ParameterDict({"w": lib.randn(2, 3), "b": lib.randn(3)}))
    op.load_state_dict({k: v.numpy() for k, v in tp.state_dict().items()})
    for k in tp:
        np.testing.assert_array_equal(op[k].detach().numpy(), tp[k].detach().numpy())
    for fn, err in [(lambda pd: pd[1], TypeError), (lambda pd: pd.update(5), TypeError),
                    (lambda pd: pd.update([("a", 1, 2)]), ValueError),
                    (lambda pd: pd.update([5]), TypeError), (lambda pd: pd["zz"], AttributeError),
                    (lambda pd: pd(None), RuntimeError)]:
        with pytest.raises(err):
            fn(tp)
        with pytest.raises(err):
            fn(op)
    empty_t, empty_o = torch.nn.ParameterDict(), tg.nn.ParameterDict()
    with pytest.raises(KeyError):
        empty_t.popitem()
    with pytest.raises(KeyError):
        empty_o.popitem()
    assert repr(empty_o) == repr(empty_t)


def test_nested_container_repr_matches_torch():
    def build(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.one = lib.nn.ParameterList([lib.zeros(2)])
                self.two = lib.nn.ParameterDict({"x": lib.zeros(1), "y": lib.zeros(2, 2)})
                self.fc = lib.nn.Linear(1, 1)
        return M()
    tm, om = both(build)
    same_structure(om, tm)
