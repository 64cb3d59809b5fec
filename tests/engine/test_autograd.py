"""Autograd engine semantics: PyTorch's rules, checked on exact numbers.

Covers: gradients of a tensor used several times, deep graphs, accumulation across backward
calls, ``backward(gradient=...)``, ``retain_graph``, grad mode (``no_grad``/``enable_grad``/
``set_grad_enabled``), ``retain_grad``, hooks, ``detach``, leaves, version counters and in-place
ops, broadcasting, hand-written SGD, integer tensors and gradient dtypes.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg


def f32(*values):
    return tg.tensor(np.array(values, dtype=np.float32), requires_grad=True)


def grad_of(t) -> np.ndarray:
    """The leaf's gradient as an ndarray (works for tinygrad_edu and torch tensors)."""
    assert t.grad is not None
    g = t.grad
    return np.array(g.detach().numpy() if hasattr(g, "detach") else g.numpy())


def assert_grad(t, expected, rtol=1e-6, atol=1e-7):
    g = grad_of(t)
    assert g.shape == np.shape(expected), (g.shape, np.shape(expected))
    np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- used twice

def test_tensor_used_twice_in_one_op():
    x = f32(1.0, 2.0, 3.0)
    (x * x).sum().backward()
    assert_grad(x, [2.0, 4.0, 6.0])


def test_intermediate_used_twice():
    x = f32(1.0, 2.0, 3.0)
    a = x + 1
    b = a * a + a
    b.sum().backward()
    # db/dx = 2a + 1
    assert_grad(x, 2 * (np.array([1.0, 2.0, 3.0]) + 1) + 1)


def test_leaf_used_in_three_places():
    x = f32(2.0)
    y = x * 3 + x * x - x.exp()
    y.sum().backward()
    assert_grad(x, [3 + 2 * 2.0 - np.exp(2.0)], rtol=1e-6)


def test_diamond_graph_matches_torch():
    torch = pytest.importorskip("torch")
    vals = [0.5, -1.0, 2.0]
    x = tg.tensor(vals, requires_grad=True)
    a = x.exp()
    d = (a.sin() * a.cos() + a).sum()
    d.backward()
    xt = torch.tensor(vals, requires_grad=True)
    at = xt.exp()
    (at.sin() * at.cos() + at).sum().backward()
    assert_grad(x, xt.grad.numpy(), rtol=1e-5)


def test_diamond_with_unequal_branch_lengths():
    # a feeds the output directly and through a 3-op chain: a's node must wait for both
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = x * 2
    long = ((a * 3) + 1) * 4
    out = (long + a).sum()
    out.backward()
    # out = 12a + 4 + a = 13a + 4 -> d/dx = 26
    assert_grad(x, [26.0, 26.0])


