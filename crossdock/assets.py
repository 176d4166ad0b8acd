"""Airflow Assets: what each DAG produces, for data-aware scheduling."""

from __future__ import annotations

from airflow.sdk import Asset

from crossdock.config import FAMILIES

LAKE: dict[str, Asset] = {f: Asset(name=f"crossdock_lake_{f}", group="lake") for f in FAMILIES}
SERVING_WAREHOUSE = Asset(name="crossdock_serving_warehouse", group="warehouse")
# The demand marts of the build warehouse, updated by every warehouse publish: the forecast DAG
# runs when they change (and weekly).
DEMAND_MARTS = Asset(name="crossdock_demand_marts", group="warehouse")
