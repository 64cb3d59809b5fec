"""Numba kernels: ndarrays in, ndarrays out; they never see a Tensor.

Kernels compile lazily on first use and are cached on disk (``cache=True``).
"""