def test_iterating_over_a_tensor_sums_row_gradients():
    x = tg.tensor(np.arange(6, dtype=np.float64).reshape(3, 2), requires_grad=True)
    total = sum(row * float(i + 1) for i, row in enumerate(x))
    total.sum().backward()
    assert_grad(x, [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


# ----------------------------------------------------------------------------- deep graphs

def test_chain_of_100k_muls_backpropagates_without_recursion():
    x = tg.tensor(np.array(1.0), requires_grad=True)  # float64 leaf
    h = x
    for _ in range(100_000):
        h = h * 1.0001
    h.backward()  # a recursive walk would hit Python's recursion limit long before
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.item(), 1.0001**100_000, rtol=1e-9)


def test_chain_of_100k_adds_reusing_the_leaf():
    x = tg.tensor(np.array(1.0), requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h + x
    h.backward()
    assert x.grad.item() == 100_001.0


def test_chain_float32_matches_torch_rounding():
    torch = pytest.importorskip("torch")
    x = tg.tensor(1.0, requires_grad=True)
    xt = torch.tensor(1.0, requires_grad=True)
    h, ht = x, xt
    for _ in range(2000):
        h = h * 1.001
        ht = ht * 1.001
    h.backward()
    ht.backward()
    assert x.grad.item() == pytest.approx(xt.grad.item(), rel=1e-6)


def test_deep_graph_can_be_freed_without_backward():
    import gc

    x = tg.tensor(1.0, requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    del h
    gc.collect()  # no RecursionError / crash while deallocating the chain


# ----------------------------------------------------------------------------- accumulation

def test_grad_is_a_tensor_and_accumulates_across_backward_calls():
    x = f32(1.0, 2.0)
    (x * 3).sum().backward()
    assert isinstance(x.grad, tg.Tensor)
    assert not x.grad.requires_grad
    assert x.grad.dtype == tg.float32
    assert_grad(x, [3.0, 3.0])
    (x * x).sum().backward()
    assert_grad(x, [5.0, 7.0])


def test_setting_grad_to_none_resets():
    x = f32(1.0, 2.0)
    (x * 3).sum().backward()
    x.grad = None
    (x * 5).sum().backward()
    assert_grad(x, [5.0, 5.0])


def test_grad_zero_then_accumulate():
    x = f32(1.0, 2.0)
    (x * 3).sum().backward()
    x.grad.zero_()
    assert_grad(x, [0.0, 0.0])
    (x * 2).sum().backward()
    assert_grad(x, [2.0, 2.0])


def test_grad_takes_the_memory_layout_of_its_tensor():
    """x @ w.T sends w a transposed gradient; .grad is stored in w's layout (C order), as in
    PyTorch, so optimizers pass over weight and gradient in the same order. A Fortran-ordered
    leaf gets a Fortran-ordered gradient."""
    x = tg.tensor(np.arange(12.0).reshape(4, 3))
    w = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (x @ w.T).sum().backward()
    assert w.grad.numpy().flags.c_contiguous
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((4, 2)).T @ x.numpy())
    wf = tg.tensor(np.asfortranarray(np.arange(6.0).reshape(3, 2)), requires_grad=True)
    assert wf.detach().numpy().flags.f_contiguous
    (x @ wf).sum().backward()
    assert wf.grad.numpy().flags.f_contiguous
    np.testing.assert_array_equal(wf.grad.numpy(), x.numpy().T @ np.ones((4, 2)))


def _grad_op(name, make_grad, request):
    """An identity op whose backward returns ``make_grad(dout)``, registered for one test."""
    from tinygrad_edu.autograd import OPS, apply_op, register_op

    op = register_op(name, lambda x: (x.copy(), None), lambda dout, cache: (make_grad(dout),))
    request.addfinalizer(lambda: OPS.pop(name, None))
    return lambda t: apply_op(op, t)


def test_a_fresh_gradient_becomes_grad_without_a_copy_and_a_shared_one_is_copied(request):
    """A backward's fresh array, also behind a reshape or from a kernel, becomes .grad as it
    is (no extra pass over it); a view of memory someone else holds is copied, so that later
    accumulation into .grad cannot change it."""
    from tinygrad_edu.kernels import elementwise

    made = []  # the address of each fresh gradient's memory (a reference would keep it shared)

    def address(a):
        return a.__array_interface__["data"][0]

    def fresh(dout):
        g = np.full(dout.size, 2.0)
        made.append(address(g))
        return g.reshape(dout.shape)

    def from_kernel(dout):
        g = elementwise.gate(np.full(dout.size, 3.0), np.ones(dout.size, dtype=bool))
        made.append(address(g))
        return g.reshape(dout.shape)

    kept = np.full(12, 5.0)
    for name, make, value, adopted in [("test_fresh_grad", fresh, 2.0, True),
                                       ("test_kernel_grad", from_kernel, 3.0, True),
                                       ("test_shared_grad", lambda d: kept.reshape(d.shape),
                                        5.0, False)]:
        made.clear()
        x = tg.tensor(np.zeros((3, 4)), requires_grad=True)
        _grad_op(name, make, request)(x).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), value))
        if adopted:
            assert address(x.grad.numpy()) == made[0]
        else:
            assert not np.shares_memory(x.grad.numpy(), kept)
    x.grad += 1.0
    np.testing.assert_array_equal(kept, np.full(12, 5.0))


def test_grad_accumulates_in_place_like_torch():
    x = f32(1.0, 2.0)
    (x * 2).sum().backward()
    g = x.grad
    (x * 2).sum().backward()
    assert x.grad is g
    assert g.tolist() == [4.0, 4.0]


# ----------------------------------------------------------------------------- backward args

def test_backward_with_gradient_for_non_scalar_output():
    x = f32(1.0, 2.0, 3.0)
    y = x * x
    y.backward(gradient=tg.tensor([1.0, 0.0, 2.0]))
    assert_grad(x, [2.0, 0.0, 12.0])


