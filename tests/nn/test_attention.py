"""Attention against torch: ``F.scaled_dot_product_attention``, ``F.multi_head_attention_forward``
and ``nn.MultiheadAttention``.

Every case runs the same call in both libraries on the same float64 numbers (the module with
torch's weights loaded through ``load_state_dict``) and compares the outputs, the attention
weights and the gradients of the inputs and of every parameter under random cotangents.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 1e-10, 1e-12


def _close(a, b, rtol=RTOL, atol=ATOL):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _cot(shape, seed):
    return np.random.default_rng(seed).standard_normal(tuple(shape))


# ----------------------------------------------------------------------------------------------
# scaled_dot_product_attention


def _sdpa_both(arrays, mask=None, seed=None, **kw):
    """Run SDPA in both libraries; return [(out, grads of q, k, v)] for tg and torch."""
    results = []
    for lib, fn in ((tg, F.scaled_dot_product_attention), (torch, TF.scaled_dot_product_attention)):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        m = None if mask is None else lib.tensor(mask)
        if seed is not None:
            lib.manual_seed(seed)
        out = fn(*ts, attn_mask=m, **kw)
        (out * lib.tensor(_cot(out.shape, 1))).sum().backward()
        results.append((out, [t.grad for t in ts]))
    return results


def _sdpa_check(q_shape, k_shape, v_shape, mask=None, **kw):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in (q_shape, k_shape, v_shape)]
    (o1, g1), (o2, g2) = _sdpa_both(arrays, mask, **kw)
    assert str(o1.dtype) == str(o2.dtype)
    _close(o1, o2)
    for a, b in zip(g1, g2, strict=True):
        _close(a, b)


MASK_RNG = np.random.default_rng(5)
BOOL_LS = MASK_RNG.random((4, 6)) > 0.4
BOOL_LS[:, 0] = True  # every row keeps a key
FLOAT_MASK = MASK_RNG.standard_normal((3, 1, 6))
FLOAT_MASK[1, 0, 2] = -np.inf
DEAD_ROWS = BOOL_LS.copy()
DEAD_ROWS[2] = False  # query 2 may look at nothing: torch returns zeros there

SDPA_CASES = {
    "plain": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
    "unbatched_2d": ((4, 5), (6, 5), (6, 7), None, {}),
    "3d": ((3, 4, 5), (3, 6, 5), (3, 6, 7), None, {}),
    "5d": ((2, 2, 3, 4, 5), (2, 2, 3, 6, 5), (2, 2, 3, 6, 7), None, {}),
    "batch_broadcast": ((2, 3, 4, 5), (1, 3, 6, 5), (3, 6, 7), None, {}),
    "bool_mask": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), BOOL_LS, {}),
    "bool_mask_1d_broadcast": ((2, 4, 5), (2, 6, 5), (2, 6, 7), BOOL_LS[1], {}),
    "bool_mask_4d": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7),
                     MASK_RNG.random((2, 1, 4, 6)) > 0.3, {}),
    "float_mask_broadcast": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), FLOAT_MASK, {}),
    "float32_mask_on_float64": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7),
                                FLOAT_MASK.astype(np.float32), {}),
    "fully_masked_row": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), DEAD_ROWS, {}),
    "fully_masked_float_row": ((2, 4, 5), (2, 6, 5), (2, 6, 7),
                               np.where(DEAD_ROWS, 0.0, -np.inf), {}),
    "causal_square": ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4), None, {"is_causal": True}),
    "causal_l_lt_s": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {"is_causal": True}),
    "causal_l_gt_s": ((2, 8, 5), (2, 6, 5), (2, 6, 7), None, {"is_causal": True}),
    "scale": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), BOOL_LS, {"scale": 0.3}),
    "gqa": ((2, 6, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {"enable_gqa": True}),
    "gqa_kv_differ": ((2, 6, 4, 5), (2, 3, 6, 5), (2, 1, 6, 7), BOOL_LS,
                      {"enable_gqa": True}),
    "gqa_3d": ((4, 4, 5), (2, 6, 5), (2, 6, 7), None, {"enable_gqa": True}),
    "heads_broadcast_without_gqa": ((2, 3, 4, 5), (2, 1, 6, 5), (2, 1, 6, 7), None, {}),
    "empty_keys": ((2, 3, 4, 5), (2, 3, 0, 5), (2, 3, 0, 7), None, {}),
    "empty_queries": ((2, 3, 0, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
}


@pytest.mark.parametrize("name", SDPA_CASES)
def test_sdpa_matches_torch(name):
    q, k, v, mask, kw = SDPA_CASES[name]
    _sdpa_check(q, k, v, mask, **kw)


def test_sdpa_fully_masked_row_is_zero_with_zero_gradient():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in ((4, 5), (6, 5), (6, 7))]
    (out, grads), _ = _sdpa_both(arrays, DEAD_ROWS)
    assert np.all(out.detach().numpy()[2] == 0)
    assert np.all(grads[0].numpy()[2] == 0)
    assert np.all(np.isfinite(grads[1].numpy()))


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_sdpa_dropout_draws_as_torch(p):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7))]
    (o1, g1), (o2, g2) = _sdpa_both(arrays, BOOL_LS, seed=11, dropout_p=p)
    _close(o1, o2)
    for a, b in zip(g1, g2, strict=True):
        _close(a, b)


def test_sdpa_float32():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((2, 4, 5), (2, 6, 5),
                                                                   (2, 6, 7))]
    (o1, g1), (o2, g2) = _sdpa_both(arrays, BOOL_LS)
    assert str(o1.dtype) == str(o2.dtype) == "torch.float32"
    _close(o1, o2, rtol=1e-5, atol=1e-6)
    for a, b in zip(g1, g2, strict=True):
        _close(a, b, rtol=1e-5, atol=1e-6)


SDPA_ERRORS = {
    "causal_with_mask": ((2, 4, 5), (2, 6, 5), (2, 6, 7),
                         {"attn_mask": BOOL_LS, "is_causal": True}, RuntimeError),
    "int_mask": ((2, 4, 5), (2, 6, 5), (2, 6, 7),
                 {"attn_mask": BOOL_LS.astype(np.int64)}, RuntimeError),
    "1d_inputs": ((5,), (5,), (5,), {}, RuntimeError),
    "embed_mismatch": ((2, 4, 5), (2, 6, 4), (2, 6, 7), {}, RuntimeError),
    "length_mismatch": ((2, 4, 5), (2, 6, 5), (2, 5, 7), {}, RuntimeError),
    "gqa_not_divisible": ((2, 4, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {"enable_gqa": True},
                          RuntimeError),
    "heads_mismatch_without_gqa": ((2, 4, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {},
                                   RuntimeError),
    "mask_bad_shape": ((2, 4, 5), (2, 6, 5), (2, 6, 7),
                       {"attn_mask": np.ones((3, 6), bool)}, RuntimeError),
    "dropout_above_one": ((2, 4, 5), (2, 6, 5), (2, 6, 7), {"dropout_p": 1.5}, RuntimeError),
    "is_causal_int": ((2, 4, 5), (2, 6, 5), (2, 6, 7), {"is_causal": 1}, TypeError),
    "mask_list": ((2, 4, 5), (2, 6, 5), (2, 6, 7), {"attn_mask": [[True] * 6] * 4}, TypeError),
}


@pytest.mark.parametrize("name", SDPA_ERRORS)
def test_sdpa_errors_as_torch(name):
    q, k, v, kw, err = SDPA_ERRORS[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in (q, k, v)]
    for lib, fn in ((torch, TF.scaled_dot_product_attention),
                    (tg, F.scaled_dot_product_attention)):
        kwargs = {key: lib.tensor(val) if isinstance(val, np.ndarray) else val
                  for key, val in kw.items()}
        expected = err if lib is tg else Exception  # torch's own type is checked below
        with pytest.raises(expected) as info:
            fn(*[lib.tensor(a) for a in arrays], **kwargs)
        if lib is torch:
            err_torch = type(info.value)
            assert issubclass(err_torch, err) or issubclass(err, err_torch), err_torch


def test_sdpa_scale_is_keyword_only_and_negative_dropout_is_none():
    q = tg.ones(2, 4, 5)
    with pytest.raises(TypeError):
        F.scaled_dot_product_attention(q, q, q, None, 0.0, False, 0.5)
    _sdpa_check((2, 4, 5), (2, 6, 5), (2, 6, 7), dropout_p=-0.1)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_sdpa_half_precision(dtype):
    x = np.random.default_rng(15).standard_normal((2, 4, 5))
    a = F.scaled_dot_product_attention(*[tg.tensor(x).to(getattr(tg, dtype))] * 3,
                                       is_causal=True)
    b = TF.scaled_dot_product_attention(*[torch.tensor(x).to(getattr(torch, dtype))] * 3,
                                        is_causal=True)
    assert str(a.dtype) == str(b.dtype)
    _close(a.float(), b.float(), rtol=2e-2, atol=2e-2)


def test_sdpa_dtype_mismatch_error():
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(tg.ones(2, 4, 5, dtype=tg.float64), tg.ones(2, 6, 5),
                                       tg.ones(2, 6, 5, dtype=tg.float64))


# ----------------------------------------------------------------------------------------------
# nn.MultiheadAttention


E, HEADS, L, S, N = 8, 2, 4, 6, 3


def _pair(**kw):
    """A torch module (float64, seeded) and ours with torch's state_dict loaded."""
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(E, HEADS, **kw).double()
    ours = nn.MultiheadAttention(E, HEADS, dtype=tg.float64, **kw)
    result = ours.load_state_dict(ref.state_dict())
    assert not result.missing_keys
    assert not result.unexpected_keys
    return ours, ref


