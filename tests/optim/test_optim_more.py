"""The second set of optimizers (Adamax, NAdam, RAdam, Adadelta, ASGD, Rprop, LBFGS) against torch.

How: both frameworks start from the same float64 parameters and, at every step, receive the
same gradient of a smooth noisy objective computed in numpy from the current parameters, for
150 steps; the parameters are compared after every step (relative tolerance 1e-12) and the
state (every entry, scalar ones included) at the end. Also: parameter groups with their own
options, ``add_param_group`` mid-run, float32 parameters, torch's state dict loaded into ours
(and continuing like torch), our state dict saved mid-run and loaded into a fresh optimizer
(the continuation equals the uninterrupted run bit for bit), and the error messages of bad
options. LBFGS: closures on a logistic regression (fixed step and strong-Wolfe line search,
several history sizes and tolerances), the counters ``func_evals``/``n_iter`` equal to
torch's, the Rosenbrock function, an MLP trained end to end through both autograds, state
dict round trips and the cubic interpolation alone.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim.lbfgs import cubic_interpolate

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SHAPES = [(), (5,), (3, 4)]
N_STEPS = 150
RTOL, ATOL = 1e-12, 1e-13
NAMES = ["Adamax", "NAdam", "RAdam", "Adadelta", "ASGD", "Rprop"]


# ----------------------------------------------------------------------------- helpers

def initial_values(seed: int = 0, dtype: Any = np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def objective_grad(values: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Gradient of sum(c_i (x - 0.5)^2 + 0.05 x^4), plus noise: differs in scale per tensor."""
    return [(2 * 10.0 ** (i - 1) * (v - 0.5) + 0.2 * v**3
             + 0.3 * rng.standard_normal(v.shape)).astype(v.dtype)
            for i, v in enumerate(values)]


def numpy_of(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy(force=True)


def groups_of(params: list[Any], groups: list[dict[str, Any]] | None) -> Any:
    if groups is None:
        return params
    return [{**{k: v for k, v in g.items() if k != "idx"}, "params": [params[i] for i in g["idx"]]}
            for g in groups]


class Pair:
    """The same optimizer in both frameworks, on parameters with the same values."""

    def __init__(self, name: str, kwargs: dict[str, Any], groups: list[dict[str, Any]] | None
                 = None, dtype: Any = np.float64, n_params: int = len(SHAPES)) -> None:
        values = initial_values(dtype=dtype)[:n_params]
        self.ours = [tg.tensor(v.copy(), requires_grad=True) for v in values]
        self.theirs = [torch.tensor(v.copy(), requires_grad=True) for v in values]
        self.opt_ours = getattr(optim, name)(groups_of(self.ours, groups), **kwargs)
        self.opt_theirs = getattr(torch.optim, name)(groups_of(self.theirs, groups), **kwargs)
        self.rng = np.random.default_rng(1)
        self.rtol, self.atol = (RTOL, ATOL) if dtype == np.float64 else (2e-5, 1e-6)

    def step(self, skip: tuple[int, ...] = ()) -> None:
        grads = objective_grad([p.numpy(force=True) for p in self.ours], self.rng)
        for i, (a, b, g) in enumerate(zip(self.ours, self.theirs, grads, strict=True)):
            a.grad = None if i in skip else tg.tensor(g.copy())
            b.grad = None if i in skip else torch.tensor(g.copy())
        self.opt_ours.step()
        self.opt_theirs.step()

    def check(self, where: str) -> None:
        for i, (a, b) in enumerate(zip(self.ours, self.theirs, strict=True)):
            np.testing.assert_allclose(a.numpy(force=True), numpy_of(b), rtol=self.rtol,
                                       atol=self.atol, err_msg=f"parameter {i} {where}")

    def run(self, n: int, where: str = "", skip: tuple[int, ...] = ()) -> None:
        for step in range(n):
            self.step(skip)
            self.check(f"after step {step + 1} {where}")

    def check_state(self) -> None:
        """Every state entry and group option equals torch's (scalars compared as floats)."""
        sd_ours, sd_torch = self.opt_ours.state_dict(), self.opt_theirs.state_dict()
        assert sorted(sd_ours["state"]) == sorted(sd_torch["state"])
        for index, entry in sd_torch["state"].items():
            mine = sd_ours["state"][index]
            assert sorted(mine) == sorted(entry), (index, sorted(mine), sorted(entry))
            for name, value in entry.items():
                value = numpy_of(value)
                if name in self.opt_ours.scalar_state:
                    assert isinstance(mine[name], float), (name, mine[name])
                    np.testing.assert_allclose(mine[name], value, rtol=1e-6 if
                                               name in ("eta", "mu", "mu_product") else 0)
                    continue
                np.testing.assert_allclose(mine[name].numpy(), value, rtol=self.rtol,
                                           atol=self.atol, err_msg=f"state[{index}][{name!r}]")
        for g_ours, g_torch in zip(sd_ours["param_groups"], sd_torch["param_groups"],
                                   strict=True):
            for key, value in g_ours.items():
                assert g_torch[key] == value, (key, value, g_torch[key])


def grid(**options: list[Any]) -> list[dict[str, Any]]:
    keys = list(options)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*options.values())]