def test_backward_gradient_may_be_ndarray_and_is_cast():
    x = f32(1.0, 2.0)
    (x * 3).backward(np.array([1.0, 2.0]))  # float64 gradient for a float32 output
    assert x.grad.dtype == tg.float32
    assert_grad(x, [3.0, 6.0])


def test_backward_gradient_matrix_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.array([[0.5, -1.0], [2.0, 0.0]])
    x = tg.tensor(a, requires_grad=True)
    (x @ x).backward(tg.tensor(g))
    xt = torch.tensor(a, requires_grad=True)
    (xt @ xt).backward(torch.tensor(g))
    assert_grad(x, xt.grad.numpy())


def test_backward_of_one_element_non_0d_output():
    x = f32(2.0)
    (x * 3).backward()
    assert_grad(x, [3.0])


def test_backward_on_a_leaf():
    x = f32(1.0, 2.0)
    x.backward(tg.tensor([3.0, 4.0]))
    assert_grad(x, [3.0, 4.0])


def test_non_scalar_backward_without_gradient_raises():
    x = f32(1.0, 2.0, 3.0)
    with pytest.raises(RuntimeError, match=r"scalar"):
        (x * 2).backward()


def test_retain_graph_allows_second_backward():
    x = f32(1.0, 2.0, 3.0)
    y = (x * x).exp().sum()
    y.backward(retain_graph=True)
    first = grad_of(x).copy()
    y.backward()
    assert_grad(x, 2 * first)


def test_second_backward_without_retain_graph_raises():
    x = f32(1.0, 2.0)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_second_backward_through_shared_freed_subgraph_raises():
    x = f32(1.0, 2.0)
    a = x.exp()
    (a * 2).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (a * 3).sum().backward()


def test_backward_on_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0, 2.0]).sum().backward()


# ----------------------------------------------------------------------------- grad mode

def test_no_grad_context_manager():
    x = f32(1.0, 2.0)
    with tg.no_grad():
        y = x * 2
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert y.requires_grad is False
    assert y.grad_fn is None
    assert y.is_leaf
    assert y.tolist() == [2.0, 4.0]


def test_no_grad_decorator_with_parentheses():
    x = f32(1.0, 2.0)

    @tg.no_grad()
    def double(t):
        assert not tg.is_grad_enabled()
        return t * 2

    y = double(x)
    assert y.requires_grad is False
    assert y.grad_fn is None
    assert tg.is_grad_enabled()
    assert double.__name__ == "double"


def test_no_grad_bare_decorator():
    x = f32(1.0, 2.0)

    @tg.no_grad
    def double(t):
        return t * 2

    @tg.enable_grad
    def triple(t):
        return t * 3

    assert double(x).requires_grad is False
    with tg.no_grad():
        assert triple(x).requires_grad is True


def test_enable_grad_inside_no_grad_nested():
    x = f32(1.0)
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            y = x * 2
            with tg.no_grad():
                z = x * 2
                assert not tg.is_grad_enabled()
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
        w = x * 2
    assert tg.is_grad_enabled()
    assert y.requires_grad
    assert y.grad_fn is not None
    assert not z.requires_grad
    assert not w.requires_grad


def test_enable_grad_decorator_inside_no_grad():
    x = f32(1.0)

    @tg.enable_grad()
    def f(t):
        return t * 2

    with tg.no_grad():
        y = f(x)
        assert not tg.is_grad_enabled()
    assert y.requires_grad
    assert y.grad_fn.name() == "MulBackward0"


def test_grad_mode_restored_after_exception():
    def fail_inside_no_grad():
        with tg.no_grad():
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fail_inside_no_grad()
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_function_context_and_decorator():
    x = f32(1.0)
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()
    assert (x * 2).requires_grad

    with tg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert tg.is_grad_enabled()  # creating the decorator does not leave grad off
    assert not f(x).requires_grad
    assert tg.is_grad_enabled()


def test_ops_on_non_grad_inputs_record_nothing():
    a = tg.tensor([1.0, 2.0])
    b = a * 2 + 1
    assert not b.requires_grad
    assert b.grad_fn is None
    assert b.is_leaf


# ----------------------------------------------------------------------------- retain_grad, hooks

def test_non_leaf_grad_is_none_without_retain_grad():
    x = f32(1.0, 2.0)
    y = x * 3
    (y * y).sum().backward()
    assert y.grad is None
    assert_grad(x, [18.0, 36.0])


