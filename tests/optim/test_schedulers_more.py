"""The second set of learning-rate schedulers against torch.optim.lr_scheduler, value by value.

How: the same scheduler is built in both frameworks on an optimizer with two parameter groups
(learning rates 0.1 and 0.05; SGD with momentum, or Adam for the schedulers that cycle
``beta_1``) and stepped 100 times; after every step the learning rates, ``get_last_lr()``,
``last_epoch`` and the momentum or betas of each group are compared with torch's (relative
tolerance 1e-12). Also: a state-dict round trip in the middle of the schedule (optimizer and
scheduler saved, loaded into fresh ones, continued: the same values as uninterrupted), the
scheduler state's public keys equal torch's, the deprecated ``step(epoch)`` (closed forms,
with torch's warning), CosineAnnealingWarmRestarts at fractional epochs, SequentialLR and
ChainedScheduler with nested schedulers, and argument errors with torch's messages.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim import lr_scheduler

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

N_STEPS = 100


def optimizer(lib: Any, kind: str = "SGD") -> Any:
    """Two groups (lr 0.1 and 0.05) of a small SGD-with-momentum or Adam optimizer."""
    module = torch.optim if lib is torch else optim
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "Adam":
        return module.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    return module.SGD(groups, lr=0.1, momentum=0.9)


def sched(lib: Any) -> Any:
    return torch.optim.lr_scheduler if lib is torch else lr_scheduler


def halve_every_third(epoch: int) -> float:
    return 0.5 if epoch % 3 == 0 else 1.0


class Scale:
    """A callable object (its attributes go into the state dict, unlike a function's)."""

    def __init__(self) -> None:
        self.factor = 0.97

    def __call__(self, epoch: int) -> float:
        return self.factor


# name -> (optimizer kind, builder(scheduler module, optimizer) -> scheduler)
BUILDERS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "MultiplicativeLR": ("SGD", lambda s, o: s.MultiplicativeLR(o, halve_every_third)),
    "MultiplicativeLR-list": ("SGD", lambda s, o: s.MultiplicativeLR(
        o, [lambda e: 0.95, lambda e: 1.0 if e < 10 else 0.9])),
    "ConstantLR": ("SGD", lambda s, o: s.ConstantLR(o)),
    "ConstantLR-0.25-7": ("SGD", lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=7)),
    "LinearLR": ("SGD", lambda s, o: s.LinearLR(o)),
    "LinearLR-decay": ("SGD", lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                                      total_iters=40)),
    "LinearLR-to-zero": ("SGD", lambda s, o: s.LinearLR(o, start_factor=0.5, end_factor=0.0,
                                                        total_iters=30)),
    "PolynomialLR": ("SGD", lambda s, o: s.PolynomialLR(o)),
    "PolynomialLR-p2": ("SGD", lambda s, o: s.PolynomialLR(o, total_iters=60, power=2.0)),
    "PolynomialLR-p0.5": ("SGD", lambda s, o: s.PolynomialLR(o, total_iters=33, power=0.5)),
    "CosineAnnealingWarmRestarts": ("SGD", lambda s, o: s.CosineAnnealingWarmRestarts(o, 10)),
    "CosineAnnealingWarmRestarts-mult": ("SGD", lambda s, o: s.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001)),
    "CyclicLR": ("SGD", lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7)),
    "CyclicLR-triangular2": ("SGD", lambda s, o: s.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=5, step_size_down=9,
        mode="triangular2", base_momentum=[0.7, 0.75], max_momentum=0.95)),
    "CyclicLR-exp_range": ("SGD", lambda s, o: s.CyclicLR(
        o, base_lr=0.001, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.97)),
    "CyclicLR-scale_fn": ("SGD", lambda s, o: s.CyclicLR(
        o, base_lr=0.001, max_lr=0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + x),
        scale_mode="iterations", cycle_momentum=False)),
    "CyclicLR-adam": ("Adam", lambda s, o: s.CyclicLR(o, base_lr=0.001, max_lr=0.01,
                                                      step_size_up=8)),
    "OneCycleLR": ("SGD", lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=N_STEPS)),
    "OneCycleLR-linear": ("SGD", lambda s, o: s.OneCycleLR(
        o, max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=10, anneal_strategy="linear",
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    "OneCycleLR-three-phase": ("SGD", lambda s, o: s.OneCycleLR(
        o, max_lr=0.3, total_steps=N_STEPS, three_phase=True, base_momentum=0.8,
        max_momentum=[0.9, 0.97])),
    "OneCycleLR-adam": ("Adam", lambda s, o: s.OneCycleLR(o, max_lr=0.01, total_steps=120)),
    "OneCycleLR-no-momentum": ("SGD", lambda s, o: s.OneCycleLR(
        o, max_lr=0.1, total_steps=N_STEPS, cycle_momentum=False, pct_start=0.5)),
    "SequentialLR": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=5),
            s.CosineAnnealingLR(o, T_max=30)], milestones=[5])),
    "SequentialLR-three": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o, factor=0.5, total_iters=4), s.ExponentialLR(o, gamma=0.9),
            s.StepLR(o, step_size=7, gamma=0.5)], milestones=[10, 40])),
    "SequentialLR-lambda": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.LambdaLR(o, lambda e: (e + 1) / 10), s.PolynomialLR(o, total_iters=50)],
        milestones=[9])),
    "ChainedScheduler": ("SGD", lambda s, o: s.ChainedScheduler(
        [s.ConstantLR(o, factor=0.1, total_iters=4), s.ExponentialLR(o, gamma=0.95)])),
    "ChainedScheduler-three": ("SGD", lambda s, o: s.ChainedScheduler(
        [s.LinearLR(o, start_factor=0.2, total_iters=10), s.MultiStepLR(o, [30, 60]),
         s.MultiplicativeLR(o, lambda e: 0.99)], optimizer=o)),
    "ChainedScheduler-of-sequential": ("SGD", lambda s, o: s.ChainedScheduler([
        s.SequentialLR(o, [s.ConstantLR(o, factor=0.5, total_iters=3),
                           s.ExponentialLR(o, gamma=0.9)], milestones=[3]),
        s.StepLR(o, step_size=20, gamma=0.5)])),
}


