"""Trust: the full 579-page corpus, cross-page checks, quarantine, reconciliation, bad input, crash safety."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, SEED, WORKBOOK_2023, put, query, table_contents
from corpus import MARKUPS, Corpus, Variant, header_length, indented, to_html

from pipeline import catalog
from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


def run(root: Path, *extra: str) -> int:
    return main(["--raw-dir", str(root / "raw"), "--extracted-dir", str(root / "extracted"), *extra])


def clone(full: Path, tmp_path: Path) -> Path:
    """A copy of the corpus and its extracted folder (the parse cache makes a re-run cheap)."""
    shutil.copytree(full / "raw", tmp_path / "raw")
    shutil.copytree(full / "extracted", tmp_path / "extracted")
    return tmp_path


def page(root: Path, edition: int, iso3: str) -> Path:
    return root / "raw" / str(edition) / f"{catalog.country_by_iso3(iso3).slug(edition)}.txt"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def db(root: Path) -> Path:
    return root / "extracted" / "ocindex.duckdb"


def checks(root: Path) -> list[tuple]:
    return query(db(root), "SELECT check_name, edition, entity, item, pages, message FROM checks ORDER BY ALL")


# --- the full corpus ------------------------------------------------------------------------------


def test_full_corpus_loads_with_zero_rejects_and_every_value_right(full_corpus, workbook_rows):
    d = db(full_corpus)
    assert query(d, "SELECT pages_seen, pages_loaded, pages_rejected FROM runs") == [(579, 579, 0)]
    assert query(d, "SELECT count(*) FROM rejects") == [(0,)]
    assert checks(full_corpus) == []
    corpus = Corpus(workbook_rows)
    scores = {
        (e, i, k): (s, c) for e, i, k, s, c in query(d, "SELECT edition, iso3, indicator, score, change FROM scores")
    }
    ranks = {
        (e, i, m, sc): rest
        for e, i, m, sc, *rest in query(
            d, "SELECT edition, iso3, metric, scope, area, rank, of_total, change_shown, previous_rank FROM ranks"
        )
    }
    n = 0
    for edition, iso3 in workbook_rows:
        want = corpus.expected(edition, iso3)
        for code, value in want["scores"].items():
            assert scores[(edition, iso3, code)] == value, (edition, iso3, code)
            n += 1
        for metric, scope, area, rank, of, change, previous in want["ranks"]:
            assert ranks[(edition, iso3, metric, scope)] == [area, rank, of, change, previous]
    assert n == len(scores) == 193 * (30 + 36 + 36)


def test_full_corpus_reconciles_100_percent(full_corpus):
    rows = query(db(full_corpus), "SELECT edition, status, count(*) FROM reconciliation GROUP BY ALL ORDER BY ALL")
    assert rows == [(2021, "match", 193 * 30), (2023, "match", 193 * 36), (2025, "match", 193 * 36)]
    report = (full_corpus / "extracted" / "reconciliation.md").read_text(encoding="utf-8")
    assert "| 2023 | 6948 | 6948 | 100.0% | 0 | 0 |" in report and "None." in report


def test_the_2023_edition_workbook_reconciles_too(full_corpus, tmp_path, capsys):
    root = clone(full_corpus, tmp_path)
    assert run(root, "--workbook", str(WORKBOOK_2023)) == 0
    out = capsys.readouterr().out
    assert "2021: 5790/5790 values agree (100.0%)" in out and "2023: 6948/6948 values agree (100.0%)" in out


def test_full_html_corpus_loads_the_same(full_corpus, tmp_path, workbook_rows):
    """The same 579 pages as HTML, in rotating markups: the same tables."""
    corpus = Corpus(workbook_rows)
    for n, (edition, iso3) in enumerate(sorted(workbook_rows)):
        src = page(full_corpus, edition, iso3)
        dst = tmp_path / "raw" / src.relative_to(full_corpus / "raw").with_suffix(".html")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(
            to_html(corpus.country_page(Variant(edition), iso3), MARKUPS[n % len(MARKUPS)]), encoding="utf-8"
        )
        shutil.copy(src.with_name(src.name + ".meta.json"), dst.with_name(dst.name + ".meta.json"))
    assert run(tmp_path) == 0
    strip = {
        "sources": {"path", "format", "sha256"},
        "runs": {
            "run_id",
            "started_at",
            "finished_at",
            "seconds_parse",
            "seconds_load",
            "pages_parsed",
            "pages_valid",
            "values_changed",
            "status",
        },
        "scores": {"source_sha256"},
        "ranks": {"source_sha256"},
        "profiles": {"source_sha256"},
        "sections": {"source_sha256"},
        "score_history": {"source_sha256"},
        "reconciliation": {"workbook"},
    }
    html_tables = table_contents(db(tmp_path), strip)
    text_tables = table_contents(db(full_corpus), strip)
    for name in ("scores", "ranks", "profiles", "sections", "sources", "checks", "rejects"):
        assert html_tables[name] == text_tables[name], name


# --- cross-page checks: one planted inconsistency each ---------------------------------------------


def test_planted_rank_is_caught(full_corpus, tmp_path):
    root = clone(full_corpus, tmp_path)
    edit(page(root, 2023, "BEL"), "129th of 193 countries -2", "128th of 193 countries -1")
    assert run(root) == 0 and run(root, "--strict") == 1
    found = checks(root)
    assert ("rank_order", 2023, "Belgium", "criminality/world") in [f[:4] for f in found]
    rank = [f for f in found if f[0] == "rank_order"][0]
    assert rank[4] == ["2023/belgium.txt"] and "128 of 193" in rank[5] and "129" in rank[5]


def test_planted_change_is_caught_by_the_page_itself(full_corpus, tmp_path):
    """An indicator's change that its pillar's change does not follow: the page contradicts its own means."""
    root = clone(full_corpus, tmp_path)
    edit(page(root, 2023, "BEL"), "Cocaine trade\n\n    8.000.50", "Cocaine trade\n\n    8.001.00")
    assert run(root) == 0
    ((stage, code, message),) = query(db(root), "SELECT stage, code, message FROM rejects")
    assert (stage, code) == ("validate", "change_mean") and "criminal_markets" in message and "+0.17" in message


def test_planted_change_is_caught(full_corpus, tmp_path):
    """A change the page's own means agree with (the markets and criminality changes planted to follow, by
    hand: 2021's implied markets mean 50.0 / 10 = 5.00 against 5.05, criminality (5.00 + 3.625) / 2 =
    4.3125 against 4.3375) contradicts the 2021 page: the cross-page check names it."""
    root = clone(full_corpus, tmp_path)
    path = page(root, 2023, "BEL")
    edit(path, "Cocaine trade\n\n    8.000.50", "Cocaine trade\n\n    8.001.00")
    edit(path, "Criminal markets\n\n    5.170.12", "Criminal markets\n\n    5.170.17")
    edit(path, "4.430.10\n\n    Criminality score", "4.430.12\n\n    Criminality score")
    assert run(root) == 0
    assert query(db(root), "SELECT count(*) FROM rejects") == [(0,)]
    found = {f[3]: f for f in checks(root) if f[0] == "change_vs_previous"}
    name, edition, entity, item, pages, message = found["cocaine_trade"]
    assert (edition, entity) == (2023, "Belgium")
    assert pages == ["2023/belgium.txt", "2021/belgium.txt"] and "+1.00" in message and "7.5" in message


def test_planted_previous_rank_is_caught(full_corpus, tmp_path):
    root = clone(full_corpus, tmp_path)
    path = page(root, 2025, "NLD")
    import re

    line = re.search(r"\d+\w\w of 11 countries in Western Europe -?\d+", path.read_text(encoding="utf-8")).group(0)
    head, change = line.rsplit(" ", 1)
    edit(path, line, f"{head} {int(change) + 2}")  # the first one: criminality
    assert run(root) == 0
    found = [f for f in checks(root) if f[0] == "previous_rank"]
    assert [f[:4] for f in found] == [("previous_rank", 2025, "Netherlands", "criminality/region")]
    assert found[0][4] == ["2025/netherlands.txt", "2023/netherlands.txt"]


def test_planted_disagreeing_source_is_caught(full_corpus, tmp_path):
    root = clone(full_corpus, tmp_path)
    copy = root / "raw" / "refetch" / "belgium 2023 (copy).txt"
    copy.parent.mkdir()
    shutil.copy(page(root, 2023, "BEL"), copy)
    edit(copy, "Cocaine trade\n\n    8.000.50", "Cocaine trade\n\n    7.500.00")
    edit(copy, "Cannabis trade\n\n    6.500.00", "Cannabis trade\n\n    7.000.50")
    assert run(root) == 0
    found = [f for f in checks(root) if f[0] == "source_agreement"]
    assert {f[3] for f in found} == {"cocaine_trade", "cannabis_trade"}
    assert all(f[4] == ["2023/belgium.txt", "refetch/belgium 2023 (copy).txt"] for f in found)


def test_planted_region_mean_is_caught(full_corpus, tmp_path, workbook_rows):
    root = clone(full_corpus, tmp_path)
    corpus = Corpus(workbook_rows)
    lines = corpus.region_country_page(2023, "East Africa", "KEN")
    good = indented(lines, header_length(lines))
    put(
        root / "raw",
        "africa/east_africa_kenya.txt",
        good,
        url="https://africa.ocindex.net/2023/region/east_africa/kenya",
    )
    assert run(root) == 0
    assert [f for f in checks(root) if f[0] == "region_mean"] == []
    region = corpus.region_expected(2023, "East Africa")["scores"]["cocaine_trade"]
    bad = good.replace(
        f"Cocaine trade\n\n    {region:.2f}\n", f"Cocaine trade\n\n    {region + Decimal('0.05'):.2f}\n", 1
    )
    assert bad != good
    put(
        root / "raw",
        "africa/east_africa_kenya.txt",
        bad,
        url="https://africa.ocindex.net/2023/region/east_africa/kenya",
    )
    assert run(root) == 0
    (found,) = [f for f in checks(root) if f[0] == "region_mean"]
    assert found[1:4] == (2023, "East Africa", "cocaine_trade") and found[4][0] == "africa/east_africa_kenya.txt"


# --- bad input ------------------------------------------------------------------------------------


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


BAD_INPUTS = {
    "empty.txt": (b"", "empty_page", "empty"),
    "blank.txt": (b"   \n\n  \n", "empty_page", "empty"),
    "image.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)) * 4, "binary_page", "binary"),
    "404.html": (
        b"<html><head><title>404 Not Found</title></head><body><h1>Page not found</h1></body></html>",
        "not_a_profile",
        "not a country or region profile",
    ),
    "error.html": (b"<html><body><h1>We are down for maintenance</h1></body></html>", "not_a_profile", "error page"),
    "other_site.html": (
        b"<html><body><h1>Weather in Brussels</h1><p>Sunny, 21.50 degrees</p><p>Wind 5.170.12</p></body></html>",
        "not_a_profile",
        "another site",
    ),
    "huge.txt": (b"Criminal markets\n" + b"x" * (9 * 1024 * 1024), "too_large", "over the"),
    "malformed.txt": (seed_text().replace("8.000.50", "8.0.00.50").encode(), "bad_token", '"8.0.00.50" is not a score'),
    "out_of_range.txt": (
        seed_text().replace("Heroin trade\n\n    4.000.00", "Heroin trade\n\n    0.500.00").encode(),
        "score_out_of_range",
        "heroin_trade is 0.50, outside 1 to 10",
    ),
    "too_big_score.txt": (
        seed_text().replace("Heroin trade\n\n    4.000.00", "Heroin trade\n\n    12.500.00").encode(),
        "bad_token",
        '"12.500.00" is not a score',
    ),
    "half_step.txt": (
        seed_text().replace("Heroin trade\n\n    4.000.00", "Heroin trade\n\n    4.250.00").encode(),
        "score_step",
        "not a step of 0.5",
    ),
    "repeat_disagrees.txt": (
        "8.00-0.50".join(seed_text().rsplit("7.50-0.50", 1)).encode(),  # the last one: in the repeat
        "repeat_mismatch",
        "contradicts itself",
    ),
    "pyramid_disagrees.txt": (
        seed_text().replace("7.04 3.70 5.17 7.04 3.70 5.17", "7.04 3.70 5.71 7.04 3.70 5.17").encode(),
        "pyramid_mismatch",
        "pyramid line",
    ),
    "missing_indicator.txt": (
        seed_text().replace("    Heroin trade\n\n    4.000.00\n\n", "").encode(),
        "missing_indicator",
        "lacks heroin_trade",
    ),
    "pillar_wrong.txt": (
        seed_text().replace("    5.170.12", "    5.270.12").encode(),
        "pillar_mean",
        "criminal_markets is shown as 5.27 but the mean of its 15 indicators is 5.17",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_a_specific_reject_and_the_rest_loads(workdir, name, capsys):
    data, code, words = BAD_INPUTS[name]
    put(workdir / "raw", "good/belgium.txt", SEED.read_bytes())
    put(workdir / "raw", f"bad/{name}", data)
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    d = workdir / "extracted" / "ocindex.duckdb"
    assert query(d, "SELECT DISTINCT iso3 FROM scores") == [("BEL",)]
    ((path, codes, message),) = query(d, "SELECT path, code, message FROM rejects")
    assert path == f"bad/{name}"
    assert code in message and words in message, message
    assert f"rejected bad/{name}:" in out.out


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "latin-1", "cp1252", "utf-8-sig"])
def test_other_encodings_are_read_not_rejected(workdir, encoding):
    put(workdir / "raw", f"belgium-{encoding}.txt", seed_text().encode(encoding, errors="replace"))
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 0
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT count(*) FROM scores WHERE iso3='BEL'") == [(36,)]


def test_names_with_spaces_and_non_ascii(workdir):
    put(workdir / "raw", "Côte d’Ivoire/página de Bélgica 2023.txt", SEED.read_bytes())
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 0
    d = workdir / "extracted" / "ocindex.duckdb"
    assert query(d, "SELECT path FROM sources") == [("Côte d’Ivoire/página de Bélgica 2023.txt",)]
    # the record's name is ASCII whatever the locale: each character beyond it percent-encoded as UTF-8
    name = "C%C3%B4te d%E2%80%99Ivoire%2Fp%C3%A1gina de B%C3%A9lgica 2023.txt.record.json"
    assert (workdir / "extracted" / name).exists()


def test_symlinks_out_of_the_raw_folder_are_refused(workdir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    secret = outside / "secret.txt"
    secret.write_bytes(SEED.read_bytes())
    put(workdir / "raw", "good.txt", SEED.read_bytes())
    os.symlink(secret, workdir / "raw" / "link.txt")
    os.symlink(outside, workdir / "raw" / "linked_folder")
    os.symlink(workdir / "raw" / "nowhere", workdir / "raw" / "dangling.txt")
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 0
    rows = query(workdir / "extracted" / "ocindex.duckdb", "SELECT path, stage, code, message FROM rejects ORDER BY 1")
    assert [(p, s, c) for p, s, c, _ in rows] == [
        ("dangling.txt", "read", "unreadable"),
        ("link.txt", "read", "outside_raw"),
        ("linked_folder", "read", "outside_raw"),
    ]
    assert all(str(outside) in m for p, _, _, m in rows if p != "dangling.txt")
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT path FROM sources") == [("good.txt",)]


# --- crash safety ---------------------------------------------------------------------------------


def _started_with_workers(tmp_path: Path, stderr: int = subprocess.DEVNULL) -> tuple[subprocess.Popen, list]:
    """A run of the full corpus in the background, as soon as both its parse workers are there."""
    import psutil

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.run",
            "--raw-dir",
            str(tmp_path / "raw"),
            "--extracted-dir",
            str(tmp_path / "extracted"),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )
    run = psutil.Process(proc.pid)
    workers: list = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        # forked, the first from the run and the others from the first (`forked_pool.py`), so looked for among
        # the run's descendants; a process that has ended meanwhile is none
        workers = [p for p in run.children(recursive=True) if _alive(p)]
        time.sleep(0.002)
    assert len(workers) == 2, "the run did not start its two parse workers"
    return proc, workers


def _alive(process) -> bool:
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_a_killed_run_leaves_no_worker_behind(full_corpus, tmp_path):
    """SIGKILL gives the run no chance to stop its parse workers: they must notice and end by themselves."""
    import psutil

    shutil.copytree(full_corpus / "raw", tmp_path / "raw")
    proc, workers = _started_with_workers(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"workers left running after the run was killed: {[p.pid for p in alive]}"


def test_workers_that_die_before_any_page_is_handed_out_leave_the_run_to_parse_them(full_corpus, tmp_path):
    """The workers start while the run still hashes raw/: killed then (an out-of-memory killer, a crash), before
    any page was handed to them, the run parses every page itself, as it does when they die later."""
    shutil.copytree(full_corpus / "raw", tmp_path / "raw")
    proc, workers = _started_with_workers(tmp_path, stderr=subprocess.PIPE)
    for w in workers:
        w.kill()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "parse workers failed" in err and "Traceback" not in err
    assert query(db(tmp_path), "SELECT count(*) FROM sources") == [(579,)]


@pytest.mark.parametrize("which", ["first", "second"])
def test_one_worker_killed_mid_parse_leaves_the_run_to_parse_its_pages(full_corpus, tmp_path, which):
    """The first worker imports the parser and forks the second (`forked_pool.py`): either may die on its own while
    pages are parsed (the first after the second was forked, the second under the first). The pages it held, and
    those not handed out yet, are parsed by the run, and every page is loaded."""
    shutil.copytree(full_corpus / "raw", tmp_path / "raw")
    proc, workers = _started_with_workers(tmp_path, stderr=subprocess.PIPE)
    first = [w for w in workers if w.ppid() == proc.pid]
    assert len(first) == 1, "the first worker is the run's child, the second the first's"
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "extracted").glob("*.record.json"))) < 40 and time.monotonic() < deadline:
        time.sleep(0.002)  # the parse is under way: some records are written
    (first[0] if which == "first" else next(w for w in workers if w not in first)).kill()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "parse workers failed" in err and "Traceback" not in err
    assert query(db(tmp_path), "SELECT count(*) FROM sources") == [(579,)]
    assert len(list((tmp_path / "extracted").glob("*.record.json"))) == 579


def test_the_workers_of_a_killed_run_do_not_hold_its_lock(full_corpus, tmp_path):
    """The workers are forked from the run after it took the lock: the next run may start as soon as the run is
    gone, even while its workers are still there (stopped here, so that they cannot end first)."""
    import psutil

    from pipeline.warehouse.lock import RunLock

    shutil.copytree(full_corpus / "raw", tmp_path / "raw")
    proc, workers = _started_with_workers(tmp_path)
    try:
        for w in workers:
            w.suspend()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert all(w.is_running() for w in workers)
        with RunLock(tmp_path / "extracted" / "ocindex.duckdb"):  # wait=0: refused if anything holds it
            pass
    finally:
        for w in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                w.kill()


def _one_page_changed(full_corpus: Path, tmp_path: Path) -> tuple[Path, str]:
    """The corpus as loaded, then one page's analysis changed: a scheduled run has that page alone to parse."""
    root = clone(full_corpus, tmp_path)
    sentence = "A sentence no earlier run has seen."
    first = "Belgium paragraph 1 of people in 2023:"  # the analysis's first paragraph
    edit(page(root, 2023, "BEL"), first, f"{sentence} {first}")
    return root, sentence


