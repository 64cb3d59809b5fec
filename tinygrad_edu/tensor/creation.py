"""Creating tensors: from data, filled, ranges and random (seeded by ``manual_seed``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, random_dist
from ..checks import check_number, check_scalar, count_arg, int_arg, size_arg
from ..random import Generator, default_generator, get_generator
from .convert import as_array, check_no_str_list
from .core import Tensor
from .front_door import front_door


def _size(size: tuple[Any, ...], name: str) -> tuple[int, ...]:
    return size_arg(size, name)


def _finish(array: Any, dtype: Any, requires_grad: bool, device: Any, name: str) -> Tensor:
    dtypes.check_device(device, name)
    t = Tensor(array if dtype is None else np.asarray(array, dtypes.to_dtype(dtype, name)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
           ) -> Tensor:
    """A new tensor with a copy of ``data`` (numbers, nested lists, ndarrays or a Tensor).

    Python floats give the default dtype (float32; ``set_default_dtype``), ints int64 and
    bools bool, mixed lists the promoted type; ndarrays keep their dtype (uint8 stays uint8).
    """
    dtypes.check_device(device, "tensor")
    check_no_str_list(data, "tensor")
    t = Tensor(np.array(as_array(data, dtype), copy=True))
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(array: np.ndarray[Any, Any]) -> Tensor:
    """A tensor sharing memory with ``array`` (changes show on both sides)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    dtypes.of_numpy(array.dtype, "from_numpy")  # a clear error for complex, uint64, ...
    return Tensor(array)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
          ) -> Tensor:
    """A tensor of zeros (the default dtype, float32, unless ``dtype`` says otherwise)."""
    dt = dtypes.to_dtype(dtype or dtypes.get_default_dtype(), "zeros")
    return _finish(np.zeros(_size(size, "zeros"), dtype=dt),
                   None, requires_grad, device, "zeros")


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
         ) -> Tensor:
    """A tensor of ones (the default dtype, float32, unless ``dtype`` says otherwise)."""
    dt = dtypes.to_dtype(dtype or dtypes.get_default_dtype(), "ones")
    return _finish(np.ones(_size(size, "ones"), dtype=dt),
                   None, requires_grad, device, "ones")


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
          ) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on garbage)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value like PyTorch."""
    check_scalar(fill_value, "fill_value", "full")
    dtype = dtype or as_array(fill_value, None).dtype
    return _finish(np.full(_size((size,), "full"), fill_value, dtype=dtypes.to_dtype(dtype)),
                   None, requires_grad, device, "full")


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 when all are ints."""
    if end is None:
        start, end = 0, start
    if any(isinstance(v, str | bytes) or v is None for v in (start, end, step)):
        raise TypeError(f"arange: start, end and step must be numbers, got {start!r}, {end!r}, "
                        f"{step!r}")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign: "
                           f"start={start}, end={end}, step={step}")
    is_int = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dtype = dtype or (dtypes.int64 if is_int else dtypes.get_default_dtype())
    values = np.arange(start, end, step, dtype=np.float64 if not is_int else np.int64)
    return _finish(values, dtype, requires_grad, device, "arange")


def _check_bounds(start: Any, end: Any, name: str) -> None:
    """``start`` and ``end`` are numbers (bools too, as 0 and 1) or 0-d tensors, as PyTorch
    takes them."""
    for arg, value in (("start", start), ("end", end)):
        if not (isinstance(value, Tensor) and value.ndim == 0 or isinstance(value, bool)):
            check_number(value, arg, name)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_bounds(start, end, "linspace")
    steps = count_arg(steps, "linspace", "steps")
    return _finish(np.linspace(start, end, steps), dtype or dtypes.get_default_dtype(),
                   requires_grad, device, "linspace")


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in the exponent."""
    _check_bounds(start, end, "logspace")
    steps = count_arg(steps, "logspace", "steps")
    return _finish(np.logspace(start, end, steps, base=base), dtype or dtypes.get_default_dtype(),
                   requires_grad, device, "logspace")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor of ``data`` that shares its memory when it can (torch's ``as_tensor``): a Tensor
    of the same dtype is returned as it is, a numpy array of a supported dtype is wrapped
    without a copy; anything else is copied as ``tg.tensor`` would."""
    dtypes.check_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        try:
            return from_numpy(data)
        except (TypeError, ValueError):
            pass  # a dtype from_numpy refuses: copy and convert like tensor()
    return tensor(data, dtype=dtype)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:
    """An identity matrix of shape (n, m)."""
    n = count_arg(n, "eye", "n")
    m = n if m is None else count_arg(m, "eye", "m")
    return _finish(np.eye(n, m), dtype or dtypes.get_default_dtype(), requires_grad, device, "eye")


