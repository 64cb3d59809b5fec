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

from . import (
    cuda,
    data,
    linalg,  # issue 15, part C: torch.linalg
    nn,
    ops,
    optim,
    runtime,
    utils,
)
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import bool_ as bool  # noqa: A004 - PyTorch's name
from .dtypes import device, double, float32, float64, int32, int64, long
from .dtypes import float as float  # noqa: A004,PLC0414 - PyTorch's name
from .kernels.threads import get_num_threads, set_num_threads
from .random import Generator, default_generator, initial_seed, manual_seed
from .serialization import load, save
from .tensor import Tensor
from .tensor.creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .tensor.functions import *  # noqa: F403 - torch.* style functions
from .tensor.functions import __all__ as _function_names

__version__ = "0.1.0"

__all__ = [
    "Generator", "Tensor", "arange", "bool", "cuda", "data", "default_generator", "device",
    "double",
    "empty", "empty_like", "enable_grad", "eye", "float", "float32", "float64", "from_numpy",
    "full", "full_like", "initial_seed", "int32", "int64", "is_grad_enabled", "linspace",
    "load", "long", "manual_seed", "nn", "no_grad", "ones", "ones_like", "optim", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm", "save",
    "set_grad_enabled", "tensor", "utils", "ops", "runtime", "get_num_threads",
    "set_num_threads", "zeros", "zeros_like", *_function_names,
    "linalg",  # issue 15, part C
]
