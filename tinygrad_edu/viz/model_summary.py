"""``summary(model, input_size)``: a table of layers, output shapes and parameters (torchinfo).

The table comes from one forward pass on zeros with forward hooks on every submodule: a
pre-hook opens the layer's row (so parents come before their children, in call order) and a
forward hook fills in the output shape. Parameter totals come from ``model.parameters()``, so
they equal ``sum(p.numel() for p in model.parameters())`` whatever the forward did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..nn.module import Module
from ..tensor import Tensor
from .walk import tensors_in

__all__ = ["LayerRow", "ModelSummary", "summary"]


@dataclass
class LayerRow:
    """One module call: its path, class, nesting depth, output shapes and parameter count."""

    path: str
    kind: str
    depth: int
    own_params: int
    all_params: int
    out_shapes: list[tuple[int, ...]] = field(default_factory=list)
    out_bytes: int = 0
    repeated: bool = False  # a module called again (shared weights, a loop): params counted once
    is_leaf: bool = True


@dataclass
class ModelSummary:
    """The result of ``summary``; ``str()`` is the table.

    Attributes:
        rows: one ``LayerRow`` per module call, in call order (parents before children).
        total_params: ``sum(p.numel() for p in model.parameters())``.
        trainable_params: the same over parameters with ``requires_grad``.
        input_shapes: shapes of the inputs used.
        param_bytes: memory of the parameters.
        input_bytes: memory of the inputs.
        output_bytes: memory of the outputs of the innermost modules (the activations).
        depth: rows deeper than this are folded into their parent's row.
    """

    model_name: str
    rows: list[LayerRow]
    total_params: int
    trainable_params: int
    input_shapes: list[tuple[int, ...]]
    param_bytes: int
    input_bytes: int
    output_bytes: int
    depth: int

    @property
    def non_trainable_params(self) -> int:
        """Parameters that do not require grad (frozen)."""
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        shown = [r for r in self.rows if r.depth <= self.depth]
        folded = _folded(self.rows, self.depth)
        table = [("Layer (type)", "Output Shape", "Param #")]
        table += [(_layer(r), _shapes(r.out_shapes), _count(r, self.depth, folded))
                  for r in shown]
        widths = [max(len(row[i]) for row in table) + 2 for i in range(3)]
        rule = "=" * sum(widths)

        def line(cells: tuple[str, str, str]) -> str:
            return (cells[0].ljust(widths[0]) + cells[1].ljust(widths[1]) +
                    cells[2].rjust(widths[2])).rstrip()

        mb = 1024 ** 2
        body = [rule, line(table[0]), rule, *map(line, table[1:]), rule,
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}", rule,
                f"Input size (MB): {self.input_bytes / mb:.2f}",
                f"Forward outputs size (MB): {self.output_bytes / mb:.2f}",
                f"Params size (MB): {self.param_bytes / mb:.2f}",
                f"Estimated total size (MB): "
                f"{(self.input_bytes + self.output_bytes + self.param_bytes) / mb:.2f}", rule]
        return "\n".join(body)

    __repr__ = __str__


def _layer(row: LayerRow) -> str:
    if row.depth == 0:
        return row.kind
    return "  " * row.depth + f"{row.path}: {row.kind}"


def _shapes(shapes: list[tuple[int, ...]]) -> str:
    if not shapes:
        return "--"
    text = ", ".join(str(list(s)) for s in shapes[:2])
    return text + (f" +{len(shapes) - 2}" if len(shapes) > 2 else "")


def _folded(rows: list[LayerRow], depth: int) -> dict[int, int]:
    """Parameters of rows deeper than ``depth`` whose nearest shown ancestor is shallower
    (a container that never ran, such as a ``ModuleList``, lies between them): they are
    counted in that ancestor's row, keyed by ``id(row)``."""
    shown = {r.path: r for r in rows if r.depth <= depth and not r.repeated}
    extra: dict[int, int] = {}
    for row in rows:
        if row.depth <= depth or row.repeated or not row.own_params:
            continue
        parts = row.path.split(".")
        for k in range(len(parts) - 1, -1, -1):
            ancestor = shown.get(".".join(parts[:k]) if k else "")
            if ancestor is not None:
                if ancestor.depth < depth and not ancestor.is_leaf:
                    extra[id(ancestor)] = extra.get(id(ancestor), 0) + row.own_params
                break
    return extra


def _count(row: LayerRow, depth: int, folded: dict[int, int]) -> str:
    if row.repeated and row.all_params:
        return "(recursive)"
    n = row.all_params if (row.depth == depth or row.is_leaf) else row.own_params
    n += folded.get(id(row), 0)
    return f"{n:,}" if n else "--"


