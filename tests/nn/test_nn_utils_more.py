"""``nn.utils`` beyond gradient clipping, against PyTorch: sequence padding and packing,
recurrent layers on packed input, parametrize, weight norm, spectral norm, the total-norm
helpers, and ``nn.init.eye_`` / ``dirac_``.

Every check builds the same thing in both libraries (torch's weights loaded into ours) and
compares values, state_dict keys, gradients of every parameter and error types/messages.
"""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn.utils import parametrize
from tinygrad_edu.nn.utils import rnn as R

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(ours, theirs, atol=1e-6, rtol=1e-5):
    if theirs is None:
        assert ours is None
        return
    np.testing.assert_allclose(_np(ours), _np(theirs), atol=atol, rtol=rtol)


def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _grads_match(ours, theirs, atol=1e-5):
    mine = dict(ours.named_parameters())
    assert sorted(mine) == sorted(n for n, _ in theirs.named_parameters())
    for name, p in theirs.named_parameters():
        _close(mine[name].grad, p.grad, atol=atol, rtol=1e-4)


# ----------------------------------------------------------------------------- pad_sequence

@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("tail", [(), (2,), (2, 3)])
def test_pad_sequence_values_and_grads(batch_first, padding_side, tail):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, *tail)).astype(np.float32) for n in (3, 1, 4)]
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    a = R.pad_sequence(ours, batch_first=batch_first, padding_value=-2.5,
                       padding_side=padding_side)
    b = TR.pad_sequence(theirs, batch_first=batch_first, padding_value=-2.5,
                        padding_side=padding_side)
    assert tuple(a.shape) == tuple(b.shape)
    assert a.dtype == tg.float32
    _close(a, b)
    w = rng.standard_normal(b.shape).astype(np.float32)
    (a * tg.tensor(w)).sum().backward()
    (b * torch.tensor(w)).sum().backward()
    for x, y in zip(ours, theirs, strict=True):
        _close(x.grad, y.grad)


def test_pad_sequence_int_dtype_and_errors():
    a = R.pad_sequence([tg.tensor([1, 2]), tg.tensor([3])], batch_first=True)
    b = TR.pad_sequence([torch.tensor([1, 2]), torch.tensor([3])], batch_first=True)
    assert a.dtype == tg.int64
    assert a.tolist() == b.tolist()
    with pytest.raises(RuntimeError, match="empty list of sequences"):
        R.pad_sequence([])
    with pytest.raises(RuntimeError, match="padding_side to be one of left or right"):
        R.pad_sequence([tg.ones(2)], padding_side="mid")
    with pytest.raises(RuntimeError):
        R.pad_sequence([tg.ones(2, 3), tg.ones(3, 2)])


@pytest.mark.parametrize("make", [
    lambda lib: [lib.ones(0, 2), lib.ones(2, 2)],
    lambda lib: [lib.ones(0, 2)],
    lambda lib: lib.arange(6.0).reshape(3, 2),  # a Tensor: its rows are the sequences
    lambda lib: [lib.tensor([True]), lib.tensor([True, False])],
])
def test_pad_sequence_edge_cases(make):
    ours, theirs = R.pad_sequence(make(tg)), TR.pad_sequence(make(torch))
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_unpad_sequence_round_trip():
    seqs = [tg.arange(n * 2.0).reshape(n, 2) for n in (2, 4, 1)]
    padded = R.pad_sequence(seqs, batch_first=True)
    back = R.unpad_sequence(padded, tg.tensor([2, 4, 1]), batch_first=True)
    theirs = TR.unpad_sequence(torch.tensor(padded.numpy()), torch.tensor([2, 4, 1]),
                               batch_first=True)
    for x, y in zip(back, theirs, strict=True):
        _close(x, y)


# ----------------------------------------------------------------------------- packing

CASES = [([5, 3, 3, 1], True), ([2, 5, 2, 1], False), ([1, 1, 1], False), ([4], True),
         ([3, 4, 4, 2, 4], False)]


