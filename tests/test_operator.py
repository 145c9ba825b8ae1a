"""The operator's view of a scheduled run: -v, JSON logs, settings from flags, the environment and a
config file (in that order), the `ocindex` command, and Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEED, copy_seed, put, query, run_cli
from siteserver import Site, SiteServer

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

STAGES = {"plan", "parse", "publish", "outputs", "run"}
SUMMARY_KEYS = {"run_id", "status", "pages_seen", "pages_parsed", "pages_loaded", "pages_rejected", "exit_code"}


def args(workdir, *extra) -> list[str]:
    return ["pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra]


def test_verbose_logs_each_stage_with_its_duration_and_counts(workdir):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir, "-v"))
    assert done.returncode == 0
    stages = {m.group(1): m.group(2) for m in re.finditer(r"pipeline\.run: (\w+): (.*)", done.stderr)}
    assert set(stages) >= STAGES, done.stderr
    assert all("seconds=" in fields for fields in stages.values())
    assert "parsed=1 valid=1 rejected=0" in stages["parse"]
    assert run_cli(*args(workdir)).stderr == ""  # without -v: nothing on stderr


def test_json_logs_one_object_per_event_and_a_summary(workdir):
    copy_seed(workdir / "raw")
    put(workdir / "raw", "cut.txt", SEED.read_bytes()[:3000])
    done = run_cli(*args(workdir, "--log-format", "json", "-v", "--strict"))
    assert done.returncode == 1  # --strict and a rejected page
    events = [json.loads(line) for line in done.stderr.splitlines()]
    assert all({"ts", "level", "event"} <= set(e) for e in events)
    assert {e["event"] for e in events} >= STAGES
    (summary,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["run_id"], summary["status"], summary["exit_code"]) == (1, "completed", 1)
    assert (summary["pages_seen"], summary["pages_loaded"], summary["pages_rejected"]) == (2, 1, 1)


@pytest.mark.parametrize("argv, code", [(["--workers", "x"], 2), (["--delay", "nan"], 2)])
def test_json_logs_tell_a_failed_run_as_json_too(workdir, argv, code):
    copy_seed(workdir / "raw")
    done = run_cli(*args(workdir, "--log-format", "json", *argv))
    assert done.returncode == code
    (event,) = [json.loads(line) for line in done.stderr.splitlines()]
    assert event["level"] == "error" and event["exit_code"] == code
    assert json.loads(done.stdout)["exit_code"] == code


def three_raw_folders(workdir) -> dict[str, Path]:
    """A raw folder per source of the setting, each with a page of its own name."""
    folders = {}
    for source in ("flag", "env", "file", "default"):
        folder = workdir / ("raw" if source == "default" else f"raw-{source}")
        put(folder, f"{source}.txt", SEED.read_bytes())
        folders[source] = folder
    return folders


@pytest.mark.parametrize("given", [("flag", "env", "file"), ("env", "file"), ("file",), ()],
                         ids=["flag-wins", "env-over-file", "file-over-default", "default"])  # fmt: skip
def test_settings_precedence_flag_env_file_default(workdir, given):
    folders = three_raw_folders(workdir)
    (workdir / "ocindex.toml").write_text(f'raw_dir = "{folders["file"]}"\nworkers = 1\n')
    argv = ["pipeline.run", "--extracted-dir", str(workdir / "extracted")]
    env = {}
    if "flag" in given:
        argv += ["--raw-dir", str(folders["flag"])]
    if "env" in given:
        env["OCINDEX_RAW_DIR"] = str(folders["env"])
    if "file" in given:
        argv += ["--config", str(workdir / "ocindex.toml")]
    done = run_cli(*argv, cwd=workdir, env=env)
    assert done.returncode == 0, done.stderr
    expected = given[0] if given else "default"
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT path FROM sources") == [(f"{expected}.txt",)]


@pytest.mark.parametrize("setting, where", [("workers = 'two'", "file"), ("bogus = 1", "file"),
                                            ("OCINDEX_WORKERS=abc", "env"), ("OCINDEX_RAW_DIR=", "env"),
                                            ("not toml [", "file")])  # fmt: skip
def test_a_bad_setting_names_itself_in_one_line(workdir, setting, where):
    copy_seed(workdir / "raw")
    argv, env = ["pipeline.run"], {}  # the folders by default, from the working folder
    if where == "file":
        (workdir / "ocindex.toml").write_text(setting + "\n")
        argv += ["--config", str(workdir / "ocindex.toml")]
    else:
        name, value = setting.split("=", 1)
        env[name] = value
    done = run_cli(*argv, env=env, cwd=workdir)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    name = setting.split("=")[0].strip().removeprefix("OCINDEX_").lower().split(" ")[0]
    assert name in done.stderr.lower() or "toml" in done.stderr.lower(), done.stderr


def test_help_shows_each_default_once():
    done = run_cli("pipeline.run", "--help")
    assert done.returncode == 0 and "SUPPRESS" not in done.stdout
    text = " ".join(done.stdout.split())
    for option, value in [("--raw-dir", "raw"), ("--workers", "2"), ("--delay", "1.0"), ("--timeout", "30.0"),
                          ("--deadline", "120.0"), ("--max-server-errors", "5"), ("--log-format", "text")]:  # fmt: skip
        entry = text.split(f" {option} ", 1)[1].split(" --", 1)[0]
        assert entry.count("(default:") == 1 and f"(default: {value})" in entry, (option, entry)
    assert "OCINDEX_" in text and "--config" in text


def ocindex() -> Path:
    script = Path(sys.executable).parent / "ocindex"
    assert script.exists(), "the ocindex command is installed with the package (pip install -e .)"
    return script


def test_the_ocindex_command_runs_every_subcommand(workdir):
    copy_seed(workdir / "raw")
    run = lambda *a: subprocess.run([str(ocindex()), *a], capture_output=True, text=True, cwd=workdir, timeout=300)
    assert run("--version").stdout.startswith("ocindex-pipeline ")
    assert run("run", "-q").returncode == 0
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT count(*) FROM scores") == [(36,)]
    parsed = run("parse", "raw/000_fdcefce654b14ab5.txt")
    assert parsed.returncode == 0 and json.loads(parsed.stdout)["entities"][0]["iso3"] == "BEL"
    assert run("search", "cocaine").returncode == 0
    assert run("report").returncode == 0
    assert run("export", "--format", "csv").returncode == 0
    assert run("dictionary").stdout.startswith("### ")
    bad = run("bogus")
    assert bad.returncode == 2 and "unknown command" in bad.stderr
    assert "usage: ocindex run" in run("run", "--help").stdout


@pytest.mark.parametrize("command, status", [("run", 0), ("parse", 0), ("ocindex run", 0), ("search", 141)])
def test_a_reader_that_goes_away_is_no_traceback(workdir, command, status):
    """`python -m pipeline.run | head -1`: the reader closes the pipe before anything is printed. The run
    completes, the rest of the output is dropped without a traceback, and the status is the command's
    (a command that cannot tell one ends with 141, as a shell's SIGPIPE)."""
    copy_seed(workdir / "raw")
    db = workdir / "extracted" / "ocindex.duckdb"
    if command == "search":
        assert run_cli(*args(workdir)).returncode == 0
    argv = {
        "run": [sys.executable, "-m", *args(workdir)],
        "parse": [sys.executable, "-m", "pipeline.parse", str(workdir / "raw" / SEED.name)],
        "ocindex run": [str(ocindex()), "run", "--raw-dir", str(workdir / "raw"), "--extracted-dir",
                        str(workdir / "extracted")],
        "search": [sys.executable, "-m", "pipeline.search", "cocaine", "--db", str(db)],
    }[command]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})  # fmt: skip
    proc.stdout.close()  # before the command has printed anything: it starts up for a good while longer
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == status, err
    assert "Traceback" not in err and "Error" not in err
    if command.endswith("run"):
        assert query(db, "SELECT status FROM runs") == [("completed",)]