def observe(opt: Any, scheduler: Any) -> dict[str, Any]:
    """What a step changes: the rates, the momentum or betas, and the scheduler's counters."""
    groups = opt.param_groups
    return {"lr": [g["lr"] for g in groups], "last_lr": list(scheduler.get_last_lr()),
            "last_epoch": getattr(scheduler, "last_epoch", None),
            "momentum": [g.get("momentum") for g in groups],
            "betas": [tuple(g["betas"]) if "betas" in g else None for g in groups]}


def assert_same(ours: dict[str, Any], theirs: dict[str, Any], where: str) -> None:
    assert ours["last_epoch"] == theirs["last_epoch"], where
    for key in ("lr", "last_lr", "momentum", "betas"):
        a = np.array([x if x is not None else np.nan for x in ours[key]], dtype=float)
        b = np.array([x if x is not None else np.nan for x in theirs[key]], dtype=float)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f"{key} {where}")


def build(lib: Any, name: str) -> tuple[Any, Any]:
    kind, builder = BUILDERS[name]
    opt = optimizer(lib, kind)
    return opt, builder(sched(lib), opt)


def run(opt: Any, scheduler: Any, n: int) -> list[dict[str, Any]]:
    seen = []
    for _ in range(n):
        opt.step()
        scheduler.step()
        seen.append(observe(opt, scheduler))
    return seen


@pytest.mark.parametrize("name", list(BUILDERS))
def test_schedule_matches_torch(name: str) -> None:
    opt_ours, s_ours = build(tg, name)
    opt_torch, s_torch = build(torch, name)
    assert_same(observe(opt_ours, s_ours), observe(opt_torch, s_torch), "at construction")
    for step, (a, b) in enumerate(zip(run(opt_ours, s_ours, N_STEPS),
                                      run(opt_torch, s_torch, N_STEPS), strict=True)):
        assert_same(a, b, f"after step {step + 1} of {name}")


@pytest.mark.parametrize("name", list(BUILDERS))
def test_state_dict_round_trip_continues_the_schedule(name: str) -> None:
    opt_full, s_full = build(tg, name)
    expected = run(opt_full, s_full, 60)

    opt_first, s_first = build(tg, name)
    run(opt_first, s_first, 23)
    saved_opt = copy.deepcopy(opt_first.state_dict())
    saved_sched = copy.deepcopy(s_first.state_dict())
    opt_new, s_new = build(tg, name)
    opt_new.load_state_dict(saved_opt)
    s_new.load_state_dict(saved_sched)
    resumed = run(opt_new, s_new, 37)
    for step, (a, b) in enumerate(zip(resumed, expected[23:], strict=True)):
        assert a == b, f"step {24 + step} of {name} after reloading"


