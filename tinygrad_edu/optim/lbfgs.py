"""L-BFGS: a quasi-Newton method that builds a curvature model from its recent steps.

Newton's method steps by ``-H^{-1} g`` (``H``: the Hessian), which reaches the minimum of a
quadratic in one step, but ``H`` has ``n^2`` entries. BFGS builds an approximation of
``H^{-1}`` from what it observes: after each step ``s = theta_{k+1} - theta_k`` the gradient
changed by ``y = g_{k+1} - g_k``, and a good inverse Hessian maps ``y`` back to ``s`` (the
secant condition). L-BFGS ("limited memory") never forms the matrix: it keeps the last
``history_size`` pairs ``(s, y)`` and applies the approximation to a vector with the
*two-loop recursion* (Nocedal and Wright, *Numerical Optimization*, algorithm 7.4).

The step length along the direction comes either from a fixed learning rate or from a line
search that finds a point satisfying the *strong Wolfe conditions* (algorithm 3.5 of the
same book, with cubic interpolation): enough decrease of the loss, and a slope that has
flattened enough that the curvature pair stays informative.

This module follows PyTorch's ``torch/optim/lbfgs.py`` (itself modelled on Mark Schmidt's
minFunc) branch for branch, so the iterates equal PyTorch's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import enable_grad, no_grad
from ..checks import check_number
from ..tensor import Tensor
from .optimizer import Array, Optimizer, Params

Objective = Callable[[float, Array], tuple[float, Array]]  # t, d -> loss and gradient at x + t d


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic through two points with their values and slopes.

    The cubic matching ``f(x1) = f1, f'(x1) = g1, f(x2) = f2, f'(x2) = g2`` has its minimum
    at (Nocedal and Wright, equation 3.59)::

        d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2)
        d2 = sqrt(d1^2 - g1 g2)
        x_min = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)

    clipped to ``bounds`` (by default the interval between the points). When the cubic has no
    minimum (``d1^2 < g1 g2``) the midpoint of the bounds is returned.
    """
    xmin_bound, xmax_bound = bounds if bounds is not None else \
        ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


class _Bracket:
    """An interval ``[t_a, t_b]`` of step lengths known to hold a strong-Wolfe point.

    Each end keeps the loss ``f``, flat gradient ``g`` and slope ``gtd = g . d`` seen there.
    """

    def __init__(self, ts: list[float], fs: list[float], gs: list[Array],
                 gtds: list[float]) -> None:
        self.t, self.f, self.g, self.gtd = ts, fs, gs, gtds

    def set(self, i: int, t: float, f: float, g: Array, gtd: float) -> None:
        self.t[i], self.f[i], self.g[i], self.gtd[i] = t, f, g, gtd

    def low_high(self) -> tuple[int, int]:
        """Index of the end with the lower loss, and of the other end."""
        return (0, 1) if self.f[0] <= self.f[-1] else (1, 0)