ADAM_LIKE = grid(lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.8)], weight_decay=[0, 0.1],
                 maximize=[False, True])
CASES = (
    [("Adamax", kw) for kw in ADAM_LIKE + grid(lr=[0.05], eps=[1e-3])]
    + [("NAdam", {**kw, "decoupled_weight_decay": d}) for kw in ADAM_LIKE for d in (False, True)
       if kw["weight_decay"] or not d]
    + [("NAdam", {"lr": 0.02, "momentum_decay": 0.1})]
    + [("RAdam", {**kw, "decoupled_weight_decay": d}) for kw in ADAM_LIKE for d in (False, True)
       if kw["weight_decay"] or not d]
    + [("Adadelta", kw) for kw in grid(lr=[1.0, 0.3], rho=[0.9, 0.5], weight_decay=[0, 0.1],
                                       maximize=[False, True])]
    + [("Adadelta", {"eps": 1e-3})]
    + [("ASGD", kw) for kw in grid(lr=[0.02], lambd=[1e-4, 0.05], t0=[1e6, 30],
                                   weight_decay=[0, 0.1], maximize=[False, True])]
    + [("ASGD", {"lr": 0.05, "alpha": 0.5, "lambd": 0.1, "t0": 0})]
    + [("Rprop", kw) for kw in grid(lr=[0.01, 0.2], etas=[(0.5, 1.2), (0.3, 1.7)],
                                    step_sizes=[(1e-6, 50), (1e-3, 0.05)],
                                    maximize=[False, True])]
)


def case_id(case: tuple[str, dict[str, Any]]) -> str:
    name, kwargs = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


# ----------------------------------------------------------------------------- trajectories

@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch(case: tuple[str, dict[str, Any]]) -> None:
    name, kwargs = case
    pair = Pair(name, kwargs)
    # maximizing this objective diverges; ASGD's steps are not normalized, so keep it short
    pair.run(8 if name == "ASGD" and kwargs.get("maximize") else N_STEPS, case_id(case))
    pair.check_state()


GROUPS = {
    "Adamax": ({"lr": 0.01}, [{"idx": [0, 2], "lr": 0.05}, {"idx": [1], "weight_decay": 0.2}]),
    "NAdam": ({"lr": 0.01}, [{"idx": [2], "momentum_decay": 0.02, "betas": (0.8, 0.9)},
                             {"idx": [0, 1], "weight_decay": 0.1,
                              "decoupled_weight_decay": True}]),
    "RAdam": ({"lr": 0.01}, [{"idx": [1], "lr": 0.003}, {"idx": [0, 2], "weight_decay": 0.1}]),
    "Adadelta": ({}, [{"idx": [0], "rho": 0.5}, {"idx": [1, 2], "lr": 0.5, "eps": 1e-4}]),
    "ASGD": ({"lr": 0.02}, [{"idx": [0, 1], "t0": 10}, {"idx": [2], "lambd": 0.01,
                                                        "alpha": 0.6}]),
    "Rprop": ({}, [{"idx": [2], "etas": (0.2, 1.5)}, {"idx": [0, 1], "lr": 0.1,
                                                      "step_sizes": (1e-2, 1.0)}]),
}


