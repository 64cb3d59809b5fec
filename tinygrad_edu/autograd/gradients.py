"""``tg.autograd.backward`` and ``tg.autograd.grad``: PyTorch's two calls into the engine.

- ``backward(tensors, grad_tensors)`` is ``Tensor.backward`` for several outputs at once: the
  gradients of all of them add up in the leaves' ``.grad``.
- ``grad(outputs, inputs)`` returns d(outputs)/d(inputs) as new tensors and leaves every
  ``.grad`` alone: the way to take a gradient inside a computation (a gradient penalty, a
  physics-informed loss) without touching the parameters' ``.grad``.

Both run the one backward walk of ``engine.py``. Several outputs become one walk from a small
extra node (``_roots_node``) whose edges are the outputs and whose backward hands each output
its gradient, so contributions meet and add up as everywhere else. ``grad`` reads the
gradient of an input that is not a leaf with a hook on the input's node, which runs once every
contribution has arrived; for a leaf it takes the sum the walk returns.

With ``create_graph=True`` the gradients are themselves graphs (``higher.walk_graph``), so
they can be differentiated again: ``grad`` of a ``grad`` is a second derivative.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops.registry import OpDef
from .engine import _accumulate_leaves, walk
from .graph import GraphTensor, Node, apply_op, is_graph_tensor
from .higher import walk_graph

__all__ = ["backward", "grad"]


def _tensors(x: Any, what: str) -> tuple[Any, ...]:
    items = (x,) if is_graph_tensor(x) else tuple(x)
    for t in items:
        if not is_graph_tensor(t):
            raise TypeError(f"{what}: expected a Tensor or a sequence of Tensors, got "
                            f"{type(t).__name__}")
    return items


def _seed_grads(roots: tuple[Any, ...], given: Any, name: str) -> list[np.ndarray]:
    """d(loss)/d(root) for each root: as given, or 1 for a one-element root."""
    if given is None or is_graph_tensor(given):
        given = [given] * len(roots) if given is None else [given]
    given = list(given)
    if len(given) != len(roots):
        raise RuntimeError(f"{name}: got {len(roots)} tensors and {len(given)} gradients")
    seeds = []
    for i, (root, g) in enumerate(zip(roots, given, strict=True)):
        if not root.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if g is None:
            if root._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            seeds.append(np.ones_like(root._data))
            continue
        g = np.asarray(g._data if is_graph_tensor(g) else g, dtype=root._data.dtype)
        if g.shape != root._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of "
                               f"{root._data.shape}.")
        seeds.append(g)
    return seeds


def _hand_out(dout: Any, seeds: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """The backward of the roots node: each output gets its own seed gradient."""
    return tuple(seeds)


def _no_forward(*arrays: Any, **static: Any) -> tuple[Any, Any]:
    raise RuntimeError("the roots node of a backward call has no forward")


_ROOTS = OpDef("backward", _no_forward, _hand_out, "the outputs of a backward call")


def _run(roots: tuple[Any, ...], seeds: list[np.ndarray], retain_graph: bool
         ) -> dict[int, tuple[GraphTensor, np.ndarray]]:
    """One backward walk from every root; the summed gradient of each leaf reached."""
    if len(roots) == 1 and roots[0]._ctx is not None:
        return walk(roots[0]._ctx, seeds[0], retain_graph=retain_graph)
    node = Node(_ROOTS, _hand_out, seeds, tuple(r._ctx or r for r in roots), (),
                np.empty(0))
    return walk(node, np.empty(0), retain_graph=retain_graph)


def _seed_tensors(roots: tuple[Any, ...], given: Any, seeds: list[np.ndarray]) -> list[Any]:
    """The seeds as Tensors: a given gradient Tensor as it is (its graph is kept, so the
    result can be differentiated with respect to it too), else a constant."""
    given = [None] * len(roots) if given is None else [given] if is_graph_tensor(given) \
        else list(given)
    out = []
    for root, g, seed in zip(roots, given, seeds, strict=True):
        if is_graph_tensor(g):
            out.append(g if g._data.dtype == seed.dtype else apply_op("cast", g,
                                                                       dtype=seed.dtype))
        else:
            out.append(root._wrap(seed))
    return out


def _run_graph(roots: tuple[Any, ...], seeds: list[Any], retain_graph: bool,
               capture: set[int] = frozenset()
               ) -> tuple[dict[int, tuple[GraphTensor, Any]], dict[int, Any]]:
    """``_run`` for ``create_graph=True``: gradients are Tensors with a graph of their own."""
    if len(roots) == 1 and roots[0]._ctx is not None:
        return walk_graph(roots[0]._ctx, seeds[0], retain_graph=retain_graph, capture=capture,
                          roots=roots)
    node = Node(_ROOTS, _hand_out, seeds, tuple(r._ctx or r for r in roots), (),
                np.empty(0))  # its walk hands each root its seed
    return walk_graph(node, seeds[0], retain_graph=retain_graph, capture=capture, roots=roots)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None,
             inputs: Any = None) -> None:
    """Add the gradients of ``tensors`` into the ``.grad`` of the leaves (PyTorch's call).

    Args:
        tensors: the outputs (a Tensor or a sequence of them).
        grad_tensors: d(loss)/d(output) for each output; None for one-element outputs.
        retain_graph: keep the saved arrays for another backward (default: ``create_graph``).
        create_graph: make the gradients graphs of their own (each ``.grad`` then has a
            ``grad_fn``), so that they can be differentiated again.
        grad_variables: the old name of ``grad_tensors``.
        inputs: if given, only these tensors get ``.grad``.
    """
    if grad_variables is not None:
        grad_tensors = grad_variables
    roots = _tensors(tensors, "backward")
    seeds = _seed_grads(roots, grad_tensors, "backward")
    retain = create_graph if retain_graph is None else retain_graph
    wanted = None if inputs is None else _tensors(inputs, "backward")
    if create_graph:
        _backward_graph(roots, _seed_tensors(roots, grad_tensors, seeds), retain, wanted)
        return
    captured: dict[int, Any] = {}
    removers = [] if wanted is None else _capture(wanted, captured)
    try:
        leaf_grads = _run(roots, seeds, retain)
    finally:
        for remove in removers:
            remove()
    if wanted is not None:
        ids = {id(t) for t in wanted}
        leaf_grads = {k: v for k, v in leaf_grads.items() if k in ids}
        for t in wanted:
            if t._ctx is not None and id(t) in captured:
                leaf_grads[id(t)] = (t, captured[id(t)])
    _accumulate_leaves(leaf_grads, {id(s) for s in seeds})


def _backward_graph(roots: tuple[Any, ...], seeds: list[Any], retain: bool,
                    wanted: tuple[Any, ...] | None) -> None:
    """``backward(create_graph=True)``: each leaf's ``.grad`` gets a gradient with a graph."""
    warnings.warn("Using backward() with create_graph=True will create a reference cycle "
                  "between the parameter and its gradient which can cause a memory leak. We "
                  "recommend using autograd.grad when creating the graph to avoid this. If you "
                  "have to use this function, make sure to reset the .grad fields of your "
                  "parameters to None after use to break the cycle and avoid the leak.",
                  UserWarning, stacklevel=4)
    capture = set() if wanted is None else {id(t._ctx) for t in wanted if t._ctx is not None}
    leaf_grads, captured = _run_graph(roots, seeds, retain, capture)
    if wanted is not None:
        ids = {id(t) for t in wanted}
        leaf_grads = {k: v for k, v in leaf_grads.items() if k in ids}
        for t in wanted:
            if t._ctx is not None and id(t._ctx) in captured:
                leaf_grads[id(t)] = (t, captured[id(t._ctx)])
    for tensor, g in leaf_grads.values():
        if tensor._hooks:
            raise NotImplementedError("backward: gradient hooks on leaves do not run with "
                                      "create_graph=True yet; remove the hook or use "
                                      "create_graph=False")
        # out of place, as PyTorch does with create_graph: .grad is a graph
        tensor.grad = g if tensor.grad is None else tensor.grad + g


def _capture(inputs: Sequence[Any], into: dict[int, Any]) -> list[Any]:
    """Hooks on the nodes of non-leaf ``inputs`` that store the gradient arriving there."""
    removers = []
    for t in inputs:
        node = t._ctx
        if node is None:
            continue

        def keep(g: np.ndarray, key: int = id(t)) -> np.ndarray:
            into[key] = g if key not in into else into[key] + g
            return g

        if node.hooks is None:
            node.hooks = []
        node.hooks.append(keep)
        removers.append(lambda hooks=node.hooks, fn=keep: hooks.remove(fn))
    return removers


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as new tensors, without touching any ``.grad`` (PyTorch's call).

    Args:
        outputs: the Tensor(s) to differentiate.
        inputs: the Tensor(s) to differentiate with respect to (leaves or not).
        grad_outputs: d(loss)/d(output) for each output; None for one-element outputs.
        retain_graph: keep the saved arrays for another backward (default: ``create_graph``).
        create_graph: return gradients that are graphs themselves, to differentiate again
            (a second derivative, a gradient penalty).
        only_inputs: ignored (deprecated in PyTorch).
        allow_unused: give None for an input the outputs do not depend on (else an error).
        is_grads_batched: not supported.
        materialize_grads: give zeros instead of None for unused inputs.

    Returns:
        A tuple with one gradient per input.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> tg.autograd.grad((x ** 2).sum(), x)
        (tensor([2., 4.]),)
        >>> (dx,) = tg.autograd.grad((x ** 3).sum(), x, create_graph=True)  # 3 x^2
        >>> tg.autograd.grad(dx.sum(), x)  # 6 x
        (tensor([ 6., 12.]),)
    """
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True (vmap over grad_outputs) is not "
                                  "supported; loop over the grad_outputs instead")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    roots = _tensors(outputs, "grad")
    wanted = _tensors(inputs, "grad")
    for t in wanted:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seed_grads(roots, grad_outputs, "grad")
    retain = create_graph if retain_graph is None else retain_graph
    if create_graph:
        return _grad_graph(roots, _seed_tensors(roots, grad_outputs, seeds), retain, wanted,
                           allow_unused, materialize_grads)
    captured: dict[int, Any] = {}
    removers = _capture(wanted, captured)
    try:
        leaf_grads = _run(roots, seeds, retain)
    finally:
        for remove in removers:
            remove()
    result = []
    for i, t in enumerate(wanted):
        if t._ctx is not None:
            g = captured.get(id(t))
        else:
            g = leaf_grads[id(t)][1] if id(t) in leaf_grads else None
            for hook in t._hooks or ():
                if g is not None:
                    g = hook(g)
        if g is None:
            if materialize_grads:
                result.append(t._wrap(np.zeros_like(t._data)))
                continue
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
            result.append(None)
            continue
        result.append(t._wrap(np.array(g, dtype=t._data.dtype, copy=True)))
    return tuple(result)


def _grad_graph(roots: tuple[Any, ...], seeds: list[Any], retain: bool,
                wanted: tuple[Any, ...], allow_unused: bool, materialize: bool
                ) -> tuple[Any, ...]:
    """``grad(create_graph=True)``: the gradients as Tensors with a graph of their own."""
    capture = {id(t._ctx) for t in wanted if t._ctx is not None}
    leaf_grads, captured = _run_graph(roots, seeds, retain, capture)
    result = []
    for i, t in enumerate(wanted):
        g = captured.get(id(t._ctx)) if t._ctx is not None else leaf_grads.get(id(t),
                                                                               (t, None))[1]
        if g is not None and t._ctx is None and t._hooks:
            raise NotImplementedError("grad: gradient hooks on leaves do not run with "
                                      "create_graph=True yet; remove the hook or use "
                                      "create_graph=False")
        if g is None:
            if materialize:
                g = t._wrap(np.zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
        result.append(g)
    return tuple(result)
