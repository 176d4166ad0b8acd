"""`python -m bench`: the benchmark command (bench/run.py)."""

import sys

from bench.run import main

sys.exit(main())