def _mask_arrays(kind, layout, tgt, src, rng):
    """(attn_mask, key_padding_mask) numpy arrays of the given kind; no row fully masked."""
    batched = layout != "unbatched"

    def bool_mask(shape):
        m = rng.random(shape) < 0.4
        m[..., 0] = False  # key 0 always open, so no row is fully masked (NaN in torch)
        return m

    attn = kpm = None
    if kind in ("bool_attn", "both_bool"):
        attn = bool_mask((tgt, src))
    if kind == "float_attn_3d":
        attn = rng.standard_normal(((N if batched else 1) * HEADS, tgt, src))
        attn[..., 1, 2] = -np.inf
    if kind in ("bool_kpm", "both_bool"):
        kpm = bool_mask((N, src) if batched else (src,))
    if kind == "float_kpm":
        kpm = np.where(bool_mask((N, src) if batched else (src,)), -np.inf, 0.0)
    if kind == "causal":
        attn = np.triu(np.ones((tgt, src), bool), 1)
    if kind == "causal_float":  # Transformer.generate_square_subsequent_mask's float mask
        attn = np.where(np.triu(np.ones((tgt, src), bool), 1), -np.inf, 0.0)
    return attn, kpm


def _inputs(layout, tgt, src, kdim, vdim, rng):
    def shape(length, dim):
        return {"seq_first": (length, N, dim), "batch_first": (N, length, dim),
                "unbatched": (length, dim)}[layout]
    return [rng.standard_normal(shape(tgt, E)), rng.standard_normal(shape(src, kdim or E)),
            rng.standard_normal(shape(src, vdim or E))]


