"""The dashboard, served by `crossdock dashboard serve` and opened in headless Chromium: every
chart is drawn with data equal to the marts, the filters change the charts, and screenshots are
taken. They go to a temporary folder; `make screenshots` (CROSSDOCK_SCREENSHOTS=docs/img) refreshes
the ones README shows, so a test run never modifies the checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from crossdock import steps
from crossdock.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
# Without the network switches Chromium keeps dialling Google's hosts on this closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.environ.get("CROSSDOCK_SCREENSHOTS") or tempfile.mkdtemp(prefix="crossdock-screenshots-")
).resolve()
CHARTS = {
    "chart-lanes-on-time",
    "chart-lanes-transit",
    "chart-customs-dwell",
    "chart-customs-holds",
    "chart-landed",
    "chart-sellers-at-risk",
    "chart-sellers-reasons",
    "chart-demand",
    "chart-inventory",
    "chart-replenishment",
}
# Drawn as of the latest advice: only the destination filter applies.
AS_OF_CHARTS = {"chart-replenishment"}

# Per chart: its traces as plotted (Plotly keeps them on the div), and the points in its SVG.
CHART_STATE = """() => Object.fromEntries([...document.querySelectorAll('.chart')].map(el => [
    el.id,
    {
        traces: (el.data || []).map(t => ({name: t.name, x: t.x, y: t.y})),
        points: el.querySelectorAll('.point').length,
    },
]))"""


@pytest.fixture(scope="module")
def server(published_run: Settings) -> Iterator[str]:
    """`crossdock dashboard serve` on a free port; yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "crossdock.cli", "dashboard", "serve", "--port", "0"],
        env={**os.environ, "CROSSDOCK_HOME": str(published_run.home), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        assert match, f"serve printed {line!r}"
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`make browser`, run by "
            "`make setup`) to run the dashboard test",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
            timeout=60_000,
        )
        try:
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            tab.goto(server, timeout=60_000)
            tab.wait_for_selector("body[data-rendered=true]", timeout=60_000)
            assert errors == [], errors
            yield tab
        finally:
            context.close()


def values(trace: dict) -> list:
    return [
        v
        for v in (trace["y"] if trace["y"] and not isinstance(trace["y"][0], str) else trace["x"])
        if v is not None
    ]


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def assert_bars(trace: dict, expected: list[tuple]) -> None:
    """Same categories in the same order, values equal to the cent (the page rounds in JS)."""
    assert trace["x"] == [c for c, _ in expected]
    for got, (category, want) in zip(trace["y"], expected, strict=True):
        assert got == pytest.approx(float(want), abs=0.011), category


LANDED_PER_LINE = """
    select ship_to_country, round(sum(goods_value_eur) / count(*), 2)
    from marts.fct_landed_costs where is_cross_border {where}
    group by 1 order by count(*) desc, 1
"""
AT_RISK_PER_DAY = """
    select platform, as_of_date, count(distinct seller_id) filter (where is_at_risk)
    from marts.fct_seller_scorecards {where} group by all order by all
"""
REPLENISHMENT = """
    select warehouse_id, sum(recommended_order_units), sum(reorder_point_units)
    from marts.fct_replenishment_advice {where} group by 1 order by 1
"""


