"""The ``nn.Module`` API against torch 2.x, side by side: hooks (forward pre/post, full backward
hooks and pre-hooks, global hooks, handles), the module surface (submodule/parameter/buffer
access, ``nn.Buffer``, non-persistent buffers, traversal with shared parameters,
``load_state_dict`` with its return value and error texts, conversions), the ``repr`` text,
lazy modules, and the deprecated/compatibility names (``Container``, ``NLLLoss2d``,
``DataParallel``, ``SyncBatchNorm``, ``factory_kwargs``, ``nn.init``'s old spellings).

Most checks are scenarios ``fn(lib)`` run once with ``lib = torch`` and once with
``lib = tinygrad_edu``; they return a log of plain values (tensors become rounded lists) and the
two logs must be equal.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


class Close:
    """A tensor's values in a log: equal to another when shape and values match closely."""

    def __init__(self, array: np.ndarray) -> None:
        self.dtype = array.dtype  # the tensor's own dtype must match too
        self.array = array.astype(np.float64) if array.dtype.kind == "f" else array

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Close) or self.array.shape != other.array.shape:
            return False
        if self.dtype != other.dtype:
            return False
        if self.array.dtype.kind in "fc" or other.array.dtype.kind in "fc":
            return bool(np.allclose(self.array, other.array, rtol=1e-5, atol=1e-6))
        return bool(np.array_equal(self.array, other.array))

    def __repr__(self) -> str:
        return f"Close({self.array.tolist()}, {self.dtype})"


def plain(value: Any) -> Any:
    """Tensors as ``Close`` arrays, containers recursively (named tuples as tuples)."""
    if isinstance(value, (tg.Tensor, torch.Tensor)):
        return Close(np.asarray(value.detach().numpy()))
    if isinstance(value, (tuple, list)):
        items = [plain(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def same(scenario: Any) -> list[Any]:
    """Run ``scenario`` with both libraries; their logs must match. Returns ours."""
    theirs = plain(scenario(torch))
    ours = plain(scenario(tg))
    assert ours == theirs
    return ours


def sd_np(module: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def load_from_torch(ours: Any, theirs: Any) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


# ----------------------------------------------------------------------------- forward hooks

def test_forward_pre_hooks_and_forward_hooks_as_torch():
    def scenario(lib):
        log = []
        lin = lib.nn.Linear(2, 3)
        with lib.no_grad():
            lin.weight.fill_(1.0)
            lin.bias.fill_(0.5)
        h1 = lin.register_forward_pre_hook(lambda m, args: args[0] * 2)  # non-tuple -> 1-tuple
        lin.register_forward_pre_hook(lambda m, args: log.append("pre-first"), prepend=True)
        lin.register_forward_hook(lambda m, args, out: out + 1)
        lin.register_forward_hook(lambda m, args, out: log.append(("post-first", args)),
                                  prepend=True)
        log.append(lin(lib.ones(1, 2)))
        h1.remove()
        h1.remove()  # a second remove does nothing
        log.append(lin(lib.ones(1, 2)))
        return log

    same(scenario)


def test_hooks_with_kwargs():
    class M:
        @staticmethod
        def make(lib):
            class Scale(lib.nn.Module):
                def forward(self, x, scale=1.0):
                    return x * scale
            return Scale()

    def scenario(lib):
        log = []
        m = M.make(lib)
        m.register_forward_pre_hook(lambda mod, args, kw: ((args[0] + 1,), {"scale": 3.0}),
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, kw, out: log.append((args, kw, out)),
                                with_kwargs=True)
        log.append(m(lib.ones(2), scale=2.0))
        bad = M.make(lib)
        bad.register_forward_pre_hook(lambda mod, args, kw: args, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            bad(lib.ones(1))
        return log

    same(scenario)


def test_always_call_hooks_run_when_forward_raises():
    def scenario(lib):
        log = []

        class Bad(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        bad = Bad()
        bad.register_forward_hook(lambda m, a, o: log.append(("plain", o)))
        bad.register_forward_hook(lambda m, a, o: log.append(("always", o)), always_call=True)

        def failing(m, a, o):
            raise KeyError("hook")

        bad.register_forward_hook(failing, always_call=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with pytest.raises(ValueError, match="boom"):
                bad(lib.ones(1))
        log.append([str(x.message).split(":")[0] for x in w])
        return log

    assert same(scenario)[0] == ("always", None)


def test_handles_are_context_managers_and_global_hooks():
    def scenario(lib):
        log = []
        mm = lib.nn.modules.module
        with mm.register_module_forward_hook(lambda m, a, o: log.append(type(m).__name__)):
            lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())(lib.ones(1, 2))
        lib.nn.ReLU()(lib.ones(1))  # removed: not logged
        with mm.register_module_forward_pre_hook(lambda m, a: log.append(("pre", a))):
            lib.nn.Identity()(lib.ones(1))
        relu = lib.nn.ReLU()
        with relu.register_forward_hook(lambda m, a, o: o * 0):
            log.append(relu(lib.ones(2)))
        log.append(relu(lib.ones(2)))
        return log

    assert same(scenario)[:3] == ["Linear", "ReLU", "Sequential"]


# ----------------------------------------------------------------------------- backward hooks

def _two_in_two_out(lib):
    class M(lib.nn.Module):
        def forward(self, a, b, k=3):
            return a * b, a + 1

    return M()


def test_full_backward_hook_several_inputs_and_outputs():
    def scenario(lib):
        log = []
        m = _two_in_two_out(lib)
        m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", go)))

        def hook(mod, gi, go):
            log.append(("full", gi, go))
            return (gi[0] * 10, gi[1], None)

        handle = m.register_full_backward_hook(hook)
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0])  # needs no grad: zeros in grad_input, as torch reports
        o1, o2 = m(a, b, 4)  # the int argument: None in grad_input
        o1.sum().backward()  # o2 unused: None in grad_output
        log.append(a.grad)
        handle.remove()
        a.grad = None
        o1, o2 = m(a, b)
        (o1.sum() + (o2 * 2).sum()).backward()
        log.append(a.grad)
        return log

    log = same(scenario)
    assert log[1][0] == "full"
    assert log[1][1][2] is None
    assert log[1][2][1] is None


def test_backward_pre_hook_replaces_grad_output():
    def scenario(lib):
        log = []
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]]))
        lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        lin.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        x = lib.ones(4, 3, requires_grad=True)
        lin(x).sum().backward()
        log += [x.grad, lin.weight.grad, lin.bias.grad]
        return log

    same(scenario)


