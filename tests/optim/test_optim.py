"""Optimizers and learning-rate schedulers, checked step by step against torch.optim.

Covers: every optimizer over a grid of its options (and parameter groups with different
options) fed the same pseudo-random float64 gradients as torch for 20 steps, parameters
compared after every step and the final state compared entry by entry; state dicts (plain
contents, a pickle-free ``.npz`` round trip that resumes exactly, validation of mismatches
without side effects); ``zero_grad``, closures, parameters without gradients, version
counters, ``add_param_group`` and argument errors. Schedulers: learning-rate sequences over 30
steps equal to torch's (two groups with different lrs), ReduceLROnPlateau over metric sequences
in every mode, resuming from a state dict and from ``last_epoch``.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim import lr_scheduler

torch = pytest.importorskip("torch")

SHAPES = [(), (5,), (3, 4)]  # a scalar, a vector and a matrix
N_STEPS = 20
RTOL, ATOL = 1e-10, 1e-12

OPTIMIZERS = {"SGD": (optim.SGD, torch.optim.SGD), "RMSprop": (optim.RMSprop, torch.optim.RMSprop),
              "Adam": (optim.Adam, torch.optim.Adam), "AdamW": (optim.AdamW, torch.optim.AdamW),
              "Adagrad": (optim.Adagrad, torch.optim.Adagrad)}


# ----------------------------------------------------------------------------- helpers

def initial_values(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in SHAPES]


def gradient_stream(n_steps: int, seed: int = 1) -> list[list[np.ndarray]]:
    """One list of gradients (one per parameter) per step; scales differ per parameter."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) * 10.0 ** (i - 1) for i, s in enumerate(SHAPES)]
            for _ in range(n_steps)]


def ours_params(values: list[np.ndarray]) -> list[tg.Tensor]:
    return [tg.tensor(v.copy(), requires_grad=True) for v in values]


def torch_params(values: list[np.ndarray]) -> list[Any]:
    return [torch.tensor(v.copy(), dtype=torch.float64, requires_grad=True) for v in values]


def build_groups(params: list[Any], groups: list[dict[str, Any]] | None) -> Any:
    """``groups`` lists options per group with ``"idx"``: which parameters the group holds."""
    if groups is None:
        return params
    return [{**{k: v for k, v in g.items() if k != "idx"}, "params": [params[i] for i in g["idx"]]}
            for g in groups]


def feed(params: list[Any], grads: list[np.ndarray], make: Callable[[np.ndarray], Any],
         skip: tuple[int, ...] = ()) -> None:
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        p.grad = None if i in skip else make(g.copy())


def numpy_of(t: Any) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t._data)


def assert_params_close(ours: list[tg.Tensor], theirs: list[Any], where: str) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a._data, numpy_of(b), rtol=RTOL, atol=ATOL,
                                   err_msg=f"parameter {i} (shape {a.shape}) {where}")


def assert_state_matches_torch(ours: optim.Optimizer, theirs: Any) -> None:
    """Same state entries as torch (names, steps, arrays) and the same group options."""
    sd_ours, sd_torch = ours.state_dict(), theirs.state_dict()
    assert sorted(sd_ours["state"]) == sorted(sd_torch["state"])
    for index, entry in sd_torch["state"].items():
        mine = sd_ours["state"][index]
        assert sorted(mine) == sorted(entry), (index, sorted(mine), sorted(entry))
        for name, value in entry.items():
            if name == "step":
                assert mine[name] == float(value)
            else:
                np.testing.assert_allclose(mine[name]._data, numpy_of(value), rtol=RTOL,
                                           atol=ATOL, err_msg=f"state[{index}][{name!r}]")
    for g_ours, g_torch in zip(sd_ours["param_groups"], sd_torch["param_groups"], strict=True):
        for key, value in g_ours.items():
            assert g_torch[key] == value, (key, value, g_torch[key])


def run_against_torch(name: str, kwargs: dict[str, Any], groups: list[dict[str, Any]] | None = None,
                      skip: tuple[int, ...] = ()) -> tuple[optim.Optimizer, list[tg.Tensor]]:
    ours_cls, torch_cls = OPTIMIZERS[name]
    values = initial_values()
    p_ours, p_torch = ours_params(values), torch_params(values)
    opt_ours = ours_cls(build_groups(p_ours, groups), **kwargs)
    opt_torch = torch_cls(build_groups(p_torch, groups), **kwargs)
    for step, grads in enumerate(gradient_stream(N_STEPS)):
        feed(p_ours, grads, tg.tensor, skip)
        feed(p_torch, grads, torch.tensor, skip)
        opt_ours.step()
        opt_torch.step()
        assert_params_close(p_ours, p_torch, f"after step {step + 1} of {name}({kwargs})")
    assert_state_matches_torch(opt_ours, opt_torch)
    return opt_ours, p_ours


def grid(**options: list[Any]) -> list[dict[str, Any]]:
    keys = list(options)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*options.values())]


SGD_GRID = [kw for kw in grid(lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.5],
                              nesterov=[False, True], weight_decay=[0, 0.1],
                              maximize=[False, True])
            if not kw["nesterov"] or (kw["momentum"] > 0 and kw["dampening"] == 0)]