def test_retain_grad_on_non_leaf():
    x = f32(1.0, 2.0)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    assert not y.is_leaf
    assert isinstance(y.grad, tg.Tensor)
    assert_grad(y, [6.0, 12.0])
    assert_grad(x, [18.0, 36.0])


def test_retain_grad_accumulates_and_sums_uses():
    x = f32(1.0, 2.0)
    y = x * 3
    y.retain_grad()
    out = (y + y * y).sum()
    out.backward(retain_graph=True)
    assert_grad(y, [7.0, 13.0])
    out.backward()
    assert_grad(y, [14.0, 26.0])


def test_retain_grad_then_in_place_matches_torch():
    w = f32(1.0, 2.0)
    y = w * 1
    y.retain_grad()
    y.mul_(2)
    (y * y).sum().backward()
    assert_grad(y, [4.0, 8.0])  # d(sum y^2)/dy at y = [2, 4]
    assert_grad(w, [8.0, 16.0])


def test_hook_on_non_leaf_sees_summed_gradient_once():
    x = f32(1.0, 2.0)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y + y * y).sum().backward()
    assert seen == [[7.0, 13.0]]
    assert_grad(x, [21.0, 39.0])


def test_hook_receives_a_tensor():
    x = f32(1.0, 2.0)
    kinds = []
    (x * 2).register_hook(lambda g: kinds.append((type(g), g.shape)))
    y = x * 2
    y.register_hook(lambda g: kinds.append((type(g), g.shape)))
    y.sum().backward()
    assert kinds == [(tg.Tensor, (2,))]


def test_hook_on_leaf_used_twice_sees_sum_once():
    x = f32(1.0, 2.0)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * x + x).sum().backward()
    assert seen == [[3.0, 5.0]]
    assert_grad(x, [3.0, 5.0])


def test_hook_returning_modified_gradient_changes_what_flows():
    x = f32(1.0, 2.0)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    # dL/dy = 2y = [6, 12] -> x10 -> dy/dx = 3
    assert_grad(x, [180.0, 360.0])


def test_leaf_hook_modifies_stored_grad():
    x = f32(1.0, 2.0)
    x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    assert_grad(x, [20.0, 20.0])


def test_hooks_chain_in_registration_order():
    x = f32(1.0)
    y = x * 1
    y.register_hook(lambda g: g + 1)
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert_grad(x, [20.0])  # (1 + 1) * 10, not 1 * 10 + 1


def test_hook_and_retain_grad_match_torch():
    torch = pytest.importorskip("torch")
    for order in ("hook_first", "retain_first"):
        res = []
        for lib in (tg, torch):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = x * 3
            if order == "hook_first":
                y.register_hook(lambda g: g * 10)
                y.retain_grad()
            else:
                y.retain_grad()
                y.register_hook(lambda g: g * 10)
            y.sum().backward()
            res.append((grad_of(y).tolist(), grad_of(x).tolist()))
        assert res[0] == res[1], order


