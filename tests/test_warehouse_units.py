"""Unit tests of the warehouse's parts: rows by column name, named inserts, the build-and-swap protocol,
the lock check, the cross-page checks. A real DuckDB file each time."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap
from decimal import Decimal

import duckdb
import pytest
from conftest import SEED, copy_seed, query

from pipeline.errors import DatabaseBusy, DatabaseUnreadable
from pipeline.extract.document import parse_page
from pipeline.extract.models import Record
from pipeline.run import main
from pipeline.warehouse import bulk, crosscheck, schema
from pipeline.warehouse.ledger import RunStats
from pipeline.warehouse.load import Warehouse
from pipeline.warehouse.lock import write_lock_holder
from pipeline.warehouse.rows import Loadable, TableRows, rows

STATS = dict(started_at="2026-11-30T00:00:00", finished_at="2026-11-30T00:00:01")


@pytest.fixture(scope="module")
def seed_record():
    return parse_page(SEED.read_bytes(), path=SEED.name)


def test_rows_are_built_by_column_name_and_a_wrong_name_raises():
    table = TableRows(["a", "b"])
    table.add(b=2, a=1)
    assert table.done("t") == {"a": [1], "b": [2]}
    with pytest.raises(KeyError):
        table.add(a=1, c=3)
    table = TableRows(["a", "b"])
    table.add(a=1)
    with pytest.raises(ValueError, match="missing values"):
        table.done("t")


def test_a_records_rows_carry_every_value(seed_record):
    out = rows([Loadable(Record.model_validate(seed_record), SEED.name, None)])
    scores = out["scores"]
    i = scores["indicator"].index("cocaine_trade")
    assert (scores["score"][i], scores["change"][i], scores["entity"][i], scores["pillar"][i]) == (
        8.0,
        0.5,
        "Belgium",
        "criminal_markets",
    )
    assert len(scores["edition"]) == 36 and set(out) == set(schema.CURRENT)
    assert out["profiles"]["population"] == [11592952]


def test_a_named_insert_puts_each_value_in_its_column(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (b VARCHAR, a INTEGER, c DOUBLE)")
    cols = (schema.Column("a", "INTEGER", ""), schema.Column("c", "DOUBLE", ""), schema.Column("b", "VARCHAR", ""))
    for n in (3, 40):  # the small path (VALUES) and the Arrow path
        con.execute("DELETE FROM t")
        bulk.insert(con, "t", cols, {"c": [0.5] * n, "b": ["x"] * n, "a": list(range(n))})
        assert con.execute("SELECT b, a, c FROM t ORDER BY a LIMIT 1").fetchone() == ("x", 0, 0.5)
    con.close()


@pytest.fixture
def reversed_schema():
    """Every table's columns in reverse order, in place (the tables are frozen: this test alone reaches
    in), so that every module sees the reordered schema."""
    original = {table.name: table.columns for table in schema.TABLES}
    for table in schema.TABLES:
        object.__setattr__(table, "columns", tuple(reversed(table.columns)))
    yield
    for table in schema.TABLES:
        object.__setattr__(table, "columns", original[table.name])


def test_reordering_the_columns_of_the_schema_keeps_every_value_in_its_column(reversed_schema, workdir):
    copy_seed(workdir / "raw")
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    first = query(db, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'scores' ORDER BY column_index")
    assert first[0] == (schema.TABLE["scores"].columns[0].name,) != ("edition",)  # the reversed schema was built
    assert query(
        db,
        "SELECT edition, entity_kind, entity, iso3, pillar, score, change FROM scores "
        "WHERE indicator = 'cocaine_trade'",
    ) == [(2023, "country", "Belgium", "BEL", "criminal_markets", Decimal("8.00"), Decimal("0.50"))]
    assert query(
        db, "SELECT capital, gdp_usd_million, income_group, population, area_km2, geography_type, gini FROM profiles"
    ) == [("Brussels", 594104.0, "High income", 11592952, 30530.0, "Coastal", 26.0)]
    assert query(
        db,
        "SELECT metric, scope, area, rank, of_total, change_shown, previous_rank FROM ranks "
        "WHERE scope = 'world' AND metric = 'criminality'",
    ) == [("criminality", "world", "World", 129, 193, -2, 127)]
    assert query(db, "SELECT pages_seen, pages_loaded, pages_rejected, status FROM runs") == [(1, 1, 0, "completed")]


def test_a_build_is_invisible_until_published_and_a_failed_one_leaves_the_old_file(tmp_path, seed_record):
    wh = Warehouse(tmp_path / "w.duckdb")
    with wh.build() as build:
        build.add([Loadable(Record.model_validate(seed_record), SEED.name, None)])
        assert not wh.path.exists()  # building beside it
        build.publish([], RunStats(**STATS))
    assert query(wh.path, "SELECT count(*) FROM scores") == [(36,)]
    before = wh.path.read_bytes()
    revised = copy.deepcopy(seed_record)
    revised["entities"][0]["scores"]["cocaine_trade"]["score"] = 7.5
    with pytest.raises(RuntimeError), wh.build() as build:
        build.add([Loadable(Record.model_validate(revised), SEED.name, None)])
        raise RuntimeError("the run fails before publishing")
    assert wh.path.read_bytes() == before
    assert not list(tmp_path.glob("*.building-*"))


HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("open", flush=True)
    time.sleep(30)
""")


