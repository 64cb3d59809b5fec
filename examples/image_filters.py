"""Image processing via convolutions: hand-set filters applied with F.conv2d to photographs.

The course's aside before conv nets: a convolution with weights you choose yourself already
does classic image processing. Three filter banks run on the two sample photographs that
scikit-learn ships (a Chinese temple and a flower):

- grayscale: a 1x1-style filter (3x3 with only the centre set) mixing R, G and B as
  0.3 R + 0.6 G + 0.1 B;
- edges: Sobel filters on that grey value, one for horizontal and one for vertical changes;
  the picture shows the gradient magnitude sqrt(gx^2 + gy^2);
- blur: a 5x5 Gaussian applied to each colour channel separately (``groups=3``).

The results are saved side by side in one PNG.

Run:
    python examples/image_filters.py                   # writes examples/out/image_filters.png
    python examples/image_filters.py --quick           # smaller images (used by the tests)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

LUMA = np.array([0.3, 0.6, 0.1], dtype=np.float32)  # the course's grayscale weights
SOBEL_Y = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float32)


def grayscale_filter() -> np.ndarray:
    """(1, 3, 3, 3): the centre tap of each colour channel, weighted by LUMA."""
    w = np.zeros((1, 3, 3, 3), dtype=np.float32)
    w[0, :, 1, 1] = LUMA
    return w


def edge_filters() -> np.ndarray:
    """(2, 3, 3, 3): Sobel y and x on the grey value (LUMA times the Sobel kernel per channel)."""
    w = np.zeros((2, 3, 3, 3), dtype=np.float32)
    w[0] = LUMA[:, None, None] * SOBEL_Y
    w[1] = LUMA[:, None, None] * SOBEL_Y.T
    return w


def blur_filters(size: int = 5, sigma: float = 1.5) -> np.ndarray:
    """(3, 1, size, size): a normalised Gaussian, one per channel (for groups=3)."""
    r = np.arange(size) - size // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma ** 2))
    return np.repeat((g / g.sum()).astype(np.float32)[None, None], 3, axis=0)


def apply_filters(images: np.ndarray) -> dict[str, np.ndarray]:
    """Run the three filter banks on (N, 3, H, W) float images in [0, 255]."""
    x = tg.tensor(images)
    with tg.no_grad():
        gray = F.conv2d(x, tg.tensor(grayscale_filter()), padding=1)
        grad = F.conv2d(x, tg.tensor(edge_filters()), padding=1)
        edges = (grad * grad).sum(dim=1, keepdim=True).sqrt()
        blur = F.conv2d(x, tg.tensor(blur_filters()), padding=2, groups=3)
    return {"grayscale": gray.numpy()[:, 0], "edges": edges.numpy()[:, 0],
            "blur": blur.numpy()}


def load_photos(step: int) -> np.ndarray:
    """scikit-learn's two sample photographs as (2, 3, H, W) float32, every ``step``-th pixel."""
    try:
        from sklearn.datasets import load_sample_images
    except ImportError as exc:
        raise SystemExit("this example needs scikit-learn (and Pillow) for its sample "
                         "photographs: pip install -e \".[examples]\"") from exc
    photos = np.stack(load_sample_images().images)[:, ::step, ::step]  # (2, H, W, 3) uint8
    return np.ascontiguousarray(photos.transpose(0, 3, 1, 2)).astype(np.float32)


def save_figure(images: np.ndarray, results: dict[str, np.ndarray], path: Path) -> Path:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise SystemExit("this example needs matplotlib: pip install -e \".[examples]\"") \
            from exc
    fig = Figure(figsize=(12, 2.6 * len(images)), layout="constrained")
    axes = fig.subplots(len(images), 4, squeeze=False)
    for row, image in enumerate(images):
        panels = [("original", image.transpose(1, 2, 0) / 255, None),
                  ("grayscale", results["grayscale"][row], "gray"),
                  ("edges (Sobel magnitude)", results["edges"][row], "gray"),
                  ("blur (Gaussian 5x5)",
                   np.clip(results["blur"][row].transpose(1, 2, 0) / 255, 0, 1), None)]
        for ax, (title, picture, cmap) in zip(axes[row], panels, strict=True):
            ax.imshow(picture, cmap=cmap)
            ax.set_title(title)
            ax.axis("off")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples/out/image_filters.png"),
                        help="the PNG to write (default: examples/out/image_filters.png)")
    parser.add_argument("--quick", action="store_true", help="quarter-size images")
    args = parser.parse_args()
    images = load_photos(step=4 if args.quick else 2)
    results = apply_filters(images)
    path = save_figure(images, results, args.out)
    print(f"filtered {len(images)} photographs of {images.shape[2]}x{images.shape[3]} pixels; "
          f"wrote {path}")


if __name__ == "__main__":
    main()
