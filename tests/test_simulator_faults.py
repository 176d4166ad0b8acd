"""Fault switches of the simulator: each writes exactly what the manifest says, deterministically,
and nothing is injected unless asked."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from crossdock.reference import currency_codes
from simulator.faults import DEFAULT_RATE, Faults
from simulator.generate import SimulationManifest, main, simulate

START, END = date(2024, 3, 1), date(2024, 3, 10)
OPD, SEED = 120, 5
FAULTS = Faults(
    duplicate_files=0.2,
    duplicate_payloads=0.05,
    late_events=0.05,
    out_of_order=0.1,
    added_column=0.2,
    renamed_column=0.1,
    type_change=0.1,
    malformed_rows=0.04,
    truncated_file=0.1,
)


@dataclass
class Run:
    root: Path
    manifest: SimulationManifest

    @property
    def faults(self) -> dict:
        return self.manifest.faults

    def text(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def lines(self, rel: str) -> list[str]:
        return self.text(rel).split("\n")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _utc(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(UTC)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("clean")
    return Run(root, simulate(root, START, END, OPD, SEED))


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("faulty")
    return Run(root, simulate(root, START, END, OPD, SEED, faults=FAULTS))


# --- switches, determinism, off by default -------------------------------------------------------


def test_off_by_default_is_byte_identical(clean: Run, tmp_path: Path) -> None:
    m = simulate(tmp_path, START, END, OPD, SEED, faults=Faults())
    assert m == clean.manifest and m.faults == {}
    assert _files(tmp_path) == _files(clean.root)
    assert "faults" not in json.loads((tmp_path / "_manifest.json").read_text())


def test_same_faults_give_identical_bytes(faulty: Run, tmp_path: Path) -> None:
    m = simulate(tmp_path, START, END, OPD, SEED, faults=FAULTS)
    assert m == faulty.manifest
    assert _files(tmp_path) == _files(faulty.root)
    assert SimulationManifest.read(tmp_path / "_manifest.json") == m


def test_every_switch_fired_and_is_listed(faulty: Run) -> None:
    f = faulty.faults
    assert f["switches"] == FAULTS.switches()
    for name in Faults.names():
        assert f[name], f"{name} injected nothing"
    on_disk = sorted(r for r in _files(faulty.root) if r != "_manifest.json")
    assert list(faulty.manifest.files) == on_disk
    # Faults do not change the simulated truth: the counts are those of the clean run.
    assert faulty.manifest.orders > 0


def test_clean_counts_unchanged(clean: Run, faulty: Run) -> None:
    skip = {"files", "faults"}
    a, b = clean.manifest.to_dict(), faulty.manifest.to_dict()
    assert {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }


def test_parse_and_validation() -> None:
    f = Faults.parse(["malformed_rows=0.03", "truncated-file"])
    assert f.malformed_rows == 0.03 and f.truncated_file == DEFAULT_RATE["truncated_file"]
    assert Faults(late_events=True).late_events == 1.0
    assert not Faults().active
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse(["gremlins"])
    with pytest.raises(ValueError, match="not in"):
        Faults(malformed_rows=2)


def test_cli_orders_and_faults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path), "--start", "2024-03-01", "--end", "2024-03-03", "--orders", "100",
          "--fault", "malformed_rows=0.05", "--fault", "added_column"])  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    assert printed["orders_per_day"] == 34  # ceil(100 / 3)
    m = SimulationManifest.read(tmp_path / "_manifest.json")
    assert m.faults["switches"] == {"added_column": 0.1, "malformed_rows": 0.05}


# --- each switch writes exactly what the manifest says -----------------------------------------


def test_duplicate_files(faulty: Run) -> None:
    for rec in faulty.faults["duplicate_files"]:
        orig, copy = rec["file"], rec["copy"]
        assert (faulty.root / orig).read_bytes() == (faulty.root / copy).read_bytes()
        o_feed, o_day, o_name = orig.rsplit("/", 2)
        c_feed, c_day, c_name = copy.rsplit("/", 2)
        assert c_feed == o_feed
        assert date.fromisoformat(c_day) == date.fromisoformat(o_day) + timedelta(days=1)
        stem, ext = o_name.rsplit(".", 1)
        assert c_name == f"{stem}_resend.{ext}"
        assert orig not in faulty.faults["rejected_files"]
    resent = {r["copy"] for r in faulty.faults["duplicate_files"]}
    assert resent == {f for f in faulty.manifest.files if "_resend." in f}


def test_duplicate_payloads(faulty: Run) -> None:
    for rec in faulty.faults["duplicate_payloads"]:
        line = faulty.lines(rec["file"])[rec["line"] - 1]
        assert line == faulty.lines(rec["source_file"])[rec["source_line"] - 1]
        assert json.loads(line)["msg"]["slug"] in rec["file"]
        src_day = date.fromisoformat(rec["source_file"].split("/")[2])
        assert rec["file"].split("/")[2] == (src_day + timedelta(days=1)).isoformat()


def _payload(run: Run, rel: str, line: int) -> dict:
    return json.loads(run.lines(rel)[line - 1])


def _spoiled(run: Run) -> set[tuple[str, int]]:
    """(file, line) of malformed rows, in their file or its resent copy: values may not parse."""
    copies: dict[str, list[str]] = {}
    for rec in run.faults["duplicate_files"]:
        copies.setdefault(rec["file"], []).append(rec["copy"])
    return {
        (f, r["line"])
        for rel, recs in run.faults["malformed_rows"].items()
        for r in recs
        for f in [rel, *copies.get(rel, [])]
    }


def test_late_events(faulty: Run) -> None:
    spoiled = _spoiled(faulty)
    for rec in faulty.faults["late_events"]:
        if rec["file"] in faulty.faults["truncated_file"] or (rec["file"], rec["line"]) in spoiled:
            continue
        p = _payload(faulty, rec["file"], rec["line"])
        file_day = date.fromisoformat(rec["file"].split("/")[2])
        cp_day = date.fromisoformat(rec["checkpoint_day"])
        assert p["msg"]["tracking_number"] == rec["tracking_number"]
        assert 1 <= rec["days_late"] == (file_day - cp_day).days <= 3
        assert p["sent_at"].startswith(file_day.isoformat())
        days = {_utc(c["checkpoint_time"]).date() for c in p["msg"]["checkpoints"]}
        assert days == {cp_day}


def test_out_of_order_events(faulty: Run) -> None:
    tracking = [f for f in faulty.manifest.files if f.endswith(".jsonl")]
    spoiled = _spoiled(faulty)
    by_ship: dict[str, list[tuple[str, date]]] = {}
    for rel in tracking:
        if rel in faulty.faults["truncated_file"]:
            continue
        for i, line in enumerate(faulty.lines(rel)[:-1]):
            if (rel, i + 1) in spoiled:
                continue
            p = json.loads(line)
            first = _utc(p["msg"]["checkpoints"][0]["checkpoint_time"]).date()
            by_ship.setdefault(p["msg"]["tracking_number"], []).append((rel, first))
    for rec in faulty.faults["out_of_order"]:
        rel = rec["file"]
        if rel in faulty.faults["truncated_file"]:
            continue
        if (rel, rec["line"]) in spoiled or (rel, rec["line"] - 1) in spoiled:
            continue
        p = _payload(faulty, rel, rec["line"])
        cp_day = date.fromisoformat(rec["checkpoint_day"])
        later = date.fromisoformat(rec["later_checkpoint_day"])
        assert {_utc(c["checkpoint_time"]).date() for c in p["msg"]["checkpoints"]} == {cp_day}
        # The shipment's later checkpoints came in an earlier file than this one.
        earlier_files = [
            r for r, d in by_ship[rec["tracking_number"]] if d == later and r.split("/")[2] < rel
        ]
        later_rel = rel.replace(rel.split("/")[2], later.isoformat()).replace(
            rel.rsplit("_", 1)[1], f"{later:%Y%m%d}.jsonl"
        )
        if later_rel not in faulty.faults["truncated_file"]:
            assert later_rel in earlier_files, rec
        # The file is not sorted by time: this payload comes after later ones of the file day.
        file_day = date.fromisoformat(rel.split("/")[2])
        before = [
            _utc(_payload(faulty, rel, i)["msg"]["checkpoints"][0]["checkpoint_time"])
            for i in range(1, rec["line"])
            if (rel, i) not in spoiled
        ]
        if any(t.date() == file_day for t in before):
            assert max(before).date() > cp_day


def test_checkpoints_reconcile(clean: Run, tmp_path: Path) -> None:
    """Late and out-of-order payloads are moved, not lost; duplicates add exact copies."""
    f = Faults(late_events=0.1, out_of_order=0.2, duplicate_payloads=0.05)
    m = simulate(tmp_path, START, END, OPD, SEED, faults=f)
    run = Run(tmp_path, m)

    def checkpoints(r: Run) -> Counter:
        out: Counter = Counter()
        for rel in r.manifest.files:
            if rel.endswith(".jsonl"):
                for line in r.lines(rel)[:-1]:
                    p = json.loads(line)
                    for c in p["msg"]["checkpoints"]:
                        out[(p["msg"]["tracking_number"], c["checkpoint_time"], c["subtag"])] += 1
        return out

    got, want = checkpoints(run), checkpoints(clean)
    assert set(got) == set(want) and sum(want.values()) == m.tracking_events
    dup_cps = sum(
        len(_payload(run, r["file"], r["line"])["msg"]["checkpoints"])
        for r in m.faults["duplicate_payloads"]
    )
    assert dup_cps > 0 and sum(got.values()) == m.tracking_events + dup_cps
    assert m.faults["late_events"] and m.faults["out_of_order"]


def _header(run: Run, rel: str) -> list[str]:
    return run.lines(rel)[0].split(",")


def test_added_column(faulty: Run, clean: Run) -> None:
    for rel, rec in faulty.faults["added_column"].items():
        df = pl.read_csv(faulty.root / rel, infer_schema=False)
        assert df.columns[-1] == rec["column"] == "partner_reference"
        if rel not in faulty.faults["truncated_file"]:
            assert df[rec["column"]].is_not_null().all()
        if (
            rel not in faulty.faults["rejected_files"]
            and rel not in faulty.faults["malformed_rows"]
        ):
            base = pl.read_csv(clean.root / rel, infer_schema=False)
            assert df.drop(rec["column"]).equals(base)


def test_renamed_column(faulty: Run, clean: Run) -> None:
    for rel, rec in faulty.faults["renamed_column"].items():
        header = _header(faulty, rel)
        assert rec["to"] in header and rec["from"] not in header
        assert header[header.index(rec["to"])] == rec["to"]
        assert _header(clean, rel).index(rec["from"]) == header.index(rec["to"])
        assert rel in faulty.faults["rejected_files"]


def test_type_change(faulty: Run) -> None:
    for rel, rec in faulty.faults["type_change"].items():
        values = pl.read_csv(faulty.root / rel, infer_schema=False)[rec["column"]]
        assert values.len() == rec["rows"] > 0
        match rec["kind"]:
            case "float_quantity":
                assert values.str.contains(r"^\d+\.0$").all()
            case "currency_symbol":
                assert values.str.contains(r"^(\$|C\$|A\$|£|€|¥)\d+(\.\d\d)?$").all()
            case "epoch_timestamp":
                assert values.str.contains(r"^\d{10}$").all()
        assert (
            values.cast(pl.Int32, strict=False).is_null().all() or rec["kind"] != "float_quantity"
        )
        assert rel in faulty.faults["rejected_files"]


def test_malformed_rows(faulty: Run, clean: Run) -> None:
    known_currencies = currency_codes()
    assert "ZZZ" not in known_currencies
    kinds: set[str] = set()
    for rel, records in faulty.faults["malformed_rows"].items():
        got, want = faulty.lines(rel), clean.lines(rel)
        assert rel not in faulty.faults["rejected_files"]
        dup_lines = {r["line"] for r in faulty.faults["duplicate_payloads"] if r["file"] == rel}
        n_rows = len(got) - 1 - (0 if rel.endswith(".jsonl") else 1)
        assert len(records) > 0 and len(records) / n_rows < 0.05, rel
        differing = {
            i + 1 for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b
        } - dup_lines
        if rel.endswith(".csv") and rel not in faulty.faults["added_column"]:
            assert differing == {r["line"] for r in records}, rel
        for r in records:
            kinds.add(r["kind"])
            line = got[r["line"] - 1]
            if rel.endswith(".jsonl"):
                assert r["value"] in line
            else:
                col = _header(faulty, rel).index(r["column"])
                assert line.split(",")[col] == r["value"]
                match r["kind"]:
                    case "invalid_date" | "invalid_timestamp":
                        assert r["value"][4:10] == "-02-30"
                    case "negative_quantity" | "negative_value":
                        assert float(r["value"]) < 0
                    case "unknown_currency":
                        assert r["value"] not in known_currencies
                    case "invalid_hs_code":
                        assert r["value"] in ("8517", "999998")
                    case "unknown_country":
                        assert r["value"] == "XX"
    assert len(kinds) >= 8


def test_truncated_files(faulty: Run, clean: Run) -> None:
    for rel, rec in faulty.faults["truncated_file"].items():
        data = (faulty.root / rel).read_bytes()
        assert len(data) == rec["bytes"] and not data.endswith(b"\n")
        full = (clean.root / rel).read_bytes()
        incoming = [r for r in faulty.faults["duplicate_payloads"] if r["file"] == rel]
        assert not incoming
        if rel.endswith(".csv") and rel not in faulty.faults["added_column"]:
            assert full.startswith(data) and len(full) > len(data)
        lines = data.split(b"\n")
        assert len(lines) == rec["line"]  # the cut line is the last, partial one
        if rel.endswith(".jsonl"):
            assert rel in faulty.faults["rejected_files"]
            with pytest.raises(json.JSONDecodeError):
                json.loads(lines[-1])


def test_ingestion_parse_sees_what_the_manifest_says(faulty: Run) -> None:
    """Parse-level outcomes (no GX gate here): rejected files fail to parse or have more than 5 %
    bad rows; otherwise the rows that fail to parse are exactly the recorded unparseable ones."""
    from ingestion import feeds_of
    from ingestion.contract import FeedError

    f = faulty.faults
    feeds = {
        f"{fd.family}/{fd.folder}": fd
        for family in ("marketplace", "carrier", "customs")
        for fd in feeds_of(family)
    }
    original = {r["copy"]: r["file"] for r in f["duplicate_files"]}
    parse_kinds = {"invalid_date", "invalid_timestamp", "missing_value"}
    outcomes: Counter = Counter()
    for rel in faulty.manifest.files:
        src = original.get(rel, rel)  # a resent copy holds its original's bytes
        feed = feeds[rel.rsplit("/", 2)[0]]
        try:
            typed, errors = feed.parse(faulty.root / rel, rel)
        except FeedError:
            assert src in f["rejected_files"], rel
            outcomes["unparseable"] += 1
            continue
        bad = {e.line for e in errors}
        if src in f["rejected_files"]:
            assert len(bad) / typed.height > 0.05, rel
            outcomes["too many bad rows"] += 1
            continue
        want = {r["line"] for r in f["malformed_rows"].get(src, []) if r["kind"] in parse_kinds}
        if src in f["truncated_file"]:
            want.add(f["truncated_file"][src]["line"])
        assert bad == want, rel
        outcomes["lands"] += 1
    assert outcomes["unparseable"] and outcomes["too many bad rows"] and outcomes["lands"]
