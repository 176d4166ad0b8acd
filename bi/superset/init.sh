#!/usr/bin/env bash
# One-shot: migrate Superset's metadata DB, create the admin, register crossdock's snapshot and
# every mart as a dataset (register_datasets.py reads datasets.yaml). Idempotent.
set -euo pipefail
if [[ ! -f /srv/crossdock/serving/crossdock.duckdb ]]; then
  echo "ERROR: no published snapshot at ./data/serving/crossdock.duckdb on the host." >&2
  echo "Run 'make run' (or the Airflow DAGs) first, then 'docker compose --profile bi up -d'." >&2
  exit 1
fi
superset db upgrade
superset fab create-admin --username admin --firstname crossdock --lastname admin \
  --email admin@example.com --password "${SUPERSET_ADMIN_PASSWORD}" || true  # exists on re-runs
superset init
python /app/bi/superset/register_datasets.py /app/bi/superset/datasets.yaml
