"""``tinygrad_edu.onnx.export``: every exported graph is run by ONNX Runtime and compared with
the model's own output, at the traced batch size and, with ``dynamic_axes``, at another one.

- the course's feed-forward models (``models/``) and the models the examples train;
- each converter through a tiny function calling the op, with the static variants it supports;
- the arguments (names, file objects, opsets, torch's keywords) and the errors.
"""

from __future__ import annotations

import io
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
import tinygrad_edu.onnx  # noqa: E402
from tinygrad_edu import nn  # noqa: E402
from tinygrad_edu.models import MLP, ConvNet, ThreeLayerConvNet, resnet8  # noqa: E402
from tinygrad_edu.onnx import ExportError, export, supported_ops  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_onnx(data: bytes, *inputs: tg.Tensor) -> list[np.ndarray]:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), inputs, strict=True)}
    return session.run(None, feeds)


def own_outputs(model: Any, inputs: tuple[tg.Tensor, ...]) -> list[np.ndarray]:
    with tg.no_grad():
        out = model(*inputs)
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [o.numpy() for o in outs]


def check(model: Any, *inputs: tg.Tensor, other: tuple[tg.Tensor, ...] | None = None,
          rtol: float = 1e-5, atol: float = 1e-6, **kwargs: Any) -> Any:
    """Export, run in ONNX Runtime on ``inputs`` (and ``other``), compare; return the proto."""
    f = io.BytesIO()
    was = getattr(model, "training", None)
    proto = export(model, inputs, f, **kwargs)
    if isinstance(model, nn.Module):
        assert model.training == was  # export restores the mode
        model.eval()
    for xs in [inputs] + ([other] if other is not None else []):
        got, want = run_onnx(f.getvalue(), *xs), own_outputs(model, xs)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape
            assert g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return proto


def batch(*shape: int, dtype: Any = np.float32, seed: int = 0) -> tg.Tensor:
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


BATCH = {"x": {0: "batch"}}


def randomize_norm_stats(model: nn.Module) -> nn.Module:
    """Give BatchNorm layers non-trivial running statistics and affine parameters."""
    rng = np.random.default_rng(1)
    with tg.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.running_mean.copy_(tg.tensor(rng.standard_normal(n).astype(np.float32)))
                m.running_var.copy_(tg.tensor(rng.uniform(0.5, 2, n).astype(np.float32)))
                m.weight.copy_(tg.tensor(rng.uniform(0.5, 2, n).astype(np.float32)))
                m.bias.copy_(tg.tensor(rng.standard_normal(n).astype(np.float32)))
    return model


# ----------------------------------------------------------------------------- models
@pytest.mark.parametrize(("name", "make", "shape"), [
    ("mlp", lambda: MLP(3 * 4 * 4, (16, 8), 5, dropout=0.3, batch_norm=True), (3, 4, 4)),
    ("convnet", lambda: ConvNet(), (1, 8, 8)),
    ("three_layer", lambda: ThreeLayerConvNet((3, 16, 16), 4, 5, 12, 7), (3, 16, 16)),
    ("resnet8", lambda: resnet8(num_classes=4), (3, 8, 8)),
])
def test_course_models(name: str, make: Callable[[], nn.Module], shape: tuple[int, ...]) -> None:
    tg.manual_seed(0)
    model = randomize_norm_stats(make())
    model.train()
    proto = check(model, batch(2, *shape), other=(batch(5, *shape, seed=1),),
                  input_names=["x"], output_names=["scores"], dynamic_axes=BATCH)
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["scores"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    names = {t.name for t in proto.graph.initializer}
    params = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    assert params <= names  # parameters and buffers keep their state_dict names
    ops = {n.op_type for n in proto.graph.node}
    assert "Dropout" not in ops


def load_example(name: str) -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLES / name))


def test_train_digits_models() -> None:
    build = load_example("train_digits.py")["build_model"]
    for kind in ("mlp", "conv"):
        tg.manual_seed(0)
        model = randomize_norm_stats(build(kind, (1, 8, 8), 10))
        check(model, batch(3, 1, 8, 8), other=(batch(1, 1, 8, 8, seed=2),),
              input_names=["x"], dynamic_axes=BATCH)