def test_full_backward_hook_in_a_network_replaces_the_input_gradient():
    def scenario(lib):
        lib.manual_seed(0)
        log = []
        first, second = lib.nn.Linear(3, 4), lib.nn.Linear(4, 2)
        net = lib.nn.Sequential(first, lib.nn.Tanh(), second)
        second.register_full_backward_hook(lambda m, gi, go: (gi[0].clamp(min=0),))
        net.register_full_backward_hook(lambda m, gi, go: log.append(("net", gi, go)))
        x = lib.arange(6.0).reshape(2, 3).requires_grad_()
        net(x).pow(2).sum().backward()
        log += [x.grad, first.weight.grad]
        return log

    same(scenario)


def test_full_backward_hook_without_inputs_requiring_grad():
    def scenario(lib):
        log = []
        lin = lib.nn.Linear(2, 2)
        lin.register_full_backward_hook(lambda m, gi, go: log.append((gi, go[0].shape)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(lib.ones(1, 2)).sum().backward()
        log.append([str(x.message)[:60] for x in w])
        bad = lib.nn.Linear(2, 2)
        bad.register_full_backward_hook(lambda m, gi, go: (lib.ones(1, 2),))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="no input requires gradient"):
                bad(lib.ones(1, 2)).sum().backward()
        return log

    same(scenario)


def test_backward_hook_errors_and_identity_modules():
    def scenario(lib):
        log = []
        m = _two_in_two_out(lib)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0],))
        a = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="invalid number of grad_input, got 1, but "
                                               "expected 2"):
            m(a, a)[0].sum().backward()
        ident = lib.nn.Identity()
        ident.register_full_backward_hook(lambda mod, gi, go: log.append((gi, go)))
        x = lib.ones(3, requires_grad=True)
        (ident(x) * 3).sum().backward()
        log.append(x.grad)
        return log

    same(scenario)