def _random_dtype(dtype: Any, name: str) -> np.dtype[Any]:
    dt = dtypes.to_dtype(dtype or dtypes.get_default_dtype(), name)
    if dt.kind != "f":  # NotImplementedError is a RuntimeError, as PyTorch raises it
        raise NotImplementedError(f"{name}: not implemented for {dt}; expected a floating "
                                  "dtype (float32 or float64)")
    return dt


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None,
         requires_grad: bool = False, device: Any = None) -> Tensor:
    """Uniform random numbers in [0, 1): PyTorch's numbers for the same seed.

    Example:
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> tg.rand(3)
        tensor([0.4963, 0.7682, 0.0885])
    """
    dt = _random_dtype(dtype, "rand")
    values = random_dist.uniform(get_generator(generator, "rand"), _size(size, "rand"), dt)
    return _finish(values, None, requires_grad, device, "rand")


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal random numbers: PyTorch's numbers for the same seed.

    Example:
        >>> import tinygrad_edu as tg
        >>> _ = tg.manual_seed(0)
        >>> tg.randn(3)
        tensor([ 1.5410, -0.2934, -2.1788])
    """
    dt = _random_dtype(dtype, "randn")
    values = random_dist.normal(get_generator(generator, "randn"), _size(size, "randn"), dt)
    return _finish(values, None, requires_grad, device, "randn")


def randint(low: int, high: Any = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Random integers in [low, high); also ``randint(high, size)`` like PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: missing the 'size' argument, e.g. randint(0, 10, (3,))")
    if not isinstance(size, list | tuple):
        raise TypeError(f"randint: size must be a tuple of ints, got {size!r}; e.g. "
                        "randint(0, 10, (3,))")
    low, high = int_arg(low, "randint", "low"), int_arg(high, "randint", "high")
    if not low < high:
        raise RuntimeError(f"randint: expects 'low' to be less than 'high', got low={low}, "
                           f"high={high}")
    dt = dtypes.to_dtype(dtype or dtypes.int64, "randint")
    values = random_dist.integers(get_generator(generator, "randint"),
                                  _size((size,), "randint"), int(low), int(high), dt)
    return _finish(values, None, requires_grad, device, "randint")


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (PyTorch's for the same seed)."""
    n = count_arg(n, "randperm", "n")
    values = random_dist.permutation(get_generator(generator, "randperm"), n)
    return _finish(values, dtype or dtypes.int64, requires_grad, device, "randperm")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *,
           generator: Generator | None = None, dtype: Any = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:
    """Normal random numbers with elementwise ``mean`` and ``std`` (tensors or numbers).

    Forms (as ``torch.normal``): ``normal(mean_t, std_t)`` (broadcast shapes),
    ``normal(mean_t, std=1.0)``, ``normal(mean, std_t)``, ``normal(mean, std, size)``.
    With a tensor the numbers are standard normals scaled as ``z * std + mean`` (two steps,
    as PyTorch does; with a number ``std`` it goes into the draw).
    """
    gen = get_generator(generator, "normal")
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal: with numbers for mean and std, give a size, e.g. "
                            "normal(0.0, 1.0, size=(3,))")
        dt = _random_dtype(dtype, "normal")
        out = zeros(*_size((size,), "normal"), dtype=dt)
        return _finish(out.normal_(mean, std, generator=gen)._data, None, requires_grad,
                       device, "normal")
    if size is not None:
        raise TypeError("normal: size is only for number mean and std")
    if std_t and np.any(std._data < 0):
        raise RuntimeError("normal: expects all elements of std >= 0.0")
    if not std_t and not std >= 0:
        raise RuntimeError(f"normal: expects std >= 0.0, but found std {std}")
    like = mean if mean_t else std
    shape = np.broadcast_shapes(mean.shape if mean_t else (), std.shape if std_t else ())
    out = zeros(*shape, dtype=like.dtype)
    if std_t:
        z = out.normal_(0.0, 1.0, generator=gen)._data
        values = z * std._data.astype(z.dtype) + (mean._data if mean_t else mean)
    else:
        values = out.normal_(0.0, std, generator=gen)._data + mean._data
    return _finish(np.asarray(values, dtype=like.dtype), None, requires_grad, device, "normal")


