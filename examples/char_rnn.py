"""A character-level language model: an LSTM learns to write like a lighthouse keeper.

The text (``examples/data/lighthouse.txt``, written for this project) is cut into random
windows of ``--seq-len`` characters. The model reads one character per step and predicts the
next:

    Embedding(V, 32) -> LSTM(32, hidden, num_layers=2, batch_first=True) -> Linear(hidden, V)

trained with cross-entropy and Adam, gradients clipped to norm 5. Every ``--sample-every``
steps it writes a few lines, one character at a time, each drawn from the softmax of its
scores (divided by ``--temperature``: lower is more conservative), feeding every character
back in with the LSTM's state. Early samples are noise; after a hundred steps they have
words and spaces; by step 500 whole sentences of the keeper's notebook (the text is short,
so the model ends up reciting it: try a text of your own with ``--text``).

Run:
    python examples/char_rnn.py            # 1000 steps, about a minute on a laptop
    python examples/char_rnn.py --quick    # a few steps (used by the tests)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.nn import LSTM, Embedding
from tinygrad_edu.nn.layers import Linear
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.utils import clip_grad_norm_

TEXT = Path(__file__).resolve().parent / "data" / "lighthouse.txt"


class CharLSTM(Module):
    """Characters in, scores for the next character out, carrying the LSTM state."""

    def __init__(self, vocab_size: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.embed = Embedding(vocab_size, 32)
        self.lstm = LSTM(32, hidden, num_layers=layers, batch_first=True)
        self.head = Linear(hidden, vocab_size)

    def forward(self, ids: tg.Tensor, state: object = None) -> tuple[tg.Tensor, object]:
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def batches(data: np.ndarray, batch: int, seq_len: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray]:
    """Random windows: inputs data[s:s+L] and targets data[s+1:s+L+1]."""
    starts = rng.integers(0, len(data) - seq_len - 1, batch)
    windows = np.stack([data[s:s + seq_len + 1] for s in starts])
    return windows[:, :-1], windows[:, 1:]


@tg.no_grad()
def sample(model: CharLSTM, chars: list[str], prime: str, length: int, temperature: float,
           rng: np.random.Generator) -> str:
    """Continue ``prime`` by ``length`` characters drawn one at a time."""
    model.eval()
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([[index[c] for c in prime]])
    scores, state = model(tg.tensor(ids))
    out = []
    for _ in range(length):
        logits = scores.numpy()[0, -1] / temperature
        p = np.exp(logits - logits.max())
        nxt = int(rng.choice(len(chars), p=p / p.sum()))
        out.append(chars[nxt])
        scores, state = model(tg.tensor([[nxt]]), state)
    model.train()
    return prime + "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few small steps (for tests)")
    parser.add_argument("--text", type=Path, default=TEXT, help="a UTF-8 text file")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=192)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--temperature", type=float, default=0.6)
    parser.add_argument("--sample-every", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.steps, args.hidden, args.seq_len, args.batch = 40, 48, 32, 16
        args.sample_every = 20

    text = args.text.read_text(encoding="utf-8")
    chars = sorted(set(text))
    data = np.array([chars.index(c) for c in text], dtype=np.int64)
    print(f"text: {len(text)} characters, {len(chars)} distinct")
    tg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = CharLSTM(len(chars), args.hidden, args.layers)
    opt = tg.optim.Adam(model.parameters(), lr=args.lr)
    start, smooth = time.perf_counter(), None
    for step in range(1, args.steps + 1):
        x, y = batches(data, args.batch, args.seq_len, rng)
        scores, _ = model(tg.tensor(x))
        loss = F.cross_entropy(scores.reshape(-1, len(chars)), tg.tensor(y.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
        if step == 1 or step % args.sample_every == 0 or step == args.steps:
            print(f"step {step:5d}  loss {smooth:.3f}  ({time.perf_counter() - start:.0f} s)")
            print("  | " + sample(model, chars, text[:4], 160 if not args.quick else 40,
                                  args.temperature, rng).replace("\n", "\n  | "))
    print(f"final loss: {smooth:.3f}")


if __name__ == "__main__":
    main()