@pytest.mark.parametrize(("lengths", "enforce_sorted"), CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_padded_sequence_fields_and_round_trip(lengths, enforce_sorted, batch_first,
                                                    as_tensor):
    rng = np.random.default_rng(1)
    steps, batch = max(lengths) + 1, len(lengths)
    shape = (batch, steps, 3) if batch_first else (steps, batch, 3)
    x = rng.standard_normal(shape).astype(np.float32)
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    la = tg.tensor(lengths) if as_tensor else lengths
    lb = torch.tensor(lengths) if as_tensor else lengths
    pa = R.pack_padded_sequence(a, la, batch_first=batch_first, enforce_sorted=enforce_sorted)
    pb = TR.pack_padded_sequence(b, lb, batch_first=batch_first, enforce_sorted=enforce_sorted)
    assert isinstance(pa, R.PackedSequence)
    assert isinstance(pa, tuple)
    _close(pa.data, pb.data)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        ours, theirs = getattr(pa, field), getattr(pb, field)
        if theirs is None:
            assert ours is None
        else:
            assert ours.dtype == tg.int64
            assert ours.tolist() == theirs.tolist()
    for total in (None, steps + 2):
        ya, lens_a = R.pad_packed_sequence(pa, batch_first=batch_first, padding_value=7.0,
                                           total_length=total)
        yb, lens_b = TR.pad_packed_sequence(pb, batch_first=batch_first, padding_value=7.0,
                                            total_length=total)
        _close(ya, yb)
        assert lens_a.dtype == tg.int64
        assert lens_a.tolist() == lens_b.tolist()
    w = rng.standard_normal(yb.shape).astype(np.float32)
    (ya * tg.tensor(w)).sum().backward()
    (yb * torch.tensor(w)).sum().backward()
    _close(a.grad, b.grad)


def test_pack_sequence_and_unpack_sequence():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)).astype(np.float32) for n in (2, 4, 3)]
    pa = R.pack_sequence([tg.tensor(x) for x in arrays], enforce_sorted=False)
    pb = TR.pack_sequence([torch.tensor(x) for x in arrays], enforce_sorted=False)
    _close(pa.data, pb.data)
    assert pa.batch_sizes.tolist() == pb.batch_sizes.tolist()
    assert pa.sorted_indices.tolist() == pb.sorted_indices.tolist()
    for x, y in zip(R.unpack_sequence(pa), TR.unpack_sequence(pb), strict=True):
        _close(x, y)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        R.pack_sequence([tg.tensor(x) for x in arrays])


def test_packing_errors_match_torch():
    x = tg.ones(3, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order "
                                           "when `enforce_sorted` is True"):
        R.pack_padded_sequence(x, [1, 2])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        R.pack_padded_sequence(x, [0, 2], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size"):
        R.pack_padded_sequence(x, [3])
    with pytest.raises(RuntimeError, match="exceeds the padded length"):
        R.pack_padded_sequence(x, [4, 2])
    packed = R.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(packed, total_length=2)


def test_invert_permutation_and_packed_sequence_methods():
    assert R.invert_permutation(None) is None
    assert R.invert_permutation(tg.tensor([2, 0, 1])).tolist() == \
        TR.invert_permutation(torch.tensor([2, 0, 1])).tolist()
    packed = R.pack_padded_sequence(tg.ones(2, 2), [2, 1])
    assert packed.double().data.dtype == tg.float64
    assert packed.to(tg.float64).batch_sizes is packed.batch_sizes
    assert packed.is_cuda is False


# ----------------------------------------------------------------------------- RNNs on packed input

RNN_CASES = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"batch_first": True}),
    ("GRU", {"bidirectional": True, "batch_first": True}),
    ("GRU", {"num_layers": 2, "bias": False}),
]