def test_grad_cam_style_hooks_on_a_conv_net():
    """The tutorial recipe: keep a layer's activations (forward hook) and the gradient at its
    output (full backward hook), then weight the channels by the mean gradient."""
    def scenario(lib):
        lib.manual_seed(0)
        nn = lib.nn
        net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(),
                            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
                            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))
        kept = {}
        target = net[2]
        target.register_forward_hook(lambda m, a, out: kept.update(act=out.detach()))
        target.register_full_backward_hook(lambda m, gi, go: kept.update(grad=go[0]))
        x = lib.arange(2 * 2 * 5 * 5, dtype=lib.float32).reshape(2, 2, 5, 5) / 50
        net(x)[:, 3].sum().backward()
        weights = kept["grad"].mean(dim=(2, 3), keepdim=True)
        return [kept["act"], kept["grad"], (weights * kept["act"]).sum(1).relu()]

    same(scenario)  # manual_seed(0) gives both libraries the same initial weights


def test_global_backward_hooks():
    def scenario(lib):
        log = []
        mm = lib.nn.modules.module
        x = lib.ones(1, 2, requires_grad=True)
        lin = lib.nn.Linear(2, 1)
        with mm.register_module_full_backward_hook(lambda m, gi, go: log.append(
                (type(m).__name__, [g is None for g in gi]))), \
                mm.register_module_full_backward_pre_hook(lambda m, go: log.append("pre")):
            lin(x).sum().backward()
        lin(x).sum().backward()  # removed
        return log

    same(scenario)


