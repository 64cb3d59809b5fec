"""Custom autograd functions: ``tg.autograd.Function``, PyTorch's way to define an op in Python.

A registered op (``tinygrad_edu/ops``) is a forward/backward pair on ndarrays. A ``Function`` is
the same idea one level up, on Tensors, written by the user::

    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)        # what backward will need
            return x ** 3

        @staticmethod
        def backward(ctx, grad_out):        # dL/d(output) in, dL/d(input) out
            x, = ctx.saved_tensors
            return 3 * x ** 2 * grad_out    # chain rule: dL/dx = dL/dy * dy/dx

    y = Cube.apply(x)

How it joins the one engine (``engine.py``): ``apply`` runs ``forward`` with recording off,
then records a graph ``Node`` for the outputs, exactly like ``apply_op`` records an op. The
node's class is ``CubeBackward`` (as in PyTorch) and the node *is* the ``ctx``: what forward
stores on ``ctx`` is there in backward, and ``y.grad_fn.saved_tensors`` shows it. Its
``backward`` is ``_function_backward``, which the engine calls like any op's backward, with
ndarrays: it wraps the upstream gradients as Tensors, calls the user's ``backward`` (recording
is off during a first-order backward pass), checks what came back as PyTorch checks it, and
hands ndarrays back to the engine. The saved tensors sit in the node's cache (``_Cache``),
which the engine releases after backward, as it releases an op's cache.

Double backward. With ``create_graph=True`` the engine's second walk (``higher.py``) runs the
node's differentiable backward instead, ``_function_grad``: the same user ``backward``, but
with recording on, on the upstream gradients as they are (Tensors that may be graphs) and on
the real saved tensors (a saved input is the input itself; a saved output is a tensor whose
``grad_fn`` is this node). Whatever Tensor operations the backward runs are recorded, so the
gradient is a graph and can be differentiated again, as in PyTorch: ``backward`` written with
differentiable operations needs nothing else. A backward that is not differentiable (it goes
through numpy, say) is marked ``@once_differentiable``: it then runs with recording off, and a
gradient it returns with ``create_graph=True`` carries an ``Error`` node that raises when
something tries to differentiate it.

A forward that returns a tuple has several outputs. Each output that needs a gradient gets a
small node of its own (``_OutputSlot``) whose only edge is the function's node; the slots send
their gradients on as one ``OutputGrads`` bundle, which the engine adds up like any gradient,
so the function's backward runs once, with every output's gradient. ``grad_fn`` and
``next_functions`` show the function's node with the output's index, as PyTorch does.

Layers: this module is part of ``autograd/``, below the Tensor. It never imports the Tensor
class: it makes tensors with ``_wrap`` of the tensors it is given (the ``GraphTensor`` protocol
of ``graph.py``) and recognises them by that protocol (``is_graph_tensor``).
"""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref
from typing import Any

import numpy as np

from ..ops.registry import OpDef, set_needs
from .engine import FREED
from .grad_mode import _grad_mode, enable_grad, no_grad
from .graph import GraphTensor, Node, OutputGrads, is_graph_tensor

__all__ = ["BackwardCFunction", "Function", "FunctionCtx", "InplaceFunction", "TWICE",
           "once_differentiable"]

_MODULE = "tinygrad_edu.autograd.function"