@pytest.mark.parametrize(("cls", "kwargs"), RNN_CASES)
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_rnn_on_packed_sequence_matches_torch(cls, kwargs, with_hx, enforce_sorted):
    rng = np.random.default_rng(3)
    theirs = getattr(torch.nn, cls)(3, 4, **kwargs).double()
    ours = getattr(nn, cls)(3, 4, **kwargs).double()
    _load(ours, theirs)
    lengths = [5, 3, 3, 1] if enforce_sorted else [2, 5, 2, 1]
    batch_first = kwargs.get("batch_first", False)
    x = rng.standard_normal((4, 6, 3) if batch_first else (6, 4, 3))
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    pa = R.pack_padded_sequence(a, lengths, batch_first, enforce_sorted)
    pb = TR.pack_padded_sequence(b, lengths, batch_first, enforce_sorted)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    hx_a = hx_b = None
    if with_hx:
        states = [rng.standard_normal((layers, 4, 4)) for _ in range(2 if cls == "LSTM" else 1)]
        hx_a = [tg.tensor(s, requires_grad=True) for s in states]
        hx_b = [torch.tensor(s, requires_grad=True) for s in states]
        hx_a, hx_b = (tuple(hx_a), tuple(hx_b)) if cls == "LSTM" else (hx_a[0], hx_b[0])
    out_a, h_a = ours(pa, hx_a)
    out_b, h_b = theirs(pb, hx_b)
    assert isinstance(out_a, R.PackedSequence)
    _close(out_a.data, out_b.data, atol=1e-10)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        o, t = getattr(out_a, field), getattr(out_b, field)
        assert (o is None and t is None) or o.tolist() == t.tolist()
    finals_a = list(h_a) if cls == "LSTM" else [h_a]
    finals_b = list(h_b) if cls == "LSTM" else [h_b]
    for fa, fb in zip(finals_a, finals_b, strict=True):
        _close(fa, fb, atol=1e-10)
    loss_a = out_a.data.sin().sum() + sum((f * f).sum() for f in finals_a)
    loss_b = out_b.data.sin().sum() + sum((f * f).sum() for f in finals_b)
    loss_a.backward()
    loss_b.backward()
    _close(a.grad, b.grad, atol=1e-10)
    _grads_match(ours, theirs, atol=1e-10)
    if with_hx:
        for sa, sb in zip(hx_a if cls == "LSTM" else [hx_a], hx_b if cls == "LSTM" else [hx_b],
                          strict=True):
            _close(sa.grad, sb.grad, atol=1e-10)


def test_rnn_packed_output_unpacks_like_torch():
    theirs = torch.nn.GRU(2, 3, batch_first=True)
    ours = nn.GRU(2, 3, batch_first=True)
    _load(ours, theirs)
    x = np.random.default_rng(4).standard_normal((3, 4, 2)).astype(np.float32)
    pa = R.pack_padded_sequence(tg.tensor(x), [2, 4, 1], batch_first=True, enforce_sorted=False)
    pb = TR.pack_padded_sequence(torch.tensor(x), [2, 4, 1], batch_first=True,
                                 enforce_sorted=False)
    ya, _ = R.pad_packed_sequence(ours(pa)[0], batch_first=True)
    yb, _ = TR.pad_packed_sequence(theirs(pb)[0], batch_first=True)
    _close(ya, yb, atol=1e-6)


def test_rnn_packed_wrong_input_size():
    packed = R.pack_padded_sequence(tg.ones(3, 2, 5), [3, 2])
    with pytest.raises(RuntimeError, match="input_size"):
        nn.LSTM(3, 4)(packed)


# ----------------------------------------------------------------------------- parametrize

class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class TorchSymmetric(torch.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)


class Scale(nn.Module):
    def forward(self, x):
        return x * 2

    def right_inverse(self, x):
        return x / 2


class TorchScale(torch.nn.Module):
    def forward(self, x):
        return x * 2

    def right_inverse(self, x):
        return x / 2


def test_register_parametrization_matches_torch():
    theirs, ours = torch.nn.Linear(3, 3), nn.Linear(3, 3)
    _load(ours, theirs)
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TorchSymmetric())
    original = ours.weight
    assert parametrize.register_parametrization(ours, "weight", Symmetric()) is ours
    assert parametrize.is_parametrized(ours)
    assert parametrize.is_parametrized(ours, "weight")
    assert not parametrize.is_parametrized(ours, "bias")
    assert type(ours).__name__ == "ParametrizedLinear"
    assert parametrize.type_before_parametrizations(ours) is nn.Linear
    assert ours.parametrizations.weight.original is original  # the same Parameter is trained
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    _close(ours.weight, theirs.weight)
    x = np.random.default_rng(5).standard_normal((2, 3)).astype(np.float32)
    ours(tg.tensor(x)).sin().sum().backward()
    theirs(torch.tensor(x)).sin().sum().backward()
    _grads_match(ours, theirs)
    assert type(nn.Linear(3, 3)).__name__ == "Linear"  # other instances untouched


