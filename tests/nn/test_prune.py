"""nn.utils.prune against torch.nn.utils.prune: masks, reparametrization, hooks, state dicts.

Each case prunes the same layer (torch's weights copied into ours) in both libraries, with
the same seed for the random rules (our ``rand`` draws torch's numbers), and compares the
masks, the pruned weights, the state dict keys and values, the forward output and the
gradient of ``weight_orig``. Iterative pruning (a PruningContainer), global pruning,
``remove`` and the errors are compared too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn.utils import prune

torch = pytest.importorskip("torch")
tprune = pytest.importorskip("torch.nn.utils.prune")
pytestmark = pytest.mark.torch


def conv_pair(seed: int = 0) -> tuple[Any, Any]:
    torch.manual_seed(seed)
    theirs = torch.nn.Conv2d(3, 6, 3, dtype=torch.float64)
    ours = tg.nn.Conv2d(3, 6, 3, dtype=tg.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def same_state(ours: Any, theirs: Any) -> None:
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in b:
        np.testing.assert_array_equal(a[key].numpy(), b[key].detach().numpy(), err_msg=key)
    np.testing.assert_array_equal(ours.weight.numpy(force=True), theirs.weight.detach().numpy())


def same_forward_and_grad(ours: Any, theirs: Any) -> None:
    x = np.random.default_rng(5).standard_normal((2, 3, 7, 7))
    a, b = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(a.numpy(force=True), b.detach().numpy(), rtol=1e-12)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.weight_orig.grad.numpy(), theirs.weight_orig.grad.numpy(),
                               rtol=1e-12)
    assert not ours.weight_orig.grad.numpy()[ours.weight_mask.numpy() == 0].any()


RULES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("l1_0.3", lambda p, m: p.l1_unstructured(m, "weight", amount=0.3)),
    ("l1_count", lambda p, m: p.l1_unstructured(m, "weight", amount=17)),
    ("random_0.5", lambda p, m: p.random_unstructured(m, "weight", amount=0.5)),
    ("random_structured", lambda p, m: p.random_structured(m, "weight", amount=2, dim=0)),
    ("ln_2_dim0", lambda p, m: p.ln_structured(m, "weight", amount=0.5, n=2, dim=0)),
    ("ln_1_dim1", lambda p, m: p.ln_structured(m, "weight", amount=1, n=1, dim=1)),
    ("ln_inf_last", lambda p, m: p.ln_structured(m, "weight", amount=0.34, n=float("inf"),
                                                 dim=-1)),
    ("ln_-inf", lambda p, m: p.ln_structured(m, "weight", amount=3, n=-float("inf"), dim=0)),
    ("ln_3", lambda p, m: p.ln_structured(m, "weight", amount=3, n=3, dim=0)),
    ("bias_l1", lambda p, m: p.l1_unstructured(m, "bias", amount=0.5)),
    ("identity", lambda p, m: p.identity(m, "weight")),
    ("zero", lambda p, m: p.l1_unstructured(m, "weight", amount=0)),
]


@pytest.mark.parametrize(("label", "rule"), RULES, ids=[r[0] for r in RULES])
def test_pruning_rules_match_torch(label: str, rule: Callable[[Any, Any], Any]) -> None:
    ours, theirs = conv_pair()
    tg.manual_seed(3)
    rule(prune, ours)
    torch.manual_seed(3)
    rule(tprune, theirs)
    same_state(ours, theirs)
    assert prune.is_pruned(ours)
    if not label.startswith("bias"):
        same_forward_and_grad(ours, theirs)


def test_iterative_pruning_prunes_among_the_survivors_like_torch() -> None:
    ours, theirs = conv_pair(1)
    steps = [lambda p, m: p.l1_unstructured(m, "weight", amount=0.2),
             lambda p, m: p.ln_structured(m, "weight", amount=2, n=2, dim=0),
             lambda p, m: p.random_unstructured(m, "weight", amount=0.3),
             lambda p, m: p.random_structured(m, "weight", amount=1, dim=1),
             lambda p, m: p.custom_from_mask(m, "weight", mask=(p is prune and tg or torch)
                                             .ones(6, 3, 3, 3, dtype=(p is prune and tg or
                                                                      torch).float64))]
    for i, step in enumerate(steps):
        tg.manual_seed(i)
        step(prune, ours)
        torch.manual_seed(i)
        step(tprune, theirs)
        same_state(ours, theirs)
    hooks = [h for h in ours._forward_pre_hooks.values()
             if isinstance(h, prune.PruningContainer)]
    assert len(hooks) == 1
    assert len(hooks[0]) == len(steps)
    same_forward_and_grad(ours, theirs)


def test_global_pruning_matches_torch() -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    theirs = theirs.double()
    ours = tg.nn.Sequential(tg.nn.Linear(8, 6), tg.nn.ReLU(), tg.nn.Linear(6, 3)).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    tprune.l1_unstructured(theirs[0], "weight", amount=0.25)  # one tensor pruned already
    prune.l1_unstructured(ours[0], "weight", amount=0.25)
    for lib, model in [(tprune, theirs), (prune, ours)]:
        lib.global_unstructured([(model[0], "weight"), (model[2], "weight"), (model[2], "bias")],
                                pruning_method=lib.L1Unstructured, amount=0.4)
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in b:
        np.testing.assert_array_equal(a[key].numpy(), b[key].detach().numpy(), err_msg=key)
    total = sum(int((m == 0).sum()) for k, m in b.items() if k.endswith("_mask"))
    assert total == round(0.4 * (48 + 18 + 3 - 12)) + 12  # 40% of the survivors, and the 12


def test_remove_makes_pruning_permanent_like_torch() -> None:
    ours, theirs = conv_pair(2)
    prune.l1_unstructured(ours, "weight", amount=0.5)
    tprune.l1_unstructured(theirs, "weight", amount=0.5)
    prune.remove(ours, "weight")
    tprune.remove(theirs, "weight")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert sorted(ours.state_dict()) == ["bias", "weight"]
    assert isinstance(ours.weight, tg.nn.Parameter)
    np.testing.assert_array_equal(ours.weight.numpy(force=True), theirs.weight.detach().numpy())
    assert not prune.is_pruned(ours)
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(ours, "weight")


def test_prune_method_on_a_bare_tensor_and_state_dict_reload() -> None:
    t = np.random.default_rng(0).standard_normal((4, 5))
    a = prune.L1Unstructured(amount=0.5).prune(tg.tensor(t))
    b = tprune.L1Unstructured(amount=0.5).prune(torch.tensor(t))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    ours, theirs = conv_pair()
    tprune.l1_unstructured(theirs, "weight", amount=0.3)
    prune.identity(ours, "weight")  # same keys: torch's pruned state dict loads
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours(tg.zeros(1, 3, 5, 5, dtype=tg.float64))  # the pre-hook applies the loaded mask
    np.testing.assert_array_equal(ours.weight.numpy(force=True), theirs.weight.detach().numpy())


BAD: list[tuple[Callable[[Any, Any], Any], type, str]] = [
    (lambda p, m: p.l1_unstructured(m, "weight", amount=1.5), ValueError, "should either be"),
    (lambda p, m: p.l1_unstructured(m, "weight", amount=-1), ValueError, "should either be"),
    (lambda p, m: p.l1_unstructured(m, "weight", amount="a"), TypeError, "Invalid type"),
    (lambda p, m: p.l1_unstructured(m, "weight", amount=1000), ValueError,
     "should be smaller than the number of parameters"),
    (lambda p, m: p.ln_structured(m, "bias", amount=1, n=2, dim=0), ValueError,
     "multidimensional"),
    (lambda p, m: p.ln_structured(m, "weight", amount=1, n=2, dim=4), IndexError,
     "Invalid index 4"),
    (lambda p, m: p.global_unstructured([(m, "weight")], pruning_method=p.LnStructured,
                                        amount=1, n=2, dim=0), TypeError, "Only \"unstructured\""),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD, ids=[b[2] for b in BAD])
def test_errors_match_torch_and_leave_the_module_unchanged(call: Callable[[Any, Any], Any],
                                                           error: type, message: str) -> None:
    ours, theirs = conv_pair()
    with pytest.raises(error, match=message):
        call(tprune, theirs)
    with pytest.raises(error, match=message):
        call(prune, ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # rolled back, as torch does
    assert sorted(ours.state_dict()) == ["bias", "weight"]
    assert not prune.is_pruned(ours)
