"""nn.TransformerEncoderLayer/Encoder, TransformerDecoderLayer/Decoder and Transformer against
PyTorch: torch's weights loaded, outputs and gradients compared in float64, with every kind of
mask, both layouts, pre- and post-norm, in evaluation and training mode (dropout 0)."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip("torch")
tnn = torch.nn

# both libraries warn when an encoder cannot use PyTorch's nested-tensor fast path (checked
# in test_encoder_nested_tensor_warning_matches_torch); torch warns when it takes that path
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
              pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning")]
TOL = dict(rtol=1e-9, atol=1e-11)
E, NHEAD, FF = 8, 2, 12


def _pair(name: str, *args, seed: int = 0, **kwargs):
    """torch's module (float64, seeded) and ours with its weights loaded."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the encoder's nested-tensor warning
        theirs = _build(tnn, name, args, kwargs).double()
        ours = _build(tg.nn, name, args, kwargs, dtype=tg.float64)
    missing = ours.load_state_dict({k: tg.tensor(v.numpy()) for k, v in
                                    theirs.state_dict().items()})
    assert not missing.missing_keys
    assert not missing.unexpected_keys
    return theirs, ours


def _build(lib, name, args, kwargs, dtype=None):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("activation"), tuple):  # (torch's callable, ours)
        kwargs["activation"] = kwargs["activation"][0 if lib is tnn else 1]()
    extra = {} if dtype is None else {"dtype": dtype}
    if name in ("TransformerEncoder", "TransformerDecoder"):  # two layers, optional norm
        with_norm = kwargs.pop("with_norm", False)
        stack_kw = {k: kwargs.pop(k) for k in ("enable_nested_tensor",) if k in kwargs}
        layer = getattr(lib, name + "Layer")(*args, **kwargs, **extra)
        norm = lib.LayerNorm(args[0], **extra) if with_norm else None
        return getattr(lib, name)(layer, num_layers=2, norm=norm, **stack_kw)
    return getattr(lib, name)(*args, **kwargs, **extra)


def _inputs(rng, *shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [tg.tensor(a, requires_grad=True) for a in arrays])


def _masks(kind: str, rng, n: int, length: int, src: int):
    """(torch kwargs, our kwargs) for one kind of mask, as numpy arrays converted twice."""
    out: dict[str, np.ndarray] = {}
    causal = np.triu(np.ones((length, src), bool), 1)
    padding = np.zeros((n, src), bool)
    padding[-1, src - 2:] = True  # the last sequence is 2 shorter
    if kind == "bool_attn":
        out["attn"] = causal
    elif kind == "float_attn":
        out["attn"] = rng.standard_normal((length, src))
    elif kind == "causal_float":
        out["attn"] = np.where(causal, -np.inf, 0.0)
    elif kind == "attn_3d":
        out["attn"] = rng.standard_normal((n * NHEAD, length, src))
    elif kind == "bool_padding":
        out["padding"] = padding
    elif kind == "float_padding":
        out["padding"] = np.where(padding, -np.inf, 0.0)
    elif kind == "both":
        out["attn"], out["padding"] = causal, padding
    return out


def _both(masks, keys):
    t = {keys[k]: torch.tensor(v) for k, v in masks.items()}
    o = {keys[k]: tg.tensor(v) for k, v in masks.items()}
    return t, o


def _compare(ref, out, theirs, ours, t_in, o_in, rng):
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **TOL)
    cot = rng.standard_normal(tuple(ref.shape))
    ref.backward(torch.tensor(cot))
    out.backward(tg.tensor(cot))
    for a, b in zip(o_in, t_in, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL)
    tparams = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(tparams)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), err_msg=name,
                                   **TOL)


MASK_KINDS = ["none", "bool_attn", "float_attn", "causal_float", "attn_3d", "bool_padding",
              "float_padding", "both"]
LAYOUTS = [dict(), dict(batch_first=True), dict(norm_first=True),
           dict(norm_first=True, batch_first=True, activation="gelu"),
           dict(bias=False, layer_norm_eps=1e-3)]


# ----------------------------------------------------------------------------- encoder layer

# every mask in evaluation mode; a few in training mode (dropout 0: only torch's path differs)
ENCODER_CASES = [("eval", m) for m in MASK_KINDS] + [("train", m) for m in
                                                     ("none", "bool_padding", "both")]


