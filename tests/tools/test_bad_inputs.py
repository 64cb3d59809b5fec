"""Bad input across the public API: the library's own clear error, never a numpy traceback.

One row per mistake, as a table: the call, the exception type, and the key words its message
must contain (the function's name, what it got, what it expected). Every error must also be
raised by tinygrad_edu itself (the innermost frame of the traceback is inside the package), so
no numpy or Numba error escapes for input the user controls.

``tests/tools/test_errors.py`` additionally checks, with torch, that the exception *type* matches
PyTorch's for the mistakes both libraries share.
"""

from __future__ import annotations

import io
import os
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu import train as T
from tinygrad_edu.data import DataLoader, Subset, TensorDataset, random_split, transforms
from tinygrad_edu.data.datasets import digits
from tinygrad_edu.ops import dropout as dropout_ops
from tinygrad_edu.ops import loss as loss_ops
from tinygrad_edu.ops import matmul as matmul_ops
from tinygrad_edu.ops import movement as movement_ops
from tinygrad_edu.ops import norm as norm_ops
from tinygrad_edu.ops import pool as pool_ops
from tinygrad_edu.ops import reduce as reduce_ops
from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.testing import compare_with_torch, gradcheck_graph

PACKAGE = os.path.dirname(os.path.abspath(tg.__file__))


# ----------------------------------------------------------------------------- small builders

def x23() -> tg.Tensor:
    return tg.ones(2, 3)


def img() -> tg.Tensor:
    return tg.ones(2, 3, 8, 8)


def param() -> nn.Parameter:
    return nn.Parameter(tg.ones(2))


def sgd(**kw: Any) -> optim.SGD:
    return optim.SGD([param()], **{"lr": 0.1, **kw})


def arr(*shape: int) -> np.ndarray:
    return np.ones(shape)