class FunctionCtx:
    """What ``forward`` and ``backward`` of a ``Function`` share (PyTorch's ``ctx``).

    Set any attribute on it in forward and read it in backward. The ctx passed to your forward
    is the graph node itself (an instance of ``<YourFunction>Backward``), as in PyTorch.

    Attributes:
        needs_input_grad: one bool per forward argument: is it a Tensor that requires grad?
            A backward may skip the gradients nobody needs (return None for them).
    """

    needs_input_grad: tuple[bool, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for backward; read them back with ``saved_tensors``.

        Saving through this method (not as attributes) lets backward check that they were not
        changed in place in between (version counters) and lets the memory go after backward.
        """
        for i, t in enumerate(tensors):
            if t is not None and not is_graph_tensor(t):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward``, checked for in-place changes."""
        cache = getattr(self, "cache", None)
        if cache is FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward.")
        if cache is None:  # still in forward, or nothing was recorded
            return tuple(getattr(self, "to_save", ()))
        name = type(self).__name__
        return tuple(None if s is None else s.unpack(name, i, cache)
                     for i, s in enumerate(cache.saved))

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """These outputs get no gradient (``requires_grad=False``; backward sees zeros)."""
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: Any) -> None:
        """Forward changed these inputs in place (and returns them); they join the graph."""
        self._dirty = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None (instead of zeros) for outputs without a gradient."""
        self._materialize = bool(value)


class _Saved:
    """One tensor kept by ``save_for_backward``, with its version at the end of forward.

    An output of the function is kept as its array, version counter and output index rather
    than as the Tensor: the output holds the node, and the node holding the output would make
    a cycle that only the garbage collector could free. Unpacking makes a new tensor on the
    output's memory whose ``grad_fn`` is the function's node again, as PyTorch does, so a
    backward that uses the output is differentiable through it.
    """

    __slots__ = ("tensor", "data", "counter", "version", "output")

    def __init__(self, t: GraphTensor, output: int | None) -> None:
        self.tensor: GraphTensor | None = None if output is not None else t
        self.output = output  # which output of the function it is, or None for an input
        self.data = t._data
        self.counter = t._version
        self.version = t._version[0]

    def unpack(self, fn_name: str, i: int, cache: _Cache) -> GraphTensor:
        """The saved tensor (an output: a new tensor on its memory, in the graph), if
        unchanged since forward."""
        if self.counter[0] != self.version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [tensor of shape {tuple(self.data.shape)} and dtype "
                f"{self.data.dtype}], saved tensor {i} of {fn_name}, is at version "
                f"{self.counter[0]}; expected version {self.version} instead. Hint: clone the "
                "tensor before changing it in place, or change it after backward.")
        if self.tensor is not None:
            return self.tensor
        t = cache.maker._wrap(self.data)
        t._version = self.counter
        ctx = cache.ctx()
        if ctx is not None and self.output is not None:  # the output, made by this node
            t._ctx = _output_slot(ctx, self.output, self.data) if ctx._several else ctx
            t.requires_grad = True
        return t


class BackwardCFunction(Node, FunctionCtx):
    """Base class of the nodes ``Function.apply`` records (``<YourFunction>Backward``).

    Unlike the op nodes it has a ``__dict__``: it is also the ``ctx`` of forward and backward.
    """

    _forward_cls: type[Function]
    _outputs: list[tuple[tuple[int, ...], Any] | None]  # (shape, dtype) per output position
    _input_shapes: tuple[tuple[int, ...], ...]  # per Tensor argument
    _arg_is_tensor: tuple[bool, ...]  # per forward argument
    _several: bool  # forward returned a tuple

    def __init__(self) -> None:  # filled in by Node.__init__ once forward has run
        pass


class _Cache:
    """The node's cache: what backward needs, released by the engine after backward (unless
    ``retain_graph``), as an op's cache is; the node itself may live on with its output."""

    __slots__ = ("ctx", "saved", "maker")

    def __init__(self, ctx: BackwardCFunction, saved: tuple[_Saved | None, ...],
                 maker: Any) -> None:
        self.ctx = weakref.ref(ctx)  # the node holds the cache: no cycle back to it
        self.saved = saved
        self.maker = maker  # a tiny graph-free tensor whose _wrap makes gradient tensors


class _OutputSlot(Node):
    """Output ``index`` of a several-output function: sends its gradient to the function."""

    __slots__ = ("function", "index")
    function: BackwardCFunction
    index: int

    def _next_entry(self) -> tuple[Node, int]:
        return self.function, self.index


def _slot_backward(dout: Any, index: int) -> tuple[OutputGrads]:
    """An output's gradient, labelled with the output's index, for the function's node."""
    return (OutputGrads({index: dout}),)


def _slot_grad(ctx: Any, dout: Any) -> tuple[OutputGrads]:
    """``_slot_backward`` for ``create_graph=True``: the gradient Tensor, labelled alike."""
    return (OutputGrads({ctx.node.index: dout}),)