def test_parametrization_chain_right_inverse_and_assignment():
    theirs, ours = torch.nn.Linear(3, 3), nn.Linear(3, 3)
    _load(ours, theirs)
    for module, lib, params in ((ours, parametrize, (Scale(), Symmetric())),
                                (theirs, torch.nn.utils.parametrize,
                                 (TorchScale(), TorchSymmetric()))):
        for p in params:
            lib.register_parametrization(module, "weight", p)
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    _close(ours.weight, theirs.weight)
    with pytest.raises(RuntimeError, match="Symmetric does not implement right_inverse"):
        ours.weight = tg.ones(3, 3)
    x = np.random.default_rng(5).standard_normal((2, 3)).astype(np.float32)
    ours(tg.tensor(x)).sum().backward()
    theirs(torch.tensor(x)).sum().backward()
    _grads_match(ours, theirs)


def test_parametrization_assignment_uses_right_inverse():
    theirs, ours = torch.nn.Linear(3, 3), nn.Linear(3, 3)
    parametrize.register_parametrization(ours, "weight", Scale())
    parametrize.register_parametrization(ours, "weight", Scale())
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TorchScale())
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TorchScale())
    value = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    ours.weight = tg.tensor(value)
    with torch.no_grad():
        theirs.weight = torch.tensor(value)
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_cached_computes_once():
    calls = []

    class Counting(nn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 1

    layer = parametrize.register_parametrization(nn.Linear(2, 2), "weight", Counting())
    calls.clear()
    with parametrize.cached():
        first, second = layer.weight, layer.weight
    assert len(calls) == 1
    assert first is second
    _ = layer.weight
    assert len(calls) == 2


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_matches_torch(leave):
    theirs, ours = torch.nn.Linear(3, 3), nn.Linear(3, 3)
    _load(ours, theirs)
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TorchSymmetric())
    parametrize.register_parametrization(ours, "weight", Symmetric())
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight", leave_parametrized=leave)
    parametrize.remove_parametrizations(ours, "weight", leave_parametrized=leave)
    assert type(ours) is nn.Linear
    assert not parametrize.is_parametrized(ours)
    assert isinstance(ours.weight, nn.Parameter)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _close(ours.weight, theirs.weight)


def test_parametrize_errors_match_torch():
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(nn.Linear(2, 2), "weight")
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a "
                                         "parametrized element with name 'foo'"):
        parametrize.register_parametrization(nn.Linear(2, 2), "foo", nn.Identity())

    class Row(nn.Module):
        def forward(self, x):
            return x[0]

    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Row())
    layer = nn.utils.parametrizations.weight_norm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        layer.weight = nn.Parameter(tg.ones(2, 2))
    layer.bias = nn.Parameter(tg.ones(2))  # other names assign as usual
    assert layer.bias.tolist() == [1.0, 1.0]


def test_deepcopy_of_a_parametrized_module():
    import copy

    layer = nn.utils.parametrizations.weight_norm(nn.Linear(2, 3))
    twin = copy.deepcopy(layer)
    assert type(twin) is type(layer)
    assert twin.parametrizations.weight.original1 is not layer.parametrizations.weight.original1
    np.testing.assert_array_equal(twin.weight.detach().numpy(), layer.weight.detach().numpy())
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(layer)
    copy_via_state = nn.utils.parametrizations.weight_norm(nn.Linear(2, 3))
    copy_via_state.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(copy_via_state.weight.detach().numpy(),
                                  layer.weight.detach().numpy())


def test_parametrize_a_buffer():
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    parametrize.register_parametrization(bn, "running_var", Scale())
    torch.nn.utils.parametrize.register_parametrization(tbn, "running_var", TorchScale())
    assert list(bn.state_dict()) == list(tbn.state_dict())
    _close(bn.running_var, tbn.running_var)


# ----------------------------------------------------------------------------- weight norm