RMSPROP_GRID = grid(lr=[0.01], alpha=[0.99, 0.3], momentum=[0, 0.9], centered=[False, True],
                    weight_decay=[0, 0.1], maximize=[False, True])
ADAM_GRID = grid(lr=[0.01], betas=[(0.9, 0.999), (0.3, 0.6)], amsgrad=[False, True],
                 weight_decay=[0, 0.1], maximize=[False, True])
ADAGRAD_GRID = grid(lr=[0.1], lr_decay=[0, 0.1], initial_accumulator_value=[0, 0.5],
                    weight_decay=[0, 0.1], maximize=[False, True])
CASES = ([("SGD", kw) for kw in SGD_GRID] + [("RMSprop", kw) for kw in RMSPROP_GRID]
         + [("Adam", kw) for kw in ADAM_GRID] + [("AdamW", kw) for kw in ADAM_GRID]
         + [("Adagrad", kw) for kw in ADAGRAD_GRID])


def case_id(case: tuple[str, dict[str, Any]]) -> str:
    name, kwargs = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kwargs.items() if k != "lr")


# ----------------------------------------------------------------------------- parity

@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_steps_match_torch(case: tuple[str, dict[str, Any]]) -> None:
    run_against_torch(*case)


GROUP_CASES = {
    "SGD": ({"momentum": 0.9, "lr": 0.1},
            [{"idx": [0, 2], "lr": 0.01}, {"idx": [1], "weight_decay": 0.2, "nesterov": True}]),
    "RMSprop": ({"lr": 0.01},
                [{"idx": [0], "centered": True, "momentum": 0.5}, {"idx": [1, 2], "lr": 0.003}]),
    "Adam": ({"lr": 0.01}, [{"idx": [2, 0], "amsgrad": True}, {"idx": [1], "lr": 0.1,
                                                              "betas": (0.5, 0.9)}]),
    "AdamW": ({"lr": 0.01}, [{"idx": [0, 1], "weight_decay": 0.5}, {"idx": [2], "lr": 0.002}]),
    "Adagrad": ({"lr": 0.1, "initial_accumulator_value": 0.2},
                [{"idx": [1], "lr_decay": 0.5}, {"idx": [0, 2], "lr": 0.3, "eps": 1e-3}]),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(GROUP_CASES))
def test_param_groups_with_their_own_options_match_torch(name: str) -> None:
    kwargs, groups = GROUP_CASES[name]
    opt, _ = run_against_torch(name, kwargs, groups)
    assert [g["lr"] for g in opt.param_groups] == [g.get("lr", kwargs["lr"]) for g in groups]


def test_adagrad_honours_a_groups_initial_accumulator_value() -> None:
    # torch.optim.Adagrad fills every accumulator with the constructor's value and ignores a
    # group's own (and has no state at all for groups added later); we use the group's value.
    a, b, c = (tg.tensor(np.ones(2), requires_grad=True) for _ in range(3))
    opt = optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}],
                        initial_accumulator_value=1.0)
    opt.add_param_group({"params": [c], "initial_accumulator_value": 8.0})
    assert [opt.state[p]["sum"]._data.tolist() for p in (a, b, c)] == [[1.0, 1.0], [3.0, 3.0],
                                                                       [8.0, 8.0]]
    for p in (a, b, c):
        p.grad = tg.tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose([p._data[0] for p in (a, b, c)],
                               [1 - 0.01 / np.sqrt(v + 1) for v in (1.0, 3.0, 8.0)], rtol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_params_without_grad_are_skipped_like_torch(name: str) -> None:
    kwargs = {"lr": 0.05, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.05}
    opt, params = run_against_torch(name, kwargs, skip=(1,))
    np.testing.assert_array_equal(params[1]._data, initial_values()[1])
    assert params[1]._version[0] == 0
    if name != "Adagrad":  # Adagrad creates every parameter's state up front, like torch
        assert params[1] not in opt.state


@pytest.mark.torch
def test_float32_parameters_stay_float32_and_match_torch() -> None:
    values = [v.astype(np.float32) for v in initial_values()]
    p_ours = [tg.tensor(v, requires_grad=True) for v in values]
    p_torch = [torch.tensor(v, requires_grad=True) for v in values]
    opt_ours = optim.Adam(p_ours, lr=0.01, weight_decay=0.1)
    opt_torch = torch.optim.Adam(p_torch, lr=0.01, weight_decay=0.1)
    for grads in gradient_stream(5):
        feed(p_ours, [g.astype(np.float32) for g in grads], tg.tensor)
        feed(p_torch, [g.astype(np.float32) for g in grads], torch.tensor)
        opt_ours.step()
        opt_torch.step()
    for a, b in zip(p_ours, p_torch, strict=True):
        assert a.dtype == tg.float32
        np.testing.assert_allclose(a._data, numpy_of(b), rtol=1e-5, atol=1e-6)
    assert all(v.dtype == tg.float32 for s in opt_ours.state.values() for v in s.values()
               if isinstance(v, tg.Tensor))


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", [dict(momentum=0.9), dict(momentum=0.5, weight_decay=0.01),
                                     dict(momentum=0.9, nesterov=True),
                                     dict(momentum=0.9, dampening=0.1),
                                     dict(momentum=0.9, maximize=True)])
