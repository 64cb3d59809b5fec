"""tinygrad_edu.vision.models: torchvision's ResNets, checked against torchvision's layout.

torchvision cannot be installed here, so the reference is torchvision's ResNet written out
below in plain torch (the same modules, names, order and initialisation as
``torchvision/models/resnet.py``). Our models must have its parameter names and shapes (a
torchvision state dict loads), its parameter counts (11,689,512 for ResNet-18 at 1000
classes, as torchvision documents), draw the same initial weights from the same seed, and
compute the same outputs and gradients with the same weights.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import tinygrad_edu as tg
import tinygrad_edu.vision as torchvision
from tinygrad_edu.vision import models
from tinygrad_edu.vision.models import WeightsUnavailableError

pytestmark = pytest.mark.torch

# ----------------------------------------------------------------------------- torch reference


def _conv3x3(cin, cout, stride=1, groups=1, dilation=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def _conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class RefBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1):
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class RefBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = _conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width, stride, groups, dilation)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = _conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class RefResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None):
        super().__init__()
        self.inplanes, self.dilation = 64, 1
        replace_stride_with_dilation = replace_stride_with_dilation or [False] * 3
        self.groups, self.base_width = groups, width_per_group
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], 2, replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], 2, replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], 2, replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, RefBottleneck):
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, RefBasicBlock):
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(_conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


REF = {  # torchvision's builders: block, layers, extra arguments
    "resnet18": (RefBasicBlock, [2, 2, 2, 2], {}),
    "resnet34": (RefBasicBlock, [3, 4, 6, 3], {}),
    "resnet50": (RefBottleneck, [3, 4, 6, 3], {}),
    "resnet101": (RefBottleneck, [3, 4, 23, 3], {}),
    "resnext50_32x4d": (RefBottleneck, [3, 4, 6, 3], {"groups": 32, "width_per_group": 4}),
    "wide_resnet50_2": (RefBottleneck, [3, 4, 6, 3], {"width_per_group": 128}),
}


def _ref(name, **kwargs):
    block, layers, extra = REF[name]
    return RefResNet(block, layers, **extra, **kwargs)


def _count(params) -> int:
    return sum(int(np.prod(p.shape)) for p in params)


def _load_torch_weights(ours, ref) -> None:
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    assert not result.missing_keys
    assert not result.unexpected_keys


# ----------------------------------------------------------------------------- layout


def test_resnet18_has_torchvisions_parameter_count_and_state_dict_layout():
    ours, ref = models.resnet18(), _ref("resnet18")
    assert _count(ours.parameters()) == 11_689_512 == _count(ref.parameters())
    ours_sd, ref_sd = ours.state_dict(), ref.state_dict()
    assert list(ours_sd) == list(ref_sd)  # same names in the same order
    assert len(ours_sd) == 122
    for key, value in ref_sd.items():
        assert tuple(ours_sd[key].shape) == tuple(value.shape), key
        assert str(ours_sd[key].dtype) == str(value.dtype), key
    for key in ("conv1.weight", "bn1.running_var", "layer1.0.conv1.weight",
                "layer2.0.downsample.0.weight", "layer2.0.downsample.1.num_batches_tracked",
                "layer4.1.bn2.bias", "fc.weight", "fc.bias"):
        assert key in ours_sd
    assert tuple(ours_sd["fc.weight"].shape) == (1000, 512)


@pytest.mark.parametrize(("name", "params"), [
    ("resnet34", 21_797_672), ("resnet50", 25_557_032), ("resnext50_32x4d", 25_028_904),
    pytest.param("wide_resnet50_2", 68_883_240, marks=pytest.mark.slow)])
def test_deeper_resnets_match_torchvisions_layout(name, params):
    ours, ref = models.get_model(name), _ref(name)
    assert _count(ours.parameters()) == params == _count(ref.parameters())
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    weights = models.get_model_weights(name)
    assert weights.DEFAULT.meta["num_params"] == params


def test_num_classes_and_repr_follow_torchvision():
    ours, ref = models.resnet18(num_classes=10), _ref("resnet18", num_classes=10)
    assert tuple(ours.fc.weight.shape) == (10, 512)
    assert repr(ours).replace("RefBasicBlock", "BasicBlock") == \
        repr(ref).replace("RefBasicBlock", "BasicBlock").replace("RefResNet", "ResNet")


def test_same_seed_gives_torchvisions_initial_weights():
    tg.manual_seed(123)
    ours = models.resnet18(num_classes=7)
    torch.manual_seed(123)
    ref = _ref("resnet18", num_classes=7)
    for key, value in ref.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), err_msg=key)


def test_zero_init_residual_zeroes_each_blocks_last_norm():
    m18 = models.resnet18(zero_init_residual=True)
    assert all(float(b.bn2.weight.abs().sum()) == 0 for layer in
               (m18.layer1, m18.layer2, m18.layer3, m18.layer4) for b in layer)
    assert float(m18.layer1[0].bn1.weight.sum()) == 64


# ----------------------------------------------------------------------------- numerics


def _compare_forward_backward(ours, ref, x: np.ndarray, atol: float = 1e-4) -> None:
    _load_torch_weights(ours, ref)
    for train in (False, True):
        ours.train(train)
        ref.train(train)
        xt = torch.tensor(x, requires_grad=True)
        xo = tg.tensor(x, requires_grad=True)
        out_ref, out = ref(xt), ours(xo)
        np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(),
                                   atol=atol, rtol=1e-4)
        if train:
            weight = torch.tensor(np.linspace(-1, 1, out_ref.numel()).reshape(out_ref.shape),
                                  dtype=torch.float32)
            (out_ref * weight).sum().backward()
            (out * tg.tensor(weight.numpy())).sum().backward()
            np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=1e-3)
            assert xo.grad.abs().max().item() > 100 * atol  # a gradient worth comparing
            for (name, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters(),
                                         strict=True):
                # a weight's gradient sums products over the batch and every pixel, through
                # all the layers above it: in float32 its rounding error scales with the
                # gradient's size, so the absolute tolerance does too (1e-3 of its largest)
                scale = float(np.abs(q.grad.numpy()).max())
                np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(),
                                           atol=max(atol, 1e-3 * scale), rtol=1e-3,
                                           err_msg=name)
            for (name, b), (_, c) in zip(ours.named_buffers(), ref.named_buffers(), strict=True):
                np.testing.assert_allclose(b.numpy(), c.numpy(), atol=1e-5, rtol=1e-4,
                                           err_msg=name)


@pytest.mark.slow
def test_resnet18_matches_torchvision_forward_and_backward_with_its_weights():
    torch.manual_seed(0)
    ref = _ref("resnet18", num_classes=10)
    # 64 x 64 leaves layer4 2 x 2 pixels: with 1 x 1 and a batch of 2, training-mode batch
    # norm divides by the spread of two nearly equal numbers, which amplifies rounding
    x = np.random.default_rng(0).normal(size=(2, 3, 64, 64)).astype(np.float32)
    _compare_forward_backward(models.resnet18(num_classes=10), ref, x)


@pytest.mark.slow
def test_bottleneck_grouped_and_dilated_resnets_match_torchvision():
    """Bottleneck blocks, grouped 3x3 convs (ResNeXt) and stride-for-dilation, kept small.

    In float64: in float32 this small network's training-mode batch norms amplify rounding
    differences into 1e-3 gradient differences (float64 agrees to 1e-15, so the math is the
    same).
    """
    torch.manual_seed(1)
    ref = RefResNet(RefBottleneck, [1, 1, 1, 1], num_classes=5, groups=4, width_per_group=8,
                    replace_stride_with_dilation=[False, True, True]).double()
    ours = models.ResNet(models.Bottleneck, [1, 1, 1, 1], num_classes=5, groups=4,
                         width_per_group=8,
                         replace_stride_with_dilation=[False, True, True]).double()
    x = np.random.default_rng(1).normal(size=(2, 3, 32, 32))
    _compare_forward_backward(ours, ref, x, atol=1e-10)
    assert tuple(ours.layer4[0].conv2.weight.shape) == (256, 64, 3, 3)  # grouped: 256 / 4
    assert ours.layer4[0].conv2.dilation == (2, 2)


def test_forward_shapes():
    model = torchvision.models.resnet18()
    model.eval()
    assert model(tg.zeros(1, 3, 64, 64)).shape == (1, 1000)
    model.train()
    assert model(tg.zeros(2, 3, 32, 32)).shape == (2, 1000)


# ----------------------------------------------------------------------------- weights, registry


@pytest.mark.parametrize("weights", ["DEFAULT", "IMAGENET1K_V1",
                                     models.ResNet18_Weights.IMAGENET1K_V1,
                                     models.ResNet18_Weights.DEFAULT])
def test_pretrained_weights_are_refused_with_a_clear_error(weights):
    with pytest.raises(WeightsUnavailableError, match="never downloads") as info:
        models.resnet18(weights=weights)
    assert isinstance(info.value, RuntimeError)
    assert "resnet18-f37072fd.pth" in str(info.value)
    assert "load_state_dict" in str(info.value)


def test_bad_weights_arguments():
    with pytest.raises(ValueError, match="Failed to find Weights NOPE in ResNet18_Weights"):
        models.resnet18(weights="NOPE")
    with pytest.raises(TypeError, match="expected ResNet18_Weights"):
        models.resnet18(weights=models.ResNet50_Weights.DEFAULT)
    with pytest.raises(TypeError):
        models.resnet18(None)  # weights is keyword-only, as in torchvision


def test_legacy_pretrained_argument():
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"), \
            pytest.raises(WeightsUnavailableError):
        models.resnet18(pretrained=True)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        model = models.resnet18(pretrained=False, num_classes=4)
    assert tuple(model.fc.weight.shape) == (4, 512)


def test_fixed_arguments_of_resnext_and_wide_resnet():
    with pytest.raises(ValueError, match="'groups' expected value 32 but got 8"):
        models.resnext50_32x4d(groups=8)
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        models.resnet18(groups=2)
    with pytest.raises(ValueError, match="replace_stride_with_dilation"):
        models.resnet50(replace_stride_with_dilation=[True])


def test_registry():
    names = models.list_models()
    assert {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
            "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
            "wide_resnet101_2"} == set(names)
    assert names == sorted(names)
    assert models.list_models(include="resnext*") == ["resnext101_32x8d", "resnext101_64x4d",
                                                      "resnext50_32x4d"]
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert models.get_model_weights(models.resnet18) is models.ResNet18_Weights
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V2") is \
        models.ResNet50_Weights.DEFAULT
    with pytest.raises(ValueError, match="Unknown model vgg11"):
        models.get_model("vgg11")
    assert tuple(models.get_model("resnet18", num_classes=3).fc.bias.shape) == (3,)
