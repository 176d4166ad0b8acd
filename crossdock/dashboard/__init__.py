"""The dashboard crossdock serves itself: one static page generated from the published marts.

`build` reads the serving snapshot read-only, aggregates each chart's data to the grain of the
page's filters (crossdock/dashboard/data.py), and writes `<home>/dashboard/index.html` with the
data and plotly.js inlined: no CDN, no server-side code, it opens from disk or from any static
web server. The filters (date range, platform, destination) run in the page's JavaScript.
`steps.publish` rebuilds it after every publish, so it always shows the newest snapshot.
`serve` serves the folder on localhost.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from crossdock.config import Settings
from crossdock.dashboard.data import load

TEMPLATE = Path(__file__).with_name("template.html")


def dashboard_dir(settings: Settings) -> Path:
    return settings.home / "dashboard"


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render(settings: Settings) -> str:
    serving = settings.serving_path
    if not serving.exists():
        raise FileNotFoundError(
            f"no published warehouse at {serving}: run `crossdock run` or `crossdock publish` first"
        )
    data = load(serving)
    data["meta"]["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    # `</` inside inlined JSON would end the <script> element early.
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    page = TEMPLATE.read_text()
    for marker, text in (
        ("/*__PLOTLY_JS__*/", _plotly_js()),
        ("/*__DATA__*/null", payload),
    ):
        if marker not in page:
            raise RuntimeError(f"dashboard template {TEMPLATE} lacks its {marker} marker")
        page = page.replace(marker, text, 1)
    return page


def build(settings: Settings) -> Path:
    """Write <home>/dashboard/index.html atomically; return its path."""
    out = dashboard_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    page = render(settings)
    target = out / "index.html"
    tmp = out / f".index.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Serve <home>/dashboard/ until interrupted (Ctrl-C)."""
    folder = dashboard_dir(settings)
    if not (folder / "index.html").exists():
        raise FileNotFoundError(
            f"no dashboard at {folder / 'index.html'}: run `crossdock dashboard build` first"
        )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer((host, port), handler) as httpd:
        print(f"serving {folder} on http://{host}:{httpd.server_address[1]}/ (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