@pytest.mark.parametrize("name", [n for n in BUILDERS if "-" not in n])
def test_state_dict_keys_match_torch(name: str) -> None:
    _, s_ours = build(tg, name)
    _, s_torch = build(torch, name)
    ours, theirs = s_ours.state_dict(), s_torch.state_dict()
    wanted = {k for k in theirs if not k.startswith("_") or k in ("_last_lr", "_step_count",
                                                                  "_schedulers")}
    assert wanted <= set(ours), sorted(wanted - set(ours))
    for key in wanted - {"_schedulers"}:
        if isinstance(theirs[key], int | float | str | bool | list) and key != "_last_lr":
            assert ours[key] == theirs[key], key


CLOSED_FORM = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, [2, 5, 5], gamma=0.3),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.8),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=8, eta_min=0.01),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=4),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.2, total_iters=6),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=9, power=1.5),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9),  # no closed form
}


@pytest.mark.parametrize("name", list(CLOSED_FORM))
def test_step_with_an_epoch_uses_the_closed_form_and_warns_like_torch(name: str) -> None:
    opt_ours, opt_torch = optimizer(tg), optimizer(torch)
    s_ours = CLOSED_FORM[name](lr_scheduler, opt_ours)
    s_torch = CLOSED_FORM[name](torch.optim.lr_scheduler, opt_torch)
    for epoch in [3, 7, 2, 10, 4, 4, 12]:
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
            s_ours.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s_torch.step(epoch)
        assert_same(observe(opt_ours, s_ours), observe(opt_torch, s_torch), f"epoch {epoch}")
        opt_ours.step()
        opt_torch.step()
        s_ours.step()
        s_torch.step()
        assert_same(observe(opt_ours, s_ours), observe(opt_torch, s_torch), f"after {epoch}")


@pytest.mark.parametrize(("t_0", "t_mult"), [(5, 1), (3, 2), (2, 3)])
def test_warm_restarts_at_fractional_epochs_match_torch(t_0: int, t_mult: int) -> None:
    opt_ours, opt_torch = optimizer(tg), optimizer(torch)
    s_ours = lr_scheduler.CosineAnnealingWarmRestarts(opt_ours, T_0=t_0, T_mult=t_mult,
                                                      eta_min=1e-3)
    s_torch = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_torch, T_0=t_0,
                                                                   T_mult=t_mult, eta_min=1e-3)
    iters = 7
    for epoch in range(30):
        for i in range(iters):
            s_ours.step(epoch + i / iters)
            s_torch.step(epoch + i / iters)
            assert_same(observe(opt_ours, s_ours), observe(opt_torch, s_torch),
                        f"epoch {epoch} + {i}/{iters}")
            assert s_ours.T_cur == pytest.approx(s_torch.T_cur, rel=1e-12, abs=1e-15)
            assert s_ours.T_i == s_torch.T_i
    for _ in range(10):  # and plain steps after jumps
        s_ours.step()
        s_torch.step()
        assert_same(observe(opt_ours, s_ours), observe(opt_torch, s_torch), "plain step")


def test_callable_objects_keep_their_attributes_through_state_dicts() -> None:
    opt = optimizer(tg)
    scale = Scale()
    scheduler = lr_scheduler.MultiplicativeLR(opt, scale)
    scale.factor = 0.5
    saved = scheduler.state_dict()
    assert saved["lr_lambdas"] == [{"factor": 0.5}, {"factor": 0.5}]
    other = Scale()
    lr_scheduler.MultiplicativeLR(optimizer(tg), other).load_state_dict(saved)
    assert other.factor == 0.5

    cyclic = lr_scheduler.CyclicLR(optimizer(tg), 0.01, 0.1, scale_fn=scale)
    assert cyclic.state_dict()["_scale_fn_custom"] == {"factor": 0.5}
    assert "_scale_fn_ref" not in lr_scheduler.CyclicLR(optimizer(tg), 0.01, 0.1).state_dict()