def test_train_cifar10_model() -> None:
    source = (EXAMPLES / "train_cifar10.py").read_text()
    assert "ThreeLayerConvNet(input_dim=(3, 32, 32), num_filters=32, filter_size=7" in source
    tg.manual_seed(0)
    model = ThreeLayerConvNet(input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                              hidden_dim=100, num_classes=10)
    check(model, batch(2, 3, 32, 32), other=(batch(3, 3, 32, 32, seed=1),),
          input_names=["x"], dynamic_axes=BATCH, rtol=1e-4, atol=1e-5)


def test_wgan_gp_generator_and_critic() -> None:
    ex = load_example("wgan_gp.py")
    tg.manual_seed(0)
    generator, critic = ex["mlp"](ex["NOISE"], 2), ex["mlp"](2, 1)
    check(generator, batch(4, ex["NOISE"]), other=(batch(9, ex["NOISE"], seed=1),),
          input_names=["x"], dynamic_axes=BATCH)
    check(critic, batch(4, 2), other=(batch(1, 2, seed=1),), input_names=["x"],
          dynamic_axes=BATCH)


def test_pinn_ode_network_float64() -> None:
    net = load_example("pinn_ode.py")["make_net"](16)
    x = tg.tensor(np.linspace(0, 1, 7)[:, None])
    proto = check(net, x, other=(tg.tensor(np.linspace(0, 1, 11)[:, None]),),
                  input_names=["x"], dynamic_axes=BATCH, rtol=1e-12, atol=1e-12)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_newton_logistic_model() -> None:
    """The classifier ``log sigmoid(x @ w)`` of the example (stack with zeros_like, log_softmax,
    a column picked), and the loss as a function of the weights."""
    ex = load_example("newton_logistic.py")
    rng = np.random.default_rng(0)
    w = tg.tensor(rng.standard_normal(5))

    def log_prob(x: tg.Tensor) -> tg.Tensor:
        return ex["log_sigmoid"](x @ w)

    check(log_prob, tg.tensor(rng.standard_normal((6, 5))),
          other=(tg.tensor(rng.standard_normal((2, 5))),), dynamic_axes={"x": [0]},
          rtol=1e-12, atol=1e-12)
    x, y = rng.standard_normal((8, 5)), np.repeat([-1.0, 1.0], 4)
    check(ex["make_loss"](x, y), w, rtol=1e-12, atol=1e-12)


def test_quickstart_network() -> None:
    """The quickstart's raw-tensor MLP: a function of the input, weights captured."""
    ex = load_example("quickstart.py")
    tg.manual_seed(0)
    w1, w2 = ex["parameter"](2, 10, scale=0.7), ex["parameter"](10, 3, scale=0.3)
    b1, b2 = tg.randn(10, requires_grad=True), tg.randn(3, requires_grad=True)

    def scores(X: tg.Tensor) -> tg.Tensor:
        return (X @ w1 + b1).relu() @ w2 + b2

    X = tg.tensor(ex["make_spiral"](5)[0])
    proto = check(scores, X, other=(X[:4],), dynamic_axes={"X": {0: "n"}})
    assert proto.graph.input[0].name == "X"  # the function's argument name