def _old_weight_norm(lib, module, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return lib.nn.utils.weight_norm(module, **kwargs)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Linear(3, 5),
    lambda lib: lib.nn.Conv2d(2, 4, 3),
])
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_old_api_matches_torch(make, dim):
    theirs = _old_weight_norm(torch, make(torch), dim=dim)
    ours = _old_weight_norm(tg, make(tg), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert tuple(ours.weight_g.shape) == tuple(theirs.weight_g.shape)
    _load(ours, theirs)
    shape = (2, 3) if isinstance(theirs, torch.nn.Linear) else (2, 2, 5, 5)
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    ya, yb = ours(tg.tensor(x)), theirs(torch.tensor(x))
    _close(ya, yb, atol=1e-5)
    _close(ours.weight, theirs.weight, atol=1e-6)
    ya.sin().sum().backward()
    yb.sin().sum().backward()
    _grads_match(ours, theirs, atol=1e-4)


def test_weight_norm_warns_removes_and_refuses_twice():
    with pytest.warns(FutureWarning, match="is deprecated in favor of"):
        layer = nn.utils.weight_norm(nn.Linear(3, 2))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        _old_weight_norm(tg, layer)
    before = layer.weight.detach().numpy().copy()
    nn.utils.remove_weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"]
    assert isinstance(layer.weight, nn.Parameter)
    np.testing.assert_allclose(layer.weight.detach().numpy(), before, rtol=1e-6)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(layer)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm_matches_torch(dim):
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 5), dim=dim)
    ours = nn.utils.parametrizations.weight_norm(nn.Linear(3, 5), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours).__name__ == type(theirs).__name__
    _load(ours, theirs)
    _close(ours.weight, theirs.weight)
    x = np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32)
    ours(tg.tensor(x)).sin().sum().backward()
    theirs(torch.tensor(x)).sin().sum().backward()
    _grads_match(ours, theirs)
    parametrize.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    _close(ours.weight, theirs.weight)


# ----------------------------------------------------------------------------- spectral norm

@pytest.mark.parametrize(("make", "shape"), [
    (lambda lib: lib.nn.Linear(3, 5), (2, 3)),
    (lambda lib: lib.nn.Conv2d(2, 4, 3), (2, 2, 5, 5)),
    (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4)),
])
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_spectral_norm_old_api_matches_torch(make, shape, n_power_iterations):
    torch.manual_seed(11)
    theirs = torch.nn.utils.spectral_norm(make(torch), n_power_iterations=n_power_iterations,
                                          eps=1e-10)
    tg.manual_seed(11)
    ours = nn.utils.spectral_norm(make(tg), n_power_iterations=n_power_iterations, eps=1e-10)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # the same seed gives the same weights and the same initial u, v
    for key, value in theirs.state_dict().items():
        _close(ours.state_dict()[key], value)
    x = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
    for _ in range(3):  # training mode: each call does power iteration and updates u, v
        ya, yb = ours(tg.tensor(x)), theirs(torch.tensor(x))
    _close(ya, yb, atol=1e-5)
    _close(ours.weight_u, theirs.weight_u, atol=1e-5)
    _close(ours.weight_v, theirs.weight_v, atol=1e-5)
    ya.sin().sum().backward()
    yb.sin().sum().backward()
    _grads_match(ours, theirs, atol=1e-4)
    ours.eval()
    theirs.eval()
    u = ours.weight_u.numpy().copy()
    _close(ours(tg.tensor(x)), theirs(torch.tensor(x)), atol=1e-5)
    np.testing.assert_array_equal(ours.weight_u.numpy(), u)  # no iteration in eval


def test_spectral_norm_errors_and_remove():
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    layer = nn.utils.spectral_norm(nn.Linear(2, 3))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(layer)
    layer(tg.ones(1, 2))
    nn.utils.remove_spectral_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(layer)


@pytest.mark.parametrize(("make", "shape"), [
    (lambda lib: lib.nn.Linear(3, 5), (2, 3)),
    (lambda lib: lib.nn.Conv2d(2, 4, 3), (2, 2, 5, 5)),
])
def test_parametrizations_spectral_norm_matches_torch(make, shape):
    torch.manual_seed(12)
    theirs = torch.nn.utils.parametrizations.spectral_norm(make(torch))
    tg.manual_seed(12)
    ours = nn.utils.parametrizations.spectral_norm(make(tg))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        _close(ours.state_dict()[key], value, atol=1e-5)
    x = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    for _ in range(2):
        ya, yb = ours(tg.tensor(x)), theirs(torch.tensor(x))
    _close(ya, yb, atol=1e-5)
    ya.sin().sum().backward()
    yb.sin().sum().backward()
    _grads_match(ours, theirs, atol=1e-4)


