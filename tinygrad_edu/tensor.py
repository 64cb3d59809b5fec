"""Tensor: an ndarray that remembers how it was computed.

A Tensor holds its numbers in a numpy array (``t.numpy()``), and, when it was computed from
tensors that require grad, the graph ``Node`` that made it (``t.grad_fn``). Every method that
computes something calls a registered op through ``autograd.apply_op``; the math lives in
``tinygrad_edu/ops/``, and composite methods (mean, var, softmax, ...) in ``ops/composite.py``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import autograd, dtypes
from . import ops as _ops  # noqa: F401 - importing registers every op
from .autograd import OPS, apply_op
from .checks import (
    broadcast_shape,
    dim_index,
    dims_tuple,
    index_key,
    shape_arg,
    split_int_index,
)
from .ops import composite
from .ops.movement import is_advanced_index
from .random import Generator, numpy_rng

Array = NDArray[Any]
_OP = OPS  # short alias used by the method bodies


class Tensor:
    """A multi-dimensional array with automatic differentiation (PyTorch's ``torch.Tensor``).

    Prefer the factory ``tg.tensor(data)``; ``Tensor(data)`` wraps an existing array.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    # class-level defaults keep creating a result cheap: only _data and _version are set
    requires_grad: bool = False
    _grad: Tensor | None = None
    _ctx: autograd.Node | None = None
    _hooks: list[Callable[[Any], Any]] | None = None
    _view_of_graph: bool = False
    __array_priority__ = 1000  # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False,
                 device: Any = None) -> None:
        dtypes.check_device(device, "Tensor")
        self._data = as_array(data, dtype)
        self._version = [0]
        if requires_grad:
            self.requires_grad_(True)

    def _wrap(self, array: Array) -> Tensor:
        """A new Tensor around ``array`` (the result of an op); no graph attached yet."""
        t = Tensor.__new__(Tensor)
        t._data = array
        t._version = [0]
        return t

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
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension, a tuple (``torch.Size`` is a tuple too)."""
        return self._data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The element type, a numpy dtype (``tg.float32``, ``tg.float64``, ...)."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def device(self) -> dtypes.device:
        """Always the CPU."""
        return dtypes.device("cpu")

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (their ``.grad`` gets filled)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> autograd.Node | None:
        """The graph node that produced this tensor, or None for leaves."""
        return self._ctx

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The tensor with its dimensions reversed (the transpose for a matrix)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def data(self) -> Tensor:
        """The same numbers as a tensor outside the graph (changes are not tracked)."""
        t = self._wrap(self._data)
        return t

    @data.setter
    def data(self, value: Any) -> None:
        new = value._data if isinstance(value, Tensor) else as_array(value, None)
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

    def numel(self) -> int:
        """Number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def numpy(self) -> Array:
        """The underlying ndarray (shares memory, like ``torch.Tensor.numpy``)."""
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy() instead")
        return self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self._data.size} elements cannot be "
                               "converted to a Python scalar; expected exactly 1 element")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._data.tolist()

    # ------------------------------------------------------------------ autograd

    def backward(self, gradient: Any = None, retain_graph: bool = False,
                 explain: bool = False) -> None:
        """Compute gradients of this tensor with respect to the graph's leaves.

        Gradients add up in each leaf's ``.grad``. Gradients are first order only: backward
        functions return plain arrays, so there is no ``create_graph`` / double backward.

        Args:
            gradient: dL/dself; may be omitted only for one-element tensors.
            retain_graph: keep the saved arrays so that backward can run again.
            explain: first print the backward pass op by op (``viz.explain_backward``).
        """
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
        if explain:
            from .viz.explain import explain_backward  # viz sits above tensor: import late

            explain_backward(self, grad)
        autograd.backward(self, grad, retain_graph)

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

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a Tensor that has "
                               "requires_grad=False")
        if self._ctx is not None:
            self._ctx.retain = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't "
                               "require gradient")
        if self._ctx is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self._ctx.hooks is None:
                self._ctx.hooks = []
            hooks = self._ctx.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def zero_grad_(self) -> None:
        """Drop the stored gradient (``.grad = None``)."""
        self.grad = None

    # ------------------------------------------------------------------ conversion

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert dtype (``t.to(tg.float64)``) or device (``t.to('cpu')``); CPU only."""
        dtype = kwargs.pop("dtype", None)
        dtypes.check_device(kwargs.pop("device", None), "to")
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str | dtypes.device):  # PyTorch takes dtypes as objects only
                dtypes.check_device(arg, "to")
            else:
                dtype = arg
        if dtype is None:
            return self
        return self.type(dtype)

    def type(self, dtype: Any) -> Tensor:
        """This tensor converted to ``dtype`` (differentiable between float dtypes)."""
        dtype = dtypes.to_dtype(dtype, "to")
        if dtype == self.dtype:
            return self
        return apply_op(_OP["cast"], self, dtype=dtype)

    def float(self) -> Tensor:
        """Convert to float32."""
        return self.type(dtypes.float32)

    def double(self) -> Tensor:
        """Convert to float64."""
        return self.type(dtypes.float64)

    def long(self) -> Tensor:
        """Convert to int64."""
        return self.type(dtypes.int64)

    def int(self) -> Tensor:
        """Convert to int32."""
        return self.type(dtypes.int32)

    def bool(self) -> Tensor:
        """Convert to bool."""
        return self.type(dtypes.bool_)

    def cpu(self) -> Tensor:
        """This tensor (everything lives on the CPU)."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Always an error: there is no GPU backend."""
        raise RuntimeError("cuda: tinygrad_edu runs on the CPU only (tg.cuda.is_available() is "
                           "False); keep tensors on 'cpu'")

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back to the original."""
        return apply_op(_OP["clone"], self)

    def contiguous(self) -> Tensor:
        """This tensor if its memory is row-major contiguous, else a contiguous copy."""
        return self if self._data.flags.c_contiguous else self.clone()

    def is_contiguous(self) -> bool:
        """True when the memory is row-major contiguous."""
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        """True for float32/float64 tensors."""
        return self.dtype.kind == "f"

    # ------------------------------------------------------------------ Python protocols

    def __repr__(self) -> str:
        body = _format_array(self._data)
        extras = []
        if self.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_):
            extras.append(f"dtype=tg.{self.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.op.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def _scalar(self, kind: str) -> Any:
        if self._data.size != 1:
            raise ValueError(f"{kind}: only one element tensors can be converted to Python "
                             f"scalars; this tensor has shape {self.shape}")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar("float()"))

    def __int__(self) -> int:
        return int(self._scalar("int()"))

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be converted to an "
                            f"index, got dtype {self.dtype}")
        return int(self._scalar("index"))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {self.shape}); use .any() or .all()")
        return bool(self._data.reshape(()).item())

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 or (self._data.size == 1 and spec):
            return format(self._data.reshape(()).item(), spec)
        return format(repr(self), spec)

    __hash__ = object.__hash__

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        return self._data if dtype is None else self._data.astype(dtype)

    # ------------------------------------------------------------------ arithmetic

    def _binary(self, name: str, other: Any, reverse: bool = False) -> Tensor:
        a, b = self, other
        if b.__class__ is not Tensor or a._data.dtype != b._data.dtype or \
                a._data.shape != b._data.shape:
            a, b = _prepare_binary(name, a, b)
        if reverse:
            a, b = b, a
        return apply_op(_OP[name], a, b)

    def __add__(self, other: Any) -> Tensor:
        return self._binary("add", other)

    def __radd__(self, other: Any) -> Tensor:
        return self._binary("add", other, reverse=True)

    def __sub__(self, other: Any) -> Tensor:
        return self._binary("sub", other)

    def __rsub__(self, other: Any) -> Tensor:
        return self._binary("sub", other, reverse=True)

    def __mul__(self, other: Any) -> Tensor:
        return self._binary("mul", other)

    def __rmul__(self, other: Any) -> Tensor:
        return self._binary("mul", other, reverse=True)

    def __truediv__(self, other: Any) -> Tensor:
        return _true_div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _true_div(_as_tensor(other, self), self)

    def __pow__(self, other: Any) -> Tensor:
        return self._binary("pow", other)

    def __rpow__(self, other: Any) -> Tensor:
        return self._binary("pow", other, reverse=True)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(_as_tensor(other, self), self)

    def __neg__(self) -> Tensor:
        return apply_op(_OP["neg"], self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return apply_op(_OP["abs"], self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._binary("eq", other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._binary("ne", other)

    def __lt__(self, other: Any) -> Tensor:
        return self._binary("lt", other)

    def __le__(self, other: Any) -> Tensor:
        return self._binary("le", other)

    def __gt__(self, other: Any) -> Tensor:
        return self._binary("gt", other)

    def __ge__(self, other: Any) -> Tensor:
        return self._binary("ge", other)

    def __invert__(self) -> Tensor:
        if self.dtype.kind != "b":
            raise TypeError(f"~ (logical not) expects a bool tensor, got {self.dtype}")
        return self._wrap(~self._data)

    def _bitwise(self, name: str, other: Any) -> tuple[Array, Array]:
        b = _as_tensor(other, self)
        if self.dtype.kind not in "biu" or b.dtype.kind not in "biu":
            raise TypeError(f"{name}: expected bool or integer tensors, got {self.dtype} and "
                            f"{b.dtype}")
        broadcast_shape(name, self.shape, b.shape)
        return self._data, b._data

    def __and__(self, other: Any) -> Tensor:
        a, b = self._bitwise("& (bitwise and)", other)
        return self._wrap(a & b)

    def __or__(self, other: Any) -> Tensor:
        a, b = self._bitwise("| (bitwise or)", other)
        return self._wrap(a | b)

    def __xor__(self, other: Any) -> Tensor:
        a, b = self._bitwise("^ (bitwise xor)", other)
        return self._wrap(a ^ b)

    def add(self, other: Any, alpha: float = 1) -> Tensor:
        """self + alpha * other."""
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        """self - alpha * other."""
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Any) -> Tensor:
        """self * other."""
        return self * other

    def div(self, other: Any) -> Tensor:
        """self / other (true division)."""
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent."""
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        """Matrix product (see ``tg.matmul``)."""
        return matmul(self, other)

    def mm(self, other: Any) -> Tensor:
        """Product of two matrices (2-D only, like ``torch.mm``)."""
        if self.ndim != 2 or _as_tensor(other, self).ndim != 2:
            raise RuntimeError(f"mm: expected 2-D tensors, got shapes {self.shape} and "
                               f"{_as_tensor(other, self).shape}; use matmul for batches")
        return matmul(self, other)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum (ties split the gradient)."""
        return self._binary("maximum", other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum (ties split the gradient)."""
        return self._binary("minimum", other)

    # ------------------------------------------------------------------ in place

    def _inplace(self, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
        """Run ``compute`` and write its result into this tensor's memory.

        When the graph is recorded, the op runs on a copy of the old values and this tensor
        takes the result's graph node, so gradients flow through the in-place op. The version
        counter goes up either way, which is how backward notices that a value it saved has
        changed.
        """
        if not self._data.flags.writeable:
            raise RuntimeError(f"{name}: this tensor is a broadcast (expanded) view, so several "
                               "elements share one memory location; clone() it first")
        recording = autograd.is_grad_enabled()
        if recording and self.requires_grad and self.is_leaf:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an "
                               "in-place operation; wrap it in tg.no_grad() or use the "
                               "out-of-place op")
        if recording and self._view_of_graph:
            raise RuntimeError(f"{name}: in-place change of a view of a tensor that requires "
                               "grad is not supported; clone() the view first")
        old = self
        if recording:  # the op may save its input, so it must not see the memory we overwrite
            old = self._wrap(self._data.copy())
            old._ctx, old.requires_grad = self._ctx, self.requires_grad
        result = compute(old)
        if recording and old.requires_grad and result._ctx is None:
            # the value no longer depends on the old one, but stays in the graph: zero gradient
            result = composite.where(old._wrap(np.zeros((), dtype=bool)), old, result)
        if result.shape != self.shape:
            raise RuntimeError(f"{name}: output with shape {self.shape} doesn't match the "
                               f"broadcast shape {result.shape}")
        if result.dtype != self.dtype and not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        np.copyto(self._data, result._data, casting="unsafe")
        self._version[0] += 1
        if result._ctx is not None:
            if self._ctx is not None and self._ctx.retain is not None:
                result._ctx.retain, self._ctx.retain = self._ctx.retain, None
            self._ctx, self.requires_grad = result._ctx, True
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """In place: self += alpha * other."""
        return self._inplace("add_", lambda t: t.add(other, alpha))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """In place: self -= alpha * other."""
        return self._inplace("sub_", lambda t: t.sub(other, alpha))

    def mul_(self, other: Any) -> Tensor:
        """In place: self *= other."""
        return self._inplace("mul_", lambda t: t * other)

    def div_(self, other: Any) -> Tensor:
        """In place: self /= other."""
        return self._inplace("div_", lambda t: t / other)

    def pow_(self, exponent: Any) -> Tensor:
        """In place: self **= exponent."""
        return self._inplace("pow_", lambda t: t**exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """In place: clamp to [min, max]."""
        return self._inplace("clamp_", lambda t: t.clamp(min, max))

    def zero_(self) -> Tensor:
        """In place: fill with zeros."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """In place: fill with ``value`` (a number or a one-element tensor)."""
        return self.copy_(value if isinstance(value, Tensor)
                          else np.full(self.shape, value, dtype=self.dtype))

    def copy_(self, src: Any) -> Tensor:
        """In place: copy ``src`` (broadcast to this shape) into this tensor."""
        src_t = _as_tensor(src, self)
        return self._inplace("copy_", lambda t: src_t.type(self.dtype).expand(*self.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None
                 ) -> Tensor:
        """In place: fill with uniform random numbers from [a, b)."""
        if not a <= b:
            raise RuntimeError(f"uniform_: expects to return a [from, to) range, but found "
                               f"from={a} > to={b}")
        values = numpy_rng(generator).uniform(a, b, self.shape)
        return self._inplace("uniform_", lambda t: t._wrap(values.astype(self.dtype)))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *,
                generator: Generator | None = None) -> Tensor:
        """In place: fill with normal random numbers N(mean, std**2)."""
        if not std >= 0:
            raise RuntimeError(f"normal_: expects std >= 0.0, but found std {std}")
        values = numpy_rng(generator).normal(mean, std, self.shape)
        return self._inplace("normal_", lambda t: t._wrap(values.astype(self.dtype)))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, key: Any, value: Any) -> None:
        key = index_key(key, self.shape, "__setitem__")
        value = _as_tensor(value, self)
        target = np.broadcast_to(np.empty((), dtype=bool), self.shape)[key].shape
        broadcast_shape("__setitem__", value.shape, target, into=True)
        self._inplace("__setitem__", lambda t: apply_op(_OP["index_put"], t,
                                                        value.type(self.dtype), key=key))

    def __getitem__(self, key: Any) -> Tensor:
        key = index_key(key, self.shape, "getitem")
        first, rest = split_int_index(key)
        if rest is not None:  # PyTorch applies ints before index arrays: two steps
            return self[first][rest]
        out = apply_op(_OP["getitem"], self, key=key)
        return out if is_advanced_index(key) else self._view(out)

    # ------------------------------------------------------------------ elementwise

    def exp(self) -> Tensor:
        """e ** self."""
        return apply_op(_OP["exp"], self._floating())

    def log(self) -> Tensor:
        """Natural logarithm."""
        return apply_op(_OP["log"], self._floating())

    def sqrt(self) -> Tensor:
        """Square root."""
        return apply_op(_OP["sqrt"], self._floating())

    def sin(self) -> Tensor:
        """Sine."""
        return apply_op(_OP["sin"], self._floating())

    def cos(self) -> Tensor:
        """Cosine."""
        return apply_op(_OP["cos"], self._floating())

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return apply_op(_OP["tanh"], self._floating())

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid 1 / (1 + e**-x)."""
        return apply_op(_OP["sigmoid"], self._floating())

    def relu(self) -> Tensor:
        """max(x, 0)."""
        return apply_op(_OP["relu"], self)

    def relu_(self) -> Tensor:
        """In place: self = max(self, 0)."""
        return self._inplace("relu_", lambda t: t.relu())

    def abs(self) -> Tensor:
        """|x|."""
        return apply_op(_OP["abs"], self)

    def neg(self) -> Tensor:
        """-x."""
        return apply_op(_OP["neg"], self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Limit values to [min, max]; either bound may be None."""
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            out = self
            if min is not None:
                out = out.maximum(min)
            if max is not None:
                out = out.minimum(max)
            return out
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        for bound in (min, max):
            if bound is not None and (isinstance(bound, bool) or not isinstance(
                    bound, int | float | np.number | np.ndarray)):
                raise TypeError(f"clamp: min and max must be numbers, Tensors or None, got "
                                f"{bound!r}")
        x = self if self.dtype.kind == "f" or all(
            isinstance(v, int | None) for v in (min, max)) else self.float()
        return apply_op(_OP["clamp"], x, min=min, max=max)

    clip = clamp

    def _floating(self) -> Tensor:
        """Integer tensors become float32 before float math (torch.exp(int_tensor) is float)."""
        return self if self.dtype.kind == "f" else self.float()

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """Replace elements where ``mask`` is True with ``value``."""
        return composite.masked_fill(self, _as_tensor(mask, self), value)

    # ------------------------------------------------------------------ reductions

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """Sum over ``dim`` (an int, a tuple of ints, or None for all)."""
        x = self if dtype is None else self.type(dtype)
        if x.dtype.kind == "b":
            x = x.long()
        return apply_op(_OP["sum"], x, dim=dims_tuple(dim, self.ndim, "sum"), keepdim=keepdim)

    def prod(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Product over ``dim`` (an int or None for all)."""
        return apply_op(_OP["prod"], self, dim=dims_tuple(dim, self.ndim, "prod"), keepdim=keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """Maximum over ``dim`` (all dims by default); ties share the gradient."""
        return self._extreme("amax", dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """Minimum over ``dim`` (all dims by default); ties share the gradient."""
        return self._extreme("amin", dim, keepdim)

    def _extreme(self, name: str, dim: Any, keepdim: bool) -> Tensor:
        if self.numel() == 0:
            raise RuntimeError(f"{name}: expected a non-empty tensor, got shape {self.shape}")
        dims = dims_tuple(None if dim == () else dim, self.ndim, name)
        return apply_op(_OP[name], self, dim=dims, keepdim=keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """max(): the largest value; max(dim): (values, indices); max(tensor): elementwise."""
        return self._max_min("max", "amax", "argmax", dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """min(): the smallest value; min(dim): (values, indices); min(tensor): elementwise."""
        return self._max_min("min", "amin", "argmin", dim, keepdim)

    def _max_min(self, name: str, full: str, arg: str, dim: Any, keepdim: bool) -> Any:
        if isinstance(dim, Tensor):
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if dim is None:
            return self._extreme(full, None, False)
        d = dim_index(dim, self.ndim, name)
        index = apply_op(_OP[arg], self, dim=d, keepdim=True)
        values = apply_op(_OP["take_along_dim"], self, index, dim=d)
        if not keepdim:
            values, index = values.squeeze(d), index.squeeze(d)
        return MaxMin(values, index)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """out[i][j] = self[index[i][j]][j] for dim 0 (PyTorch's gather; index is int64)."""
        return self.take_along_dim(index, dim)

    def take_along_dim(self, indices: Tensor, dim: int) -> Tensor:
        """Pick values along ``dim`` at ``indices`` (broadcast against self on other dims)."""
        d = dim_index(dim, self.ndim, "take_along_dim")
        if indices.dtype.kind not in "iu" or indices.ndim != self.ndim:
            raise RuntimeError(f"take_along_dim: expected int64 indices with {self.ndim} dims, "
                               f"got {indices.dtype} of shape {indices.shape}")
        n = self.shape[d]
        if indices.numel() and (indices._data.min() < -n or indices._data.max() >= n):
            raise IndexError(f"take_along_dim: index out of range for dimension {d} with size "
                             f"{n}")
        return apply_op(_OP["take_along_dim"], self, indices, dim=d)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the largest value (flattened when ``dim`` is None)."""
        d = None if dim is None else dim_index(dim, self.ndim, "argmax")
        return apply_op(_OP["argmax"], self, dim=d, keepdim=keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest value (flattened when ``dim`` is None)."""
        d = None if dim is None else dim_index(dim, self.ndim, "argmin")
        return apply_op(_OP["argmin"], self, dim=d, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Arithmetic mean over ``dim``."""
        return composite.mean(self, dims_tuple(dim, self.ndim, "mean"), keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        """Variance with Bessel's correction by default (``correction=1``)."""
        corr = composite.resolve_correction(unbiased, correction)
        return composite.var(self, dims_tuple(dim, self.ndim, "var"), corr, keepdim)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        """Standard deviation, the square root of ``var`` (gradient 0 where it is 0)."""
        return composite.safe_sqrt(self.var(dim, unbiased, keepdim, correction=correction))

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``dim``, computed without overflow."""
        return composite.logsumexp(self, dims_tuple(dim, self.ndim, "logsumexp"), keepdim)

    def softmax(self, dim: int) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim``."""
        return apply_op(_OP["softmax"], self._floating(), dim=dim_index(dim, self.ndim, "softmax"))

    def log_softmax(self, dim: int) -> Tensor:
        """x - logsumexp(x) along ``dim``, computed stably."""
        return apply_op(_OP["log_softmax"], self._floating(),
                        dim=dim_index(dim, self.ndim, "log_softmax"))

    def all(self) -> Tensor:
        """True when every element is nonzero."""
        return self._wrap(np.asarray(self._data.all()))

    def any(self) -> Tensor:
        """True when some element is nonzero."""
        return self._wrap(np.asarray(self._data.any()))

    # ------------------------------------------------------------------ shape

    def reshape(self, *shape: Any) -> Tensor:
        """Same elements, new shape; one size may be -1 (inferred)."""
        target = shape_arg(shape)
        try:
            new = np.empty(self.shape, dtype=np.bool_).reshape(target).shape if \
                -1 in target else target
        except ValueError:
            new = None
        if new is None or int(np.prod(new)) != self.numel():
            raise RuntimeError(f"reshape: shape {list(target)} is invalid for input of size "
                               f"{self.numel()} (shape {self.shape})")
        if new == self.shape:
            return self
        return self._view(apply_op(_OP["reshape"], self, shape=tuple(new)))

    view = reshape

    def _view(self, out: Tensor) -> Tensor:
        """Mark results that share memory with a graph tensor (in-place on them is refused)."""
        if self.requires_grad or self._view_of_graph:
            out._view_of_graph = True
        out._version = self._version
        return out

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dims ``start_dim..end_dim`` into one."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = dim_index(start_dim, self.ndim, "flatten"), dim_index(end_dim, self.ndim, "flatten")
        if s > e:
            raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim "
                               f"({end_dim})")
        return self.reshape(*self.shape[:s], -1, *self.shape[e + 1:])

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        """Split dim ``dim`` into ``sizes``."""
        d = dim_index(dim, self.ndim, "unflatten")
        return self.reshape(*self.shape[:d], *sizes, *self.shape[d + 1:])

    def squeeze(self, dim: Any = None) -> Tensor:
        """Remove dims of size 1 (all of them, or only ``dim``)."""
        if dim is None:
            return self.reshape(*[n for n in self.shape if n != 1])
        dims = dims_tuple(dim, self.ndim, "squeeze") or ()
        return self.reshape(*[n for i, n in enumerate(self.shape) if not (i in dims and n == 1)])

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dim of size 1 at ``dim``."""
        d = dim_index(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(*self.shape[:d], 1, *self.shape[d:])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dims: ``out.shape[i] == self.shape[dims[i]]``."""
        order = tuple(dim_index(d, self.ndim, "permute") for d in shape_arg(dims))
        if sorted(order) != list(range(self.ndim)):
            raise RuntimeError(f"permute: dims {list(shape_arg(dims))} must be a permutation "
                               f"of the {self.ndim} dims of a tensor of shape {self.shape}")
        return self._view(apply_op(_OP["permute"], self, dims=order))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims."""
        order = list(range(self.ndim))
        a, b = dim_index(dim0, self.ndim, "transpose"), dim_index(dim1, self.ndim, "transpose")
        order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    def t(self) -> Tensor:
        """Transpose of a matrix (a vector is returned as is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self.T

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` without copying; -1 keeps a size."""
        target = shape_arg(sizes)
        lead = len(target) - self.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(target)}) must be "
                               f"greater or equal to the number of dimensions ({self.ndim})")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                      for i, n in enumerate(target))
        broadcast_shape("expand", self.shape, shape, into=True)
        return self._view(apply_op(_OP["expand"], self, shape=shape))

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape."""
        return self.expand(*other.shape)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along dim i (like ``np.tile``)."""
        return composite.repeat(self, shape_arg(sizes))

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (an int or a list of sizes) along ``dim``."""
        return composite.split(self, split_size, dim_index(dim, self.ndim, "split"))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` nearly equal pieces along ``dim``."""
        d = dim_index(dim, self.ndim, "chunk")
        if chunks <= 0:
            raise RuntimeError(f"chunk: expects `chunks` to be greater than 0, got: {chunks}")
        return composite.split(self, -(-self.shape[d] // chunks), d)


class MaxMin(NamedTuple):
    """``(values, indices)`` returned by ``max(dim)`` and ``min(dim)``."""

    values: Tensor
    indices: Tensor


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# ----------------------------------------------------------------------------- helpers

def as_array(data: Any, dtype: Any) -> Array:
    """Turn data into an ndarray of a supported dtype, inferring it like PyTorch.

    Python floats give float32, ints int64, bools bool; numpy arrays keep float64/float32/
    int64/bool (other integer types become int64, other floats float32).
    """
    if isinstance(data, Tensor):
        data = data._data
    if data is None:
        raise RuntimeError("tensor: could not infer dtype of NoneType; expected numbers, "
                           "bools, nested lists of them or a numpy array")
    try:
        if dtype is not None:
            return np.asarray(data, dtype=dtypes.to_dtype(dtype, "tensor"))
        arr = np.asarray(data)
    except ValueError as exc:
        raise ValueError(f"tensor: could not convert data of type {type(data).__name__}: "
                         f"nested sequences must be rectangular with numbers at the leaves "
                         f"({exc})") from None
    if arr.dtype in dtypes.SUPPORTED:
        if arr.dtype == dtypes.float64 and not isinstance(data, np.ndarray | np.generic):
            return arr.astype(np.float32)  # Python floats are float32, like PyTorch
        return arr
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    raise TypeError(f"tensor: can't convert data of type {type(data).__name__} with numpy "
                    f"dtype {arr.dtype}; expected numbers, bools or numpy arrays")


def _format_array(a: Array) -> str:
    """Numbers the way PyTorch prints them, whatever numpy's global print options are."""
    floatmode = "maxprec"
    if a.dtype.kind == "f":
        finite = a[np.isfinite(a)]
        floatmode = "maxprec_equal" if np.all(finite == np.round(finite)) else "fixed"
    return np.array2string(a, max_line_width=80, precision=4, suppress_small=False,
                           separator=", ", prefix="tensor(", floatmode=floatmode,
                           threshold=1000, edgeitems=3, sign="-", formatter=None)


def _as_tensor(value: Any, like: Tensor) -> Tensor:
    """A Tensor for ``value``; Python numbers take ``like``'s dtype (PyTorch's scalar rule)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor(value)
    if isinstance(value, list | tuple):
        return Tensor(as_array(value, None))
    return like._wrap(np.asarray(value, dtype=dtypes.scalar_dtype(like.dtype, value)))


def _prepare_binary(name: str, a: Tensor, other: Any) -> tuple[Tensor, Tensor]:
    """Convert the operand, check broadcasting and promote both sides to one dtype."""
    if isinstance(other, Tensor):
        b = other
        dtype = dtypes.promote(a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    elif isinstance(other, np.ndarray | list | tuple):
        b = Tensor(other)
        dtype = dtypes.promote(a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    else:
        dtype = dtypes.scalar_dtype(a.dtype, other)
        b = a._wrap(np.asarray(other, dtype=dtype))
    if a.shape != b.shape:
        broadcast_shape(name, a.shape, b.shape)
    return a.type(dtype), b.type(dtype)


def _true_div(a: Tensor, other: Any) -> Tensor:
    """Division always gives floats (``int / int`` is float32, like PyTorch)."""
    b = _as_tensor(other, a)
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        a, b = a.float(), b.float()
    return a._binary("div", b)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with broadcast batch dims (``torch.matmul``)."""
    a = a if isinstance(a, Tensor) else Tensor(a)
    b = _as_tensor(b, a)
    ka = a.shape[-1] if a.ndim else None
    kb = (b.shape[-2] if b.ndim >= 2 else b.shape[0]) if b.ndim else None
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{a.shape} and {b.shape}")
    if ka != kb:
        rows = int(np.prod(a.shape[:-1])) if a.ndim > 1 else 1
        cols = b.shape[-1] if b.ndim >= 2 else 1
        raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied ({rows}x{ka} and "
                           f"{kb}x{cols}); got tensors of shapes {a.shape} and {b.shape}, and "
                           "the last dim of the first must equal the first matrix dim of the "
                           "second")
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shape("matmul (batch dims)", a.shape[:-2], b.shape[:-2])
    if a.dtype != b.dtype:
        dtype = dtypes.promote(a.dtype, False, b.dtype, False)
        a, b = a.type(dtype), b.type(dtype)
    return apply_op(_OP["matmul"], a, b)
