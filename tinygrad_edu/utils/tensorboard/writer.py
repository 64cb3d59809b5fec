"""``SummaryWriter``: PyTorch's TensorBoard writer, for tinygrad_edu Tensors.

A run is a directory (the "log dir") of event files. TensorBoard (``tensorboard --logdir
runs``) shows every directory below ``runs`` as a run and plots what its event files hold:
scalars over steps, histograms, images, text, the model's graph, hyperparameters.

The writing itself is done by the ``tensorboard`` package's ``EventFileWriter`` (the writer
PyTorch uses too): it queues events and a background thread appends them to the file as
length-prefixed, CRC-checked records, at the latest every ``flush_secs`` seconds, when
``max_queue`` events are waiting, or on ``flush()``/``close()``. This class turns values into
protocol buffers (``summary.py``, ``graph.py``) and hands them over, one event per call.

Example:
    >>> import tempfile, tinygrad_edu as tg
    >>> from tinygrad_edu.utils.tensorboard import SummaryWriter
    >>> with tempfile.TemporaryDirectory() as logdir:
    ...     with SummaryWriter(logdir) as writer:
    ...         for step in range(3):
    ...             writer.add_scalar("loss", 1.0 / (step + 1), step)
    ...         writer.add_histogram("weights", tg.randn(100), 0)
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from ...nn.module import Module
from . import summary
from .graph import graph_def

__all__ = ["SummaryWriter", "default_log_dir"]


def default_log_dir(comment: str = "") -> str:
    """``runs/<Mon><DD>_<HH>-<MM>-<SS>_<hostname><comment>``, PyTorch's default run name."""
    now = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", now + "_" + socket.gethostname() + comment)


class _FileWriter:
    """One event file in one directory: adds the wall time and the step to each event."""

    def __init__(self, log_dir: str, max_queue: int, flush_secs: float,
                 filename_suffix: str) -> None:
        self.events = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def add_event(self, event: Event, step: Any = None, walltime: float | None = None) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.events.add_event(event)

    def add_summary(self, proto: Summary, step: Any = None,
                    walltime: float | None = None) -> None:
        self.add_event(Event(summary=proto), step, walltime)


# torch's SummaryWriter methods this one does not have, and what to do instead
NOT_SUPPORTED = {
    "add_tensor": "raw tensor summaries are not written; use add_histogram or add_scalar",
    "add_image_with_boxes": "boxes are not drawn; draw them into the image, then add_image",
    "add_video": "videos are not written; log the frames with add_images",
    "add_audio": "audio is not written",
    "add_embedding": "the embedding projector's files are not written",
    "add_pr_curve": "precision-recall curves are not written",
    "add_pr_curve_raw": "precision-recall curves are not written",
    "add_custom_scalars": "custom layouts are not written; add_scalars draws several series "
                          "in one chart",
    "add_custom_scalars_multilinechart": "custom layouts are not written; add_scalars draws "
                                         "several series in one chart",
    "add_custom_scalars_marginchart": "custom layouts are not written",
    "add_mesh": "3-D meshes are not written",
    "add_onnx_graph": "use add_graph, which reads the graph a forward pass records",
}