def _run_mha(mha, lib, arrays, attn, kpm, self_attention=False, **kw):
    ts = [lib.tensor(a, requires_grad=True) for a in arrays]
    if self_attention:
        ts = [ts[0]] * 3
    masks = {"attn_mask": None if attn is None else lib.tensor(attn),
             "key_padding_mask": None if kpm is None else lib.tensor(kpm)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, weights = mha(*ts, **masks, **kw)
    loss = (out * lib.tensor(_cot(out.shape, 3))).sum()
    if weights is not None:
        loss = loss + (weights * lib.tensor(_cot(weights.shape, 4))).sum()
    loss.backward()
    grads = [t.grad for t in ts[:1 if self_attention else 3]]
    params = {name: p.grad for name, p in mha.named_parameters()}
    return out, weights, grads, params


def _compare_mha(ours, ref, arrays, attn, kpm, self_attention=False, **kw):
    o1, w1, g1, p1 = _run_mha(ours, tg, arrays, attn, kpm, self_attention, **kw)
    o2, w2, g2, p2 = _run_mha(ref, torch, arrays, attn, kpm, self_attention, **kw)
    assert str(o1.dtype) == str(o2.dtype)
    _close(o1, o2)
    assert (w1 is None) == (w2 is None)
    if w2 is not None:
        _close(w1, w2)
    for a, b in zip(g1, g2, strict=True):
        _close(a, b)
    assert p1.keys() == p2.keys()
    for name in p2:
        _close(p1[name], p2[name])


MASK_KINDS = ["none", "bool_attn", "float_attn_3d", "bool_kpm", "float_kpm", "both_bool",
              "causal", "causal_float"]
WEIGHTS = {"no_weights": {"need_weights": False}, "averaged": {},
           "per_head": {"average_attn_weights": False}}
LAYOUTS = ["seq_first", "batch_first", "unbatched"]
FEATURES = [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}, {"add_zero_attn": True},
            {"bias": False}, {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3}]


