"""The Tensor: an ndarray that remembers how it was computed.

A Tensor holds its numbers in a numpy array and, when it was computed from tensors that require
grad, the graph ``Node`` that made it (``t.grad_fn``). This file is the core every other part
builds on: the fields, ``.grad``, ``backward``, ``detach``, hooks, the version counter and the
public way to write into a tensor's memory (``mutate``). The methods that compute come from one
mixin per family, each a thin call of a registered op (``tinygrad_edu/ops/``):

- ``convert.py``: dtypes, ``to``, ``numpy``, ``item``;
- ``arithmetic.py``: operators and elementwise math;
- ``pointwise.py``, ``compare.py``, ``inplace_math.py``: more elementwise math (trigonometry,
  rounding, ``//`` and ``%``), comparisons and bit logic, and their in-place ``_`` versions;
- ``reduce.py``: sums, maxima, mean/var/std, softmax, norms;
- ``sort_scan.py``: sort, topk, median, quantile, cumsum, cumprod, cummax, diff;
- ``index.py``: index_select, scatter and index_add, masked_select, nonzero, unique;
- ``shape.py``: reshape, permute, expand, indexing;
- ``inplace.py``: ``add_``, ``x[i] = v``, ``+=`` and friends;
- ``devices.py``: ``device``, ``cpu``, ``cuda``, ``is_cuda`` (everything lives on the CPU).
- ``rearrange.py``: flips, rolls, diagonals, triangles, ``unfold``, ``new_*``, ``squeeze_``;
- ``matrix.py``: ``bmm``, ``dot``, ``outer``, ``addmm``, ``kron``, ``det``, ``inverse`` (with
  ``linalg.py``, the functions of ``tg.linalg``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import dtypes
from ..autograd import Node, is_inference_mode_enabled
from ..autograd import backward as autograd_backward
from ..autograd.engine import backward as run_backward
from ..autograd.grad_mode import _grad_mode
from ..checks import dim_index
from ..unsupported import missing_attribute
from .arithmetic import ArithmeticMixin
from .base import TensorBase
from .compare import CompareMixin
from .convert import ConversionMixin, as_array
from .devices import DeviceMixin
from .index import IndexMixin
from .inplace import InPlaceMixin
from .inplace_math import InPlaceMathMixin
from .matrix import MatrixMixin
from .pointwise import PointwiseMixin
from .printing import tensor_repr
from .rearrange import RearrangeMixin
from .reduce import ReduceMixin
from .sampling import SamplingMixin
from .shape import ShapeMixin
from .sort_scan import SortScanMixin

Array = NDArray[Any]


class _Mutation:
    """``Tensor.mutate()``'s block: yields the array, bumps the version counter at its end
    (a small class rather than a generator: optimizers and BatchNorm enter one per tensor
    per step, and this costs half as much)."""

    __slots__ = ("tensor",)

    def __init__(self, tensor: Tensor) -> None:
        if not tensor._data.flags.writeable:
            raise RuntimeError("mutate: this tensor is a broadcast (expanded) view, so several "
                               "elements share one memory location; clone() it first")
        self.tensor = tensor

    def __enter__(self) -> Array:
        return self.tensor._data

    def __exit__(self, *exc: object) -> None:
        self.tensor._version[0] += 1


class Tensor(ConversionMixin, ArithmeticMixin, PointwiseMixin, CompareMixin, ReduceMixin,
             SortScanMixin, IndexMixin, ShapeMixin, RearrangeMixin, MatrixMixin, InPlaceMathMixin,
             InPlaceMixin, SamplingMixin, DeviceMixin, TensorBase):
    """A multi-dimensional array with automatic differentiation (PyTorch's ``torch.Tensor``).

    Prefer the factory ``tg.tensor(data)``, which copies; ``Tensor(data)`` wraps an existing
    array (or shares another tensor's memory and version counter).

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    # class-level defaults keep creating a result cheap: only _data and _version are set
    _grad: Tensor | None = None
    _inference = False  # made inside inference_mode()
    __array_priority__ = 1000  # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False,
                 device: Any = None) -> None:
        dtypes.check_device(device, "Tensor")
        self._data = as_array(data, dtype)
        if isinstance(data, TensorBase) and self._data is data._data:
            self._version = data._version  # the same memory: in-place changes show on both
        else:
            self._version = [0]
        if requires_grad:
            self.requires_grad_(True)
        if is_inference_mode_enabled():
            self._inference = True

    def _wrap(self, array: Array) -> Tensor:
        """A new Tensor around ``array`` (the result of an op); no graph attached yet."""
        t = Tensor.__new__(Tensor)
        t._data = array if array.__class__ is np.ndarray else np.asarray(array)
        t._version = [0]
        if _grad_mode.inference:  # is_inference_mode_enabled(), read directly: runs per op
            t._inference = True
        return t

    def is_inference(self) -> bool:
        """True for a tensor made inside ``tg.inference_mode()``."""
        return self._inference

    # ------------------------------------------------------------------ properties

    @property
    def grad(self) -> Tensor | None:
        """dL/dself after backward (leaves, or tensors that called ``retain_grad``)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value.shape != self.shape or value.dtype != self.dtype:
                raise RuntimeError(f"grad: assigned grad has shape {value.shape} and dtype "
                                   f"{value.dtype}, but the tensor has shape {self.shape} and "
                                   f"dtype {self.dtype}")
        self._grad = value

    @property
    def grad_fn(self) -> Node | None:
        """The graph node that produced this tensor, or None for leaves.

        Named as in PyTorch: ``(a + b).grad_fn`` prints ``<AddBackward0 object at 0x...>``;
        ``name()`` and ``next_functions`` walk the graph (``tinygrad_edu/autograd/graph.py``).
        """
        ctx = self._ctx
        return None if ctx is None else ctx._next_entry()[0]

    @property
    def data(self) -> Tensor:
        """The same numbers as a tensor outside the graph (changes are not tracked)."""
        return self._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        new = value._data if isinstance(value, TensorBase) else as_array(value, None)
        if new is not self._data:
            if new.shape != self.shape:
                raise RuntimeError(f"Tensor.data: cannot assign data of shape {new.shape} to a "
                                   f"tensor of shape {self.shape}")
            self._data = new

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.shape
        return self.shape[dim_index(dim, self.ndim, "size")]

    # ------------------------------------------------------------------ autograd

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Compute gradients of this tensor with respect to the graph's leaves.

        Gradients add up in each leaf's ``.grad``. With ``create_graph=True`` each gradient is
        a graph itself (every op runs its differentiable backward, see
        ``autograd/higher.py``), so it can be differentiated again (a gradient penalty, a
        second derivative). ``tinygrad_edu.viz.explain_backward(loss)`` prints the same pass
        step by step.

        Args:
            gradient: dL/dself; may be omitted only for one-element tensors.
            retain_graph: keep the saved arrays so that backward can run again.
            create_graph: make the gradients graphs that can be differentiated again.
            inputs: if given, only these tensors get ``.grad`` (``tg.autograd.backward``).
        """
        if create_graph or inputs is not None:
            autograd_backward(self, gradient, retain_graph, create_graph, inputs=inputs)
            return
        retain_graph = bool(retain_graph)
        if not self.requires_grad:
            raise RuntimeError("backward: element 0 of tensors does not require grad and does "
                               "not have a grad_fn; create inputs with requires_grad=True")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                                   f"outputs; this tensor has shape {self.shape}; pass "
                                   "gradient= with that shape")
            grad = np.ones_like(self._data)
        else:
            grad = as_array(gradient, self.dtype)
            if grad.shape != self.shape:
                raise RuntimeError(f"backward: gradient has shape {grad.shape}, but the tensor "
                                   f"has shape {self.shape}; they must match")
        run_backward(self, grad, retain_graph)

    def detach(self) -> Tensor:
        """The same data without the graph (shares memory and the version counter)."""
        t = self._wrap(self._data)
        t._version = self._version
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf so that backward fills its ``.grad``."""
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("requires_grad_: you can only change requires_grad flags of "
                                   "leaf variables; use detach() to get a leaf")
            return self
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError(f"requires_grad_: only Tensors of floating point dtype can "
                               f"require gradients, got {self.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place: it becomes a leaf without grad."""
        self._ctx = None
        self.requires_grad = False
        return self

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor that called ``retain_grad()``."""
        ctx = self._ctx
        return ctx is not None and ctx.retain is not None and ctx.retain() is self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a Tensor that has "
                               "requires_grad=False")
        if self._ctx is not None:
            self._ctx.retain = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

        The engine runs hooks on arrays; the hook sees the gradient as a Tensor, and what it
        returns (a Tensor, an array, or None to keep the gradient) must have the same shape.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                               "require gradient")
        shape = self.shape

        def on_array(g: Array) -> Array:
            res = hook(self._wrap(g))
            if res is None:
                return g
            new = res._data if isinstance(res, TensorBase) else np.asarray(res)
            if new.shape != shape:
                raise RuntimeError(f"register_hook: the hook returned a gradient of shape "
                                   f"{new.shape}, but the tensor has shape {shape}")
            return new

        if self._ctx is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self._ctx.hooks is None:
                self._ctx.hooks = []
            hooks = self._ctx.hooks
        hooks.append(on_array)
        return HookHandle(hooks, on_array)

    # ------------------------------------------------------------------ writing in place

    def mutate(self) -> _Mutation:
        """Write into this tensor's memory directly, outside the graph (optimizers, loaders).

        Yields the tensor's ndarray; change it in place (``a -= lr * g``, ``a[...] = v``).
        Nothing is recorded for backward; when the block ends the version counter goes up, as
        after an in-place op under ``no_grad``, so a graph that saved this tensor notices.

        Example:
            >>> import tinygrad_edu as tg
            >>> w = tg.ones(3, requires_grad=True)
            >>> with w.mutate() as a:
            ...     a *= 0.5
            >>> w
            tensor([0.5000, 0.5000, 0.5000], requires_grad=True)
        """
        return _Mutation(self)

    # ------------------------------------------------------------------ Python protocols

    def __repr__(self) -> str:
        grad_fn = self.grad_fn
        # the class's name, as PyTorch prints it (name() differs only for Error nodes)
        return tensor_repr(self._data, None if grad_fn is None else type(grad_fn).__name__,
                           self.requires_grad)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __getattr__(self, name: str) -> Any:
        """Only for names the Tensor lacks: PyTorch's that are unsupported on purpose say why."""
        raise missing_attribute("Tensor", "Tensor", name, dir(type(self)))

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 or (self._data.size == 1 and spec):
            return format(self._data.reshape(()).item(), spec)
        return format(repr(self), spec)


def tensor_arg(value: Any, name: str, arg: str = "input") -> Tensor:
    """A function's tensor argument as a Tensor (the front door of ``tg.<name>(input, ...)``).

    Tensors pass through; numbers and nested lists of numbers become tensors. Anything else
    (``None``, a string, a list of strings, ...) is PyTorch's TypeError, naming the function,
    the argument and what it got, instead of an error from deep inside the conversion.
    """
    if isinstance(value, Tensor):
        return value
    problem = TypeError(f"{name}(): argument '{arg}' must be a Tensor, not "
                        f"{type(value).__name__} ({value!r:.40})")
    if value is None or isinstance(value, str | bytes):
        raise problem
    try:
        return Tensor(value)
    except (TypeError, ValueError, RuntimeError):
        raise problem from None


class HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