def bernoulli(input: Tensor, p: Any = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 draws, 1 with probability ``input`` elementwise (or ``p`` for every element)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli: expected a Tensor, got {type(input).__name__}")
    return input.bernoulli(p, generator=generator)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Category indices drawn with the weights in ``input``'s last dim (see Tensor method)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial: expected a Tensor, got {type(input).__name__}")
    return input.multinomial(num_samples, replacement, generator=generator)


def get_rng_state() -> Tensor:
    """The global generator's state: PyTorch's 5056 bytes (``set_rng_state`` restores it)."""
    return Tensor(default_generator.get_state())


def set_rng_state(new_state: Any) -> None:
    """Restore the global generator from ``get_rng_state`` (ours or PyTorch's, as bytes)."""
    default_generator.set_state(as_array(new_state, None))


def _like(fn: Any, t: Tensor, dtype: Any, requires_grad: bool, device: Any) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn.__name__}_like: expected a Tensor, got {type(t).__name__}")
    dtypes.check_device(device, fn.__name__ + "_like")
    dt = dtypes.to_dtype(dtype) if dtype is not None else t.dtype
    return fn(t.shape, dtype=dt, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None
               ) -> Tensor:
    """Zeros with ``t``'s shape and dtype."""
    return _like(zeros, t, dtype, requires_grad, device)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None
              ) -> Tensor:
    """Ones with ``t``'s shape and dtype."""
    return _like(ones, t, dtype, requires_grad, device)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None
               ) -> Tensor:
    """An uninitialised (zero) tensor with ``t``'s shape and dtype."""
    return _like(zeros, t, dtype, requires_grad, device)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """``fill_value`` with ``t``'s shape and dtype."""
    dt = dtypes.to_dtype(dtype) if dtype is not None else t.dtype
    return full(t.shape, fill_value, dtype=dt, requires_grad=requires_grad, device=device)


def rand_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None
              ) -> Tensor:
    """Uniform [0, 1) numbers with ``t``'s shape and dtype."""
    return _like(rand, t, dtype, requires_grad, device)


def randn_like(t: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None
               ) -> Tensor:
    """Standard normal numbers with ``t``'s shape and dtype."""
    return _like(randn, t, dtype, requires_grad, device)


def randint_like(t: Tensor, low: int, high: int | None = None, dtype: Any = None,
                 requires_grad: bool = False, device: Any = None) -> Tensor:
    """Random integers in [low, high) with ``t``'s shape and dtype (``randint_like(t, high)``)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"randint_like: expected a Tensor, got {type(t).__name__}")
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad,
                   device=device)



# Each function checks its Tensor arguments (``zeros_like(None)``) and names itself in the
# errors of the functions it calls ("empty: zeros(): argument 'size' must be tuple of ints ...").
for _name in ("tensor", "from_numpy", "zeros", "ones", "empty", "full", "arange", "linspace",
              "logspace", "as_tensor", "eye", "rand", "randn", "randint", "randperm", "normal",
              "bernoulli", "multinomial", "zeros_like", "ones_like", "empty_like", "full_like",
              "rand_like", "randn_like", "randint_like"):
    globals()[_name] = front_door(globals()[_name], _name)
