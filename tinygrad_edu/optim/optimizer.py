"""The Optimizer base class: parameter groups, per-parameter state, ``step`` and state dicts.

An optimizer owns *parameter groups* (``param_groups``): each group is a dict holding a list of
parameters under ``"params"`` and the options (``lr``, ``momentum``, ...) that apply to them,
so that, say, a pretrained backbone and a new head can train with different learning rates.
``state`` maps each parameter to a dict of its running buffers (a momentum buffer, Adam's
moment estimates, ...), created on the parameter's first update.

A subclass writes only the math of one update, ``_update(param, grad, state, group)``, on plain
ndarrays, changing ``param`` in place. The base class does the bookkeeping every optimizer
shares: it checks the parameters, skips those without a gradient, runs the closure, bumps the
version counters of changed parameters, and saves and loads the state in PyTorch's format::

    {"state": {0: {"step": 5.0, "exp_avg": tensor(...), ...}, 1: {...}},
     "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1]}]}

Parameters are saved as their index in the order of ``param_groups``, never as objects, and
state values are Tensors or Python numbers, so a state dict can be written without pickle.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..autograd import enable_grad, no_grad
from ..checks import is_real
from ..tensor import Size, Tensor

Array = NDArray[Any]
ParamGroup = dict[str, Any]
_NUMERIC_OPTIONS = frozenset({"lr", "momentum", "dampening", "weight_decay", "eps", "alpha",
                              "lr_decay", "initial_accumulator_value", "rho", "momentum_decay"})
Params = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    Subclasses pass their default options to ``__init__`` and implement ``_update`` (the update
    of one parameter), ``_check_options`` (validation of a group's options) and, when they keep
    per-parameter buffers, ``_init_state``.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) each with a ``"params"``
            entry and options that override ``defaults`` for that group.
        defaults: the default value of every option, e.g. ``{"lr": 0.1, "momentum": 0}``.

    Attributes:
        defaults: the options a group gets when it does not set them.
        scalar_state: names of the state entries that are single numbers (``"step"``, and
            e.g. ASGD's ``"eta"``); every other entry is an array shaped like its parameter.
        numeric_options: the options that must be numbers (checked with a TypeError).
        param_groups: list of dicts: ``"params"`` (a list of Tensors) plus every option.
        state: dict from parameter to its state dict (empty until the first update).
    """

    scalar_state: tuple[str, ...] = ("step",)
    numeric_options: frozenset[str] = _NUMERIC_OPTIONS

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self._check_numbers(defaults)
        self._check_options(defaults)
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[ParamGroup] = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params argument given to the optimizer should be an "
                            "iterable of Tensors or dicts, but got a Tensor; wrap it in a list: "
                            "[tensor]")
        if isinstance(params, str | bytes) or not hasattr(params, "__iter__"):
            raise TypeError(f"{name}: params argument given to the optimizer should be an "
                            f"iterable of Tensors or dicts, but got {type(params).__name__}")
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ groups

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options) to ``param_groups``.

        Useful for fine-tuning: layers unfrozen later join the optimizer as a new group.

        Args:
            param_group: a dict with ``"params"`` (a Tensor or an ordered collection of them)
                and optionally options; missing options take the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry with the parameters")
        group = dict(param_group)
        group["params"] = _param_list(group["params"])
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_numbers(group)
        self._check_options(group)
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_numbers(self, options: dict[str, Any]) -> None:
        """TypeError naming the optimizer when a numeric option (lr, momentum...) is not one."""
        for name in self.numeric_options.intersection(options):
            value = options[name]
            if isinstance(value, bool) or not isinstance(value, int | float | np.number | Tensor):
                raise TypeError(f"{type(self).__name__}: option {name!r} must be a number, got "
                                f"{value!r}")

    def _check_options(self, options: dict[str, Any]) -> None:
        """Raise ValueError for an invalid option value (a subclass checks its own options)."""

    # ------------------------------------------------------------------ the update

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Args:
            set_to_none: set ``.grad`` to None (the default, which frees the memory); with
                False, fill the existing gradient arrays with zeros in place. The difference
                matters: ``step`` skips a parameter whose grad is None, but updates one whose
                grad is zero (momentum and weight decay still move it).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.numpy().flags.writeable:
                    with p.grad.mutate() as g:
                        g.fill(0)
                else:  # a broadcast view shares one cell among many elements: replace it
                    p.grad = Tensor(np.zeros(p.grad.shape, dtype=p.grad.dtype))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step: update every parameter that has a gradient.

        Args:
            closure: optional function that clears the gradients, recomputes the loss, calls
                ``backward`` and returns the loss; it runs (with grad enabled) before the
                update. Optimizers that evaluate the loss several times per step need it.

        Returns:
            The closure's loss, or None without a closure.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: ParamGroup) -> None:
        """Update the parameters of one group that have a gradient (a subclass may take a
        whole group in one pass)."""
        for p in group["params"]:
            if p.grad is not None:
                self._step_param(p, group)

    def _step_param(self, p: Tensor, group: ParamGroup) -> None:
        grad = p.grad.numpy()  # type: ignore[union-attr]
        if grad.shape != p.shape:
            raise RuntimeError(f"{type(self).__name__}.step: the gradient of a parameter of shape "
                               f"{p.shape} has shape {Size(grad.shape)}; they must match")
        state = self.state.get(p)
        if state is None:
            state = self._init_state(p, group)
        with p.mutate() as param:  # bumps p's version: a graph that saved p notices the change
            self._update(param, grad, state, group)
        if state:
            self.state[p] = state

    def _init_state(self, param: Tensor, group: ParamGroup) -> dict[str, Any]:
        """The state of a parameter before its first update (empty unless overridden)."""
        return {}

    def _update(self, param: Array, grad: Array, state: dict[str, Any],
                group: ParamGroup) -> None:
        """Update ``param`` in place from ``grad``; keep running buffers in ``state``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # ------------------------------------------------------------------ state dicts

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a dict of plain values (PyTorch's layout).

        ``"state"`` maps a parameter's index (its position when walking ``param_groups`` in
        order) to a copy of its state: Tensors, and Python numbers for ``step``.
        ``"param_groups"`` holds each group's options with ``"params"`` as a list of indices.

        Returns:
            A new dict; later steps do not change it.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: _copy_value(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a state saved by ``state_dict`` into this optimizer.

        The optimizer must have as many groups, with as many parameters each, as the saved one;
        state arrays must have their parameter's shape. Every mismatch is reported in one
        ValueError, raised before anything changes. Arrays may be Tensors or ndarrays (as read
        back from an ``.npz`` file); they are copied and cast to the parameter's dtype.

        Args:
            state_dict: a dict returned by ``state_dict()`` (or rebuilt from a saved copy).
        """
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("load_state_dict: expected a dict with the keys 'state' and "
                             f"'param_groups', got {_describe(state_dict)}")
        if not isinstance(state_dict["param_groups"], list | tuple) or \
                not isinstance(state_dict["state"], Mapping):
            raise ValueError("load_state_dict: expected 'param_groups' to be a list of groups "
                             "and 'state' a dict, got "
                             f"{type(state_dict['param_groups']).__name__} and "
                             f"{type(state_dict['state']).__name__} (nothing was loaded)")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the state dict has {len(saved_groups)} parameter "
                             f"groups, but the optimizer has {len(self.param_groups)}")
        errors: list[str] = []
        new_groups = self._load_groups(saved_groups, errors)
        params: dict[int, Tensor] = {}  # saved index -> parameter
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            if isinstance(saved, Mapping):
                params.update(zip(_indices(saved.get("params", []), []), group["params"],
                                  strict=False))
        group_of = {id(p): new for new in new_groups for p in new["params"]}

        def state_keys(p: Tensor) -> set[str]:
            """The entries a parameter's non-empty state must have (empty: not known)."""
            return set() if errors else set(self._init_state(p, group_of[id(p)]))
        new_state = _load_state(state_dict["state"], params, errors, self._load_state_value,
                                state_keys)
        if errors:
            raise ValueError("load_state_dict: the state dict does not fit this optimizer "
                             "(nothing was loaded):\n  " + "\n  ".join(errors))
        for group, new in zip(self.param_groups, new_groups, strict=True):
            group.clear()
            group.update(new)
        self.state = new_state

    def _load_state_value(self, name: str, value: Any, param: Tensor) -> Any:
        """The value to install for a saved state entry, or a string saying what is wrong."""
        return load_state_entry(name, value, param, self.scalar_state)

    def _load_groups(self, saved_groups: list[Any], errors: list[str]) -> list[ParamGroup]:
        """Check each saved group against ours; return the groups to install."""
        new_groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if not isinstance(saved, Mapping) or "params" not in saved:
                errors.append(f"param_groups[{i}] is {_describe(saved)}, not a dict with "
                              "'params'")
                continue
            n_saved = len(_indices(saved["params"], errors))
            if n_saved != len(group["params"]):
                errors.append(f"param_groups[{i}] has {n_saved} parameters in the state dict, "
                              f"but {len(group['params'])} in the optimizer")
            new = {k: _plain(v) for k, v in saved.items() if k != "params"}
            missing = sorted(k for k in self.defaults if k not in new)
            if missing:
                errors.append(f"param_groups[{i}] lacks the options {missing} of "
                              f"{type(self).__name__}")
            else:
                problems = [f"param_groups[{i}][{k!r}] is {v!r:.60}; expected {want}"
                            for k, v in new.items()
                            if (want := _option_mismatch(group.get(k, _ABSENT), v, k))]
                errors.extend(problems)
                try:
                    if not problems:
                        self._check_options(new)
                except (TypeError, ValueError) as exc:  # e.g. a negative lr
                    errors.append(f"param_groups[{i}]: {exc}")
            new["params"] = group["params"]
            new_groups.append(new)
        return new_groups