@pytest.mark.parametrize("mask_kind", MASK_KINDS)
@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_mha_grid_matches_torch(mask_kind, weights, layout):
    index = (MASK_KINDS.index(mask_kind) + len(MASK_KINDS) * list(WEIGHTS).index(weights)
             + LAYOUTS.index(layout))
    features = FEATURES[index % len(FEATURES)]  # the features rotate over the grid
    rng = np.random.default_rng(index)
    causal = mask_kind.startswith("causal")
    src = L if causal else S
    attn, kpm = _mask_arrays(mask_kind, layout, L, src, rng)
    ours, ref = _pair(batch_first=layout == "batch_first", **features)
    arrays = _inputs(layout, L, src, features.get("kdim"), features.get("vdim"), rng)
    _compare_mha(ours, ref, arrays, attn, kpm, is_causal=causal, **WEIGHTS[weights])


@pytest.mark.parametrize("mask_kind", MASK_KINDS)
@pytest.mark.parametrize("features", range(len(FEATURES)))
def test_mha_every_feature_with_every_mask(features, mask_kind):
    features = FEATURES[features]
    rng = np.random.default_rng(17)
    causal = mask_kind.startswith("causal")
    src = L if causal else S
    attn, kpm = _mask_arrays(mask_kind, "seq_first", L, src, rng)
    ours, ref = _pair(**features)
    arrays = _inputs("seq_first", L, src, features.get("kdim"), features.get("vdim"), rng)
    _compare_mha(ours, ref, arrays, attn, kpm, is_causal=causal)


@pytest.mark.parametrize("features", list(itertools.product([False, True], repeat=4)))
def test_mha_feature_product(features):
    kdim_vdim, bias_kv, zero_attn, bias = features
    kw = {"add_bias_kv": bias_kv, "add_zero_attn": zero_attn, "bias": bias}
    if kdim_vdim:
        kw.update(kdim=3, vdim=5)
    rng = np.random.default_rng(sum(f << i for i, f in enumerate(features)))
    attn, kpm = _mask_arrays("both_bool", "seq_first", L, S, rng)
    ours, ref = _pair(**kw)
    arrays = _inputs("seq_first", L, S, kw.get("kdim"), kw.get("vdim"), rng)
    _compare_mha(ours, ref, arrays, attn, kpm)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [True, False])