def test_a_writer_is_named_by_its_pid_and_a_damaged_file_is_told_apart(tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    assert write_lock_holder(path) is None
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        assert write_lock_holder(path) == holder.pid
        with pytest.raises(DatabaseBusy) as busy:
            Warehouse(path).open_read_only()
        assert busy.value.pid == holder.pid and f"PID {holder.pid}" in str(busy.value)
    finally:
        holder.kill()
        holder.wait()
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"block " * 2000)  # "block" holds "lock": the message text must not decide
    with pytest.raises(DatabaseUnreadable, match="not a valid DuckDB database"):
        Warehouse(damaged).open_read_only()


def test_the_cross_page_checks_on_a_small_database(tmp_path, seed_record):
    """Two copies of Belgium 2023 disagreeing on one score: source_agreement names both pages; a change
    that does not match a loaded previous edition: change_vs_previous."""
    other = copy.deepcopy(seed_record)
    other["entities"][0]["scores"]["cocaine_trade"] = {"score": 7.5, "change": 0.0}
    earlier = copy.deepcopy(seed_record)
    earlier["edition"] = 2021
    earlier["source"]["sha256"] = "1" * 64
    for sc in earlier["entities"][0]["scores"].values():
        sc["change"] = None
    earlier["entities"][0]["scores"]["cocaine_trade"]["score"] = 7.0  # 2023 prints 8.00 +0.50: 7.50 expected
    earlier["entities"][0]["ranks"] = []
    wh = Warehouse(tmp_path / "c.duckdb")
    with wh.build() as build:
        build.add(
            [
                Loadable(Record.model_validate(seed_record), "a.txt", None),
                Loadable(Record.model_validate(other), "b.txt", None),
                Loadable(Record.model_validate(earlier), "c.txt", None),
            ]
        )
        published = build.publish([], RunStats(**STATS))
    found = {(f.check, f.item): f for f in published.checks}
    assert found[("source_agreement", "cocaine_trade")].pages == ["a.txt", "b.txt"]
    change = found[("change_vs_previous", "cocaine_trade")]
    assert (change.expected, change.found) == ("+1.00", "+0.50") and change.pages == ["a.txt", "c.txt"]
    assert [f.check for f in published.checks if f.check == "rank_order"] == []  # no edition is complete
    assert crosscheck.complete_editions(duckdb.connect(str(wh.path), read_only=True)) == []