def test_hook_handle_remove():
    x = f32(1.0, 2.0)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 100)
    (x * 1).sum().backward()
    assert calls == [1]
    assert_grad(x, [100.0, 100.0])
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert calls == [1]
    assert_grad(x, [1.0, 1.0])

    y = x * 2
    h2 = y.register_hook(lambda g: g * 0)
    h2.remove()
    h2.remove()  # removing twice is harmless
    x.grad = None
    y.sum().backward()
    assert_grad(x, [2.0, 2.0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="hook"):
        tg.tensor([1.0]).register_hook(lambda g: g)


# ----------------------------------------------------------------------------- leaves, detach

def test_detach_stops_gradient_and_shares_memory():
    x = f32(1.0, 2.0)
    d = x.detach()
    assert d.requires_grad is False
    assert d.is_leaf
    assert d.grad_fn is None
    assert np.shares_memory(d.numpy(), x.detach().numpy())
    (x * d).sum().backward()
    assert_grad(x, [1.0, 2.0])  # only the non-detached factor contributes


def test_detach_of_non_leaf_cuts_graph():
    x = f32(3.0)
    y = x * x
    z = y.detach() * x
    z.sum().backward()
    assert_grad(x, [9.0])


def test_requires_grad_flag_and_is_leaf():
    a = tg.tensor([1.0, 2.0])
    assert a.requires_grad is False
    assert a.is_leaf
    assert a.requires_grad_() is a
    assert a.requires_grad is True
    assert a.is_leaf
    b = a * 2
    assert b.requires_grad
    assert not b.is_leaf
    a.requires_grad_(False)
    assert a.requires_grad is False
    assert tg.tensor([1.0], requires_grad=True).is_leaf


def test_requires_grad_false_on_non_leaf_raises():
    y = f32(1.0) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_requires_grad_on_detached_creates_new_leaf():
    x = f32(1.0, 2.0)
    d = (x * 2).detach().requires_grad_()
    (d * d).sum().backward()
    assert_grad(d, [4.0, 8.0])
    assert x.grad is None


def test_grad_fn_names():
    x = f32(1.0, 2.0)
    assert x.grad_fn is None
    # PyTorch's node names; the registered op that ran is node.op.name
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert (x + 2).grad_fn.op.name == "add"
    assert x.exp().grad_fn.name() == "ExpBackward0"
    assert (x @ x).grad_fn.name() == "DotBackward0"  # 1-d @ 1-d is a dot product
    assert x.sum().grad_fn.name() == "SumBackward0"


def test_only_some_inputs_require_grad():
    x = f32(1.0, 2.0)
    c = tg.tensor([5.0, 7.0])
    (x * c).sum().backward()
    assert_grad(x, [5.0, 7.0])
    assert c.grad is None


# ----------------------------------------------------------------------------- versions / in-place

def test_modified_saved_output_raises_naming_op_and_versions():
    x = f32(1.0, 2.0)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="inplace") as info:
        y.sum().backward()
    msg = str(info.value)
    assert "exp" in msg
    assert "version 1" in msg
    assert "version 0" in msg


def test_modified_saved_input_raises():
    x = f32(1.0, 2.0)
    w = f32(3.0, 4.0)
    a = x * 1
    b = a * w
    a.mul_(2)
    with pytest.raises(RuntimeError, match=r"mul.*version 1.*version 0"):
        b.sum().backward()


def test_in_place_under_no_grad_still_bumps_version():
    x = f32(1.0, 2.0)
    y = x.exp()
    with tg.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="version 1"):
        y.sum().backward()


def test_modifying_a_saved_leaf_under_no_grad_raises():
    x = f32(1.0, 2.0)
    w = f32(3.0, 4.0)
    y = x * w
    with tg.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match=r"mul.*version 1"):
        y.sum().backward()


def test_detach_shares_version_counter():
    x = f32(1.0, 2.0)
    y = x.exp()
    y.detach().add_(1)
    with pytest.raises(RuntimeError, match="version 1"):
        y.sum().backward()


def test_data_changes_are_not_tracked():
    x = f32(1.0, 2.0)
    w = f32(3.0, 4.0)
    y = x * w
    x.data.add_(1)  # like torch: .data bypasses the version counter
    y.sum().backward()
    assert_grad(w, [2.0, 3.0])


def test_in_place_on_tensor_not_saved_is_fine():
    x = f32(1.0, 2.0)
    w = f32(3.0, 4.0)
    a = x * 1
    b = a + w
    a.add_(1)
    b.sum().backward()
    assert_grad(x, [1.0, 1.0])
    assert_grad(w, [1.0, 1.0])