def test_deprecated_backward_hook_on_a_one_op_module():
    def scenario(lib):
        log = []
        sig = lib.nn.Sigmoid()
        sig.register_backward_hook(lambda m, gi, go: log.append((gi, go)))
        sig.register_backward_hook(lambda m, gi, go: (gi[0] * 2,))
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = sig(x * 1)
        log.append([x.category.__name__ for x in w])
        out.sum().backward()
        log.append(x.grad)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            sig.register_full_backward_hook(lambda *a: None)
        full = lib.nn.Sigmoid()
        full.register_full_backward_hook(lambda *a: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            full.register_backward_hook(lambda *a: None)
        lin = lib.nn.Linear(2, 1)
        lin.register_backward_hook(lambda m, gi, go: None)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(lib.ones(1, 2)).sum().backward()
        log.append([str(x.message)[:70] for x in w])
        return log

    same(scenario)


# ----------------------------------------------------------------------------- module surface

def _net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
            self.head = lib.nn.Linear(3, 1)
            self.register_buffer("scratch", lib.zeros(2), persistent=False)
            self.stats = lib.nn.Buffer(lib.ones(2))
            self.cache = lib.nn.Buffer(lib.zeros(1), persistent=False)

        def forward(self, x):
            return self.head(self.body(x))

    return Net()


def test_submodule_parameter_and_buffer_access():
    def scenario(lib):
        net = _net(lib)
        log = [type(net.get_submodule("body.0")).__name__, net.get_submodule("") is net,
               net.get_parameter("body.0.weight") is net.body[0].weight,
               net.get_buffer("body.1.running_mean") is net.body[1].running_mean,
               net.get_buffer("stats") is net.stats]
        for call in (lambda: net.get_submodule("body.7"), lambda: net.get_submodule("head.weight"),
                     lambda: net.get_parameter("body.1.running_mean"),
                     lambda: net.get_parameter("head.nope"), lambda: net.get_buffer("head.weight"),
                     lambda: net.set_submodule("body.9", lib.nn.ReLU(), strict=True),
                     lambda: net.set_submodule("head.weight", lib.nn.ReLU()),
                     lambda: net.set_submodule("", lib.nn.ReLU()),
                     lambda: net.set_submodule("x", 3)):
            with pytest.raises((AttributeError, ValueError)) as info:
                call()
            log.append((type(info.value).__name__, str(info.value).split(", found")[0]))
        net.set_submodule("body.0", lib.nn.Linear(2, 3, bias=False))
        net.register_module("extra", lib.nn.Tanh())
        log.append([n for n, _ in net.named_modules()])
        return log

    same(scenario)


def test_assignment_moves_names_between_kinds():
    def scenario(lib):
        m = lib.nn.Module()
        m.w = 3
        m.w = lib.nn.Parameter(lib.ones(1))  # a plain attribute becomes a parameter
        m.sub = lib.nn.ReLU()
        m.register_buffer("buf", lib.ones(1), persistent=False)
        m.buf = lib.zeros(2)  # stays a non-persistent buffer
        log = [list(m._parameters), list(m._modules), list(m.state_dict()), "w" in vars(m)]
        with pytest.raises(TypeError) as info:
            m.w = lib.ones(1)
        log.append(str(info.value))
        with pytest.raises(TypeError) as info:
            m.sub = 3
        log.append(str(info.value))
        m.sub = None
        m.w = None
        log += [list(m.named_children()), list(m.named_parameters()), list(m._parameters)]
        del m.buf
        log.append(list(m._buffers))
        return log

    same(scenario)


def test_buffers_persistent_and_not():
    def scenario(lib):
        net = _net(lib)
        log = [list(net.state_dict()), [n for n, _ in net.named_buffers()],
               isinstance(net.stats, lib.nn.Buffer), isinstance(lib.ones(1), lib.nn.Buffer),
               type(net.stats).__name__]
        net.double()
        log.append([str(b.dtype) for b in net.buffers()])  # non-persistent ones move too
        net.half()
        log.append(str(net.cache.dtype))
        with pytest.raises(TypeError):
            net.register_buffer("bad", [1.0])
        with pytest.raises(KeyError):
            net.register_buffer("head", lib.zeros(1))  # a child's name
        return log

    same(scenario)


def test_named_modules_and_parameters_with_sharing():
    def scenario(lib):
        shared = lib.nn.Linear(2, 2)
        net = lib.nn.Sequential(shared, lib.nn.ReLU(), shared)
        tied = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 2))
        tied[1].weight = tied[0].weight
        return [
            [n for n, _ in net.named_modules()],
            [n for n, _ in net.named_modules(remove_duplicate=False)],
            [n for n, _ in net.named_modules(prefix="model")],
            [n for n, _ in net.named_parameters()],
            [n for n, _ in net.named_parameters(remove_duplicate=False)],
            [n for n, _ in net.named_parameters(prefix="p", recurse=False)],
            [n for n, _ in tied.named_parameters()],
            [n for n, _ in tied.named_parameters(remove_duplicate=False)],
            list(tied.state_dict()), len(list(tied.parameters())),
            [n for n, _ in net.named_children()],
        ]

    same(scenario)


def test_load_state_dict_result_and_error_texts():
    def scenario(lib):
        log = []
        lin = lib.nn.Linear(2, 3)
        ok = lin.load_state_dict(lib.nn.Linear(2, 3).state_dict())
        log += [repr(ok), str(ok), ok.missing_keys, ok.unexpected_keys, type(ok).__name__]
        res = lin.load_state_dict({"weight": lib.ones(3, 2), "extra": lib.ones(1)}, strict=False)
        log += [repr(res), res.missing_keys, res.unexpected_keys, lin.weight]
        for sd in ({"weight": lib.ones(3, 2)},
                   {"weight": lib.ones(3, 2), "bias": lib.ones(3), "x": lib.ones(1), "y": 1},
                   {"weight": lib.ones(2, 2), "bias": lib.ones(3)},
                   {"bias": lib.ones(4)}):
            with pytest.raises(RuntimeError) as info:
                lin.load_state_dict(sd)
            log.append(str(info.value).replace("<class 'int'>", "int"))
        with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
            lin.load_state_dict([1, 2])
        return log

    log = same(scenario)
    assert log[0] == "<All keys matched successfully>"


