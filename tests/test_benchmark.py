"""The benchmark script runs on a few pages, so it cannot rot (no timing is asserted)."""

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


def test_benchmark_runs_on_a_few_pages(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--countries",
            "3",
            "--no-10x",
            "--no-dlt",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for figure in (
        "machine:",
        "parse, text pages, one core",
        "validate, text pages, one core",
        "full run, where the wall time goes",
        "load in the run",
        "full run, wall",
        "floor (read, one regex pass, bulk insert of the tokens and the analysis)",
        "analysis text",
        "one page changed, wall",
        "one page changed, where the wall time goes",
        "no-op re-run, wall",
        "re-run after a parser change",
        "peak RSS, corpus",
        "full run, CPU",
        "first command's run",
        "report, written after a run",
        "full run: parse, load, the rest",
        "creating a file in the work folder",
        "targets:",
        "full run <= 3x the floor",
        "no-op re-run <= 0.25x the full run",
        "one page changed <= 0.35x the full run",
        "every table and the top 10 of each search as a run from scratch makes them: identical",
        "the database built again from the records (no page parsed)",
        "peak RSS <= 300 MB",
        "parse, text pages, one core >= 1,000 pages/s",
    ):
        assert figure in out, figure
    assert "9 (text; 3 countries x 3 editions)" in out  # text pages
    assert "99 sections" in out and "(seed analysis on every page)" in out  # issue 25: real-sized analysis
    assert "start-up, imports, settings, exit" in out  # the stage events were read
    assert "(8 unchanged; " in out and "(1 parsed)" in out  # a page changed: the other eight stood
    assert list(tmp_path.iterdir()) == []  # its work folder is removed


def test_benchmark_runs_on_html_pages(tmp_path):
    """The corpus as markup: a page changed in its HTML, and the parse speed of the HTML pages."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--countries", "2", "--formats", "html", "--no-10x",
         "--no-dlt", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "6 (html; 2 countries x 3 editions)" in out
    assert "(5 unchanged; " in out and "(1 parsed)" in out  # the sentence went into an HTML page's analysis
    assert "parse, html pages, one core (best of 3 passes)" in out and "parse, text pages" not in out
    assert "one core >= 1,000 pages/s" not in out  # the target is the text pages': none here


@pytest.mark.parametrize("analysis", ["seed", "short"])
def test_the_sentence_the_one_page_run_adds_starts_the_first_section(tmp_path, monkeypatch, analysis):
    """The page the benchmark changes, in each format and markup it renders and for every country (eSwatini's
    paragraphs start with a small letter): the record then differs only in its first section, which starts with
    the sentence."""
    import importlib.util

    from pipeline.extract.document import parse_page

    spec = importlib.util.spec_from_file_location("benchmark_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    rows = {(r.edition, r.iso3): r for r in bench.read_workbook(bench.WORKBOOK)}
    bench.render(tmp_path, rows, sorted({iso3 for _, iso3 in rows}), ["text", "html"], analysis=analysis)
    sentence = "A sentence written for the benchmark."
    pages = sorted(p for p in tmp_path.rglob("*") if p.suffix in (".txt", ".html"))
    assert len(pages) == 2 * 579
    for page in pages:
        text = page.read_text(encoding="utf-8")
        before, after = parse_page(text.encode()), parse_page(bench.with_sentence(text, sentence).encode())
        first_before, first_after = before["entities"][0]["sections"][0], after["entities"][0]["sections"][0]
        assert first_after == {**first_before, "text": f"{sentence} {first_before['text']}"}, page
        for record in (before, after):
            record["entities"][0]["sections"].pop(0)
            del record["source"]
        assert after == before, page


def test_parse_speed_script_runs_on_a_few_pages():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "parse_speed.py"), "--countries", "2", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert [line.split()[:3] for line in done.stdout.splitlines()] == [["text", "6", "pages"], ["html", "6", "pages"]]


def test_parse_speed_script_gives_each_stage_of_the_reading():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "parse_speed.py"), "--countries", "1", "--repeat", "1", "--stages"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[::2]] == ["text", "html"]
    text_stages, html_stages = (dict(part.rsplit(" ", 1) for part in line.strip().removesuffix(" (ms a page)").split("; "))
                                for line in lines[1::2])  # fmt: skip
    assert list(text_stages) == ["decoded", "lines", "the rest (grammar, edition, record, validation)"]
    assert list(html_stages) == ["decoded", "markup parsed (lxml)", "CSS applied", "visible text walked", "lines",
                                 "the rest (grammar, edition, record, validation)"]  # fmt: skip
    assert all(re.fullmatch(r"-?\d+\.\d{3}", ms) for ms in [*text_stages.values(), *html_stages.values()])


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (.ci/run installs it)")
def test_parse_instructions_counts_a_page(tmp_path):
    """Instructions counted by callgrind: the working tree's parser against a copy of itself, the same count."""
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "parse_instructions.py"), str(ROOT), str(tmp_path), "--pages", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = re.fullmatch(r"text pages, 2 counted: A ([\d.]+) M instructions a page, B ([\d.]+) M, A/B ([\d.]+)\n",
                         done.stdout)  # fmt: skip
    assert found is not None, done.stdout
    assert 1 < float(found.group(1)) < 100  # millions of instructions a page: a page was read
    assert 0.98 < float(found.group(3)) < 1.02  # the same code in two folders: the count does not move


def test_the_storage_choices_benchmark_runs(first_db, tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "storage_choices.py"), str(first_db)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for line in ("sections' text, as in the corpus: zstd", "words shuffled", "current tables: no declared key",
                 "search index: automerge 8"):  # fmt: skip
        assert line in done.stdout, done.stdout


def test_pairs_runs_on_a_few_pages(tmp_path):
    """benchmarks/pairs.py, the project against itself: it prints both figures (no timing is asserted)."""
    for mode in ([], ["--full"]):
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "pairs.py"), str(ROOT), str(ROOT), "--countries", "2",
             "--pairs", "1", "--workdir", str(tmp_path), *mode],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("wall: A ") and "\nCPU: A " in done.stdout, done.stdout