def test_sgd_on_a_large_parameter_is_bit_identical_to_the_numpy_update(
        dtype: type, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A large parameter updated by the fused loop (kernels.elementwise.sgd_momentum_range)
    gets exactly the values of the numpy statements (the per-parameter path takes them when
    the loop does not pay) and torch's values up to rounding; each option combination takes
    the path it should."""
    from tinygrad_edu.kernels import elementwise
    from tinygrad_edu.optim.optimizer import Optimizer

    rng = np.random.default_rng(4)
    shape = (3, elementwise.LOOP_MIN_SIZE)
    start = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(4)]
    fused = options.keys() <= {"momentum", "weight_decay"}

    def run(numpy_path: bool) -> tuple[np.ndarray, int]:
        calls = []
        kernel = elementwise.sgd_momentum_range
        if numpy_path:  # the per-parameter path, with the loop paying for no size
            monkeypatch.setattr(elementwise, "LOOP_MIN_SIZE", 10 * start.size)
            monkeypatch.setattr(optim.SGD, "_step_group", Optimizer._step_group)
        monkeypatch.setattr(elementwise, "sgd_momentum_range",
                            lambda *a: (calls.append(1), kernel(*a))[1])
        p = tg.tensor(start.copy(), requires_grad=True)
        opt = optim.SGD([p], lr=0.01, **options)
        for g in grads:
            p.grad = tg.tensor(g)
            opt.step()
        monkeypatch.undo()
        return p._data, len(calls)

    with_kernel, kernel_calls = run(False)
    with_numpy, numpy_calls = run(True)
    assert (kernel_calls, numpy_calls) == ((3 if fused else 0), 0)  # step 1 creates the buffer
    assert with_kernel.dtype == dtype
    np.testing.assert_array_equal(with_kernel, with_numpy)
    p_torch = torch.tensor(start.copy(), requires_grad=True)
    opt_torch = torch.optim.SGD([p_torch], lr=0.01, **options)
    for g in grads:
        p_torch.grad = torch.tensor(g)
        opt_torch.step()
    np.testing.assert_allclose(with_kernel, numpy_of(p_torch),
                               rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-7)


# ----------------------------------------------------------------------------- state dicts

STATEFUL = {"SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
            "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
            "Adam": {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1},
            "AdamW": {"lr": 0.01},
            "Adagrad": {"lr": 0.1, "lr_decay": 0.05}}
TWO_GROUPS = [{"idx": [0, 2]}, {"idx": [1], "lr": 0.002}]


def make_optimizer(name: str, params: list[tg.Tensor]) -> optim.Optimizer:
    return OPTIMIZERS[name][0](build_groups(params, TWO_GROUPS), **STATEFUL[name])


def train(opt: optim.Optimizer, params: list[tg.Tensor], grads: list[list[np.ndarray]]) -> None:
    for step_grads in grads:
        feed(params, step_grads, tg.tensor)
        opt.step()


def flatten(state_dict: dict[str, Any]) -> dict[str, np.ndarray]:
    """{"state/0/exp_avg": array, "param_groups/1/lr": array, ...}: what np.savez can store."""
    flat = {}
    for index, entry in state_dict["state"].items():
        for name, value in entry.items():
            flat[f"state/{index}/{name}"] = np.asarray(
                value._data if isinstance(value, tg.Tensor) else value)
    for g, group in enumerate(state_dict["param_groups"]):
        for key, value in group.items():
            flat[f"param_groups/{g}/{key}"] = np.asarray(value)
    return flat


def unflatten(flat: Any) -> dict[str, Any]:
    """The nested layout back, values left as the arrays np.load returns."""
    state: dict[int, dict[str, Any]] = {}
    groups: dict[int, dict[str, Any]] = {}
    for key in flat.files:
        kind, index, name = key.split("/")
        (state if kind == "state" else groups).setdefault(int(index), {})[name] = flat[key]
    return {"state": state, "param_groups": [groups[i] for i in sorted(groups)]}


def assert_plain(value: Any, where: str = "state_dict") -> None:
    """Only dicts, lists/tuples, Tensors, numbers, bools, strings and None: no other objects."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, int | str), f"{where}: key {k!r}"
            assert_plain(v, f"{where}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            assert_plain(v, f"{where}[{i}]")
    else:
        assert value is None or type(value) in (tg.Tensor, int, float, bool, str), \
            f"{where} holds a {type(value).__name__}"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_dict_npz_round_trip_resumes_exactly(name: str, tmp_path: Any) -> None:
    grads = gradient_stream(10)
    values = initial_values()
    p_full = ours_params(values)
    opt_full = make_optimizer(name, p_full)
    train(opt_full, p_full, grads)

    p_first = ours_params(values)
    opt_first = make_optimizer(name, p_first)
    train(opt_first, p_first, grads[:5])
    saved = opt_first.state_dict()
    assert_plain(saved)
    path = tmp_path / "optimizer.npz"
    np.savez(path, allow_pickle=False, **flatten(saved))
    with np.load(path, allow_pickle=False) as data:
        loaded = unflatten(data)

    p_resumed = ours_params([p._data for p in p_first])
    opt_resumed = make_optimizer(name, p_resumed)
    opt_resumed.load_state_dict(loaded)
    assert opt_resumed.param_groups == [
        {**g, "params": opt_resumed.param_groups[i]["params"]} for i, g in
        enumerate(saved["param_groups"])]
    train(opt_resumed, p_resumed, grads[5:])
    for a, b in zip(p_resumed, p_full, strict=True):
        np.testing.assert_array_equal(a._data, b._data)
    assert_plain(opt_resumed.state_dict())


@pytest.mark.torch
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_dict_layout_matches_torch(name: str) -> None:
    values, grads = initial_values(), gradient_stream(3)
    p_ours, p_torch = ours_params(values), torch_params(values)
    opt_ours = make_optimizer(name, p_ours)
    opt_torch = OPTIMIZERS[name][1](build_groups(p_torch, TWO_GROUPS), **STATEFUL[name])
    for step_grads in grads:
        feed(p_ours, step_grads, tg.tensor)
        feed(p_torch, step_grads, torch.tensor)
        opt_ours.step()
        opt_torch.step()
    assert_state_matches_torch(opt_ours, opt_torch)
    ours, theirs = opt_ours.state_dict(), opt_torch.state_dict()
    assert [g["params"] for g in ours["param_groups"]] == [[0, 1], [2]]
    assert [g["params"] for g in theirs["param_groups"]] == [[0, 1], [2]]


def test_state_dict_is_a_snapshot_and_load_copies() -> None:
    params = ours_params(initial_values())
    opt = make_optimizer("Adam", params)
    train(opt, params, gradient_stream(2))
    saved = opt.state_dict()
    before = saved["state"][0]["exp_avg"]._data.copy()
    train(opt, params, gradient_stream(1, seed=5))
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"]._data, before)
    opt.load_state_dict(saved)
    train(opt, params, gradient_stream(1, seed=6))
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"]._data, before)
    assert saved["state"][0]["step"] == 2.0


def snapshot(opt: optim.Optimizer) -> str:
    """A comparable text form of the full state (values included)."""
    sd = opt.state_dict()
    state = {i: {k: (v._data.tolist() if isinstance(v, tg.Tensor) else v) for k, v in e.items()}
             for i, e in sd["state"].items()}
    return repr((state, sd["param_groups"], [id(p) for g in opt.param_groups
                                              for p in g["params"]]))


def corrupt(good: dict[str, Any], how: str) -> Any:
    sd = {"state": {i: dict(e) for i, e in good["state"].items()},
          "param_groups": [dict(g) for g in good["param_groups"]]}
    if how == "groups":
        sd["param_groups"].append(dict(sd["param_groups"][0]))
    elif how == "params":
        sd["param_groups"][1]["params"] = [2, 3]
    elif how == "shape":
        sd["state"][1]["exp_avg"] = tg.zeros(7, dtype=tg.float64)
    elif how == "option":
        del sd["param_groups"][0]["betas"]
    elif how == "value":
        sd["state"][0]["exp_avg_sq"] = "not an array"
    elif how == "unknown_index":
        sd["state"][9] = dict(sd["state"][0])
    elif how == "keys":
        return {"state": sd["state"]}
    elif how == "bad_option":
        sd["param_groups"][1]["lr"] = -1.0
    elif how == "bool_option":
        sd["param_groups"][0]["amsgrad"] = "abc"
    elif how == "pair_option":
        sd["param_groups"][0]["betas"] = (0.9,)
    elif how == "nan_option":
        sd["param_groups"][1]["eps"] = float("nan")
    elif how == "initial_lr":
        sd["param_groups"][1]["initial_lr"] = None
    elif how == "float_index":
        sd["param_groups"][1]["params"] = [2.5, 3]
    elif how == "missing_entry":
        del sd["state"][0]["exp_avg"]
    elif how == "step":
        sd["state"][1]["step"] = -100
    elif how == "several":
        sd["state"][1]["exp_avg"] = tg.zeros(7, dtype=tg.float64)
        sd["state"][2]["max_exp_avg_sq"] = tg.zeros(2, 2, dtype=tg.float64)
    return sd


@pytest.mark.parametrize(("how", "message"), [
    ("groups", "2 parameter groups, but the optimizer has 1"),
    ("params", "param_groups[1] has 2 parameters in the state dict, but 1"),
    ("shape", "state[1]['exp_avg'] has shape torch.Size([7]), but its parameter has shape "
              "torch.Size([5])"),
    ("option", "lacks the options ['betas']"),
    ("value", "has type str"),
    ("unknown_index", "state[9] belongs to no parameter"),
    ("keys", "expected a dict with the keys 'state' and 'param_groups'"),
    ("bad_option", "Invalid learning rate: -1.0"),
    ("bool_option", "param_groups[0]['amsgrad'] is 'abc'; expected True or False"),
    ("pair_option", "param_groups[0]['betas'] is (0.9,); expected a list of 2 like (0.9, 0.999)"),
    ("nan_option", "param_groups[1]['eps'] is nan; expected a number (not NaN)"),
    ("initial_lr", "param_groups[1]['initial_lr'] is None; expected a learning rate"),
    ("float_index", "'params' of a group must be a list of integer indices, got [2.5, 3]"),
    ("missing_entry", "state[0] has the entries ['exp_avg_sq', 'max_exp_avg_sq', 'step']; "
                      "expected ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']"),
    ("step", "state[1]['step'] is -100.0; expected a count of updates"),
    ("several", "torch.Size([3, 4])"),
])
def test_load_state_dict_mismatch_raises_and_changes_nothing(how: str, message: str) -> None:
    params = ours_params(initial_values())
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:]}], lr=0.01, amsgrad=True)
    train(opt, params, gradient_stream(2))
    good = opt.state_dict()
    if how == "groups":
        opt = optim.Adam(params, lr=0.01, amsgrad=True)
        train(opt, params, gradient_stream(1))
        good = corrupt(opt.state_dict(), how)
        bad = good
    else:
        bad = corrupt(good, how)
    before = snapshot(opt)
    with pytest.raises(ValueError, match="load_state_dict") as info:
        opt.load_state_dict(bad)
    assert message in str(info.value)
    if how == "several":
        assert "torch.Size([7])" in str(info.value)  # every mismatch is reported, not only
        # the first
    assert snapshot(opt) == before


