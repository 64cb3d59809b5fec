"""Issue 15, part B: the reduction, sorting, scan and indexing names of torch, compared with
torch itself: values, dtypes, shapes, gradients, argument spellings (``axis``/``keepdims``,
``out=``), errors, and the edge cases (negative dims, keepdim, 0-d, empty, ints and bools, ties).

Each case is one function ``case(lib, *inputs)`` written once and run on both libraries, with
``lib`` the module (``tinygrad_edu`` or ``torch``) and the inputs converted from numpy.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = pytest.mark.torch

RNG = np.random.default_rng(15)
X = RNG.standard_normal((3, 4, 5))
X2 = RNG.standard_normal((4, 6))
TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.5, -1.0, 2.0]])
INTS = RNG.integers(-5, 6, (3, 4)).astype(np.int32)
BOOLS = RNG.random((3, 4)) < 0.5
NANS = np.array([[1.0, np.nan, 2.0, 5.0], [4.0, 3.0, np.nan, -1.0], [3.0, np.nan, 0.5, 0.0]])


def _to(lib: Any, a: Any, grad: bool) -> Any:
    if not isinstance(a, np.ndarray):
        return a
    if lib is torch:
        t = torch.tensor(a)
        return t.requires_grad_(True) if grad and a.dtype.kind == "f" else t
    t = tg.tensor(a)
    return t.requires_grad_(True) if grad and a.dtype.kind == "f" else t


def _flat(out: Any) -> list[Any]:
    if isinstance(out, tuple | list):
        return [o for item in out for o in _flat(item)]
    return [out]


def _numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def compare(case: Callable[..., Any], *inputs: Any, grad: bool = True, rtol: float = 1e-7,
            atol: float = 1e-10) -> None:
    """Run ``case`` on both libraries; compare outputs (type of tuple, shape, dtype, values)
    and, when ``grad``, the gradients of the float inputs for a random cotangent."""
    ours_in = [_to(tg, a, grad) for a in inputs]
    theirs_in = [_to(torch, a, grad) for a in inputs]
    ours, theirs = case(tg, *ours_in), case(torch, *theirs_in)
    if isinstance(theirs, tuple) and hasattr(theirs, "_fields"):
        assert tuple(ours._fields) == tuple(theirs._fields)  # values/indices, min/max, ...
    ours_flat, theirs_flat = _flat(ours), _flat(theirs)
    assert len(ours_flat) == len(theirs_flat)
    for o, t in zip(ours_flat, theirs_flat, strict=True):
        got, want = _numpy(o), _numpy(t)
        assert got.shape == want.shape, (got.shape, want.shape)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not grad:
        return
    rng = np.random.default_rng(0)
    pairs = [(o, t) for o, t in zip(ours_flat, theirs_flat, strict=True)
             if getattr(t, "requires_grad", False)]
    if not pairs:
        return
    loss_o, loss_t = 0, 0
    for o, t in pairs:
        g = rng.standard_normal(t.shape)
        loss_o = loss_o + (o * tg.tensor(g).type(o.dtype)).sum()
        loss_t = loss_t + (t * torch.tensor(g, dtype=t.dtype)).sum()
    loss_o.backward()
    loss_t.backward()
    for o, t in zip(ours_in, theirs_in, strict=True):
        if getattr(t, "requires_grad", False):
            want = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
            got = o.grad.numpy() if o.grad is not None else np.zeros(o.shape)
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# ----------------------------------------------------------------------------- sorting

SORT_CASES = {
    "sort": lambda lib, x: x.sort(),
    "sort_dim0_desc": lambda lib, x: lib.sort(x, 0, True),
    "sort_negdim_kw": lambda lib, x: x.sort(dim=-2, descending=True),
    "sort_axis": lambda lib, x: x.sort(axis=1),
    "argsort": lambda lib, x: lib.argsort(x, dim=1, descending=True),
    "msort": lambda lib, x: lib.msort(x),
    "topk": lambda lib, x: x.topk(2),
    "topk_smallest_dim0": lambda lib, x: lib.topk(x, 3, dim=0, largest=False),
    "topk_k0": lambda lib, x: x.topk(0, 1),
    "kthvalue": lambda lib, x: x.kthvalue(2, 1),
    "kthvalue_keepdim": lambda lib, x: lib.kthvalue(x, 3, -1, keepdim=True),
    "median_all": lambda lib, x: x.median(),
    "median_dim": lambda lib, x: lib.median(x, 1),
    "median_keepdim": lambda lib, x: x.median(-1, keepdim=True),
    "median_keepdims_alias": lambda lib, x: x.median(axis=0, keepdims=True),
    "nanmedian_dim": lambda lib, x: lib.nanmedian(x, 2),
    "quantile_all": lambda lib, x: x.quantile(0.3),
    "quantile_dim": lambda lib, x: lib.quantile(x, 0.75, dim=1, keepdim=True),
    "quantile_q_tensor": lambda lib, x: x.quantile(lib.tensor([0.1, 0.5, 1.0],
                                                              dtype=x.dtype), dim=-1),
    "quantile_q_tensor_keepdim": lambda lib, x: x.quantile(
        lib.tensor([0.2, 0.9], dtype=x.dtype), dim=0, keepdim=True),
    "quantile_all_keepdim": lambda lib, x: x.quantile(0.6, keepdim=True),
    "nanquantile": lambda lib, x: lib.nanquantile(x, 0.4, dim=1),
}


@pytest.mark.parametrize("name", sorted(SORT_CASES))
def test_sorting_on_distinct_values(name: str) -> None:
    compare(SORT_CASES[name], X)


@pytest.mark.parametrize("how", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolations(how: str) -> None:
    for q in (0.0, 0.25, 0.5, 0.7, 1.0):
        compare(lambda lib, x, q=q: x.quantile(q, dim=1, interpolation=how), X2, rtol=1e-6)


def test_sort_ties_route_gradient_like_stable_torch_sort() -> None:
    compare(lambda lib, x: x.sort(stable=True), TIES)
    compare(lambda lib, x: x.sort(dim=-1, descending=True, stable=True), TIES)
    compare(lambda lib, x: x.argsort(dim=1, stable=True), TIES, grad=False)


def test_median_ties() -> None:
    compare(lambda lib, x: x.median(), TIES)  # shares the gradient among equal values
    compare(lambda lib, x: x.median(1), TIES)  # gradient to the returned index
    compare(lambda lib, x: x.median(), INTS, grad=False)
    compare(lambda lib, x: x.median(0), INTS, grad=False)


def test_mode() -> None:
    modes = np.array([[1.0, 2.0, 2.0, 3.0, 3.0, 0.0], [4.0, 4.0, 1.0, 1.0, 1.0, 4.0]])
    compare(lambda lib, x: x.mode(), modes)
    compare(lambda lib, x: lib.mode(x, 0, keepdim=True), modes)
    compare(lambda lib, x: x.mode(1), INTS, grad=False)


def test_nan_handling() -> None:
    compare(lambda lib, x: x.sort(1), NANS, grad=False)
    compare(lambda lib, x: x.sort(1, descending=True), NANS, grad=False)
    compare(lambda lib, x: x.median(1), NANS, grad=False)
    compare(lambda lib, x: x.median(), NANS, grad=False)
    compare(lambda lib, x: x.nanmedian(), NANS, grad=False)
    compare(lambda lib, x: x.nanmedian(1), NANS, grad=False)
    compare(lambda lib, x: x.quantile(0.5, dim=1), NANS, grad=False)
    compare(lambda lib, x: x.nanquantile(0.5, dim=1), NANS, grad=False)
    compare(lambda lib, x: x.nanquantile(0.5), NANS)
    all_nan = np.full((2, 3), np.nan)
    assert np.isnan(tg.tensor(all_nan).nanmedian(1).values.numpy()).all()
    compare(lambda lib, x: x.nanquantile(0.3, dim=1), all_nan, grad=False)


def test_int_and_bool_sorting() -> None:
    compare(lambda lib, x: x.sort(0), INTS, grad=False)
    compare(lambda lib, x: x.sort(dim=1, descending=True, stable=True), INTS, grad=False)
    compare(lambda lib, x: x.sort(dim=1, stable=True), BOOLS, grad=False)
    compare(lambda lib, x: x.topk(2), INTS.astype(np.int64) * 10 + np.arange(4), grad=False)


def test_sorting_0d_and_empty() -> None:
    s = np.array(2.5)
    for case in (lambda lib, x: x.sort(), lambda lib, x: x.argsort(), lambda lib, x: x.topk(1),
                 lambda lib, x: x.kthvalue(1), lambda lib, x: x.median(),
                 lambda lib, x: x.median(0), lambda lib, x: x.quantile(0.5),
                 lambda lib, x: x.cumsum(0), lambda lib, x: x.cumprod(-1),
                 lambda lib, x: x.cummax(0), lambda lib, x: x.logcumsumexp(0)):
        compare(case, s)
    e = np.zeros((2, 0))
    compare(lambda lib, x: x.sort(1), e, grad=False)
    compare(lambda lib, x: x.cumsum(1), e, grad=False)
    compare(lambda lib, x: x.cumprod(0), e, grad=False)
    compare(lambda lib, x: x.cummin(1), e, grad=False)
    compare(lambda lib, x: x.median(), np.zeros(0), grad=False)


def test_sorting_errors() -> None:
    x = tg.tensor(X)
    with pytest.raises(RuntimeError, match="topk"):
        x.topk(6)
    with pytest.raises(RuntimeError, match="kthvalue"):
        x.kthvalue(0)
    with pytest.raises(RuntimeError, match="only 1 value"):
        tg.tensor(2.0).index_select(0, tg.tensor([0, 0]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sort(3)
    with pytest.raises(RuntimeError, match="q values must be in the range"):
        x.quantile(1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        tg.tensor(INTS).quantile(0.5)
    with pytest.raises(ValueError, match="interpolation"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(IndexError, match="non-zero size"):
        tg.zeros(2, 0).median(1)
    with pytest.raises(IndexError, match="non-zero size"):
        tg.zeros(2, 0).mode(1)
    with pytest.raises(RuntimeError, match="non-empty"):
        tg.zeros(0).quantile(0.5)
    with pytest.raises(TypeError, match="alias"):
        x.sort(dim=0, axis=1)


# ----------------------------------------------------------------------------- scans

SCAN_CASES = {
    "cumsum": lambda lib, x: x.cumsum(1),
    "cumsum_fn_neg": lambda lib, x: lib.cumsum(x, -1),
    "cumsum_axis": lambda lib, x: x.cumsum(axis=0),
    "cumsum_dtype": lambda lib, x: x.cumsum(1, dtype=lib.float32),
    "cumprod": lambda lib, x: x.cumprod(2),
    "cumprod_fn": lambda lib, x: lib.cumprod(x, dim=0),
    "cummax": lambda lib, x: x.cummax(1),
    "cummin": lambda lib, x: lib.cummin(x, -1),
    "logcumsumexp": lambda lib, x: x.logcumsumexp(2),
    "logcumsumexp_fn": lambda lib, x: lib.logcumsumexp(x * 400, 0),
    "diff": lambda lib, x: x.diff(),
    "diff_n2_dim0": lambda lib, x: lib.diff(x, n=2, dim=0),
    "diff_prepend_append": lambda lib, x: x.diff(dim=1, prepend=x[:, :2] * 2,
                                                 append=x[:, :1]),
    "diff_n_large": lambda lib, x: x.diff(n=7),
}


@pytest.mark.parametrize("name", sorted(SCAN_CASES))
def test_scans(name: str) -> None:
    compare(SCAN_CASES[name], X, rtol=1e-6 if "logcumsumexp" in name or "dtype" in name else
            1e-7)


def test_cumprod_gradient_with_zeros() -> None:
    z = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 2.0, 4.0], [1.5, -2.0, 0.5, 0.0]])
    compare(lambda lib, x: x.cumprod(1), z)
    compare(lambda lib, x: x.cumprod(0), z)


def test_cummax_ties_and_nan() -> None:
    t = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 0.0, 0.0, np.nan, 5.0]])
    compare(lambda lib, x: x.cummax(1), t)
    compare(lambda lib, x: x.cummin(1), t)
    compare(lambda lib, x: x.cummax(0), BOOLS, grad=False)
    compare(lambda lib, x: x.cummin(1), INTS, grad=False)


def test_logcumsumexp_at_minus_inf() -> None:
    """Values match torch; the gradient of a -inf input is 0 here (exp(-inf) = 0), where torch
    gives NaN."""
    data = np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, 2.0]])
    compare(lambda lib, x: x.logcumsumexp(-1), data, grad=False)
    x = tg.tensor(data, requires_grad=True)
    x.logcumsumexp(-1).sum().backward()
    t = torch.tensor(data, requires_grad=True)
    t.logcumsumexp(-1).sum().backward()
    finite = np.isfinite(data)
    np.testing.assert_allclose(x.grad.numpy()[finite], t.grad.numpy()[finite])
    assert (x.grad.numpy()[~finite] == 0).all()


def test_scan_dtypes() -> None:
    for data in (INTS, BOOLS, INTS.astype(np.int64), INTS.astype(np.int16)):
        compare(lambda lib, x: x.cumsum(0), data, grad=False)
        compare(lambda lib, x: x.cumprod(1), data, grad=False)
    compare(lambda lib, x: x.diff(), BOOLS, grad=False)
    compare(lambda lib, x: x.diff(dim=0), INTS, grad=False)
    with pytest.raises(RuntimeError, match="one-dimensional"):
        tg.tensor(1.0).diff()


# ----------------------------------------------------------------------------- reductions

REDUCE_CASES = {
    "sum_axis": lambda lib, x: x.sum(axis=1),
    "sum_axis_keepdims": lambda lib, x: x.sum(axis=(0, 2), keepdims=True),
    "sum_fn_axis": lambda lib, x: lib.sum(x, axis=-1, keepdim=True),
    "mean_axis": lambda lib, x: x.mean(axis=0, keepdims=True),
    "mean_dtype": lambda lib, x: x.mean(1, dtype=lib.float32),
    "prod_axis": lambda lib, x: x.prod(axis=1),
    "max_axis": lambda lib, x: x.max(axis=1),
    "min_axis_keepdims": lambda lib, x: x.min(axis=-1, keepdims=True),
    "amax_axis": lambda lib, x: x.amax(axis=(0, 1)),
    "amin_axis": lambda lib, x: lib.amin(x, axis=2, keepdims=True),
    "argmax_axis": lambda lib, x: x.argmax(axis=1),
    "argmin_axis": lambda lib, x: x.argmin(axis=0, keepdims=True),
    "std_axis": lambda lib, x: x.std(axis=1, keepdims=True),
    "var_axis": lambda lib, x: x.var(axis=0, correction=0),
    "logsumexp_axis": lambda lib, x: x.logsumexp(axis=1),
    "softmax_axis": lambda lib, x: x.softmax(axis=1),
    "aminmax": lambda lib, x: x.aminmax(),
    "aminmax_dim": lambda lib, x: lib.aminmax(x, dim=1, keepdim=True),
    "nansum": lambda lib, x: x.nansum(),
    "nansum_dim": lambda lib, x: lib.nansum(x, 1, keepdim=True),
    "nanmean_dim": lambda lib, x: x.nanmean(axis=(0, 2)),
    "var_mean": lambda lib, x: lib.var_mean(x, 1),
    "var_mean_unbiased_keepdim": lambda lib, x: lib.var_mean(x, 1, False, True),
    "var_mean_correction": lambda lib, x: lib.var_mean(x, dim=(0, 2), correction=0,
                                                       keepdim=True),
    "std_mean": lambda lib, x: lib.std_mean(x),
    "std_mean_dim": lambda lib, x: lib.std_mean(x, dim=-1, unbiased=False),
    "std_mean_axis": lambda lib, x: lib.std_mean(x, axis=0, keepdims=True),
}


@pytest.mark.parametrize("name", sorted(REDUCE_CASES))
def test_reductions(name: str) -> None:
    compare(REDUCE_CASES[name], X, rtol=1e-6)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, 0.5, np.inf, -np.inf, 0])
def test_norm(p: Any) -> None:
    compare(lambda lib, x: x.norm(p), X, rtol=1e-6)
    compare(lambda lib, x: lib.norm(x, p, dim=1, keepdim=True), X, rtol=1e-6)
    compare(lambda lib, x: x.norm(p, dim=-1), X, rtol=1e-6)
    if p != "fro":
        compare(lambda lib, x: x.norm(p=p, dim=(0, 2)), X, rtol=1e-6)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, np.inf])
def test_norm_gradient_at_zero(p: Any) -> None:
    zero = np.zeros((2, 3))
    compare(lambda lib, x: x.norm(p), zero)
    compare(lambda lib, x: x.norm(p, dim=1), np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]]))


def test_norm_dtype_and_errors() -> None:
    compare(lambda lib, x: x.float().norm(dtype=lib.float64), X, rtol=1e-6)
    compare(lambda lib, x: lib.dist(x, x[0] * 0.5), X, rtol=1e-6)
    compare(lambda lib, x: lib.dist(x, x[0], 1), X, rtol=1e-6)
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([1, 2]).norm()
    with pytest.raises(RuntimeError, match="2-tuple"):
        tg.tensor(X).norm("fro", dim=(0, 1, 2))
    with pytest.raises(RuntimeError, match="narrowing"):
        tg.tensor(X).norm(dtype=tg.float32)


def test_nan_reductions() -> None:
    compare(lambda lib, x: x.nansum(), NANS)
    compare(lambda lib, x: x.nansum(0), NANS)
    compare(lambda lib, x: x.nanmean(1, keepdim=True), NANS)
    compare(lambda lib, x: x.nanmean(), NANS)
    compare(lambda lib, x: x.nansum(1), INTS, grad=False)
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor(INTS).nanmean()


def test_all_any_count_nonzero() -> None:
    for data in (BOOLS, INTS, X2 > 0, np.zeros((2, 0), bool)):
        for case in (lambda lib, x: x.all(), lambda lib, x: x.any(),
                     lambda lib, x: x.all(1), lambda lib, x: lib.any(x, 0, keepdim=True),
                     lambda lib, x: x.all(dim=-1, keepdim=True), lambda lib, x: x.any(axis=1),
                     lambda lib, x: x.count_nonzero(), lambda lib, x: lib.count_nonzero(x, 0),
                     lambda lib, x: x.count_nonzero(dim=(0, 1))):
            compare(case, data, grad=False)


def test_integer_reduction_dtypes() -> None:
    for data in (INTS, BOOLS, INTS.astype(np.int16)):
        compare(lambda lib, x: x.sum(), data, grad=False)
        compare(lambda lib, x: x.sum(axis=1), data, grad=False)
        compare(lambda lib, x: x.prod(1), data, grad=False)
        compare(lambda lib, x: x.prod(), data, grad=False)


def test_cov_and_corrcoef() -> None:
    compare(lambda lib, x: lib.cov(x), X2, rtol=1e-6)
    compare(lambda lib, x: lib.cov(x, correction=0), X2, rtol=1e-6)
    compare(lambda lib, x: lib.cov(x[0]), X2, rtol=1e-6)
    fw = RNG.integers(1, 4, 6)
    aw = RNG.uniform(0.5, 2.0, 6)
    compare(lambda lib, x, f, a: lib.cov(x, fweights=f, aweights=a), X2, fw, aw, rtol=1e-6)
    compare(lambda lib, x, f: lib.cov(x, fweights=f), X2, fw, rtol=1e-6)
    compare(lambda lib, x: lib.corrcoef(x), X2, rtol=1e-6)
    compare(lambda lib, x: lib.corrcoef(x[1]), X2, rtol=1e-6)
    compare(lambda lib, x: lib.cov(x), INTS, grad=False, rtol=1e-6)


def test_out_argument() -> None:
    """``out=`` receives the result (resized, cast to its dtype), and is refused with grad."""
    for name, args in (("sum", (1,)), ("mean", (0,)), ("cumsum", (1,)), ("cumprod", (0,)),
                       ("nansum", (1,)), ("std", (0,)), ("diff", ()),
                       ("logsumexp", (1,)), ("prod", (1,))):
        ours, theirs = tg.empty(0), torch.empty(0, dtype=torch.float32)
        r = getattr(tg, name)(tg.tensor(X2), *args, out=ours)
        getattr(torch, name)(torch.tensor(X2), *args, out=theirs)
        assert r is ours
        assert ours.dtype == np.float32
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    for name, args in (("amax", (1,)), ("logcumsumexp", (0,)), ("take", (tg.tensor([3]),)),
                       ("msort", ()), ("norm", ())):
        with pytest.raises(RuntimeError, match="dtype"):
            getattr(tg, name)(tg.tensor(X2), *args, out=tg.empty(0))  # float64 into float32
    ours_q = tg.empty(X2.shape[1], dtype=tg.float64)
    assert tg.quantile(tg.tensor(X2), 0.5, dim=0, out=ours_q) is ours_q
    np.testing.assert_allclose(ours_q.numpy(), np.quantile(X2, 0.5, axis=0))
    with pytest.raises(RuntimeError, match="dtype"):
        tg.quantile(tg.tensor(X2), 0.5, out=tg.empty(0))
    ours = (tg.empty(0, dtype=tg.float64), tg.empty(0, dtype=tg.int64))
    res = tg.sort(tg.tensor(X2), 1, out=ours)
    assert res.values is ours[0]
    assert res.indices is ours[1]
    np.testing.assert_array_equal(ours[1].numpy(), torch.sort(torch.tensor(X2), 1).indices)
    ours_i = tg.empty(0, dtype=tg.int64)
    tg.cumsum(tg.tensor(INTS), 0, out=ours_i)
    np.testing.assert_array_equal(ours_i.numpy(), np.cumsum(INTS, 0))
    with pytest.raises(RuntimeError, match="expected out tensor to have dtype"):
        tg.sort(tg.tensor(X2), out=(tg.empty(0), tg.empty(0)))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tg.cumsum(tg.tensor(X2, requires_grad=True), 0, out=tg.empty(0))


# ----------------------------------------------------------------------------- indexing

IDX = np.array([2, 0, 2, 3])


def test_index_select() -> None:
    compare(lambda lib, x, i: x.index_select(1, i), X, IDX)
    compare(lambda lib, x, i: lib.index_select(x, -1, i), X, IDX)
    compare(lambda lib, x, i: x.index_select(0, i[1]), X, IDX)  # 0-d index
    compare(lambda lib, x, i: x.index_select(axis=2, index=i), X, IDX)
    compare(lambda lib, x, i: x.index_select(0, i[:0]), X, IDX)
    compare(lambda lib, x, i: x.index_select(1, i), INTS, IDX, grad=False)
    compare(lambda lib, x, i: x[0, 0, 0].index_select(0, i[1:2]), X, IDX)  # 0-d self
    with pytest.raises(IndexError, match="out of range"):
        tg.tensor(X).index_select(0, tg.tensor([3]))
    with pytest.raises(RuntimeError, match="int32 or int64"):
        tg.tensor(X).index_select(0, tg.tensor([0.0]))


def test_gather_and_take_along_dim_with_out() -> None:
    index = RNG.integers(0, 4, (3, 7, 5))
    compare(lambda lib, x, i: lib.gather(x, 1, i), X, index)
    compare(lambda lib, x, i: x.gather(-2, i), X, index)
    compare(lambda lib, x, i: lib.take_along_dim(x, i, 1), X, index)


def test_masked_select_and_scatter() -> None:
    mask = RNG.random((4, 5)) < 0.5
    src = RNG.standard_normal(60)
    compare(lambda lib, x, m: x.masked_select(m), X, mask)  # mask broadcast against x
    compare(lambda lib, x, m: lib.masked_select(x, m), X, mask)
    compare(lambda lib, x, m, s: x.masked_scatter(m, s), X, mask, src)
    compare(lambda lib, x, m: x.masked_select(m), INTS, BOOLS, grad=False)
    with pytest.raises(RuntimeError, match="BoolTensor"):
        tg.tensor(X).masked_select(tg.tensor(mask.astype(np.int64)))


def test_take_and_put() -> None:
    idx = np.array([[0, -1], [7, 59]])
    compare(lambda lib, x, i: x.take(i), X, idx)
    compare(lambda lib, x, i: lib.take(x, i[0]), X, idx)
    src = np.array([1.5, -2.0, 3.0])
    where = np.array([5, 0, 11])
    compare(lambda lib, x, i, s: x.put(i, s), X2, where, src)
    compare(lambda lib, x, i, s: x.put(i, s, accumulate=True), X2, np.array([5, 5, 1]), src)
    with pytest.raises(IndexError, match="out of range"):
        tg.tensor(X).take(tg.tensor([60]))


def _scatter_index() -> np.ndarray:
    """A (2, 4) index into dim 0 of a (3, 4) tensor, no repeats within a column."""
    return np.stack([RNG.permutation(3)[:2] for _ in range(4)], axis=1)


def test_scatter_forms() -> None:
    x, index, src = RNG.standard_normal((3, 4)), _scatter_index(), RNG.standard_normal((2, 4))
    compare(lambda lib, x, i, s: x.scatter(0, i, s), x, index, src)
    compare(lambda lib, x, i, s: lib.scatter(x, 0, i, s), x, index, src)
    compare(lambda lib, x, i, s: x.scatter(0, i, 1.25), x, index, src)
    compare(lambda lib, x, i, s: x.scatter(0, i, value=-1.0), x, index, src)
    compare(lambda lib, x, i, s: x.scatter(1, i.T[:3, :2], s.T[:3, :2]), x, index, src)
    compare(lambda lib, x, i, s: x.scatter_add(0, i, s), x, index, src)
    repeats = np.array([[0, 1, 1, 2], [0, 1, 1, 0], [2, 1, 0, 0]])
    compare(lambda lib, x, i, s: lib.scatter_add(x, 0, i, s), x, repeats,
            RNG.standard_normal((3, 4)))
    big = RNG.standard_normal((3, 5))  # src larger than index: only index's part is read
    compare(lambda lib, x, i, s: x.scatter(0, i, s), x, index, big, grad=False)
    compare(lambda lib, x, i, s: x.scatter_add(0, i, s), x, index, big, grad=False)
    compare(lambda lib, x, i, s: x.scatter(0, i, s), INTS, index, INTS[:2] * 7, grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: reduce= is deprecated
        compare(lambda lib, x, i, s: x.scatter(0, i, s, reduce="add"), x, repeats,
                RNG.standard_normal((3, 4)), grad=False)
        compare(lambda lib, x, i, s: x.scatter(0, i, s, reduce="multiply"), x, repeats,
                RNG.standard_normal((3, 4)), grad=False)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce: str, include_self: bool) -> None:
    x = RNG.standard_normal((3, 4))
    repeats = np.array([[0, 1, 1, 2], [0, 1, 1, 0], [2, 1, 0, 0]])
    src = RNG.standard_normal((3, 4))
    compare(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
            x, repeats, src)
    compare(lambda lib, x, i, s: lib.scatter_reduce(x, 1, i, s, reduce,
                                                     include_self=include_self),
            x, repeats[:, :2], src[:, :2])
    ints = RNG.integers(-4, 5, (3, 4))
    compare(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
            ints, repeats, RNG.integers(-4, 5, (3, 4)), grad=False)


def test_scatter_reduce_prod_with_zeros() -> None:
    x = np.array([[0.0, 2.0], [3.0, 0.0]])
    src = np.array([[0.0, 1.5], [2.0, -1.0], [0.5, 0.0]])
    index = np.array([[0, 0], [0, 1], [1, 0]])
    for include_self in (True, False):
        compare(lambda lib, x, i, s, k=include_self: x.scatter_reduce(0, i, s, "prod",
                                                                      include_self=k),
                x, index, src)


def test_scatter_errors() -> None:
    x = tg.zeros(3, 4)
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.scatter(0, tg.tensor([[5]]), 1.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.scatter(0, tg.tensor([0]), 1.0)
    with pytest.raises(RuntimeError, match="no larger"):
        x.scatter(1, tg.zeros(4, 1, dtype=tg.int64), 1.0)
    with pytest.raises(RuntimeError, match="reduce argument"):
        x.scatter_reduce(0, tg.tensor([[0]]), tg.ones(1, 1), "foo")
    with pytest.raises(RuntimeError, match="int32 or int64"):
        x.scatter(0, tg.tensor([[0.0]]), 1.0)
    src64 = tg.ones(1, 4, dtype=tg.float64)
    index = tg.tensor([[0, 1, 2, 0]])
    for write in (lambda: x.scatter(0, index, src64), lambda: x.scatter_add(0, index, src64),
                  lambda: x.scatter_reduce(0, index, src64, "sum"),
                  lambda: x.index_add(0, tg.tensor([0]), src64),
                  lambda: x.index_copy(0, tg.tensor([0]), src64),
                  lambda: x.masked_scatter(x > 0, src64),
                  lambda: x.put(tg.tensor([0]), src64[0, :1])):
        with pytest.raises(RuntimeError, match="same dtype"):
            write()


def test_index_add_copy_fill() -> None:
    src = RNG.standard_normal((3, 4, 5))
    compare(lambda lib, x, i, s: x.index_add(1, i, s), X, IDX, src)
    compare(lambda lib, x, i, s: lib.index_add(x, 1, i, s, alpha=-2.5), X, IDX, src)
    compare(lambda lib, x, i, s: x.index_add(0, i[:2], s[:2]), X, IDX, src)
    unique = np.array([3, 0, 1])
    compare(lambda lib, x, i, s: x.index_copy(1, i, s[:, :3]), X, unique, src)
    compare(lambda lib, x, i, s: lib.index_copy(x, -1, i, s[:, :, :3]), X, unique, src)
    compare(lambda lib, x, i: x.index_fill(2, i, -7.0), X, IDX)
    compare(lambda lib, x, i: lib.index_fill(x, 0, i[1:2], 1.5), X, IDX)
    compare(lambda lib, x, i: x.index_fill(1, i, 3), INTS, IDX, grad=False)
    with pytest.raises(RuntimeError, match="Number of indices"):
        tg.tensor(X).index_add(0, tg.tensor([0]), tg.ones(2, 4, 5, dtype=tg.float64))


def test_in_place_variants() -> None:
    x, index, src = RNG.standard_normal((3, 4)), _scatter_index(), RNG.standard_normal((2, 4))
    mask = RNG.random((3, 4)) < 0.5
    cases: list[Callable[..., Any]] = [
        lambda lib, x, i, s: x.clone().scatter_(0, i, s),
        lambda lib, x, i, s: x.clone().scatter_(0, i, 2.0),
        lambda lib, x, i, s: x.clone().scatter_add_(0, i, s),
        lambda lib, x, i, s: x.clone().scatter_reduce_(0, i, s, "amax"),
        lambda lib, x, i, s: x.clone().index_add_(1, i[0, :2], s.T[:3, :2]),
        lambda lib, x, i, s: x.clone().index_fill_(1, i[0], 0.5),
        lambda lib, x, i, s: x.clone().index_copy_(0, i[:1, 0], s[:1]),
        lambda lib, x, i, s: x.clone().put_(i[0], s[0], accumulate=True),
    ]
    for case in cases:
        compare(case, x, index, src)
    compare(lambda lib, x, m, s: x.clone().masked_scatter_(m, s), x, mask, src.reshape(-1) * 3)
    ours = tg.tensor(x)
    before = ours._version[0]
    assert ours.scatter_(0, tg.tensor(index), 0.0) is ours
    assert ours._version[0] > before


def test_nonzero_argwhere() -> None:
    for data in (INTS, BOOLS, X2 > 0.5, np.array(3), np.array(0.0), np.zeros((0, 3))):
        compare(lambda lib, x: x.nonzero(), data, grad=False)
        compare(lambda lib, x: lib.nonzero(x, as_tuple=True), data, grad=False)
        compare(lambda lib, x: lib.argwhere(x), data, grad=False)
    x = tg.tensor(X2)
    np.testing.assert_array_equal(x[(x > 0).nonzero(as_tuple=True)].numpy(), X2[X2 > 0])


def test_unique() -> None:
    data = np.array([[3, 1, 3], [2, 1, 1], [3, 1, 3]])
    for case in (lambda lib, x: x.unique(), lambda lib, x: lib.unique(x, return_counts=True),
                 lambda lib, x: x.unique(return_inverse=True),
                 lambda lib, x: x.unique(sorted=True, return_inverse=True, return_counts=True),
                 lambda lib, x: lib.unique(x, dim=0, return_inverse=True, return_counts=True),
                 lambda lib, x: x.unique(dim=1),
                 lambda lib, x: x.unique_consecutive(),
                 lambda lib, x: lib.unique_consecutive(x, return_inverse=True,
                                                       return_counts=True),
                 lambda lib, x: x.unique_consecutive(dim=0, return_counts=True),
                 lambda lib, x: x.unique_consecutive(return_inverse=True, dim=1)):
        compare(case, data, grad=False)
        compare(case, data.astype(np.float32) / 2, grad=False)
    compare(lambda lib, x: x.unique(return_counts=True), BOOLS, grad=False)
    compare(lambda lib, x: x.unique(), np.zeros(0), grad=False)


def test_bincount_and_histc() -> None:
    ids = np.array([1, 4, 1, 0, 4, 4])
    weights = RNG.standard_normal(6)
    compare(lambda lib, x: x.bincount(), ids, grad=False)
    compare(lambda lib, x: lib.bincount(x, minlength=8), ids, grad=False)
    compare(lambda lib, x, w: x.bincount(w), ids, weights, grad=False)
    compare(lambda lib, x, w: x.bincount(w.float()), ids, weights, grad=False)
    compare(lambda lib, x: x.bincount(), np.zeros(0, np.int64), grad=False)
    with pytest.raises(RuntimeError, match="non-negative"):
        tg.tensor([-1]).bincount()
    values = np.array([1.0, 2.0, 1.0, 2.5, -3.0, 7.0])
    compare(lambda lib, x: x.histc(bins=4, min=0, max=3), values, grad=False)
    compare(lambda lib, x: lib.histc(x, bins=5), values, grad=False)
    compare(lambda lib, x: lib.histc(x.float(), 3, 1, 2), values, grad=False)
    compare(lambda lib, x: x.histc(bins=2), np.array([2.0, 2.0]), grad=False)


def test_searchsorted_and_bucketize() -> None:
    seq = np.array([1.0, 3.0, 5.0, 7.0])
    vals = np.array([[0.0, 3.0], [6.0, 9.0]])
    for right in (False, True):
        compare(lambda lib, s, v, r=right: lib.searchsorted(s, v, right=r), seq, vals, grad=False)
        compare(lambda lib, v, s, r=right: lib.bucketize(v, s, right=r), vals, seq, grad=False)
    compare(lambda lib, s, v: lib.searchsorted(s, v, side="right", out_int32=True), seq, vals,
            grad=False)
    rows = np.array([[1, 3, 5], [2, 4, 6]])
    compare(lambda lib, s, v: lib.searchsorted(s, v), rows, np.array([[3, 6], [3, 1]]),
            grad=False)
    compare(lambda lib, s: lib.searchsorted(s, 4.0), seq, grad=False)
    unsorted = np.array([5.0, 1.0, 3.0])
    compare(lambda lib, s, o, v: lib.searchsorted(s, v, sorter=o), unsorted,
            np.argsort(unsorted), np.array([2.0, 4.0]), grad=False)


def test_searchsorted_of_a_sequence_that_is_not_sorted_is_torchs_binary_search() -> None:
    """Undefined by the docs, but the same numbers as PyTorch's search (numpy's, which reuses
    the previous value's bounds, answers differently); a NaN value or entry too."""
    rows = np.array([[0, 1, 0], [1, 0, 1]])
    vals = np.array([[0.125, 0.25, 0.375], [0.5, np.nan, 0.75]])
    for right in (False, True):
        compare(lambda lib, s, v, r=right: lib.searchsorted(s, v, right=r), rows, vals,
                grad=False)
        compare(lambda lib, v, s, r=right: lib.bucketize(v, s, right=r), vals[0],
                np.array([2.0, np.nan, 1.0, 0.0]), grad=False)


