"""From values to TensorBoard's protocol buffers: one ``Summary`` per kind of data.

An event file is a sequence of ``Event`` records; most events carry a ``Summary``, a list of
``Summary.Value`` entries, each with a ``tag`` (the name TensorBoard shows) and one payload:

- a scalar is ``simple_value`` (a float);
- a histogram is a ``HistogramProto``: min, max, count, sum, sum of squares, and the counts
  of the buckets with their right edges (``bucket_limit``);
- an image is ``Summary.Image``: height, width, channels and the PNG bytes;
- text and hyperparameters are tensors or empty values whose ``metadata.plugin_data`` names
  the TensorBoard plugin that reads them ("text", "hparams").

The functions here build those protos from numpy arrays exactly as PyTorch's
``torch.utils.tensorboard`` does (same bucket edges, same 8-bit scaling of images, same
plugin data), so TensorBoard shows a tinygrad_edu run and a PyTorch run the same way.
``writer.py`` wraps them in events; nothing here touches a file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
from google.protobuf import struct_pb2
from numpy.typing import NDArray
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ...tensor import Tensor

Array = NDArray[Any]

__all__ = ["default_bins", "histogram", "hparams", "image", "scalar", "text", "to_numpy"]


def to_numpy(value: Any, method: str, what: str) -> Array:
    """A Tensor, numpy array, Python number or nested list as a numpy array.

    ``method`` and ``what`` name the caller and the argument in the error for other types.
    """
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    if isinstance(value, np.ndarray | np.generic | int | float | bool | list | tuple):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return array
    raise TypeError(f"{method}: {what} must be a Tensor, a numpy array or a number, got "
                    f"{type(value).__name__}"
                    + (f" {value!r}" if isinstance(value, str) else ""))


# ----------------------------------------------------------------------------- scalars

def scalar(method: str, tag: str, value: Any, new_style: bool = False,
           double_precision: bool = False) -> Summary:
    """One number: classic ``simple_value`` (a 32-bit float), or with ``new_style`` a
    one-element tensor for the "scalars" plugin (float32, or float64 with
    ``double_precision``)."""
    array = to_numpy(value, method, "the value")
    if array.size != 1:
        raise ValueError(f"{method}: expected one number for {tag!r}, got an array of shape "
                         f"{tuple(array.shape)} ({array.size} values)")
    number = float(array.reshape(()))
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    tensor = TensorProto(double_val=[number], dtype="DT_DOUBLE") if double_precision else \
        TensorProto(float_val=[number], dtype="DT_FLOAT")
    plugin = SummaryMetadata.PluginData(plugin_name="scalars")
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor,
                                        metadata=SummaryMetadata(plugin_data=plugin))])


# ----------------------------------------------------------------------------- histograms

@cache
def default_bins() -> tuple[float, ...]:
    """TensorFlow's bucket edges: 0 and +-1e-12 * 1.1**k up to 1e20 (1549 edges).

    The edges grow by 10% per bucket, so the histogram has the same relative resolution at
    every scale. They are built by repeated multiplication, as TensorFlow and PyTorch build
    them, so the floats (and hence the counts) are identical to theirs.
    """
    positive = []
    v = 1e-12
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    return tuple([-p for p in reversed(positive)] + [0.0] + positive)


def histogram(method: str, tag: str, values: Any, bins: Any = "tensorflow",
              max_bins: int | None = None) -> Summary:
    """A ``HistogramProto`` of ``values`` with numpy's ``bins`` ("tensorflow": ``default_bins``).

    TensorBoard stores only each bucket's right edge, so the empty bucket just left of the
    first non-empty one is kept (it carries the left edge); empty buckets on both ends are
    dropped. With more buckets than ``max_bins``, every ``len(buckets) // max_bins``
    neighbouring buckets are merged into one (PyTorch's rule).
    """
    flat = to_numpy(values, method, "values").astype(np.float64).reshape(-1)
    if flat.size == 0:
        raise ValueError(f"{method}: {tag!r} got an empty array; a histogram needs at least "
                         "one value")
    if not np.isfinite(flat).all():
        raise ValueError(f"{method}: {tag!r} got {int((~np.isfinite(flat)).sum())} NaN or "
                         "infinite value(s); a histogram needs finite values")
    edges_in = list(default_bins()) if isinstance(bins, str) and bins == "tensorflow" else bins
    counts, edges = np.histogram(flat, bins=edges_in)
    if max_bins is not None and len(counts) > max_bins:
        counts, edges = _merge_buckets(counts, edges, len(counts) // max_bins)
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError(f"{method}: every value of {tag!r} lies outside the bins "
                         f"[{edges[0]}, {edges[-1]}]")
    first, last = int(filled[0]), int(filled[-1])
    left = counts[first - 1:first] if first > 0 else np.zeros(1, counts.dtype)
    proto = HistogramProto(min=flat.min(), max=flat.max(), num=len(flat), sum=flat.sum(),
                           sum_squares=flat.dot(flat),
                           bucket_limit=edges[first:last + 2].tolist(),
                           bucket=np.concatenate([left, counts[first:last + 1]]).tolist())
    return Summary(value=[Summary.Value(tag=tag, histo=proto)])


def _merge_buckets(counts: Array, edges: Array, group: int) -> tuple[Array, Array]:
    """Add up every ``group`` neighbouring buckets (the last group padded with empty ones)."""
    padded = np.pad(counts, (0, -len(counts) % group))
    merged_edges = np.append(edges[:-1:group], edges[-1])
    return padded.reshape(-1, group).sum(axis=1), merged_edges


# ----------------------------------------------------------------------------- images

def to_hwc(method: str, array: Array, dataformats: str) -> Array:
    """Rearrange an image (or a batch) to height x width x channels, as TensorBoard draws it.

    ``dataformats`` names the axes: N (batch), C (channels), H, W. One channel (or no C) is
    repeated to three; a batch is laid out on a grid 8 images wide, as PyTorch does.
    """
    form = dataformats.upper() if isinstance(dataformats, str) else dataformats
    if not isinstance(form, str) or len(set(form)) != len(form) or \
            not set(form) <= set("NCHW") or not {"H", "W"} <= set(form) or \
            len(form) < 2 or ("N" in form and "C" not in form):
        raise ValueError(f"{method}: dataformats must name each axis once with the letters "
                         f"N, C, H, W (e.g. 'CHW', 'HWC', 'HW', 'NCHW'), got {dataformats!r}")
    if array.ndim != len(form):
        raise ValueError(f"{method}: got a {array.ndim}-d array of shape {tuple(array.shape)} "
                         f"but dataformats={dataformats!r} describes a {len(form)}-d one")
    if array.size == 0:
        raise ValueError(f"{method}: got an empty array of shape {tuple(array.shape)}; an "
                         "image needs at least one pixel")
    order = [form.index(axis) for axis in "NCHW" if axis in form]
    array = array.transpose(order)
    if "C" not in form:
        return np.stack([array] * 3, axis=-1)
    channels = array.shape[-3]
    if "N" in form:
        if channels not in (1, 3):
            raise ValueError(f"{method}: a batch of images needs 1 or 3 channels, got "
                             f"{channels} (shape {tuple(array.shape)} as NCHW)")
        return _grid(array).transpose(1, 2, 0)
    if channels not in (1, 3, 4):
        raise ValueError(f"{method}: an image needs 1, 3 or 4 channels, got {channels} "
                         f"(shape {tuple(array.shape)} as CHW)")
    hwc = array.transpose(1, 2, 0)
    return np.concatenate([hwc] * 3, axis=2) if channels == 1 else hwc


def _grid(batch: Array, columns: int = 8) -> Array:
    """N x C x H x W images on one C x H' x W' canvas, row by row, without padding."""
    if batch.shape[1] == 1:
        batch = np.concatenate([batch] * 3, axis=1)
    n, c, h, w = batch.shape
    cols = max(1, min(n, columns))
    rows = -(-n // cols)
    canvas = np.zeros((c, h * rows, w * cols), dtype=batch.dtype)
    for k in range(n):
        r, q = divmod(k, cols)
        canvas[:, r * h:(r + 1) * h, q * w:(q + 1) * w] = batch[k]
    return canvas


def to_uint8(hwc: Array) -> NDArray[np.uint8]:
    """8-bit pixels: uint8 stays as it is; anything else is taken to be in [0, 1], scaled by
    255, clipped to [0, 255] and truncated (PyTorch's rule)."""
    scale = 1 if hwc.dtype == np.uint8 else 255
    return (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def image(method: str, tag: str, value: Any, dataformats: str) -> Summary:
    """A PNG-encoded ``Summary.Image`` of an image or a batch laid out on a grid."""
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow comes with the vision extra
        raise ImportError(f"{method} encodes PNG with Pillow, which is not installed: "
                          "pip install \"tinygrad_edu[vision]\" (or pip install pillow)") from exc
    pixels = to_uint8(to_hwc(method, to_numpy(value, method, "img_tensor"), dataformats))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG")
    height, width, channels = pixels.shape
    proto = Summary.Image(height=height, width=width, colorspace=channels,
                          encoded_image_string=buffer.getvalue())
    return Summary(value=[Summary.Value(tag=tag, image=proto)])


def figure_to_chw(figure: Any, close: bool) -> NDArray[np.uint8]:
    """A matplotlib figure rendered to an RGB array (channels, height, width)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = figure.canvas.get_width_height()
    rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
    if close:
        plt.close(figure)
    return np.moveaxis(rgba[:, :, :3], 2, 0)


# ----------------------------------------------------------------------------- text

def text(tag: str, text_string: str) -> Summary:
    """A one-element string tensor for the text plugin, under ``tag + "/text_summary"``."""
    plugin = SummaryMetadata.PluginData(plugin_name="text",
                                        content=TextPluginData(version=0).SerializeToString())
    tensor = TensorProto(dtype="DT_STRING", string_val=[text_string.encode("utf_8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", tensor=tensor,
                                        metadata=SummaryMetadata(plugin_data=plugin))])


# ----------------------------------------------------------------------------- hparams

def _hparams_summary(tag: str, **content: Any) -> Summary:
    data = plugin_data_pb2.HParamsPluginData(version=hparams_metadata.PLUGIN_DATA_VERSION,
                                             **content)
    plugin = SummaryMetadata.PluginData(plugin_name=hparams_metadata.PLUGIN_NAME,
                                        content=data.SerializeToString())
    return Summary(value=[Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin))])


def _hparam_kind(method: str, key: str, value: Any) -> tuple[str, str, Any]:
    """(protobuf Value field, hparams DataType, value) for one hyperparameter.

    As in PyTorch, ``bool`` counts as a number (it is an ``int``), so True is stored as 1.0.
    """
    if isinstance(value, Tensor | np.ndarray | np.generic):
        array = to_numpy(value, method, f"hparam_dict[{key!r}]")
        if array.size == 0:
            raise ValueError(f"{method}: hparam_dict[{key!r}] is an empty array; expected "
                             "one number")
        return "number_value", "DATA_TYPE_FLOAT64", float(array.reshape(-1)[0])
    if isinstance(value, int | float):
        return "number_value", "DATA_TYPE_FLOAT64", value
    if isinstance(value, str):
        return "string_value", "DATA_TYPE_STRING", value
    raise ValueError(f"{method}: hparam_dict[{key!r}] must be an int, float, str, bool, "
                     f"Tensor or None, got {type(value).__name__}")


def hparams(method: str, hparam_dict: Mapping[str, Any], metric_dict: Mapping[str, Any],
            domain: Mapping[str, list[Any]] | None = None) -> tuple[Summary, Summary, Summary]:
    """The hparams plugin's three summaries: experiment, session start, session end.

    The experiment lists the hyperparameters (with their types and, from ``domain``, the
    values each may take) and the metric tags; the session start holds this run's values;
    the session end marks the run successful. The metric values themselves are ordinary
    scalars, written by the caller.
    """
    domain = domain or {}
    if not isinstance(domain, Mapping):
        raise TypeError(f"{method}: hparam_domain_discrete must be a dict, got "
                        f"{type(domain).__name__}")
    for key, options in domain.items():
        if key not in hparam_dict or not isinstance(options, list) or \
                not all(isinstance(o, type(hparam_dict[key])) for o in options):
            raise TypeError(f"{method}: hparam_domain_discrete[{key!r}] must be a list of "
                            f"values of the same type as hparam_dict[{key!r}], got {options!r}")
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for key, value in hparam_dict.items():
        if value is None:
            continue
        field, dtype, value = _hparam_kind(method, key, value)
        setattr(start.hparams[key], field, value)
        discrete = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: o})
                                                for o in domain[key]]) if key in domain else None
        infos.append(api_pb2.HParamInfo(name=key, type=api_pb2.DataType.Value(dtype),
                                        domain_discrete=discrete))
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    experiment = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    return (_hparams_summary(hparams_metadata.EXPERIMENT_TAG, experiment=experiment),
            _hparams_summary(hparams_metadata.SESSION_START_INFO_TAG, session_start_info=start),
            _hparams_summary(hparams_metadata.SESSION_END_INFO_TAG, session_end_info=end))
