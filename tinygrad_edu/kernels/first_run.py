"""The kernels the README's examples compile, in the order a training step first calls them.

Written by ``python -m tinygrad_edu.kernels.precompile --record``; read by ``precompile.py``.
"""

KERNELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ('tinygrad_edu.kernels.rng', 'affine', (
       'array(float32, 1d, C)', 'float32', 'float32')),
    ('tinygrad_edu.kernels.rng', 'swap_shuffle', (
       'array(uint64, 1d, C)', 'int64')),
    ('tinygrad_edu.kernels.conv', 'im2col', (
       'array(float32, 4d, C)', 'int64', 'int64', 'int64', 'int64', 'int64', 'int64', 'int64',
       'int64', 'int64', 'int64', 'int64', 'array(float32, 3d, C)', 'array(float32, 3d, C)')),
    ('tinygrad_edu.kernels.norm', '_channel_blocks', (
       'int64', 'int64')),
    ('tinygrad_edu.kernels.norm', 'batch_norm_stats_blocks', (
       'array(float32, 3d, C)', 'array(float64, 1d, C)', 'array(float64, 1d, C)', 'int64',
       'int64')),
    ('tinygrad_edu.kernels.norm', 'running_update', (
       'array(float32, 1d, C)', 'array(float64, 1d, C)', 'float64', 'float64')),
    ('tinygrad_edu.kernels.norm', 'batch_norm_fwd_blocks', (
       'array(float32, 3d, C)', 'array(float64, 1d, C)', 'array(float64, 1d, C)',
       'array(float32, 1d, C)', 'array(float32, 1d, C)', 'array(float32, 3d, C)', 'int64',
       'int64')),
    ('tinygrad_edu.kernels.elementwise', 'relu_range', (
       'array(float32, 1d, C)', 'array(float32, 1d, C)', 'array(bool, 1d, C)', 'int64',
       'int64')),
    ('tinygrad_edu.kernels.pool', 'max_pool_2x2_fwd_planes', (
       'array(float32, 3d, C)', 'array(float32, 3d, C)', 'array(int64, 3d, C)', 'int64',
       'int64')),
    ('tinygrad_edu.kernels.conv', 'im2row', (
       'array(float32, 4d, C)', 'int64', 'int64', 'int64', 'int64', 'int64', 'int64', 'int64',
       'int64', 'int64', 'array(int64, 1d, C)', 'array(int64, 2d, C)', 'array(float32, 1d, C)')),
    ('tinygrad_edu.kernels.conv', 'rows_to_maps', (
       'array(float32, 2d, C)', 'int64', 'int64', 'array(int64, 1d, C)',
       'array(float32, 1d, C)', 'array(float32, 3d, C)')),
    ('tinygrad_edu.kernels.rng', 'scaled_bernoulli', (
       'array(uint64, 1d, C)', 'float64', 'float64', 'array(float32, 1d, C)')),
    ('tinygrad_edu.kernels.loss', 'log_softmax_rows', (
       'array(float32, 2d, C)', 'array(float32, 2d, C)')),
    ('tinygrad_edu.kernels.loss', 'nll_rows', (
       'array(float32, 2d, C)', 'array(int64, 1d, C)', 'readonly array(float32, 1d, C)',
       'int64', 'array(int64, 1d, C)', 'array(float32, 1d, C)', 'array(float32, 1d, C)')),
    ('tinygrad_edu.kernels.loss', 'log_softmax_bwd_rows', (
       'array(float32, 2d, C)', 'array(float32, 2d, C)', 'array(float32, 2d, C)')),
    ('tinygrad_edu.kernels.pool', 'max_pool_2x2_bwd_planes', (
       'array(float32, 3d, C)', 'array(int64, 3d, C)', 'array(float32, 3d, C)', 'int64',
       'int64')),
    ('tinygrad_edu.kernels.elementwise', 'gate_range', (
       'array(float32, 1d, C)', 'array(bool, 1d, C)', 'array(float32, 1d, C)', 'int64',
       'int64')),
    ('tinygrad_edu.kernels.norm', 'batch_norm_bwd_blocks', (
       'array(float32, 3d, C)', 'array(float32, 3d, C)', 'array(float64, 1d, C)',
       'array(float64, 1d, C)', 'array(float32, 1d, C)', 'bool', 'array(float32, 3d, C)',
       'array(float64, 1d, C)', 'array(float64, 1d, C)', 'int64', 'int64')),
    ('tinygrad_edu.kernels.conv', 'maps_to_rows', (
       'array(float32, 3d, C)', 'int64', 'int64', 'array(int64, 1d, C)',
       'array(float32, 2d, C)')),
    ('tinygrad_edu.kernels.conv', 'row2im', (
       'array(float32, 1d, C)', 'int64', 'int64', 'int64', 'int64', 'int64', 'int64', 'int64',
       'int64', 'int64', 'array(int64, 1d, C)', 'array(int64, 2d, C)', 'array(float32, 4d, C)')),
)