# ----------------------------------------------------------------------------- one_hot

def test_one_hot() -> None:
    for ids, n in ((np.array([0, 2, 1]), -1), (np.array([[1], [0]]), 4), (np.array(2), 3),
                   (np.zeros(0, np.int64), 3)):
        got = F.one_hot(tg.tensor(ids), n)
        want = TF.one_hot(torch.tensor(ids), n)
        assert got.shape == tuple(want.shape)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for bad, n, msg in ((np.array([-1]), 3, "non-negative"), (np.array([3]), 3, "smaller"),
                        (np.array([1.0]), 3, "LongTensor"),
                        (np.array([1], np.int32), 3, "LongTensor"),
                        (np.zeros(0, np.int64), -1, "empty")):
        with pytest.raises(RuntimeError, match=msg):
            F.one_hot(tg.tensor(bad), n)
        with pytest.raises(RuntimeError, match=msg):
            TF.one_hot(torch.tensor(bad), n)


def test_all_any_keep_uint8() -> None:
    """torch's all/any of a uint8 tensor are uint8."""
    data = np.array([[1, 0, 3], [2, 2, 1]], dtype=np.uint8)
    for case in (lambda lib, x: x.all(), lambda lib, x: x.any(1), lambda lib, x: x.all(0)):
        compare(case, data, grad=False)


def test_result_types_print_like_torch_return_types() -> None:
    x = np.array([[2.0, 1.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
    for case in (lambda lib, t: lib.sort(t), lambda lib, t: t.max(1), lambda lib, t: t.min(0),
                 lambda lib, t: t.topk(2), lambda lib, t: t.kthvalue(1), lambda lib, t: t.median(1),
                 lambda lib, t: t.mode(1), lambda lib, t: t.cummax(1), lambda lib, t: t.cummin(0),
                 lambda lib, t: t.nanmedian(0), lambda lib, t: t.aminmax(dim=1)):
        ours, theirs = case(tg, tg.tensor(x)), case(torch, torch.tensor(x))
        assert repr(ours) == repr(theirs)
        assert isinstance(ours, tuple)
        assert type(ours).__name__ == type(theirs).__name__