# ----------------------------------------------------------------------------- per op
def _ops_cases() -> list[tuple[str, Callable[..., Any], tuple[tuple[int, ...], ...]]]:
    x4, x2 = (2, 3, 5, 5), (2, 6)
    return [
        # elementwise math and activations
        ("neg", lambda x: -x, (x2,)), ("exp", lambda x: x.exp(), (x2,)),
        ("log", lambda x: (x.abs() + 0.1).log(), (x2,)),
        ("sqrt", lambda x: x.abs().sqrt(), (x2,)),
        ("rsqrt", lambda x: (x.abs() + 0.1).rsqrt(), (x2,)),
        ("reciprocal", lambda x: x.reciprocal(), (x2,)),
        ("relu", F.relu, (x2,)), ("tanh", tg.tanh, (x2,)), ("sigmoid", tg.sigmoid, (x2,)),
        ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), (x2,)),
        ("elu", lambda x: F.elu(x, 0.5), (x2,)),
        ("gelu", F.gelu, (x2,)), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), (x2,)),
        ("softplus", F.softplus, (x2,)),
        ("softplus_beta", lambda x: F.softplus(x * 30, beta=2, threshold=5), (x2,)),
        ("clamp", lambda x: x.clamp(-0.5, 0.7), (x2,)),
        ("clamp_min", lambda x: x.clamp(min=0.1), (x2,)),
        ("clamp_max", lambda x: x.clamp(max=0.1), (x2,)),
        ("clamp_crossed", lambda x: x.clamp(0.5, -0.5), (x2,)),
        ("hardtanh", F.hardtanh, (x2,)), ("relu6", lambda x: F.relu6(x * 4), (x2,)),
        ("silu", F.silu, (x2,)), ("mish", F.mish, (x2,)), ("hardswish", F.hardswish, (x2,)),
        ("sin_cos", lambda x: x.sin() + x.cos(), (x2,)), ("erf", lambda x: x.erf(), (x2,)),
        ("floor_ceil", lambda x: (3 * x).floor() + (3 * x).ceil(), (x2,)),
        ("round", lambda x: (3 * x).round(), (x2,)), ("sign", lambda x: x.sign(), (x2,)),
        ("expm1_log1p", lambda x: x.expm1() + x.abs().log1p(), (x2,)),
        ("exp2_trunc", lambda x: x.exp2() + (3 * x).trunc(), (x2,)),
        ("log2_log10", lambda x: (x.abs() + 1).log2() + (x.abs() + 1).log10(), (x2,)),
        ("pow_scalar", lambda x: x ** 2 + x.abs() ** 0.5, (x2,)),
        ("scalar_pow", lambda x: 2 ** x, (x2,)),
        ("pow_tensor", lambda x, y: x.abs() ** y, (x2, x2)),
        # arithmetic with broadcasting and scalars
        ("add_sub", lambda x, y: x + y - 2, (x2, (6,))),
        ("mul_div", lambda x, y: x * y / (y.abs() + 1) * 0.5, (x2, (1, 6))),
        ("rsub_rdiv", lambda x: 1 - x + 3 / (x.abs() + 1), (x2,)),
        ("maximum_minimum", lambda x, y: tg.maximum(x, y) + tg.minimum(x, y), (x2, x2)),
        ("matmul", lambda x, w: x @ w, (x2, (6, 4))),
        ("matmul_batched", lambda x, w: x @ w, ((2, 3, 4), (4, 5))),
        ("matmul_vector", lambda x, v: x @ v, (x2, (6,))),
        ("linear", lambda x, w, b: F.linear(x, w, b), (x2, (4, 6), (4,))),
        # comparisons and where
        ("compare", lambda x, y: ((x > y).float() + (x >= y).float() + (x < y).float()
                                  + (x <= y).float() + (x == x).float() + (x != y).float()),
         (x2, x2)),
        ("compare_bool_out", lambda x: x > 0, (x2,)),
        ("where", lambda x, y: tg.where(x > y, x, y * 2), (x2, x2)),
        # reductions, softmax
        ("sum", lambda x: x.sum(), (x4,)), ("sum_dim", lambda x: x.sum((1, 3)), (x4,)),
        ("sum_keepdim", lambda x: x.sum(-1, keepdim=True), (x4,)),
        ("mean_var_std", lambda x: x.mean((1, 2)) + x.var(2).mean(1) + x.std((1, 2, 3))[:, None],
         (x4,)),
        ("amax_amin", lambda x: x.amax((2, 3)) + x.amin(1).amax((1, 2))[:, None], (x4,)),
        ("max_dim", lambda x: (x.max(1).values.sum((1, 2))
                             + x.min(2, keepdim=True).values.sum((1, 2, 3))),
         (x4,)),
        ("max_all", lambda x: x.max() + x.min(), (x4,)),
        ("argmax", lambda x: x.argmax(1), (x4,)), ("argmin_all", lambda x: x.argmin(), (x4,)),
        ("argmax_keepdim", lambda x: x.argmax(-1, keepdim=True), (x4,)),
        ("prod", lambda x: x.prod(1), (x2,)),
        ("softmax", lambda x: F.softmax(x, 1) + F.softmax(x, -1), (x4,)),
        ("log_softmax", lambda x: F.log_softmax(x, 1), (x2,)),
        ("logsumexp", lambda x: x.logsumexp(1), (x2,)),
        # shapes
        ("flatten", lambda x: x.flatten(1), (x4,)), ("view", lambda x: x.view(-1, 5, 15), (x4,)),
        ("reshape_all", lambda x: x.reshape(-1), (x2,)),
        ("unsqueeze_squeeze", lambda x: x.unsqueeze(1).unsqueeze(-1).squeeze(1), (x2,)),
        ("permute", lambda x: x.permute(0, 2, 3, 1), (x4,)),
        ("transpose", lambda x: x.transpose(1, 2).T, (x4,)),
        ("expand", lambda x: x.expand(-1, 3, 4), ((2, 1, 4),)),
        ("expand_new_dim", lambda x: x.expand(3, -1, 4), ((2, 1),)),
        ("getitem", lambda x: x[:, 1:3, ::2, -1], (x4,)),
        ("getitem_int", lambda x: x[1] + x[-1], (x2,)),
        ("getitem_none_ellipsis", lambda x: x[..., None, 1:], (x4,)),
        ("getitem_negative", lambda x: x[:, -2:, :-1], (x4,)),
        ("chunk", lambda x: sum(x.chunk(3, dim=1)), (x2,)),
        ("cat", lambda x, y: tg.cat([x, y, x], dim=1), (x2, (2, 2))),
        ("stack", lambda x: tg.stack([x, x * 2], dim=1), (x2,)),
        ("pad", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), (x4,)),
                ("cast", lambda x: (x * 10).int().float() + x.double().float(), (x2,)),
        ("clone", lambda x: x.clone() + x.contiguous(), (x2,)),
        # conv, pooling, normalisation
        ("conv2d", lambda x, w, b: F.conv2d(x, w, b), (x4, (4, 3, 3, 3), (4,))),
        ("conv2d_args", lambda x, w: F.conv2d(x, w, stride=2, padding=(2, 1), dilation=2),
         (x4, (4, 3, 2, 3))),
        ("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, groups=3, padding=1),
         (x4, (6, 1, 3, 3), (6,))),
        ("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b),
         (x4, (3, 2, 3, 3), (2,))),
        ("conv_transpose2d_args", lambda x, w: F.conv_transpose2d(
            x, w, stride=2, padding=1, output_padding=1, dilation=2), (x4, (3, 2, 3, 3))),
        ("conv_transpose2d_groups", lambda x, w: F.conv_transpose2d(x, w, groups=3, stride=2),
         (x4, (3, 2, 2, 2))),
        ("max_pool2d", lambda x: F.max_pool2d(x, 2), (x4,)),
        ("max_pool2d_args", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=1),
         (x4,)),
        ("max_pool2d_ceil", lambda x: F.max_pool2d(x, 2, ceil_mode=True), (x4,)),
        ("max_pool2d_dilation", lambda x: F.max_pool2d(x, 2, stride=1, dilation=2), (x4,)),
        ("avg_pool2d", lambda x: F.avg_pool2d(x, 2), (x4,)),
        ("avg_pool2d_pad", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), (x4,)),
        ("avg_pool2d_exclude_pad", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1,
                                                          count_include_pad=False), (x4,)),
        ("avg_pool2d_ceil", lambda x: F.avg_pool2d(x, 2, ceil_mode=True), (x4,)),
        ("avg_pool2d_divisor", lambda x: F.avg_pool2d(x, 2, divisor_override=3), (x4,)),
        ("adaptive_avg_pool2d_global", lambda x: F.adaptive_avg_pool2d(x, 1), (x4,)),
        ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, None)), (x4,)),
        ("adaptive_avg_pool2d_divides", lambda x: F.adaptive_avg_pool2d(x, 2), ((2, 3, 6, 4),)),
        ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, 2), (x4,)),
        ("adaptive_max_pool2d_global", lambda x: F.adaptive_max_pool2d(x, 1), (x4,)),
        ("batch_norm", lambda x, w, b: F.batch_norm(
            x, tg.tensor([0.1, -0.2, 0.3]), tg.tensor([1.5, 0.5, 2.0]), w, b, eps=1e-3),
         (x4, (3,), (3,))),
        ("layer_norm", lambda x, w, b: F.layer_norm(x, (5,), w, b), (x4, (5,), (5,))),
        ("layer_norm_2d", lambda x: F.layer_norm(x, (5, 5), eps=1e-3), (x4,)),
        ("group_norm", lambda x, w, b: F.group_norm(x, 3, w, b), ((2, 6, 4, 4), (6,), (6,))),
        ("instance_norm", lambda x: F.instance_norm(x), (x4,)),
        ("dropout_eval", lambda x: F.dropout(x, 0.5, training=False) * 2, (x2,)),
        ("normalize", lambda x: F.normalize(x, dim=1), (x2,)),
    ]