# ----------------------------------------------------------------------------- helpers

def _param_list(params: Any) -> list[Tensor]:
    """The parameters of a group as a list, each checked to be a floating-point leaf Tensor."""
    if isinstance(params, Tensor):
        params = [params]
    elif isinstance(params, set | frozenset):
        raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                        "the ordering of tensors in sets will change between runs; use a list")
    params_list: list[Tensor] = list(params)
    for p in params_list:
        if not isinstance(p, Tensor):
            raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                            f"{type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(f"can't optimize a non-leaf Tensor (a result of "
                             f"{p.grad_fn.name() if p.grad_fn else 'an op'}); optimize the leaf "
                             "it was computed from, or detach() it")
        if p.dtype.kind != "f":
            raise ValueError(f"can't optimize a Tensor of dtype {p.dtype}; parameters must be "
                             "floating point (float32 or float64)")
    return params_list


def _copy_value(value: Any) -> Any:
    """A copy of a state value that later updates cannot change."""
    if isinstance(value, Tensor):
        return Tensor(np.array(value.numpy(), copy=True))
    if isinstance(value, list):  # LBFGS keeps its history as lists of vectors
        return [_copy_value(v) for v in value]
    return copy.deepcopy(value)


def _plain(value: Any) -> Any:
    """Numpy scalars and arrays read back from a file, as the Python values groups hold."""
    if isinstance(value, Tensor):
        value = value.numpy(force=True)
    if isinstance(value, np.generic) or isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.ndarray):
        return tuple(value.tolist())
    return copy.deepcopy(value)