@pytest.mark.parametrize(("mode", "mask"), ENCODER_CASES)
@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
def test_encoder_layer_matches_torch(mask, layout, mode):
    rng = np.random.default_rng(len(mask) + 7 * len(layout))
    theirs, ours = _pair("TransformerEncoderLayer", E, NHEAD, FF, dropout=0.0, **layout)
    for m in (theirs, ours):
        m.train(mode == "train")
    n, s = 3, 5
    shape = (n, s, E) if layout.get("batch_first") else (s, n, E)
    (ts,), (os_,) = _inputs(rng, shape)
    t_kw, o_kw = _both(_masks(mask, rng, n, s, s),
                       {"attn": "src_mask", "padding": "src_key_padding_mask"})
    ref = theirs(ts, **t_kw)
    out = ours(os_, **o_kw)
    _compare(ref, out, theirs, ours, [ts], [os_], rng)


def test_encoder_layer_unbatched_and_is_causal_hint():
    rng = np.random.default_rng(1)
    theirs, ours = _pair("TransformerEncoderLayer", E, NHEAD, FF, dropout=0.0)
    (ts,), (os_,) = _inputs(rng, (5, E))  # unbatched: (S, E)
    padding = np.array([False, False, False, True, True])
    ref = theirs(ts, src_key_padding_mask=torch.tensor(padding))
    out = ours(os_, src_key_padding_mask=tg.tensor(padding))
    assert out.shape == (5, E)
    _compare(ref, out, theirs, ours, [ts], [os_], rng)
    # is_causal=True with the causal mask: the same as the mask alone
    mask = tg.nn.Transformer.generate_square_subsequent_mask(5, dtype=tg.float64)
    (ts,), (os_,) = _inputs(rng, (5, 2, E))
    ref = theirs(ts, src_mask=torch.tensor(mask.numpy()), is_causal=True)
    out = ours(os_, src_mask=mask, is_causal=True)
    _compare(ref, out, theirs, ours, [ts], [os_], rng)
    np.testing.assert_allclose(ours(os_, src_mask=mask).detach().numpy(),
                               out.detach().numpy(), **TOL)


@pytest.mark.parametrize("activation", [
    "relu", "gelu", (lambda: tnn.functional.gelu, lambda: F.gelu),
    (lambda: tnn.GELU(approximate="tanh"), lambda: tg.nn.GELU(approximate="tanh")),
    (lambda: torch.tanh, lambda: tg.tanh)], ids=["relu", "gelu", "F.gelu", "GELU-tanh", "tanh"])
def test_encoder_layer_activations(activation):
    rng = np.random.default_rng(2)
    act = activation if isinstance(activation, str) else tuple(activation)
    theirs, ours = _pair("TransformerEncoderLayer", E, NHEAD, FF, dropout=0.0, activation=act)
    assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu
    (ts,), (os_,) = _inputs(rng, (4, 2, E))
    _compare(theirs(ts), ours(os_), theirs, ours, [ts], [os_], rng)


def test_encoder_layer_fast_path_in_inference_matches():
    """Without gradients in evaluation mode PyTorch runs a fused kernel; same numbers."""
    rng = np.random.default_rng(3)
    theirs, ours = _pair("TransformerEncoderLayer", E, NHEAD, FF, batch_first=True)
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((3, 5, E))
    padding = np.zeros((3, 5), bool)
    padding[0, 3:] = True
    with torch.no_grad(), tg.no_grad():
        ref = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(padding))
        out = ours(tg.tensor(x), src_key_padding_mask=tg.tensor(padding))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), **TOL)


@pytest.mark.parametrize("stack", [False, True])
@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("mask", ["padding", "attn", "both"])
def test_query_that_sees_no_key_as_torch(mask, grad, stack):
    """A fully padded sequence or a fully masked query row: PyTorch's fused inference layer
    (evaluation, no gradient) gives NaN there, its step-by-step layer a finite value."""
    rng = np.random.default_rng(9)
    name = "TransformerEncoder" if stack else "TransformerEncoderLayer"
    extra = {"enable_nested_tensor": False} if stack else {}
    theirs, ours = _pair(name, E, NHEAD, FF, batch_first=True, **extra)
    theirs.eval()
    ours.eval()
    x = rng.standard_normal((2, 4, E))
    kw = {}
    if mask in ("padding", "both"):
        kw["src_key_padding_mask"] = np.array([[False] * 4, [True] * 4])
    if mask in ("attn", "both"):
        blind = np.zeros((4, 4), bool)
        blind[2] = True  # query 2 may look at no key
        kw["mask" if stack else "src_mask"] = blind
    with torch.set_grad_enabled(grad), tg.set_grad_enabled(grad):
        ref = theirs(torch.tensor(x), **{k: torch.tensor(v) for k, v in kw.items()})
        out = ours(tg.tensor(x), **{k: tg.tensor(v) for k, v in kw.items()})
    ref, out = ref.detach().numpy(), out.detach().numpy()
    np.testing.assert_allclose(out, ref, equal_nan=True, **TOL)
    assert np.isnan(ref).any() == (not grad)


