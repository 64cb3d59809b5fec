"""Pillow is optional: ``import tinygrad_edu`` works without it, and the vision parts that need
it say which extra to install."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
sys.modules["PIL"] = None  # as if Pillow were not installed
import tinygrad_edu as tg
from tinygrad_edu.data import transforms
import tinygrad_edu.vision as torchvision
x = torchvision.transforms.Normalize([0.5], [0.5])(tg.ones(1, 2, 2))
assert x.tolist() == [[[1.0, 1.0], [1.0, 1.0]]]
assert torchvision.models.resnet18 is not None  # models need no Pillow
for name in ("datasets", "utils"):
    try:
        getattr(torchvision, name)
    except ImportError as error:
        assert "pip install 'tinygrad_edu[vision]'" in str(error), error
    else:
        raise AssertionError(name + " imported without Pillow")
print("ok")
"""


def test_core_and_transforms_import_without_pillow_and_the_rest_names_the_extra() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