def _cli(root: Path, *extra: str) -> subprocess.Popen:
    """The command line, as a scheduled run starts it (a process of its own: it may fork, as the tests may not)."""
    args = [sys.executable, "-m", "pipeline.run", "--raw-dir", str(root / "raw"), "--extracted-dir",
            str(root / "extracted"), *extra]  # fmt: skip
    return subprocess.Popen(args, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _first_child(proc: subprocess.Popen):
    """The first process the run starts (the one that parses the changed page), as soon as it is there."""
    import psutil

    run, deadline = psutil.Process(proc.pid), time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        children = run.children()
        if children:
            return children[0]
        time.sleep(0.001)
    raise AssertionError("the run started no process to parse the changed page")


def test_the_page_changed_is_parsed_in_a_process_of_its_own_and_loaded(full_corpus, tmp_path):
    """A scheduled run after one page changed forks a process off to parse it before it loads DuckDB
    (pipeline/batch/prefetch.py): the page's new text is in the database and in its record, as if the run had
    parsed it itself."""
    import json

    root, sentence = _one_page_changed(full_corpus, tmp_path)
    proc = _cli(root, "-v", "--log-format", "json")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    events = {e["event"]: e for e in map(json.loads, err.splitlines())}
    assert (events["plan"]["prefetched"], events["plan"]["to_parse"], events["parse"]["parsed"]) == (1, 1, 1)
    found = query(db(root), "SELECT count(*) FROM sections WHERE entity = 'Belgium' AND edition = 2023 AND "
                            "contains(text, ?)", [sentence])  # fmt: skip
    assert found == [(1,)]
    record = root / "extracted" / "2023%2Fbelgium.txt.record.json"
    assert sentence in record.read_text(encoding="utf-8")
    assert query(db(root), "SELECT count(*) FROM rejects") == [(0,)]


def test_a_parse_process_that_dies_leaves_the_run_to_parse_the_page(full_corpus, tmp_path):
    """Killed while it parses (an out-of-memory killer, a crash), the process sends nothing: the run parses the
    page itself and completes."""
    root, sentence = _one_page_changed(full_corpus, tmp_path)
    proc = _cli(root)
    _first_child(proc).kill()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "Traceback" not in err, err
    found = query(db(root), "SELECT count(*) FROM sections WHERE entity = 'Belgium' AND edition = 2023 AND "
                            "contains(text, ?)", [sentence])  # fmt: skip
    assert found == [(1,)]


def test_a_killed_run_leaves_no_parse_process_and_no_lock_behind(full_corpus, tmp_path):
    """SIGKILL gives the run no chance to stop the process parsing its page: it ends by itself, and never held
    the run's lock (stopped here until the run is gone, so that it cannot end first)."""
    import psutil

    from pipeline.warehouse.lock import RunLock

    root, _ = _one_page_changed(full_corpus, tmp_path)
    proc = _cli(root)
    child = _first_child(proc)
    try:
        # its copy of the lock's descriptor is closed as it starts (`lock._forget_in_child`), before any of its
        # code runs: it must be gone while the process still parses (it takes a tenth of a second or more)
        lock = os.path.realpath(db(root)) + ".lock"
        while any(f.path == lock for f in child.open_files()):
            time.sleep(0.0005)
        assert child.status() != psutil.STATUS_ZOMBIE, "the parse process held the run's lock until it ended"
        child.suspend()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with RunLock(db(root)):  # wait=0: refused if anything holds it
            pass
        child.resume()
        gone, alive = psutil.wait_procs([child], timeout=10)
        assert not alive, "the parse process was left running after the run was killed"
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def test_ctrl_c_while_the_page_is_parsed_apart_exits_130_and_leaves_no_process(full_corpus, tmp_path):
    import psutil

    root, _ = _one_page_changed(full_corpus, tmp_path)
    proc = _cli(root)
    child = _first_child(proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    gone, alive = psutil.wait_procs([child], timeout=10)
    assert not alive


def _run_in_background(root: Path) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "pipeline.run",
        "--raw-dir",
        str(root / "raw"),
        "--extracted-dir",
        str(root / "extracted"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _two_editions_loaded_third_added(full_corpus: Path, root: Path) -> dict:
    """A database of 2021 and 2023, then 2025 added to raw/: the next run has a whole edition to load.
    Returns the database's content before that run."""
    shutil.copytree(full_corpus / "raw", root / "raw", ignore=shutil.ignore_patterns("2025"))
    assert run(root) == 0
    previous = table_contents(db(root))
    shutil.copytree(full_corpus / "raw" / "2025", root / "raw" / "2025")
    return previous


def _next_run_completes(root: Path) -> None:
    assert run(root) == 0
    assert query(db(root), "SELECT count(*) FROM scores") == [(193 * (30 + 36 + 36),)]
    assert not list((root / "extracted").glob("*.building-*"))


@pytest.mark.parametrize("delay", [0.15, 0.4, 0.7, 1.0, 1.3], ids=lambda d: f"after-{d}s")
def test_sigkill_at_any_moment_leaves_the_previous_or_the_new_content(full_corpus, tmp_path, delay):
    previous = _two_editions_loaded_third_added(full_corpus, tmp_path)
    proc = _run_in_background(tmp_path)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after_kill = table_contents(db(tmp_path))
    if after_kill["runs"] == previous["runs"]:  # killed before the swap: the old content, whole
        assert after_kill == previous
    else:  # killed after it: the new content, whole
        assert query(db(tmp_path), "SELECT count(DISTINCT edition) FROM scores") == [(3,)]
    _next_run_completes(tmp_path)


def test_sigkill_during_a_build_leaves_the_previous_content(full_corpus, tmp_path):
    """The kill is sent once the run is building its copy of the database: the copy is left behind (the
    proof that the kill landed mid-build), the published file is the old one, and the next run cleans up."""
    previous = _two_editions_loaded_third_added(full_corpus, tmp_path)
    proc = _run_in_background(tmp_path)
    building = db(tmp_path).with_name(f"{db(tmp_path).name}.building-{proc.pid}")
    deadline = time.monotonic() + 60
    while not building.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert building.exists(), "the kill did not land during a build"
    assert table_contents(db(tmp_path)) == previous
    _next_run_completes(tmp_path)
