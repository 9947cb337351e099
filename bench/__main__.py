"""``python -m bench [--runs N] [--quick] [--only SECTION ...] [--json FILE]``; see bench/__init__.py."""

import sys

from bench.run import main

sys.exit(main())