def backward_twice() -> None:
    x = tg.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def inplace_on_saved() -> None:
    x = tg.ones(2, requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    z.sum().backward()


def clip_norm_type_str() -> None:
    p = param()
    p.grad = tg.ones(2)
    nn.utils.clip_grad_norm_([p], 1.0, norm_type="two")


# ----------------------------------------------------------------------------- the table
# (name, call, exception type, key words that must appear in the message)

Case = tuple[str, Callable[[], Any], type[BaseException], tuple[str, ...]]

CASES: list[Case] = [
    # --- creation
    ("tensor ragged list", lambda: tg.tensor([[1, 2], [3]]), ValueError,
     ("tensor", "rectangular")),
    ("tensor of a string", lambda: tg.tensor("abc"), TypeError, ("tensor", "str", "expected")),
    ("tensor unknown dtype", lambda: tg.tensor([1.0], dtype="banana"), TypeError,
     ("tensor", "banana", "not a dtype")),
    ("tensor of objects", lambda: tg.tensor([object()]), TypeError, ("tensor", "object")),
    ("tensor on cuda", lambda: tg.tensor([1.0], device="cuda"), AssertionError,
     ("tensor", "CPU only", "cuda")),
    ("zeros negative size", lambda: tg.zeros(-1, 2), RuntimeError,
     ("zeros", "negative dimension", "[-1, 2]")),
    ("zeros float size", lambda: tg.zeros(2.5), TypeError, ("zeros", "ints", "2.5")),
    ("ones string size", lambda: tg.ones("3"), TypeError, ("ones", "ints")),
    ("full negative size", lambda: tg.full((2, -3), 1.0), RuntimeError,
     ("full", "negative dimension")),
    ("full string value", lambda: tg.full((2,), "a"), TypeError,
     ("full", "fill_value", "Number", "str")),
    ("arange zero step", lambda: tg.arange(0, 10, 0), RuntimeError, ("arange", "nonzero")),
    ("arange step sign", lambda: tg.arange(0, 10, -1), RuntimeError,
     ("arange", "inconsistent with step sign", "step=-1")),
    ("arange string", lambda: tg.arange("a"), TypeError, ("arange", "numbers", "'a'")),
    ("linspace negative steps", lambda: tg.linspace(0, 1, -2), RuntimeError,
     ("linspace", "non-negative", "-2")),
    ("eye negative", lambda: tg.eye(-2), RuntimeError, ("eye", "non-negative", "-2")),
    ("randint low >= high", lambda: tg.randint(5, 2, (3,)), RuntimeError,
     ("randint", "low=5", "high=2")),
    ("randint size not a tuple", lambda: tg.randint(0, 5), TypeError,
     ("randint", "size", "tuple")),
    ("randperm negative", lambda: tg.randperm(-1), RuntimeError, ("randperm", "-1")),
    ("rand negative", lambda: tg.rand(2, -1), RuntimeError, ("rand", "negative dimension")),
    ("randn negative", lambda: tg.randn(-1), RuntimeError, ("randn", "negative dimension")),
    ("from_numpy of a list", lambda: tg.from_numpy([1, 2]), TypeError,
     ("from_numpy", "np.ndarray", "list")),
    ("from_numpy object dtype", lambda: tg.from_numpy(np.array([object()])), TypeError,
     ("from_numpy", "object", "expected")),
    ("zeros_like of a list", lambda: tg.zeros_like([1, 2]), TypeError,
     ("zeros_like", "Tensor", "list")),
    ("requires_grad on ints", lambda: tg.tensor([1, 2], requires_grad=True), RuntimeError,
     ("requires_grad_", "floating point", "int64")),
    ("uniform_ from > to", lambda: tg.ones(3).uniform_(2, 1), RuntimeError,
     ("uniform_", "from=2", "to=1")),
    ("normal_ negative std", lambda: tg.ones(3).normal_(0, -1), RuntimeError,
     ("normal_", "std", "-1")),
    # --- arithmetic and comparisons
    ("add shapes", lambda: tg.ones(2, 3) + tg.ones(4), RuntimeError,
     ("add", "(2, 3)", "(4,)", "broadcast")),
    ("mul shapes", lambda: tg.ones(2, 3) * tg.ones(3, 2), RuntimeError, ("mul", "broadcast")),
    ("pow shapes", lambda: tg.ones(2) ** tg.ones(3), RuntimeError, ("pow", "broadcast")),
    ("add a string", lambda: tg.ones(2) + "a", TypeError, ("str", "expected a Tensor")),
    ("add None", lambda: tg.ones(2) + None, TypeError, ("NoneType", "expected a Tensor")),
    ("pow a string", lambda: x23() ** "a", TypeError, ("str", "expected")),
    ("sub two bools", lambda: tg.tensor([True]) - tg.tensor([False]), RuntimeError,
     ("sub", "bool", "~")),
    ("invert a float tensor", lambda: ~tg.ones(2), TypeError, ("logical not", "bool", "float32")),
    ("bitwise and of floats", lambda: tg.ones(2) & tg.ones(2), TypeError,
     ("bitwise and", "bool or integer", "float32")),
    ("bitwise or shapes", lambda: tg.ones(2, dtype=tg.bool) | tg.ones(3, dtype=tg.bool),
     RuntimeError, ("bitwise or", "broadcast")),
    ("clamp without bounds", lambda: x23().clamp(), RuntimeError, ("clamp", "min", "max")),
    ("clamp with a string", lambda: x23().clamp("a"), TypeError, ("clamp", "numbers", "'a'")),
    ("matmul of a 0-d tensor", lambda: tg.tensor(2.0) @ tg.ones(2), RuntimeError,
     ("matmul", "at least 1 dimension", "()")),
    ("matmul inner dims", lambda: tg.ones(2, 3) @ tg.ones(4, 5), RuntimeError,
     ("matmul", "(2, 3)", "(4, 5)")),
    ("matmul batch dims", lambda: tg.ones(2, 2, 3) @ tg.ones(3, 3, 4), RuntimeError,
     ("matmul", "batch")),
    ("mm of 3-d", lambda: tg.ones(2, 2, 2).mm(tg.ones(2, 2)), RuntimeError,
     ("mm", "2-D", "(2, 2, 2)")),
    ("where shapes", lambda: tg.where(tg.ones(2) > 0, tg.ones(3), tg.ones(2)), RuntimeError,
     ("where", "broadcast", "(3,)")),
    ("where float condition", lambda: tg.where(tg.ones(2), tg.ones(2), tg.ones(2)),
     RuntimeError, ("where", "bool", "float32")),
    ("masked_fill float mask", lambda: x23().masked_fill(tg.ones(2, 3), 0.0), RuntimeError,
     ("masked_fill", "bool", "float32")),
    # --- reductions
    ("sum dim out of range", lambda: x23().sum(dim=2), IndexError,
     ("sum", "out of range", "[-2, 1]", "2")),
    ("sum float dim", lambda: x23().sum(dim=1.5), TypeError, ("sum", "int", "1.5")),
    ("sum repeated dim", lambda: x23().sum(dim=(0, 0)), RuntimeError, ("sum", "multiple times")),
    ("mean of ints", lambda: tg.tensor([1, 2]).mean(), RuntimeError,
     ("mean", "floating point", "int64")),
    ("mean dim out of range", lambda: x23().mean(dim=-3), IndexError, ("mean", "-3")),
    ("max dim out of range", lambda: x23().max(dim=5), IndexError, ("max", "5")),
    ("argmax dim out of range", lambda: x23().argmax(dim=2), IndexError, ("argmax", "2")),
    ("var dim out of range", lambda: x23().var(dim=4), IndexError, ("var", "4")),
    ("std of ints", lambda: tg.tensor([1, 2]).std(), RuntimeError, ("floating point", "int64")),
    ("softmax dim out of range", lambda: x23().softmax(dim=2), IndexError, ("softmax", "2")),
    ("log_softmax dim out of range", lambda: F.log_softmax(x23(), dim=3), IndexError,
     ("log_softmax", "3")),
    # --- movement and indexing
    ("reshape to a wrong size", lambda: x23().reshape(4, 2), RuntimeError,
     ("reshape", "[4, 2]", "size 6")),
    ("reshape with two -1", lambda: x23().reshape(-1, -1), RuntimeError, ("reshape", "[-1, -1]")),
    ("view to a wrong size", lambda: x23().view(5), RuntimeError, ("reshape", "[5]")),
    ("permute too few dims", lambda: x23().permute(0), RuntimeError,
     ("permute", "permutation", "(2, 3)")),
    ("permute repeated dim", lambda: x23().permute(0, 0), RuntimeError, ("permute", "[0, 0]")),
    ("permute dim out of range", lambda: x23().permute(0, 2), IndexError, ("permute", "2")),
    ("transpose dim out of range", lambda: x23().transpose(0, 2), IndexError, ("transpose",)),
    ("expand to incompatible", lambda: x23().expand(4, 3), RuntimeError, ("expand", "(4, 3)")),
    ("expand to fewer dims", lambda: x23().expand(3), RuntimeError,
     ("expand", "number of sizes")),
    ("expand_as smaller", lambda: x23().expand_as(tg.ones(5)), RuntimeError, ("expand",)),
    ("squeeze dim out of range", lambda: x23().squeeze(3), IndexError, ("squeeze", "3")),
    ("unsqueeze dim out of range", lambda: x23().unsqueeze(4), IndexError, ("unsqueeze", "4")),
    ("flatten start after end", lambda: x23().flatten(1, 0), RuntimeError,
     ("flatten", "start_dim", "end_dim")),
    ("repeat too few", lambda: x23().repeat(2), RuntimeError, ("repeat", "number of repeat")),
    ("size of a missing dim", lambda: tg.tensor(1.0).size(1), IndexError, ("size", "1")),
    ("index out of bounds", lambda: x23()[5], IndexError,
     ("getitem", "index 5", "size 2")),
    ("too many indices", lambda: x23()[0, 0, 0], IndexError, ("getitem", "too many", "got 3")),
    ("float tensor index", lambda: x23()[tg.tensor([0.5])], IndexError,
     ("getitem", "long, int or bool", "float32")),
    ("string index", lambda: x23()["a"], IndexError, ("getitem", "valid indices", "'a'")),
    ("mask of wrong shape", lambda: x23()[tg.tensor([True, False, True])], IndexError,
     ("getitem", "mask", "(3,)")),
    ("index array out of bounds", lambda: x23()[tg.tensor([0, 7])], IndexError,
     ("getitem", "index 7")),
    ("setitem value shape", lambda: x23().__setitem__(0, tg.ones(4)), RuntimeError,
     ("__setitem__", "(4,)")),
    ("setitem out of bounds", lambda: x23().__setitem__(9, 1.0), IndexError,
     ("__setitem__", "index 9")),
    ("setitem a string", lambda: x23().__setitem__(0, "a"), TypeError, ("str",)),
    ("gather float index", lambda: x23().gather(1, tg.ones(2, 1)), RuntimeError,
     ("take_along_dim", "int64", "float32")),
    ("gather out of range", lambda: x23().gather(1, tg.tensor([[5], [0]])), IndexError,
     ("take_along_dim", "out of range", "size 3")),
    ("cat of an empty list", lambda: tg.cat([]), ValueError, ("cat", "non-empty")),
    ("cat of a tensor", lambda: tg.cat(tg.ones(2)), TypeError, ("cat", "list or tuple", "Tensor")),
    ("cat sizes", lambda: tg.cat([tg.ones(2, 3), tg.ones(2, 4)]), RuntimeError,
     ("cat", "(2, 3)", "(2, 4)")),
    ("cat dim out of range", lambda: tg.cat([tg.ones(2), tg.ones(2)], dim=3), IndexError,
     ("cat", "3")),
    ("stack sizes", lambda: tg.stack([tg.ones(2), tg.ones(3)]), RuntimeError,
     ("stack", "(2,)", "(3,)")),
    ("stack of a tensor", lambda: tg.stack(tg.ones(2)), TypeError, ("stack", "list or tuple")),
    ("chunk zero", lambda: x23().chunk(0), RuntimeError, ("chunk", "greater than 0")),
    ("split zero", lambda: x23().split(0), RuntimeError, ("split", "positive")),
    ("split sizes do not sum", lambda: x23().split([1, 1], dim=1), RuntimeError,
     ("split", "[1, 1]", "size 3")),
    # --- conversion and autograd
    ("item of many", lambda: x23().item(), RuntimeError, ("item", "6 elements")),
    ("float() of many", lambda: float(x23()), ValueError, ("float()", "(2, 3)")),
    ("bool() of many", lambda: bool(x23()), RuntimeError, ("ambiguous", "(2, 3)")),
    ("len of 0-d", lambda: len(tg.tensor(1.0)), TypeError, ("len()", "0-d")),
    ("numpy() of requires_grad", lambda: tg.ones(2, requires_grad=True).numpy(), RuntimeError,
     ("numpy", "detach")),
    ("to an unknown dtype", lambda: tg.ones(2).type("foo"), TypeError, ("'foo'", "not a dtype")),
    ("to cuda", lambda: tg.ones(2).to("cuda"), AssertionError, ("to", "CPU only", "cuda")),
    ("cuda()", lambda: tg.ones(2).cuda(), AssertionError, ("cuda", "CPU only")),
    ("backward without grad", lambda: tg.ones(2).sum().backward(), RuntimeError,
     ("backward", "does not require grad")),
    ("backward of non-scalar", lambda: (tg.ones(2, requires_grad=True) * 2).backward(),
     RuntimeError, ("backward", "scalar", "(2,)")),
    ("backward gradient shape",
     lambda: (tg.ones(2, requires_grad=True) * 2).backward(tg.ones(3)), RuntimeError,
     ("backward", "(3,)", "(2,)")),
    ("backward twice", backward_twice, RuntimeError, ("second time", "retain_graph=True")),
    ("in-place change of a saved tensor", inplace_on_saved, RuntimeError,
     ("inplace", "'mul'", "version")),
    ("in-place on a leaf", lambda: tg.ones(2, requires_grad=True).add_(1), RuntimeError,
     ("add_", "leaf")),
    ("grad of wrong shape", lambda: setattr(tg.ones(2, requires_grad=True), "grad", tg.ones(3)),
     RuntimeError, ("grad", "(3,)", "(2,)")),
    ("grad not a tensor", lambda: setattr(tg.ones(2, requires_grad=True), "grad", np.ones(2)),
     TypeError, ("grad", "Tensor", "ndarray")),
    ("retain_grad without grad", lambda: tg.ones(2).retain_grad(), RuntimeError,
     ("retain_grad", "requires_grad=False")),
    ("hook without grad", lambda: tg.ones(2).register_hook(lambda g: g), RuntimeError,
     ("register_hook", "require gradient")),
    # --- nn modules and functional
    ("Linear input features", lambda: nn.Linear(3, 2)(tg.ones(4, 5)), RuntimeError,
     ("Linear", "in_features", "(4, 5)")),
    ("Linear negative features", lambda: nn.Linear(-1, 2), RuntimeError,
     ("Linear", "in_features", "-1")),
    ("Linear float features", lambda: nn.Linear(2.5, 2), TypeError,
     ("Linear", "in_features", "2.5")),
    ("Linear on a string", lambda: nn.Linear(2, 2)("x"), TypeError, ("Linear", "Tensor", "str")),
    ("F.linear shapes", lambda: F.linear(tg.ones(2, 3), tg.ones(4, 5)), RuntimeError,
     ("matmul", "(2, 3)")),
    ("F.linear 3-d weight", lambda: F.linear(tg.ones(2, 3), tg.ones(4, 3, 1)), RuntimeError,
     ("linear", "weight", "(4, 3, 1)")),
    ("F.relu of an ndarray", lambda: F.relu(np.ones(3)), TypeError,
     ("relu", "Tensor", "ndarray")),
    ("F.sigmoid of a list", lambda: F.sigmoid([1.0]), TypeError, ("sigmoid", "Tensor", "list")),
    ("F.leaky_relu slope string", lambda: F.leaky_relu(x23(), negative_slope="a"), TypeError,
     ("leaky_relu", "negative_slope", "'a'")),
    ("F.elu alpha None", lambda: F.elu(x23(), alpha=None), TypeError, ("elu", "alpha")),
    ("F.softplus beta string", lambda: F.softplus(x23(), beta="1"), TypeError,
     ("softplus", "beta")),
    ("F.gelu approximate", lambda: F.gelu(x23(), approximate="fast"), ValueError,
     ("gelu", "'tanh'", "'fast'")),
    ("F.pad odd length", lambda: F.pad(x23(), (1,)), RuntimeError, ("pad", "by 2", "got 1")),
    ("F.pad mode", lambda: F.pad(x23(), (1, 1), mode="wrap"), NotImplementedError,  # torch's
     ("pad", "'wrap'", "constant")),
    ("F.pad too long", lambda: F.pad(x23(), (1, 1, 1, 1, 1, 1)), RuntimeError,
     ("pad", "length 6")),
    ("Conv2d in_channels", lambda: nn.Conv2d(3, 4, 3)(tg.ones(1, 2, 8, 8)), RuntimeError,
     ("conv2d", "channels")),
    ("Conv2d 2-d input", lambda: nn.Conv2d(3, 4, 3)(tg.ones(8, 8)), RuntimeError,
     ("conv2d", "(8, 8)")),
    ("Conv2d stride zero", lambda: nn.Conv2d(3, 4, 3, stride=0), RuntimeError,
     ("Conv2d", "stride", "0")),
    ("Conv2d negative padding", lambda: nn.Conv2d(3, 4, 3, padding=-1), RuntimeError,
     ("Conv2d", "padding", "-1")),
    ("Conv2d groups", lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError,
     ("Conv2d", "divisible by groups")),
    ("Conv2d integer input", lambda: nn.Conv2d(3, 4, 3)(tg.ones(1, 3, 8, 8, dtype=tg.int64)),
     RuntimeError, ("conv2d", "int64", "float32")),
    ("F.conv2d 3-d weight", lambda: F.conv2d(img(), tg.ones(4, 3, 3)), RuntimeError,
     ("conv2d", "4D weight", "(4, 3, 3)")),
    ("F.conv2d bias shape", lambda: F.conv2d(img(), tg.ones(4, 3, 3, 3), tg.ones(5)),
     RuntimeError, ("conv2d", "bias", "(5,)")),
    ("ConvTranspose2d channels", lambda: nn.ConvTranspose2d(3, 2, 3)(tg.ones(1, 4, 5, 5)),
     RuntimeError, ("conv_transpose2d", "4 channels")),
    ("MaxPool2d kernel too big", lambda: nn.MaxPool2d(10)(img()), RuntimeError,
     ("max_pool2d", "output size", "(10, 10)")),
    ("MaxPool2d 2-d input", lambda: nn.MaxPool2d(2)(tg.ones(4, 4)), RuntimeError,
     ("max_pool2d", "3D", "(4, 4)")),
    ("max_pool2d zero kernel", lambda: F.max_pool2d(img(), 0), RuntimeError,
     ("max_pool2d", "kernel_size", "greater than zero")),
    ("max_pool2d string kernel", lambda: F.max_pool2d(img(), "2"), TypeError,
     ("max_pool2d", "kernel_size", "'2'")),
    ("max_pool2d stride zero", lambda: F.max_pool2d(img(), 2, stride=0), RuntimeError,
     ("max_pool2d", "stride")),
    ("max_pool2d padding too big", lambda: F.max_pool2d(img(), 2, padding=2), RuntimeError,
     ("max_pool2d", "padding", "half")),
    ("avg_pool2d kernel too big", lambda: F.avg_pool2d(img(), 10), RuntimeError,
     ("avg_pool2d", "output size")),
    ("avg_pool2d negative kernel", lambda: F.avg_pool2d(img(), -2), RuntimeError,
     ("avg_pool2d", "kernel_size", "-2")),
    ("adaptive_avg_pool2d 2-d input", lambda: F.adaptive_avg_pool2d(tg.ones(4, 4), 2),
     RuntimeError, ("adaptive_avg_pool2d", "(4, 4)")),
    ("BatchNorm2d channels", lambda: nn.BatchNorm2d(4)(img()), RuntimeError,
     ("batch_norm", "3", "4")),
    ("BatchNorm2d 2-d input", lambda: nn.BatchNorm2d(3)(tg.ones(2, 3)), ValueError,
     ("BatchNorm2d", "4D", "2D")),
    ("BatchNorm1d batch of one", lambda: nn.BatchNorm1d(3)(tg.ones(1, 3)), ValueError,
     ("more than 1 value per channel", "(1, 3)")),
    ("LayerNorm shape", lambda: nn.LayerNorm(4)(x23()), RuntimeError,
     ("layer_norm", "normalized_shape", "(2, 3)")),
    ("LayerNorm negative", lambda: nn.LayerNorm(-4), RuntimeError, ("LayerNorm", "-4")),
    ("LayerNorm bool", lambda: nn.LayerNorm(True), TypeError, ("LayerNorm", "True")),


    ("GroupNorm divisibility", lambda: nn.GroupNorm(2, 3), ValueError,
     ("GroupNorm", "divisible", "(3)")),
    ("GroupNorm input channels", lambda: nn.GroupNorm(2, 4)(img()), RuntimeError,
     ("group_norm", "num_groups=2")),
    ("Dropout p above one", lambda: nn.Dropout(1.5), ValueError, ("Dropout", "1.5")),
    ("dropout p below zero", lambda: F.dropout(x23(), p=-0.1), ValueError, ("dropout", "-0.1")),
    ("Dropout2d p above one", lambda: nn.Dropout2d(1.5), ValueError, ("Dropout2d", "1.5")),
    ("Dropout p nan", lambda: nn.Dropout(float("nan")), RuntimeError, ("Dropout", "nan")),
    ("Dropout p None", lambda: nn.Dropout(None), TypeError, ("Dropout", "None")),
    ("Conv2d fractional channels", lambda: nn.Conv2d(2.5, 4, 3), ValueError,
     ("Conv2d", "in_channels (2.5)", "divisible by groups")),
    ("Conv2d negative groups", lambda: nn.Conv2d(2, 4, 3, groups=-1), ValueError,
     ("Conv2d", "groups", "positive", "-1")),
    ("Conv2d channels None", lambda: nn.Conv2d(None, 4, 3), TypeError,
     ("Conv2d", "in_channels", "None")),
    ("GroupNorm fractional groups", lambda: nn.GroupNorm(2.5, 4), ValueError,
     ("GroupNorm", "num_channels (4)", "num_groups (2.5)")),
    ("CrossEntropyLoss float ignore_index",
     lambda: nn.CrossEntropyLoss(ignore_index=-1.0)(x23(), tg.tensor([0, 1])), TypeError,
     ("cross_entropy", "ignore_index", "int", "float")),
    ("nll_loss ignore_index None", lambda: F.nll_loss(x23(), tg.tensor([0, 1]),
                                                      ignore_index=None), TypeError,
     ("nll_loss", "ignore_index", "NoneType")),
    ("SmoothL1Loss beta nan", lambda: nn.SmoothL1Loss(beta=float("nan"))(x23(), x23()),
     RuntimeError, ("smooth_l1_loss", "beta")),
    ("PoissonNLLLoss eps None", lambda: nn.PoissonNLLLoss(eps=None)(x23(), x23()), TypeError,
     ("poisson_nll_loss", "eps", "None")),
    ("CosineSimilarity eps nan", lambda: nn.CosineSimilarity(eps=float("nan"))(x23(), x23()),
     RuntimeError, ("cosine_similarity", "eps", "non-negative", "nan")),
    ("CosineSimilarity dim None", lambda: nn.CosineSimilarity(dim=None)(x23(), x23()),
     TypeError, ("cosine_similarity", "dim", "NoneType")),
    ("PairwiseDistance p string", lambda: nn.PairwiseDistance(p="a")(x23(), x23()), TypeError,
     ("pairwise_distance", "'p'", "str")),
    ("LocalResponseNorm size float", lambda: nn.LocalResponseNorm(2.5)(img()), TypeError,
     ("local_response_norm", "size", "2.5")),
    ("LocalResponseNorm size negative", lambda: nn.LocalResponseNorm(-1)(img()), RuntimeError,
     ("local_response_norm", "size", "-1")),
    ("CrossMapLRN2d alpha None", lambda: nn.CrossMapLRN2d(3, alpha=None), TypeError,
     ("CrossMapLRN2d", "alpha", "NoneType")),
    ("AdaptiveAvgPool2d output_size None", lambda: nn.AdaptiveAvgPool2d(None), TypeError,
     ("AdaptiveAvgPool2d", "output_size", "None")),
    ("AdaptiveMaxPool1d None entry", lambda: nn.AdaptiveMaxPool1d((None,)), TypeError,
     ("AdaptiveMaxPool1d", "output_size", "(None,)")),
    ("FractionalMaxPool2d float kernel", lambda: nn.FractionalMaxPool2d(2.5, 3), TypeError,
     ("FractionalMaxPool2d", "kernel_size", "2.5")),
    ("FractionalMaxPool2d negative output", lambda: nn.FractionalMaxPool2d(2, -1),
     RuntimeError, ("FractionalMaxPool2d", "output_size", "-1")),
    ("LPPool2d kernel None", lambda: nn.LPPool2d(2, None), TypeError,
     ("LPPool2d", "kernel_size", "None")),
    ("ChannelShuffle float groups", lambda: nn.ChannelShuffle(2.5), TypeError,
     ("ChannelShuffle", "groups", "float")),
    ("Upsample negative size", lambda: nn.Upsample(-1), RuntimeError,
     ("Upsample", "greater than 0", "-1")),
    ("UpsamplingBilinear2d string size", lambda: nn.UpsamplingBilinear2d("a"), TypeError,
     ("UpsamplingBilinear2d", "size", "'a'")),
    ("Embedding id out of range", lambda: nn.Embedding(5, 3)(tg.tensor([7])), IndexError,
     ("Embedding", "7", "[0, 4]")),
    ("Embedding float ids", lambda: nn.Embedding(5, 3)(tg.tensor([1.0])), RuntimeError,
     ("Embedding", "integer", "float32")),
    ("Embedding padding_idx", lambda: nn.Embedding(5, 3, padding_idx=7), ValueError,
     ("Embedding", "padding_idx", "7")),
    ("RNN input size", lambda: nn.RNN(3, 4)(tg.ones(5, 2, 6)), RuntimeError,
     ("RNN", "input_size = 3", "(5, 2, 6)")),
    ("LSTM hidden shape", lambda: nn.LSTM(3, 4)(tg.ones(5, 2, 3), (tg.ones(2, 4), tg.ones(2, 4))),
     RuntimeError, ("LSTM", "h_0", "(2, 4)")),
    ("RNNCell input shape", lambda: nn.RNNCell(3, 4)(tg.ones(2, 5)), RuntimeError,
     ("RNNCell", "(2, 5)")),
    ("RNN zero hidden size", lambda: nn.RNN(3, 0), ValueError, ("RNN", "hidden_size", "0")),
    ("LSTM zero layers", lambda: nn.LSTM(3, 4, num_layers=0), ValueError, ("LSTM", "num_layers")),
    ("GRU integer input", lambda: nn.GRU(3, 4)(tg.ones(5, 2, 3, dtype=tg.int64)), ValueError,
     ("GRU", "weight dtype", "int64")),
    ("Sequential of an int", lambda: nn.Sequential(3), TypeError, ("add_module", "int")),
    ("Sequential index", lambda: nn.Sequential(nn.ReLU())[5], IndexError,
     ("Sequential", "index 5")),
    ("add_module dotted name", lambda: nn.Module().add_module("a.b", nn.ReLU()), KeyError,
     ("add_module", "a.b", "contain")),
    ("register_parameter plain tensor",
     lambda: nn.Module().register_parameter("w", tg.ones(2)), TypeError,
     ("register_parameter", "'w'", "nn.Parameter")),
    ("Parameter of ints", lambda: nn.Parameter(tg.tensor([1, 2])), RuntimeError,
     ("floating point", "int64")),
    ("train mode string", lambda: nn.Linear(1, 1).train("yes"), ValueError,
     ("train", "boolean", "'yes'")),
    ("load_state_dict missing keys", lambda: nn.Linear(2, 2).load_state_dict({}), RuntimeError,
     ("Linear", "Missing", '"weight"')),
    ("load_state_dict shape",
     lambda: nn.Linear(2, 2).load_state_dict({"weight": tg.ones(3, 3), "bias": tg.ones(2)}),
     RuntimeError, ("size mismatch", "weight", "(3, 3)")),
    ("load_state_dict dtype",
     lambda: nn.Linear(2, 2).load_state_dict({"weight": tg.ones(2, 2, dtype=tg.int64),
                                              "bias": tg.ones(2)}),
     RuntimeError, ("dtype mismatch", "int64", "float32")),
    # --- losses
    ("cross_entropy float target", lambda: F.cross_entropy(x23(), tg.tensor([0.5, 1.0])),
     RuntimeError, ("cross_entropy", "target", "float32")),
    ("cross_entropy target too big", lambda: F.cross_entropy(x23(), tg.tensor([0, 5])),
     IndexError, ("cross_entropy", "Target 5", "[0, 2]")),
    ("cross_entropy negative target", lambda: F.cross_entropy(x23(), tg.tensor([-3, 1])),
     IndexError, ("cross_entropy", "Target -3")),
    ("cross_entropy batch sizes", lambda: F.cross_entropy(x23(), tg.tensor([0, 1, 2])),
     ValueError, ("cross_entropy", "batch_size (2)", "(3)")),
    ("cross_entropy reduction", lambda: F.cross_entropy(x23(), tg.tensor([0, 1]),
                                                        reduction="avg"),
     ValueError, ("cross_entropy", "'avg'")),
    ("cross_entropy weight shape",
     lambda: F.cross_entropy(x23(), tg.tensor([0, 1]), weight=tg.ones(5)), RuntimeError,
     ("nll_loss", "weight", "(5,)")),
    ("cross_entropy label_smoothing",
     lambda: nn.CrossEntropyLoss(label_smoothing=2.0)(x23(), tg.tensor([0, 1])), RuntimeError,
     ("cross_entropy", "label_smoothing", "2.0")),
    ("nll_loss target too big", lambda: F.nll_loss(x23(), tg.tensor([0, 9])), IndexError,
     ("nll_loss", "Target 9")),
    ("mse_loss shapes", lambda: F.mse_loss(x23(), tg.ones(3, 2)), RuntimeError,
     ("broadcast", "(3, 2)")),
    ("mse_loss reduction", lambda: F.mse_loss(x23(), x23(), reduction="bad"), ValueError,
     ("mse_loss", "'bad'")),
    ("binary_cross_entropy range", lambda: F.binary_cross_entropy(tg.tensor([1.5]),
                                                                  tg.tensor([1.0])),
     RuntimeError, ("binary_cross_entropy", "between 0 and 1", "1.5")),
    ("binary_cross_entropy sizes", lambda: F.binary_cross_entropy(tg.tensor([0.5, 0.5]),
                                                                  tg.tensor([1.0])),
     ValueError, ("binary_cross_entropy", "(1,)", "(2,)")),
    ("bce_with_logits sizes", lambda: F.binary_cross_entropy_with_logits(tg.ones(2), tg.ones(3)),
     ValueError, ("binary_cross_entropy_with_logits", "(3,)")),
    ("multi_margin_loss target", lambda: F.multi_margin_loss(x23(), tg.tensor([0, 7])),
     IndexError, ("multi_margin_loss", "Target 7")),
    # --- init and utils
    ("kaiming_uniform_ of 1-d", lambda: nn.init.kaiming_uniform_(tg.ones(3)), ValueError,
     ("kaiming_uniform_", "fewer than 2 dimensions", "(3,)")),
    ("kaiming_normal_ mode", lambda: nn.init.kaiming_normal_(tg.ones(3, 3), mode="fan_x"),
     ValueError, ("kaiming_normal_", "'fan_x'")),
    ("calculate_gain unknown", lambda: nn.init.calculate_gain("banana"), ValueError,
     ("calculate_gain", "'banana'")),
    ("init of an ndarray", lambda: nn.init.zeros_(np.ones(3)), TypeError,
     ("constant_", "Tensor", "ndarray")),
    ("xavier of an ndarray", lambda: nn.init.xavier_uniform_(np.ones((3, 3))), TypeError,
     ("xavier_uniform_", "Tensor")),
    ("clip_grad_norm_ norm_type", clip_norm_type_str, TypeError,
     ("clip_grad_norm_", "norm_type", "'two'")),
    ("vector_to_parameters size", lambda: nn.utils.vector_to_parameters(tg.ones(5), [param()]),
     RuntimeError, ("vector_to_parameters", "2 elements", "(5,)")),
    # --- optimizers and schedulers
    ("SGD negative lr", lambda: sgd(lr=-0.1), ValueError, ("learning rate", "-0.1")),
    ("SGD string lr", lambda: sgd(lr="fast"), TypeError, ("SGD", "'lr'", "'fast'")),
    ("SGD negative momentum", lambda: sgd(momentum=-1), ValueError, ("momentum", "-1")),
    ("SGD nesterov without momentum", lambda: sgd(nesterov=True), ValueError,
     ("Nesterov", "momentum")),
    ("SGD negative weight_decay", lambda: sgd(weight_decay=-1), ValueError,
     ("weight_decay", "-1")),
    ("SGD empty params", lambda: optim.SGD([], lr=0.1), ValueError, ("empty parameter list",)),
    ("SGD bare tensor", lambda: optim.SGD(param(), lr=0.1), TypeError,
     ("iterable", "wrap it in a list")),
    ("SGD non-leaf", lambda: optim.SGD([tg.ones(2, requires_grad=True) * 2], lr=0.1),
     ValueError, ("non-leaf", "MulBackward0")),
    ("Adam betas", lambda: optim.Adam([param()], betas=(1.5, 0.9)), ValueError,
     ("beta", "1.5")),
    ("Adam eps", lambda: optim.Adam([param()], eps=-1), ValueError, ("epsilon", "-1")),
    ("Adam string eps", lambda: optim.Adam([param()], eps="tiny"), TypeError,
     ("Adam", "'eps'", "'tiny'")),
    ("AdamW weight_decay", lambda: optim.AdamW([param()], weight_decay=-1), ValueError,
     ("weight_decay", "-1")),
    ("RMSprop alpha", lambda: optim.RMSprop([param()], lr=0.1, alpha=-1), ValueError,
     ("alpha", "-1")),
    ("Adagrad lr_decay", lambda: optim.Adagrad([param()], lr=0.1, lr_decay=-1), ValueError,
     ("lr_decay", "-1")),
    ("duplicate parameters", lambda: (lambda p: optim.SGD([p, p], lr=0.1))(param()), ValueError,
     ("duplicate parameters",)),
    ("param group without params", lambda: optim.SGD([{"lr": 0.1}], lr=0.1), ValueError,
     ("param_group", "'params'")),
    ("param group string lr",
     lambda: sgd().add_param_group({"params": [param()], "lr": "x"}), TypeError,
     ("SGD", "'lr'", "'x'")),
    ("optimizer load_state_dict keys", lambda: sgd().load_state_dict({"x": 1}), ValueError,
     ("load_state_dict", "'state'", "'param_groups'")),
    ("StepLR step_size zero", lambda: lr_scheduler.StepLR(sgd(), step_size=0), ValueError,
     ("StepLR", "step_size", "0")),
    ("StepLR not an optimizer", lambda: lr_scheduler.StepLR("opt", step_size=2), TypeError,
     ("str", "not an Optimizer")),
    ("LambdaLR not callable", lambda: lr_scheduler.LambdaLR(sgd(), 3), TypeError,
     ("LambdaLR", "lr_lambda", "int")),
    ("ReduceLROnPlateau mode", lambda: lr_scheduler.ReduceLROnPlateau(sgd(), mode="up"),
     ValueError, ("mode up", "'min' or 'max'")),
    ("ReduceLROnPlateau factor", lambda: lr_scheduler.ReduceLROnPlateau(sgd(), factor=1.5),
     ValueError, ("Factor", "< 1.0")),
    # --- data
    ("DataLoader batch_size zero", lambda: DataLoader(TensorDataset(tg.ones(4, 2)),
                                                       batch_size=0),
     ValueError, ("DataLoader", "batch_size", "0")),
    ("DataLoader float batch_size", lambda: DataLoader(TensorDataset(tg.ones(4, 2)),
                                                        batch_size=2.5),
     ValueError, ("DataLoader", "2.5")),
    ("DataLoader of an int", lambda: DataLoader(5, batch_size=2), TypeError,
     ("DataLoader", "__len__", "int")),
    ("TensorDataset lengths", lambda: TensorDataset(tg.ones(4, 2), tg.ones(3)), ValueError,
     ("TensorDataset", "[4, 3]")),
    ("TensorDataset empty", lambda: TensorDataset(), ValueError, ("TensorDataset", "at least one")),
    ("TensorDataset index", lambda: TensorDataset(tg.ones(4, 2))[10], IndexError,
     ("index 10", "size 4")),
    ("random_split lengths", lambda: random_split(TensorDataset(tg.ones(4, 2)), [3, 3]),
     ValueError, ("random_split", "[3, 3]", "(4)")),
    ("Subset indices", lambda: Subset(TensorDataset(tg.ones(4, 2)), [0, 9])[1], IndexError,
     ("Subset", "[9]", "4 samples")),
    ("Normalize zero std", lambda: transforms.Normalize([0.5], [0.0]), ValueError,
     ("Normalize", "std", "zero")),
    ("Normalize channels", lambda: transforms.Normalize([0.5, 0.5], [1, 1])(
        np.ones((3, 4, 4), np.float32)), ValueError, ("Normalize", "2 values", "3 channels")),
    ("RandomCrop too big", lambda: transforms.RandomCrop(10)(np.ones((3, 4, 4), np.float32)),
     ValueError, ("RandomCrop", "(10, 10)", "(4, 4)")),
    ("RandomHorizontalFlip p", lambda: transforms.RandomHorizontalFlip(p=2), ValueError,
     ("RandomHorizontalFlip", "[0, 1]", "2")),
    ("ToTensor of a string", lambda: transforms.ToTensor()("img"), TypeError,
     ("ToTensor", "numpy array", "str")),
    ("digits fractions", lambda: digits(val_fraction=0.8, test_fraction=0.5), ValueError,
     ("digits", "0.8", "0.5")),
    ("digits string seed", lambda: digits(seed="a"), TypeError, ("digits", "seed", "'a'")),
    # --- training helpers and serialization
    ("accuracy shapes", lambda: T.accuracy(tg.ones(4, 3), tg.tensor([0, 1])), ValueError,
     ("accuracy", "(4,)", "(2,)")),
    ("confusion_matrix sizes", lambda: T.confusion_matrix(tg.tensor([0, 1]), tg.ones(3, 3)),
     ValueError, ("confusion_matrix", "2 targets", "3 predictions")),
    ("fit negative epochs",
     lambda: T.fit(nn.Linear(2, 2), F.mse_loss, sgd(), [], epochs=-1), ValueError,
     ("epochs", "-1")),
    ("save an object", lambda: tg.save({"a": object()}, "unused.npz"), TypeError,
     ("save", "obj['a']", "supported")),
    # --- primitives called directly on ndarrays (the course's front door)
    ("matmul_forward shapes", lambda: matmul_ops.matmul_forward(arr(2, 3), arr(4, 5)),
     ValueError, ("matmul_forward", "(2, 3)", "(4, 5)")),
    ("sum_forward dim", lambda: reduce_ops.sum_forward(arr(2, 3), dim=(5,)), IndexError,
     ("sum_forward", "(5,)", "(2, 3)")),
    ("reshape_forward shape", lambda: movement_ops.reshape_forward(arr(2, 3), shape=(4, 2)),
     RuntimeError, ("reshape_forward", "(4, 2)", "(2, 3)")),
    ("softmax_forward dim", lambda: loss_ops.softmax_forward(arr(2, 3), dim=3), IndexError,
     ("softmax_forward", "[-2, 1]", "3")),
    ("log_softmax_forward dim", lambda: loss_ops.log_softmax_forward(arr(2, 3), dim=-4),
     IndexError, ("log_softmax_forward", "-4")),
    ("dropout_forward p", lambda: dropout_ops.dropout_forward(arr(3), p=2.0), ValueError,
     ("dropout_forward", "between 0 and 1", "2.0")),
    ("batch_norm_forward weight shape",
     lambda: norm_ops.batch_norm_forward(arr(4, 3), arr(2), arr(2), training=True), ValueError,
     ("batch_norm_forward", "(C,)", "(2,)")),
    ("layer_norm_forward weight shape",
     lambda: norm_ops.layer_norm_forward(arr(4, 3), arr(2), arr(2)), ValueError,
     ("layer_norm_forward", "weight and bias")),
    ("max_pool2d_forward integer input",
     lambda: pool_ops.max_pool2d_forward(np.ones((1, 1, 4, 4), np.int64), kernel_size=2),
     RuntimeError, ("max_pool2d", "int64", "float")),
    ("avg_pool2d_forward kernel", lambda: pool_ops.avg_pool2d_forward(arr(1, 1, 4, 4),
                                                                      kernel_size=8),
     RuntimeError, ("avg_pool2d", "output size")),
    ("nll_loss_forward target", lambda: loss_ops.nll_loss_forward(arr(2, 3), np.array([0, 5]),
                                                                  np.ones(3)),
     IndexError, ("nll_loss", "Target 5")),
    # --- seeds, saving, softplus
    ("manual_seed string", lambda: tg.manual_seed("a"), TypeError,
     ("manual_seed", "int seed", "'a'")),
    ("manual_seed too large", lambda: tg.manual_seed(2**64), ValueError,
     ("manual_seed", "2**64", str(2**64))),
    ("save into a missing directory", lambda: tg.save({"a": 1}, "no/such/dir/w.pt"),
     FileNotFoundError, ("save", "no/such/dir", "does not exist")),
    ("save in an unknown format", lambda: tg.save({"a": 1}, "unused.pt", format="onnx"),
     ValueError, ("save", "format", "'onnx'", "'torch'")),
    ("save a number as safetensors",
     lambda: tg.save({"a": 1}, "unused.pt", format="safetensors"), TypeError,
     ("save", "safetensors", "obj['a']", "int")),
    ("load a pickle calling os.system",
     lambda: tg.load(io.BytesIO(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.cos\nsystem\n.")),
     ValueError, ("load", "<BytesIO>", "GLOBAL os.system", "not an allowed global")),
    ("softplus beta 0", lambda: F.softplus(x23(), beta=0), ValueError,
     ("softplus", "beta", "0")),
    # --- the debugging tools
    ("gradcheck_graph not callable", lambda: gradcheck_graph(1, []), TypeError,
     ("gradcheck_graph", "callable", "int")),
    ("gradcheck_graph inputs", lambda: gradcheck_graph(lambda x: x, np.ones(2)), TypeError,
     ("gradcheck_graph", "list or tuple", "ndarray")),
    ("compare_with_torch not callable", lambda: compare_with_torch("f", []), TypeError,
     ("compare_with_torch", "callable", "str")),
    ("detect_anomaly finds a NaN", lambda: _anomaly_log_of_negative(), RuntimeError,
     ("detect_anomaly", "'log'", "forward", "has NaN")),
]


def _in_message(word: str, message: str) -> bool:
    """``word`` is in the message; a shape "(2, 3)" may also read "torch.Size([2, 3])", which
    is how a tensor's shape prints (as in PyTorch's own messages)."""
    if word in message:
        return True
    shape = re.fullmatch(r"\((\d+(?:, \d+)*)?,?\)", word)
    return shape is not None and f"torch.Size([{shape.group(1) or ''}])" in message


def _anomaly_log_of_negative() -> None:
    with tg.autograd.detect_anomaly():
        tg.tensor([-1.0, 2.0]).log()


def test_the_table_has_at_least_100_cases() -> None:
    assert len(CASES) >= 100
    assert len({name for name, *_ in CASES}) == len(CASES), "case names must be unique"


@pytest.mark.parametrize(("call", "exc_type", "words"),
                         [pytest.param(c, e, w, id=n) for n, c, e, w in CASES])
def test_bad_input(call: Callable[[], Any], exc_type: type[BaseException],
                   words: tuple[str, ...], tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a case that would write a file writes it here
    with pytest.raises(exc_type) as info:
        call()
    message = str(info.value)
    missing = [w for w in words if not _in_message(w, message)]
    assert not missing, f"{missing} not in the message: {message!r}"
    innermost = traceback.extract_tb(info.value.__traceback__)[-1].filename
    assert os.path.abspath(innermost).startswith(PACKAGE), (
        f"the error was raised outside tinygrad_edu, in {innermost}: {message!r}")


def test_negative_seeds_count_from_2_to_the_64_like_torch() -> None:
    a = tg.manual_seed(-1) and tg.rand(3)
    assert tg.initial_seed() == 2**64 - 1
    b = tg.manual_seed(2**64 - 1) and tg.rand(3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