OPS_CASES = _ops_cases()


@pytest.mark.parametrize(("name", "fn", "shapes"), OPS_CASES, ids=[c[0] for c in OPS_CASES])
def test_op(name: str, fn: Callable[..., Any], shapes: tuple[tuple[int, ...], ...]) -> None:
    """Each op alone, at batch 2 and (the first input's axis 0 dynamic) at batch 3."""
    inputs = tuple(batch(*s, seed=i) for i, s in enumerate(shapes))
    if name.startswith(("getitem_int", "chunk")):  # picks rows of axis 0: no dynamic batch
        check(fn, *inputs)
        return
    batched = [len(s) >= 2 and s[0] == shapes[0][0] for s in shapes]  # the others: weights
    other = tuple(batch(3, *s[1:], seed=7 + i) if b else x
                  for i, (s, b, x) in enumerate(zip(shapes, batched, inputs, strict=True)))
    names = [f"in{i}" for i in range(len(inputs))]
    check(fn, *inputs, other=other, input_names=names,
          dynamic_axes={n: {0: "batch"} for n, b in zip(names, batched, strict=True) if b})


@pytest.mark.parametrize("opset", [13, 16, 17, 18, 20, 21])
def test_opsets(opset: int) -> None:
    """The opset decides between nodes (Reduce* axes, LayerNormalization, Gelu)."""
    def fn(x: tg.Tensor) -> tg.Tensor:
        y = F.layer_norm(F.gelu(x), (6,)) + F.gelu(x, approximate="tanh")
        return y.amax(1) + y.sum(1) + y.amin(0).sum()

    proto = check(fn, batch(3, 6), other=(batch(4, 6, seed=1),), opset_version=opset,
                  input_names=["x"], dynamic_axes=BATCH)
    assert proto.opset_import[0].version == opset