_ABSENT = object()


def _is_real(value: Any) -> bool:
    """``checks.is_real`` without bools and NaN: what a numeric option may hold."""
    return is_real(value) and not isinstance(value, bool) and value == value  # noqa: PLR0124


def kind_mismatch(current: Any, value: Any, none_ok: bool = False) -> str:
    """What a saved ``value`` should have been, judged by the kind of the ``current`` one (a
    bool stays a bool, a number a number that is not NaN, an int a whole number, a pair a
    pair); '' when it fits. ``current`` None or a function takes anything; ``none_ok`` also
    lets ``value`` be None. Optimizers check their groups' options with it, schedulers their
    states."""
    if current is None or callable(current) or value is None and none_ok:
        return ""
    if isinstance(current, bool | np.bool_):
        return "" if isinstance(value, bool | np.bool_) else "True or False"
    if isinstance(current, Tensor) or _is_real(current):
        if isinstance(value, Tensor) or _is_real(value) and (
                not isinstance(current, int | np.integer) or float(value).is_integer()):
            return ""
        return "a whole number" if isinstance(current, int | np.integer) else \
            "a number (not NaN)"
    if isinstance(current, str):
        return "" if isinstance(value, str) else "a string"
    if isinstance(current, list | tuple):
        return "" if isinstance(value, list | tuple) and len(value) == len(current) and not any(
            kind_mismatch(c, v, none_ok) for c, v in zip(current, value, strict=True)) \
            else f"a list of {len(current)} like {current!r:.60}"
    if isinstance(current, dict):  # MultiStepLR's milestones: a Counter, saved as a list too
        return "" if isinstance(value, dict | list | tuple) else "a dict"
    return ""


def _option_mismatch(current: Any, saved: Any, name: str) -> str:
    """``kind_mismatch`` for a saved group option. Options this optimizer does not have may
    hold anything (groups can carry a user's own keys), except a scheduler's ``initial_lr``,
    which is a learning rate."""
    if name == "initial_lr":
        return "" if _is_real(saved) and saved >= 0 else "a learning rate (a number >= 0)"
    if current is _ABSENT:
        return ""
    return kind_mismatch(current, saved, none_ok=isinstance(current, str))


