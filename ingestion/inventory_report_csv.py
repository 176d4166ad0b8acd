"""Stock snapshots per overseas warehouse (a 3PL / FBA-style inventory report), one CSV per
warehouse and day (see simulator/formats/marketplace.py for the writer).

`landing/marketplace/inventory/<day>/inventory_<warehouse_id>_<YYYYMMDD>.csv`: UTF-8,
comma-separated, header row, one row per SKU held in the warehouse at the snapshot.

| column | type | meaning |
|---|---|---|
| snapshot_date | date | day the counts were taken (end of day, warehouse local time) |
| warehouse_id | string | the 3PL's or Amazon's warehouse / fulfilment centre id |
| warehouse_country | ISO2 | country of the warehouse |
| sku | string | seller SKU |
| on_hand | int | units physically in the warehouse (sellable and not) |
| reserved | int | units of `on_hand` allocated to open orders or transfers |
| inbound | int | units shipped to the warehouse and not yet received |
| unsellable | int | units of `on_hand` damaged or expired (optional; empty when not reported) |

Entity `inventory_snapshots`, key (`snapshot_date`, `warehouse_id`, `sku`).
"""

from __future__ import annotations

from ingestion.contract import Column, Contract
from ingestion.feed import Feed, read_csv_text

CONTRACT = Contract(
    entity="inventory_snapshots",
    key=("snapshot_date", "warehouse_id", "sku"),
    columns=(
        Column("snapshot_date", "date"),
        Column("warehouse_id", "string"),
        Column("warehouse_country", "string"),
        Column("sku", "string"),
        Column("on_hand", "int"),
        Column("reserved", "int"),
        Column("inbound", "int"),
        Column("unsellable", "int", required=False),
    ),
)

FEED = Feed(
    name="inventory_report_csv",
    family="marketplace",
    folder="inventory",
    pattern="*.csv",
    contract=CONTRACT,
    read_raw=read_csv_text,
)
