"""``tg.autograd.functional``: derivatives of a whole function, first and second order.

PyTorch's ``torch.autograd.functional`` differentiates a function ``f(inputs)`` rather than a
recorded graph. Everything here is built from one tool, ``autograd.grad``, which computes a
vector-Jacobian product ``v^T J`` (one backward pass):

- ``vjp(f, x, v)`` is that product itself;
- ``jacobian(f, x)`` is every ``dy_i/dx_j``: one ``vjp`` per output element, with a one-hot
  ``v`` picking row ``i`` of ``J``;
- ``jvp(f, x, v)``, ``J v``, is a *forward* derivative, but a backward engine can get it by the
  **double-backward trick**: ``g(u) = u^T J`` is linear in a dummy ``u``, so the gradient of
  ``g(u) . v`` with respect to ``u`` is ``J v``. That needs the backward pass itself to be a
  graph (``create_graph=True``);
- ``hessian(f, x)`` is the Jacobian of the gradient; ``vhp(f, x, v)`` is ``v^T H`` (the
  gradient of ``grad f . v``) and ``hvp(f, x, v)`` is ``H v`` (the double-backward trick once
  more; for a twice continuously differentiable ``f`` the Hessian is symmetric and
  ``hvp == vhp``).

The arguments and the structure of the results follow PyTorch: ``inputs`` is a Tensor or a
tuple of Tensors and results have the same nesting; ``create_graph=True`` returns results that
are graphs themselves (differentiable again); ``strict=True`` raises PyTorch's errors when an
output does not depend on an input instead of returning zeros. ``vectorize=True`` is accepted
but computes the rows one at a time (PyTorch batches them with ``vmap``; there is no ``vmap``
here): the results are the same, only slower for wide Jacobians. ``strategy="forward-mode"``
(and ``hessian``'s ``outer_jacobian_strategy``) builds the Jacobian column by column with the
double-backward trick instead of row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import numpy as np

from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from .gradients import grad
from .graph import apply_op, is_graph_tensor
from .higher import seeds_only

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# ----------------------------------------------------------------------------- plumbing

def _as_tuple(inp: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Any, ...]]:
    """``(was_tuple, tensors)``: a Tensor becomes a 1-tuple; anything else must be Tensors."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not is_graph_tensor(el):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where} has type {type(el)}.")
    return is_tuple, items


