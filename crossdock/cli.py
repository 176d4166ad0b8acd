"""The `crossdock` command line: the same steps the DAGs run, one at a time or end to end."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from crossdock.config import FAMILIES, REPO_ROOT, Settings
from crossdock.orchestrate import days_between
from crossdock.pipeline import (
    DEFAULT_END,
    DEFAULT_ORDERS_PER_DAY,
    DEFAULT_SEED,
    DEFAULT_START,
    PipelineBusy,
    exclusive_run,
)
from crossdock.steps import step_failures


def _range_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    p.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crossdock", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("simulate", help="write seeded partner deliveries into the landing folder")
    _range_args(p)
    volume = p.add_mutually_exclusive_group()
    volume.add_argument("--orders-per-day", type=int, default=DEFAULT_ORDERS_PER_DAY)
    volume.add_argument("--orders", type=int, help="total orders over the range")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=RATE]",
        help="inject a partner fault (repeatable); see simulator/faults.py",
    )
    p.add_argument(
        "--canonical-only",
        action="store_true",
        help="deliver every feed in crossdock's canonical formats (no Amazon, Shopify, IFTSTA, H7)",
    )

    p = sub.add_parser("ingest", help="parse, gate and land delivered files (no Airflow)")
    _range_args(p)
    p.add_argument("--family", choices=FAMILIES, action="append")

    p = sub.add_parser("build", help="dbt build of the warehouse (models and tests)")
    p.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental facts from the whole lake",
    )
    sub.add_parser("gate", help="validate the marts with their GX suites")
    sub.add_parser("publish", help="publish the build as the read-only serving snapshot")
    sub.add_parser("docs", help="dbt docs of the build: <home>/docs/dbt/index.html, one file")

    p = sub.add_parser(
        "forecast",
        help="refresh the demand forecasts, build, gate and publish the forecast marts",
    )
    p.add_argument(
        "--cutoff",
        type=date.fromisoformat,
        help="last day of demand the models see (default: the last day in fct_demand_daily)",
    )
    p.add_argument(
        "--horizon", type=_positive_int, help="days to forecast after the cutoff (default 28)"
    )

    p = sub.add_parser("run", help="simulate, run every DAG through Airflow, publish, summarise")
    _range_args(p)
    p.add_argument("--orders-per-day", type=int, default=DEFAULT_ORDERS_PER_DAY)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--no-simulate", action="store_true", help="use what is already in landing/")
    p.add_argument(
        "--scms-file",
        type=Path,
        default=os.environ.get("CROSSDOCK_SCMS_FILE") or None,
        help="deliver this SCMS delivery history file into landing/carrier/scms/<start>/ first "
        "(default: $CROSSDOCK_SCMS_FILE; without it the optional SCMS feed reads as empty)",
    )

    p = sub.add_parser("sql", help="read-only SQL on the published serving warehouse")
    query = p.add_mutually_exclusive_group()
    query.add_argument("-c", "--command", dest="sql_command", help="run this SQL and exit")
    query.add_argument("-f", "--file", dest="sql_file", type=Path, help="run this .sql file")
    p.add_argument("--format", dest="sql_format", choices=("table", "csv", "json"), default="table")

    p = sub.add_parser("export", help="export every published mart to <home>/serving/parquet/")

    p = sub.add_parser("dashboard", help="the static dashboard of the published marts")
    dash = p.add_subparsers(dest="dashboard_command", required=True)
    dash.add_parser("build", help="write <home>/dashboard/index.html from the serving snapshot")
    serve = dash.add_parser("serve", help="serve <home>/dashboard/ on localhost")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--host", default="127.0.0.1")

    p = sub.add_parser("reference-refresh", help="regenerate shipped reference tables")
    p.add_argument("--shared-data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command in ("sql", "export", "dashboard"):
        # Readers of the serving snapshot: no pipeline lock, none of the pipeline's heavy imports
        # (GX alone takes seconds), so the SQL shell starts at once.
        return _analytics(args, settings)
    try:
        return _dispatch(args, settings)
    except PipelineBusy as exc:
        print(f"crossdock: {exc}", file=sys.stderr)
        return 75  # EX_TEMPFAIL
    except Exception as exc:
        if not isinstance(exc, (*step_failures(), FileNotFoundError)):  # a bug: its traceback
            raise
        print(f"crossdock {args.command} failed: {exc}", file=sys.stderr)
        return 1


def _analytics(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "sql":
            from crossdock.sql import main as sql_main

            return sql_main(settings, args.sql_command, args.sql_file, args.sql_format)
        if args.command == "export":
            from crossdock.export import export_marts

            print(json.dumps(export_marts(settings), indent=2))
            return 0
        if args.command == "dashboard":
            from crossdock import dashboard

            if args.dashboard_command == "build":
                print(dashboard.build(settings))
            else:
                dashboard.serve(settings, args.host, args.port)
            return 0
    except FileNotFoundError as exc:
        print(f"crossdock {args.command} failed: {exc}", file=sys.stderr)
        return 1
    return 2  # unreachable: argparse allows only the commands above


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from crossdock import steps

    if args.command == "simulate":
        from simulator.faults import Faults
        from simulator.generate import simulate

        per_day = args.orders_per_day
        if args.orders is not None:
            per_day = -(-args.orders // ((args.end - args.start).days + 1))
        manifest = simulate(
            settings.landing,
            args.start,
            args.end,
            per_day,
            args.seed,
            faults=Faults.parse(args.fault) if args.fault else None,
            partner_formats=not (args.canonical_only or args.fault),
        )
        counts = {k: v for k, v in vars(manifest).items() if k not in ("files", "faults")}
        print(json.dumps(counts, indent=2, default=str))
        return 0
    if args.command == "run":
        from crossdock.pipeline import run, summary

        result = run(
            settings,
            args.start,
            args.end,
            args.orders_per_day,
            args.seed,
            not args.no_simulate,
            scms_file=args.scms_file,
        )
        print(summary(settings, result))
        return 0 if result.success else 1
    if args.command == "reference-refresh":
        from crossdock.reference.refresh import refresh

        refresh(args.shared_data)
        return 0
    with exclusive_run(settings):
        if args.command == "ingest":
            for day in days_between(args.start, args.end):
                for report in steps.ingest_day(day.isoformat(), settings, args.family or FAMILIES):
                    print(json.dumps(report))
        elif args.command == "build":
            print(json.dumps(steps.build(settings, full_refresh=args.full_refresh), indent=2))
        elif args.command == "gate":
            print(json.dumps(steps.gate_marts(settings), indent=2))
        elif args.command == "publish":
            print(json.dumps(steps.publish(settings), indent=2, default=str))
        elif args.command == "docs":
            from crossdock.warehouse import generate_docs

            print(generate_docs(settings))
        elif args.command == "forecast":
            cutoff = args.cutoff.isoformat() if args.cutoff else None
            for report in (
                steps.refresh_forecasts(settings, cutoff=cutoff, horizon=args.horizon),
                steps.build_forecast_marts(settings),
                steps.gate_forecast_marts(settings),
                steps.publish_forecasts(settings),
            ):
                print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
