"""What an operator relies on: the version, quiet runs, exit codes (CONTRACT.md), waiting for the lock,
wrong options refused with one line, binary files told apart, and no traceback ever on the terminal."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_seed, query, run_cli

from pipeline import __version__
from pipeline.warehouse.lock import RunLock

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


def args(workdir, *extra) -> list[str]:
    return ["pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra]


def test_version():
    done = run_cli("pipeline.run", "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"ocindex-pipeline {__version__}"


def test_quiet_prints_nothing_on_success(workdir):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir, "-q"))
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""


MISUSE = {
    "no-scheme": ["--base-url", "ocindex.net"], "ftp": ["--base-url", "ftp://ocindex.net"],
    "file": ["--base-url", "file:///etc"], "empty-url": ["--base-url", ""], "bad-ipv6": ["--base-url", "http://[::1"],
    "timeout-0": ["--timeout", "0"], "timeout-negative": ["--timeout", "-1"],
    "connect-timeout-nan": ["--connect-timeout", "nan"], "delay-inf": ["--delay", "inf"], "delay-nan": ["--delay", "nan"],
    "backoff-nan": ["--backoff", "nan"], "backoff-inf": ["--backoff", "inf"], "backoff-negative": ["--backoff", "-1"],
    "workers-negative": ["--workers", "-3"], "contact-injection": ["--contact", "a\r\nX: 1"],
    "contact-non-ascii": ["--contact", "café"], "db-empty": ["--db", ""], "db-root": ["--db", "/"],
    "raw-dir-empty": ["--raw-dir", ""], "wait-lock-negative": ["--wait-lock", "-1"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_a_wrong_option_is_one_line_and_exit_2(workdir, case):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir, *MISUSE[case]))
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 3
    assert not (workdir / "extracted" / "ocindex.duckdb").exists()


def test_an_extracted_dir_that_is_a_file_is_a_usage_error(workdir):
    copy_seed(workdir / "raw")
    (workdir / "a-file").write_text("x")
    done = run_cli("pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "a-file"))
    assert done.returncode == 2 and "is a file" in done.stderr and "Traceback" not in done.stderr


def test_another_run_holding_the_lock_is_exit_75_naming_its_pid(workdir):
    copy_seed(workdir / "raw")
    with RunLock(workdir / "extracted" / "ocindex.duckdb"):
        done = run_cli(*args(workdir))
    assert done.returncode == 75
    assert f"pid {os.getpid()}" in done.stderr and "Traceback" not in done.stderr


def test_wait_lock_waits_for_the_other_run(workdir):
    copy_seed(workdir / "raw")
    lock = RunLock(workdir / "extracted" / "ocindex.duckdb")
    lock.__enter__()
    threading.Timer(1.0, lock.__exit__).start()
    started = time.monotonic()
    done = run_cli(*args(workdir, "--wait-lock", "20"))
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 1.0


def test_a_damaged_database_is_not_called_busy(workdir):
    copy_seed(workdir / "raw")
    (workdir / "extracted" / "ocindex.duckdb").write_bytes(b"block " * 5000)  # "block" holds "lock"
    done = run_cli(*args(workdir))
    assert done.returncode == 3
    assert "not a valid DuckDB" in done.stderr and "another process" not in done.stderr


@pytest.mark.parametrize("kind", ["elf", "duckdb"])
def test_binary_files_are_binary_pages_before_any_decoding(workdir, first_db, kind):
    copy_seed(workdir / "raw")
    data = Path(sys.executable).read_bytes()[:20000] if kind == "elf" else first_db.read_bytes()[:20000]
    (workdir / "raw" / f"{kind}.bin").write_bytes(data)
    done = run_cli(*args(workdir))
    assert done.returncode == 0, done.stderr
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT path, code FROM rejects") == [
        (f"{kind}.bin", "binary_page")
    ]


def test_an_unexpected_error_is_a_line_and_a_log_file_not_a_traceback(workdir, monkeypatch, capsys):
    from pipeline.batch import flow as batch
    from pipeline.run import main

    def boom(settings):
        raise ZeroDivisionError("an error nobody planned for")

    monkeypatch.setattr(batch, "run", boom)
    copy_seed(workdir / "raw")
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ZeroDivisionError" in err
    (log,) = (workdir / "extracted" / "logs").glob("pipeline-run-*.log")
    assert "Traceback" in log.read_text() and str(log) in err


def test_a_file_name_that_is_not_utf8_is_a_reject_not_a_crash(workdir):
    copy_seed(workdir / "raw")
    (workdir / "raw" / os.fsdecode(b"caf\xe9.txt")).write_bytes(
        (workdir / "raw" / "000_fdcefce654b14ab5.txt").read_bytes()
    )
    done = run_cli(*args(workdir))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT path, code FROM rejects") == [
        ("caf\\xe9.txt", "unreadable")
    ]
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT count(*) FROM scores") == [(36,)]


def test_parse_never_reads_a_huge_file_whole():
    done = run_cli("pipeline.parse", "/dev/zero", timeout=60)
    assert done.returncode == 2 and "over the 8,388,608-byte limit" in done.stderr and "Traceback" not in done.stderr


def test_a_huge_raw_file_is_rejected_without_reading_it_whole(workdir):
    copy_seed(workdir / "raw")
    with (workdir / "raw" / "huge.txt").open("wb") as f:
        f.truncate(4 * 1024**3)  # 4 GiB, sparse: a whole read would need the memory
    done = run_cli(*args(workdir))
    assert done.returncode == 0, done.stderr
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT path, code FROM rejects") == [
        ("huge.txt", "too_large")
    ]


@pytest.mark.parametrize("case", ["db-not-duckdb", "db-a-folder", "write-missing", "write-no-markers"])
def test_dictionary_misuse_is_one_line_and_exit_2(first_db, tmp_path, case):
    (tmp_path / "notes.md").write_text("no markers here\n")
    argv = {
        "db-not-duckdb": ["--db", str(Path(__file__))],
        "db-a-folder": ["--db", str(tmp_path)],
        "write-missing": ["--db", str(first_db), "--write", str(tmp_path / "missing.md")],
        "write-no-markers": ["--db", str(first_db), "--write", str(tmp_path / "notes.md")],
    }[case]
    done = run_cli("pipeline.dictionary", *argv)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert (tmp_path / "notes.md").read_text() == "no markers here\n"


@pytest.mark.parametrize("name, folder", [("export", False), ("reconciliation.md", True), ("report.html", True),
                                          ("manifest.json", True)])  # fmt: skip
def test_an_output_in_the_way_is_a_usage_error_before_anything_is_done(workdir, name, folder):
    copy_seed(workdir / "raw")
    (workdir / "extracted" / name).mkdir() if folder else (workdir / "extracted" / name).write_text("x")
    done = run_cli(*args(workdir, "--export", "csv"))
    assert done.returncode == 2 and "is in the way" in done.stderr and "Traceback" not in done.stderr
    assert not (workdir / "extracted" / "ocindex.duckdb").exists()


@pytest.mark.parametrize("argv", [["pipeline.report", "--out", "/"], ["pipeline.export", "--out", __file__]],
                         ids=["report-out-a-folder", "export-out-a-file"])  # fmt: skip
def test_report_and_export_outputs_of_the_wrong_kind(first_db, argv):
    done = run_cli(*argv, "--db", str(first_db))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_fetch_into_a_new_raw_folder_that_saves_nothing_completes(tmp_path):
    from siteserver import Site, SiteServer

    with SiteServer(Site(pages={})) as server:  # every page is a 404
        done = run_cli("pipeline.run", "--fetch", "--base-url", server.url, "--countries", "BEL", "--editions", "2023",
                       "--raw-dir", str(tmp_path / "new-raw"), "--extracted-dir", str(tmp_path / "extracted"),
                       "--delay", "0", "--documents", "dated")  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert query(tmp_path / "extracted" / "ocindex.duckdb", "SELECT stage, code FROM rejects") == [
        ("fetch", "http_404")
    ]


@pytest.fixture
def read_only_folder(tmp_path):
    """A real read-only file system (a tmpfs mounted read-only): as root, file permissions stop nothing."""
    import subprocess as sp

    folder = tmp_path / "read-only"
    folder.mkdir()
    if sp.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "none", str(folder)], capture_output=True).returncode:
        pytest.skip("mounting a read-only tmpfs needs root")
    yield folder
    sp.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("where", ["--extracted-dir", "--extracted-dir-sub", "--db"])
def test_an_output_on_a_read_only_file_system_is_a_usage_error(workdir, read_only_folder, where):
    copy_seed(workdir / "raw")
    option = {"--extracted-dir": ["--extracted-dir", str(read_only_folder)],
              "--extracted-dir-sub": ["--extracted-dir", str(read_only_folder / "sub")],
              "--db": ["--db", str(read_only_folder / "x.duckdb")]}[where]  # fmt: skip
    done = run_cli("pipeline.run", "--raw-dir", str(workdir / "raw"), *option)
    assert done.returncode == 2 and "Read-only file system" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
