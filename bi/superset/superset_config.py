"""Superset settings for crossdock's compose stack (local use: fixed defaults, see docs/docker.md).

Mounted at /app/bi/superset/ and named by SUPERSET_CONFIG_PATH.
"""

import os

# Signs sessions and encrypts stored connection secrets. Set your own outside a laptop.
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]

# Superset's own metadata (users, charts, dashboards): SQLite on the superset-home volume.
SQLALCHEMY_DATABASE_URI = "sqlite:////app/superset_home/superset.db"

# No feature here needs the network; keep Superset from calling home.
FEATURE_FLAGS = {"DASHBOARD_RBAC": False}
SUPERSET_WEBSERVER_PORT = 8088