def _output_slot(function: BackwardCFunction, j: int, data: Any) -> _OutputSlot:
    """The node standing for output ``j`` of a several-output function."""
    name = function._forward_cls.__name__
    op = OpDef(f"{name}[{j}]", _no_forward, _slot_backward,
               f"Output {j} of {name}: its gradient goes on to the function's backward, with "
               "the other outputs' gradients.", grad=_slot_grad)
    slot = _OutputSlot(op, _slot_backward, j, (function,), (), data)
    slot.function, slot.index = function, j
    return slot


class _FunctionMeta(type):
    """Gives every ``Function`` subclass its node class, ``<Name>Backward``."""

    def __init__(cls, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> None:
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,),
                                 {"__module__": _MODULE, "_forward_cls": cls})
        cls._op = OpDef(name, _no_forward, _backward_entry, (cls.__doc__ or "").strip(),
                        grad=_grad_entry)


def _backward_entry(dout: Any, ref: Any) -> tuple[Any, ...]:  # (defined below)
    return _function_backward(dout, ref)


def _grad_entry(ctx: Any, dout: Any) -> tuple[Any, ...]:  # (defined below)
    return _function_grad(ctx, dout)


def _no_forward(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a Function runs through Function.apply, not as an op's forward")


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations (PyTorch's ``torch.autograd.Function``).

    Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``
    (or the newer style: ``forward(*args)`` plus ``setup_context(ctx, inputs, output)``), and
    call ``YourFunction.apply(*args)``. ``backward`` returns one gradient per forward argument
    (None for arguments that are not Tensors or need no gradient).

    Example:
        >>> import tinygrad_edu as tg
        >>> class Double(tg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g * 2
        >>> x = tg.ones(3, requires_grad=True)
        >>> y = Double.apply(x)
        >>> y.grad_fn.name()
        'DoubleBackward'
        >>> y.sum().backward()
        >>> x.grad
        tensor([2., 2., 2.])
    """

    _backward_cls: type[BackwardCFunction]
    _op: OpDef

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs (recording is off in here)."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        """New style: save what backward needs, given forward's inputs and output."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """The gradient of each forward argument, given the gradient of each output."""
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record it for backward when an input requires grad."""
        new_style = cls.setup_context is not Function.setup_context
        if new_style:  # as PyTorch: keywords and defaults become positional arguments
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        elif kwargs:  # keywords become positional (defaults stay out, as in PyTorch)
            args = inspect.signature(cls.forward).bind(None, *args, **kwargs).args[1:]
            kwargs = {}
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(is_graph_tensor(a) and bool(a.requires_grad) for a in args)
        tensors = [a for a in args if is_graph_tensor(a)]
        edges = tuple((t._ctx or t) if t.requires_grad else None for t in tensors)
        with no_grad():
            if new_style:
                outputs = cls.forward(*args)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not (_grad_mode.enabled and any(e is not None for e in edges)):
            return _unrecorded(outputs, tensors, getattr(ctx, "_dirty", set()))
        return _record(cls, ctx, args, tensors, edges, outputs)


class InplaceFunction(Function):
    """A Function that may change its input in place (PyTorch's, with an ``inplace`` flag)."""

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


def once_differentiable(fn: Any) -> Any:
    """Mark a Function's ``backward`` as not differentiable itself (PyTorch's decorator).

    Use it on a backward that leaves the graph (numpy, in-place tricks): the backward then
    always runs with recording off. When ``create_graph=True`` hands it gradients that are
    part of a graph, each gradient it returns is wrapped in an ``Error`` node (PyTorch's
    ``DelayedError``): the gradient can be used, but differentiating it raises
    ``RuntimeError: trying to differentiate twice a function that was marked with
    @once_differentiable`` instead of silently giving a wrong (zero) second derivative.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.autograd.function import once_differentiable
        >>> class Square(tg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         x, = ctx.saved_tensors
        ...         return tg.from_numpy(2 * x.detach().numpy() * g.detach().numpy())
        >>> x = tg.tensor([3.0], requires_grad=True)
        >>> y = Square.apply(x)
        >>> gx, = tg.autograd.grad((y * y).sum(), x, create_graph=True)
        >>> gx.grad_fn.name()
        'torch::autograd::Error'
    """
    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with no_grad():
            outputs = fn(ctx, *args)
        if not _grad_mode.enabled or not any(is_graph_tensor(a) and a.requires_grad
                                             for a in args):
            return outputs  # first order, or nothing upstream to differentiate
        if not isinstance(outputs, tuple):
            return _delayed_error(outputs)
        return tuple(_delayed_error(o) for o in outputs)

    return wrapper


class _ErrorNode(Node):
    """PyTorch's ``DelayedError`` node: backward through it raises ``message``."""

    __slots__ = ()

    def name(self) -> str:
        """PyTorch's name, ``'torch::autograd::Error'``."""
        return "torch::autograd::Error"


_ErrorNode.__name__ = _ErrorNode.__qualname__ = "Error"  # printed as <Error object at ...>
_ErrorNode.__module__ = "builtins"


def _raise_twice(*args: Any) -> Any:
    raise RuntimeError(TWICE)


_ERROR_OP = OpDef("Error", _no_forward, _raise_twice,
                  "A gradient returned by a @once_differentiable backward with "
                  "create_graph=True: differentiating it raises.", grad=_raise_twice)


def _delayed_error(g: Any) -> Any:
    """``g`` on the same memory, with an ``Error`` node as its ``grad_fn`` (None stays None)."""
    if not is_graph_tensor(g):
        return g
    leaf = g._wrap(g._data)  # stands for the detached gradient, as in PyTorch
    leaf.requires_grad = True
    node = _ErrorNode(_ERROR_OP, _raise_twice, None, (leaf,), (), g._data)
    node.inputs = (leaf,)
    out = g._wrap(g._data)
    out._ctx, out.requires_grad = node, True
    return out


# ----------------------------------------------------------------------------- recording

def _alias(t: Any) -> Any:
    """A new tensor on ``t``'s memory (and version counter), outside the graph."""
    alias = t._wrap(t._data)
    alias._version = t._version
    return alias


def _unrecorded(outputs: Any, tensors: list[Any], dirty: set[int]) -> Any:
    """Forward's outputs when nothing is recorded; an input returned as it is comes back as
    a new tensor on the same memory (as PyTorch does)."""
    ids = {id(t) for t in tensors}
    several = isinstance(outputs, tuple)
    outs = [_alias(o) if id(o) in ids and id(o) not in dirty else o
            for o in (outputs if several else (outputs,))]
    return tuple(outs) if several else outs[0]


def _record(cls: type[Function], ctx: BackwardCFunction, args: tuple[Any, ...],
            tensors: list[Any], edges: tuple[Any, ...], outputs: Any) -> Any:
    """Attach the node ``ctx`` to forward's outputs; return them."""
    several = isinstance(outputs, tuple)
    outs = list(outputs) if several else [outputs]
    dirty: set[int] = getattr(ctx, "_dirty", set())
    skip: set[int] = getattr(ctx, "_non_differentiable", set())
    inputs = {id(t): t for t in tensors}
    diff = []
    for j, out in enumerate(outs):
        if not is_graph_tensor(out):
            continue
        marked = id(out) in skip  # marked non-differentiable (before any aliasing below)
        if id(out) in inputs and id(out) not in dirty:  # an input returned as it is: a new
            outs[j] = out = _alias(out)                 # tensor on the same memory
        elif id(out) in dirty and out._ctx is None and out.requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an "
                               "in-place operation.")
        if not marked and out._data.dtype.kind in "fc":
            diff.append(j)
    if not diff:
        return tuple(outs) if several else outs[0]
    ctx._outputs = [(o._data.shape, o._data.dtype) if is_graph_tensor(o) else None
                    for o in outs]
    ctx._input_shapes = tuple(t._data.shape for t in tensors)
    ctx._arg_is_tensor = tuple(is_graph_tensor(a) for a in args)
    ctx._several = several
    out_index = {id(outs[j]): j for j in diff}
    saved = tuple(None if t is None else _Saved(t, out_index.get(id(t)))
                  for t in getattr(ctx, "to_save", ()))
    cache = _Cache(ctx, saved, tensors[0]._wrap(np.empty(0)))
    Node.__init__(ctx, cls._op, _function_backward, cache, edges, (), outs[diff[0]]._data)
    if hasattr(ctx, "to_save"):
        del ctx.to_save
    for j in diff:
        out = outs[j]
        out._ctx = _output_slot(ctx, j, out._data) if several else ctx
        out.requires_grad = True
    return tuple(outs) if several else outs[0]


# ----------------------------------------------------------------------------- backward

def _function_backward(dout: Any, cache: _Cache) -> tuple[Any, ...]:
    """The engine's view of a Function: ndarrays in, one ndarray (or None) per Tensor input.

    Wraps the upstream gradient(s) as Tensors, runs the user's ``backward`` (recording is off
    during a first-order backward pass) and checks its answer (``_checked``).
    """
    ctx = cache.ctx()
    assert ctx is not None  # the engine holds the node while it runs its backward
    make = cache.maker._wrap
    given = dout if isinstance(dout, OutputGrads) else {0: dout}
    grads = _run_backward(ctx, {j: make(g) for j, g in given.items()}, make)
    return tuple(None if g is None else g._data for g in grads)


def _function_grad(gctx: Any, dout: Any) -> tuple[Any, ...]:
    """The differentiable backward of a Function (``create_graph=True``, see ``higher.py``).

    The same user ``backward``, run with recording on: the upstream gradients are the Tensors
    the walk hands over (graphs themselves when the walk is nested) and ``saved_tensors`` are
    the real graph tensors, so every operation of the backward joins the graph and the
    gradient it returns can be differentiated again. Returns one Tensor (or None) per Tensor
    input; the engine sums broadcast axes and casts, as for an op.
    """
    ctx = gctx.node
    if ctx.cache is FREED:  # (the walk checks this first; kept for direct calls)
        raise RuntimeError(f"{type(ctx).__name__}: its saved tensors were freed by backward")
    given = dout if isinstance(dout, OutputGrads) else {0: dout}
    with enable_grad():
        return tuple(_run_backward(ctx, dict(given), ctx.cache.maker._wrap))


def _run_backward(ctx: BackwardCFunction, given: dict[int, Any], make: Any) -> list[Any]:
    """Call the user's ``backward`` with one gradient Tensor per output (zeros, or None with
    ``set_materialize_grads(False)``, for outputs that got none); return ``_checked``."""
    materialize = getattr(ctx, "_materialize", True)
    grad_outputs = []
    for j, meta in enumerate(ctx._outputs):
        g = given.get(j)
        if g is None and materialize and meta is not None:
            g = make(np.zeros(meta[0], dtype=meta[1]))
        grad_outputs.append(g)
    prev = set_needs(None)  # the ops the user's backward runs ask about their own inputs
    try:
        grads = ctx._forward_cls.backward(ctx, *grad_outputs)
    finally:
        set_needs(prev)
    return _checked(ctx, grads)


def _checked(ctx: BackwardCFunction, grads: Any) -> list[Any]:
    """Check the user's ``backward`` answer as PyTorch checks it: one gradient per forward
    argument, None for arguments that are not Tensors, shapes the input can be broadcast to.
    Returns the gradient Tensors (or None) of the Tensor arguments."""
    name = type(ctx).__name__
    if not isinstance(grads, tuple):
        grads = (grads,)
    n = len(ctx._arg_is_tensor)
    if len(grads) < n or any(g is not None for g in grads[n:]):
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(grads)})")
    tensors: list[Any] = []
    for i, (g, is_tensor) in enumerate(zip(grads[:n], ctx._arg_is_tensor, strict=True)):
        if not is_tensor:
            if g is not None:
                raise RuntimeError(f"function {name} returned a gradient different than None "
                                   f"at position {i + 1}, but the corresponding forward input "
                                   "was not a Variable")
            continue
        if g is None:
            tensors.append(None)
            continue
        if not is_graph_tensor(g):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        shape = ctx._input_shapes[len(tensors)]
        if g._data.shape != shape and not _expandable(shape, g._data.shape):
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - "
                               f"got {list(g._data.shape)} but expected shape compatible with "
                               f"{list(shape)}")
        tensors.append(g)
    return tensors


def _expandable(shape: tuple[int, ...], to: tuple[int, ...]) -> bool:
    """Can an input of ``shape`` be broadcast to ``to`` (its gradient then sums back)?"""
    try:
        return np.broadcast_shapes(shape, to) == to
    except ValueError:
        return False