def test_load_state_dict_from_another_optimizer_type_is_refused() -> None:
    params = ours_params(initial_values())
    sgd = optim.SGD(params, lr=0.1, momentum=0.9)
    train(sgd, params, gradient_stream(1))
    adam = optim.Adam(params)
    with pytest.raises(ValueError, match="lacks the options"):
        adam.load_state_dict(sgd.state_dict())


def test_adamw_keeps_decoupled_weight_decay_after_loading_adam_state() -> None:
    params = ours_params(initial_values())
    adam = optim.Adam(params, lr=0.01)
    train(adam, params, gradient_stream(1))
    adamw = optim.AdamW(params, lr=0.01)
    adamw.load_state_dict(adam.state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


# ----------------------------------------------------------------------------- step, zero_grad

def test_zero_grad_sets_to_none_by_default() -> None:
    params = ours_params(initial_values())
    opt = optim.SGD(params, lr=0.1)
    feed(params, gradient_stream(1)[0], tg.tensor)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_in_place_keeps_the_grad_arrays() -> None:
    params = ours_params(initial_values())
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    feed(params, gradient_stream(1)[0], tg.tensor)
    opt.step()
    grads = [p.grad for p in params]
    arrays = [p.grad._data for p in params]
    versions = [p.grad._version[0] for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g, a, v in zip(params, grads, arrays, versions, strict=True):
        assert p.grad is g
        assert p.grad._data is a
        assert not a.any()
        assert p.grad._version[0] == v + 1
    before = [p._data.copy() for p in params]
    opt.step()  # a zero gradient is still a step: momentum moves the parameters
    assert all(not np.array_equal(p._data, b) for p, b in zip(params, before, strict=True))


def test_zero_grad_then_backward_accumulates_from_zero() -> None:
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad._data, [3.0, 3.0])


@pytest.mark.torch
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_closure_reevaluates_loss_with_grad_enabled(name: str) -> None:
    target = np.array([3.0, -1.0, 0.5])
    w_ours = tg.tensor(np.zeros(3), requires_grad=True)
    w_torch = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt_ours = OPTIMIZERS[name][0]([w_ours], lr=0.1)
    opt_torch = OPTIMIZERS[name][1]([w_torch], lr=0.1)

    def closure_ours() -> tg.Tensor:
        opt_ours.zero_grad()
        loss = ((w_ours - tg.tensor(target)) ** 2).sum()
        loss.backward()
        return loss

    def closure_torch() -> Any:
        opt_torch.zero_grad()
        loss = ((w_torch - torch.tensor(target)) ** 2).sum()
        loss.backward()
        return loss

    for _ in range(5):
        with tg.no_grad():  # the closure must still be able to build a graph
            loss_ours = opt_ours.step(closure_ours)
        loss_torch = opt_torch.step(closure_torch)
        assert loss_ours.item() == pytest.approx(loss_torch.item(), rel=1e-12)
    np.testing.assert_allclose(w_ours._data, numpy_of(w_torch), rtol=RTOL, atol=ATOL)
    assert opt_ours.step() is None


def test_step_bumps_versions_so_saved_graphs_notice() -> None:
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    y = (w * w).sum()  # mul saves w for backward
    w.grad = tg.tensor(np.array([1.0, 1.0]))
    opt.step()
    assert w._version[0] == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_step_updates_in_place_and_keeps_the_array() -> None:
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    view = w.detach()  # shares memory and the version counter
    array = w._data
    opt = optim.Adam([w], lr=0.1)
    w.grad = tg.tensor(np.array([1.0, -1.0]))
    opt.step()
    assert w._data is array
    np.testing.assert_allclose(view._data, [0.9, 2.1])
    assert view._version[0] == 1
    assert w.grad is not None
    assert w.grad._data.tolist() == [1.0, -1.0]  # the gradient is untouched


def test_step_rejects_a_gradient_of_the_wrong_shape() -> None:
    w = tg.tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(RuntimeError, match=r"grad: assigned grad has shape torch.Size\(\[2\]\)"):
        w.grad = tg.tensor(np.zeros(2))  # refused at assignment, like torch
    w._grad = tg.tensor(np.zeros(2))  # bypass the setter: step still checks
    with pytest.raises(RuntimeError,
                       match=r"shape torch.Size\(\[3\]\) has shape torch.Size\(\[2\]\)"):
        opt.step()


@pytest.mark.torch
def test_add_param_group_later_matches_torch() -> None:
    values = initial_values()
    p_ours, p_torch = ours_params(values), torch_params(values)
    opt_ours = optim.SGD(p_ours[:1], lr=0.1, momentum=0.9)
    opt_torch = torch.optim.SGD(p_torch[:1], lr=0.1, momentum=0.9)
    for step, grads in enumerate(gradient_stream(6)):
        if step == 3:
            opt_ours.add_param_group({"params": p_ours[1:], "lr": 0.01})
            opt_torch.add_param_group({"params": p_torch[1:], "lr": 0.01})
        feed(p_ours, grads, tg.tensor)
        feed(p_torch, grads, torch.tensor)
        opt_ours.step()
        opt_torch.step()
        assert_params_close(p_ours, p_torch, f"after step {step + 1}")
    assert opt_ours.param_groups[1]["momentum"] == 0.9


def test_param_groups_accept_generators_and_single_tensors() -> None:
    params = ours_params(initial_values())
    opt = optim.SGD(p for p in params)
    assert opt.param_groups[0]["params"] == params
    assert opt.param_groups[0]["lr"] == 1e-3
    opt = optim.SGD([{"params": params[0]}, {"params": iter(params[1:]), "lr": 0.5}], lr=0.1)
    assert [len(g["params"]) for g in opt.param_groups] == [1, 2]
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]


