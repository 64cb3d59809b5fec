"""optim.swa_utils against torch.optim.swa_utils.

How: a small MLP with a batch norm is built in both frameworks (float64) and fed the same
sequence of weights and buffers; after every ``update_parameters`` the averaged model's
state dict (parameters, buffers, ``n_averaged``) is compared with torch's, for the default
SWA mean, EMA and SWA through ``avg_fn`` and ``multi_avg_fn``, a custom function, and with
and without ``use_buffers``. ``update_bn`` recomputes the running statistics like torch's,
restoring momenta and the training mode; SWALR's learning rates equal torch's (cosine and
linear, several annealing lengths, after another schedule, two groups), also across a state
dict round trip; bad arguments raise torch's errors.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim import swa_utils

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def model(lib: Any) -> Any:
    nn = torch.nn if lib is torch else tg.nn
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()


def weight_sets(n: int, seed: int = 0) -> list[dict[str, np.ndarray]]:
    """Random values for every entry of the model's state dict (buffers included)."""
    shapes = {k: tuple(v.shape) for k, v in model(torch).state_dict().items()}
    rng = np.random.default_rng(seed)
    sets = []
    for i in range(n):
        values = {k: rng.standard_normal(s) for k, s in shapes.items()}
        values["1.running_var"] = np.abs(values["1.running_var"]) + 0.5
        values["1.num_batches_tracked"] = np.array(3 * i + 1, dtype=np.int64)
        sets.append(values)
    return sets


def load(lib: Any, net: Any, values: dict[str, np.ndarray]) -> None:
    make = torch.tensor if lib is torch else tg.tensor
    net.load_state_dict({k: make(v.copy()) for k, v in values.items()})


def assert_states_equal(ours: Any, theirs: Any, rtol: float = 1e-13) -> None:
    sd_ours, sd_torch = ours.state_dict(), theirs.state_dict()
    assert list(sd_ours) == list(sd_torch)
    for key, value in sd_torch.items():
        mine = sd_ours[key].numpy(force=True)
        assert mine.dtype == value.numpy().dtype, key
        np.testing.assert_allclose(mine, value.numpy(), rtol=rtol, atol=1e-15, err_msg=key)


AVERAGERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "swa": lambda su: {},
    "swa-buffers": lambda su: {"use_buffers": True},
    "ema": lambda su: {"avg_fn": su.get_ema_avg_fn(0.9)},
    "ema-multi": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.8)},
    "ema-multi-buffers": lambda su: {"multi_avg_fn": su.get_ema_multi_avg_fn(0.8),
                                     "use_buffers": True},
    "swa-avg_fn": lambda su: {"avg_fn": su.get_swa_avg_fn()},
    "swa-multi": lambda su: {"multi_avg_fn": su.get_swa_multi_avg_fn()},
    "custom": lambda su: {"avg_fn": lambda avg, new, n: 0.5 * avg + 0.5 * new},
}