# ----------------------------------------------------------------------------- decoder layer

DECODER_MASKS = ["none", "causal", "causal_hint", "wrong_hint", "memory_mask", "padding",
                 "float_padding", "all"]
DECODER_CASES = [("eval", m) for m in DECODER_MASKS] + [("train", m) for m in
                                                        ("none", "causal", "all")]


@pytest.mark.parametrize(("mode", "mask"), DECODER_CASES)
@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
def test_decoder_layer_matches_torch(mask, layout, mode):
    rng = np.random.default_rng(len(mask) + 5 * len(layout))
    theirs, ours = _pair("TransformerDecoderLayer", E, NHEAD, FF, dropout=0.0, **layout)
    for m in (theirs, ours):
        m.train(mode == "train")
    n, t, s = 3, 4, 6
    bf = layout.get("batch_first")
    (tt, tm), (ot, om) = _inputs(rng, (n, t, E) if bf else (t, n, E),
                                 (n, s, E) if bf else (s, n, E))
    causal = np.where(np.triu(np.ones((t, t), bool), 1), -np.inf, 0.0)
    pad_t = np.zeros((n, t), bool)
    pad_t[1, -1] = True
    pad_m = np.zeros((n, s), bool)
    pad_m[0, -3:] = True
    kw: dict[str, np.ndarray | bool] = {}
    if mask == "causal":
        kw["tgt_mask"] = causal
    if mask == "all":  # bool masks with bool padding (mixing dtypes warns)
        kw["tgt_mask"] = causal == -np.inf
    if mask == "causal_hint":
        kw["tgt_mask"], kw["tgt_is_causal"] = causal, True
    if mask == "wrong_hint":  # the hint wins over the mask, as in torch
        kw["tgt_mask"], kw["tgt_is_causal"] = rng.standard_normal((t, t)), True
    if mask in ("memory_mask", "all"):
        kw["memory_mask"] = rng.random((t, s)) < 0.3
        kw["memory_mask"][:, 0] = False  # every query sees some key
    if mask in ("padding", "all"):
        kw["tgt_key_padding_mask"], kw["memory_key_padding_mask"] = pad_t, pad_m
    if mask == "float_padding":
        kw["tgt_key_padding_mask"] = np.where(pad_t, -np.inf, 0.0)
        kw["memory_key_padding_mask"] = np.where(pad_m, -1e9, 0.0)
    t_kw = {k: v if isinstance(v, bool) else torch.tensor(v) for k, v in kw.items()}
    o_kw = {k: v if isinstance(v, bool) else tg.tensor(v) for k, v in kw.items()}
    ref = theirs(tt, tm, **t_kw)
    out = ours(ot, om, **o_kw)
    _compare(ref, out, theirs, ours, [tt, tm], [ot, om], rng)


# ----------------------------------------------------------------------------- stacks

@pytest.mark.parametrize("layout", [dict(), dict(batch_first=True, norm_first=True)], ids=str)
@pytest.mark.parametrize("with_norm", [True, False])
def test_encoder_and_decoder_stacks_match_torch(layout, with_norm):
    rng = np.random.default_rng(4)
    kw = dict(layout, with_norm=with_norm, dropout=0.0 if with_norm else 0.1)
    t_enc, o_enc = _pair("TransformerEncoder", E, NHEAD, FF, **kw)
    t_dec, o_dec = _pair("TransformerDecoder", E, NHEAD, FF, **kw)
    if not with_norm:  # dropout 0.1 is on: compare in evaluation mode
        for m in (t_enc, o_enc, t_dec, o_dec):
            m.eval()
    assert [n for n, _ in o_enc.named_children()] == [n for n, _ in t_enc.named_children()]
    assert list(o_enc.state_dict()) == list(t_enc.state_dict())
    assert list(o_dec.state_dict()) == list(t_dec.state_dict())
    bf = layout.get("batch_first")
    (ts, tt), (os_, ot) = _inputs(rng, (2, 5, E) if bf else (5, 2, E),
                                  (2, 4, E) if bf else (4, 2, E))
    padding = np.array([[False] * 5, [False] * 3 + [True] * 2])
    mask = tg.nn.Transformer.generate_square_subsequent_mask(4, dtype=tg.float64)
    t_mem = t_enc(ts, src_key_padding_mask=torch.tensor(padding))
    o_mem = o_enc(os_, src_key_padding_mask=tg.tensor(padding))
    ref = t_dec(tt, t_mem, tgt_mask=torch.tensor(mask.numpy()),
                memory_key_padding_mask=torch.tensor(padding))
    out = o_dec(ot, o_mem, tgt_mask=mask, memory_key_padding_mask=tg.tensor(padding))
    both_t, both_o = tnn.ModuleList([t_enc, t_dec]), tg.nn.ModuleList([o_enc, o_dec])
    _compare(ref, out, both_t, both_o, [ts, tt], [os_, ot], rng)


