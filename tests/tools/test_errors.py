"""Bad input raises the exception type PyTorch raises, with a message that helps.

Each case is one mistake written once as ``fn(lib, F)`` and run twice: on torch, to learn which
exception type PyTorch raises for it (nothing is hard-coded), and on tinygrad_edu, which must
raise that same type (or a subclass) with a message naming the op and the shapes/dtypes seen.
"""

from __future__ import annotations

import re

import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def torch_exception_type(fn) -> type[BaseException]:
    """The exception type torch raises for ``fn(torch, torch.nn.functional)``."""
    try:
        fn(torch, TF)
    except Exception as exc:  # noqa: BLE001 - we want whatever torch raises
        return type(exc)
    raise AssertionError("torch accepted this input; the case does not describe a mistake")


def assert_raises_like_torch(fn, *patterns: str) -> str:
    """Our call raises torch's exception type; every regex in ``patterns`` is in the message."""
    exc_type = torch_exception_type(fn)
    with pytest.raises(exc_type, match=patterns[0] if patterns else None) as info:
        fn(tg, F)
    msg = str(info.value)
    for pat in patterns[1:]:
        assert re.search(pat, msg), f"{pat!r} not found in message: {msg!r}"
    return msg


def shape(*dims: int) -> str:
    """Regex for a shape written as a tuple '(2, 3)' or a list '[2, 3]'."""
    inner = r",\s*".join(str(d) for d in dims)
    if len(dims) == 1:
        inner += ",?"
    return rf"[\[(]{inner}[\])]"


# ----------------------------------------------------------------------------- cases


def _inplace_leaf(lib, F):
    x = lib.ones(2, requires_grad=True)
    x.add_(1)


def _iadd_leaf(lib, F):
    x = lib.ones(2, requires_grad=True)
    x += 1


def _mul_leaf(lib, F):
    x = lib.ones(2, requires_grad=True)
    x.mul_(2)


def _setitem_leaf(lib, F):
    x = lib.ones(2, requires_grad=True)
    x[0] = 3.0


def _backward_non_scalar(lib, F):
    x = lib.ones(3, requires_grad=True)
    (x * 2).backward()


def _backward_2d(lib, F):
    x = lib.ones(2, 2, requires_grad=True)
    (x * 2).backward()


def _backward_wrong_gradient_shape(lib, F):
    x = lib.ones(2, requires_grad=True)
    (x * 2).backward(lib.ones(3))


def _backward_no_grad(lib, F):
    lib.ones(2).sum().backward()