def test_load_state_dict_assign_and_keep_vars():
    def scenario(lib):
        lin = lib.nn.Linear(2, 1)
        w = lib.tensor([[1.0, 2.0]])
        lin.load_state_dict({"weight": w, "bias": lib.zeros(1)}, assign=True)
        log = [type(lin.weight).__name__, lin.weight.requires_grad, lin.weight]
        w[0, 0] = 5.0  # assigned, not copied: the module sees the change
        log.append(lin.weight)
        sd = lin.state_dict(keep_vars=True)
        log += [sd["weight"] is lin.weight, lin.state_dict()["weight"].requires_grad]
        lin.requires_grad_(False)
        lin.load_state_dict({"weight": lib.ones(1, 2), "bias": lib.ones(1)}, assign=True)
        log.append(lin.weight.requires_grad)
        return log

    same(scenario)


def test_conversions_and_modes_return_the_module():
    def scenario(lib):
        net = _net(lib)
        log = []
        for name, args in (("to", (lib.float64,)), ("half", ()), ("float", ()), ("double", ()),
                           ("train", ()), ("eval", ()), ("requires_grad_", (False,)),
                           ("share_memory", ()), ("cpu", ()), ("apply", (lambda m: None,))):
            log.append((name, getattr(net, name)(*args) is net))
        log.append([str(t.dtype) for t in net.state_dict().values()])
        log.append([m.training for m in net.modules()])
        net.train()
        net.requires_grad_(True)
        net(lib.ones(4, 2, dtype=lib.float64)).sum().backward()
        weight = net.head.weight
        grad = weight.grad
        net.zero_grad(set_to_none=False)
        log += [weight.grad is grad, weight.grad]
        net.zero_grad()
        log.append(weight.grad)
        net.type(lib.float32)
        log.append([str(t.dtype) for t in net.state_dict().values()])  # int buffers too
        log.append(net.head.weight is weight)  # the same Parameter objects
        with pytest.raises(TypeError, match="only accepts floating point"):
            net.to(lib.int32)
        with pytest.raises(ValueError, match="boolean"):
            net.train("yes")
        return log

    same(scenario)


def test_train_recurses_through_children_overrides():
    def scenario(lib):
        class FrozenBN(lib.nn.BatchNorm1d):
            def train(self, mode=True):
                return super().train(False)

        net = lib.nn.Sequential(lib.nn.Linear(2, 2), FrozenBN(2))
        net.train()
        return [m.training for m in net.modules()]

    assert same(scenario) == [True, True, False]


def test_apply_order_and_deepcopy():
    def scenario(lib):
        names = []
        net = lib.nn.Sequential(lib.nn.Linear(1, 1), lib.nn.Sequential(lib.nn.ReLU()))
        net.apply(lambda m: names.append(type(m).__name__))
        net.register_forward_hook(lambda m, a, o: o * 2)
        clone = copy.deepcopy(net)
        return [names, clone[0].weight is not net[0].weight, len(clone._forward_hooks)]

    same(scenario)


# ----------------------------------------------------------------------------- repr

REPR_CASES = [
    ("Linear", (3, 4), {}), ("Linear", (3, 4), {"bias": False}),
    ("Conv2d", (3, 8, 3), {"stride": 2, "padding": 1}), ("Conv1d", (2, 4, 5), {"groups": 2}),
    ("ConvTranspose2d", (4, 2, 3), {"output_padding": 1, "stride": 2}),
    ("BatchNorm1d", (5,), {}), ("BatchNorm2d", (5,), {"affine": False}),
    ("LayerNorm", ((4, 5),), {}), ("GroupNorm", (2, 4), {}), ("InstanceNorm2d", (3,), {}),
    ("Dropout", (0.3,), {}), ("ReLU", (), {"inplace": True}), ("LeakyReLU", (0.2,), {}),
    ("Hardswish", (), {}), ("Hardsigmoid", (), {"inplace": True}), ("GELU", (), {}),
    ("MaxPool2d", (2,), {}), ("AvgPool2d", (3, 2), {}), ("AdaptiveAvgPool2d", ((1, 1),), {}),
    ("Embedding", (10, 3), {}), ("LSTM", (3, 4), {"num_layers": 2, "batch_first": True}),
    ("GRU", (3, 4), {}), ("RNN", (3, 4), {"nonlinearity": "relu"}),
    ("Flatten", (), {}), ("Unflatten", (1, (2, 3)), {}), ("Softmax", (), {"dim": 1}),
    ("CrossEntropyLoss", (), {"label_smoothing": 0.1}), ("MSELoss", (), {}),
    ("Upsample", (), {"scale_factor": 2.0}), ("PixelShuffle", (2,), {}),
    ("ZeroPad2d", (1,), {}), ("Identity", (), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), REPR_CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(REPR_CASES)])