def test_stack_layers_are_independent_copies():
    layer = tg.nn.TransformerEncoderLayer(E, NHEAD, FF)
    enc = tg.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    assert len(enc.layers) == 3
    assert enc.num_layers == 3
    weights = [m.linear1.weight for m in enc.layers]
    assert len({id(w) for w in weights}) == 3
    assert all(w is not layer.linear1.weight
                                                       for w in weights)
    np.testing.assert_array_equal(weights[0].detach().numpy(), weights[2].detach().numpy())
    with tg.no_grad():
        enc.layers[0].linear1.weight.add_(1.0)
    assert not np.allclose(weights[0].detach().numpy(), weights[1].detach().numpy())


def test_encoder_nested_tensor_warning_matches_torch():
    def message(lib, **kw):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.TransformerEncoder(lib.TransformerEncoderLayer(E, **kw), 1)
        return [str(w.message) for w in caught if "nested" in str(w.message)]

    for kw in (dict(nhead=2), dict(nhead=2, batch_first=True), dict(nhead=1, batch_first=True),
               dict(nhead=2, batch_first=True, norm_first=True),
               dict(nhead=2, batch_first=True, bias=False),
               dict(nhead=2, batch_first=True, activation=torch.tanh)):
        ours_kw = dict(kw)
        if "activation" in kw:
            ours_kw["activation"] = tg.tanh
        assert message(tg.nn, **ours_kw) == message(tnn, **kw), kw
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(E, 2), 1,
                                       enable_nested_tensor=False)
    assert enc.use_nested_tensor is False
    assert enc.mask_check is True


@pytest.mark.parametrize("padding_rows", [[[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]],
                                          [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1]]],
                         ids=["left-aligned", "holes"])
@pytest.mark.parametrize("grad", [False, True])
def test_encoder_inference_path_zeroes_padding_as_torch(padding_rows, grad):
    """PyTorch's nested-tensor path (eval, batch_first, no gradient, padding at the end)
    gives zeros, then the final norm, at padded positions; otherwise the normal values."""
    rng = np.random.default_rng(5)
    theirs, ours = _pair("TransformerEncoder", E, NHEAD, FF, batch_first=True, dropout=0.0,
                         with_norm=True)
    theirs.eval()
    ours.eval()
    assert ours.use_nested_tensor
    assert theirs.use_nested_tensor
    x = rng.standard_normal((2, 5, E))
    padding = np.array(padding_rows, bool)
    with torch.set_grad_enabled(grad), tg.set_grad_enabled(grad):
        ref = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(padding))
        out = ours(tg.tensor(x), src_key_padding_mask=tg.tensor(padding))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **TOL)
    normed_zero = ours.norm(tg.zeros(E, dtype=tg.float64)).detach().numpy()
    at_padding = np.allclose(out.detach().numpy()[padding], normed_zero)
    assert at_padding == (not grad and padding_rows[0][1] == 0)


def test_encoder_detects_a_causal_mask():
    from tinygrad_edu.nn.transformer import _detect_is_causal_mask

    mask = tg.nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(mask, None, 4)
    assert _detect_is_causal_mask(tg.tensor(np.triu(np.ones((4, 4), bool), 1)), None, 4)
    assert not _detect_is_causal_mask(mask, False, 4)
    assert _detect_is_causal_mask(None, True, 4)
    assert not _detect_is_causal_mask(tg.zeros(4, 4), None, 4)
    assert not _detect_is_causal_mask(mask, None, 5)