CASES = [
    # -- matmul
    pytest.param(lambda L, F: L.ones(2, 3) @ L.ones(4, 5),
                 ["matmul", shape(2, 3), shape(4, 5)], id="matmul_2d"),
    pytest.param(lambda L, F: L.ones(2, 3).matmul(L.ones(2, 3)),
                 ["matmul", shape(2, 3)], id="matmul_method"),
    pytest.param(lambda L, F: L.ones(3) @ L.ones(4),
                 ["matmul", shape(3), shape(4)], id="matmul_1d"),
    pytest.param(lambda L, F: L.ones(5, 2, 3) @ L.ones(4, 2),
                 ["matmul", shape(5, 2, 3), shape(4, 2)], id="matmul_batched"),
    pytest.param(lambda L, F: L.ones(2, 2, 3) @ L.ones(3, 3, 4),
                 ["matmul", r"\b2\b", r"\b3\b"], id="matmul_batch_dims"),
    pytest.param(lambda L, F: L.ones(2, 3).mm(L.ones(4, 5)),
                 ["m", shape(2, 3), shape(4, 5)], id="mm"),
    pytest.param(lambda L, F: F.linear(L.ones(2, 3), L.ones(4, 5)),
                 ["matmul|linear", r"2x3"], id="linear"),
    pytest.param(lambda L, F: L.tensor(1.0) @ L.ones(2),
                 ["matmul", r"1 dim|1D"], id="matmul_0d"),
    # -- broadcasting
    pytest.param(lambda L, F: L.ones(2, 3) + L.ones(4),
                 ["add", shape(2, 3), shape(4), r"dimension 1"], id="add_broadcast"),
    pytest.param(lambda L, F: L.ones(2, 3) * L.ones(3, 2),
                 ["mul", shape(2, 3), shape(3, 2)], id="mul_broadcast"),
    pytest.param(lambda L, F: L.ones(2, 3) - L.ones(2),
                 ["sub", shape(2, 3), shape(2)], id="sub_broadcast"),
    pytest.param(lambda L, F: L.ones(2, 3) / L.ones(2),
                 ["div", shape(2, 3), shape(2)], id="div_broadcast"),
    pytest.param(lambda L, F: L.ones(4, 3) ** L.ones(2, 1, 2),
                 ["pow", shape(4, 3), shape(2, 1, 2)], id="pow_broadcast"),
    pytest.param(lambda L, F: L.ones(3).add_(L.ones(2, 3)),
                 ["add_", shape(3), shape(2, 3)], id="inplace_add_broadcast"),
    pytest.param(lambda L, F: L.ones(3).expand(4, 2),
                 ["expand", r"\b3\b", r"\b2\b"], id="expand"),
    pytest.param(lambda L, F: L.where(L.ones(2) > 0, L.ones(3), L.ones(2)),
                 ["where", shape(3)], id="where_broadcast"),
    # -- cross_entropy / nll_loss targets
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3), L.tensor([0.0, 1.0])),
                 ["cross_entropy", "float32", "Long"], id="ce_float_labels"),
    pytest.param(lambda L, F: F.nll_loss(L.ones(2, 3), L.tensor([0.0, 1.0])),
                 ["nll_loss", "float32", "Long"], id="nll_float_labels"),
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3), L.tensor([0, 3])),
                 [r"Target 3 is out of bounds", r"\[0, 2\]"], id="ce_target_too_big"),
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3), L.tensor([0, -1])),
                 [r"Target -1 is out of bounds", r"\[0, 2\]"], id="ce_target_negative"),
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3, 2, 2),
                                              L.zeros(2, 2, 2, dtype=L.long) + 3),
                 [r"Target 3 is out of bounds"], id="ce_target_too_big_spatial"),
    pytest.param(lambda L, F: F.nll_loss(L.ones(2, 3), L.tensor([0, 5])),
                 [r"nll_loss", r"Target 5 is out of bounds", r"\[0, 2\]"],
                 id="nll_target_too_big"),
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3), L.tensor([0, 1, 2])),
                 [r"batch_size", r"\b2\b", r"\b3\b"], id="ce_batch_mismatch"),
    pytest.param(lambda L, F: F.nll_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(4)),
                 ["nll_loss", r"weight", shape(4)], id="nll_weight_shape"),
    # -- backward
    pytest.param(_backward_non_scalar, ["backward", "scalar", shape(3)],
                 id="backward_non_scalar"),
    pytest.param(_backward_2d, ["backward", "scalar", shape(2, 2)], id="backward_2d"),
    pytest.param(_backward_wrong_gradient_shape, ["backward", shape(3), shape(2)],
                 id="backward_gradient_shape"),
    pytest.param(_backward_no_grad, ["does not require grad"], id="backward_no_grad"),
    # -- in-place on a leaf
    pytest.param(_inplace_leaf, ["add_", "leaf", "in-place"], id="inplace_add_leaf"),
    pytest.param(_iadd_leaf, ["leaf", "in-place"], id="iadd_leaf"),
    pytest.param(_mul_leaf, ["mul_", "leaf"], id="inplace_mul_leaf"),
    pytest.param(_setitem_leaf, ["leaf", "in-place"], id="setitem_leaf"),
    pytest.param(lambda L, F: L.ones(3, dtype=L.long).add_(1.5),
                 ["add_", "float32", "int64"], id="inplace_int_result_float"),
    # -- indexing
    pytest.param(lambda L, F: L.ones(2, 3)[0, 5],
                 [r"index 5 is out of bounds", r"dimension 1", r"size 3"], id="index_int"),
    pytest.param(lambda L, F: L.ones(2, 3)[2],
                 [r"index 2 is out of bounds", r"dimension 0", r"size 2"], id="index_int_dim0"),
    pytest.param(lambda L, F: L.ones(2, 3)[-3],
                 [r"index -3 is out of bounds", r"dimension 0", r"size 2"], id="index_negative"),
    pytest.param(lambda L, F: L.ones(2, 3)[L.tensor([0, 4])],
                 [r"index 4 is out of bounds", r"dimension 0", r"size 2"], id="index_array"),
    pytest.param(lambda L, F: L.ones(2, 3)[[0, 7]],
                 [r"index 7 is out of bounds", r"dimension 0", r"size 2"], id="index_list"),
    pytest.param(lambda L, F: L.ones(2, 3)[:, L.tensor([0, 3])],
                 [r"index 3 is out of bounds", r"size 3"], id="index_array_dim1"),
    pytest.param(lambda L, F: L.ones(2, 3)[0, 0, 0],
                 [r"too many indices", r"\b2\b"], id="index_too_many"),
    pytest.param(lambda L, F: L.ones(3)[L.tensor([True, False])],
                 [r"mask", r"\b2\b", r"\b3\b"], id="index_mask_shape"),
    pytest.param(lambda L, F: L.ones(3)[L.tensor([0.0, 1.0])],
                 [r"long|int", "bool"], id="index_float_tensor"),
    pytest.param(lambda L, F: L.ones(2, 3).__setitem__((0, 5), 1.0),
                 [r"index 5 is out of bounds", r"dimension 1", r"size 3"], id="setitem_index"),
    # -- reshape
    pytest.param(lambda L, F: L.ones(2, 3).reshape(4, 2),
                 ["reshape", shape(4, 2), r"\b6\b"], id="reshape"),
    pytest.param(lambda L, F: L.ones(2, 3).view(5),
                 [r"reshape|view", shape(5), r"\b6\b"], id="view"),
    pytest.param(lambda L, F: L.ones(2, 3).reshape(-1, 4),
                 ["reshape", shape(-1, 4), r"\b6\b"], id="reshape_infer"),
    # -- dims out of range
    pytest.param(lambda L, F: L.ones(2, 3).sum(2),
                 ["sum", r"Dimension out of range", r"\[-2, 1\]", r"got 2"], id="sum_dim"),
    pytest.param(lambda L, F: L.ones(2, 3).sum(-3),
                 ["sum", r"Dimension out of range", r"got -3"], id="sum_dim_negative"),
    pytest.param(lambda L, F: L.ones(2, 3).softmax(2),
                 ["softmax", r"Dimension out of range", r"got 2"], id="softmax_dim"),
    pytest.param(lambda L, F: F.softmax(L.ones(2, 3), dim=5),
                 ["softmax", r"Dimension out of range", r"got 5"], id="F_softmax_dim"),
    pytest.param(lambda L, F: F.log_softmax(L.ones(2, 3), dim=-3),
                 ["log_softmax", r"Dimension out of range"], id="F_log_softmax_dim"),
    pytest.param(lambda L, F: L.ones(2, 3).mean(3),
                 ["mean", r"Dimension out of range"], id="mean_dim"),
    pytest.param(lambda L, F: L.ones(2, 3).max(2),
                 ["max", r"Dimension out of range"], id="max_dim"),
    pytest.param(lambda L, F: L.ones(2, 3).transpose(0, 2),
                 ["transpose", r"Dimension out of range"], id="transpose_dim"),
    pytest.param(lambda L, F: L.ones(2, 3).sum(dim=(0, 0)),
                 ["sum", r"multiple times"], id="sum_duplicate_dims"),
    # -- cat / stack
    pytest.param(lambda L, F: L.cat([L.ones(2, 3), L.ones(2, 4)], 0),
                 ["cat", shape(2, 3), shape(2, 4)], id="cat_sizes"),
    pytest.param(lambda L, F: L.cat([L.ones(2, 3), L.ones(3)], 0),
                 ["cat", shape(2, 3), shape(3)], id="cat_ndim"),
    pytest.param(lambda L, F: L.cat([L.ones(2, 3), L.ones(2, 3)], 2),
                 ["cat", r"Dimension out of range"], id="cat_dim"),
    pytest.param(lambda L, F: L.stack([L.ones(2), L.ones(3)]),
                 ["stack", shape(2), shape(3)], id="stack_sizes"),
    # -- binary cross-entropy range
    pytest.param(lambda L, F: F.binary_cross_entropy(L.tensor([0.5, 1.5]), L.tensor([0.0, 1.0])),
                 ["binary_cross_entropy", r"between 0 and 1", r"1\.5"], id="bce_above_one"),
    pytest.param(lambda L, F: F.binary_cross_entropy(L.tensor([-0.5, 0.5]), L.tensor([0.0, 1.0])),
                 ["binary_cross_entropy", r"between 0 and 1", r"-0\.5"], id="bce_negative"),
    pytest.param(lambda L, F: F.binary_cross_entropy(L.ones(3) * 0.5, L.ones(2)),
                 ["binary_cross_entropy", r"target size", shape(2), shape(3)],
                 id="bce_target_shape"),
    # -- reduction strings
    pytest.param(lambda L, F: F.mse_loss(L.ones(2), L.ones(2), reduction="avg"),
                 ["mse_loss", "avg"], id="mse_reduction"),
    pytest.param(lambda L, F: F.l1_loss(L.ones(2), L.ones(2), reduction="bad"),
                 ["l1_loss", "bad"], id="l1_reduction"),
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3), L.tensor([0, 1]), reduction="avg"),
                 ["cross_entropy", "avg"], id="ce_reduction"),
    pytest.param(lambda L, F: F.nll_loss(L.ones(2, 3), L.tensor([0, 1]), reduction="avg"),
                 ["nll_loss", "avg"], id="nll_reduction"),
    pytest.param(lambda L, F: F.binary_cross_entropy(L.ones(2) * 0.5, L.ones(2),
                                                     reduction="bad"),
                 ["binary_cross_entropy", "bad"], id="bce_reduction"),
    pytest.param(lambda L, F: F.binary_cross_entropy_with_logits(L.ones(2), L.ones(2),
                                                                 reduction="bad"),
                 ["binary_cross_entropy_with_logits", "bad"], id="bce_logits_reduction"),
    pytest.param(lambda L, F: F.mse_loss(L.ones(2), L.ones(2), reduction=None),
                 ["mse_loss", "None"], id="mse_reduction_none_object"),
    # -- requires_grad on non-float tensors
    pytest.param(lambda L, F: L.tensor([1, 2], requires_grad=True),
                 [r"floating point", "int64"], id="int_requires_grad"),
    pytest.param(lambda L, F: L.tensor([1, 2]).requires_grad_(),
                 ["requires_grad", r"floating point", "int64"], id="int_requires_grad_"),
    pytest.param(lambda L, F: L.tensor([True]).requires_grad_(),
                 [r"floating point", "bool"], id="bool_requires_grad_"),
    pytest.param(lambda L, F: L.zeros(2, dtype=L.long, requires_grad=True),
                 [r"floating point", "int64"], id="zeros_long_requires_grad"),
    # -- other common mistakes
    pytest.param(lambda L, F: L.ones(2).item(), ["item", r"\b2\b"], id="item_multi"),
    pytest.param(lambda L, F: L.ones(2, requires_grad=True).numpy(),
                 ["numpy", "detach"], id="numpy_requires_grad"),
    pytest.param(lambda L, F: (L.ones(2, requires_grad=True) * 2).requires_grad_(False),
                 ["leaf"], id="requires_grad_false_non_leaf"),
    pytest.param(lambda L, F: L.ones(2).retain_grad(), ["retain_grad"], id="retain_grad_no_grad"),
    pytest.param(lambda L, F: L.tensor([1, 2]).mean(), ["mean", "int64"], id="mean_int"),
    pytest.param(lambda L, F: L.ones(2).masked_fill(L.ones(2), 0.0),
                 ["masked_fill", "bool", "float32"], id="masked_fill_float_mask"),
    pytest.param(lambda L, F: L.ones(2, 3).permute(0, 0), ["permute"], id="permute_duplicate"),
    pytest.param(lambda L, F: L.ones(2, 2, 2).t(), [r"\bt\b", r"\b3\b"], id="t_3d"),
    pytest.param(lambda L, F: L.ones(2, 3).repeat(2), ["repeat"], id="repeat_too_few"),
    pytest.param(lambda L, F: L.ones(4).split([1, 2]), ["split", r"\b4\b"], id="split_sizes"),
    pytest.param(lambda L, F: L.ones(2, 3).flatten(1, 0), ["flatten", "end_dim"],
                 id="flatten_dims"),
    pytest.param(lambda L, F: L.arange(0, 5, 0), ["arange", "step"], id="arange_zero_step"),
    pytest.param(lambda L, F: L.ones(0).amax(), ["amax", shape(0)], id="amax_empty"),
    pytest.param(lambda L, F: L.from_numpy([1, 2]), ["from_numpy", "list"],
                 id="from_numpy_list"),
    pytest.param(lambda L, F: L.ones(2) + "a", ["str"], id="add_str"),
]