@pytest.mark.parametrize("name", NAMES)
def test_param_groups_with_their_own_options_match_torch(name: str) -> None:
    kwargs, groups = GROUPS[name]
    pair = Pair(name, kwargs, groups)
    pair.run(60, f"{name} with groups")
    pair.check_state()


@pytest.mark.parametrize("name", NAMES)
def test_add_param_group_and_params_without_grad_match_torch(name: str) -> None:
    pair = Pair(name, {"lr": 0.01} if name != "Adadelta" else {}, n_params=2)
    pair.run(10, "before add_param_group", skip=(1,))  # parameter 1 gets no gradient yet
    extra = initial_values(seed=5)[2]
    pair.ours.append(tg.tensor(extra.copy(), requires_grad=True))
    pair.theirs.append(torch.tensor(extra.copy(), requires_grad=True))
    pair.opt_ours.add_param_group({"params": [pair.ours[2]], "lr": 0.03})
    pair.opt_theirs.add_param_group({"params": [pair.theirs[2]], "lr": 0.03})
    pair.run(30, "after add_param_group")
    pair.check_state()


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_stay_float32_and_match_torch(name: str) -> None:
    pair = Pair(name, {"lr": 0.01} if name != "Adadelta" else {}, dtype=np.float32)
    pair.run(50, "in float32")
    assert all(p.dtype == np.float32 for p in pair.ours)
    for entry in pair.opt_ours.state.values():
        for value in entry.values():
            if isinstance(value, tg.Tensor):
                assert value.dtype == np.float32


# ----------------------------------------------------------------------------- state dicts

@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_resumes_exactly(name: str) -> None:
    kwargs, groups = GROUPS[name]
    full = Pair(name, kwargs, groups)
    for _ in range(40):
        full.step()

    first = Pair(name, kwargs, groups)
    for _ in range(20):
        first.step()
    saved = first.opt_ours.state_dict()
    resumed = [tg.tensor(p.numpy(force=True).copy(), requires_grad=True) for p in first.ours]
    opt = getattr(optim, name)(groups_of(resumed, groups), **kwargs)
    opt.load_state_dict(copy.deepcopy(saved))
    first.ours, first.opt_ours = resumed, opt
    for _ in range(20):
        first.step()
    for a, b in zip(first.ours, full.ours, strict=True):
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))


@pytest.mark.parametrize("name", NAMES)
def test_torch_state_dict_loads_and_continues_like_torch(name: str) -> None:
    kwargs, groups = GROUPS[name]
    pair = Pair(name, kwargs, groups)
    for _ in range(15):
        pair.step()
    torch_state = pair.opt_theirs.state_dict()
    converted = {"state": {i: {k: v.numpy().copy() for k, v in entry.items()}
                           for i, entry in torch_state["state"].items()},
                 "param_groups": [{k: v for k, v in g.items()
                                   if k not in ("foreach", "differentiable", "capturable")}
                                  for g in torch_state["param_groups"]]}
    for a, b in zip(pair.ours, pair.theirs, strict=True):  # start from torch's parameters
        with a.mutate() as data:
            data[...] = numpy_of(b)
    fresh = getattr(optim, name)(groups_of(pair.ours, groups), **kwargs)
    fresh.load_state_dict(converted)
    pair.opt_ours = fresh
    pair.run(30, "after loading torch's state")


def test_scalar_state_entries_are_checked_on_load() -> None:
    w = tg.zeros(3, requires_grad=True)
    opt = optim.ASGD([w])
    w.grad = tg.ones(3)
    opt.step()
    saved = opt.state_dict()
    saved["state"][0]["eta"] = np.ones(3)
    with pytest.raises(ValueError, match=r"state\[0\]\['eta'\] must be one number"):
        opt.load_state_dict(saved)


# ----------------------------------------------------------------------------- errors

