"""Adafactor and Muon against torch: trajectories, state, state dicts, groups and errors.

Both frameworks start from the same parameters and receive the same noisy gradient at every
step (computed in numpy from torch's current parameters); the parameters are compared after
every step. Adafactor is exact to float64 rounding (1e-11 relative over 120 steps). Muon runs
its Newton-Schulz iteration in bfloat16 like torch, rounding after each operation the way
torch does; the iteration alone is bit-identical to torch's, and each step's update equals
torch's up to a flipped bfloat16 rounding.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim.muon import newton_schulz

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

ADAFACTOR_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
MUON_SHAPES = [(3, 4), (5, 2), (6, 6)]


class Run:
    """One optimizer class in both frameworks on equal parameters, fed equal gradients."""

    def __init__(self, name: str, shapes: list[tuple[int, ...]], kwargs: dict[str, Any],
                 dtype: Any = np.float64, groups: list[dict[str, Any]] | None = None) -> None:
        rng = np.random.default_rng(0)
        values = [rng.standard_normal(s).astype(dtype) for s in shapes]
        self.ours = [tg.tensor(v.copy(), requires_grad=True) for v in values]
        self.theirs = [torch.tensor(v.copy(), requires_grad=True) for v in values]
        self.name, self.kwargs, self.groups = name, kwargs, groups
        self.opt_ours = self.make(self.ours)
        self.opt_theirs = getattr(torch.optim, name)(self.grouped(self.theirs), **kwargs)
        self.rng = np.random.default_rng(1)

    def grouped(self, params: list[Any]) -> Any:
        if self.groups is None:
            return params
        return [{**{k: v for k, v in g.items() if k != "idx"},
                 "params": [params[i] for i in g["idx"]]} for g in self.groups]

    def make(self, params: list[Any]) -> Any:
        return getattr(optim, self.name)(self.grouped(params), **self.kwargs)

    def step(self) -> None:
        for a, b in zip(self.ours, self.theirs, strict=True):
            x = b.detach().numpy()
            g = (2 * x - 1 + 0.2 * x**3 + 0.3 * self.rng.standard_normal(x.shape)).astype(x.dtype)
            a.grad, b.grad = tg.tensor(g.copy()), torch.tensor(g.copy())
        self.opt_ours.step()
        self.opt_theirs.step()

    def check(self, rtol: float, atol: float, where: str) -> None:
        for i, (a, b) in enumerate(zip(self.ours, self.theirs, strict=True)):
            np.testing.assert_allclose(a.numpy(force=True), b.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"parameter {i} {where}")

    def run(self, n: int, rtol: float, atol: float) -> None:
        for step in range(n):
            self.step()
            self.check(rtol, atol, f"after step {step + 1}")


ADAFACTOR_CASES = [{}, {"lr": 0.05, "weight_decay": 0.1}, {"beta2_decay": -0.5},
                   {"eps": (1e-5, 1e-2), "d": 2.0}, {"maximize": True, "lr": 0.003},
                   {"eps": (1e-30, 1e-3)}]


@pytest.mark.parametrize("kwargs", ADAFACTOR_CASES, ids=str)
def test_adafactor_trajectory_and_state_match_torch(kwargs: dict[str, Any]) -> None:
    run = Run("Adafactor", ADAFACTOR_SHAPES, kwargs)
    run.run(120, 1e-11, 1e-13)
    ours, theirs = run.opt_ours.state_dict(), run.opt_theirs.state_dict()
    for index, entry in theirs["state"].items():
        assert sorted(ours["state"][index]) == sorted(entry)
        for key, value in entry.items():
            mine = ours["state"][index][key]
            mine = mine if isinstance(mine, float) else mine.numpy()
            np.testing.assert_allclose(mine, value.numpy(), rtol=1e-11, atol=1e-15)
    for g_ours, g_theirs in zip(ours["param_groups"], theirs["param_groups"], strict=True):
        assert g_ours == g_theirs


def test_adafactor_float32_and_groups_match_torch() -> None:
    run = Run("Adafactor", ADAFACTOR_SHAPES, {"lr": 0.02}, dtype=np.float32)
    run.run(60, 2e-4, 1e-6)
    assert all(p.dtype == tg.float32 for p in run.ours)
    groups = [{"idx": [0, 2], "lr": 0.05}, {"idx": [1, 3], "weight_decay": 0.2, "d": 1.5}]
    Run("Adafactor", ADAFACTOR_SHAPES, {}, groups=groups).run(60, 1e-11, 1e-13)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_state_dict_round_trip_and_torchs_state_dict(name: str) -> None:
    shapes = ADAFACTOR_SHAPES if name == "Adafactor" else MUON_SHAPES
    tol = (1e-11, 1e-13) if name == "Adafactor" else (1e-6, 1e-7)
    full, part = Run(name, shapes, {}), Run(name, shapes, {})
    for _ in range(30):
        full.step()
    for _ in range(15):
        part.step()
    saved = copy.deepcopy(part.opt_ours.state_dict())
    part.ours = [tg.tensor(p.numpy(force=True).copy(), requires_grad=True) for p in part.ours]
    part.opt_ours = part.make(part.ours)
    part.opt_ours.load_state_dict(saved)
    for _ in range(15):
        part.step()
    for a, b in zip(part.ours, full.ours, strict=True):
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))

    theirs = part.opt_theirs.state_dict()  # torch's state, loaded into a fresh optimizer
    converted = {"state": {i: {k: v.numpy().copy() for k, v in entry.items()}
                           for i, entry in theirs["state"].items()},
                 "param_groups": theirs["param_groups"]}
    part.ours = [tg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in part.theirs]
    part.opt_ours = part.make(part.ours)
    part.opt_ours.load_state_dict(converted)
    part.run(20, *tol)


def test_adafactor_refuses_a_factor_of_the_wrong_shape() -> None:
    w = tg.zeros(3, 4, requires_grad=True)
    opt = optim.Adafactor([w])
    w.grad = tg.ones(3, 4)
    opt.step()
    saved = opt.state_dict()
    saved["state"][0]["row_var"] = np.zeros((3, 4))
    expected = r"row_var.*has shape torch.Size\(\[3, 4\]\); expected torch.Size\(\[3, 1\]\)"
    with pytest.raises(ValueError, match=expected):
        opt.load_state_dict(saved)


def test_newton_schulz_is_bit_identical_to_torchs() -> None:
    from torch.optim._muon import _zeropower_via_newtonschulz as theirs

    rng = np.random.default_rng(3)
    for shape in [(6, 4), (4, 6), (5, 5), (1, 7)]:
        g = rng.standard_normal(shape).astype(np.float32)
        expected = theirs(torch.tensor(g), (3.4445, -4.775, 2.0315), 5, 1e-7).float().numpy()
        np.testing.assert_array_equal(newton_schulz(g), expected)
    # the result is nearly orthogonal: singular values near 1, whatever g's scale
    s = np.linalg.svd(newton_schulz(rng.standard_normal((8, 4)) * 100), compute_uv=False)
    assert np.all((s > 0.6) & (s < 1.3)), s


MUON_CASES = [{}, {"lr": 0.02, "nesterov": False}, {"momentum": 0.5, "weight_decay": 0.0},
              {"adjust_lr_fn": "match_rms_adamw"}, {"adjust_lr_fn": "original", "ns_steps": 3}]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", MUON_CASES, ids=str)
def test_muon_trajectory_matches_torch(kwargs: dict[str, Any], dtype: Any) -> None:
    """Each step's update equals torch's up to a few bfloat16 roundings of the iteration.

    A difference of one float64 rounding in the momentum can flip a bfloat16 rounding inside
    the iteration (about 0.4% of an entry of the update); such flips accumulate over a run,
    so after every step our parameters and momentum are reset to torch's.
    """
    run = Run("Muon", MUON_SHAPES, kwargs, dtype=dtype)
    lr = kwargs.get("lr", 1e-3)
    for step in range(40):
        run.step()
        for p, q in zip(run.ours, run.theirs, strict=True):
            assert p.dtype == (tg.float32 if dtype == np.float32 else tg.float64)
            rows, cols = p.shape
            scale = lr * max(np.sqrt(max(1, rows / cols)), 0.2 * np.sqrt(max(rows, cols)))
            np.testing.assert_allclose(p.numpy(force=True), q.detach().numpy(), rtol=0,
                                       atol=0.03 * scale, err_msg=f"after step {step + 1}")
            buf, theirs = run.opt_ours.state[p]["momentum_buffer"], run.opt_theirs.state[q]
            np.testing.assert_allclose(buf.numpy(), theirs["momentum_buffer"].numpy(),
                                       rtol=1e-5, atol=1e-6)
            with p.mutate() as data:
                data[...] = q.detach().numpy()
            with buf.mutate() as data:
                data[...] = theirs["momentum_buffer"].numpy()


BAD = [("Adafactor", {"lr": -1.0}), ("Adafactor", {"beta2_decay": 0.5}),
       ("Adafactor", {"eps": (-1.0, 1e-3)}), ("Adafactor", {"eps": (None, -1.0)}),
       ("Adafactor", {"d": 0.5}), ("Adafactor", {"weight_decay": -0.1}),
       ("Muon", {"lr": -1.0}), ("Muon", {"momentum": -0.5}), ("Muon", {"weight_decay": -1.0}),
       ("Muon", {"adjust_lr_fn": "other"})]


@pytest.mark.parametrize(("name", "kwargs"), BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_bad_options_raise_torchs_errors(name: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="should be|not supported") as theirs:
        getattr(torch.optim, name)([torch.zeros(2, 2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match="should be|not supported") as ours:
        getattr(optim, name)([tg.zeros(2, 2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_muon_refuses_parameters_that_are_not_matrices() -> None:
    with pytest.raises(ValueError, match="Muon only supports 2D parameters") as theirs:
        torch.optim.Muon([torch.zeros(3, requires_grad=True)])
    with pytest.raises(ValueError, match="Muon only supports 2D parameters") as ours:
        optim.Muon([tg.zeros(3, requires_grad=True)])
    assert str(ours.value).replace("(3,)", "torch.Size([3])") == str(theirs.value)
