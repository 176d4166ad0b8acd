"""Register crossdock's serving snapshot in Superset and every mart as a dataset.

Runs inside the Superset container (superset-init) with Superset's own Python:
    python register_datasets.py datasets.yaml
The database is read-only twice over: DuckDB opens the file with access_mode=read_only and
the compose file mounts ./data/serving read-only. Idempotent: existing entries are updated.
"""

from __future__ import annotations

import json
import sys

import yaml
from superset.app import create_app


def main(path: str) -> None:
    with open(path) as fh:
        spec = yaml.safe_load(fh)
    app = create_app()
    with app.app_context():
        from superset.connectors.sqla.models import SqlaTable
        from superset.extensions import db
        from superset.models.core import Database

        conf = spec["database"]
        database = db.session.query(Database).filter_by(
            database_name=conf["name"]
        ).one_or_none() or Database(database_name=conf["name"])
        database.set_sqlalchemy_uri(conf["sqlalchemy_uri"])
        database.expose_in_sqllab = True
        database.allow_dml = False  # SQL Lab refuses writes before DuckDB does
        database.allow_run_async = False
        database.extra = json.dumps({"engine_params": {}, "metadata_cache_timeout": {}})
        db.session.add(database)
        db.session.commit()

        for entry in spec["datasets"]:
            table = (
                db.session.query(SqlaTable)
                .filter_by(
                    table_name=entry["table"], schema=entry["schema"], database_id=database.id
                )
                .one_or_none()
            ) or SqlaTable(table_name=entry["table"], schema=entry["schema"], database=database)
            table.description = entry.get("description")
            db.session.add(table)
            db.session.commit()
            table.fetch_metadata()  # columns and types from the snapshot
            described = {c["name"]: c.get("description") for c in entry.get("columns", [])}
            for column in table.columns:
                column.description = described.get(column.column_name)
                if column.column_name == entry.get("main_dttm_col"):
                    column.is_dttm = True
            table.main_dttm_col = entry.get("main_dttm_col")
            db.session.commit()
            print(f"dataset {entry['schema']}.{entry['table']}: {len(table.columns)} columns")


if __name__ == "__main__":
    main(sys.argv[1])
