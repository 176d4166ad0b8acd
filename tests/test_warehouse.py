"""Warehouse build preconditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossdock.config import Settings
from crossdock.warehouse import BuildFailed, build


def test_build_refuses_clearly_when_a_feed_has_not_landed_yet(tmp_path: Path):
    with pytest.raises(BuildFailed, match=r"no landed data yet for .*carrier_tracking_events"):
        build(Settings(home=tmp_path))