def _indices(saved_params: Any, errors: list[str]) -> list[int]:
    if isinstance(saved_params, np.ndarray) and saved_params.dtype.kind in "iu":
        saved_params = saved_params.reshape(-1).tolist()  # read back from an .npz file
    if isinstance(saved_params, list | tuple) and all(
            isinstance(i, int | np.integer) and not isinstance(i, bool) for i in saved_params):
        return [int(i) for i in saved_params]
    errors.append(f"'params' of a group must be a list of integer indices, got "
                  f"{saved_params!r:.80}")
    return []


def _load_state(saved_state: Any, params: dict[int, Tensor], errors: list[str],
                load_value: Callable[[str, Any, Tensor], Any],
                state_keys: Callable[[Tensor], set[str]] = lambda p: set(),
                ) -> defaultdict[Tensor, dict[str, Any]]:
    """Check the saved per-parameter state and build the new ``state`` from it: each entry
    loads with ``load_value``, and a non-empty state has exactly the ``state_keys`` of its
    parameter (where they are known: a state that only some updates create is not checked)."""
    new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
    if not isinstance(saved_state, Mapping):
        errors.append(f"'state' must be a dict, got {_describe(saved_state)}")
        return new_state
    for key, entry in saved_state.items():
        try:
            p = params[int(key)]
        except (KeyError, TypeError, ValueError):
            errors.append(f"state[{key!r}] belongs to no parameter in param_groups")
            continue
        if not isinstance(entry, Mapping):
            errors.append(f"state[{key!r}] must be a dict, got {_describe(entry)}")
            continue
        expected = state_keys(p) if entry else set()
        if expected and set(entry) != expected:
            errors.append(f"state[{key!r}] has the entries {sorted(map(str, entry))}; expected "
                          f"{sorted(expected)}")
            continue
        new_state[p] = {}
        for name, value in entry.items():
            loaded = load_value(name, value, p)
            if isinstance(loaded, str):
                errors.append(f"state[{key!r}][{name!r}] {loaded}")
            else:
                new_state[p][name] = loaded
    return new_state


def load_state_entry(name: str, value: Any, param: Tensor,
                     scalar_names: tuple[str, ...] = ("step",),
                     shape: tuple[int, ...] | None = None) -> Any:
    """The value to install for ``state[i][name]``, or a string saying what is wrong.

    An array entry must have ``shape`` (by default its parameter's shape)."""
    if isinstance(value, Tensor):
        value = value.numpy(force=True)
    if isinstance(value, bool | int | float | np.number | np.ndarray) and not (
            name == "step" and isinstance(value, bool | np.bool_)):
        array = np.asarray(value)
    else:
        return f"has type {type(value).__name__}; expected a Tensor, an ndarray or a number"
    if array.dtype.kind not in "biuf":
        return f"has dtype {array.dtype}; expected numbers"
    if name in scalar_names:
        if array.size != 1:
            return f"must be one number, got shape {array.shape}"
        number = float(array.reshape(()).item())
        if name == "step" and not (number >= 0 and number.is_integer()):
            return f"is {number}; expected a count of updates (a whole number >= 0)"
        return number
    if shape is not None and array.shape != tuple(shape):
        return f"has shape {Size(array.shape)}; expected {Size(shape)}"
    if shape is None and array.shape != param.shape:
        return f"has shape {Size(array.shape)}, but its parameter has shape {param.shape}"
    return Tensor(np.array(array, dtype=param.dtype, copy=True))


def _describe(value: Any) -> str:
    return f"a {type(value).__name__}"


def check_flags(name: str, differentiable: bool = False, capturable: bool = False) -> None:
    """Check PyTorch's implementation switches, which every optimizer accepts.

    ``foreach`` and ``fused`` choose how PyTorch batches the update over the parameters
    (the same arithmetic, faster kernels); here every update is plain numpy, so they are
    accepted and change nothing. ``differentiable`` (autograd through ``step``) and
    ``capturable`` (CUDA graphs) need machinery this framework does not have: asking for
    them is an error rather than a silent no-op.
    """
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True (backpropagating through the "
                                  "optimizer step) is not supported; updates run on ndarrays "
                                  "outside autograd")
    if capturable:
        raise ValueError(f"{name}: capturable=True is for CUDA graph capture; this framework "
                         "runs on the CPU only")


def lerp_(start: Array, end: Array, weight: float) -> None:
    """``start <- start + weight * (end - start)`` in place, in PyTorch's two-branch form.

    For weights of 0.5 or more PyTorch computes ``end - (end - start) * (1 - weight)``, which
    is more accurate there; using the same form keeps results equal to PyTorch's.
    """
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