def strong_wolfe(obj_func: Objective, t: float, d: Array, f: float, g: Array, gtd: float,
                 c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, Array, float, int]:
    """Find a step length ``t`` along ``d`` that satisfies the strong Wolfe conditions.

    The conditions, with ``phi(t) = f(x + t d)`` and ``phi'(t) = grad f(x + t d) . d``::

        sufficient decrease:  phi(t) <= phi(0) + c1 t phi'(0)
        curvature:            |phi'(t)| <= c2 |phi'(0)|

    Phase 1 (bracketing) grows ``t`` by cubic extrapolation until an interval is known to
    contain such a point (the loss rose, or the slope turned positive). Phase 2 (zoom) shrinks
    the interval by cubic interpolation, keeping the end with the lower loss, until a point
    satisfies both conditions or the interval is too small to matter.

    Args:
        obj_func: ``obj_func(t, d)``: the loss and the flat gradient at ``x + t d``.
        t: the first step length tried.
        d: the search direction (a descent direction: ``gtd < 0``).
        f, g, gtd: the loss, flat gradient and slope at ``t = 0``.
        c1, c2: the constants of the two conditions (0 < c1 < c2 < 1).
        tolerance_change: stop zooming when the interval moves the point by less than this.
        max_ls: the most loss evaluations allowed.

    Returns:
        The loss, flat gradient and step length of the point found, and how many loss
        evaluations the search made.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: _Bracket | None = None
    while ls_iter < max_ls:  # phase 1: find an interval that brackets a Wolfe point
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()],
                               [gtd_prev, gtd_new])
            break
        if abs(gtd_new) <= -c2 * gtd:  # both conditions hold at t
            bracket = _Bracket([t], [f_new], [g_new], [gtd_new])
            done = True
            break
        if gtd_new >= 0:  # the slope turned: the minimum lies between t_prev and t
            bracket = _Bracket([t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()],
                               [gtd_prev, gtd_new])
            break
        # still going down steeply: extrapolate, between 1.01 t and 10 t
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                              bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations: bracket from the start to the last point
        bracket = _Bracket([0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new])
    assert bracket is not None
    return _zoom(obj_func, bracket, d, d_norm, f, gtd, done, ls_iter, ls_func_evals,
                 c1, c2, tolerance_change, max_ls)


def _zoom(obj_func: Objective, bracket: _Bracket, d: Array, d_norm: float, f: float,
          gtd: float, done: bool, ls_iter: int, ls_func_evals: int, c1: float, c2: float,
          tolerance_change: float, max_ls: int) -> tuple[float, Array, float, int]:
    """Phase 2 of ``strong_wolfe``: shrink the bracket until its low end is a Wolfe point."""
    insuf_progress = False
    low_pos, high_pos = bracket.low_high()
    while not done and ls_iter < max_ls:
        if abs(bracket.t[1] - bracket.t[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket.t[0], bracket.f[0], bracket.gtd[0],
                              bracket.t[1], bracket.f[1], bracket.gtd[1])
        # a point too close to an end makes little progress: if that happened last time too
        # (or t is outside), move it to 10% of the interval away from the nearer end
        t_max, t_min = max(bracket.t), min(bracket.t)
        eps = 0.1 * (t_max - t_min)
        if min(t_max - t, t - t_min) < eps:
            if insuf_progress or t >= t_max or t <= t_min:
                t = t_max - eps if abs(t - t_max) < abs(t - t_min) else t_min + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket.f[low_pos]:
            # not enough decrease: t becomes the high end
            bracket.set(high_pos, t, f_new, g_new.copy(), gtd_new)
            low_pos, high_pos = bracket.low_high()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket.t[high_pos] - bracket.t[low_pos]) >= 0:
                # the slope points at the old low end: it becomes the high end
                bracket.set(high_pos, bracket.t[low_pos], bracket.f[low_pos],
                            bracket.g[low_pos], bracket.gtd[low_pos])
            bracket.set(low_pos, t, f_new, g_new.copy(), gtd_new)
    return bracket.f[low_pos], bracket.g[low_pos], bracket.t[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS (PyTorch's ``torch.optim.LBFGS``): limited-memory BFGS with an optional line search.

    One call of ``step(closure)`` runs up to ``max_iter`` iterations, each calling the
    closure (which recomputes the loss and its gradients) at least once. Iteration ``k``:

    Algorithm::

        input: gamma (lr), theta_0 (params), m (history size), the closure
        g <- grad f(theta)                       (the closure's gradients, flattened)
        if max |g| <= tolerance_grad: stop       (already at a stationary point)
        for k = 1, ..., max_iter do
            if k = 1 (the very first iteration):  d <- -g, history empty, H_0 <- 1
            else:
                s <- t * d_prev,  y <- g - g_prev
                if y . s > 1e-10:                (keep only pairs with positive curvature)
                    append (s, y, rho = 1 / y . s) to the history (dropping the oldest if full)
                    H_0 <- (y . s) / (y . y)      (scale of the initial inverse Hessian)
                q <- -g                           (two-loop recursion: d <- -H g)
                for i = newest ... oldest:  a_i <- rho_i s_i . q;  q <- q - a_i y_i
                r <- H_0 q
                for i = oldest ... newest:  b_i <- rho_i y_i . r;  r <- r + (a_i - b_i) s_i
                d <- r
            t <- min(1, 1 / sum |g|) * gamma  on the very first iteration, else gamma
            if g . d > -tolerance_change: stop    (d is not a descent direction)
            if line_search_fn == 'strong_wolfe':  t <- a strong-Wolfe step length from t
            theta <- theta + t d,  then re-evaluate the loss and g
            stop when: k = max_iter, the evaluations reach max_eval, max |g| <= tolerance_grad,
                       max |t d| <= tolerance_change, or |loss - prev_loss| < tolerance_change

    The history, direction and counters persist in the state between calls of ``step``, so
    a training loop can call ``step`` with ``max_iter=1`` once per batch. The state lives
    under the first parameter, as in PyTorch: ``func_evals``, ``n_iter``, ``d``, ``t``,
    ``old_dirs`` (the y's), ``old_stps`` (the s's), ``ro``, ``H_diag``, ``prev_flat_grad``,
    ``prev_loss`` and ``al``.

    Args:
        params: the Tensors to optimize (one group only: L-BFGS works on all parameters as
            one flat vector).
        lr: learning rate gamma (the first step length tried).
        max_iter: iterations per ``step`` call.
        max_eval: loss evaluations per ``step`` call (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this.
        tolerance_change: stop when the step or the change of the loss is below this.
        history_size: how many ``(s, y)`` pairs to remember.
        line_search_fn: None (fixed step length ``lr``) or ``'strong_wolfe'``.

    Example:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.optim import LBFGS
        >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - tg.tensor([3.0, 1.0])) ** 2 * tg.tensor([1.0, 10.0])).sum()
        ...     loss.backward()
        ...     return loss
        >>> loss = opt.step(closure)
        >>> w  # a quadratic: solved in a few iterations
        tensor([3.0000, 1.0000], requires_grad=True)
    """

    scalar_state = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")

    def __init__(self, params: Params, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_number(max_iter, "max_iter", "LBFGS")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _check_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise ValueError(f"Invalid learning rate: {options['lr']}")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Refused after construction: L-BFGS has exactly one parameter group."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------------------------ flat views

    def _numel(self) -> int:
        return sum(p.numel() for p in self._params)

    def _gather_flat_grad(self) -> Array:
        """All gradients as one flat vector (zeros for a parameter without a gradient)."""
        return np.concatenate([
            np.zeros(p.numel(), dtype=p.dtype) if p.grad is None
            else p.grad.numpy().reshape(-1) for p in self._params])

    def _add_grad(self, step_size: float, update: Array) -> None:
        """``theta <- theta + step_size * update``, ``update`` being a flat vector."""
        offset = 0
        for p in self._params:
            n = p.numel()
            with p.mutate() as data:
                data += step_size * update[offset:offset + n].reshape(data.shape)
            offset += n

    def _set_param(self, values: list[Array]) -> None:
        for p, value in zip(self._params, values, strict=True):
            with p.mutate() as data:
                data[...] = value

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[Array], t: float,
                              d: Array) -> tuple[float, Array]:
        """The loss and flat gradient at ``x + t d``; the parameters are left at ``x``."""
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------------ the step

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: clears the gradients, recomputes the loss, calls ``backward`` and returns
                the loss. L-BFGS calls it several times per step.

        Returns:
            The loss returned by the first call of the closure (before any update).
        """
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that recomputes the loss and its "
                               "gradients: opt.step(closure)")
        group = self.param_groups[0]
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss  # already optimal
        with no_grad():
            self._iterate(closure, group, state, loss, flat_grad)
        return orig_loss

    def _iterate(self, closure: Callable[[], Any], group: dict[str, Any], state: dict[str, Any],
                 loss: float, flat_grad: Array) -> None:
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history = _History.from_state(state, group["history_size"])
        current_evals, n_iter, t = 1, 0, history.t
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                history.reset()
                history.d = -flat_grad
            else:
                history.update(flat_grad)
            history.prev_flat_grad = flat_grad.copy()
            history.prev_loss = loss
            d = history.d
            assert d is not None
            if state["n_iter"] == 1:  # a cautious first step: at most lr / sum |g|
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break
            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p.numpy(force=True).copy() for p in self._params]
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    functools.partial(self._directional_evaluate, closure, x_init),
                    t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:  # re-evaluate, unless this was the last iteration
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            history.t = t
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                    or np.abs(d * t).max() <= tolerance_change
                    or abs(loss - history.prev_loss) < tolerance_change):
                break
        history.t = t
        history.save(state)

    def _load_state_value(self, name: str, value: Any, param: Tensor) -> Any:
        """LBFGS keeps flat vectors (of all parameters' size), lists of them, and numbers."""
        numel = self._numel()
        if name in ("d", "prev_flat_grad"):
            return _flat_vector(value, numel, self._params[0].dtype)
        if name in ("old_dirs", "old_stps", "ro", "al"):
            if not isinstance(value, list | tuple):
                return f"must be a list, got {type(value).__name__}"
            if name in ("ro", "al"):
                return [None if v is None else float(_to_number(v)) for v in value]
            vectors = [_flat_vector(v, numel, self._params[0].dtype) for v in value]
            bad = [v for v in vectors if isinstance(v, str)]
            return bad[0] if bad else vectors
        if value is None:
            return None
        if name in ("func_evals", "n_iter"):
            return int(_to_number(value))
        return float(_to_number(value))


class _History:
    """The curvature pairs and search state L-BFGS carries from one iteration to the next."""

    def __init__(self, history_size: int) -> None:
        self.history_size = history_size
        self.old_dirs: list[Array] = []  # the y's: gradient changes
        self.old_stps: list[Array] = []  # the s's: steps taken
        self.ro: list[float] = []  # 1 / (y . s)
        self.al: list[float | None] = [None] * history_size
        self.H_diag = 1.0  # noqa: N815 (PyTorch's name): scale of the initial inverse Hessian
        self.d: Array | None = None
        self.t: float | None = None
        self.prev_flat_grad: Array | None = None
        self.prev_loss: float | None = None
        self.has_al = False

    @classmethod
    def from_state(cls, state: dict[str, Any], history_size: int) -> _History:
        h = cls(history_size)
        h.d, h.prev_flat_grad = _array(state.get("d")), _array(state.get("prev_flat_grad"))
        h.t, h.prev_loss = state.get("t"), state.get("prev_loss")
        h.H_diag = state.get("H_diag", 1.0)
        h.old_dirs = [v.numpy().copy() for v in state.get("old_dirs", [])]
        h.old_stps = [v.numpy().copy() for v in state.get("old_stps", [])]
        h.ro = list(state.get("ro", []))
        h.has_al = "al" in state
        if h.has_al:
            h.al = list(state["al"])
        return h

    def reset(self) -> None:
        self.old_dirs, self.old_stps, self.ro, self.H_diag = [], [], [], 1.0

    def update(self, flat_grad: Array) -> None:
        """Record the last step's curvature pair, then set ``d`` by the two-loop recursion."""
        assert self.d is not None
        assert self.t is not None
        assert self.prev_flat_grad is not None
        y = flat_grad - self.prev_flat_grad
        s = self.d * self.t
        ys = y.dot(s)
        if ys > 1e-10:  # skip pairs without positive curvature (the model must stay convex)
            if len(self.old_dirs) == self.history_size:
                self.old_dirs.pop(0)
                self.old_stps.pop(0)
                self.ro.pop(0)
            self.old_dirs.append(y)
            self.old_stps.append(s)
            self.ro.append(1.0 / ys)
            self.H_diag = ys / y.dot(y)
        self.has_al = True
        al = self.al
        q = -flat_grad
        for i in range(len(self.old_dirs) - 1, -1, -1):
            a = al[i] = self.old_stps[i].dot(q) * self.ro[i]
            q += -a * self.old_dirs[i]
        r = q * self.H_diag
        for i in range(len(self.old_dirs)):
            be_i = self.old_dirs[i].dot(r) * self.ro[i]
            r += (al[i] - be_i) * self.old_stps[i]  # type: ignore[operator]
        self.d = r

    def save(self, state: dict[str, Any]) -> None:
        """Store the history in ``state``: vectors as Tensors, numbers as Python floats.

        The numbers may be numpy scalars of the parameters' dtype (float32 parameters keep
        float32 scalars, as PyTorch's 0-d tensors do); as Python floats they are exact, and
        numpy casts them back to float32 when they meet float32 values again.
        """
        state["d"] = Tensor(self.d)
        state["t"] = _number(self.t)
        state["old_dirs"] = [Tensor(v) for v in self.old_dirs]
        state["old_stps"] = [Tensor(v) for v in self.old_stps]
        state["ro"] = [_number(v) for v in self.ro]
        state["H_diag"] = _number(self.H_diag)
        state["prev_flat_grad"] = Tensor(self.prev_flat_grad)
        state["prev_loss"] = self.prev_loss
        if self.has_al:
            state["al"] = [_number(v) for v in self.al]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _array(value: Tensor | None) -> Array | None:
    return None if value is None else value.numpy().copy()


def _to_number(value: Any) -> Any:
    if isinstance(value, Tensor):
        value = value.numpy(force=True)
    return np.asarray(value).reshape(()).item()


def _flat_vector(value: Any, numel: int, dtype: Any) -> Any:
    """A saved flat vector as a Tensor, or a string saying what is wrong with it."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.numpy(force=True)
    array = np.asarray(value)
    if array.shape != (numel,):
        return f"has shape {array.shape}; expected a flat vector of {numel} entries"
    return Tensor(np.array(array, dtype=dtype, copy=True))
