"""The batch run: records, database, idempotency, quarantine, atomicity."""

import json

import pytest
from conftest import PAGES, SEED, copy_seed, put, query, run_cli, table_contents

from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


def run_in(workdir, *extra):
    return main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra])


def test_first_run_writes_records_and_database(workdir, capsys):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    out = capsys.readouterr().out
    assert "1 page(s) seen" in out and "1 loaded" in out and "0 rejected" in out
    assert str(workdir / "extracted" / "ocindex.duckdb") in out
    record = json.loads((workdir / "extracted" / "000_fdcefce654b14ab5.txt.record.json").read_text(encoding="utf-8"))
    assert record["edition"] == 2023 and record["entities"][0]["iso3"] == "BEL"
    db = workdir / "extracted" / "ocindex.duckdb"
    counts = {
        t: query(db, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("scores", "ranks", "profiles", "sections", "sources", "indicators", "runs", "rejects")
    }
    assert counts == {
        "scores": 36,
        "ranks": 6,
        "profiles": 1,
        "sections": 11,
        "sources": 1,
        "indicators": 36,
        "runs": 1,
        "rejects": 0,
    }


def test_second_run_leaves_every_table_identical(workdir):
    copy_seed(workdir / "raw")
    put(
        workdir / "raw",
        "2021_colombia.txt",
        (PAGES / "2021_colombia.txt").read_bytes(),
        url="https://ocindex.net/2021/country/colombia",
    )
    db = workdir / "extracted" / "ocindex.duckdb"
    assert run_in(workdir) == 0
    first = table_contents(
        db,
        {
            "runs": {
                "run_id",
                "started_at",
                "finished_at",
                "status",
                "seconds_parse",
                "seconds_load",
                "pages_parsed",
                "values_changed",
            }
        },
    )
    record_files = {p.name: p.read_bytes() for p in (workdir / "extracted").glob("*.json")}
    assert run_in(workdir) == 0
    second = table_contents(
        db,
        {
            "runs": {
                "run_id",
                "started_at",
                "finished_at",
                "status",
                "seconds_parse",
                "seconds_load",
                "pages_parsed",
                "values_changed",
            }
        },
    )
    assert second.pop("runs") == first.pop("runs") * 2  # the ledger gains one row per run
    assert second == first
    assert {p.name: p.read_bytes() for p in (workdir / "extracted").glob("*.json")} == record_files


def test_rerun_after_a_parser_change_still_identical(workdir, monkeypatch):
    """With the parse cache invalidated, a full re-parse and reload gives the same tables."""
    copy_seed(workdir / "raw")
    db = workdir / "extracted" / "ocindex.duckdb"
    assert run_in(workdir) == 0
    before = table_contents(
        db,
        {
            "runs": set(
                c
                for c in [
                    "run_id",
                    "started_at",
                    "finished_at",
                    "status",
                    "seconds_parse",
                    "seconds_load",
                    "pages_parsed",
                    "values_changed",
                    "pages_valid",
                ]
            ),
            "staging.written": {"run_id"},  # the run that wrote the load's bookkeeping
        },
    )
    (workdir / "extracted" / "manifest.json").unlink()
    assert run_in(workdir) == 0
    after = table_contents(
        db,
        {
            "runs": set(
                c
                for c in [
                    "run_id",
                    "started_at",
                    "finished_at",
                    "status",
                    "seconds_parse",
                    "seconds_load",
                    "pages_parsed",
                    "values_changed",
                    "pages_valid",
                ]
            ),
            "staging.written": {"run_id"},  # the run that wrote the load's bookkeeping
        },
    )
    before.pop("runs"), after.pop("runs")
    assert after == before


def test_a_reparse_rewrites_only_the_records_that_differ(workdir):
    copy_seed(workdir / "raw")
    put(
        workdir / "raw",
        "2021_colombia.txt",
        (PAGES / "2021_colombia.txt").read_bytes(),
        url="https://ocindex.net/2021/country/colombia",
    )
    assert run_in(workdir) == 0
    extracted = workdir / "extracted"
    seed_record = extracted / "000_fdcefce654b14ab5.txt.record.json"
    colombia_record = extracted / "2021_colombia.txt.rejected.json"  # a cut page: rejected, its record kept
    good = colombia_record.read_bytes()
    colombia_record.write_text("{}\n", encoding="utf-8")  # a record that differs from what the parser gives
    inode = seed_record.stat().st_ino
    manifest = json.loads((extracted / "manifest.json").read_text(encoding="utf-8"))
    manifest["parser_version"] = "an older parser"
    (extracted / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert run_in(workdir) == 0  # every page is parsed again
    assert seed_record.stat().st_ino == inode  # the same record: the file was left as it was
    assert colombia_record.read_bytes() == good  # a different one is rewritten
    assert not list(extracted.glob(".*.tmp"))


def test_rejected_page_is_quarantined_and_others_load(workdir, capsys):
    copy_seed(workdir / "raw")
    put(
        workdir / "raw",
        "cut/south_africa.txt",
        (PAGES / "2023_south-africa.txt").read_bytes(),
        url="https://ocindex.net/2023/country/south_africa",
    )
    assert run_in(workdir) == 0
    out = capsys.readouterr().out
    assert "1 loaded, 1 rejected" in out
    assert "rejected cut/south_africa.txt: [parse/truncated]" in out
    db = workdir / "extracted" / "ocindex.duckdb"
    assert query(db, "SELECT DISTINCT iso3 FROM scores") == [("BEL",)]
    ((path, stage, code, message, record),) = query(db, "SELECT path, stage, code, message, record FROM rejects")
    assert (path, stage, code) == ("cut/south_africa.txt", "parse", "truncated")
    assert "line" in message and "cut off" in message
    partial = json.loads(record)
    assert partial["entities"][0]["scores"]["criminality"] == {"score": 7.18, "change": 0.56}
    assert (workdir / "extracted" / "cut%2Fsouth_africa.txt.rejected.json").exists()
    assert run_in(workdir, "--strict") == 1


def test_failed_run_leaves_the_database_as_it_was(workdir, monkeypatch):
    copy_seed(workdir / "raw")
    db = workdir / "extracted" / "ocindex.duckdb"
    assert run_in(workdir) == 0
    before = table_contents(db)
    put(workdir / "raw", "colombia.txt", (PAGES / "2021_colombia.txt").read_bytes())

    from pipeline.errors import RunError
    from pipeline.warehouse import history

    def boom(*a, **k):
        raise RunError("disk full (simulated)")

    monkeypatch.setattr(history, "record_history", boom)  # a step late in the publish fails
    assert run_in(workdir) == 3
    assert table_contents(db) == before
    assert not list((workdir / "extracted").glob("*.building-*"))


def test_missing_raw_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["--raw-dir", str(tmp_path / "nope"), "--extracted-dir", str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_parse_command_on_the_seed_exits_0():
    done = run_cli("pipeline.parse", str(SEED))
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["edition"] == 2023 and record["complete"] is True


def test_parse_command_usage_errors(tmp_path):
    assert run_cli("pipeline.parse", str(tmp_path / "missing.txt")).returncode == 2
    assert run_cli("pipeline.parse").returncode == 2


def test_a_record_that_cannot_be_written_stops_the_run_with_its_name(workdir):
    """The few pages of a run are parsed in a thread while the database is opened: what goes wrong there (here a
    folder where the record goes) reaches the run as it would from this thread, with the file named, and the
    database is left as it was."""
    copy_seed(workdir / "raw")
    put(workdir / "raw", "colombia.txt", (PAGES / "2021_colombia.txt").read_bytes())
    assert run_in(workdir) == 0
    before = table_contents(workdir / "extracted" / "ocindex.duckdb")
    (workdir / "raw" / "colombia.txt").write_bytes((PAGES / "2021_colombia.txt").read_bytes() + b"\n")
    record = workdir / "extracted" / "colombia.txt.record.json"
    if not record.exists():  # the page is rejected (a partial page): its record is the rejected one
        record = record.with_name("colombia.txt.rejected.json")
    record.unlink()
    record.mkdir()
    done = run_cli("pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"))
    assert done.returncode == 3, done.stderr
    assert f"{record} could not be written" in done.stderr  # the record's name, not its temporary copy's
    assert "Traceback" not in done.stderr
    assert table_contents(workdir / "extracted" / "ocindex.duckdb") == before


def test_a_version_with_broken_metadata_is_rejected_and_the_one_before_is_served(workdir):
    """The newest copy of a page whose .meta.json is damaged (a disk error, a hand edit) is told as a reject naming
    the file, and the copy before it, whose metadata holds, is served with its provenance."""
    url = "https://ocindex.net/2023/country/belgium"
    folder = workdir / "raw" / "ocindex.net" / "2023" / "country" / "belgium"
    older = put(folder, "older.txt", SEED.read_bytes())
    older.with_name("older.txt.meta.json").write_text(json.dumps({"url": url, "fetched_at": "2026-01-01T00:00:00Z"}))
    newer = put(folder, "newer.txt", SEED.read_bytes().replace(b"Belgium", b"Belgium ", 1))
    newer.with_name("newer.txt.meta.json").write_text('{"url": "' + url + '", "fetched_at": "2026-02')
    assert run_in(workdir) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    (reject,) = query(db, "SELECT path, stage, code, message FROM rejects")
    assert reject[:3] == ("ocindex.net/2023/country/belgium/newer.txt", "read", "bad_metadata")
    assert "newer.txt.meta.json is not valid JSON" in reject[3]
    assert query(db, "SELECT path, url FROM sources") == [("ocindex.net/2023/country/belgium/older.txt", url)]