def test_mismatched_mask_dtypes_warn_as_torch():
    theirs, ours = _pair("TransformerEncoderLayer", E, NHEAD, FF, dropout=0.0)
    x = np.random.default_rng(6).standard_normal((4, 2, E))
    mask = np.triu(np.ones((4, 4), bool), 1)
    padding = np.zeros((2, 4))
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        out = ours(tg.tensor(x), src_mask=tg.tensor(mask),
                   src_key_padding_mask=tg.tensor(padding))
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        ref = theirs(torch.tensor(x), src_mask=torch.tensor(mask),
                     src_key_padding_mask=torch.tensor(padding))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **TOL)


# ----------------------------------------------------------------------------- Transformer

@pytest.mark.parametrize("layout", [dict(), dict(batch_first=True),
                                    dict(norm_first=True, activation="gelu")], ids=str)
@pytest.mark.parametrize("mode", ["eval", "train"])
def test_transformer_matches_torch(layout, mode):
    rng = np.random.default_rng(7)
    theirs, ours = _pair("Transformer", E, NHEAD, 2, 1, FF, dropout=0.0, **layout)
    for m in (theirs, ours):
        m.train(mode == "train")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    n, s, t = 2, 6, 4
    bf = layout.get("batch_first")
    (ts, tt), (os_, ot) = _inputs(rng, (n, s, E) if bf else (s, n, E),
                                  (n, t, E) if bf else (t, n, E))
    src_pad = np.array([[False] * s, [False] * (s - 2) + [True] * 2])
    tgt_pad = np.array([[False] * t, [False] * (t - 1) + [True]])
    masks = {
        "src_mask": rng.standard_normal((s, s)),
        "tgt_mask": np.where(np.triu(np.ones((t, t), bool), 1), -np.inf, 0.0),
        "memory_mask": np.where((rng.random((t, s)) < 0.2) & (np.arange(s) > 0), -np.inf, 0.0),
        "src_key_padding_mask": np.where(src_pad, -np.inf, 0.0),  # float, as the masks
        "tgt_key_padding_mask": np.where(tgt_pad, -np.inf, 0.0),
        "memory_key_padding_mask": np.where(src_pad, -np.inf, 0.0),
    }
    ref = theirs(ts, tt, **{k: torch.tensor(v) for k, v in masks.items()})
    out = ours(os_, ot, **{k: tg.tensor(v) for k, v in masks.items()})
    _compare(ref, out, theirs, ours, [ts, tt], [os_, ot], rng)


def test_transformer_unbatched_and_causal_hints():
    rng = np.random.default_rng(8)
    theirs, ours = _pair("Transformer", E, NHEAD, 1, 1, FF, dropout=0.0)
    (ts, tt), (os_, ot) = _inputs(rng, (5, E), (3, E))
    mask = tg.nn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    ref = theirs(ts, tt, tgt_mask=torch.tensor(mask.numpy()), tgt_is_causal=True)
    out = ours(os_, ot, tgt_mask=mask, tgt_is_causal=True)
    assert out.shape == (3, E)
    _compare(ref, out, theirs, ours, [ts, tt], [os_, ot], rng)


def test_transformer_custom_encoder_decoder_and_init():
    enc = tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(E, 2, FF), 1,
                                   enable_nested_tensor=False)
    dec = tg.nn.TransformerDecoder(tg.nn.TransformerDecoderLayer(E, 2, FF), 1)
    model = tg.nn.Transformer(E, 2, custom_encoder=enc, custom_decoder=dec)
    assert model.encoder is enc
    assert model.decoder is dec
    assert (model.d_model, model.nhead, model.batch_first) == (E, 2, False)
    assert model(tg.randn(4, 1, E), tg.randn(3, 1, E)).shape == (3, 1, E)
    # every matrix is re-drawn with xavier_uniform_: |w| <= sqrt(6 / (fan_in + fan_out))
    big = tg.nn.Transformer(16, 4, 1, 1, 32)
    for name, p in big.named_parameters():
        if p.dim() > 1:
            bound = np.sqrt(6 / sum(p.shape))
            values = p.detach().numpy()
            assert np.abs(values).max() <= bound + 1e-7, name
            assert np.abs(values).max() > 0.8 * bound, name
        elif name.endswith("in_proj_bias") or "norm" in name and name.endswith("bias"):
            assert not p.detach().numpy().any(), name