def _tuple_postprocess(res: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo ``_as_tuple``: unwrap the 1-tuples of a caller that passed single Tensors."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs: tuple[Any, ...], create_graph: bool, need_graph: bool
                     ) -> tuple[Any, ...]:
    """Fresh tensors to differentiate at: detached copies, or (``create_graph`` and the input
    requires grad) a view, so the result stays connected to the caller's graph."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad
                 else t.detach().requires_grad_(need_graph) for t in inputs)


def _grad_postprocess(inputs: Any, create_graph: bool) -> Any:
    """Detach the results unless ``create_graph`` (works on tuples of tuples too)."""
    if is_graph_tensor(inputs[0]):
        return inputs if create_graph else tuple(t.detach() for t in inputs)
    return tuple(_grad_postprocess(t, create_graph) for t in inputs)


def _zeros_like(t: Any, requires_grad: bool = False) -> Any:
    return t._wrap(np.zeros_like(t._data)).requires_grad_(requires_grad)


def _validate_v(v: tuple[Any, ...], other: tuple[Any, ...], is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other, strict=True)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but "
                               f"got {el_v.size()}.")


_NOT_REQUIRING = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should "
               "ensure that your function is thrice differentiable and that the hessian "
               "depends on the inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of "
                   "the user-provided function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when "
               "running in strict mode.",
}


def _check_requires_grad(tensors: Any, input_type: str, strict: bool) -> None:
    """In strict mode, every tensor must exist and require grad (PyTorch's messages)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_NOT_REQUIRING[input_type].format(i=i))


def _autograd_grad(outputs: tuple[Any, ...], inputs: tuple[Any, ...],
                   grad_outputs: tuple[Any, ...] | None = None, create_graph: bool = False,
                   retain_graph: bool | None = None) -> tuple[Any, ...]:
    """``autograd.grad`` over the outputs that require grad; ``None`` for unused inputs."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs, strict=True)
             if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs], allow_unused=True,
                create_graph=create_graph, retain_graph=retain_graph)


_STRICT_ZEROS = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _fill_in_zeros(grads: tuple[Any, ...], refs: tuple[Any, ...], strict: bool,
                   create_graph: bool, stage: str) -> tuple[Any, ...]:
    """Zeros (the mathematically right value) where a gradient is ``None``, or, in strict
    mode, PyTorch's error for that stage."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_ZEROS[stage].format(i=i))
            g = _zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return tuple(res)


def _preprocess_v(v: Any, refs: tuple[Any, ...], is_refs_tuple: bool, create_graph: bool,
                  fn: str, none_message: str) -> tuple[Any, ...] | None:
    """``v`` as a checked tuple of tensors shaped like ``refs`` (``None`` only if allowed)."""
    if v is not None:
        _, vs = _as_tuple(v, "v", fn)
        vs = _grad_preprocess(vs, create_graph=create_graph, need_graph=False)
        _validate_v(vs, refs, is_refs_tuple)
        return vs
    if len(refs) != 1 or refs[0].nelement() != 1:
        raise RuntimeError(none_message)
    return None


def _seeds_only(create_graph: bool, strict: bool) -> Any:
    """For the double-backward trick's ``u^T J``: ``higher.seeds_only`` unless the result
    must be differentiable (``create_graph``) or strict mode checks what the gradients
    require (its errors then stay PyTorch's, case for case)."""
    return nullcontext() if create_graph or strict else seeds_only()


_V_NONE_INPUT = ("The vector v can only be None if the input to the user-provided function is "
                 "a single Tensor with a single element.")


# ----------------------------------------------------------------------------- first order

def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: one backward pass with ``v`` as ``grad_outputs``.

    Args:
        func: takes the input Tensors, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: shaped like the output(s); may be None when the output has one element.
        create_graph: results are graphs (differentiable again).
        strict: raise if an input does not influence the outputs (instead of zeros).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.autograd.functional.vjp(lambda x: x ** 2, tg.tensor([1.0, 3.0]), tg.ones(2))
        (tensor([1., 9.]), tensor([2., 6.]))
    """
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        ins = _grad_preprocess(ins, create_graph=create_graph, need_graph=True)
        is_outputs_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function",
                                           "vjp")
        _check_requires_grad(outs, "outputs", strict=strict)
        vs = _preprocess_v(v, outs, is_outputs_tuple, create_graph, "vjp",
                           "The vector v can only be None if the user-provided function "
                           "returns a single Tensor with a single element.")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(outs, ins, vs, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, ins, strict, create_graph, "back")
    return (_tuple_postprocess(_grad_postprocess(outs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_inputs_tuple))


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)`` by the double-backward trick, as PyTorch computes it.

    With a dummy ``u`` shaped like the output, ``g(u) = u^T J`` is one backward pass recorded
    as a graph (``create_graph=True``). ``g`` is linear in ``u``, so the backward of ``g``
    with ``v`` as its ``grad_outputs`` is ``d(g . v)/du = J v``: two backward passes give a
    forward derivative. Arguments as in ``vjp``; ``v`` is shaped like the input(s).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.autograd.functional.jvp(lambda x: x ** 2, tg.tensor([1.0, 3.0]), tg.ones(2))
        (tensor([1., 9.]), tensor([2., 6.]))
    """
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
        ins = _grad_preprocess(ins, create_graph=create_graph, need_graph=True)
        vs = _preprocess_v(v, ins, is_inputs_tuple, create_graph, "jvp", _V_NONE_INPUT)
        is_outputs_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function",
                                           "jvp")
        _check_requires_grad(outs, "outputs", strict=strict)
        dummies = tuple(_zeros_like(o, requires_grad=True) for o in outs)  # the u above
        with _seeds_only(create_graph, strict):
            grad_inputs = _autograd_grad(outs, ins, dummies, create_graph=True)  # u^T J
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    with set_grad_enabled(True) if create_graph else nullcontext():
        grad_res = _autograd_grad(grad_inputs, dummies, vs, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outs, strict, create_graph, "back_trick")
    return (_tuple_postprocess(_grad_postprocess(outs, create_graph), is_outputs_tuple),
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_outputs_tuple))


# ----------------------------------------------------------------------------- jacobian

def _stack_rows(rows: list[Any], shape: tuple[int, ...]) -> Any:
    """Stack same-shaped tensors along a new first dim (recorded: a ``cat`` of reshapes)."""
    return apply_op("cat", *[r.reshape(1, *r.shape) for r in rows], dim=0).reshape(shape)


