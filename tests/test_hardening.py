"""Issue 21, the third round of hardening: nothing lost, nothing foreign, no hang, no traceback. Each test
reproduces a finding as it was reported (the crawler's are in test_crawl_hardening.py, the warehouse's in
test_warehouse_hardening.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEED, copy_seed, put, query, run_cli

from pipeline.batch.one_page import Task, process
from pipeline.extract.document import parse_page

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

SEED_TEXT = SEED.read_text(encoding="utf-8")


def args(workdir: Path, *extra: str) -> list[str]:
    return ["pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra]


def db(workdir: Path) -> Path:
    return workdir / "extracted" / "ocindex.duckdb"


# --- wrong data, accepted silently ------------------------------------------------------------------------


def test_one_stray_byte_is_replaced_and_named_not_the_whole_page_mojibake():
    data = SEED.read_bytes().replace(b"Criminal markets\n", b"Criminal markets\xff\n", 1)
    record = parse_page(data)
    (warning,) = [i for i in record["issues"] if i["code"] == "decode_fallback"]
    line = SEED_TEXT.split("\n").index("    Criminal markets") + 1
    assert warning["line"] == line and f"line {line}" in warning["message"]
    assert any("’" in s["text"] for s in record["entities"][0]["sections"])
    assert "â€™" not in json.dumps(record, ensure_ascii=False)


def test_a_page_really_in_another_encoding_is_still_read_whole():
    record = parse_page(SEED_TEXT.encode("cp1252", errors="replace"))
    assert [i["code"] for i in record["issues"]] == ["decode_fallback"] and "cp1252" in record["issues"][0]["message"]
    assert any("’" in s["text"] for s in record["entities"][0]["sections"])


def test_two_profiles_of_one_entity_in_one_file_are_an_error_not_a_drop():
    record = parse_page((SEED_TEXT + "\n" + SEED_TEXT).encode())
    assert [e["code"] for e in record["issues"] if e["severity"] == "error"] == ["duplicate_entity"]


def test_what_follows_the_footer_is_read(workbook_rows):
    """Belgium's page, then the Netherlands' after its footer: both are read."""
    from corpus import Corpus, Variant, indented

    netherlands = indented(Corpus(workbook_rows).country_page(Variant(2023), "NLD"))
    record = parse_page((SEED_TEXT + "\n" + netherlands).encode())
    assert [e["name"] for e in record["entities"]] == ["Belgium", "Netherlands"]
    assert [i for i in record["issues"] if i["severity"] == "error"] == []


def test_a_repeated_indicator_names_both_lines():
    text = SEED_TEXT.replace("    Heroin trade\n", "    Cocaine trade\n\n    7.500.00\n\n    Heroin trade\n", 1)
    errors = [i for i in parse_page(text.encode(), url="https://ocindex.net/2023/country/belgium")["issues"]
              if i["severity"] == "error"]  # fmt: skip
    assert any("Cocaine trade" in e["message"] and "twice" in e["message"] for e in errors), errors
    assert all(e["code"] != "unknown_entity" for e in errors)


def test_a_whole_page_on_one_line_says_so():
    record = parse_page(" ".join(SEED_TEXT.split()).encode())
    assert [i["code"] for i in record["issues"]] == ["no_line_breaks"]


# --- raw/ changed during a run ---------------------------------------------------------------------------


def _task(path: Path, root: Path, sha256: str, folder: Path) -> Task:
    return Task(str(path), path.name, None, None, sha256, str(folder), root=str(root.resolve()))


def test_a_page_changed_after_the_listing_is_rejected_not_loaded(tmp_path):
    import hashlib

    raw = tmp_path / "raw"
    raw.mkdir()
    page = copy_seed(raw)
    listed = hashlib.sha256(page.read_bytes()).hexdigest()
    page.write_text(SEED_TEXT.replace("8.000.50", "8.500.50"), encoding="utf-8")  # swapped after the listing
    result = process(_task(page, raw, listed, tmp_path / "extracted"))
    assert result.reject is not None and result.reject.code == "changed_during_run"


def test_a_page_replaced_by_a_link_out_of_raw_after_the_listing_is_not_read(tmp_path):
    import hashlib

    raw = tmp_path / "raw"
    raw.mkdir()
    page = copy_seed(raw)
    listed = hashlib.sha256(page.read_bytes()).hexdigest()
    outside = tmp_path / "secret.txt"
    outside.write_bytes(SEED.read_bytes())  # the same bytes even: read from outside raw/, it is never loaded
    page.unlink()
    page.symlink_to(outside)
    result = process(_task(page, raw, listed, tmp_path / "extracted"))
    assert result.reject is not None and result.reject.code == "outside_raw"


def test_a_page_with_a_240_byte_name_loads_and_its_record_name_fits(workdir):
    copy_seed(workdir / "raw")
    long = "b" * 236 + ".txt"
    put(workdir / "raw", long, SEED.read_bytes().replace(b"Belgium", b"Belgium", 1))
    put(workdir / "raw", "other.txt", SEED.read_bytes())
    done = run_cli(*args(workdir))
    assert done.returncode == 0, done.stderr
    assert query(db(workdir), "SELECT count(*) FROM sources") == [(1,)]  # the same content: one source
    assert query(db(workdir), "SELECT count(*) FROM rejects") == [(0,)]
    assert all(len(p.name.encode()) <= 255 for p in (workdir / "extracted").iterdir())


def test_a_file_over_the_size_of_a_page_is_named_with_its_size(workdir):
    copy_seed(workdir / "raw")
    huge = workdir / "raw" / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(2 * 1024**3)  # sparse: 2 GiB
    done = run_cli(*args(workdir))
    assert done.returncode == 0, done.stderr
    (message,) = query(db(workdir), "SELECT message FROM rejects WHERE code = 'too_large'")[0]
    assert "2,147,483,648 bytes" in message


# --- settings, locale, exit statuses ---------------------------------------------------------------------


@pytest.mark.parametrize("flag, value", [("--deadline", "1e308"), ("--timeout", "1e308"),
                                         ("--connect-timeout", "1e300"), ("--wait-lock", "inf")])  # fmt: skip
def test_durations_beyond_any_use_are_usage_errors(workdir, flag, value):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir, flag, value))
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not db(workdir).exists()


@pytest.mark.parametrize("value", ['["xml"]', "xml"], ids=["json-list", "text"])
def test_an_export_setting_from_the_environment_is_checked_before_anything_is_done(workdir, value):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir), env={"OCINDEX_EXPORT": value})
    assert done.returncode == 2 and "export" in done.stderr and "Traceback" not in done.stderr
    assert not db(workdir).exists()


def test_an_export_setting_from_the_environment_works_as_the_flag(workdir):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir), env={"OCINDEX_EXPORT": "csv"})
    assert done.returncode == 0, done.stderr
    assert (workdir / "extracted" / "export" / "scores.csv").is_file()


def test_an_unknown_ocindex_variable_is_refused_as_an_unknown_config_key_is(workdir):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir), env={"OCINDEX_WAITLOCK": "60"})
    assert done.returncode == 2 and "OCINDEX_WAITLOCK" in done.stderr


def test_a_config_that_is_no_regular_file_is_refused_at_once(workdir):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir, "--config", "/dev/zero"), timeout=30)
    assert done.returncode == 2 and "regular file" in done.stderr


@pytest.mark.parametrize("raw, extra", [(True, ["--workers", "0"]), (False, [])], ids=["bad-option", "no-raw-folder"])
def test_a_usage_error_creates_nothing(tmp_path, raw, extra):
    if raw:
        (tmp_path / "raw").mkdir()
    done = run_cli("pipeline.run", *extra, cwd=tmp_path)
    assert done.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == (["raw"] if raw else [])


def test_a_name_beyond_ascii_under_a_c_locale_is_read(workdir):
    put(workdir / "raw", "belgïque-été.txt", SEED.read_bytes())
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    done = run_cli(*args(workdir), env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert query(db(workdir), "SELECT path FROM sources") == [("belgïque-été.txt",)]
    assert query(db(workdir), "SELECT count(*) FROM rejects") == [(0,)]


def test_wait_lock_waits_for_a_program_holding_the_file_for_writing(workdir):
    copy_seed(workdir / "raw")
    assert run_cli(*args(workdir)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(2); c.close()", str(db(workdir))], stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    (workdir / "raw" / "note.txt").write_text("new")
    done = run_cli(*args(workdir, "--wait-lock", "20"))
    holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr


# --- output that cannot be written ---------------------------------------------------------------------


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"], ids=["closed", "full"])
@pytest.mark.parametrize(
    "command, status",
    [("-m pipeline.run --raw-dir raw", 0), ("-m pipeline.run --raw-dir raw -q", 0),
     ("-m pipeline.run --raw-dir raw --log-format json", 0), ("-m pipeline.parse raw/seed.txt", 0),
     ("-m pipeline.search cocaine", 0), ("-m pipeline --version", 0)],
    ids=["run", "run-quiet", "run-json", "parse", "search", "version"],
)  # fmt: skip
def test_stdout_closed_or_full_never_changes_the_status_nor_shows_a_traceback(tmp_path, redirect, command, status):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "seed.txt").write_bytes(SEED.read_bytes())
    assert _shell(f"{sys.executable} -m pipeline.run --raw-dir raw -q", tmp_path).returncode == 0
    done = _shell(f"{sys.executable} {command} {redirect}", tmp_path)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


# --- Ctrl-C early in a parallel run ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.3, 0.6])
def test_ctrl_c_early_in_a_parallel_run_is_130_and_one_line(tmp_path_factory, workbook_rows, after):
    from corpus import write_corpus

    root = tmp_path_factory.mktemp("ctrlc")
    write_corpus(root / "raw", workbook_rows)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.run", "--raw-dir", "raw", "--workers", "2"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)  # fmt: skip
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)  # the whole process group, as a terminal's Ctrl-C
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err  # a run over 579 pages takes seconds: the signal comes before its end
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not (root / "extracted" / "ocindex.duckdb").exists()  # interrupted before anything was published