def test_mha_self_attention_one_tensor(need_weights, batch_first):
    rng = np.random.default_rng(9)
    ours, ref = _pair(batch_first=batch_first)
    x = rng.standard_normal((N, L, E) if batch_first else (L, N, E))
    attn, kpm = _mask_arrays("both_bool", "seq_first", L, L, rng)
    _compare_mha(ours, ref, [x, x, x], attn, kpm, self_attention=True,
                 need_weights=need_weights)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_dropout_draws_as_torch(need_weights):
    rng = np.random.default_rng(4)
    ours, ref = _pair(dropout=0.4)
    arrays = _inputs("seq_first", L, S, None, None, rng)
    attn, kpm = _mask_arrays("bool_kpm", "seq_first", L, S, rng)
    results = []
    for mha, lib in ((ours, tg), (ref, torch)):
        lib.manual_seed(21)
        results.append(_run_mha(mha, lib, arrays, attn, kpm, need_weights=need_weights))
    (o1, w1, g1, p1), (o2, w2, g2, p2) = results
    _close(o1, o2)
    for a, b in zip(g1 + list(p1.values()), g2 + list(p2.values()), strict=True):
        _close(a, b)


def test_mha_eval_mode_skips_dropout():
    rng = np.random.default_rng(6)
    ours, ref = _pair(dropout=0.9)
    ours.eval()
    ref.eval()
    arrays = _inputs("seq_first", L, S, None, None, rng)
    _compare_mha(ours, ref, arrays, None, None)


def test_mha_fully_masked_row_gives_nan_weights_as_torch():
    rng = np.random.default_rng(8)
    ours, ref = _pair()
    arrays = _inputs("seq_first", L, S, None, None, rng)
    attn = np.zeros((L, S), bool)
    attn[1] = True
    outs = []
    for mha, lib in ((ours, tg), (ref, torch)):
        with lib.no_grad():
            outs.append(mha(*[lib.tensor(a) for a in arrays], attn_mask=lib.tensor(attn)))
    (o1, w1), (o2, w2) = outs
    assert np.isnan(w2.numpy()[:, 1]).all()
    assert np.isnan(w1.numpy()[:, 1]).all()
    np.testing.assert_array_equal(np.isnan(o1.numpy()), np.isnan(o2.numpy()))
    _close(np.nan_to_num(o1.numpy()), np.nan_to_num(o2.numpy()))


def test_mha_parameters_and_init_as_torch():
    for kw in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        torch.manual_seed(5)
        tg.manual_seed(5)
        ref = torch.nn.MultiheadAttention(E, HEADS, **kw)
        ours = nn.MultiheadAttention(E, HEADS, **kw)
        theirs = dict(ref.named_parameters())
        mine = dict(ours.named_parameters())
        assert list(mine) == list(theirs)
        for name, p in theirs.items():
            assert str(mine[name].dtype) == str(p.dtype)
            _close(mine[name], p, rtol=0, atol=0)  # same seed, same draws, same order
        assert list(ours.state_dict()) == list(ref.state_dict())
        assert repr(ours) == repr(ref)
        for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout",
                     "batch_first", "add_zero_attn", "_qkv_same_embed_dim"):
            assert getattr(ours, attr) == getattr(ref, attr), attr
    assert nn.MultiheadAttention(E, HEADS).bias_k is None


