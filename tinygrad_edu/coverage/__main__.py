"""``python -m tinygrad_edu.coverage``: see ``tinygrad_edu/coverage/__init__.py``."""

import sys

from . import main

sys.exit(main())