def test_default_opset_is_17() -> None:
    proto = export(nn.Linear(3, 2), batch(1, 3), None)
    assert proto.opset_import[0].version == tinygrad_edu.onnx.DEFAULT_OPSET == 17


# ----------------------------------------------------------------------------- arguments
def test_file_targets(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
    x = batch(2, 4)
    path = tmp_path / "m.onnx"
    export(model, (x,), str(path))
    export(model, x, tmp_path / "p.onnx")
    with open(tmp_path / "f.onnx", "wb") as fh:
        export(model, x, fh)
    for p in (path, tmp_path / "p.onnx", tmp_path / "f.onnx"):
        loaded = onnx.load(str(p))
        onnx.checker.check_model(loaded)
        got = run_onnx(loaded.SerializeToString(), x)[0]
        np.testing.assert_allclose(got, own_outputs(model, (x,))[0], rtol=1e-6, atol=1e-6)


def test_names_and_several_inputs_outputs() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, a: tg.Tensor, b: tg.Tensor) -> tuple[tg.Tensor, tg.Tensor]:
            return self.fc(a) + b, a.sum(1)

    model = Two()
    a, b = batch(2, 3), batch(2, 2, seed=1)
    proto = check(model, a, b, other=(batch(4, 3), batch(4, 2)), input_names=["a_in"],
                  output_names=["y"], dynamic_axes={"a_in": {0: "n"}, "b": [0], "y": {0: "n"}})
    assert [i.name for i in proto.graph.input] == ["a_in", "b"]
    assert [o.name for o in proto.graph.output] == ["y", "output_1"]
    dims = proto.graph.input[1].type.tensor_type.shape.dim
    assert dims[0].dim_param == "b_dynamic_axes_1"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "n"
    assert {"fc.weight", "fc.bias"} <= {t.name for t in proto.graph.initializer}