def test_mha_float32_default():
    rng = np.random.default_rng(10)
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(E, HEADS, batch_first=True)
    ours = nn.MultiheadAttention(E, HEADS, batch_first=True)
    ours.load_state_dict(ref.state_dict())
    x = rng.standard_normal((N, L, E)).astype(np.float32)
    o1, w1 = ours(tg.tensor(x), tg.tensor(x), tg.tensor(x))
    o2, w2 = ref(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    assert str(o1.dtype) == str(o2.dtype) == "torch.float32"
    _close(o1, o2, rtol=1e-5, atol=1e-6)
    _close(w1, w2, rtol=1e-5, atol=1e-6)


def test_functional_mha_matches_torch():
    rng = np.random.default_rng(12)
    arrays = [rng.standard_normal(s) for s in ((L, N, E), (S, N, E), (S, N, E), (3 * E, E),
                                               (3 * E,), (E, E), (E,))]
    kpm = rng.random((N, S)) < 0.3
    kpm[:, 0] = False
    outs = []
    for lib, fn in ((tg, F.multi_head_attention_forward), (torch, TF.multi_head_attention_forward)):
        q, k, v, w_in, b_in, w_out, b_out = [lib.tensor(a, requires_grad=True) for a in arrays]
        out, weights = fn(q, k, v, E, HEADS, w_in, b_in, None, None, False, 0.0, w_out, b_out,
                          key_padding_mask=lib.tensor(kpm), average_attn_weights=False)
        (out * lib.tensor(_cot(out.shape, 1))).sum().backward()
        outs.append((out, weights, [t.grad for t in (q, k, v, w_in, b_in, w_out, b_out)]))
    (o1, w1, g1), (o2, w2, g2) = outs
    _close(o1, o2)
    _close(w1, w2)
    for a, b in zip(g1, g2, strict=True):
        _close(a, b)


def _mha_call(lib, mha, shapes, masks):
    rng = np.random.default_rng(0)
    ts = [lib.tensor(rng.standard_normal(s)) for s in shapes]
    kw = {k: lib.tensor(v) for k, v in masks.items()}
    return mha(*ts, **kw)


MHA_ERRORS = {
    "query_4d": ([(2, L, N, E), (2, S, N, E), (2, S, N, E)], {}),
    "key_rank": ([(L, N, E), (S, E), (S, E)], {}),
    "kpm_rank": ([(L, N, E), (S, N, E), (S, N, E)], {"key_padding_mask": np.zeros(S, bool)}),
    "attn_mask_4d": ([(L, N, E), (S, N, E), (S, N, E)],
                     {"attn_mask": np.zeros((1, 1, L, S), bool)}),
    "attn_mask_2d_shape": ([(L, N, E), (S, N, E), (S, N, E)],
                           {"attn_mask": np.zeros((L, S + 1), bool)}),
    "attn_mask_3d_shape": ([(L, N, E), (S, N, E), (S, N, E)],
                           {"attn_mask": np.zeros((N, L, S), bool)}),
    "unbatched_3d_mask_shape": ([(L, E), (S, E), (S, E)],
                                {"attn_mask": np.zeros((HEADS + 1, L, S), bool)}),
    "kpm_batch": ([(L, N, E), (S, N, E), (S, N, E)],
                  {"key_padding_mask": np.zeros((N + 1, S), bool)}),
    "kpm_length": ([(L, N, E), (S, N, E), (S, N, E)],
                   {"key_padding_mask": np.zeros((N, S - 1), bool)}),
    "int_mask": ([(L, N, E), (S, N, E), (S, N, E)], {"attn_mask": np.zeros((L, S), np.int64)}),
    "embed_dim": ([(L, N, E + 1), (S, N, E + 1), (S, N, E + 1)], {}),
    "key_value_shapes": ([(L, N, E), (S, N, E), (S + 1, N, E)], {}),
}


@pytest.mark.parametrize("name", MHA_ERRORS)
def test_mha_errors_as_torch(name):
    shapes, masks = MHA_ERRORS[name]
    err = RuntimeError if "attn_mask_" in name and name.endswith("d_shape") else AssertionError
    ours, ref = _pair()
    with pytest.raises(err) as theirs:
        _mha_call(torch, ref, shapes, masks)
    with pytest.raises(err) as mine:
        _mha_call(tg, ours, shapes, masks)
    assert str(mine.value) == str(theirs.value)  # the same text, shapes printed as torch.Size


def test_mha_causal_hint_needs_a_mask():
    ours, _ = _pair()
    x = tg.ones(L, N, E, dtype=tg.float64)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        ours(x, x, x, is_causal=True)


def test_mha_constructor_errors():
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)


