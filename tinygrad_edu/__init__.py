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

from . import autograd, cuda, data, linalg, nn, ops, optim, runtime, special, utils
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .dtypes import bool_ as bool  # noqa: A004 - PyTorch's name
from .dtypes import device, double, float32, float64, int32, int64, long
from .dtypes import float as float  # noqa: A004,PLC0414 - PyTorch's name
from .kernels.threads import get_num_threads, set_num_threads

# issue 15, part 6 (seed parity): random functions and generator state
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .serialization import load, save
from .tensor import Tensor
from .tensor.creation import (
    arange,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    linspace,
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
from .unsupported import missing_attribute

# isort: split
# --- dtypes (issue 15 part 4) ---
from .dtypes import DType as dtype
from .dtypes import (
    bfloat16,
    can_cast,
    finfo,
    float16,
    get_default_dtype,
    half,
    iinfo,
    int8,
    int16,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import int32 as int  # noqa: A004 - PyTorch's name (int32)
from .tensor.convert import is_floating_point, result_type

# --- end dtypes ---
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

__version__ = "0.1.0"

# Subpackages ``tg.<name>`` imports on first use, as ``torch.testing`` works after ``import torch``.
_LAZY = ("testing", "viz", "classic", "models", "train", "coverage")


def __getattr__(name: str) -> Any:
    """``tg.testing`` and the other tool packages load on first use; a PyTorch name that
    tinygrad_edu lacks on purpose raises an AttributeError that says why."""
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise missing_attribute("torch", "tinygrad_edu", name, globals())

__all__ = [
    "Generator", "Tensor", "arange", "bool", "cuda", "data", "default_generator", "device",
    "double",
    "empty", "empty_like", "enable_grad", "eye", "float", "float32", "float64", "from_numpy",
    "full", "full_like", "initial_seed", "int32", "int64", "is_grad_enabled", "linspace",
    "load", "long", "manual_seed", "nn", "no_grad", "ones", "ones_like", "optim", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm", "save",
    "set_grad_enabled", "tensor", "utils", "ops", "runtime", "get_num_threads",
    "set_num_threads", "zeros", "zeros_like", *_function_names,
    "special",  # issue 15 part A
    # issue 15, part 6 (seed parity)
    "bernoulli", "get_rng_state", "multinomial", "normal", "seed", "set_rng_state",
    # dtypes (issue 15 part 4)
    "bfloat16", "can_cast", "dtype", "finfo", "float16", "get_default_dtype", "half", "iinfo",
    "int", "int8", "int16", "is_floating_point", "promote_types", "result_type",
    "set_default_dtype", "short", "uint8",
    # issue 15, part 3 (autograd surface)
    "autograd", "inference_mode", "is_inference_mode_enabled", "BFloat16Tensor", "BoolTensor",
    "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
    "LongTensor", "ShortTensor",
    "linalg",  # issue 15, part C
]

# issue 15 part 5 (devices): the probes tutorial code runs before choosing a device
from . import accelerator, backends  # noqa: E402

__all__ += ["accelerator", "backends"]

# issue 15 part 7 (printing): torch.set_printoptions
from .tensor.printing import set_printoptions  # noqa: E402

__all__ += ["set_printoptions"]

# issue 15 part 5 (devices): the default device of factory functions
from .device import get_default_device, set_default_device  # noqa: E402

__all__ += ["get_default_device", "set_default_device"]