@pytest.mark.parametrize("name", list(AVERAGERS))
def test_averaged_model_matches_torch(name: str) -> None:
    net_ours, net_torch = model(tg), model(torch)
    avg_ours = swa_utils.AveragedModel(net_ours, **AVERAGERS[name](swa_utils))
    avg_torch = torch.optim.swa_utils.AveragedModel(net_torch,
                                                    **AVERAGERS[name](torch.optim.swa_utils))
    for values in weight_sets(6):
        load(tg, net_ours, values)
        load(torch, net_torch, values)
        avg_ours.update_parameters(net_ours)
        avg_torch.update_parameters(net_torch)
        assert_states_equal(avg_ours, avg_torch)
    assert avg_ours.n_averaged.item() == 6
    x = np.random.default_rng(1).standard_normal((5, 3))
    avg_ours.eval()
    avg_torch.eval()
    np.testing.assert_allclose(avg_ours(tg.tensor(x)).numpy(force=True),
                               avg_torch(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_swa_multi_avg_fn_averages_integer_buffers_where_torch_raises() -> None:
    net = model(tg)
    averaged = swa_utils.AveragedModel(net, multi_avg_fn=swa_utils.get_swa_multi_avg_fn(),
                                       use_buffers=True)
    counts = []
    for values in weight_sets(4):  # num_batches_tracked: 1, 4, 7, 10
        load(tg, net, values)
        averaged.update_parameters(net)
        counts.append(averaged.module[1].num_batches_tracked.item())
    # 1; 1 + trunc(3 / 2) = 2; 2 + trunc(5 / 3) = 3; 3 + trunc(7 / 4) = 4
    assert counts == [1, 2, 3, 4]
    mean = np.mean([v["0.weight"] for v in weight_sets(4)], axis=0)
    np.testing.assert_allclose(averaged.module[0].weight.numpy(force=True), mean, rtol=1e-6)


def test_averaged_model_is_a_module_holding_a_copy() -> None:
    net = model(tg)
    averaged = swa_utils.AveragedModel(net)
    assert isinstance(averaged, tg.nn.Module)
    assert averaged.module is not net
    assert averaged.module[0].weight is not net[0].weight
    assert [k for k, _ in averaged.named_buffers()][0] == "n_averaged"  # as in torch
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(net, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


@pytest.mark.parametrize("decay", [-0.1, 1.5])
def test_bad_decay_raises_like_torch(decay: float) -> None:
    for make in ("get_ema_avg_fn", "get_ema_multi_avg_fn"):
        with pytest.raises(ValueError, match="Invalid decay value") as theirs:
            getattr(torch.optim.swa_utils, make)(decay)
        with pytest.raises(ValueError, match="Invalid decay value") as ours:
            getattr(swa_utils, make)(decay)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("train_mode", [True, False])
def test_update_bn_recomputes_running_statistics_like_torch(train_mode: bool) -> None:
    net_ours, net_torch = model(tg), model(torch)
    values = weight_sets(1)[0]
    load(tg, net_ours, values)
    load(torch, net_torch, values)
    net_ours.train(train_mode)
    net_torch.train(train_mode)
    rng = np.random.default_rng(2)
    batches = [(rng.standard_normal((n, 3)) * 2 + 1, rng.standard_normal(n)) for n in (8, 5, 11)]
    swa_utils.update_bn([(tg.tensor(x), tg.tensor(y)) for x, y in batches], net_ours)
    torch.optim.swa_utils.update_bn([(torch.tensor(x), torch.tensor(y)) for x, y in batches],
                                    net_torch)
    assert_states_equal(net_ours, net_torch, rtol=1e-12)
    assert net_ours.training is train_mode
    assert net_ours[1].momentum == 0.1
    # plain tensors as batches work too, and a model without batch norm is left alone
    swa_utils.update_bn([tg.tensor(x) for x, _ in batches], net_ours)
    assert_states_equal(net_ours, net_torch, rtol=1e-12)
    linear = tg.nn.Linear(3, 1)
    before = copy.deepcopy(linear.state_dict())
    swa_utils.update_bn([tg.tensor(x) for x, _ in batches], linear)
    assert all(np.array_equal(before[k].numpy(), v.numpy())
               for k, v in linear.state_dict().items())


def two_group_sgd(lib: Any) -> Any:
    module = torch.optim if lib is torch else optim
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    return module.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


SWALR_CASES = [
    {"swa_lr": 0.01}, {"swa_lr": 0.2, "anneal_strategy": "linear", "anneal_epochs": 5},
    {"swa_lr": [0.01, 0.5], "anneal_epochs": 1}, {"swa_lr": 0.03, "anneal_epochs": 0},
    {"swa_lr": 0.03, "anneal_epochs": 0, "anneal_strategy": "linear"},
]


@pytest.mark.parametrize("kwargs", SWALR_CASES, ids=[str(k) for k in SWALR_CASES])
@pytest.mark.parametrize("after_cosine", [False, True])
def test_swalr_matches_torch(kwargs: dict[str, Any], after_cosine: bool) -> None:
    seen = []
    for lib, su in ((tg, swa_utils), (torch, torch.optim.swa_utils)):
        opt = two_group_sgd(lib)
        lrs = []
        if after_cosine:  # SWA usually starts after some other schedule
            sched = (torch.optim if lib is torch else optim).lr_scheduler
            cosine = sched.CosineAnnealingLR(opt, T_max=20)
            for _ in range(7):
                opt.step()
                cosine.step()
        scheduler = su.SWALR(opt, **kwargs)
        lrs.append(scheduler.get_last_lr())
        for _ in range(15):
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr() + [g["lr"] for g in opt.param_groups])
        seen.append(lrs)
    for step, (a, b) in enumerate(zip(*seen, strict=True)):
        np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=f"step {step}")


def test_swalr_state_dict_round_trip() -> None:
    def make() -> tuple[Any, Any]:
        opt = two_group_sgd(tg)
        return opt, swa_utils.SWALR(opt, swa_lr=0.02, anneal_epochs=8)

    opt_full, full = make()
    expected = []
    for _ in range(12):
        opt_full.step()
        full.step()
        expected.append(full.get_last_lr())
    opt_first, first = make()
    for _ in range(4):
        opt_first.step()
        first.step()
    saved_opt, saved = copy.deepcopy(opt_first.state_dict()), copy.deepcopy(first.state_dict())
    assert "anneal_func" not in saved
    opt_new, resumed = make()
    opt_new.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    for step in range(4, 12):
        opt_new.step()
        resumed.step()
        assert resumed.get_last_lr() == expected[step]


@pytest.mark.parametrize("kwargs", [{"anneal_strategy": "exp"}, {"anneal_epochs": -1},
                                    {"anneal_epochs": 2.5}, {"swa_lr": [0.1]}])
def test_swalr_bad_arguments_raise_like_torch(kwargs: dict[str, Any]) -> None:
    kwargs = {"swa_lr": 0.1, **kwargs}
    with pytest.raises(ValueError, match="anneal|swa_lr") as theirs:
        torch.optim.swa_utils.SWALR(two_group_sgd(torch), **kwargs)
    with pytest.raises(ValueError, match="anneal|swa_lr") as ours:
        swa_utils.SWALR(two_group_sgd(tg), **kwargs)
    assert str(ours.value) == str(theirs.value)