@pytest.mark.parametrize(("fn", "patterns"), CASES)
def test_error_type_matches_torch_and_message_helps(fn, patterns):
    assert_raises_like_torch(fn, *patterns)


# ----------------------------------------------------------------------------- details


def test_matmul_message_has_both_shapes():
    msg = assert_raises_like_torch(lambda L, F: L.ones(2, 3) @ L.ones(4, 5))
    assert "torch.Size([2, 3])" in msg  # a tensor's shape prints as in PyTorch
    assert "torch.Size([4, 5])" in msg


def test_second_backward_message():
    def fn(lib, F):
        x = lib.ones(2, requires_grad=True)
        y = (x.exp() * 2).sum()
        y.backward()
        y.backward()

    assert_raises_like_torch(fn, "second time", "retain_graph=True")


def test_version_error_message_names_op_and_versions():
    def fn(lib, F):
        x = lib.ones(2, requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    assert_raises_like_torch(fn, "inplace", "exp", "version 1", "version 0")


def test_ignore_index_target_is_not_out_of_range():
    loss = F.cross_entropy(tg.ones(2, 3), tg.tensor([0, -100]))
    expected = TF.cross_entropy(torch.ones(2, 3), torch.tensor([0, -100]))
    assert loss.item() == pytest.approx(expected.item())


def test_errors_leave_no_partial_state():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        x.add_(1)
    assert x.detach().numpy().tolist() == [1.0, 2.0]
    y = tg.ones(3)
    with pytest.raises(RuntimeError):
        y.add_(tg.ones(2, 3))
    assert y.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(IndexError):
        y[5] = 2.0
    assert y.tolist() == [1.0, 1.0, 1.0]


def test_cross_entropy_target_error_names_cross_entropy():
    with pytest.raises(IndexError, match="cross_entropy"):
        F.cross_entropy(tg.ones(2, 3), tg.tensor([0, 3]))


def test_setitem_index_error_names_setitem():
    with pytest.raises(IndexError, match="setitem"):
        tg.ones(2, 3)[0, 5] = 1.0


# ------------------------------------------------------------------------- once-mismatched errors


def _bool_sub(lib, F):
    return lib.tensor([True, False]) - lib.tensor([False, False])


def _grad_wrong_shape(lib, F):
    p = lib.ones(2, requires_grad=True)
    p.grad = lib.ones(3)


MISMATCHES = [
    pytest.param(_bool_sub, ["sub|-", "bool"], id="bool_minus_bool"),
    pytest.param(lambda L, F: L.zeros(-1), ["zeros", "-1"], id="zeros_negative_size"),
    pytest.param(lambda L, F: L.ones(2.5), ["ones", r"2\.5"], id="ones_float_size"),
    pytest.param(_grad_wrong_shape, ["grad", shape(3), shape(2)], id="grad_assign_wrong_shape"),
    pytest.param(lambda L, F: L.ones(2, 3).__setitem__(0, L.ones(4)),
                 ["setitem", shape(4), shape(3)], id="setitem_value_shape"),
    pytest.param(lambda L, F: L.ones(2, 3).__setitem__(slice(None), L.ones(2)),
                 ["setitem", shape(2), shape(2, 3)], id="setitem_value_broadcast"),
    pytest.param(lambda L, F: L.ones(4).chunk(0), ["chunk", r"\b0\b"], id="chunk_zero"),
    pytest.param(lambda L, F: L.tensor([2]) ** -1, ["pow", "negative"], id="int_pow_negative"),
    pytest.param(lambda L, F: F.binary_cross_entropy(L.tensor([float("nan")]), L.ones(1)),
                 ["binary_cross_entropy", "between 0 and 1"], id="bce_nan_input"),
    pytest.param(lambda L, F: L.cat([]), ["cat", "non-empty"], id="cat_empty"),
    pytest.param(lambda L, F: F.cross_entropy(L.ones(2, 3), L.tensor([0, 1]),
                                              label_smoothing=1.5),
                 ["cross_entropy", "label_smoothing", r"1\.5"], id="ce_label_smoothing"),
    pytest.param(lambda L, F: L.tensor(None), ["tensor", "NoneType"], id="tensor_none"),
    pytest.param(lambda L, F: L.tensor([[1, 2], [3]]), ["tensor", r"length|shape"],
                 id="tensor_ragged"),
]


@pytest.mark.parametrize(("fn", "patterns"), MISMATCHES)
def test_formerly_mismatched_errors(fn, patterns):
    assert_raises_like_torch(fn, *patterns)

