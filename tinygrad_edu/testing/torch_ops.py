"""The PyTorch reference of every registered op, in one table keyed by op name.

``TORCH_OPS[name]`` is a :class:`TorchRef`: a function that computes in PyTorch exactly what
the op's forward (``tinygrad_edu.ops.OPS[name].forward``) computes, given the same array
inputs (as torch tensors) and the same static keyword arguments, in the op's own output layout
(``lstm`` returns the hidden states and the final cell state in one (T + 1, N, H) array, so
its reference does too). Because torch's autograd differentiates the reference, one entry
checks both the op's forward and its backward.

The table is shared by:

- ``testing.compare_with_torch``, which replays a recorded graph op by op against it;
- the test suite: ``tests/ops/test_registry.py`` fails when an op has no entry (or an entry
  names no op), and ``tests/ops/test_torch_ops.py`` checks every op the catalog rows run
  against its entry, forward and backward, so each reference is itself tested;
- ``docs/ops.md``, the table of ops, generated from it (and from ``OPS``) by
  ``python -m tinygrad_edu.testing.ops_doc > docs/ops.md``.

torch is imported by the caller and passed in, so this module imports without it.

Adding an op: register it, then add an entry here, e.g. for an op ``cube`` with forward
``cube_forward(x) -> (x ** 3, cache)``::

    TORCH_OPS["cube"] = TorchRef(lambda torch, xs, s: xs[0] ** 3, "`x ** 3`")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["TORCH_OPS", "TorchFn", "TorchRef"]

#: ``fn(torch, inputs, static) -> output`` (``fn(torch, inputs, static, cache)`` when the
#: entry uses the forward's cache).
TorchFn = Callable[..., Any]


class TorchRef(NamedTuple):
    """The PyTorch reference of one op.

    Attributes:
        fn: ``fn(torch, xs, static) -> tensor``: the op's output computed with torch from the
            op's array inputs ``xs`` (torch tensors, float ones float64) and its static keyword
            arguments ``static`` (a dict); with ``uses_cache``, ``fn(torch, xs, static, cache)``
            also gets the cache our forward returned for the same inputs.
        description: one line saying which torch function(s) compute the op (for the docs).
        uses_cache: the reference needs our forward's cache. Random ops use it: dropout's
            reference reads the mask our forward drew (the libraries draw different masks),
            and computes the rest (the scaling, the gradient) in torch.
    """

    fn: TorchFn
    description: str
    uses_cache: bool = False

    def run(self, torch: Any, xs: Sequence[Any], static: dict[str, Any], cache: Any = None
            ) -> Any:
        """The reference output for inputs ``xs``, static arguments and (if used) the cache."""
        if self.uses_cache:
            return self.fn(torch, list(xs), static, cache)
        return self.fn(torch, list(xs), static)


# ----------------------------------------------------------------------------- helpers

def _torch_fn(name: str, signature: str = "x", note: str = "") -> TorchRef:
    """``torch.<name>`` applied to the inputs in order."""
    return TorchRef(lambda torch, xs, s: getattr(torch, name)(*xs),
                    f"`torch.{name}({signature})`{note}")


def _functional(name: str, *keys: str) -> TorchRef:
    """``F.<name>(*xs, **static)`` with the static arguments named in ``keys`` (when given)."""
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        return getattr(torch.nn.functional, name)(*xs, **{k: s[k] for k in keys if k in s})

    return TorchRef(run, f"`F.{name}(x, {', '.join(keys)})`")


def _optional(tensor: Any) -> Any:
    """An empty (0,) array means "no bias" in our ops; torch wants None."""
    return None if tensor.numel() == 0 else tensor


def _torch_dtype(torch: Any, dtype: Any) -> Any:
    """The torch dtype of a numpy dtype (or scalar type)."""
    return torch.from_numpy(np.empty(0, dtype=np.dtype(dtype))).dtype


# ----------------------------------------------------------------------------- elementwise

def _clamp(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.clamp(xs[0], s.get("min"), s.get("max"))


def _where(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.where(xs[0].bool(), xs[1], xs[2])


def _cast(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return xs[0].to(_torch_dtype(torch, s["dtype"]))


# ----------------------------------------------------------------------------- reductions

def _dims(x: Any, dim: Any) -> tuple[int, ...]:
    """Our ``dim`` (None: all axes, an int or a tuple) as a tuple of axes."""
    if dim is None:
        return tuple(range(x.ndim))
    return (dim,) if isinstance(dim, int | np.integer) else tuple(dim)


def _reduce(name: str) -> TorchRef:
    """``torch.<name>(x, dim, keepdim)``; ``dim=()`` reduces nothing (torch would reduce all)."""
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        dims = _dims(xs[0], s.get("dim"))
        if not dims:
            return xs[0].clone()
        return getattr(torch, name)(xs[0], dim=dims, keepdim=bool(s.get("keepdim")))

    return TorchRef(run, f"`torch.{name}(x, dim, keepdim)` (dim=None: every axis)")


def _prod(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """Product over our ``dim``: torch.prod takes one axis, so reduce them last to first."""
    out = xs[0]
    for d in sorted(_dims(out, s.get("dim")), reverse=True):
        out = torch.prod(out, dim=d, keepdim=bool(s.get("keepdim")))
    return out


def _arg(name: str) -> TorchRef:
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        return getattr(torch, name)(xs[0], dim=s.get("dim"), keepdim=bool(s.get("keepdim")))

    return TorchRef(run, f"`torch.{name}(x, dim, keepdim)` (int64; no gradient)")


def _take_along_dim(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.take_along_dim(xs[0], xs[1].long(), dim=s["dim"])


# ----------------------------------------------------------------------------- movement

def _key(torch: Any, key: Any) -> Any:
    """An index key for torch: numpy index arrays become bool or int64 tensors."""
    if isinstance(key, tuple):
        return tuple(_key(torch, k) for k in key)
    if isinstance(key, np.ndarray):
        return torch.from_numpy(key if key.dtype == bool else key.astype(np.int64))
    return key


def _getitem(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return xs[0][_key(torch, s["key"])]


def _index_put(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """A copy of x with ``value`` written at ``key`` (autograd reaches both x and value)."""
    if s.get("accumulate"):  # positions named twice add up: index_add on the flat view
        x, value = xs
        flat = np.arange(x.numel()).reshape(tuple(x.shape))[s["key"]]
        value = value.expand(flat.shape).reshape(-1)
        return x.reshape(-1).index_add(0, torch.tensor(flat.reshape(-1)), value).reshape(x.shape)
    out = xs[0].clone()
    out[_key(torch, s["key"])] = xs[1]
    return out


def _pad(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    # ours: (before, after) per axis, first axis first; F.pad: pairs from the last axis back
    flat = [int(n) for pair in reversed(s["pad_width"]) for n in pair]
    return torch.nn.functional.pad(xs[0], flat, value=s.get("value", 0.0))


# ----------------------------------------------------------------------------- losses

def _nll_loss(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.nn.functional.nll_loss(xs[0], xs[1].long(), xs[2],
                                        ignore_index=s.get("ignore_index", -100),
                                        reduction=s.get("reduction", "mean"))


def _bce(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.nn.functional.binary_cross_entropy(xs[0], xs[1], reduction="none")


# ----------------------------------------------------------------------------- conv and norm

def _conv(name: str, *keys: str) -> TorchRef:
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        x, weight, bias = xs
        return getattr(torch.nn.functional, name)(x, weight, _optional(bias),
                                                  **{k: s[k] for k in keys if k in s})

    return TorchRef(run, f"`F.{name}(x, weight, bias, {', '.join(keys)})` (empty bias: None)")


def _batch_norm(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """Training: the batch's statistics (the ``mean``/``var`` that ``F.batch_norm`` hands our
    op are those, and our backward differentiates through them); else the given ones."""
    x, weight, bias = xs
    eps = s.get("eps", 1e-5)
    if s["training"]:
        return torch.nn.functional.batch_norm(x, None, None, weight, bias, True, 0.0, eps)
    mean = torch.from_numpy(np.asarray(s["mean"], dtype=np.float64))
    var = torch.from_numpy(np.asarray(s["var"], dtype=np.float64))
    return torch.nn.functional.batch_norm(x, mean, var, weight, bias, False, 0.0, eps)


def _layer_norm(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """Our ``layer_norm``: rows of x normalised, then an affine per row element.

    A weight (J,) belongs to x (*, D) with rows along the last axis; a weight (G, J) to x
    (N, ...) cut into G rows per sample (group norm; instance norm has G = C). Either way
    each of the J weights covers D / J consecutive values of a row (a channel's positions).
    """
    x, weight, bias = xs
    if x.numel() == 0:
        return x.clone()
    rows = x.reshape(-1, 1, x.shape[-1]) if weight.ndim == 1 else \
        x.reshape(x.shape[0], weight.shape[0], -1)
    xhat = torch.nn.functional.layer_norm(rows, rows.shape[-1:], eps=s.get("eps", 1e-5))
    repeat = rows.shape[-1] // weight.shape[-1]
    scale = weight.reshape(-1, weight.shape[-1]).repeat_interleave(repeat, dim=1)
    shift = bias.reshape(-1, bias.shape[-1]).repeat_interleave(repeat, dim=1)
    return (xhat * scale + shift).reshape(x.shape)


# ----------------------------------------------------------------------------- dropout

def _dropout(torch: Any, xs: list[Any], s: dict[str, Any], cache: Any) -> Any:
    """Inverted dropout with our mask: only which elements were kept comes from the cache
    (its values are already scaled); the scale 1 / (1 - p) is computed here."""
    x, p = xs[0], s["p"]
    keep = torch.from_numpy(np.asarray(cache.mask) != 0)  # the elements our forward kept
    if p >= 1:
        return x * torch.zeros(keep.shape, dtype=x.dtype)
    return x * (keep.to(x.dtype) / (1.0 - p))


# ----------------------------------------------------------------------------- sequences

def _embedding(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """Our ``padding_idx`` -1 means none (torch: None)."""
    pad = s.get("padding_idx", -1)
    return torch.nn.functional.embedding(xs[0].long(), xs[1],
                                         padding_idx=None if pad < 0 else pad,
                                         scale_grad_by_freq=s.get("scale_grad_by_freq", False))


def _cell(name: str) -> TorchRef:
    """torch's one-step cell on (x, h, w_ih, w_hh, b_ih, b_hh)."""
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        x, h, w_ih, w_hh, b_ih, b_hh = xs
        return getattr(torch, name)(x, h, w_ih, w_hh, _optional(b_ih), _optional(b_hh))

    return TorchRef(run, f"`torch.{name}(x, h, w_ih, w_hh, b_ih, b_hh)` (empty biases: None)")


def _lstm_cell(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    x, h, c, w_ih, w_hh, b_ih, b_hh = xs
    h_new, c_new = torch.lstm_cell(x, (h, c), w_ih, w_hh, _optional(b_ih), _optional(b_hh))
    return torch.stack([h_new, c_new])


def _time_steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _sequence(name: str) -> TorchRef:
    """torch's cell over the time steps of x (T, N, D); the states stacked to (T, N, H)."""
    def run(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
        x, h, w_ih, w_hh, b_ih, b_hh = xs
        cell = getattr(torch, f"{name}_cell")
        states: list[Any] = [None] * x.shape[0]
        for t in _time_steps(x.shape[0], bool(s.get("reverse"))):
            h = cell(x[t], h, w_ih, w_hh, _optional(b_ih), _optional(b_hh))
            states[t] = h
        return torch.stack(states) if states else h.new_empty((0, *h.shape))

    return TorchRef(run, f"`torch.{name}_cell` step by step over x (T, N, D) (from T-1 down "
                         "to 0 with reverse), the states stacked to (T, N, H)")


def _lstm(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """torch.lstm_cell over the steps; our layout: the T states h, then the last cell state."""
    x, h, c, w_ih, w_hh, b_ih, b_hh = xs
    states: list[Any] = [None] * x.shape[0]
    for t in _time_steps(x.shape[0], bool(s.get("reverse"))):
        h, c = torch.lstm_cell(x[t], (h, c), w_ih, w_hh, _optional(b_ih), _optional(b_hh))
        states[t] = h
    return torch.stack([*states, c])


# ----------------------------------------------------------------------------- math

def _div_mode(mode: str) -> TorchRef:
    return TorchRef(lambda torch, xs, s: torch.div(xs[0], xs[1], rounding_mode=mode),
                    f"`torch.div(x, y, rounding_mode='{mode}')` (zero gradients)")


_MATH_OPS: dict[str, TorchRef] = {
    **{n: _torch_fn(n) for n in ("tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
                                 "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2",
                                 "reciprocal", "rsqrt", "erf", "erfc", "erfinv", "floor",
                                 "ceil", "trunc", "sign", "frac")},
    **{n: _torch_fn(n, "x, y") for n in ("atan2", "hypot", "xlogy", "copysign", "fmax",
                                         "fmin", "remainder", "fmod")},
    "round": TorchRef(lambda torch, xs, s: torch.round(xs[0], decimals=s.get("decimals", 0)),
                      "`torch.round(x, decimals=decimals)`"),
    "logit": TorchRef(lambda torch, xs, s: torch.logit(xs[0], eps=s.get("eps")),
                      "`torch.logit(x, eps)`"),
    "floor_divide": _div_mode("floor"),
    "trunc_divide": _div_mode("trunc"),
    "lerp": _torch_fn("lerp", "start, end, weight"),
}
# ----------------------------------------------------------------------------- sort, scan, index

def _argsort(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.argsort(xs[0], dim=s["dim"], descending=s.get("descending", False),
                         stable=True)


def _scan(name: str) -> TorchRef:
    return TorchRef(lambda torch, xs, s: getattr(torch, name)(xs[0], dim=s["dim"]),
                    f"`torch.{name}(x, dim)`")


def _scatter(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return xs[0].scatter(s["dim"], xs[1].long(), xs[2])


def _scatter_add(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return xs[0].scatter_add(s["dim"], xs[1].long(), xs[2])


def _scatter_reduce(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return xs[0].scatter_reduce(s["dim"], xs[1].long(), xs[2], s["reduce"],
                                include_self=s.get("include_self", True))
# ----------------------------------------------------------------------------- linalg
# Factorisations with several results are packed like our ops pack them
# (ops/linalg.py ``pack``). Eigen- and singular vectors are unique only up to sign, so their
# references take the signs our forward chose (read from its cache) before packing.


def _pack(torch: Any, batch: Any, *pieces: Any) -> Any:
    return torch.cat([p.reshape(*batch, int(np.prod(p.shape[len(batch):]))) for p in pieces],
                     dim=-1)


def _einsum(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    return torch.einsum(f"{','.join(s['inputs'])}->{s['output']}", *xs)


def _solve(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """Our B is always a batch of matrices; one more leading axis keeps torch from reading
    B (n, n) with A (n, n, n) as a batch of vectors."""
    return torch.linalg.solve(xs[0].unsqueeze(0), xs[1].unsqueeze(0)).squeeze(0)


def _sign_like(torch: Any, theirs: Any, ours: Any) -> Any:
    """+-1 per column of ``theirs`` so that it points the way ours (an array) does."""
    dot = (theirs.detach() * torch.from_numpy(np.asarray(ours))).sum(-2, keepdim=True)
    return torch.where(dot < 0, -1.0, 1.0).to(theirs.dtype)


def _eigh(torch: Any, xs: list[Any], s: dict[str, Any], cache: Any) -> Any:
    w, v = torch.linalg.eigh(xs[0], UPLO="U" if s.get("upper") else "L")
    return _pack(torch, xs[0].shape[:-2], w, v * _sign_like(torch, v, cache.v))


def _svd(torch: Any, xs: list[Any], s: dict[str, Any], cache: Any) -> Any:
    u, sv, vh = torch.linalg.svd(xs[0], full_matrices=False)
    sign = _sign_like(torch, u, cache.u)  # row j of Vh goes with column j of U
    return _pack(torch, xs[0].shape[:-2], u * sign, sv, vh * sign.mT)


def _qr(torch: Any, xs: list[Any], s: dict[str, Any], cache: Any) -> Any:
    mode = s.get("mode", "reduced")
    q, r = torch.linalg.qr(xs[0], mode=mode)
    if mode == "r":
        return _pack(torch, xs[0].shape[:-2], r)
    sign = _sign_like(torch, q, cache.q)
    return _pack(torch, xs[0].shape[:-2], q * sign, r * sign.mT)


# ----------------------------------------------------------------------------- the table

TORCH_OPS: dict[str, TorchRef] = {
    # elementwise.py
    **{n: _torch_fn(n, "x, y") for n in ("add", "sub", "mul", "div", "pow", "maximum",
                                         "minimum")},
    **{n: _torch_fn(n) for n in ("neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh",
                                 "sigmoid", "relu")},
    **{n: TorchRef(lambda torch, xs, s, n=n: getattr(torch.ops.aten, n)(*xs),
                   f"`torch.ops.aten.{n}(grad_output, output)`")
       for n in ("tanh_backward", "sigmoid_backward")},
    "leaky_relu": _functional("leaky_relu", "negative_slope"),
    "elu": _functional("elu", "alpha"),
    "gelu": _functional("gelu", "approximate"),
    "softplus": _functional("softplus", "beta", "threshold"),
    "clamp": TorchRef(_clamp, "`torch.clamp(x, min, max)`"),
    "where": TorchRef(_where, "`torch.where(condition, x, y)`"),
    **{n: _torch_fn(n, "x, y", " (bool; no gradient)") for n in ("eq", "ne", "lt", "le", "gt",
                                                                 "ge")},
    "cast": TorchRef(_cast, "`x.to(dtype)` (float dtypes are replayed as float64)"),
    # loss.py
    "softmax": TorchRef(lambda torch, xs, s: torch.softmax(xs[0], dim=s["dim"]),
                        "`torch.softmax(x, dim)`"),
    "log_softmax": TorchRef(lambda torch, xs, s: torch.log_softmax(xs[0], dim=s["dim"]),
                            "`torch.log_softmax(x, dim)`"),
    "log_softmax_backward_data": TorchRef(
        lambda torch, xs, s: torch.ops.aten._log_softmax_backward_data(*xs, s["dim"],
                                                                       xs[1].dtype),
        "`torch.ops.aten._log_softmax_backward_data(grad_output, output, dim, dtype)`"),
    "nll_loss": TorchRef(_nll_loss, "`F.nll_loss(logp, target, weight, ignore_index, "
                                    "reduction)`"),
    "binary_cross_entropy": TorchRef(
        _bce, "`F.binary_cross_entropy(x, y, reduction='none')` (its gradient for y takes the "
              "logs unclamped, ours clamps them at -100: they differ where x is 0 or 1)"),
    # matmul.py
    "matmul": _torch_fn("matmul", "x, y"),
    "linear": TorchRef(lambda torch, xs, s: torch.nn.functional.linear(*xs),
                       "`F.linear(x, weight, bias)`"),
    # movement.py
    "reshape": TorchRef(lambda torch, xs, s: xs[0].reshape(s["shape"]), "`x.reshape(shape)`"),
    "permute": TorchRef(lambda torch, xs, s: xs[0].permute(s["dims"]), "`x.permute(dims)`"),
    "expand": TorchRef(lambda torch, xs, s: xs[0].expand(s["shape"]), "`x.expand(shape)`"),
    "getitem": TorchRef(_getitem, "`x[key]` (index arrays as int64 or bool tensors)"),
    "index_put": TorchRef(_index_put, "`out = x.clone(); out[key] = value`"),
    "cat": TorchRef(lambda torch, xs, s: torch.cat(xs, dim=s.get("dim", 0)),
                    "`torch.cat(xs, dim)`"),
    "pad": TorchRef(_pad, "`F.pad(x, pad, value=value)`, pad_width flattened from the last "
                          "axis back"),
    "clone": TorchRef(lambda torch, xs, s: xs[0].clone(), "`x.clone()`"),
    # norm.py
    "batch_norm": TorchRef(_batch_norm, "`F.batch_norm(x, mean, var, weight, bias, training, "
                                        "eps=eps)`: the batch's statistics in training, the "
                                        "given running ones otherwise"),
    "layer_norm": TorchRef(_layer_norm, "`F.layer_norm` of each row (x's last axis, or G rows "
                                        "per sample for a (G, J) weight: group and instance "
                                        "norm), then weight and bias repeated along the row"),
    # pool.py
    "max_pool2d": _functional("max_pool2d", "kernel_size", "stride", "padding", "dilation",
                              "ceil_mode"),
    "adaptive_max_pool2d": _functional("adaptive_max_pool2d", "output_size"),
    "avg_pool2d": _functional("avg_pool2d", "kernel_size", "stride", "padding", "ceil_mode",
                              "count_include_pad", "divisor_override"),
    "adaptive_avg_pool2d": _functional("adaptive_avg_pool2d", "output_size"),
    # reduce.py
    **{n: _reduce(n) for n in ("sum", "amax", "amin")},
    "prod": TorchRef(_prod, "`torch.prod(x, dim, keepdim)` one axis at a time (dim=None: every "
                            "axis)"),
    "take_along_dim": TorchRef(_take_along_dim, "`torch.take_along_dim(x, index, dim)`"),
    "argmax": _arg("argmax"),
    "argmin": _arg("argmin"),
    # conv.py
    "conv2d": _conv("conv2d", "stride", "padding", "dilation", "groups"),
    "conv_transpose2d": _conv("conv_transpose2d", "stride", "padding", "output_padding",
                              "groups", "dilation"),
    # dropout.py
    "dropout": TorchRef(_dropout, "`x * keep / (1 - p)` with keep the mask our forward drew "
                                  "(read from its cache: the libraries draw different masks)",
                        uses_cache=True),
    # rnn.py
    "embedding": TorchRef(_embedding, "`F.embedding(indices, weight, padding_idx, "
                                      "scale_grad_by_freq)`"),
    "rnn_tanh_cell": _cell("rnn_tanh_cell"),
    "rnn_relu_cell": _cell("rnn_relu_cell"),
    "lstm_cell": TorchRef(_lstm_cell, "`torch.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)`, "
                                      "h' and c' stacked to (2, N, H)"),
    "gru_cell": _cell("gru_cell"),
    "rnn_tanh": _sequence("rnn_tanh"),
    "rnn_relu": _sequence("rnn_relu"),
    "lstm": TorchRef(_lstm, "`torch.lstm_cell` step by step over x (T, N, D) (from T-1 down to "
                            "0 with reverse), the T states h then the last cell state c stacked "
                            "to (T + 1, N, H)"),
    "gru": _sequence("gru"),
    # math.py
    **_MATH_OPS,
    # sort.py, scan.py, index.py
    "argsort": TorchRef(_argsort, "`torch.argsort(x, dim, descending, stable=True)` (no "
                                  "gradient)"),
    "cumsum": _scan("cumsum"),
    "cumprod": _scan("cumprod"),
    "logcumsumexp": _scan("logcumsumexp"),
    "scatter": TorchRef(_scatter, "`x.scatter(dim, index, src)`"),
    "scatter_add": TorchRef(_scatter_add, "`x.scatter_add(dim, index, src)`"),
    "scatter_reduce": TorchRef(_scatter_reduce, "`x.scatter_reduce(dim, index, src, reduce, "
                                                "include_self=include_self)`"),
    # einsum.py and linalg.py
    "einsum": TorchRef(_einsum, "`torch.einsum('<inputs>-><output>', *xs)`"),
    "inv": TorchRef(lambda torch, xs, s: torch.linalg.inv(xs[0]), "`torch.linalg.inv(A)`"),
    "det": TorchRef(lambda torch, xs, s: torch.linalg.det(xs[0]), "`torch.linalg.det(A)`"),
    "logabsdet": TorchRef(lambda torch, xs, s: torch.linalg.slogdet(xs[0]).logabsdet,
                          "`torch.linalg.slogdet(A).logabsdet`"),
    "solve": TorchRef(_solve, "`torch.linalg.solve(A, B)` (B a batch of matrices)"),
    "cholesky": TorchRef(lambda torch, xs, s: torch.linalg.cholesky(xs[0]),
                         "`torch.linalg.cholesky(A)`"),
    "eigh": TorchRef(_eigh, "`torch.linalg.eigh(A, UPLO)`, w then V packed per matrix (V's "
                            "column signs taken from our forward's cache)", uses_cache=True),
    "svd": TorchRef(_svd, "`torch.linalg.svd(A, full_matrices=False)`, U, S, Vh packed per matrix "
                          "(the singular vectors' signs taken from our forward's cache)",
                    uses_cache=True),
    "qr": TorchRef(_qr, "`torch.linalg.qr(A, mode)`, Q then R packed per matrix (column signs "
                        "of Q taken from our forward's cache)", uses_cache=True),
    # fold.py
    "unfold": _functional("unfold", "kernel_size", "dilation", "padding", "stride"),
    "fold": _functional("fold", "output_size", "kernel_size", "dilation", "padding", "stride"),
    # grid.py
    "grid_sample": TorchRef(lambda torch, xs, s: torch.nn.functional.grid_sample(
        xs[0], xs[1], mode=s.get("mode", "bilinear"), padding_mode=s.get("padding_mode", "zeros"),
        align_corners=s.get("align_corners", False)),
        "`F.grid_sample(x, grid, mode, padding_mode, align_corners)`"),
}
"""Op name -> :class:`TorchRef`; every op registered in ``tinygrad_edu.ops.OPS`` has one."""


# embedding_bag.py
def _embedding_bag(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """Our (indices, offsets, weight, per_sample_weights) order; padding_idx -1 and an empty
    per_sample_weights mean none (torch: None)."""
    pad = s.get("padding_idx", -1)
    return torch.nn.functional.embedding_bag(
        xs[0].long(), xs[2], xs[1].long(), mode=s.get("mode", "mean"),
        include_last_offset=s.get("include_last_offset", False),
        padding_idx=None if pad < 0 else pad, scale_grad_by_freq=s.get("scale_grad_by_freq", False),
        per_sample_weights=_optional(xs[3]) if xs[3].shape != xs[0].shape else xs[3])


TORCH_OPS["embedding_bag"] = TorchRef(
    _embedding_bag, "`F.embedding_bag(indices, weight, offsets, mode, include_last_offset, "
    "padding_idx, per_sample_weights)` (with scale_grad_by_freq torch's CPU kernel divides by "
    "wrong counts for some ids; ours divides by each id's count in the input)")


# linear_scan (scan.py), the recurrence behind the scans' second
# derivatives
def _linear_scan(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    """The recurrence step by step with torch operations (torch has no such function)."""
    c, b = xs
    dim, reverse = s["dim"] % max(b.ndim, 1), s.get("reverse", False)
    n = b.shape[dim]
    links = list(b.shape)
    links[dim] = max(n - 1, 0)
    cs, bs = c.expand(links).movedim(dim, -1), b.movedim(dim, -1)
    h: list[Any] = [None] * n
    for step, i in enumerate(range(n - 1, -1, -1) if reverse else range(n)):
        if step == 0:
            h[i] = bs[..., i]
        else:
            h[i] = cs[..., i] * h[i + 1] + bs[..., i] if reverse else \
                cs[..., i - 1] * h[i - 1] + bs[..., i]
    return torch.stack(h, -1).movedim(-1, dim) if n else b * 1


TORCH_OPS["linear_scan"] = TorchRef(
    _linear_scan, "the recurrence h[i] = c[i - 1] * h[i - 1] + b[i] (reverse: h[i] = c[i] * "
                  "h[i + 1] + b[i]) step by step with torch operations (no torch function)")
# ----------------------------------------------------------------------------- higher order
# The backwards that became ops of their own, so that gradients can be differentiated again.

def _conv2d_weight(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    x, dy = xs
    groups = s.get("groups", 1)
    size = (dy.shape[1], x.shape[1] // groups, *_pair2(s["kernel_size"]))
    return torch.nn.grad.conv2d_weight(x, size, dy, s.get("stride", 1), s.get("padding", 0),
                                       s.get("dilation", 1), groups)


def _pair2(value: Any) -> tuple[int, int]:
    return tuple(value) if isinstance(value, tuple | list) else (value, value)  # type: ignore


def _argmax_index(torch: Any, argmax: Any) -> tuple[Any, Any]:
    """(P, OH*OW) indices (-1 replaced by 0) and the mask of real ones."""
    a = torch.from_numpy(np.asarray(argmax, dtype=np.int64)).reshape(len(argmax), -1)
    return a.clamp(min=0), a >= 0


def _max_scatter(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    index, real = _argmax_index(torch, s["argmax"])
    shape = tuple(s["x_shape"])
    values = xs[0].reshape(index.shape) * real
    flat = xs[0].new_zeros(index.shape[0], shape[-2] * shape[-1])
    return flat.scatter_add(1, index, values).reshape(shape)


def _max_gather(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    index, real = _argmax_index(torch, s["argmax"])
    x = xs[0]
    out = x.reshape(index.shape[0], -1).gather(1, index) * real
    return out.reshape(*x.shape[:-2], *np.shape(s["argmax"])[1:])


def _window_matrix(torch: Any, s: dict[str, Any], hw: tuple[int, int]) -> Any:
    """M (OH*OW, H*W): M[window, cell] = 1 / divisor[window] for every cell of the window."""
    rows, cols, divisor = s["rows"], s["cols"], np.asarray(s["divisor"], dtype=np.float64)
    m = np.zeros((len(rows.start), len(cols.start), *hw))
    for a, (h0, hn) in enumerate(zip(rows.start, rows.length, strict=True)):
        for b, (w0, wn) in enumerate(zip(cols.start, cols.length, strict=True)):
            hs = h0 + rows.step * np.arange(hn)
            ws = w0 + cols.step * np.arange(wn)
            m[a, b, hs[:, None], ws[None, :]] = 1 / divisor[a, b]
    return torch.from_numpy(m.reshape(m.shape[0] * m.shape[1], hw[0] * hw[1]))


def _avg_scatter(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    shape = tuple(s["x_shape"])
    m = _window_matrix(torch, s, shape[-2:]).to(xs[0].dtype)
    return (xs[0].reshape(-1, m.shape[0]) @ m).reshape(shape)


def _avg_gather(torch: Any, xs: list[Any], s: dict[str, Any]) -> Any:
    x = xs[0]
    m = _window_matrix(torch, s, tuple(x.shape[-2:])).to(x.dtype)
    out = x.reshape(-1, m.shape[1]) @ m.T
    return out.reshape(*x.shape[:-2], len(s["rows"].start), len(s["cols"].start))


TORCH_OPS.update({
    "conv2d_weight": TorchRef(_conv2d_weight, "`torch.nn.grad.conv2d_weight(x, weight_size, "
                                              "dy, stride, padding, dilation, groups)`"),
    "max_pool2d_scatter": TorchRef(_max_scatter, "`zeros(P, H*W).scatter_add(1, argmax, dout)` "
                                                 "(argmax -1: nothing), reshaped to x_shape"),
    "max_pool2d_gather": TorchRef(_max_gather, "`x.reshape(P, H*W).gather(1, argmax)` (0 where "
                                               "argmax is -1)"),
    "avg_pool2d_scatter": TorchRef(_avg_scatter, "`dout @ M` with M[window, cell] = "
                                                 "1/divisor[window] for the cells of each "
                                                 "window"),
    "avg_pool2d_gather": TorchRef(_avg_gather, "`x @ M.T` with M[window, cell] = "
                                               "1/divisor[window] for the cells of each window"),
})