@pytest.mark.parametrize("mode", ["eval_no_grad", "eval_with_grad", "train"])
@pytest.mark.parametrize("mask", ["kpm", "attn_mask"])
def test_mha_fully_padded_sequence_as_torch(mode, mask):
    """With need_weights=False a query that may attend to nothing gives zeros (the safe softmax
    of scaled_dot_product_attention), except in torch's inference fast path (eval, no grad,
    batch_first self-attention), whose kernel gives NaN: both are reproduced."""
    rng = np.random.default_rng(13)
    ours, ref = _pair(batch_first=True)
    x = rng.standard_normal((N, L, E))
    masks = {"key_padding_mask": np.zeros((N, L), bool)} if mask == "kpm" else {
        "attn_mask": np.zeros((L, L), bool)}
    if mask == "kpm":
        masks["key_padding_mask"][1] = True  # sequence 1 is all padding
    else:
        masks["attn_mask"][2] = True  # query 2 sees no key
    outs = []
    for mha, lib in ((ours, tg), (ref, torch)):
        mha.train(mode == "train")
        t = lib.tensor(x)
        m = {k: lib.tensor(v) for k, v in masks.items()}
        if mode == "eval_no_grad":
            with lib.no_grad():
                out, _ = mha(t, t, t, need_weights=False, **m)
        else:
            out, _ = mha(t, t, t, need_weights=False, **m)
        outs.append(out.detach().numpy())
    np.testing.assert_array_equal(np.isnan(outs[0]), np.isnan(outs[1]))
    assert np.isnan(outs[1]).any() == (mode == "eval_no_grad")
    _close(np.nan_to_num(outs[0]), np.nan_to_num(outs[1]))


def test_sdpa_float_mask_gradient():
    rng = np.random.default_rng(14)
    arrays = [rng.standard_normal(s) for s in ((2, 4, 5), (2, 6, 5), (2, 6, 7), (4, 6))]
    arrays[3][1, 3] = -np.inf
    grads = []
    for lib, fn in ((tg, F.scaled_dot_product_attention), (torch, TF.scaled_dot_product_attention)):
        q, k, v, m = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(q, k, v, attn_mask=m)
        (out * lib.tensor(_cot(out.shape, 2))).sum().backward()
        grads.append(m.grad)
    _close(*grads)


def test_mha_mismatched_mask_types_warn_as_torch():
    for mha, lib in zip(_pair(), (tg, torch), strict=True):
        x = lib.ones(L, N, E, dtype=lib.float64)
        with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
            mha(x, x, x, key_padding_mask=lib.zeros(N, L, dtype=lib.bool),
                attn_mask=lib.zeros(L, L, dtype=lib.float64))


@pytest.mark.parametrize("kinds", [(False, False), (True, False), (False, True), (True, True),
                                   ("3d", True)])
def test_mha_merge_masks_as_torch(kinds):
    has_attn, has_kpm = kinds
    rng = np.random.default_rng(16)
    attn = None
    if has_attn == "3d":
        attn = rng.standard_normal((N * HEADS, L, L))
    elif has_attn:
        attn = rng.standard_normal((L, L))
    kpm = np.where(rng.random((N, L)) < 0.3, -np.inf, 0.0) if has_kpm else None
    results = []
    for mha, lib in zip(_pair(batch_first=True), (tg, torch), strict=True):
        merged, kind = mha.merge_masks(None if attn is None else lib.tensor(attn),
                                       None if kpm is None else lib.tensor(kpm),
                                       lib.ones(N, L, E, dtype=lib.float64))
        results.append((None if merged is None else merged.numpy(), kind))
    (m1, k1), (m2, k2) = results
    assert k1 == k2
    assert (m1 is None) == (m2 is None)
    if m2 is not None:
        np.testing.assert_array_equal(m1, m2)


