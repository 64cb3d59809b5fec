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

Gradients are first order: ``create_graph=True`` (differentiating a gradient again) is not
supported yet and raises ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops.registry import OpDef
from .engine import _accumulate_leaves, walk
from .graph import GraphTensor, Node, is_graph_tensor

__all__ = ["backward", "grad"]


def _no_higher_order(name: str) -> None:
    raise NotImplementedError(
        f"{name}: create_graph=True (higher-order gradients, differentiating a gradient again) "
        "is not supported yet: gradients are first order, backward functions return ndarrays. "
        "Higher-order autograd is planned in a later issue; use create_graph=False.")


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


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None,
             inputs: Any = None) -> None:
    """Add the gradients of ``tensors`` into the ``.grad`` of the leaves (PyTorch's call).

    Args:
        tensors: the outputs (a Tensor or a sequence of them).
        grad_tensors: d(loss)/d(output) for each output; None for one-element outputs.
        retain_graph: keep the saved arrays for another backward (default: ``create_graph``).
        create_graph: not supported (first-order gradients only).
        grad_variables: the old name of ``grad_tensors``.
        inputs: if given, only these tensors get ``.grad``.
    """
    if create_graph:
        _no_higher_order("backward")
    if grad_variables is not None:
        grad_tensors = grad_variables
    roots = _tensors(tensors, "backward")
    seeds = _seed_grads(roots, grad_tensors, "backward")
    retain = create_graph if retain_graph is None else retain_graph
    wanted = None if inputs is None else _tensors(inputs, "backward")
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
        create_graph: not supported (first-order gradients only).
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
    """
    if create_graph:
        _no_higher_order("grad")
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
