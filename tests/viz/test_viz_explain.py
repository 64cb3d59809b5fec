"""explain_backward: the printed numbers are the gradients the real backward computes."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import OPS
from tinygrad_edu.viz import explain_backward
from tinygrad_edu.viz.explain import rule_in_words


def explained(output: tg.Tensor, **kwargs: object) -> str:
    buffer = io.StringIO()
    explain_backward(output, file=buffer, **kwargs)
    return buffer.getvalue()


def test_two_uses_of_x_add_up() -> None:
    x = tg.tensor(3.0, requires_grad=True)
    text = explained(x * x + x, names={"x": x})
    # add sends 1 to x; mul sends y*dout = 3 to its first input and x*dout = 3 to its second
    assert "input 1: x gets 1" in text
    assert "input 0: x gets 3   -> x so far: 1 + 3 = 4" in text
    assert "input 1: x gets 3   -> x so far: 1 + 3 + 3 = 7" in text
    assert "x.grad = 1 + 3 + 3 = 7   (3 contributions add up)" in text
    assert x.grad is None  # explaining changes nothing


def test_steps_follow_the_backward_order_with_rules_in_words() -> None:
    x = tg.tensor(3.0, requires_grad=True)
    text = explained(x * x + x, names={"x": x})
    steps = re.findall(r"^step (\d+): (\w+)", text, flags=re.M)
    assert steps == [("1", "add"), ("2", "mul")]
    assert "local rule out = x * y. Backward: dx = dout * y, dy = dout * x" in text
    assert "upstream   d out/d t1 = 1" in text


def test_intermediate_used_twice_sums_its_upstream() -> None:
    x = tg.tensor(3.0, requires_grad=True)
    y = x * 2.0
    z = y * y + y  # dz/dy = 2y + 1 = 13, dz/dx = 26
    text = explained(z, names={"x": x, "y": y})
    assert "upstream   d out/d y = 1 + 6 + 6 = 13   (3 uses add up)" in text
    assert "x.grad = 26" in text


def test_vectors_and_the_real_gradient_agree(capsys: pytest.CaptureFixture[str]) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum() + x.sum()  # d/dx = 2x + 1 = [3, 5]
    explain_backward(loss)
    loss.backward()
    printed = capsys.readouterr().out
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    assert re.search(r"x0\.grad = .* = \[3\., 5\.\]", printed), printed
    # large tensors are summarised instead of printed in full
    w = tg.ones(4, 5, requires_grad=True)
    text = explained((w * 2.0).sum(), names={"w": w})
    assert "w.grad = <(4, 5) mean 2, |max| 2, norm 8.944>" in text


def test_explain_then_the_real_backward(capsys: pytest.CaptureFixture[str]) -> None:
    a = tg.tensor([1.0, -2.0], requires_grad=True)
    b = tg.tensor([0.5, 4.0], requires_grad=True)
    loss = (a * b).relu().sum()
    explain_backward(loss)  # changes nothing: the caches stay for the real backward
    loss.backward()
    printed = capsys.readouterr().out
    assert "step 2: relu" in printed
    assert "step 3: mul" in printed
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 0.0])
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        explain_backward(loss)  # the caches are gone now


def test_every_op_has_a_rule_in_words() -> None:
    for op in OPS.values():
        if op.backward is not None:
            assert rule_in_words(op) != "(no docstring)", op.name


def test_needs_a_graph() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        explain_backward(tg.tensor(1.0))


def test_module_parameter_names() -> None:
    layer = tg.nn.Linear(2, 1)
    text = explained(layer(tg.ones(1, 2)).sum(), names=layer)
    assert "weight.grad = [[1., 1.]]" in text
    assert "bias.grad = 1" in text  # one-element tensors print as numbers