def test_repr_matches_torch(name, args, kwargs):
    assert repr(getattr(tg.nn, name)(*args, **kwargs)) == \
        repr(getattr(torch.nn, name)(*args, **kwargs))


def test_nested_repr_and_modulelist_folding():
    def scenario(lib):
        nn = lib.nn

        class Multi(nn.Module):
            def extra_repr(self):
                return "a=1\nb=2"

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()] +
                                            [nn.Sequential(nn.Linear(2, 2), nn.ReLU())
                                             for _ in range(2)])
                self.multi = Multi()
                self.empty = nn.Sequential()
                self.seq = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))  # not folded
                self.dict = nn.ModuleDict({"a": nn.Conv2d(1, 2, 3), "b": nn.Tanh()})

            def extra_repr(self):
                return "top=True"

        return [repr(Net()), repr(Multi()), repr(nn.ModuleList()), repr(nn.Sequential())]

    same(scenario)


# ----------------------------------------------------------------------------- lazy modules

LAZY_CASES = [
    ("LazyLinear", (3,), {}, (2, 4)), ("LazyLinear", (3,), {"bias": False}, (5, 2, 4)),
    ("LazyConv1d", (4, 3), {"groups": 2, "bias": False}, (1, 6, 5)),
    ("LazyConv2d", (4, 3), {"stride": 2, "padding": 1}, (2, 3, 5, 5)),
    ("LazyConv2d", (4, 3), {}, (3, 5, 5)),  # unbatched: channels from dim 0
    ("LazyConv3d", (2, 1), {}, (1, 3, 2, 2, 2)),
    ("LazyConvTranspose1d", (4, 3), {}, (6, 5)),
    ("LazyConvTranspose2d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 6, 4, 4)),
    ("LazyBatchNorm1d", (), {}, (4, 3)), ("LazyBatchNorm1d", (), {"track_running_stats": False},
                                          (4, 3, 2)),
    ("LazyBatchNorm2d", (), {"affine": False}, (2, 3, 2, 2)),
    ("LazyInstanceNorm2d", (), {}, (2, 3, 4, 4)),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), LAZY_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LAZY_CASES)])
def test_lazy_modules_as_torch(name, args, kwargs, shape):
    ours, theirs = getattr(tg.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert {k: repr(v) for k, v in ours.state_dict().items()} == \
        {k: repr(v) for k, v in theirs.state_dict().items()}
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y_theirs = theirs(torch.tensor(x))
    ours(tg.tensor(x))  # materializes with random values; then load torch's and compare
    assert type(ours).__name__ == type(theirs).__name__
    assert repr(ours) == repr(theirs)
    assert isinstance(ours, getattr(tg.nn, type(theirs).__name__))
    load_from_torch(ours, theirs)
    theirs.eval()
    ours.eval()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert tuple(y_theirs.shape) == tuple(ours(tg.tensor(x)).shape)


def test_uninitialized_placeholders():
    def scenario(lib):
        log = []
        up = lib.nn.parameter.UninitializedParameter()
        ub = lib.nn.parameter.UninitializedBuffer()
        log += [repr(up), repr(ub), up.requires_grad, ub.requires_grad, str(up.dtype),
                isinstance(up, lib.nn.Parameter)]
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
            _ = up.shape
        with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
            up.sum()
        up.materialize((2, 3))
        log += [type(up).__name__, tuple(up.shape), up.requires_grad]
        ub.materialize(4)
        log += [type(ub).__name__, tuple(ub.shape)]
        return log

    same(scenario)


def test_lazy_load_state_dict_and_errors():
    def scenario(lib):
        log = []
        lazy = lib.nn.LazyLinear(3)
        log.append(repr(lazy.load_state_dict(lib.nn.Linear(4, 3).state_dict())))
        log += [repr(lazy), type(lazy).__name__, tuple(lazy.weight.shape)]
        lazy(lib.ones(1, 4))
        log += [repr(lazy), type(lazy).__name__]
        original = lib.nn.LazyLinear(2)
        clone = copy.deepcopy(original)  # the copy initializes on its own
        clone(lib.ones(1, 3))
        original(lib.ones(1, 5))
        log += [repr(clone), repr(original)]
        with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\)"):
            lib.nn.LazyConv2d(4, 3)(lib.ones(4, 4))
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            lib.nn.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 4, 4))
        return log

    same(scenario)


