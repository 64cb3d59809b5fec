"""How much of PyTorch's API tinygrad_edu has: ``python -m tinygrad_edu.coverage``.

For each namespace (the Tensor, ``torch``, ``nn``, ``nn.functional``, ``nn.init``, ``optim``,
``optim.lr_scheduler``, ``utils.data``, ``autograd``, ``linalg``, ``special``) it compares
tinygrad_edu's public names with the installed torch's and counts each torch name as

- **present**: tinygrad_edu has it;
- **explained**: listed in ``tinygrad_edu/unsupported.py``, deliberately unsupported or
  planned, with the reason a user reads in the error;
- **missing**: neither.

It also checks the course checklist (``coverage/course.py``, the names course and tutorial
code uses), which the test suite keeps at 100% present-or-explained. Options::

    python -m tinygrad_edu.coverage                 # the table
    python -m tinygrad_edu.coverage --list missing  # and the missing names, per namespace
    python -m tinygrad_edu.coverage --course        # only the course checklist, with reasons
"""

from __future__ import annotations

import argparse
import importlib
import types
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ..unsupported import explain
from .course import COURSE

__all__ = ["NAMESPACES", "Report", "course_report", "main", "report", "status"]

#: namespace -> (torch module path, tinygrad_edu module path, attribute or "" for the module)
NAMESPACES: dict[str, tuple[str, str, str]] = {
    "Tensor": ("torch", "tinygrad_edu", "Tensor"),
    "torch": ("torch", "tinygrad_edu", ""),
    "nn": ("torch.nn", "tinygrad_edu.nn", ""),
    "nn.functional": ("torch.nn.functional", "tinygrad_edu.nn.functional", ""),
    "nn.init": ("torch.nn.init", "tinygrad_edu.nn.init", ""),
    "optim": ("torch.optim", "tinygrad_edu.optim", ""),
    "optim.lr_scheduler": ("torch.optim.lr_scheduler", "tinygrad_edu.optim.lr_scheduler", ""),
    "utils.data": ("torch.utils.data", "tinygrad_edu.data", ""),
    "autograd": ("torch.autograd", "tinygrad_edu.autograd", ""),
    "linalg": ("torch.linalg", "tinygrad_edu.linalg", ""),
    "special": ("torch.special", "tinygrad_edu.special", ""),
}

PRESENT, EXPLAINED, MISSING = "present", "explained", "missing"


class Report(NamedTuple):
    """The names of one namespace, sorted by status; ``reasons`` for the explained ones."""

    namespace: str
    present: list[str]
    explained: list[str]
    missing: list[str]
    reasons: dict[str, str]

    @property
    def total(self) -> int:
        """All names checked."""
        return len(self.present) + len(self.explained) + len(self.missing)


def _import(path: str) -> Any:
    try:
        return importlib.import_module(path)
    except ImportError:
        return None


def _owner(namespace: str, side: int) -> Any:
    """The object whose attributes make up ``namespace`` in torch (side 0) or tinygrad_edu
    (side 1); None when that module does not exist."""
    module_path, attribute = NAMESPACES[namespace][side], NAMESPACES[namespace][2]
    module = _import(module_path)
    if module is None or not attribute:
        return module
    return getattr(module, attribute, None)


def resolve(owner: Any, dotted: str) -> bool:
    """Whether ``owner.a.b.c`` exists, importing submodules of a module on the way."""
    obj = owner
    for part in dotted.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            sub = _import(f"{obj.__name__}.{part}") if isinstance(obj, types.ModuleType) else None
            if sub is None:
                return False
            obj = sub
    return True


def status(namespace: str, name: str, owner: Any = None) -> tuple[str, str]:
    """``(status, reason)`` of torch's ``name`` in tinygrad_edu's ``namespace``."""
    owner = _owner(namespace, 1) if owner is None else owner
    if owner is not None and resolve(owner, name):
        return PRESENT, ""
    head, _, rest = name.partition(".")
    reason = explain(namespace, name) or (explain(head, rest) if rest else None)
    if reason is None and rest:  # "autograd.functional" listed under namespace "autograd"
        reason = explain(namespace, head)
    return (EXPLAINED, reason) if reason else (MISSING, "")