def test_one_cycle_refuses_to_step_past_its_end_like_torch() -> None:
    for lib in (tg, torch):
        opt = optimizer(lib)
        scheduler = sched(lib).OneCycleLR(opt, max_lr=0.1, total_steps=5)
        for _ in range(5):
            opt.step()
            scheduler.step()
        with pytest.raises(ValueError, match="Tried to step 6 times. The specified number of "
                                             "total steps is 5"):
            scheduler.step()


def test_groups_keep_the_keys_torch_adds() -> None:
    opt_ours, opt_torch = optimizer(tg), optimizer(torch)
    lr_scheduler.OneCycleLR(opt_ours, max_lr=0.1, total_steps=10)
    torch.optim.lr_scheduler.OneCycleLR(opt_torch, max_lr=0.1, total_steps=10)
    for g_ours, g_torch in zip(opt_ours.param_groups, opt_torch.param_groups, strict=True):
        for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum", "lr",
                    "momentum"):
            assert g_ours[key] == pytest.approx(g_torch[key], rel=1e-15), key


BAD = [
    ("ConstantLR factor", lambda s, o: s.ConstantLR(o, factor=1.5)),
    ("LinearLR start", lambda s, o: s.LinearLR(o, start_factor=0)),
    ("LinearLR end", lambda s, o: s.LinearLR(o, end_factor=2.0)),
    ("MultiplicativeLR count", lambda s, o: s.MultiplicativeLR(o, [lambda e: 1.0])),
    ("CAWR T_0", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0)),
    ("CAWR T_0 float", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2.5)),
    ("CAWR T_mult", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0)),
    ("CAWR eta_min", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0")),
    ("CyclicLR mode", lambda s, o: s.CyclicLR(o, 0.01, 0.1, mode="saw")),
    ("CyclicLR base_lr list", lambda s, o: s.CyclicLR(o, [0.01], 0.1)),
    ("OneCycleLR no length", lambda s, o: s.OneCycleLR(o, max_lr=0.1)),
    ("OneCycleLR total_steps", lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=0)),
    ("OneCycleLR epochs", lambda s, o: s.OneCycleLR(o, max_lr=0.1, epochs=-1,
                                                    steps_per_epoch=3)),
    ("OneCycleLR pct_start", lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=9,
                                                       pct_start=1.5)),
    ("OneCycleLR anneal", lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=9,
                                                    anneal_strategy="exp")),
    ("OneCycleLR max_lr list", lambda s, o: s.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3],
                                                         total_steps=9)),
    ("SequentialLR empty", lambda s, o: s.SequentialLR(o, [], milestones=[])),
    ("SequentialLR milestones", lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o), s.ExponentialLR(o, 0.9)], milestones=[])),
    ("SequentialLR plateau", lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o), s.ReduceLROnPlateau(o)], milestones=[3])),
    ("ChainedScheduler empty", lambda s, o: s.ChainedScheduler([])),
]


@pytest.mark.parametrize(("what", "make"), BAD, ids=[w for w, _ in BAD])
def test_bad_arguments_raise_like_torch(what: str, make: Callable[[Any, Any], Any]) -> None:
    with pytest.raises((ValueError, TypeError)) as theirs:
        make(torch.optim.lr_scheduler, optimizer(torch))
    with pytest.raises(theirs.type) as ours:
        make(lr_scheduler, optimizer(tg))
    assert str(ours.value) == str(theirs.value)


def test_cycling_momentum_needs_an_optimizer_with_momentum() -> None:
    for lib in (tg, torch):
        module = torch.optim if lib is torch else optim
        opt = module.Adadelta([lib.zeros(2, requires_grad=True)])
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            sched(lib).CyclicLR(opt, 0.01, 0.1)
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            sched(lib).OneCycleLR(opt, 0.1, total_steps=10)


def test_schedulers_mixing_different_optimizers_are_refused() -> None:
    a, b = optimizer(tg), optimizer(tg)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(a), lr_scheduler.ConstantLR(b)])
    with pytest.raises(TypeError, match="should have `optimizer` as its attribute"):
        lr_scheduler.SequentialLR(a, [object(), lr_scheduler.ConstantLR(a)], milestones=[2])


def test_exports_follow_torch() -> None:
    for name in ["OneCycleLR", "LinearLR", "ConstantLR", "SequentialLR", "ChainedScheduler",
                 "CosineAnnealingWarmRestarts", "CyclicLR", "PolynomialLR", "MultiplicativeLR"]:
        assert name in lr_scheduler.__all__
        assert issubclass(getattr(lr_scheduler, name), lr_scheduler.LRScheduler)
        assert getattr(optim.lr_scheduler, name) is getattr(lr_scheduler, name)


