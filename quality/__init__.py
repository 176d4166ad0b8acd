"""Great Expectations gates, with suites written as Python code (see suites/)."""

import importlib
import os
import sys
import types
from typing import Any

# No usage statistics leave the machine; set before anything imports great_expectations.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


class _Deferred(types.ModuleType):
    """Stands in sys.modules for a module until anything reads one of its attributes; then it
    imports the real module (which replaces it there) and hands over the attribute."""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


# GX imports every expectation it ships when it is imported; one of them (KL divergence, with two
# distribution-test metrics) imports scipy.stats and altair at module level, ~1 s of a ~2.5 s
# import, for expectations crossdock's suites never use. They load on first use instead. Here,
# because every path to GX in crossdock goes through this package first.
for _name in ("scipy.stats", "altair"):
    sys.modules.setdefault(_name, _Deferred(_name))