@pytest.mark.parametrize("name", ["ConvTranspose3d", "BatchNorm3d", "InstanceNorm1d",
                                  "InstanceNorm3d"])
def test_every_eager_conv_and_norm_class_has_its_lazy_class(name):
    assert getattr(tg.nn, "Lazy" + name).cls_to_become is getattr(tg.nn, name)


def test_lazy_batchnorm3d_matches_torch():
    ours, theirs = tg.nn.LazyBatchNorm3d(momentum=0.2), torch.nn.LazyBatchNorm3d(momentum=0.2)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(4).standard_normal((2, 3, 2, 2, 2))
    yo, yt = ours(tg.tensor(x)), theirs(torch.tensor(x, dtype=torch.float32))
    assert type(ours) is tg.nn.BatchNorm3d
    assert repr(ours) == repr(theirs)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    for k, v in sd_np(ours).items():
        np.testing.assert_allclose(v, theirs.state_dict()[k].numpy(), rtol=1e-5, err_msg=k)


# ----------------------------------------------------------------------------- compatibility

def test_deprecated_names_warn_as_torch():
    def scenario(lib):
        log = []
        for name in ("normal", "uniform", "constant", "xavier_uniform", "xavier_normal",
                     "kaiming_uniform", "kaiming_normal", "eye", "dirac", "orthogonal",
                     "sparse"):
            t = lib.empty(2, 2, 3) if name == "dirac" else lib.empty(3, 3)
            args = (0.5,) if name in ("constant", "sparse") else ()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                out = getattr(lib.nn.init, name)(t, *args)
            log.append((name, out is t, w[0].category.__name__, str(w[0].message)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            c = lib.nn.Container(a=lib.nn.Linear(1, 1))
            loss = lib.nn.NLLLoss2d(ignore_index=1)
        log += [repr(c), repr(loss), loss.ignore_index,
                [(x.category.__name__, str(x.message)) for x in w]]
        return log

    same(scenario)


def test_nllloss2d_is_nllloss_on_images():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4)).astype(np.float32)
    t = np.random.default_rng(2).integers(0, 3, (2, 4, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = tg.nn.NLLLoss2d()(tg.tensor(x).log_softmax(1), tg.tensor(t))
        theirs = torch.nn.NLLLoss2d()(torch.tensor(x).log_softmax(1), torch.tensor(t))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)


def test_data_parallel_runs_the_module():
    def scenario(lib):
        lib.manual_seed(0)
        inner = lib.nn.Linear(2, 3)
        dp = lib.nn.DataParallel(inner, device_ids=[0])
        x = lib.arange(4.0).reshape(2, 2)
        out = dp(x)
        out.sum().backward()
        log = [repr(dp), list(dp.state_dict()), dp.device_ids, dp.module is inner,
               [n for n, _ in dp.named_parameters()], inner.weight.grad]
        log.append(lib.nn.parallel.DataParallel is lib.nn.DataParallel)
        return log

    same(scenario)
    ours = tg.nn.DataParallel(tg.nn.Linear(2, 3))
    theirs = torch.nn.DataParallel(torch.nn.Linear(2, 3))
    load_from_torch(ours, theirs)  # checkpoints with the module. prefix move across
    x = np.ones((1, 2), dtype=np.float32)
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_sync_batchnorm_is_batchnorm_without_a_process_group():
    x = np.random.default_rng(3).standard_normal((4, 3, 5)).astype(np.float64)
    ours, theirs = tg.nn.SyncBatchNorm(3).double(), torch.nn.SyncBatchNorm(3).double()
    assert repr(ours) == repr(theirs)
    xo, xt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    (yo * tg.tensor(x)).sum().backward()
    (yt * torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    for k, v in sd_np(ours).items():
        np.testing.assert_allclose(v, theirs.state_dict()[k].numpy(), atol=1e-10, err_msg=k)
    with pytest.raises(ValueError, match="expected at least 2D input"):
        ours(tg.ones(3))

    def scenario(lib):
        net = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 1), lib.nn.BatchNorm2d(2),
                                lib.nn.Sequential(lib.nn.BatchNorm1d(2)))
        conv = lib.nn.SyncBatchNorm.convert_sync_batchnorm(net)
        return [repr(conv), conv[1].weight is net[1].weight,
                conv[1].running_mean is net[1].running_mean]

    same(scenario)


