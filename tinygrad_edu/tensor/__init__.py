"""The Tensor package: the class, its method families, and the functions that make tensors.

Reading order: ``base.py`` (the fields), ``core.py`` (the class: grad, backward, detach, hooks,
versions), then one module per method family (``convert``, ``arithmetic``, ``reduce``,
``shape``, ``inplace``, ``devices``, ``rearrange``, ``matrix``; more elementwise math in
``pointwise``, comparisons and bit logic in ``compare``, their in-place ``_`` versions in
``inplace_math``), ``printing``, and the ``torch.*``-style functions: ``creation``
(``tg.zeros``, ``tg.randn``, ...), ``functions`` (``tg.cat``, ``tg.where``, ...),
``functions_shape`` (``tg.einsum``, ``tg.meshgrid``, ...) and ``linalg`` (``tg.linalg``).
``size.py`` is ``torch.Size``.
"""

from .convert import as_array, as_tensor_like
from .core import HookHandle, Tensor
from .reduce import MaxMin
from .size import Size

__all__ = ["HookHandle", "MaxMin", "Size", "Tensor", "as_array", "as_tensor_like"]
