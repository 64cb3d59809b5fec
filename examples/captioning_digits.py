"""Image captioning on handwritten digits: an RNN learns to say "a seven next to a two".

Images: two of scikit-learn's 8x8 digits side by side (8 x 16 pixels). Captions are generated
from the labels (``tinygrad_edu.data.digit_captions`` builds the data), with two forms of
different lengths (shorter ones are padded with <NULL>, which the loss ignores):

    "<START> a seven next to a two <END>"      (different digits)
    "<START> two sevens <END>"                 (the same digit twice)

Image features come from a fixed random projection of the pixels (256 ReLU features; no
training, no download), and ``tinygrad_edu.models.CaptioningRNN`` does the rest: the
features set the initial hidden state, the words are embedded and run through an RNN (or
LSTM with ``--cell lstm``), and an affine layer scores the next word at every step.

1. Overfit: 50 captions, trained until the loss (summed over time, averaged over captions)
   is below 0.1; then greedy sampling gives the 50 training captions back.
2. Generalise (skipped with ``--quick``): train on pairs of training images, caption pairs
   made of held-out images, and report how many captions are exactly right.

With matplotlib installed, a figure of held-out images with their sampled captions is saved
to ``--out`` (default ``captioning_digits.png``).

Run:
    python examples/captioning_digits.py                 # both parts, a minute or two
    python examples/captioning_digits.py --quick         # part 1 only (used by the tests)
    python examples/captioning_digits.py --cell lstm
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.data import digit_captions
from tinygrad_edu.data.digit_captions import (  # noqa: F401 - the data's names, for readers
    FEATURES,
    MAX_WORDS,
    NAMES,
    PLURALS,
    WORD_TO_IDX,
    WORDS,
    caption,
    make_pairs,
    random_features,
)
from tinygrad_edu.models.captioning import CaptioningRNN


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 8x8 digit images (scaled to [0, 1]) and labels, shipped with scikit-learn."""
    try:
        return digit_captions.load_digits()
    except ImportError:
        raise SystemExit("this example needs scikit-learn: pip install scikit-learn") from None


def train(model: CaptioningRNN, features: np.ndarray, captions: np.ndarray, steps: int,
          batch: int, lr: float, rng: np.random.Generator, stop_below: float | None = None,
          report: int = 100) -> float:
    """Adam on random minibatches; returns the last minibatch loss."""
    opt = tg.optim.Adam(model.parameters(), lr=lr)
    loss_value = float("inf")
    for step in range(1, steps + 1):
        idx = rng.choice(len(features), min(batch, len(features)), replace=False)
        loss = model.loss(tg.tensor(features[idx]), captions[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_value = loss.item()
        if step % report == 0 or step == 1:
            print(f"  step {step:5d}  loss {loss_value:.4f}")
        if stop_below is not None and loss_value < stop_below:
            print(f"  step {step:5d}  loss {loss_value:.4f} < {stop_below}: stop")
            break
    return loss_value


def exact_matches(model: CaptioningRNN, features: np.ndarray, captions: np.ndarray
                  ) -> tuple[int, list[str], list[str]]:
    """How many sampled captions equal the true ones, the samples and the true captions
    (words after <START>)."""
    sampled = model.decode(model.sample(tg.tensor(features), max_length=MAX_WORDS))
    truth = [" ".join(t.split()[1:]) for t in model.decode(captions)]
    return sum(s == t for s, t in zip(sampled, truth, strict=True)), sampled, truth


def save_figure(path: str, pairs: np.ndarray, texts: list[str], truth: list[str]) -> None:
    """Images with their sampled captions (red when wrong), if matplotlib is installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure (pip install matplotlib)")
        return
    n = min(8, len(pairs))
    fig, axes = plt.subplots(2, (n + 1) // 2, figsize=(3 * ((n + 1) // 2), 3.4))
    for ax, image, text, true in zip(axes.ravel(), pairs, texts, truth, strict=False):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(text.replace(" <END>", "").replace(" next to", "\nnext to"), fontsize=9,
                     color="black" if text == true else "red")
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"figure saved to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 50-caption overfit")
    parser.add_argument("--cell", choices=["rnn", "lstm"], default="rnn")
    parser.add_argument("--steps", type=int, default=1500, help="steps of part 2")
    parser.add_argument("--out", default="captioning_digits.png", help="figure path")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images, labels = load_digits()
    order = rng.permutation(len(images))
    train_idx, test_idx = order[:1400], order[1400:]
    start = time.perf_counter()

    print(f"1. overfit 50 captions ({args.cell})")
    pairs, captions = make_pairs(images[train_idx], labels[train_idx], 50, rng)
    features = random_features(pairs)
    model = CaptioningRNN(WORD_TO_IDX, input_dim=FEATURES, wordvec_dim=32, hidden_dim=96,
                          cell_type=args.cell)
    loss = train(model, features, captions, 600, 50, 1e-2, rng, stop_below=0.05)
    right, sampled, truth = exact_matches(model, features, captions)
    print(f"  final loss {loss:.4f}; {right}/50 training captions sampled back exactly")
    for text in sampled[:3]:
        print(f"    {text}")
    if args.quick:
        save_figure(args.out, pairs, sampled, truth)
        print(f"done in {time.perf_counter() - start:.0f} s")
        return

    print(f"2. generalise: train on pairs of {len(train_idx)} images, test on pairs of "
          f"{len(test_idx)} others")
    train_pairs, train_caps = make_pairs(images[train_idx], labels[train_idx], 6000, rng)
    test_pairs, test_caps = make_pairs(images[test_idx], labels[test_idx], 500, rng)
    model = CaptioningRNN(WORD_TO_IDX, input_dim=FEATURES, wordvec_dim=32, hidden_dim=128,
                          cell_type=args.cell)
    train(model, random_features(train_pairs), train_caps, args.steps, 100, 5e-3, rng,
          report=250)
    right, sampled, truth = exact_matches(model, random_features(test_pairs), test_caps)
    print(f"  {right}/{len(test_caps)} held-out captions exactly right "
          f"({100 * right / len(test_caps):.0f}%)")
    for text, true in zip(sampled[:6], truth[:6], strict=True):
        print(f"    sampled: {text:38s} true: {true}")
    save_figure(args.out, test_pairs, sampled, truth)
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
