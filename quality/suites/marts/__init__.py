"""Suites for the marts, validated on the build warehouse before it is published.

One module per business area (the dbt `marts/<area>` folders); each defines
`SUITES: dict[mart name, suite builder]`, gathered here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

import great_expectations as gx

SUITES: dict[str, Callable[[], gx.ExpectationSuite]] = {}
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    _area = importlib.import_module(f"{__name__}.{_module}")
    _clash = SUITES.keys() & _area.SUITES.keys()
    if _clash:
        raise RuntimeError(f"mart suites defined twice: {sorted(_clash)}")
    SUITES.update(_area.SUITES)