def test_reduce_lr_on_plateau_accepts_the_deprecated_epoch_like_torch() -> None:
    seen = []
    for lib in (tg, torch):
        opt = optimizer(lib)
        plateau = sched(lib).ReduceLROnPlateau(opt, patience=1, factor=0.5)
        with pytest.warns(UserWarning, match="epoch parameter"):
            plateau.step(1.0, epoch=7)
        for metric in [2.0, 3.0, 4.0]:
            plateau.step(metric)
        seen.append((plateau.last_epoch, plateau.get_last_lr()))
    assert seen[0] == seen[1]


def test_a_custom_scheduler_written_for_torch_runs_unchanged() -> None:
    """The old base-class name, ``base_lrs`` and ``last_epoch`` as torch tutorials use them."""
    results = []
    for lib in (tg, torch):
        base = sched(lib)._LRScheduler

        class WarmupInverseSqrt(base):  # type: ignore[misc, valid-type]
            def __init__(self, optimizer: Any, warmup: int, last_epoch: int = -1) -> None:
                self.warmup = warmup
                super().__init__(optimizer, last_epoch)

            def get_lr(self) -> list[float]:
                step = max(self.last_epoch, 1)
                scale = min(step / self.warmup, (self.warmup / step) ** 0.5)
                return [base_lr * scale for base_lr in self.base_lrs]

        opt = optimizer(lib)
        scheduler = WarmupInverseSqrt(opt, warmup=4)
        results.append([list(scheduler.get_last_lr())] + [r["lr"] for r in run(opt, scheduler,
                                                                                 12)])
    assert results[0] == results[1]


def _step_lr() -> tuple[object, object]:
    opt = tg.optim.SGD([tg.nn.Parameter(tg.ones(2))], lr=0.1)
    return opt, tg.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)


@pytest.mark.parametrize(("edit", "message"), [
    ({"optimizer": 1}, "'optimizer' is not part of its state"),
    ({"not_a_field": 3}, "'not_a_field' is not part of its state"),
    ({"step_size": 0}, "learning rates cannot be computed .ZeroDivisionError"),
    ({"last_epoch": "abc"}, "'last_epoch' should be a whole number, got 'abc'"),
    ({"last_epoch": 2.5}, "'last_epoch' should be a whole number, got 2.5"),
    ({"base_lrs": [0.1, 0.2]}, "'base_lrs' should be a list of 1"),
    ({"gamma": float("nan")}, "'gamma' should be a number"),
    ({"base_lrs": [-100]}, "'base_lrs' holds a negative learning rate: \\[-100\\]"),
    ({"base_lrs": KeyError}, r"it lacks \['base_lrs'\]"),
])
def test_a_scheduler_state_that_does_not_fit_is_refused_and_changes_nothing(edit, message):
    _, scheduler = _step_lr()
    before = scheduler.state_dict()
    state = {k: v for k, v in {**before, "last_epoch": 4, **edit}.items() if v is not KeyError}
    with pytest.raises(ValueError, match=message):
        scheduler.load_state_dict(state)
    assert scheduler.state_dict() == before
    assert scheduler.optimizer.param_groups[0]["lr"] == pytest.approx(0.1)


def test_a_composite_checks_every_wrapped_state_before_loading_any():
    opt = tg.optim.SGD([tg.nn.Parameter(tg.ones(2))], lr=0.1)
    warm = tg.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    decay = tg.optim.lr_scheduler.StepLR(opt, step_size=2)
    chain = tg.optim.lr_scheduler.ChainedScheduler([warm, decay])
    before = [chain.state_dict(), warm.state_dict(), decay.state_dict()]
    state = chain.state_dict()
    state["_schedulers"][0]["last_epoch"] = 7  # fits
    state["_schedulers"][1]["step_size"] = 0  # does not
    with pytest.raises(ValueError, match="StepLR.load_state_dict: .*ZeroDivisionError"):
        chain.load_state_dict(state)
    assert [chain.state_dict(), warm.state_dict(), decay.state_dict()] == before
    state["_schedulers"] = state["_schedulers"][:1]
    with pytest.raises(ValueError, match="expected the states of 2 schedulers"):
        chain.load_state_dict(state)