def test_every_chart_is_drawn_with_the_marts_data(page, published_run: Settings):
    state = page.evaluate(CHART_STATE)
    assert set(state) == CHARTS
    for chart, s in state.items():
        assert s["points"] > 0, f"{chart}: nothing drawn"
        assert sum(len(values(t)) for t in s["traces"]) > 0, f"{chart}: no data"

    goods = next(t for t in state["chart-landed"]["traces"] if t["name"] == "goods")
    expected = query(published_run, LANDED_PER_LINE.format(where=""))
    assert_bars(goods, expected)

    at_risk = {
        (t["name"], day): n
        for t in state["chart-sellers-at-risk"]["traces"]
        for day, n in zip(t["x"], t["y"], strict=True)
    }
    expected = query(published_run, AT_RISK_PER_DAY.format(where=""))
    assert at_risk == {(p, d.isoformat()): n for p, d, n in expected}

    advice = {t["name"]: t for t in state["chart-replenishment"]["traces"]}
    expected = query(published_run, REPLENISHMENT.format(where=""))
    assert_bars(advice["recommended order"], [(w, order) for w, order, _ in expected])
    assert_bars(advice["reorder point"], [(w, rop) for w, _, rop in expected])

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_filters_change_every_chart(page, published_run: Settings):
    before = page.evaluate(CHART_STATE)
    platform = query(
        published_run,
        "select platform from marts.fct_orders group by 1 order by count(*) desc limit 1",
    )[0][0]
    page.select_option("#f-platform", platform)
    page.fill("#f-from", "2025-02-10")
    page.dispatch_event("#f-from", "change")
    after = page.evaluate(CHART_STATE)
    for chart in CHARTS:
        assert after[chart]["points"] > 0, f"{chart}: nothing drawn after filtering"
        changed = json.dumps(after[chart]["traces"]) != json.dumps(before[chart]["traces"])
        assert changed == (chart not in AS_OF_CHARTS), chart

    goods = next(t for t in after["chart-landed"]["traces"] if t["name"] == "goods")
    where = f"and platform = '{platform}' and order_date >= '2025-02-10'"
    expected = query(published_run, LANDED_PER_LINE.format(where=where))
    assert_bars(goods, expected)
    assert [t["name"] for t in after["chart-sellers-at-risk"]["traces"]] == [platform]
    assert min(min(t["x"]) for t in after["chart-sellers-at-risk"]["traces"]) == "2025-02-10"

    destination = goods["x"][0]
    page.select_option("#f-destination", destination)
    narrowed = page.evaluate(CHART_STATE)
    assert narrowed["chart-landed"]["traces"][0]["x"] == [destination]
    assert set(narrowed["chart-customs-holds"]["traces"][0]["x"]) == {destination}
    warehouses = query(
        published_run, REPLENISHMENT.format(where=f"where warehouse_country = '{destination}'")
    )
    for trace in narrowed["chart-replenishment"]["traces"]:
        assert trace["x"] == [w for w, _, _ in warehouses]
    page.evaluate("document.activeElement.blur()")  # no focus ring in the screenshot
    page.screenshot(path=str(SCREENSHOTS / "dashboard-filtered.png"), full_page=True)

    page.click("#f-reset")
    assert page.evaluate(CHART_STATE) == before


def test_demand_chart_draws_the_newest_forecast_with_its_bands(
    page, published_run: Settings, tmp_path: Path
):
    """The forecast tables' contract (crossdock/forecast_store.py) filled by hand on a copy of
    the run's build: the page sums the newest run's chosen models per day, bands included."""
    settings = Settings(home=tmp_path / "home")
    settings.build_dir.mkdir(parents=True)
    shutil.copyfile(published_run.build_path, settings.build_path)
    with duckdb.connect(str(settings.build_path)) as con:
        for run, created, units in (("old", "2025-02-01", 9.0), ("new", "2025-02-02", 2.0)):
            con.execute(
                "insert into forecasts.forecast_runs values"
                f" ('{run}', date '2025-02-16', timestamp '{created}', 3, 7, 'AutoETS', 2, 'x', 1)"
            )
            for model, chosen in (("AutoETS", True), ("SeasonalNaive", False)):
                con.execute(
                    f"insert into forecasts.forecasts select '{run}', date '2025-02-16',"
                    " s.sku || '|' || s.dest, s.sku, s.dest, date '2025-02-16' + h::int, h::int,"
                    f" '{model}', {chosen}, {units} * h, {units} * h - 1, {units} * h + 1,"
                    f" {units} * h - 2, {units} * h + 2"
                    " from (values ('SKU-A', 'US'), ('SKU-B', 'US'), ('SKU-C', 'DE')) s(sku, dest),"
                    " range(1, 4) t(h)"
                )
    steps.publish(settings)
    page.goto((settings.home / "dashboard" / "index.html").as_uri())
    page.wait_for_selector("body[data-rendered=true]")
    traces = {t["name"]: t for t in page.evaluate(CHART_STATE)["chart-demand"]["traces"]}
    # Newest run, chosen model only: three series of 2 * horizon units.
    assert traces["forecast"]["x"] == ["2025-02-17", "2025-02-18", "2025-02-19"]
    assert traces["forecast"]["y"] == [6, 12, 18]
    assert traces["80 % interval"]["y"] == [9, 15, 21]
    assert traces["95 % interval"]["y"] == [12, 18, 24]
    assert traces["units ordered"]["y"]
    page.select_option("#f-destination", "DE")
    traces = {t["name"]: t for t in page.evaluate(CHART_STATE)["chart-demand"]["traces"]}
    assert traces["forecast"]["y"] == [2, 4, 6]