# ----------------------------------------------------------------------------- total norm

@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf")])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    rng = np.random.default_rng(10)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((3, 2), (4,), ())]
    total_a = nn.utils.get_total_norm([tg.tensor(a) for a in arrays], norm_type)
    total_b = torch.nn.utils.get_total_norm([torch.tensor(a) for a in arrays], norm_type)
    _close(total_a, total_b, rtol=1e-6)
    ours = [nn.Parameter(tg.zeros(*a.shape)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.zeros(a.shape)) for a in arrays]
    for p, q, a in zip(ours, theirs, arrays, strict=True):
        p.grad, q.grad = tg.tensor(a), torch.tensor(a)
    assert nn.utils.clip_grads_with_norm_(ours, 0.5, total_a, foreach=True) is None
    torch.nn.utils.clip_grads_with_norm_(theirs, 0.5, total_b)
    for p, q in zip(ours, theirs, strict=True):
        _close(p.grad, q.grad, rtol=1e-6)
    assert float(nn.utils.get_total_norm([])) == float(torch.nn.utils.get_total_norm([]))


def test_clip_grad_norm_foreach_and_nonfinite_message():
    p = nn.Parameter(tg.ones(3))
    p.grad = tg.ones(3)
    total = nn.utils.clip_grad_norm_([p], 1.0, foreach=True)
    assert float(total) == pytest.approx(3 ** 0.5)
    nn.utils.clip_grad_value_([p], 0.1, foreach=False)
    p.grad = tg.tensor([1.0, float("inf"), 1.0])
    with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from "
                                           r"`parameters` is non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    with pytest.raises(TypeError, match="foreach"):
        nn.utils.clip_grad_norm_([p], 1.0, foreach="yes")


# ----------------------------------------------------------------------------- init

@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (0, 2)])
def test_eye_matches_torch(shape):
    ours = nn.init.eye_(tg.empty(*shape, requires_grad=True))
    theirs = torch.nn.init.eye_(torch.empty(*shape, requires_grad=True))
    np.testing.assert_array_equal(_np(ours), _np(theirs))
    assert ours.requires_grad


@pytest.mark.parametrize(("shape", "groups"), [((4, 2, 3), 1), ((4, 2, 3), 2), ((6, 3, 3, 3), 3),
                                          ((2, 4, 3, 3, 3), 1), ((4, 2, 3, 2), 1),
                                          ((6, 2, 5, 4), 2)])
def test_dirac_matches_torch(shape, groups):
    ours = nn.init.dirac_(tg.empty(*shape), groups=groups)
    theirs = torch.nn.init.dirac_(torch.empty(*shape), groups=groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_dirac_is_an_identity_convolution():
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = tg.randn(2, 3, 5, 5)
    np.testing.assert_allclose(conv(x).detach().numpy(), x.numpy(), atol=1e-6)


def test_eye_and_dirac_errors_match_torch():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        torch.nn.init.eye_(torch.ones(2, 2, 2))
    with pytest.raises(ValueError, match="only tensors with 2 dimensions are supported"):
        nn.init.eye_(tg.ones(2, 2, 2))
    with pytest.raises(ValueError, match="only tensors with 3, 4, or 5 dimensions"):
        nn.init.dirac_(tg.ones(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        nn.init.dirac_(tg.ones(3, 2, 3), groups=2)


@pytest.mark.parametrize("nonlinearity", [
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"])
def test_calculate_gain_every_nonlinearity(nonlinearity):
    assert nn.init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)



@pytest.mark.parametrize(("shape", "sparsity"), [((10, 4), 0.1), ((7, 3), 0.5), ((5, 2), 0.0)])
def test_sparse_matches_torch_for_a_seed(shape, sparsity):
    tg.manual_seed(21)
    ours = nn.init.sparse_(tg.empty(*shape), sparsity, std=0.5)
    torch.manual_seed(21)
    theirs = torch.nn.init.sparse_(torch.empty(*shape), sparsity, std=0.5)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    zeros = math.ceil(sparsity * shape[0])
    assert ((ours.numpy() == 0).sum(axis=0) == zeros).all()
    with pytest.raises(ValueError, match="only tensors with 2 dimensions"):
        nn.init.sparse_(tg.empty(2, 2, 2), 0.1)