def _jac_reverse(outs: tuple[Any, ...], ins: tuple[Any, ...], create_graph: bool,
                 strict: bool) -> tuple[tuple[Any, ...], ...]:
    """Row by row: row ``m`` of ``d out_i / d in`` is ``e_m^T J``, a backward with a one-hot
    ``grad_outputs``."""
    jacobian = []
    for i, out in enumerate(outs):
        rows: list[list[Any]] = [[] for _ in ins]
        for m in range(out.nelement()):
            onehot = np.zeros(out._data.size, dtype=out._data.dtype)
            onehot[m] = 1
            vj = _autograd_grad((out,), ins, (out._wrap(onehot.reshape(out._data.shape)),),
                                retain_graph=True, create_graph=create_graph)
            for j, (g, t) in enumerate(zip(vj, ins, strict=True)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is "
                                           f"independent of input {j}. This is not allowed "
                                           "in strict mode.")
                    g = _zeros_like(t)
                elif strict and create_graph and not g.requires_grad:
                    raise RuntimeError("The jacobian of the user-provided function is "
                                       f"independent of input {i}. This is not allowed in "
                                       "strict mode when create_graph=True.")
                rows[j].append(g)
        if not out.nelement():  # PyTorch stacks the (no) rows and fails the same way
            raise RuntimeError("stack expects a non-empty TensorList")
        jacobian.append(tuple(_stack_rows(r, tuple(out.shape) + tuple(t.shape))
                              for r, t in zip(rows, ins, strict=True)))
    return tuple(jacobian)