def test_keyword_tensor_inputs_and_output_that_is_an_input() -> None:
    def fn(x: tg.Tensor, scale: tg.Tensor | None = None) -> tuple[tg.Tensor, tg.Tensor]:
        return x * scale, x

    x, s = batch(2, 3), batch(3, seed=1)
    f = io.BytesIO()
    proto = export(fn, (x, {"scale": s}), f)
    assert [i.name for i in proto.graph.input] == ["x", "scale"]
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1"]
    got = run_onnx(f.getvalue(), x, s)
    np.testing.assert_allclose(got[0], (x * s).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(got[1], x.numpy())


def test_torch_keywords_and_modes() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.ReLU())
    randomize_norm_stats(model)
    x = batch(5, 3)
    model.eval()
    proto = export(model, (x,), None, export_params=True, do_constant_folding=False,
                   verbose=False, training=tinygrad_edu.onnx.TrainingMode.EVAL,
                   keep_initializers_as_inputs=True, dynamo=False)
    names = [i.name for i in proto.graph.input]
    assert "0.weight" in names
    assert "1.running_var" in names
    proto = export(model, x, None, export_params=False)
    params = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    assert params <= {i.name for i in proto.graph.input}
    assert not params & {t.name for t in proto.graph.initializer}
    model.train()
    with pytest.raises(ExportError, match="batch_norm in training mode"):
        export(model, x, None, training=tinygrad_edu.onnx.TrainingMode.PRESERVE)
    assert model.training
    export(model, x, None)  # EVAL (the default) exports the train-mode model in eval mode
    assert model.training


def test_export_under_no_grad_and_frozen_parameters() -> None:
    model = nn.Sequential(nn.Linear(3, 2))
    for p in model.parameters():
        p.requires_grad_(False)
    with tg.no_grad():
        proto = check(model, batch(2, 3))
    assert not any(p.requires_grad for p in model.parameters())
    assert {"0.weight", "0.bias"} <= {t.name for t in proto.graph.initializer}


def test_verbose_prints_graph(capsys: pytest.CaptureFixture[str]) -> None:
    export(nn.Linear(3, 2), batch(1, 3), None, verbose=True)
    assert "Gemm" in capsys.readouterr().out  # a Linear layer on a batch of rows, as torch's


def test_linear_on_a_stack_of_rows_is_a_matmul_by_the_transposed_weight() -> None:
    proto = check(nn.Linear(3, 2), batch(2, 4, 3), other=(batch(5, 4, 3, seed=1),),
                  input_names=["x"], dynamic_axes=BATCH)
    assert [n.op_type for n in proto.graph.node] == ["Transpose", "MatMul", "Add"]


def test_docs_list_is_up_to_date() -> None:
    from tinygrad_edu.onnx.__main__ import markdown
    committed = (EXAMPLES.parent / "docs" / "onnx.md").read_text(encoding="utf-8")
    assert markdown() == committed, ("docs/onnx.md is out of date; regenerate it: "
                                     "python -m tinygrad_edu.onnx > docs/onnx.md")


def test_supported_ops_listed() -> None:
    ops = supported_ops()
    assert ops == sorted(ops)
    for op in ("matmul", "conv2d", "batch_norm", "layer_norm", "max_pool2d", "reshape",
               "getitem", "softmax", "where", "gt"):
        assert op in ops


# ----------------------------------------------------------------------------- errors
def test_unsupported_op_is_named_with_line_and_list() -> None:
    def fn(x: tg.Tensor) -> tg.Tensor:
        return x.cumsum(1)  # no converter for cumsum

    with pytest.raises(ExportError) as info:
        export(fn, batch(2, 3), None)
    text = str(info.value)
    assert "the op 'cumsum'" in text
    assert "has no ONNX converter" in text
    assert "test_onnx_export.py" in text
    assert "x.cumsum(1)" in text
    assert "supported ops: abs," in text


def test_unsupported_call_is_named() -> None:
    with pytest.raises(ExportError, match=r"'getitem'.*advanced indexing"):
        export(lambda x: x[tg.tensor([0, 1])], batch(3, 2), None)
    with pytest.raises(ExportError, match="dropout in training mode"):
        export(lambda x: F.dropout(x, 0.5, training=True), batch(3, 2), None)


