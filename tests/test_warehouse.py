"""The warehouse: history, safe publishing, the lock, the ledger, views, exports, comments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal

import duckdb
import pytest
from conftest import ROOT, SEED, copy_seed, put, query, run_cli, table_contents

from pipeline import catalog
from pipeline.run import main
from pipeline.warehouse.lock import RunLock

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

REVISED = (
    SEED.read_text(encoding="utf-8")
    .replace("Cocaine trade\n\n    8.000.50", "Cocaine trade\n\n    7.500.00")
    .replace("Cannabis trade\n\n    6.500.00", "Cannabis trade\n\n    7.000.50")
)


def run_in(workdir, *extra):
    return main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra])


def db(workdir):
    return workdir / "extracted" / "ocindex.duckdb"


def test_revised_value_keeps_its_history_and_is_reported(workdir, capsys):
    page = copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    page.write_text(REVISED, encoding="utf-8")
    capsys.readouterr()
    assert run_in(workdir) == 0
    out = capsys.readouterr().out
    assert "0 entities added, 0 removed, 2 values changed" in out
    assert "~ Belgium 2023 cocaine_trade: 8.00 (+0.50) -> 7.50 (+0.00)" in out
    assert "~ Belgium 2023 cannabis_trade: 6.50 (+0.00) -> 7.00 (+0.50)" in out
    d = db(workdir)
    assert query(d, "SELECT score, change FROM scores WHERE iso3='BEL' AND indicator='cocaine_trade'") == [
        (Decimal("7.50"), Decimal("0.00"))
    ]
    history = query(
        d,
        """SELECT score, change, first_run, replaced_run FROM score_history
                          WHERE iso3='BEL' AND indicator='cocaine_trade' ORDER BY first_run""",
    )
    assert history == [(Decimal("8.00"), Decimal("0.50"), 1, 2), (Decimal("7.50"), Decimal("0.00"), 2, None)]
    assert query(d, "SELECT count(*) FROM score_history WHERE replaced_run IS NULL") == [(36,)]
    assert query(d, "SELECT run_id, values_changed FROM runs ORDER BY 1") == [(1, 36), (2, 2)]
    # a third run with nothing new changes nothing and reports nothing
    assert run_in(workdir) == 0
    assert query(d, "SELECT count(*) FROM score_history") == [(38,)]


def test_entities_added_and_removed_are_reported(workdir, capsys):
    page = copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    page.unlink()
    capsys.readouterr()
    assert run_in(workdir) == 0
    out = capsys.readouterr().out
    assert "0 entities added, 1 removed" in out and "- Belgium (country, 2023)" in out
    assert query(db(workdir), "SELECT count(*) FROM scores") == [(0,)]
    assert query(db(workdir), "SELECT count(*) FROM score_history WHERE replaced_run = 2") == [(36,)]
    assert not (workdir / "extracted" / "000_fdcefce654b14ab5.json").exists()


def test_run_ledger(workdir):
    copy_seed(workdir / "raw")
    put(workdir / "raw", "empty.txt", b"")
    assert run_in(workdir) == 0
    assert run_in(workdir) == 0
    rows = query(
        db(workdir),
        """SELECT run_id, status, pages_seen, pages_fetched, pages_not_modified, pages_parsed,
                                        pages_valid, pages_loaded, pages_rejected, code_version,
                                        seconds_parse >= 0 AND seconds_load > 0, finished_at >= started_at
                                 FROM runs ORDER BY run_id""",
    )
    from pipeline import __version__

    assert rows == [
        (1, "completed", 2, 0, 0, 2, 1, 1, 1, __version__, True, True),
        (2, "unchanged", 2, 0, 0, 0, 1, 1, 1, __version__, True, True),
    ]


def test_unchanged_raw_folder_with_a_broken_link_is_a_no_op(workdir):
    copy_seed(workdir / "raw")
    os.symlink(workdir / "raw" / "missing.txt", workdir / "raw" / "dangling.txt")
    assert run_in(workdir) == 0
    assert run_in(workdir) == 0
    assert query(db(workdir), "SELECT status, pages_rejected FROM runs ORDER BY run_id") == [
        ("completed", 1),
        ("unchanged", 1),
    ]
    assert query(db(workdir), "SELECT path, code FROM rejects") == [("dangling.txt", "unreadable")]


READER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("open", flush=True)
    end = time.monotonic() + float(sys.argv[2])
    seen = set()
    while time.monotonic() < end:
        seen.add(con.execute("SELECT count(*), sum(score) FROM scores").fetchone())
        time.sleep(0.01)
    print(sorted(seen), flush=True)
""")