def _check(namespace: str, names: Iterable[str]) -> Report:
    owner = _owner(namespace, 1)
    if namespace == "Tensor" and owner is not None:
        owner = owner([[0.0]])  # instance attributes (grad, data, ...) count too; a matrix has .H
    out = Report(namespace, [], [], [], {})
    for name in sorted(set(names)):
        state, reason = status(namespace, name, owner)
        getattr(out, state).append(name)
        if reason:
            out.reasons[name] = reason
    return out


def torch_names(namespace: str) -> list[str] | None:
    """torch's public names in ``namespace`` (None without torch): a class's public
    attributes, a module's ``__all__`` or its public non-module names defined in torch."""
    owner = _owner(namespace, 0)
    if owner is None:
        return None
    if isinstance(owner, type):
        return [n for n in dir(owner) if not n.startswith("_")]
    names = getattr(owner, "__all__", None) or [n for n in dir(owner) if not n.startswith("_")]
    keep = []
    for name in names:
        value = getattr(owner, name, None)
        if isinstance(value, types.ModuleType):
            continue
        module = getattr(value, "__module__", None) or ""
        if (callable(value) or isinstance(value, type)) and not module.startswith("torch"):
            continue  # typing.Callable, math, warnings, ... imported into a torch module
        keep.append(name)
    return keep


def report(namespaces: Sequence[str] = tuple(NAMESPACES)) -> list[Report]:
    """One :class:`Report` per namespace against the installed torch (empty without torch)."""
    out = []
    for namespace in namespaces:
        names = torch_names(namespace)
        if names is not None:
            out.append(_check(namespace, names))
    return out


def course_report() -> list[Report]:
    """The course checklist (``coverage/course.py``), one :class:`Report` per namespace."""
    return [_check(namespace, names) for namespace, names in COURSE.items()]


def _table(title: str, reports: list[Report]) -> str:
    lines = [title, f"{'namespace':<20}{'names':>7}{'present':>9}{'explained':>11}"
             f"{'missing':>9}{'covered':>9}"]
    for r in reports:
        covered = (len(r.present) + len(r.explained)) / r.total if r.total else 1.0
        lines.append(f"{r.namespace:<20}{r.total:>7}{len(r.present):>9}{len(r.explained):>11}"
                     f"{len(r.missing):>9}{covered:>9.0%}")
    return "\n".join(lines)


def _listing(reports: list[Report], which: str) -> str:
    lines = []
    for r in reports:
        names = getattr(r, which)
        if names:
            lines.append(f"\n{r.namespace} ({which}, {len(names)}):")
            lines += [f"  {n}" + (f": {r.reasons[n]}" if n in r.reasons else "") for n in names]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns 1 when the course checklist has a missing name."""
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.coverage",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--list", choices=[PRESENT, EXPLAINED, MISSING],
                        help="also list the names with this status")
    parser.add_argument("--course", action="store_true", help="only the course checklist")
    args = parser.parse_args(argv)
    course = course_report()
    parts = [_table("Course checklist (tinygrad_edu/coverage/course.py)", course)]
    if args.course:
        parts.append(_listing(course, MISSING) + _listing(course, EXPLAINED))
    else:
        torch_reports = report()
        if torch_reports:
            torch = importlib.import_module("torch")
            parts.append(_table(f"\nAll public names of torch {torch.__version__}",
                                torch_reports))
        else:
            parts.append("\n(torch is not installed: only the course checklist is checked)")
        if args.list:
            parts.append(_listing(course if not torch_reports else torch_reports, args.list))
    print("\n".join(parts))
    return 1 if any(r.missing for r in course) else 0