@pytest.mark.parametrize(("name", "args"), [
    ("Transformer", (E, NHEAD, 2, 1, FF)), ("TransformerEncoderLayer", (E, NHEAD, FF)),
    ("TransformerDecoderLayer", (E, NHEAD, FF))])
def test_seeded_initialisation_gives_torchs_weights(name, args):
    """tg.manual_seed draws PyTorch's numbers, in PyTorch's order of initialisation."""
    torch.manual_seed(11)
    tg.manual_seed(11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(tnn, name)(*args)
        ours = getattr(tg.nn, name)(*args)
    ref = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), ref[key].numpy(), err_msg=key)


def test_generate_square_subsequent_mask():
    mask = tg.nn.Transformer.generate_square_subsequent_mask(4)
    ref = tnn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == tg.float32
    assert mask.shape == (4, 4)
    np.testing.assert_array_equal(mask.numpy(), ref.numpy())
    mask64 = tg.nn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    assert mask64.dtype == tg.float64
    assert tg.nn.Transformer.generate_square_subsequent_mask(0).shape == (0, 0)
    assert tg.nn.Transformer(E, 2, 1, 1, FF).generate_square_subsequent_mask(2).shape == (2, 2)


@pytest.mark.parametrize(("call", "error", "pattern"), [
    (lambda: tg.nn.TransformerEncoderLayer(7, 2), AssertionError,
     "TransformerEncoderLayer: d_model must be divisible by nhead, got d_model=7 and nhead=2"),
    (lambda: tg.nn.TransformerDecoderLayer(8, 2, dropout=1.5), ValueError,
     "dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: tg.nn.TransformerEncoderLayer(8, 2, activation="tanh"), RuntimeError,
     "activation should be relu/gelu, not tanh"),
    (lambda: tg.nn.TransformerEncoderLayer(8, 0), ValueError,
     "TransformerEncoderLayer: d_model and nhead must be greater than 0"),
    (lambda: tg.nn.Transformer(8, 2, 1, 1, 16)(tg.randn(5, 2, 8), tg.randn(4, 3, 8)),
     RuntimeError, "the batch number of src and tgt must be equal"),
    (lambda: tg.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)(tg.randn(2, 5, 8),
                                                                  tg.randn(3, 4, 8)),
     RuntimeError, "the batch number of src and tgt must be equal"),
    (lambda: tg.nn.Transformer(8, 2, 1, 1, 16)(tg.randn(5, 2, 8), tg.randn(4, 2, 6)),
     RuntimeError, "the feature number of src and tgt must be equal to d_model"),
    (lambda: tg.nn.TransformerEncoderLayer(8, 2)(tg.randn(3, 1, 8),
                                                 src_mask=tg.zeros(3, 3, dtype=tg.int64)),
     AssertionError, "only bool and floating types of src_mask are supported"),
    (lambda: tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(8, 2), 1)(
        tg.randn(3, 2, 8), is_causal=True), RuntimeError,
     "Need attn_mask if specifying the is_causal hint"),
    (lambda: tg.nn.TransformerDecoder(tg.nn.TransformerDecoderLayer(8, 2), 1)(
        tg.randn(3, 2, 8), tg.randn(4, 2, 8), tgt_is_causal=True), RuntimeError,
     "Need attn_mask if specifying the is_causal hint"),
])
def test_bad_input(call, error, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=pattern):
            call()


def test_float32_and_device_arguments():
    torch.manual_seed(0)
    theirs = tnn.Transformer(E, NHEAD, 1, 1, FF, dropout=0.0, batch_first=True)
    ours = tg.nn.Transformer(E, NHEAD, 1, 1, FF, dropout=0.0, batch_first=True, device="cpu")
    ours.load_state_dict({k: tg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(10)
    src, tgt = (rng.standard_normal(s).astype(np.float32) for s in ((2, 5, E), (2, 3, E)))
    out = ours(tg.tensor(src), tg.tensor(tgt))
    assert out.dtype == tg.float32
    ref = theirs(torch.tensor(src), torch.tensor(tgt))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    with pytest.raises(AssertionError, match="not compiled with CUDA"):  # as torch on a CPU
        tg.nn.TransformerEncoderLayer(E, NHEAD, device="cuda")


def test_repr_and_deepcopy_match_torch():
    theirs, ours = _pair("TransformerDecoderLayer", E, NHEAD, FF)
    assert repr(ours) == repr(theirs)
    twin = copy.deepcopy(ours)
    assert twin.linear1.weight is not ours.linear1.weight
    assert list(twin.state_dict()) == list(theirs.state_dict())