def _inputs(input_size: Any, input_data: Any, dtypes: Sequence[Any] | None) -> list[Any]:
    """The forward's arguments: ``input_data`` as given, or zeros of ``input_size``."""
    from ..tensor.creation import tensor

    if input_data is not None:
        data = input_data if isinstance(input_data, (tuple, list)) else [input_data]
        return [d if isinstance(d, Tensor) or not isinstance(d, np.ndarray) else tensor(d)
                for d in data]
    if input_size is None:
        raise TypeError("summary: pass input_size (with the batch dimension, e.g. (1, 3, 32, "
                        "32), or a list of sizes for several inputs) or input_data")
    sizes = [input_size] if all(isinstance(n, int) for n in input_size) else list(input_size)
    kinds = list(dtypes) if dtypes is not None else [np.float32] * len(sizes)
    if len(kinds) != len(sizes):
        raise ValueError(f"summary: got {len(kinds)} dtypes for {len(sizes)} inputs")
    # zeros: valid for every input, including integer word or class ids
    return [tensor(np.zeros(tuple(s), dtype=np.dtype(k))) for s, k in zip(sizes, kinds,
                                                                        strict=True)]


def summary(model: Module, input_size: Any = None, *, input_data: Any = None,
            dtypes: Sequence[Any] | None = None, depth: int = 3, mode: str = "eval",
            verbose: bool = True) -> ModelSummary:
    """Print a table of the model's layers, output shapes and parameter counts.

    Args:
        model: the Module.
        input_size: the input's shape including the batch dimension, e.g. ``(1, 3, 32, 32)``;
            a list of shapes for a model with several inputs.
        input_data: the input(s) themselves instead of ``input_size`` (a tuple for several).
        dtypes: one dtype per input for ``input_size`` (float32 by default; integer inputs,
            such as word ids, are filled with zeros).
        depth: show modules nested at most this deep (deeper ones fold into their parent).
        mode: ``"eval"`` (default: batch norm does not update its running statistics),
            ``"train"``, or ``"same"`` to keep the model's mode. The mode is restored.
        verbose: print the table.

    Returns:
        A ``ModelSummary``; ``str()`` gives the table, ``total_params`` the count.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.viz import summary
        >>> net = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 2))
        >>> summary(net, (1, 4), verbose=False).total_params
        58
    """
    if mode not in ("eval", "train", "same"):
        raise ValueError(f"summary: mode must be 'eval', 'train' or 'same', got {mode!r}")
    args = _inputs(input_size, input_data, dtypes)
    rows, handles, called = _hook_all(model)
    was_training = model.training
    try:
        if mode != "same":
            model.train(mode == "train")
        with no_grad():
            model(*args)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    _fold_uncalled(model, rows, called)
    params = list(model.parameters())
    result = ModelSummary(
        type(model).__name__, rows, sum(p.numel() for p in params),
        sum(p.numel() for p in params if p.requires_grad),
        [tuple(t.shape) for t in tensors_in(args)], sum(p.numpy(force=True).nbytes for p in params),
        sum(t.numpy(force=True).nbytes for t in tensors_in(args)),
        sum(r.out_bytes for r in rows if r.is_leaf and not r.repeated), depth)
    if verbose:
        print(result)
    return result


def _fold_uncalled(model: Module, rows: list[LayerRow], called: list[Module]) -> None:
    """Count the parameters of modules that never ran in the row of their nearest ancestor
    that did.

    A layer may use a child's weights without calling it (``MultiheadAttention`` passes
    ``out_proj.weight`` to the functional attention, as PyTorch's does); those parameters
    then sit in the layer's row, so each parameter sits in exactly one row."""
    ran = {id(m) for m in called}
    first_rows = {row.path: row for row in rows if not row.repeated}
    for path, module in model.named_modules():
        own = sum(p.numel() for p in module._parameters.values() if p is not None)
        if id(module) in ran or not own:
            continue
        parts = path.split(".")
        for k in range(len(parts) - 1, -1, -1):
            ancestor = first_rows.get(".".join(parts[:k]))
            if ancestor is not None:
                ancestor.own_params += own
                break


def _hook_all(model: Module) -> tuple[list[LayerRow], list[Any], list[Module]]:
    """Hooks that add one row per module call; returns the rows, the hook handles and the
    module of each row."""
    rows: list[LayerRow] = []
    called: list[Module] = []
    seen: set[int] = set()
    handles = []
    for path, module in model.named_modules():
        own = sum(p.numel() for p in module._parameters.values() if p is not None)
        total = sum(p.numel() for p in module.parameters())
        depth = 0 if path == "" else path.count(".") + 1
        has_children = any(c is not None for c in module._modules.values())
        open_rows: list[LayerRow] = []

        def before(mod: Module, args: Any, path: str = path, own: int = own, total: int = total,
                   depth: int = depth, leaf: bool = not has_children,
                   open_rows: list[LayerRow] = open_rows) -> None:
            row = LayerRow(path, type(mod).__name__, depth, own, total, repeated=id(mod) in seen,
                           is_leaf=leaf)
            seen.add(id(mod))
            rows.append(row)
            called.append(mod)
            open_rows.append(row)

        def after(mod: Module, args: Any, out: Any,
                  open_rows: list[LayerRow] = open_rows) -> None:
            row = open_rows.pop()
            outs = tensors_in(out)
            row.out_shapes = [tuple(t.shape) for t in outs]
            row.out_bytes = sum(t.numpy(force=True).nbytes for t in outs)

        handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
    return rows, handles, called