def test_in_place_on_leaf_requiring_grad_raises():
    x = f32(1.0, 2.0)
    with pytest.raises(RuntimeError, match="leaf"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf"):
        x[0] = 5.0
    assert x.detach().numpy().tolist() == [1.0, 2.0]


def _inplace_cases():
    def c1(lib, x, w):
        y = x * 2
        y.add_(w)
        y.mul_(3)
        y[0] = 0
        return y * y

    def c2(lib, x, w):
        y = x * 1
        y[1:] = w[:2] * 2
        return y.exp()

    def c3(lib, x, w):
        y = x.clone()
        y.sub_(w, alpha=2)
        y.div_(2)
        y.pow_(2)
        return y

    def c4(lib, x, w):
        y = x * 1
        y.clamp_(1.5, 2.5)
        y += w
        y *= w
        y -= 1
        y /= 2
        return y

    def c5(lib, x, w):
        y = x * 1
        y[y > 1.5] = w[0]
        return y * w

    def c6(lib, x, w):
        y = x * 1
        y.copy_(w)
        return y * x

    def c7(lib, x, w):
        y = x * 1
        y.fill_(w[1])
        return y * w

    def c8(lib, x, w):
        y = x * 1
        y[0] = y[1] * 2
        return y * w

    def c9(lib, x, w):
        y = lib.ones(3) * 2
        y.mul_(w)
        y.div_(x)
        return y

    def c10(lib, x, w):
        y = lib.zeros(3)
        y[1] = w[0] * 3
        y[2] = x[1]
        return y * y

    def c11(lib, x, w):
        y = lib.ones(3)
        y += w
        y *= x
        return y

    def c12(lib, x, w):
        y = x * 1
        y.zero_()
        y.add_(w)
        return y * x

    def c13(lib, x, w):
        y = x * 1
        y.copy_(lib.tensor([7.0, 8.0, 9.0]))
        y.mul_(w)
        return y * x

    return [c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13]


@pytest.mark.parametrize("case", _inplace_cases(), ids=lambda f: f.__name__)
def test_in_place_ops_in_graph_match_torch(case):
    torch = pytest.importorskip("torch")
    xs = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    grads = []
    outs = []
    for lib in (tg, torch):
        ins = [lib.tensor(v, requires_grad=True) for v in xs]
        out = case(lib, *ins)
        outs.append(np.array(out.tolist()))
        out.sum().backward()
        grads.append([None if t.grad is None else grad_of(t) for t in ins])
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-6)
    for ours, theirs in zip(grads[0], grads[1], strict=True):
        # None and an all-zero gradient both mean "no contribution"
        ours = np.zeros(3) if ours is None else ours
        theirs = np.zeros(3) if theirs is None else theirs
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_zero_on_non_leaf_cuts_gradient_but_stays_in_graph():
    x = f32(1.0, 2.0, 3.0)
    y = x * 1
    y.zero_()
    assert y.requires_grad
    y.sum().backward()
    assert x.grad is None or grad_of(x).tolist() == [0.0, 0.0, 0.0]


def test_zero_on_non_leaf_cuts_gradient():
    x = f32(1.0, 2.0, 3.0)
    y = x * 1
    y.zero_()
    (y * x).sum().backward()  # y is a constant 0 now: no contribution through y
    assert_grad(x, [0.0, 0.0, 0.0])


def test_fill_number_on_non_leaf_cuts_gradient():
    x = f32(1.0, 2.0, 3.0)
    y = x * 1
    y.fill_(2.0)
    (y * x).sum().backward()
    assert_grad(x, [2.0, 2.0, 2.0])


def test_copy_constant_into_non_leaf_cuts_gradient():
    x = f32(1.0, 2.0, 3.0)
    y = x * 1
    y.copy_(tg.tensor([7.0, 8.0, 9.0]))
    (y * x).sum().backward()
    assert_grad(x, [7.0, 8.0, 9.0])


def test_setitem_constant_everywhere_cuts_gradient():
    x = f32(1.0, 2.0, 3.0)
    y = x * 2
    y[:] = 5.0
    (y * x).sum().backward()
    assert_grad(x, [5.0, 5.0, 5.0])


def test_in_place_on_view_of_graph_tensor_is_refused_clearly():
    # documented limitation: in-place on a view of a graph tensor raises instead of silently
    # giving wrong gradients
    x = f32(1.0, 2.0, 3.0)
    y = x * 1
    with pytest.raises(RuntimeError, match="view"):
        y[0:2].mul_(2)


# ----------------------------------------------------------------------------- broadcasting

def test_broadcast_column_plus_row():
    a = tg.tensor(np.ones((3, 1), np.float32), requires_grad=True)
    b = tg.tensor(np.arange(4, dtype=np.float32), requires_grad=True)
    (a + b).sum().backward()
    assert_grad(a, [[4.0], [4.0], [4.0]])
    assert_grad(b, [3.0, 3.0, 3.0, 3.0])


def test_broadcast_scalar_tensor():
    s = tg.tensor(2.0, requires_grad=True)
    v = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (s * v).sum().backward()
    assert s.grad.shape == ()
    assert s.grad.item() == 6.0
    assert_grad(v, [2.0, 2.0, 2.0])