class SummaryWriter:
    """Write scalars, histograms, images, text, graphs and hyperparameters for TensorBoard.

    The same constructor and methods as ``torch.utils.tensorboard.SummaryWriter``; values
    may be tinygrad_edu Tensors, numpy arrays or Python numbers.

    Args:
        log_dir: the run's directory; default ``runs/<date>_<time>_<hostname><comment>``.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: after a crash, the step the run restarts from: TensorBoard hides the
            events at and after this step that were written before the restart.
        max_queue: how many events may wait in memory before a write to disk.
        flush_secs: how often (seconds) waiting events are written to disk.
        filename_suffix: appended to the event files' names.

    The writer may be used as a context manager (``close()`` at the end). Writing after
    ``close()`` starts a new event file in the same directory, as in PyTorch.
    """

    def __init__(self, log_dir: str | Path | None = None, comment: str = "",
                 purge_step: int | None = None, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str = "") -> None:
        self.log_dir = log_dir if log_dir else default_log_dir(comment)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: _FileWriter | None = None
        self.all_writers: dict[str, _FileWriter] | None = None
        self._get_file_writer()

    def _new_file_writer(self, log_dir: str) -> _FileWriter:
        return _FileWriter(log_dir, self.max_queue, self.flush_secs, self.filename_suffix)

    def _get_file_writer(self) -> _FileWriter:
        """The main event file's writer, (re)opened on first use after ``close()``."""
        if self.file_writer is None or self.all_writers is None:
            self.file_writer = self._new_file_writer(str(self.log_dir))
            self.all_writers = {str(self.log_dir): self.file_writer}
            if self.purge_step is not None:
                self.file_writer.add_event(Event(step=self.purge_step,
                                                 file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step, session_log=SessionLog(
                    status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str | Path:
        """The directory the event files are written to."""
        return self.log_dir

    # ------------------------------------------------------------------ scalars

    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None,
                   walltime: float | None = None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        """Log one number (a float, a 1-element Tensor or array) under ``tag`` at a step.

        ``new_style=True`` writes it as a tensor for the scalars plugin (float64 with
        ``double_precision``) instead of the classic ``simple_value``.
        """
        self._get_file_writer().add_summary(
            summary.scalar("add_scalar", tag, scalar_value, new_style, double_precision),
            global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: Mapping[str, Any],
                    global_step: int | None = None, walltime: float | None = None) -> None:
        """Log several numbers that TensorBoard draws in one chart.

        Each key gets its own run: an event file in the subdirectory
        ``<log_dir>/<main_tag>_<key>`` (``/`` in ``main_tag`` becomes ``_``), holding the value
        under the tag ``main_tag``. So ``add_scalars("loss", {"train": a, "val": b}, step)``
        gives the runs ``loss_train`` and ``loss_val`` with one chart ``loss``.
        """
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(f"add_scalars: tag_scalar_dict must be a dict of tag -> value, got "
                            f"{type(tag_scalar_dict).__name__}")
        walltime = time.time() if walltime is None else walltime
        log_dir = self._get_file_writer().events.get_logdir()
        assert self.all_writers is not None
        for tag, value in tag_scalar_dict.items():
            proto = summary.scalar("add_scalars", main_tag, value)
            path = log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            if path not in self.all_writers:
                self.all_writers[path] = self._new_file_writer(path)
            self.all_writers[path].add_summary(proto, global_step, walltime)

    # ------------------------------------------------------------------ histograms

    def add_histogram(self, tag: str, values: Any, global_step: int | None = None,
                      bins: Any = "tensorflow", walltime: float | None = None,
                      max_bins: int | None = None) -> None:
        """Log the distribution of ``values`` (any shape).

        ``bins="tensorflow"`` uses TensorFlow's buckets (edges 10% apart from 1e-12 to 1e20,
        both signs), as PyTorch does; any other ``bins`` goes to ``np.histogram``
        (an int, a list of edges, or a rule such as ``"auto"``).
        """
        self._get_file_writer().add_summary(
            summary.histogram("add_histogram", tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(self, tag: str, min: float, max: float, num: int, sum: float,
                          sum_squares: float, bucket_limits: Any, bucket_counts: Any,
                          global_step: int | None = None,
                          walltime: float | None = None) -> None:
        """Log a histogram computed elsewhere: its statistics, the right edge of each bucket
        and the bucket counts (as many limits as counts)."""
        limits = summary.to_numpy(bucket_limits, "add_histogram_raw", "bucket_limits").reshape(-1)
        counts = summary.to_numpy(bucket_counts, "add_histogram_raw", "bucket_counts").reshape(-1)
        if len(limits) != len(counts):
            raise ValueError(f"add_histogram_raw: {len(limits)} bucket_limits but "
                             f"{len(counts)} bucket_counts; expected one limit per count")
        proto = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                               bucket_limit=limits.tolist(), bucket=counts.tolist())
        self._get_file_writer().add_summary(
            Summary(value=[Summary.Value(tag=tag, histo=proto)]), global_step, walltime)

    # ------------------------------------------------------------------ images

    def add_image(self, tag: str, img_tensor: Any, global_step: int | None = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        """Log an image: uint8 in [0, 255], or floats in [0, 1] (scaled by 255, clipped).

        ``dataformats`` names the axes: ``"CHW"`` (default), ``"HWC"``, ``"HW"``, ... with 1,
        3 (RGB) or 4 (RGBA) channels. Needs Pillow (PNG encoding).
        """
        self._get_file_writer().add_summary(
            summary.image("add_image", tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag: str, img_tensor: Any, global_step: int | None = None,
                   walltime: float | None = None, dataformats: str = "NCHW") -> None:
        """Log a batch of images (``"NCHW"`` or ``"NHWC"``) as one grid, 8 images per row."""
        self._get_file_writer().add_summary(
            summary.image("add_images", tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag: str, figure: Any, global_step: int | None = None,
                   close: bool = True, walltime: float | None = None) -> None:
        """Log a matplotlib figure (or a list of them, as a grid) as an image.

        The figure is closed afterwards unless ``close=False``. Needs matplotlib.
        """
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:
            raise ImportError("add_figure renders with matplotlib, which is not installed: "
                              "pip install \"tinygrad_edu[plot]\"") from exc
        if isinstance(figure, list):
            batch = np.stack([summary.figure_to_chw(f, close) for f in figure])
            self.add_image(tag, batch, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, summary.figure_to_chw(figure, close), global_step, walltime,
                           dataformats="CHW")

    # ------------------------------------------------------------------ text

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a string (TensorBoard renders it as Markdown) under ``tag + "/text_summary"``."""
        if not isinstance(text_string, str):
            raise TypeError(f"add_text: text_string must be a str, got "
                            f"{type(text_string).__name__}")
        self._get_file_writer().add_summary(summary.text(tag, text_string), global_step, walltime)

    # ------------------------------------------------------------------ graph

    def add_graph(self, model: Module, input_to_model: Any = None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Log the graph of ops one forward pass of ``model`` on ``input_to_model`` runs.

        The model runs once in eval mode (its mode is restored). Ops are grouped by the
        submodule that ran them (``Net/Conv2d[conv1]/conv2d``), parameters appear as
        ``Parameter`` nodes and the inputs and outputs as ``input/<name>`` and
        ``output/output.<k>``. ``verbose`` prints the nodes; ``use_strict_trace`` is accepted
        for PyTorch's signature (there is no tracer to be strict).
        """
        graph, run_metadata = graph_def(model, input_to_model)
        if verbose:
            for node in graph.node:
                print(f"{node.name}: {node.op}({', '.join(node.input)})")
        writer = self._get_file_writer()
        writer.add_event(Event(graph_def=graph.SerializeToString()))
        writer.add_event(Event(tagged_run_metadata=TaggedRunMetadata(
            tag="step1", run_metadata=run_metadata.SerializeToString())))

    # ------------------------------------------------------------------ hparams

    def add_hparams(self, hparam_dict: dict[str, Any], metric_dict: dict[str, Any],
                    hparam_domain_discrete: dict[str, list[Any]] | None = None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """Log one run's hyperparameters and final metrics for TensorBoard's HParams tab.

        As in PyTorch, they go to a new run in the subdirectory ``run_name`` (default: the
        current time) of the log dir: the hparams plugin's experiment, session start and
        session end summaries, and each metric as a scalar.

        Args:
            hparam_dict: name -> value (int, float, str, bool, a one-number Tensor, or None
                to leave it out).
            metric_dict: metric tag -> value.
            hparam_domain_discrete: name -> the list of values that hyperparameter takes.
            run_name: the subdirectory's name.
            global_step: the step of all these events.
        """
        for name, value in (("hparam_dict", hparam_dict), ("metric_dict", metric_dict)):
            if type(value) is not dict:
                raise TypeError(f"add_hparams: {name} must be a dict, got "
                                f"{type(value).__name__}")
        protos = summary.hparams("add_hparams", hparam_dict, metric_dict, hparam_domain_discrete)
        run_dir = os.path.join(str(self._get_file_writer().events.get_logdir()),
                               run_name or str(time.time()))
        with SummaryWriter(log_dir=run_dir) as run:
            for proto in protos:
                run._get_file_writer().add_summary(proto, global_step)
            for tag, value in metric_dict.items():
                run.add_scalar(tag, value, global_step)

    # ------------------------------------------------------------------ files

    def flush(self) -> None:
        """Write every waiting event to disk (all event files of this writer)."""
        for writer in (self.all_writers or {}).values():
            writer.events.flush()

    def close(self) -> None:
        """Flush and close the event files; closing twice does nothing."""
        for writer in (self.all_writers or {}).values():
            writer.events.flush()
            writer.events.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name in NOT_SUPPORTED:
            raise AttributeError(f"SummaryWriter.{name} is not supported: {NOT_SUPPORTED[name]}")
        raise AttributeError(f"'SummaryWriter' object has no attribute {name!r}")

    def __repr__(self) -> str:
        state = "closed" if self.all_writers is None else "open"
        return f"SummaryWriter(log_dir={str(self.log_dir)!r}, {state})"