def test_repr_lists_the_groups() -> None:
    opt = optim.SGD([tg.zeros(2, requires_grad=True)], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text
    assert "params" not in text


# ----------------------------------------------------------------------------- errors

BAD_OPTIONS = [
    (optim.SGD, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1e-3}, "Invalid weight_decay value: -0.001"),
    (optim.SGD, {"lr": 0.1, "nesterov": True},
     "Nesterov momentum requires a momentum and zero dampening"),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
     "Nesterov momentum requires a momentum and zero dampening"),
    (optim.RMSprop, {"lr": -0.1}, "Invalid learning rate: -0.1"),
    (optim.RMSprop, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (optim.RMSprop, {"momentum": -1}, "Invalid momentum value: -1"),
    (optim.RMSprop, {"alpha": -0.5}, "Invalid alpha value: -0.5"),
    (optim.RMSprop, {"weight_decay": -2}, "Invalid weight_decay value: -2"),
    (optim.Adam, {"lr": -1e-3}, "Invalid learning rate: -0.001"),
    (optim.Adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (optim.Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (optim.AdamW, {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    (optim.AdamW, {"lr": -2.0}, "Invalid learning rate: -2.0"),
    (optim.Adagrad, {"lr": -1}, "Invalid learning rate: -1"),
    (optim.Adagrad, {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    (optim.Adagrad, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (optim.Adagrad, {"initial_accumulator_value": -1.0},
     "Invalid initial_accumulator_value value: -1.0"),
    (optim.Adagrad, {"eps": -1e-10}, "Invalid epsilon value: -1e-10"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("cls", "kwargs", "message"), BAD_OPTIONS,
                         ids=[f"{c.__name__}-{m}" for c, _, m in BAD_OPTIONS])
def test_bad_hyper_parameters_raise_like_torch(cls: type, kwargs: dict[str, Any],
                                               message: str) -> None:
    with pytest.raises(ValueError, match="Invalid|Nesterov") as ours:
        cls([tg.zeros(2, requires_grad=True)], **kwargs)
    assert str(ours.value) == message
    with pytest.raises(ValueError, match="Invalid|Nesterov") as theirs:
        getattr(torch.optim, cls.__name__)([torch.zeros(2, requires_grad=True)], **kwargs)
    assert str(theirs.value) == message


def test_bad_option_in_a_group_raises() -> None:
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([{"params": [a]}, {"params": [b], "lr": -1}], lr=0.1)
    opt = optim.Adam([a])
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 2"):
        opt.add_param_group({"params": [b], "betas": (2, 0.9)})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize(("params", "error", "message"), [
    (lambda: [], ValueError, "optimizer got an empty parameter list"),
    (lambda: tg.zeros(2, requires_grad=True), TypeError, "wrap it in a list"),
    (lambda: [np.zeros(2)], TypeError, "can only optimize Tensors, but one of the params is "
                                       "ndarray"),
    (lambda: [tg.zeros(2, requires_grad=True) * 2], ValueError, "can't optimize a non-leaf"),
    (lambda: [tg.tensor([1, 2])], ValueError, "dtype torch.int64"),  # dtypes print as torch's
    (lambda: [{"params": {tg.zeros(2, requires_grad=True)}}], TypeError, "ordered collections"),
    (lambda: [{"lr": 0.1}], ValueError, "'params' entry"),
])
def test_bad_params_raise(params: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        optim.SGD(params(), lr=0.1)


def test_duplicate_params_raise() -> None:
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([a, b, a], lr=0.1)
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert len(opt.param_groups) == 1


# ----------------------------------------------------------------------------- schedulers

def two_group_sgd(framework: Any) -> tuple[Any, Any]:
    """An SGD optimizer with two groups (lr 0.1 and 0.05) in ``tg`` or ``torch``."""
    if framework is torch:
        a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
        return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1), torch
    a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1), lr_scheduler


def decay_half(epoch: int) -> float:
    return 0.5 ** (epoch // 4)


SCHEDULERS: dict[str, Callable[[Any, Any], Any]] = {
    "StepLR": lambda m, opt: m.StepLR(opt, step_size=3, gamma=0.5),
    "StepLR-default-gamma": lambda m, opt: m.StepLR(opt, 7),
    "MultiStepLR": lambda m, opt: m.MultiStepLR(opt, milestones=[2, 5, 5, 9, 20], gamma=0.3),
    "ExponentialLR": lambda m, opt: m.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda m, opt: m.CosineAnnealingLR(opt, T_max=7, eta_min=0.001),
    "CosineAnnealingLR-default": lambda m, opt: m.CosineAnnealingLR(opt, T_max=10),
    "LambdaLR": lambda m, opt: m.LambdaLR(opt, lambda epoch: 1.0 / (1 + epoch)),
    "LambdaLR-per-group": lambda m, opt: m.LambdaLR(
        opt, [decay_half, lambda epoch: 0.95**epoch]),
}


def sched_module(framework: Any) -> Any:
    return torch.optim.lr_scheduler if framework is torch else lr_scheduler


def lr_sequence(name: str, framework: Any, steps: int = 30) -> list[list[float]]:
    opt, _ = two_group_sgd(framework)
    scheduler = SCHEDULERS[name](sched_module(framework), opt)
    lrs = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs


@pytest.mark.torch
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_lr_sequence_matches_torch(name: str) -> None:
    ours, theirs = lr_sequence(name, tg), lr_sequence(name, torch)
    assert len(ours) == 31
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12, atol=1e-15)


def test_scheduler_sets_initial_lr_and_base_lrs() -> None:
    opt, m = two_group_sgd(tg)
    scheduler = m.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert scheduler.base_lrs == [0.1, 0.05]
    assert scheduler.last_epoch == 0
    assert scheduler.get_last_lr() == [0.1, 0.05]
    scheduler.get_last_lr().append(1.0)  # a copy: changing it changes nothing
    assert scheduler.get_last_lr() == [0.1, 0.05]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "LambdaLR"])
def test_resuming_with_last_epoch_matches_torch(name: str) -> None:
    sequences = []
    for framework in (tg, torch):
        opt, _ = two_group_sgd(framework)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
        kwargs = {"StepLR": {"step_size": 3}, "MultiStepLR": {"milestones": [4, 8]},
                  "ExponentialLR": {"gamma": 0.8}, "CosineAnnealingLR": {"T_max": 6},
                  "LambdaLR": {"lr_lambda": lambda e: 1.0 / (1 + e)}}[name]
        scheduler = getattr(sched_module(framework), name)(opt, last_epoch=4, **kwargs)
        lrs = [scheduler.get_last_lr()]
        for _ in range(12):
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        sequences.append(lrs)
    np.testing.assert_allclose(np.array(sequences[0]), np.array(sequences[1]), rtol=1e-12)


def test_resuming_without_initial_lr_raises() -> None:
    opt, m = two_group_sgd(tg)
    with pytest.raises(KeyError, match="initial_lr"):
        m.StepLR(opt, step_size=2, last_epoch=3)


def plateau_metrics(seed: int = 3, n: int = 30) -> list[float]:
    """Improvements of various sizes (some below the thresholds) separated by plateaus."""
    rng = np.random.default_rng(seed)
    jumps = rng.choice([0.0, 0.0, 0.0, 1e-6, 1e-3, 0.3, -0.2], size=n)
    return (5.0 - np.cumsum(jumps)).tolist()


PLATEAU_CASES = grid(mode=["min", "max"], threshold_mode=["rel", "abs"], cooldown=[0, 2],
                     patience=[0, 2], min_lr=[0.0, [0.02, 0.004]])


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", PLATEAU_CASES,
                         ids=["-".join(str(v) for v in c.values()) for c in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(kwargs: dict[str, Any]) -> None:
    metrics = plateau_metrics()
    if kwargs["mode"] == "max":
        metrics = [-m for m in metrics]
    runs = []
    for framework in (tg, torch):
        opt, _ = two_group_sgd(framework)
        scheduler = sched_module(framework).ReduceLROnPlateau(opt, factor=0.5,
                                                             threshold=1e-4, **kwargs)
        trace = []
        for metric in metrics:
            opt.step()
            scheduler.step(metric)
            trace.append((scheduler.get_last_lr(), scheduler.num_bad_epochs,
                          scheduler.cooldown_counter, scheduler.best, scheduler.last_epoch))
        runs.append(trace)
    assert runs[0] == runs[1]
    assert runs[0][-1][0] != [0.1, 0.05]  # the sequence does trigger reductions


def test_reduce_lr_on_plateau_accepts_a_tensor_metric_and_checks_arguments() -> None:
    opt, m = two_group_sgd(tg)
    scheduler = m.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(tg.tensor(1.0))
    scheduler.step(tg.tensor([2.0]))
    assert scheduler.get_last_lr() == [pytest.approx(0.01), pytest.approx(0.005)]
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        m.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        m.ReduceLROnPlateau(opt, mode="sideways")
    with pytest.raises(ValueError, match="threshold mode rel2 is unknown"):
        m.ReduceLROnPlateau(opt, threshold_mode="rel2")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        m.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])


def test_scheduler_argument_errors() -> None:
    opt, m = two_group_sgd(tg)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        m.StepLR("sgd", step_size=2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        m.LambdaLR(opt, [decay_half])


ROUND_TRIP = [*SCHEDULERS, "ReduceLROnPlateau"]


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_scheduler_state_dict_round_trip_resumes_exactly(name: str) -> None:
    metrics = plateau_metrics(seed=4)

    def make(opt: Any) -> Any:
        if name == "ReduceLROnPlateau":
            return lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
        return SCHEDULERS[name](lr_scheduler, opt)

    def advance(opt: Any, scheduler: Any, epochs: range) -> list[list[float]]:
        lrs = []
        for epoch in epochs:
            opt.step()
            if name == "ReduceLROnPlateau":
                scheduler.step(metrics[epoch])
            else:
                scheduler.step()
            lrs.append(scheduler.get_last_lr())
        return lrs

    opt_full, _ = two_group_sgd(tg)
    full = advance(opt_full, make(opt_full), range(30))

    opt_first, _ = two_group_sgd(tg)
    first = make(opt_first)
    advance(opt_first, first, range(10))
    saved_sched = json.loads(json.dumps(first.state_dict()))  # plain values only
    saved_opt = opt_first.state_dict()
    assert "optimizer" not in saved_sched

    opt_resumed, _ = two_group_sgd(tg)
    resumed = make(opt_resumed)  # the scheduler first, then the optimizer's state (as in torch)
    opt_resumed.load_state_dict(saved_opt)
    resumed.load_state_dict(saved_sched)
    rest = advance(opt_resumed, resumed, range(10, 30))
    assert rest == full[10:]


def test_lambda_lr_state_dict_saves_callable_objects_not_functions() -> None:
    class Warmup:
        def __init__(self) -> None:
            self.length = 5

        def __call__(self, epoch: int) -> float:
            return min(1.0, (epoch + 1) / self.length)

    opt, m = two_group_sgd(tg)
    warmup = Warmup()
    scheduler = m.LambdaLR(opt, [warmup, decay_half])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"length": 5}, None]
    warmup.length = 50
    scheduler.load_state_dict(state)
    assert warmup.length == 5
    assert scheduler.lr_lambdas[1] is decay_half


def test_schedulers_compose_on_one_optimizer() -> None:
    opt, m = two_group_sgd(tg)
    step = m.StepLR(opt, step_size=2, gamma=0.5)
    expo = m.ExponentialLR(opt, gamma=0.9)
    for _ in range(4):
        opt.step()
        step.step()
        expo.step()
    assert expo.get_last_lr()[0] == pytest.approx(0.1 * 0.5**2 * 0.9**4, rel=1e-12)
    assert not math.isnan(step.get_last_lr()[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_sgd_group_pass_equals_the_per_parameter_update(dtype: type, weight_decay: float
                                                        ) -> None:
    """SGD with momentum updates a group's parameters in one pass (the fused loop straight
    from ``_step_group``); small, large and strided-gradient parameters get exactly the bits
    of the per-parameter path (``Optimizer._step_group``), and each step bumps the version."""
    from tinygrad_edu.kernels import elementwise
    from tinygrad_edu.optim.optimizer import Optimizer

    rng = np.random.default_rng(7)
    shapes = [(3, 4), (7,), (2, elementwise.LOOP_MIN_SIZE), (5, 3)]
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(3)]

    def run(per_parameter: bool) -> list[np.ndarray]:
        params = [tg.tensor(a.copy(), requires_grad=True) for a in start]
        opt = optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=weight_decay)
        for step in grads:
            for p, g in zip(params, step, strict=True):
                # the last gradient is a transposed (strided) view
                p.grad = tg.tensor(g.T.copy()).t() if g.shape == (5, 3) else tg.tensor(g)
            versions = [p._version[0] for p in params]
            if per_parameter:
                with tg.no_grad():
                    Optimizer._step_group(opt, opt.param_groups[0])
            else:
                opt.step()
            assert [p._version[0] for p in params] == [v + 1 for v in versions]
        return [p.detach().numpy() for p in params]

    for fast, slow in zip(run(False), run(True), strict=True):
        assert fast.dtype == dtype
        np.testing.assert_array_equal(fast, slow)