def _functional_args(lib, arrays):
    return [lib.tensor(a, requires_grad=True) for a in arrays]


def test_functional_mha_static_kv_and_separate_weights_as_torch():
    """static_k / static_v replace the projected keys and values (already split in heads);
    separate projection weights with kdim != vdim; no biases."""
    rng = np.random.default_rng(18)
    kdim, vdim = 3, 5
    arrays = [rng.standard_normal(s) for s in (
        (L, N, E), (S, N, kdim), (S, N, vdim), (E, E), (E, kdim), (E, vdim), (E, E),
        (N * HEADS, S + 1, E // HEADS), (N * HEADS, S + 1, E // HEADS))]
    results = []
    for lib, fn in ((tg, F.multi_head_attention_forward), (torch, TF.multi_head_attention_forward)):
        q, k, v, wq, wk, wv, wo, sk, sv = ts = _functional_args(lib, arrays)
        out, weights = fn(q, k, v, E, HEADS, None, None, None, None, True, 0.0, wo, None,
                          use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
                          v_proj_weight=wv, static_k=sk, static_v=sv)
        loss = (out * lib.tensor(_cot(out.shape, 5))).sum()
        (loss + (weights * lib.tensor(_cot(weights.shape, 6))).sum()).backward()
        results.append((out, weights, [t.grad for t in ts]))
    (o1, w1, g1), (o2, w2, g2) = results
    _close(o1, o2)
    _close(w1, w2)
    for a, b in zip(g1, g2, strict=True):
        if b is None:
            assert a is None or not np.any(a.numpy())
        else:
            _close(a, b)


FUNCTIONAL_ERRORS = {
    "q_weight_shape": {"q_proj_weight": (E, E + 1)},
    "k_weight_shape": {"k_proj_weight": (E, E + 1)},
    "missing_v_weight": {"v_proj_weight": None},
    "static_k_heads": {"static_k": (N * HEADS + 1, S, E // HEADS)},
    "static_v_head_dim": {"static_v": (N * HEADS, S, E // HEADS + 1)},
    "bias_k_without_bias_v": {"bias_k": (1, 1, E)},
    "bias_with_static_k": {"bias_k": (1, 1, E), "bias_v": (1, 1, E),
                           "static_k": (N * HEADS, S + 1, E // HEADS)},
    "heads_do_not_divide": {"num_heads": 3},
}


@pytest.mark.parametrize("name", FUNCTIONAL_ERRORS)
def test_functional_mha_errors_as_torch(name):
    rng = np.random.default_rng(19)
    shapes = {"q_proj_weight": (E, E), "k_proj_weight": (E, E), "v_proj_weight": (E, E),
              "bias_k": None, "bias_v": None, "static_k": None, "static_v": None,
              "num_heads": HEADS}
    shapes.update(FUNCTIONAL_ERRORS[name])
    num_heads = shapes.pop("num_heads")
    arrays = {k: None if s is None else rng.standard_normal(s) for k, s in shapes.items()}
    x = rng.standard_normal((L, N, E))
    w_out = rng.standard_normal((E, E))
    messages = []
    for lib, fn in ((torch, TF.multi_head_attention_forward), (tg, F.multi_head_attention_forward)):
        kw = {k: None if a is None else lib.tensor(a) for k, a in arrays.items()}
        bias_k, bias_v = kw.pop("bias_k"), kw.pop("bias_v")
        t = lib.tensor(x)
        with pytest.raises(AssertionError) as info:
            fn(t, t, t, E, num_heads, None, None, bias_k, bias_v, False, 0.0,
               lib.tensor(w_out), None, use_separate_proj_weight=True, **kw)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