def test_reader_holding_the_file_sees_old_or_new_never_a_mix(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    old = query(db(workdir), "SELECT count(*), sum(score) FROM scores")[0]
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db(workdir)), "3"], stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "open"
    (workdir / "raw" / SEED.name).write_text(REVISED, encoding="utf-8")
    put(workdir / "raw", "colombia.txt", SEED.read_text(encoding="utf-8").replace("Belgium", "Netherlands"))
    assert run_in(workdir) == 0  # the run completes while the reader holds the file
    seen = reader.communicate(timeout=30)[0].strip()
    assert seen == str([old])  # the reader kept the consistent old content
    new = query(db(workdir), "SELECT count(*), sum(score) FROM scores")[0]
    assert new != old and new[0] == 72  # a new reader sees the whole new content


WRITER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("open", flush=True)
    time.sleep(30)
""")


def test_writer_holding_the_file_makes_the_run_fail_clearly(workdir, capsys):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    before = table_contents(db(workdir))
    holder = subprocess.Popen([sys.executable, "-c", WRITER, str(db(workdir))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        (workdir / "raw" / SEED.name).write_text(REVISED, encoding="utf-8")
        assert run_in(workdir) == 75  # EX_TEMPFAIL: try again later
        err = capsys.readouterr().err
        assert "another process has it open for writing" in err and f"PID {holder.pid}" in err
        assert "nothing was done" in err
    finally:
        holder.kill()
        holder.wait()
    assert table_contents(db(workdir)) == before
    assert run_in(workdir) == 0  # once the holder is gone, the next run goes through


def test_a_failed_search_index_leaves_the_database_and_its_index_as_they_were(workdir, capsys, monkeypatch):
    from pipeline.warehouse import fulltext

    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    before = table_contents(db(workdir))
    files_before = sorted(p.name for p in db(workdir).parent.glob("*.sqlite"))

    def broken(path, rows, digest):
        path.with_name(path.name + ".tmp").write_bytes(b"half an index")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fulltext, "write_index", broken)  # it runs in a thread of its own, beside the load
    monkeypatch.setattr(fulltext, "update_index", lambda previous, path, rows, digest: broken(path, rows, digest))
    # new analysis text, so that the index is built again (the same text keeps the index as it is)
    (workdir / "raw" / SEED.name).write_text(REVISED.replace("illicit timber", "illicit teakwood"), encoding="utf-8")
    assert run_in(workdir) == 3
    err = capsys.readouterr().err
    assert "database is unchanged" in err and "is full" in err and "Traceback" not in err
    assert table_contents(db(workdir)) == before
    assert not list(db(workdir).parent.glob("*.building-*")) and not list(db(workdir).parent.glob("*.tmp"))
    assert sorted(p.name for p in db(workdir).parent.glob("*.sqlite")) == files_before
    monkeypatch.undo()
    from pipeline.warehouse.search_query import search

    assert search(db(workdir), "timber")  # the published database still finds its own index


def _search_index_event(capsys) -> str:
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    (swap,) = [e for e in events if e["event"] == "swap"]
    return swap["search_index"]


def test_the_search_index_is_built_again_only_when_the_analysis_text_changes(workdir, capsys):
    from pipeline.warehouse.search_query import search

    page = copy_seed(workdir / "raw")
    json_log = ("-v", "--log-format", "json")
    assert run_in(workdir, *json_log) == 0
    assert _search_index_event(capsys) == "built"
    found = search(db(workdir), "timber Antwerp")
    assert found and found[0].entity == "Belgium"
    (first,) = query(db(workdir), "SELECT file FROM search_index")
    # new scores, the same text: the index file stands, and search gives the same answers
    page.write_text(REVISED, encoding="utf-8")
    assert run_in(workdir, *json_log) == 0
    assert _search_index_event(capsys) == "kept"
    assert query(db(workdir), "SELECT score FROM scores WHERE indicator = 'cocaine_trade'") == [(Decimal("7.50"),)]
    assert query(db(workdir), "SELECT file FROM search_index") == [first]
    assert search(db(workdir), "timber Antwerp") == found
    # new text (a word written for this test): a new index file, which finds it; the one before stays for a
    # reader that opened the database before the swap, and goes with the next build
    page.write_text(REVISED.replace("illicit timber", "illicit teakwood"), encoding="utf-8")
    assert search(db(workdir), "teakwood") == []
    assert run_in(workdir, *json_log) == 0
    assert _search_index_event(capsys) == "updated"  # one section of eleven changed: a copy, updated
    (hit,) = search(db(workdir), "teakwood")
    assert (hit.entity, hit.title) == ("Belgium", "Environment") and "[teakwood]" in hit.snippet
    (second,) = query(db(workdir), "SELECT file FROM search_index")
    assert second != first
    folder = db(workdir).parent
    assert {p.name for p in folder.glob("*.sqlite")} == {first[0], second[0]}
    page.write_text(REVISED.replace("illicit timber", "illicit mahogany"), encoding="utf-8")
    assert run_in(workdir) == 0
    (third,) = query(db(workdir), "SELECT file FROM search_index")
    assert {p.name for p in folder.glob("*.sqlite")} == {second[0], third[0]}
    # the updated index answers exactly as one built from scratch on the same pages
    fresh = workdir / "fresh"
    shutil.copytree(workdir / "raw", fresh / "raw")
    assert main(["--raw-dir", str(fresh / "raw"), "--extracted-dir", str(fresh / "extracted")]) == 0
    for words in ("mahogany", "illicit", "cocaine port", '"human trafficking"', "Brussels OR Antwerp", "NOT"):
        assert search(db(workdir), words, limit=20) == search(db(fresh), words, limit=20), words


def test_a_reader_never_sees_a_database_without_its_index(workdir):
    """Readers (other processes, as `ocindex search` is) search in a loop while runs publish new text: every
    search finds the index of the database it opened (its digest checked), never an error."""
    page = copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    loop = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from pipeline.warehouse.search_query import search\n"
        "n, end = 0, time.monotonic() + float(sys.argv[2])\n"
        "while time.monotonic() < end:\n"
        "    hits = search(Path(sys.argv[1]), 'illicit')\n"
        "    assert hits and all(h.entity == 'Belgium' for h in hits), hits\n"
        "    n += 1\n"
        "print(n)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    readers = [subprocess.Popen([sys.executable, "-c", loop, str(db(workdir)), "6"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]  # fmt: skip
    from pipeline.warehouse.search_query import search

    words = iter(["teakwood", "mahogany", "ebony", "rosewood", "walnut", "cedar", "larch", "birch"] * 4)
    while any(r.poll() is None for r in readers):
        word = next(words)
        page.write_text(REVISED.replace("illicit timber", f"illicit {word}"), encoding="utf-8")
        assert run_in(workdir) == 0
        assert search(db(workdir), word)
    for r in readers:
        out, err = r.communicate()
        assert r.returncode == 0 and int(out) > 0, err


def test_search_finds_phrases_and_shows_the_matched_passage(workdir):
    from pipeline.warehouse.search_query import search

    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    # the seed's Drugs section: "The port of Antwerp has become a key trafficking point for cocaine" (hand check)
    (hit,) = search(db(workdir), '"key trafficking point"')
    assert (hit.edition, hit.entity, hit.title) == (2023, "Belgium", "Drugs")
    assert "[key trafficking point]" in hit.snippet and not hit.snippet.startswith(SEED_DRUGS_START)
    assert search(db(workdir), '"trafficking key point"') == []  # the words, but not as a phrase
    assert search(db(workdir), "ports Antwerp")  # stemmed: ports finds port
    assert search(db(workdir), "Antwerp", edition=2021) == []
    for odd in ("cocaine-trade", "a:b", "(cocaine", "cocaine*", 'unclosed "quote', "NOT", "--", "OR cocaine OR"):
        search(db(workdir), odd)  # read as text: no syntax error
    with pytest.raises(Exception, match="no words"):
        search(db(workdir), '""')


SEED_DRUGS_START = "Belgium"


def test_what_a_killed_run_left_is_removed(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    copy = db(workdir).with_name(db(workdir).name + ".building-99999")
    copy.write_bytes(b"half a database")
    copy.with_name(copy.name + ".wal").write_bytes(b"a log")
    spill = copy.with_name(copy.name + ".tmp")  # DuckDB's spill folder for that copy
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled rows")
    assert run_in(workdir) == 0
    assert not list(db(workdir).parent.glob("*.building-*"))


def test_two_runs_at_once_are_refused(workdir):
    copy_seed(workdir / "raw")
    with RunLock(db(workdir)):
        done = run_cli("pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"))
    assert done.returncode == 75
    assert f"another run is using {db(workdir)} (pid {os.getpid()}" in done.stderr
    assert not db(workdir).exists()


def test_two_real_runs_started_together(workdir):
    for n in range(40):
        put(
            workdir / "raw",
            f"p{n}.txt",
            SEED.read_text(encoding="utf-8").replace("Belgium", catalog.countries()[n].name),
        )
    args = [
        sys.executable,
        "-m",
        "pipeline.run",
        "--raw-dir",
        str(workdir / "raw"),
        "--extracted-dir",
        str(workdir / "extracted"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    assert codes in ([0, 0], [0, 75])  # one after the other, or the second refused cleanly
    for _out, err, code in results:
        assert "Traceback" not in err
        if code == 75:
            assert "another run is using" in err
    assert query(db(workdir), "SELECT count(DISTINCT entity) FROM scores")[0][0] >= 39


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_exports_round_trip(workdir, fmt):
    copy_seed(workdir / "raw")
    assert run_in(workdir, "--export", fmt) == 0
    folder = workdir / "extracted" / "export"
    con = duckdb.connect(str(db(workdir)), read_only=True)
    try:
        tables = [
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name='main'").fetchall()
        ]
        views = [
            v
            for (v,) in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE schema_name='main' AND NOT internal"
            ).fetchall()
        ]
        assert sorted(p.stem for p in folder.glob(f"*.{fmt}")) == sorted(tables + views)  # the views too
        for table in tables:
            original = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            path = folder / f"{table}.{fmt}"
            if fmt == "parquet":
                back = con.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY ALL").fetchall()
            else:  # CSV carries no types: read it back with the table's own
                types = con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                    "AND schema_name = 'main' ORDER BY column_index",
                    [table],
                ).fetchall()
                spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types) + "}"
                back = con.execute(
                    f"SELECT * FROM read_csv('{path}', header = true, columns = {spec}) ORDER BY ALL"
                ).fetchall()
            assert back == original, table
    finally:
        con.close()


def test_every_table_and_column_has_a_comment(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    missing = query(
        db(workdir),
        """SELECT c.table_name, c.column_name FROM duckdb_columns() c
                                    JOIN duckdb_tables() t USING (schema_name, table_name)
                                    WHERE schema_name = 'main' AND c.comment IS NULL""",
    )
    assert missing == []
    assert (
        query(db(workdir), "SELECT table_name FROM duckdb_tables() WHERE schema_name='main' AND comment IS NULL") == []
    )
    assert (
        query(
            db(workdir),
            "SELECT view_name FROM duckdb_views() WHERE schema_name='main' AND NOT internal AND comment IS NULL",
        )
        == []
    )
    types = dict(query(db(workdir), "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name='scores'"))
    assert types["score"] == types["change"] == "DECIMAL(4,2)"


def test_catalog_tables(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    d = db(workdir)
    assert query(d, "SELECT count(*), count(DISTINCT pillar) FROM indicators") == [(36, 4)]
    assert query(
        d,
        "SELECT label, first_edition, description LIKE 'The production, distribution and sale of cocaine%' "
        "FROM indicators WHERE indicator='cocaine_trade'",
    ) == [("Cocaine trade", 2019, True)]
    assert query(
        d,
        "SELECT name, continent, region_2021, region_2023, region_2025, slug_2021, slug_2025, "
        "list_contains(name_variants, 'Congo, Dem, Rep,') FROM countries WHERE iso3='COD'",
    ) == [
        (
            "Congo, Dem. Rep.",
            "Africa",
            "Central Africa",
            "Central Africa",
            "Central Africa",
            "congo_dem_rep",
            "congo-dem-rep",
            True,
        )
    ]
    assert query(d, "SELECT count(*) FROM countries") == [(193,)]


def test_wide_views_are_laid_out_like_the_workbook(full_db, workbook_rows):
    con = duckdb.connect(str(full_db), read_only=True)
    try:
        for edition in (2021, 2023, 2025):
            cur = con.execute(f"SELECT * FROM scores_wide_{edition}")
            names = [d[0] for d in cur.description]
            assert names[:4] == ["continent", "region", "country", "iso3"]
            assert tuple(names[4:]) == catalog.workbook_columns(edition)
            rows = cur.fetchall()
            assert len(rows) == 193
            for row in rows:
                want = workbook_rows[(edition, row[3])]
                # the region the site prints (the 2025 sheet's labels), not the 2023 sheet's merged label
                assert row[0] == want.continent and row[1] == workbook_rows[(2025, row[3])].region
                assert [float(v) for v in row[4:]] == [round(want.scores[c], 2) for c in names[4:]]
    finally:
        con.close()


def test_country_series_and_latest(full_db):
    rows = query(
        full_db,
        """SELECT edition, score, change_printed, previous_edition, change_since_previous
                             FROM country_series WHERE iso3='BEL' AND indicator='criminality' ORDER BY edition""",
    )
    assert rows == [
        (2021, Decimal("4.34"), None, None, None),
        (2023, Decimal("4.43"), Decimal("0.10"), 2021, Decimal("0.09")),
        (2025, Decimal("4.82"), Decimal("0.38"), 2023, Decimal("0.39")),
    ]
    assert query(full_db, "SELECT DISTINCT edition FROM latest_scores") == [(2025,)]


def test_without_fts5_in_sqlite_the_rest_loads_and_the_run_says_so(workdir, capsys, monkeypatch):
    import sqlite3

    from pipeline.warehouse import fulltext

    def no_fts5(path, rows, digest):
        raise sqlite3.OperationalError("no such module: fts5")

    monkeypatch.setattr(fulltext, "write_index", no_fts5)
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    out = capsys.readouterr().out
    assert "note: full-text search is not available: this Python's SQLite has no FTS5 module" in out
    d = db(workdir)
    assert query(d, "SELECT count(*) FROM scores") == [(36,)]
    assert query(d, "SELECT count(*) FROM search_index") == [(0,)]
    done = run_cli("pipeline.search", "cocaine", "--db", str(d))
    assert done.returncode == 2 and "has no search index" in done.stderr


def test_search_command_on_the_seed(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    done = run_cli("pipeline.search", "Antwerp", "--db", str(db(workdir)), "--limit", "2")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.strip().splitlines()  # Antwerp is in several sections (hand check of the seed)
    done = run_cli("pipeline.search", "cocaine port Antwerp", "--db", str(db(workdir)), "--json")
    (hit,) = [json.loads(line) for line in done.stdout.splitlines()]  # every word: one section has them all
    assert (hit["edition"], hit["entity"], hit["title"]) == (2023, "Belgium", "Drugs")
    assert "[Antwerp]" in hit["snippet"] and "[cocaine]" in hit["snippet"]
    done = run_cli("pipeline.search", "cocaine", "--db", str(db(workdir)), "--edition", "2022")
    assert done.returncode == 2 and "--edition 2022" in done.stderr


def test_a_deleted_search_index_is_written_again_by_the_next_run(workdir):
    from pipeline.warehouse.search_query import search

    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    for index in db(workdir).parent.glob("*.sqlite"):
        index.unlink()
    done = run_cli("pipeline.search", "cocaine", "--db", str(db(workdir)))
    assert done.returncode == 2 and "run `ocindex run`" in done.stderr, done.stderr
    assert run_in(workdir) == 0  # nothing new under raw/, but the index is missing: it is written
    assert search(db(workdir), "cocaine")
    done = run_cli("pipeline.search", "cocaine", "Antwerp", "--db", str(db(workdir)))  # words unquoted
    assert done.returncode == 0 and "[Antwerp]" in done.stdout, done.stderr


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_search_index_is_built_again_by_the_next_run(workdir, damage):
    """The index file the database names is damaged (a disk error, a copy tool): the next run writes a new one,
    whether the pages changed (a copy of a damaged file is not updated) or not (nothing else new)."""
    from pipeline.warehouse.search_query import search

    page = copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    (index,) = db(workdir).parent.glob("*.sqlite")
    index.write_bytes(index.read_bytes()[:1000] if damage == "truncated" else b"not an index" * 100)
    assert run_in(workdir) == 0  # nothing new under raw/, but the index cannot be read: written again
    assert search(db(workdir), "cocaine")
    (index,) = [p for p in db(workdir).parent.glob("*.sqlite")
                if p.name == query(db(workdir), "SELECT file FROM search_index")[0][0]]  # fmt: skip
    index.write_bytes(b"not an index" * 100)
    page.write_text(REVISED.replace("illicit timber", "illicit teakwood"), encoding="utf-8")
    assert run_in(workdir) == 0  # the pages changed: the damaged file is not updated, a new one is built
    assert search(db(workdir), "teakwood")


def test_search_through_a_linked_database_and_a_query_that_is_not_utf8(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    link = workdir / "elsewhere" / "link.duckdb"
    link.parent.mkdir()
    link.symlink_to(db(workdir))
    done = run_cli("pipeline.search", "cocaine", "--db", str(link))
    assert done.returncode == 0 and "[cocaine]" in done.stdout, done.stderr
    done = subprocess.run([sys.executable, "-m", "pipeline.search", b"coca\xffine", "--db", str(db(workdir))],
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)  # fmt: skip
    assert done.returncode == 2 and b"not UTF-8" in done.stderr and b"Traceback" not in done.stderr
