"""The PyTorch names that course and tutorial code uses, per namespace: the checklist
``python -m tinygrad_edu.coverage`` holds at 100% present-or-explained.

The lists follow the project's survey of CS231n, d2l and the official PyTorch tutorials
(sections 1-2: the Tensor and ``torch.*``). A name belongs here when course-style code reaches
it; each must be present in tinygrad_edu or explained in ``tinygrad_edu/unsupported.py``.
Dotted names reach into submodules (``cuda.is_available`` is ``torch.cuda.is_available``).
"""

from __future__ import annotations

_ELEMENTWISE = """
abs abs_ absolute acos acosh add add_ addcdiv addcdiv_ addcmul addcmul_ arccos arcsin arctan
arctan2 asin asinh atan atan2 atanh ceil ceil_ clamp clamp_ clamp_max clamp_min clip clip_
cos cosh div div_ divide eq eq_ equal erf erfc erfinv exp exp2 exp_ expm1 fill_ float_power
floor floor_ floor_divide fmax fmin fmod frac ge greater greater_equal gt hypot isclose
isfinite isinf isnan isneginf isposinf le less less_equal lerp lerp_ log log10 log1p log2 log_
logical_and logical_not logical_or logical_xor logit lt maximum minimum mul mul_ multiply
nan_to_num ne neg neg_ negative not_equal pow pow_ reciprocal reciprocal_ relu relu_ remainder
round round_ rsqrt sigmoid sigmoid_ sign signbit sin sinh sqrt sqrt_ square sub sub_ subtract
tan tanh tanh_ true_divide trunc xlogy
"""

_REDUCE_INDEX = """
all amax amin aminmax any argmax argmin argsort bincount count_nonzero cummax cummin cumprod
cumsum diff gather histc index_add index_add_ index_copy_ index_fill index_fill_ index_select
kthvalue logsumexp masked_fill masked_fill_ masked_scatter masked_select max mean median min mode
nanmean nanmedian nansum nonzero norm prod quantile scatter scatter_ scatter_add scatter_add_
scatter_reduce sort std sum take take_along_dim topk unique unique_consecutive var argwhere
"""

_SHAPE_LINALG = """
T H mT addmm addmv baddbmm bmm broadcast_to cholesky chunk contiguous cross det diag
diag_embed diagonal dim dot expand expand_as flatten flip fliplr flipud inner inverse
is_contiguous logdet matmul matrix_power mm moveaxis movedim mv narrow ndim ndimension
numel nelement outer permute pinverse repeat repeat_interleave reshape reshape_as
resize_ roll rot90 shape size slogdet split squeeze squeeze_ stride swapaxes swapdims t t_
tile transpose transpose_ tril tril_ triu triu_ unbind unflatten unfold unsqueeze unsqueeze_
view view_as as_strided kron trace element_size
"""

_TENSOR_CORE = """
backward bernoulli bernoulli_ bfloat16 bool byte char clone copy_ cpu cuda data detach detach_
device double dtype exponential_ float get_device grad grad_fn half int is_cuda is_floating_point
is_leaf item long multinomial new_empty new_full new_ones new_tensor new_zeros normal_ numpy
pin_memory random_ register_hook requires_grad requires_grad_ retain_grad short softmax
log_softmax to tolist type type_as uniform_ zero_ apply_ is_pinned __floordiv__
__rfloordiv__ __mod__ __rmod__ __ipow__ __lshift__ __rshift__ __contains__
__and__ __or__ __xor__ __invert__ __matmul__ __rmatmul__ __len__ __iter__ __getitem__
__setitem__ __abs__ __neg__ __pow__ __rpow__ __truediv__ __rtruediv__ __itruediv__
"""

_TORCH = """
Generator Size Tensor abs acos all allclose amax amin any arange argmax argmin argsort
argwhere as_tensor asin atan atan2 bernoulli bfloat16 bincount block_diag bmm bool
broadcast_shapes broadcast_tensors bucketize cartesian_prod cat cdist ceil chunk clamp clip
clone concat concatenate cos cosh count_nonzero cov corrcoef cross cummax cumprod cumsum
det device diag diag_embed diagonal diff dist dot double dtype einsum empty empty_like
enable_grad eq equal erf exp expm1 eye finfo flatten flip float float16 float32 float64 floor
floor_divide fmod from_numpy full full_like gather ge get_default_dtype get_num_threads
get_rng_state gt half histc hstack iinfo index_select inference_mode initial_seed int int16
int32 int64 int8 inverse is_floating_point is_grad_enabled is_tensor isclose isfinite isinf
isnan kron kthvalue le lerp linspace load log log10 log1p log2 log_softmax logical_and
logical_not logical_or logspace logsumexp long lt manual_seed masked_select matmul max
maximum mean median meshgrid min minimum mm mode moveaxis movedim multinomial mv nan_to_num
nanmean nansum narrow ne neg no_grad nonzero norm normal numel ones ones_like outer permute
pow prod promote_types quantile rand rand_like randint randint_like randn randn_like randperm
reciprocal relu remainder repeat_interleave reshape result_type roll round rsqrt save
scatter scatter_add searchsorted seed set_default_dtype set_grad_enabled set_num_threads
set_printoptions set_rng_state sigmoid sign sin sinh softmax sort split sqrt square squeeze
stack std std_mean sub sum swapaxes t take take_along_dim tan tanh tensor tile topk trace
transpose tril triu uint8 unbind unique unsqueeze var var_mean vstack where zeros zeros_like
short cfloat
FloatTensor DoubleTensor LongTensor IntTensor BoolTensor ByteTensor
cuda.is_available cuda.device_count backends.mps.is_available backends.cudnn.deterministic
backends.cudnn.benchmark accelerator.is_available accelerator.current_accelerator
autograd.grad autograd.backward autograd.Function autograd.Variable autograd.detect_anomaly
autograd.set_detect_anomaly autograd.functional autograd.gradcheck
linalg.norm linalg.vector_norm linalg.matrix_norm linalg.inv linalg.det linalg.slogdet
linalg.solve linalg.svd linalg.svdvals linalg.qr linalg.eigh linalg.eigvalsh linalg.cholesky
linalg.pinv linalg.matrix_rank
special.erf special.erfc special.expit special.logit special.xlogy special.log_softmax
special.softmax special.expm1 special.log1p
testing.assert_close
compile jit fft func vmap amp autocast distributed multiprocessing hub profiler onnx
distributions utils.data utils.checkpoint
"""

COURSE: dict[str, tuple[str, ...]] = {
    "Tensor": tuple(sorted(set((_ELEMENTWISE + _REDUCE_INDEX + _SHAPE_LINALG
                                + _TENSOR_CORE).split()))),
    "torch": tuple(sorted(set(_TORCH.split()))),
}