def test_ctrl_c_exits_130_with_a_line_and_keeps_the_database(workdir):
    copy_seed(workdir / "raw")
    assert run_cli(*args(workdir)).returncode == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    before = db.read_bytes()
    page = b"<html><body>" + b"Criminal markets, resilience. " * 200 + b"</body></html>"
    site = Site(pages={"/2023/country/belgium": page}, faults={"/2023/country/belgium": ["drip:0.05"]})
    with SiteServer(site) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", *args(workdir, "--fetch", "--base-url", server.url, "--countries", "BEL",
                                         "--editions", "2023", "--delay", "0")],  # fmt: skip
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not site.requests_for("/2023/country/belgium") and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert db.read_bytes() == before


def test_json_logs_of_a_crawl_are_json_too(workdir):
    site = Site(pages={"/2023/country/belgium": SEED.read_bytes()}, faults={"/2023/country/netherlands": ["503"]})
    with SiteServer(site) as server:
        done = run_cli(*args(workdir, "--fetch", "--base-url", server.url, "--countries", "BEL,NLD", "--editions",
                             "2023", "--delay", "0", "--retries", "1", "--backoff", "0", "--log-format", "json", "--documents",
                             "dated"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stderr.splitlines()]
    pages = [e for e in events if e["event"] == "fetch_page"]
    assert [(e["n"], e["of"]) for e in pages] == [(1, 2), (2, 2)]
    assert any(e["event"] == "fetch_retry" and e["url"].endswith("/netherlands") for e in events)
    summary = json.loads(done.stdout)
    assert summary["pages_rejected"] == 1 and summary["rejects"][0]["code"] == "http_503"