BAD_OPTIONS = [
    ("Adamax", {"lr": -1.0}), ("Adamax", {"eps": -1.0}), ("Adamax", {"betas": (1.0, 0.9)}),
    ("Adamax", {"betas": (0.9, 1.0)}), ("Adamax", {"weight_decay": -0.1}),
    ("NAdam", {"lr": -0.5}), ("NAdam", {"momentum_decay": -1.0}),
    ("NAdam", {"betas": (-0.1, 0.9)}), ("NAdam", {"weight_decay": -1}),
    ("RAdam", {"lr": -1e-3}), ("RAdam", {"eps": -1e-8}), ("RAdam", {"betas": (0.9, 2.0)}),
    ("Adadelta", {"lr": -1}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1.0}),
    ("Adadelta", {"weight_decay": -0.5}),
    ("ASGD", {"lr": -1.0}), ("ASGD", {"weight_decay": -0.1}),
    ("Rprop", {"lr": -0.1}), ("Rprop", {"etas": (1.5, 1.2)}), ("Rprop", {"etas": (0.5, 0.9)}),
    ("LBFGS", {"lr": -1.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), BAD_OPTIONS,
                         ids=[f"{n}-{k}" for n, k in BAD_OPTIONS])
def test_bad_options_raise_like_torch(name: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Invalid") as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError, match="Invalid") as ours:
        getattr(optim, name)([tg.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_exports_match_torch_optim() -> None:
    for name in NAMES + ["LBFGS"]:
        assert name in optim.__all__
        assert issubclass(getattr(optim, name), optim.Optimizer)
    assert optim.swa_utils.AveragedModel.__name__ == "AveragedModel"


# ----------------------------------------------------------------------------- LBFGS

def logistic_data(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, 4))
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.5 * rng.standard_normal(40) > 0).astype(float)
    return x, y


def logistic_loss_grad(values: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    """Mean logistic loss of ``x @ w + b`` plus an L2 penalty: smooth and strongly convex."""
    x, y = logistic_data()
    w, b = values
    z = x @ w + b
    p = 1 / (1 + np.exp(-z))
    loss = np.mean(np.logaddexp(0, z) - y * z) + 0.05 * np.sum(w * w)
    dz = (p - y) / len(y)
    return float(loss), [x.T @ dz + 0.1 * w, np.asarray(dz.sum())]


def rosenbrock_loss_grad(values: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    x = np.concatenate([v.reshape(-1) for v in values])
    loss = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    sizes = np.cumsum([v.size for v in values])[:-1]
    return float(loss), [part.reshape(v.shape) for part, v in zip(np.split(g, sizes), values,
                                                                   strict=True)]


def closures(params_ours: list[tg.Tensor], params_torch: list[Any],
             loss_grad: Callable[[list[np.ndarray]], tuple[float, list[np.ndarray]]]
             ) -> tuple[Callable[[], Any], Callable[[], Any]]:
    def ours() -> tg.Tensor:
        loss, grads = loss_grad([p.numpy(force=True) for p in params_ours])
        for p, g in zip(params_ours, grads, strict=True):
            p.grad = tg.tensor(g.copy())
        return tg.tensor(loss)

    def theirs() -> Any:
        loss, grads = loss_grad([numpy_of(p) for p in params_torch])
        for p, g in zip(params_torch, grads, strict=True):
            p.grad = torch.tensor(g.copy())
        return torch.tensor(loss)
    return ours, theirs


def lbfgs_pair(kwargs: dict[str, Any], start: list[np.ndarray]) -> tuple[Any, ...]:
    p_ours = [tg.tensor(v.copy(), requires_grad=True) for v in start]
    p_torch = [torch.tensor(v.copy(), requires_grad=True) for v in start]
    return (p_ours, p_torch, optim.LBFGS(p_ours, **kwargs), torch.optim.LBFGS(p_torch, **kwargs))


def assert_lbfgs_state_matches(opt_ours: Any, opt_torch: Any, rtol: float,
                               atol: float = 1e-14) -> None:
    mine = opt_ours.state_dict()["state"][0]
    theirs = opt_torch.state_dict()["state"][0]
    assert sorted(mine) == sorted(theirs)
    assert mine["func_evals"] == theirs["func_evals"]
    assert mine["n_iter"] == theirs["n_iter"]
    assert len(mine["old_dirs"]) == len(theirs["old_dirs"])
    for name in ("d", "prev_flat_grad"):
        np.testing.assert_allclose(mine[name].numpy(), numpy_of(theirs[name]), rtol=rtol,
                                   atol=atol)
    for a, b in zip(mine["old_stps"] + mine["old_dirs"], theirs["old_stps"] + theirs["old_dirs"],
                    strict=True):
        np.testing.assert_allclose(a.numpy(), numpy_of(b), rtol=rtol, atol=atol)
    np.testing.assert_allclose(mine["ro"], [float(r) for r in theirs["ro"]], rtol=rtol)
    np.testing.assert_allclose(float(mine["t"]), float(theirs["t"]), rtol=rtol)
    np.testing.assert_allclose(float(mine["H_diag"]), float(theirs["H_diag"]), rtol=rtol)


LBFGS_CASES = [
    {}, {"line_search_fn": "strong_wolfe"}, {"lr": 0.5, "max_iter": 3},
    {"history_size": 2, "max_iter": 4}, {"history_size": 3, "line_search_fn": "strong_wolfe"},
    {"max_iter": 1}, {"max_iter": 1, "line_search_fn": "strong_wolfe"},
    {"tolerance_grad": 1e-3, "line_search_fn": "strong_wolfe"},
    {"tolerance_change": 1e-4}, {"max_eval": 7, "line_search_fn": "strong_wolfe"},
]


@pytest.mark.parametrize("kwargs", LBFGS_CASES, ids=[str(k) for k in LBFGS_CASES])
def test_lbfgs_matches_torch_on_logistic_regression(kwargs: dict[str, Any]) -> None:
    p_ours, p_torch, opt_ours, opt_torch = lbfgs_pair(kwargs, [np.zeros(4), np.zeros(())])
    closure_ours, closure_torch = closures(p_ours, p_torch, logistic_loss_grad)
    for step in range(8):
        loss_ours = opt_ours.step(closure_ours)
        loss_torch = opt_torch.step(closure_torch)
        assert float(loss_ours) == pytest.approx(float(loss_torch), rel=1e-12)
        for a, b in zip(p_ours, p_torch, strict=True):
            np.testing.assert_allclose(a.numpy(force=True), numpy_of(b), rtol=1e-11, atol=1e-13,
                                       err_msg=f"after step {step + 1} of LBFGS({kwargs})")
    assert_lbfgs_state_matches(opt_ours, opt_torch, rtol=1e-9)


@pytest.mark.parametrize("kwargs", [{}, {"line_search_fn": "strong_wolfe"},
                                    {"history_size": 2, "line_search_fn": "strong_wolfe"}])
def test_lbfgs_in_float32_keeps_torchs_float32_scalars(kwargs: dict[str, Any]) -> None:
    """torch's step lengths and curvature scalars are float32 0-d tensors: so are ours."""
    def loss_grad(values: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
        loss, grads = logistic_loss_grad([v.astype(np.float64) for v in values])
        return loss, [g.astype(np.float32) for g in grads]

    start = [np.zeros(4, np.float32), np.zeros((), np.float32)]
    p_ours, p_torch, opt_ours, opt_torch = lbfgs_pair(kwargs, start)
    closure_ours, closure_torch = closures(p_ours, p_torch, loss_grad)
    for _ in range(5):
        opt_ours.step(closure_ours)
        opt_torch.step(closure_torch)
        for a, b in zip(p_ours, p_torch, strict=True):
            assert a.dtype == np.float32
            np.testing.assert_allclose(a.numpy(force=True), numpy_of(b), rtol=1e-6, atol=1e-7)
    assert_lbfgs_state_matches(opt_ours, opt_torch, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{"line_search_fn": "strong_wolfe"},
                                    {"line_search_fn": "strong_wolfe", "history_size": 3,
                                     "max_iter": 5},
                                    {"lr": 1e-3, "max_iter": 4}])
def test_lbfgs_on_rosenbrock_takes_torchs_path(kwargs: dict[str, Any]) -> None:
    """An ill-conditioned valley: rounding differences grow, but the path stays torch's."""
    start = [np.array([-1.2, 1.0]), np.array([[-1.2, 1.0], [0.5, 0.3]])]
    p_ours, p_torch, opt_ours, opt_torch = lbfgs_pair(kwargs, start)
    closure_ours, closure_torch = closures(p_ours, p_torch, rosenbrock_loss_grad)
    for _ in range(6):
        opt_ours.step(closure_ours)
        opt_torch.step(closure_torch)
        for a, b in zip(p_ours, p_torch, strict=True):
            np.testing.assert_allclose(a.numpy(force=True), numpy_of(b), rtol=1e-5, atol=1e-7)
    state_ours, state_torch = opt_ours.state[p_ours[0]], opt_torch.state[p_torch[0]]
    assert state_ours["func_evals"] == state_torch["func_evals"]
    assert state_ours["n_iter"] == state_torch["n_iter"]


def test_lbfgs_solves_rosenbrock_with_strong_wolfe() -> None:
    w = tg.tensor([-1.2, 1.0, -0.5], dtype=tg.float64, requires_grad=True)
    opt = optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=200)

    def closure() -> tg.Tensor:
        opt.zero_grad()
        loss = (100 * (w[1:] - w[:-1] ** 2) ** 2 + (1 - w[:-1]) ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_allclose(w.numpy(force=True), np.ones(3), atol=1e-6)


def test_lbfgs_trains_an_mlp_through_both_autograds() -> None:
    """End to end: the closure runs each framework's own forward and backward."""
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    w1, b1 = rng.standard_normal((3, 8)) * 0.5, np.zeros(8)
    w2, b2 = rng.standard_normal((8, 1)) * 0.5, np.zeros(1)
    p_ours, p_torch, opt_ours, opt_torch = lbfgs_pair(
        {"line_search_fn": "strong_wolfe", "max_iter": 5, "history_size": 5}, [w1, b1, w2, b2])

    def make_closure(lib: Any, params: list[Any], opt: Any) -> Callable[[], Any]:
        xt, yt = lib.tensor(x), lib.tensor(y)

        def closure() -> Any:
            opt.zero_grad()
            hidden = lib.tanh(xt @ params[0] + params[1])
            loss = ((hidden @ params[2] + params[3] - yt) ** 2).mean()
            loss.backward()
            return loss
        return closure
    closure_ours = make_closure(tg, p_ours, opt_ours)
    closure_torch = make_closure(torch, p_torch, opt_torch)
    losses = []
    for _ in range(5):
        losses.append(float(opt_ours.step(closure_ours)))
        opt_torch.step(closure_torch)
        for a, b in zip(p_ours, p_torch, strict=True):
            np.testing.assert_allclose(a.numpy(force=True), numpy_of(b), rtol=1e-9, atol=1e-11)
    assert losses[-1] < 0.5 * losses[0]
    assert opt_ours.state[p_ours[0]]["func_evals"] == opt_torch.state[p_torch[0]]["func_evals"]


@pytest.mark.parametrize("kwargs", [{"max_iter": 3, "history_size": 4},
                                    {"max_iter": 2, "line_search_fn": "strong_wolfe"}])
def test_lbfgs_state_dict_round_trip_resumes_exactly(kwargs: dict[str, Any]) -> None:
    def fresh(values: list[np.ndarray]) -> tuple[list[tg.Tensor], Any, Callable[[], Any]]:
        params = [tg.tensor(v.copy(), requires_grad=True) for v in values]
        opt = optim.LBFGS(params, **kwargs)
        closure, _ = closures(params, [], logistic_loss_grad)
        return params, opt, closure

    start = [np.zeros(4), np.zeros(())]
    full, opt_full, closure_full = fresh(start)
    for _ in range(6):
        opt_full.step(closure_full)
    first, opt_first, closure_first = fresh(start)
    for _ in range(3):
        opt_first.step(closure_first)
    saved = copy.deepcopy(opt_first.state_dict())
    resumed, opt_resumed, closure_resumed = fresh([p.numpy(force=True) for p in first])
    opt_resumed.load_state_dict(saved)
    for _ in range(3):
        opt_resumed.step(closure_resumed)
    for a, b in zip(resumed, full, strict=True):
        np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))
    assert opt_resumed.state_dict()["state"][0]["func_evals"] == \
        opt_full.state_dict()["state"][0]["func_evals"]


def test_lbfgs_errors_match_torch() -> None:
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = optim.LBFGS([a])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [b]})
    with pytest.raises(RuntimeError, match="closure"):
        opt.step(None)  # type: ignore[arg-type]
    bad = optim.LBFGS([a], line_search_fn="backtracking")

    def closure() -> tg.Tensor:
        bad.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        bad.step(closure)
    assert optim.LBFGS([b], max_iter=8).defaults["max_eval"] == 10  # max_iter * 5 // 4