def test_factory_kwargs():
    def scenario(lib):
        log = [lib.nn.factory_kwargs(None),
               sorted(lib.nn.factory_kwargs({"device": "cpu", "factory_kwargs":
                                             {"dtype": None}}).items())]
        for bad in ({"foo": 1}, {"dtype": None, "factory_kwargs": {"dtype": None}}):
            with pytest.raises(TypeError) as info:
                lib.nn.factory_kwargs(bad)
            log.append(str(info.value))
        return log

    same(scenario)


def test_torch_module_paths():
    from tinygrad_edu.nn.modules.batchnorm import _BatchNorm
    from tinygrad_edu.nn.modules.linear import Linear
    from tinygrad_edu.nn.modules.module import Module, _IncompatibleKeys
    from tinygrad_edu.nn.parameter import Parameter, UninitializedParameter

    assert Module is tg.nn.Module
    assert Linear is tg.nn.Linear
    assert issubclass(tg.nn.BatchNorm2d, _BatchNorm)
    assert Parameter is tg.nn.Parameter
    assert UninitializedParameter is tg.nn.UninitializedParameter
    assert tg.nn.modules.Conv2d is tg.nn.Conv2d
    assert _IncompatibleKeys([], []) == ([], [])
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = tg.nn.modules.conv.Nope


def test_modules_utils_tuple_helpers():
    from torch.nn.modules import utils as theirs

    from tinygrad_edu.nn.modules import utils as ours

    for name in ("_single", "_pair", "_triple", "_quadruple"):
        for value in (3, (1, 2), [4, 5, 6], "ab"):
            assert getattr(ours, name)(value) == getattr(theirs, name)(value)
        assert getattr(ours, name).__name__ == getattr(theirs, name).__name__
    for t, n in (((1, 2), 2), ((1, 2, 3), 1), ((), 3)):
        assert ours._reverse_repeat_tuple(t, n) == theirs._reverse_repeat_tuple(t, n)
    assert ours._ntuple(5)(0) == theirs._ntuple(5)(0)


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "checkpoint has <U3 values, expected real numbers"),
    (np.array(1 + 2j), "checkpoint has complex128 values"),
    (np.datetime64("2020-01-01"), "checkpoint has datetime64"),
    (np.uint64(2 ** 64 - 1), r"value out of range for 1.num_batches_tracked: checkpoint has "
                             r"values in \[18446744073709551615"),
])
def test_load_state_dict_refuses_values_an_int_buffer_cannot_hold_and_changes_nothing(
        value, message):
    model = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.BatchNorm1d(2))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    state = {k: v + 1 for k, v in model.state_dict().items()}  # every key would change
    state["1.num_batches_tracked"] = value
    with pytest.raises(RuntimeError, match=message):
        model.load_state_dict(state)
    for key, tensor in model.state_dict().items():
        assert np.array_equal(tensor.numpy(), before[key]), key
