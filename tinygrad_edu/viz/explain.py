"""``explain_backward(output)``: the backward pass told step by step, for lessons.

For each op, in the order ``backward()`` runs them, it prints the upstream gradient, the op's
local derivative rule in words (the ``Backward:`` sentence of the op's docstring, the one
place the math is written), and the gradient sent to each input. When a tensor is used twice
it shows its contributions adding up, the rule students most often get wrong.

It runs the engine's backward walk on the saved caches and changes nothing: no ``.grad`` is
written and the caches stay alive, so ``output.backward()`` can follow.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from ..autograd import Node, OpDef
from ..nn.module import Module
from ..tensor import Tensor
from .walk import Step, bfs_nodes, replay_backward

Array = NDArray[Any]

__all__ = ["explain_backward", "rule_in_words"]

SMALL = 6  # tensors with at most this many numbers are printed in full


def rule_in_words(op: OpDef) -> str:
    """The local derivative rule of ``op`` from its docstrings, in one or two sentences."""
    doc = " ".join(op.doc.replace("``", "").split())
    if "Backward:" in doc:
        forward, rule = doc.split("Backward:", 1)
        first = forward.split(". ")[0].rstrip(".")
        return f"{first}. Backward: {rule.strip()}"
    words = " ".join((getattr(op.backward, "__doc__", None) or "").split())
    return " ".join(part for part in (doc.split(". ")[0].rstrip(".") + "." if doc else "",
                                      words) if part) or "(no docstring)"


def _fmt(a: Array) -> str:
    if isinstance(a, dict):  # the outputs' gradients of an autograd.Function (OutputGrads)
        return "{" + ", ".join(f"output {i}: {_fmt(g)}" for i, g in sorted(a.items())) + "}"
    a = np.asarray(a)
    if a.size <= SMALL:
        if a.ndim == 0 or a.size == 1:
            return f"{a.reshape(-1)[0]:.6g}"
        text = np.array2string(a, precision=5, separator=", ", max_line_width=10**6)
        return " ".join(text.split())
    x = a.astype(np.float64, copy=False)
    return (f"<{a.shape} mean {x.mean():.4g}, |max| {np.abs(x).max():.4g}, "
            f"norm {np.linalg.norm(x.reshape(-1)):.4g}>")


def _namer(root: Tensor, names: Mapping[str, Tensor] | Module | None) -> dict[int, str]:
    """Names for leaves and nodes: the ones given, then ``x0, x1, ...`` for other leaves and
    ``t1, t2, ...`` (in backward order) for intermediates; the output is ``out``."""
    if isinstance(names, Module):
        names = dict(names.named_parameters())
    given: dict[int, str] = {}
    for name, t in (names or {}).items():
        given.setdefault(id(t.grad_fn) if t.grad_fn is not None else id(t), name)
    if root.grad_fn is not None:
        given.setdefault(id(root.grad_fn), "out")
    else:
        given.setdefault(id(root), "out")
    return given


def _name(key: Any, names: dict[int, str], counters: dict[str, int], prefix: str) -> str:
    if id(key) not in names:
        counters[prefix] = counters.get(prefix, 0) + 1
        names[id(key)] = f"{prefix}{counters[prefix] - (prefix == 'x')}"
    return names[id(key)]


def explain_backward(output: Tensor, gradient: Any = None,
                     names: Mapping[str, Tensor] | Module | None = None,
                     file: IO[str] | None = None
                     ) -> None:
    """Print the backward pass of ``output`` op by op, with every gradient it sends.

    Args:
        output: the tensor whose gradient is propagated (a scalar, or pass ``gradient``).
        gradient: d(loss)/d(output); ones when omitted.
        names: ``{name: tensor}`` for the printout (leaves or intermediates), or a Module
            (its parameter names); the others are called ``x0, x1, ...`` (leaves) and
            ``t1, t2, ...`` (intermediates).
        file: where to print (``sys.stdout`` by default).

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.viz import explain_backward
        >>> x = tg.tensor(3.0, requires_grad=True)
        >>> explain_backward(x * x + x, names={"x": x})  # doctest: +ELLIPSIS
        Backward pass of out = add(...), shape (), seeded with d out/d out = 1
        ...x.grad = 1 + 3 + 3 = 7   (3 contributions add up)
    """
    out = file if file is not None else sys.stdout
    if not output.requires_grad:
        raise RuntimeError("explain_backward: the tensor does not require grad, so it has no "
                           "backward pass; create its inputs with requires_grad=True")
    seed = None if gradient is None else np.asarray(
        gradient.numpy(force=True) if isinstance(gradient, Tensor) else gradient, output.dtype)
    _, steps = replay_backward(output, seed, strict=True)
    label = _namer(output, names)
    counters: dict[str, int] = {}
    if output.grad_fn is not None:  # name nodes in backward order: t1 is the first op undone
        for step in steps:
            _name(step.node, label, counters, "t")
        nodes, leaves = bfs_nodes([output.grad_fn])
        for leaf in leaves:
            _name(leaf, label, counters, "x")
    start = np.ones_like(output.numpy(force=True)) if seed is None else seed
    op = output.grad_fn.op.name if output.grad_fn is not None else "leaf"
    print(f"Backward pass of out = {op}(...), shape {tuple(output.shape)}, seeded with "
          f"d out/d out = {_fmt(start)}", file=out)
    leaf_parts: dict[int, list[Array]] = {}
    for k, step in enumerate(steps, 1):
        _print_step(k, step, label, leaf_parts, out)
    _print_totals(output, label, leaf_parts, out)


def _edge_label(edge: Any, label: dict[int, str]) -> str:
    name = label[id(edge)]
    return f"{name} (= {edge.op.name} output)" if isinstance(edge, Node) else name


def _print_step(k: int, step: Step, label: dict[int, str], leaf_parts: dict[int, list[Array]],
                out: IO[str]) -> None:
    node = step.node
    me = label[id(node)]
    print(f"\nstep {k}: {node.op.name}  ->  {me}  shape {node.shape}", file=out)
    upstream = _fmt(step.upstream)
    if len(step.received) > 1:  # an intermediate used more than once
        summed = " + ".join(_fmt(p) for p in step.received)
        upstream = f"{summed} = {upstream}   ({len(step.received)} uses add up)"
    print(f"  upstream   d out/d {me} = {upstream}", file=out)
    print(f"  local rule {rule_in_words(node.op)}", file=out)
    for i, edge, g in step.sent:
        line = f"  input {i}: {_edge_label(edge, label)} gets {_fmt(g)}"
        if not isinstance(edge, Node):
            parts = leaf_parts.setdefault(id(edge), [])
            parts.append(g)
            if len(parts) > 1:
                total = parts[0]
                for p in parts[1:]:
                    total = total + p
                line += (f"   -> {label[id(edge)]} so far: "
                         f"{' + '.join(_fmt(p) for p in parts)} = {_fmt(total)}")
        print(line, file=out)


def _print_totals(output: Tensor, label: dict[int, str], leaf_parts: dict[int, list[Array]],
                  out: IO[str]) -> None:
    print("\nleaf gradients:", file=out)
    _, leaves = bfs_nodes([output.grad_fn]) if output.grad_fn is not None else (None, [output])
    for leaf in leaves:
        parts = leaf_parts.get(id(leaf), [])
        if not parts:
            continue
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        sums = f"{' + '.join(_fmt(p) for p in parts)} = " if len(parts) > 1 else ""
        note = f"   ({len(parts)} contributions add up)" if len(parts) > 1 else ""
        print(f"  {label[id(leaf)]}.grad = {sums}{_fmt(total)}{note}", file=out)