def test_lbfgs_returns_at_once_when_the_gradient_is_already_small() -> None:
    w = tg.tensor([1.0, 1.0], requires_grad=True)
    opt = optim.LBFGS([w])
    calls = []

    def closure() -> tg.Tensor:
        calls.append(1)
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss
    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1
    assert opt.state[w] == {"func_evals": 1, "n_iter": 0}


def test_cubic_interpolate_matches_torch() -> None:
    from torch.optim.lbfgs import _cubic_interpolate
    rng = np.random.default_rng(0)
    for _ in range(200):
        x1, x2 = rng.uniform(-2, 2, 2)
        f1, g1, f2, g2 = rng.standard_normal(4)
        bounds = (min(x1, x2) - 1, max(x1, x2) + 1) if rng.random() < 0.5 else None
        expected = _cubic_interpolate(x1, f1, torch.tensor(g1), x2, f2, torch.tensor(g2),
                                      bounds=bounds)
        assert cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds) == pytest.approx(
            float(expected), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("kwargs", [{"max_iter": 3, "history_size": 2},
                                    {"max_iter": 2, "line_search_fn": "strong_wolfe"}])
def test_lbfgs_loads_torchs_state_and_continues_like_torch(kwargs: dict[str, Any]) -> None:
    p_ours, p_torch, _, opt_torch = lbfgs_pair(kwargs, [np.zeros(4), np.zeros(())])
    _, closure_torch = closures(p_ours, p_torch, logistic_loss_grad)
    for _ in range(3):
        opt_torch.step(closure_torch)
    saved = opt_torch.state_dict()

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.numpy().copy() if isinstance(value, torch.Tensor) else value
    converted = {"state": {i: {k: plain(v) for k, v in entry.items()}
                           for i, entry in saved["state"].items()},
                 "param_groups": saved["param_groups"]}
    p_ours = [tg.tensor(numpy_of(p).copy(), requires_grad=True) for p in p_torch]
    opt_ours = optim.LBFGS(p_ours, **kwargs)
    opt_ours.load_state_dict(converted)
    closure_ours, closure_torch = closures(p_ours, p_torch, logistic_loss_grad)
    for _ in range(3):
        opt_ours.step(closure_ours)
        opt_torch.step(closure_torch)
        for a, b in zip(p_ours, p_torch, strict=True):
            np.testing.assert_allclose(a.numpy(force=True), numpy_of(b), rtol=1e-11, atol=1e-13)
    assert_lbfgs_state_matches(opt_ours, opt_torch, rtol=1e-9)


def test_lbfgs_state_dict_mismatch_is_reported() -> None:
    w = tg.zeros(3, dtype=tg.float64, requires_grad=True)
    opt = optim.LBFGS([w], max_iter=2)

    def closure() -> tg.Tensor:
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    saved = opt.state_dict()
    saved["state"][0]["d"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"state\[0\]\['d'\] has shape \(5,\); expected a flat "
                                         r"vector of 3 entries"):
        opt.load_state_dict(saved)


FLAG_CASES = [(name, flags) for name in ["SGD", "Adagrad", "Adam", "AdamW"]
              for flags in ({"foreach": True}, {"fused": False})] + \
    [(name, {"foreach": False}) for name in NAMES + ["RMSprop"]]


@pytest.mark.parametrize(("name", "flags"), FLAG_CASES, ids=[f"{n}-{f}" for n, f in FLAG_CASES])
def test_torchs_implementation_switches_are_accepted(name: str, flags: dict[str, Any]) -> None:
    """Code written for torch passes foreach/fused (nanoGPT: AdamW(..., fused=True))."""
    pair = Pair(name, {"lr": 0.01, **flags})
    pair.run(5, f"with {flags}")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"] + NAMES)
def test_differentiable_and_capturable_are_refused_clearly(name: str) -> None:
    params = [tg.zeros(2, requires_grad=True)]
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True"):
        getattr(optim, name)(params, lr=0.1, differentiable=True)
    if name not in ("SGD", "Adagrad"):
        with pytest.raises(ValueError, match=f"{name}: capturable=True"):
            getattr(optim, name)(params, lr=0.1, capturable=True)