def test_broadcast_3d_times_2d_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((2, 3, 4))
    b_np = rng.standard_normal((3, 1))
    a = tg.tensor(a_np, requires_grad=True)
    b = tg.tensor(b_np, requires_grad=True)
    (a * b).exp().sum().backward()
    at = torch.tensor(a_np, requires_grad=True)
    bt = torch.tensor(b_np, requires_grad=True)
    (at * bt).exp().sum().backward()
    assert b.grad.shape == (3, 1)
    assert a.grad.shape == (2, 3, 4)
    assert_grad(a, at.grad.numpy(), rtol=1e-10)
    assert_grad(b, bt.grad.numpy(), rtol=1e-10)


def test_broadcast_size_one_dims_both_sides():
    a = tg.tensor(np.ones((1, 3, 1)), requires_grad=True)
    b = tg.tensor(np.ones((2, 1, 4)), requires_grad=True)
    (a * b).sum().backward()
    assert_grad(a, np.full((1, 3, 1), 8.0))
    assert_grad(b, np.full((2, 1, 4), 3.0))


# ----------------------------------------------------------------------------- hand-written SGD

def test_sgd_via_data_mutates_in_place():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    before = p.detach().numpy()
    p.data -= 0.1 * p.grad.data
    after = p.detach().numpy()
    assert after is before or np.shares_memory(after, before)
    np.testing.assert_allclose(after, [0.8, 1.6], rtol=1e-6)
    assert p.is_leaf
    assert p.requires_grad
    assert p.grad_fn is None


def test_sgd_under_no_grad_mutates_in_place():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    arr = p.detach().numpy()
    with tg.no_grad():
        p -= 0.1 * p.grad
    assert np.shares_memory(p.detach().numpy(), arr)
    np.testing.assert_allclose(arr, [0.8, 1.6], rtol=1e-6)
    assert p.is_leaf
    assert p.requires_grad
    assert p.grad_fn is None
    p.grad.zero_()
    assert p.grad.tolist() == [0.0, 0.0]
    (p * p).sum().backward()
    np.testing.assert_allclose(grad_of(p), [1.6, 3.2], rtol=1e-6)


def test_sgd_loop_converges():
    rng = np.random.default_rng(0)
    xs = tg.tensor(rng.standard_normal((64, 3)).astype(np.float32))
    true_w = tg.tensor([[1.5], [-2.0], [0.5]])
    ys = xs @ true_w
    w = tg.zeros(3, 1, requires_grad=True)
    for _ in range(200):
        loss = ((xs @ w - ys) ** 2).mean()
        w.grad = None
        loss.backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
    np.testing.assert_allclose(w.detach().numpy().ravel(), [1.5, -2.0, 0.5], atol=1e-3)


# ----------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("make", [
    lambda: tg.tensor([1, 2], requires_grad=True),
    lambda: tg.tensor([True, False], requires_grad=True),
    lambda: tg.zeros(2, dtype=tg.long, requires_grad=True),
    lambda: tg.arange(3).requires_grad_(),
])
def test_integer_and_bool_tensors_cannot_require_grad(make):
    with pytest.raises(RuntimeError, match="floating point"):
        make()


def test_integer_tensor_requires_grad_raises_like_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="int64"):
        tg.tensor([1, 2], requires_grad=True)


def test_integer_inputs_get_no_grad_but_float_ones_do():
    x = f32(1.0, 2.0)
    idx = tg.tensor([1, 0])
    y = x[idx] * tg.tensor([3, 4])
    y.sum().backward()
    assert y.dtype == tg.float32
    assert_grad(x, [4.0, 3.0])
    assert idx.grad is None


def test_grad_dtype_float32_graph():
    x = f32(1.0, 2.0)
    (x * x).sum().backward()
    assert x.grad.dtype == tg.float32


def test_float32_leaf_in_float64_graph_gets_float32_grad():
    a = f32(1.0, 2.0)
    b = tg.tensor(np.array([3.0, 4.0]))  # float64
    c = a * b
    assert c.dtype == tg.float64
    c.sum().backward()
    assert a.grad.dtype == tg.float32
    assert_grad(a, [3.0, 4.0])


def test_mixed_leaves_keep_their_dtypes():
    a = f32(1.0, 2.0)
    b = tg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == tg.float32
    assert b.grad.dtype == tg.float64
    assert_grad(b, [1.0, 2.0])


def test_cast_is_differentiable():
    a = f32(1.0, 2.0)
    (a.double() * 2).sum().backward()
    assert a.grad.dtype == tg.float32
    assert_grad(a, [2.0, 2.0])