def test_constant_that_follows_the_batch_is_refused() -> None:
    """A mean over the batch divides by a number baked in at export: refused when dynamic."""
    def fn(x: tg.Tensor) -> tg.Tensor:
        return x * tg.arange(x.shape[0], dtype=tg.float32)[:, None]

    with pytest.raises(ExportError, match="depends on the size of a dynamic axis"):
        export(fn, batch(2, 3), None, dynamic_axes={"x": {0: "b"}})
    check(fn, batch(2, 3))  # fine at a fixed size


def test_bad_arguments() -> None:
    model, x = nn.Linear(3, 2), batch(2, 3)
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"opset_version": 12}, ValueError, "opset_version 12 is not supported"),
        ({"opset_version": 99}, ValueError, "expected 13 to 21"),
        ({"opset_version": "17"}, TypeError, "opset_version must be an int"),
        ({"input_names": ["a", "b"]}, ValueError, "2 input_names given for 1 inputs"),
        ({"input_names": "x"}, TypeError, "input_names must be a list of str"),
        ({"output_names": ["y", "z"]}, ValueError, "returns 1 output"),
        ({"dynamic_axes": [0]}, TypeError, "dynamic_axes must be a dict"),
        ({"dynamic_axes": {"x": 0}}, TypeError, "must be a dict {axis: name} or a list"),
        ({"dynamic_axes": {"x": {"0": "b"}}}, TypeError, "must map int axes to str names"),
        ({"dynamic_axes": {"nope": {0: "b"}}}, ValueError, "neither input_names"),
        ({"dynamic_axes": {"x": {3: "b"}}}, ValueError, "names axis 3"),
        ({"training": "eval"}, TypeError, "training must be a TrainingMode"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            export(model, x, None, **kwargs)
    with pytest.raises(TypeError, match="args must be a Tensor or a tuple"):
        export(model, np.ones((2, 3), np.float32), None)
    with pytest.raises(TypeError, match=r"args\[0\] must be a Tensor"):
        export(model, (np.ones((2, 3), np.float32),), None)
    with pytest.raises(TypeError, match="f must be a file name or a binary file object"):
        export(model, x, 3)
    with pytest.raises(TypeError, match="model must be an nn.Module or a function"):
        export(3, x, None)
    with pytest.raises(TypeError, match="must return a Tensor"):
        export(lambda t: 3, x, None)


def test_without_onnx_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'tinygrad_edu\[onnx\]'"):
        export(nn.Linear(3, 2), batch(1, 3), None)


def test_verify_runs_onnx_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    export(model, batch(2, 3), None, verify=True)
    # a wrong converter is caught by verify (and by the comparisons of these tests)
    monkeypatch.setitem(tinygrad_edu.onnx.CONVERTERS, "relu",
                        lambda b, call: b.node("Sigmoid", call.inputs))
    with pytest.raises(ExportError, match=r"verify=True.*differs"):
        export(model, batch(2, 3), None, verify=True)


def test_options_torch_has_and_we_refuse() -> None:
    model, x = nn.Linear(3, 2), batch(2, 3)
    with pytest.raises(ValueError, match=r"dynamic_shapes=.* is not supported \(use dynamic_axes"):
        export(model, x, None, dynamic_shapes={"x": {0: "b"}})
    with pytest.raises(ValueError, match="custom_opsets"):
        export(model, x, None, custom_opsets={"my": 1})
    with pytest.raises(ValueError, match="export_modules_as_functions"):
        export(model, x, None, export_modules_as_functions=True)
    export(model, x, None, dynamo=True, external_data=True, optimize=False, report=False,
           do_constant_folding=True, autograd_inlining=True, operator_export_type=0)


def test_is_in_onnx_export() -> None:
    seen = []

    def fn(x: tg.Tensor) -> tg.Tensor:
        seen.append(tinygrad_edu.onnx.is_in_onnx_export())
        return x * 2

    export(fn, batch(2, 3), None)
    assert seen == [True]
    assert not tinygrad_edu.onnx.is_in_onnx_export()


def test_reshape_with_two_dynamic_axes() -> None:
    """(B, T, C) -> (B*T, C) -> Linear -> (B, T, 4): the sizes are read from the input."""
    lin = nn.Linear(5, 4)

    def fn(x: tg.Tensor) -> tg.Tensor:
        b, t, c = x.shape
        y = lin(x.reshape(b * t, c)).reshape(b, t, 4)
        return y + tg.zeros(b, t, 1) + x[:, :, :1].expand(b, t, 4)

    axes = {"x": {0: "batch", 1: "time"}}
    check(fn, batch(2, 3, 5), other=(batch(4, 7, 5, seed=1),), dynamic_axes=axes)
    check(fn, batch(2, 2, 5), other=(batch(3, 5, 5, seed=1),), dynamic_axes=axes)


def test_same_axis_on_two_inputs_named_differently() -> None:
    def fn(a: tg.Tensor, b: tg.Tensor) -> tg.Tensor:
        return (a * b).sum(1)

    check(fn, batch(2, 3), batch(2, 3, seed=1), other=(batch(5, 3), batch(5, 3, seed=2)),
          dynamic_axes={"a": [0], "b": [0]})


def test_model_that_needs_a_fixed_size_is_refused_as_dynamic() -> None:
    model = nn.Linear(3, 2)
    with pytest.raises(ExportError, match="fails on inputs with other sizes along the dynamic"):
        export(model, batch(2, 3), None, dynamic_axes={"x": {1: "features"}})


def test_graph_that_changes_with_the_size_is_refused() -> None:
    def fn(x: tg.Tensor) -> tg.Tensor:
        return x.relu() if x.shape[0] < 3 else x.sigmoid()

    with pytest.raises(ExportError, match="recorded graph changes when the dynamic axes"):
        export(fn, batch(2, 3), None, dynamic_axes={"x": {0: "b"}})


def test_in_place_ops_in_the_forward() -> None:
    """An in-place op hands its tensor the result's node: the graph follows the new value."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 2))
    check(model, batch(2, 3), other=(batch(4, 3, seed=1),), dynamic_axes={"input": [0]},
          input_names=["input"])

    def fn(x: tg.Tensor) -> tg.Tensor:
        y = x * 2
        y += 1
        y.mul_(x)
        return y

    check(fn, batch(2, 3))


def test_trace_ops_keeps_the_arrays_themselves() -> None:
    """Ops without a backward (a comparison) are followed by array identity."""
    from tinygrad_edu.autograd.anomaly import trace_ops
    x = batch(2, 3)
    with trace_ops() as records:
        mask = x > 0
    assert len(records) == 1
    assert records[0].op.name == "gt"
    assert records[0].inputs[0] is x._data
    assert records[0].output is mask._data
    assert records[0].node is None  # nothing was recorded for backward


def test_integer_input() -> None:
    """An integer input cannot require grad: the ops on it alone are followed by trace_ops."""
    w = tg.randn(4, requires_grad=True)

    def fn(idx: tg.Tensor) -> tuple[tg.Tensor, tg.Tensor]:
        ids = idx.float() * w + (idx > 2).float()
        return ids.sum(1), idx * 2

    idx = tg.tensor(np.array([[0, 1, 2, 3], [4, 5, 6, 7]], dtype=np.int64))
    proto = check(fn, idx, other=(idx[:1],), dynamic_axes={"idx": {0: "batch"}})
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64


# ------------------------------------------------------------- indices computed from the size

def test_an_index_computed_from_a_dynamic_size_counts_from_the_end():
    def last_rows(x: tg.Tensor) -> tg.Tensor:
        n = x.shape[0]
        return x[n - 1] + x[: n - 2].sum(0) + x[n - 3: n - 1].sum(0)

    check(last_rows, batch(5, 3), other=(batch(9, 3, seed=1),), dynamic_axes=BATCH)


def test_an_index_that_depends_on_the_size_otherwise_is_refused():
    def first_half(x: tg.Tensor) -> tg.Tensor:
        return x[: x.shape[0] // 2] * 2

    with pytest.raises(ExportError, match="depends on the size of a dynamic axis"):
        export(first_half, (batch(6, 3),), io.BytesIO(), dynamic_axes=BATCH)
    check(first_half, batch(6, 3))  # without dynamic_axes the traced size is the size


def test_an_input_the_graph_never_reads_is_named_in_a_warning():
    def through_item(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        return x * y.sum().item()

    with pytest.warns(UserWarning, match="never reads input 'y'"):
        export(through_item, (batch(2, 3), batch(2, 3, seed=1)), io.BytesIO())
