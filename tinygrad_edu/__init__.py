"""tinygrad_edu: a readable deep-learning engine for students and teachers.

Every op is a ``forward -> (out, cache)`` / ``backward(dout, cache)`` pair (``tinygrad_edu.ops``)
registered with a small autograd engine (``tinygrad_edu.autograd``); the API follows PyTorch.

Example:
    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([[1.0, -2.0]], requires_grad=True)
    >>> x.relu().sum().backward()
    >>> x.grad
    tensor([[1., 0.]])
"""

import importlib
from typing import Any

from . import (
    accelerator,
    autograd,
    backends,
    cuda,
    data,
    linalg,
    nn,
    ops,
    optim,
    runtime,
    special,
    utils,
)
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .device import get_default_device, set_default_device
from .dtypes import DType as dtype
from .dtypes import (
    bfloat16,
    can_cast,
    device,
    double,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import bool_ as bool  # noqa: A004 - PyTorch's name
from .dtypes import float as float  # noqa: A004,PLC0414 - PyTorch's name
from .dtypes import int32 as int  # noqa: A004 - PyTorch's name (int32)
from .kernels.threads import get_num_threads, set_num_threads
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .serialization import load, save
from .tensor import Size, Tensor
from .tensor.convert import is_floating_point, result_type
from .tensor.creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    set_rng_state,
    tensor,
    zeros,
    zeros_like,
)
from .tensor.functions import *  # noqa: F403 - torch.* style functions
from .tensor.functions import __all__ as _function_names
from .tensor.legacy import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .tensor.printing import set_printoptions
from .unsupported import missing_attribute

__version__ = "0.1.0"

# Subpackages ``tg.<name>`` imports on first use, as ``torch.testing`` works after ``import torch``.
_LAZY = ("testing", "viz", "classic", "models", "train", "coverage", "onnx")


def __getattr__(name: str) -> Any:
    """``tg.testing`` and the other tool packages load on first use; a PyTorch name that
    tinygrad_edu lacks on purpose raises an AttributeError that says why."""
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise missing_attribute("torch", "tinygrad_edu", name, globals())


__all__ = [
    # packages
    "accelerator", "autograd", "backends", "cuda", "data", "linalg", "nn", "ops", "optim",
    "runtime", "special", "utils",
    # the Tensor, dtypes and devices
    "Tensor", "Size", "dtype", "bool", "uint8", "int8", "int16", "short", "int32", "int", "int64",
    "long", "float16", "half", "bfloat16", "float32", "float", "float64", "double",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
    "finfo", "iinfo", "is_floating_point", "device", "get_default_device", "set_default_device",
    "BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
    # making tensors
    "tensor", "as_tensor", "from_numpy", "zeros", "zeros_like", "ones", "ones_like", "empty",
    "empty_like", "full", "full_like", "arange", "linspace", "logspace", "eye",
    # random numbers (PyTorch's for the same seed)
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "rand", "rand_like", "randn", "randn_like", "randint", "randint_like",
    "randperm", "normal", "bernoulli", "multinomial",
    # gradient modes
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    "is_inference_mode_enabled",
    # files, threads, printing
    "save", "load", "get_num_threads", "set_num_threads", "set_printoptions",
    *_function_names,
]
