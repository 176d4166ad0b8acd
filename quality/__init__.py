"""Great Expectations gates, with suites written as Python code (see suites/)."""

import os

# No usage statistics leave the machine; set before anything imports great_expectations.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
