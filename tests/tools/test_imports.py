"""The package's imports point one way: kernels <- ops <- autograd <- tensor <- nn ... <- tools.

Every ``import`` in every module counts, at the top or inside a function (a lazy import is
still a dependency), and so does ``import tinygrad_edu`` of the whole package, which pulls in
the top layer. Two tests: no import loop anywhere, and no module importing a layer above its
own (DESIGN.md, "Layers").
"""

from __future__ import annotations

import ast
from pathlib import Path

import tinygrad_edu

PACKAGE = Path(tinygrad_edu.__file__).resolve().parent
ROOT = PACKAGE.name

# The layer of each top-level module or subpackage; a module may import its own area and
# lower layers. Layer 0 holds the utilities everything may use (they import only each other).
LAYERS = {
    "kernels": 0, "dtypes": 0, "random": 0, "checks": 0, "runtime": 0, "unsupported": 0,
    "random_dist": 0,
    "ops": 1,
    "autograd": 2,
    "tensor": 3,
    "nn": 4, "data": 4, "cuda": 4, "linalg": 4, "special": 4,
    "accelerator": 4, "backends": 4, "device": 0,
    "optim": 4.5,  # above nn: swa_utils.AveragedModel is an nn.Module, as in torch
    "serialization": 4.6,  # above nn: torch checkpoints rebuild nn.Parameter
    "train": 5, "viz": 5, "classic": 5, "testing": 5, "models": 5, "utils": 5, "coverage": 5,
    "onnx": 5,  # export: reads the recorded graph of a Module's forward
    # vision (torchvision's layout): datasets, utils and models above nn/ and data/; its
    # transforms work on single samples with numpy, PIL and Tensors only, below data so that
    # data.transforms can share them
    "vision": 5.5, "vision.transforms": 3.5,
    # torch.utils.tensorboard's place; above train and viz: it reads the recorded graph with
    # viz.walk and its Trainer callback subclasses train.Callback
    "utils.tensorboard": 5.5,
    # hyper-parameter search: runs trainables built on train/classic, plots with viz
    "tune": 5.5,
    ROOT: 6,  # the package itself: importing it imports everything
}


def _modules() -> dict[str, Path]:
    mods = {}
    for f in PACKAGE.rglob("*.py"):
        parts = list(f.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    return mods


def _imports(module: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """Absolute names of the package's modules that ``module`` imports.

    ``from X import a`` names the module ``X.a`` when there is one, else ``X`` itself (``a``
    is defined there); ``import tinygrad_edu`` and ``from tinygrad_edu import tensor`` (the
    factory function) name the package root.
    """
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if path.name == "__init__.py" else \
                    module.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names.update(f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base
                         for a in node.names)
    return {n for n in names if n.split(".")[0] == ROOT}


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        for name in _imports(m, path, mods):
            target = resolve(name)
            # importing an ancestor's submodule needs the ancestor to exist: not an edge to
            # it; but the root named itself (``import tinygrad_edu``) pulls in every layer
            if target and target != m and (target == ROOT or not m.startswith(target + ".")):
                edges[m].add(target)
    return edges


def _area(module: str) -> str:
    """The module's top-level area, or a sub-area given its own layer (``vision.transforms``)."""
    parts = module.split(".")
    if len(parts) > 2 and ".".join(parts[1:3]) in LAYERS:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else ROOT


def test_every_area_has_a_layer():
    assert {_area(m) for m in _modules()} <= set(LAYERS), "add the new area to LAYERS"


def test_no_module_imports_a_layer_above_its_own():
    wrong = []
    for m, targets in _graph().items():
        for t in targets:
            mine, theirs = LAYERS[_area(m)], LAYERS[_area(t)]
            same_area = _area(m) == _area(t)
            if theirs > mine or (theirs == mine and not same_area and mine != 0):
                wrong.append(f"{m} (layer {mine}) imports {t} (layer {theirs})")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_no_import_loop():
    edges = _graph()
    loops = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(start: str) -> None:  # iterative depth-first search, reporting back edges
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                loops.append(" -> ".join(path[path.index(child):] + [child]))
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges[child]))))

    for m in sorted(edges):
        if m not in state:
            visit(m)
    assert not loops, "import loops:\n" + "\n".join(loops)


def test_the_checks_see_lazy_imports():
    """Guards the tests above: an import inside a function is found like any other."""
    edges = _graph()
    assert "tinygrad_edu.kernels.threads" in edges["tinygrad_edu.ops.matmul"]
    assert any(t.startswith("tinygrad_edu.tensor") for t in edges["tinygrad_edu.viz.graph"])