def _jac_forward(func: Callable[..., Any], inputs: tuple[Any, ...]
                 ) -> tuple[bool, list[list[Any]]]:
    """Column by column: column ``k`` of ``J`` is ``J e_k``, a ``jvp`` with a one-hot ``v``
    over all the inputs' elements (PyTorch uses forward-mode AD and ``vmap`` here)."""
    basis = []
    for j, t in enumerate(inputs):
        for k in range(t.nelement()):
            e = [_zeros_like(s) for s in inputs]
            e[j]._data.reshape(-1)[k] = 1
            basis.append(tuple(e))
    outputs, is_outputs_tuple = None, False
    columns: list[tuple[Any, ...]] = []
    connected = any(t.requires_grad for t in inputs)  # PyTorch's result then has a graph too
    for e in basis:
        out, col = jvp(func, inputs, e, create_graph=connected)
        is_outputs_tuple = isinstance(out, tuple)
        outputs = out if is_outputs_tuple else (out,)
        columns.append(col if is_outputs_tuple else (col,))
    if outputs is None:  # no input elements: PyTorch's vmap fails the same way
        raise RuntimeError("jacobian: forward-mode needs at least one input element")
    jac = []
    for i, out in enumerate(outputs):
        per_input, start = [], 0
        for t in inputs:
            cols = [c[i] for c in columns[start:start + t.nelement()]]
            start += t.nelement()
            stacked = _stack_rows(cols, (t.nelement(), *out.shape))  # (n_in, *out)
            order = (*range(1, stacked.ndim), 0)
            per_input.append(stacked.permute(*order).reshape(*out.shape, *t.shape))
        jac.append(per_input)
    return is_outputs_tuple, jac  # lists, as PyTorch's forward mode returns


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: every ``d output_i / d input_j``.

    Args:
        func: takes the input Tensors, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: the Jacobian is a graph (differentiable again, as ``hessian`` needs).
        strict: raise if an output does not depend on an input (instead of zeros).
        vectorize: accepted for PyTorch's signature; the rows are still computed one at a
            time (a loop, not ``vmap``), which gives the same values.
        strategy: ``"reverse-mode"`` (one backward per output element, best when there are
            fewer outputs than inputs) or ``"forward-mode"`` (one double-backward ``jvp`` per
            input element; like PyTorch, it needs ``vectorize=True`` and does not support
            ``create_graph`` or ``strict``).

    Returns:
        For one input and one output, a Tensor of shape ``output.shape + input.shape``; for a
        tuple of inputs, a tuple per input; for a tuple of outputs, a tuple per output (of
        those).

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.autograd.functional.jacobian(lambda x: x ** 2, tg.tensor([1.0, 3.0]))
        tensor([[2., 0.],
                [0., 6.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer to '
                             'use "reverse-mode".')
    if strategy == "forward-mode":
        return _jacobian_forward(func, inputs, create_graph, strict, vectorize)
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _grad_preprocess(ins, create_graph=create_graph, need_graph=True)
        is_outputs_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function",
                                           "jacobian")
        _check_requires_grad(outs, "outputs", strict=strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either "
                               "set `strict=False` or `vectorize=False`.")
        jac = _grad_postprocess(_jac_reverse(outs, ins, create_graph, strict), create_graph)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def _jacobian_forward(func: Callable[..., Any], inputs: Any, create_graph: bool,
                      strict: bool, vectorize: bool) -> Any:
    """``jacobian(strategy="forward-mode")`` with PyTorch's restrictions."""
    if create_graph:
        raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` and "
                                  '`strategy="forward-mode"` are not supported together (yet). '
                                  "Please either set `create_graph=False` or "
                                  '`strategy="reverse-mode"`.')
    if strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           '`strategy="forward-mode"` are not supported together (yet). '
                           'Please either set `strict=False` or `strategy="reverse-mode"`.')
    is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    is_outputs_tuple, jac = _jac_forward(func, ins)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


# ----------------------------------------------------------------------------- second order

def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: the Jacobian of its gradient.

    The inner gradient is computed with ``create_graph=True`` so that it is a graph of the
    inputs; the outer ``jacobian`` differentiates that graph, one row per input element.

    Args:
        func: takes the input Tensors, returns a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        create_graph, strict, vectorize: as in ``jacobian`` (``vectorize`` loops).
        outer_jacobian_strategy: the ``strategy`` of the outer Jacobian.

    Returns:
        For one input, a Tensor of shape ``input.shape + input.shape``; for a tuple of inputs,
        a tuple of tuples: ``H[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``.

    Example:
        >>> import tinygrad_edu as tg
        >>> tg.autograd.functional.hessian(lambda x: (x ** 3).sum(), tg.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp: Any) -> Any:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not is_graph_tensor(out):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp: Any) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, ins, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_function_and_gradient(func: Callable[..., Any], inputs: Any, v: Any,
                                  create_graph: bool, strict: bool, fn: str
                                  ) -> tuple[bool, tuple[Any, ...], tuple[Any, ...] | None,
                                             Any, tuple[Any, ...]]:
    """Shared start of ``vhp`` and ``hvp``: checked inputs and ``v``, ``func``'s single
    output, and its gradient recorded as a graph (``create_graph=True``)."""
    is_inputs_tuple, ins = _as_tuple(inputs, "inputs", fn)
    ins = _grad_preprocess(ins, create_graph=create_graph, need_graph=True)
    vs = _preprocess_v(v, ins, is_inputs_tuple, create_graph, fn, _V_NONE_INPUT)
    is_outputs_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", fn)
    _check_requires_grad(outs, "outputs", strict=strict)
    if is_outputs_tuple or not is_graph_tensor(outs[0]):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain "
                           "a single element")
    jac = _autograd_grad(outs, ins, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, ins, vs, outs, jac


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T H)``: the gradient of ``grad f . v`` (two backward passes).

    ``func`` returns a single-element Tensor; ``v`` is shaped like the input(s). Arguments as
    in ``vjp``.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, 2.0])
        >>> tg.autograd.functional.vhp(lambda x: (x ** 3).sum(), x, tg.ones(2))
        (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, ins, vs, outs, jac = _scalar_function_and_gradient(
            func, inputs, v, create_graph, strict, "vhp")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(jac, ins, vs, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, ins, strict, create_graph, "double_back")
    return (_grad_postprocess(outs, create_graph)[0],
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_inputs_tuple))


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` by the double-backward trick, as PyTorch computes it.

    ``g = grad f`` is a graph; ``u^T (dg/dx)`` for a dummy ``u`` is a third graph, linear in
    ``u``, and its gradient with respect to ``u`` with ``v`` as ``grad_outputs`` is ``H v``.
    (Three backward passes where ``vhp`` needs two; the values agree when ``H`` is
    symmetric.) Arguments as in ``vhp``.

    Example:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, 2.0])
        >>> tg.autograd.functional.hvp(lambda x: (x ** 3).sum(), x, tg.ones(2))
        (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, ins, vs, outs, jac = _scalar_function_and_gradient(
            func, inputs, v, create_graph, strict, "hvp")
        dummies = tuple(_zeros_like(t, requires_grad=True) for t in ins)  # the u above
        with _seeds_only(create_graph, strict):
            double_back = _autograd_grad(jac, ins, dummies, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(double_back, dummies, vs, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, ins, strict, create_graph, "double_back_trick")
    return (_grad_postprocess(outs, create_graph)[0],
            _tuple_postprocess(_grad_postprocess(result, create_graph), is_inputs_tuple))
