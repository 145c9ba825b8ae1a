"""Unit tests of the raw store (`crawl/store.py`) and the record folder (`records.py`)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SEED, put

from pipeline.batch import records
from pipeline.crawl import store


def meta(path: Path, **fields) -> None:
    path.with_name(path.name + store.META_SUFFIX).write_text(json.dumps(fields), encoding="utf-8")


def test_the_newest_usable_version_of_each_url_is_listed(tmp_path):
    raw = tmp_path / "raw"
    url = "https://ocindex.net/2023/country/belgium"
    old, new, broken = (put(raw, f"ocindex.net/2023/country/belgium/{n}.html", "<html>x</html>") for n in "abc")
    meta(old, url=url, fetched_at="2026-01-01T00:00:00+00:00")
    meta(new, url=url, fetched_at="2026-02-01T00:00:00+00:00")
    meta(broken, url=url, fetched_at="2026-03-01T00:00:00+00:00", usable=False)  # an error page kept for inspection
    put(raw, "by-hand.txt", "saved by hand")
    refs = store.list_pages(raw)
    assert [(r.rel, r.url) for r in refs] == [("by-hand.txt", None), ("ocindex.net/2023/country/belgium/b.html", url)]


@pytest.mark.parametrize(
    "text, why",
    [
        ("{not json", "is not valid JSON"),
        ('["https://ocindex.net/2023/country/belgium"]', "is not a JSON object"),
        ('{"url": 7, "fetched_at": "2026-01-01T00:00:00+00:00"}', "has a url that is not text"),
        ('{"url": "https://ocindex.net/2023/country/belgium", "fetched_at": 20260101}', "has a fetched_at that is not"),
    ],
    ids=["not-json", "not-an-object", "url-a-number", "date-a-number"],
)
def test_a_page_whose_metadata_cannot_be_read_is_a_reject_not_a_page_without_provenance(tmp_path, text, why):
    """Read without its metadata, a fetched page would lose where and when it came from without a word, and be
    served apart from the other versions of its URL."""
    raw = tmp_path / "raw"
    page = put(raw, "ocindex.net/2023/country/belgium/a.txt", "a page")
    page.with_name(page.name + store.META_SUFFIX).write_text(text, encoding="utf-8")
    (ref,) = store.list_pages(raw)
    assert ref.problem is not None and ref.problem.code == "bad_metadata"
    assert why in ref.problem.message and "a.txt.meta.json" in ref.problem.message


def test_files_that_are_not_pages_are_skipped(tmp_path):
    raw = tmp_path / "raw"
    for name in ("page.txt", ".hidden.txt", "README.md", "page.txt.meta.json", ".page.txt.123.tmp"):
        put(raw, name, "x")
    assert [r.rel for r in store.list_pages(raw)] == ["page.txt"]


def test_a_link_out_of_the_raw_folder_is_reported_with_its_code(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside.txt"
    raw.mkdir()
    outside.write_text("secret")
    os.symlink(outside, raw / "link.txt")
    os.symlink(raw / "nowhere", raw / "dangling.txt")
    problems = {r.rel: r.problem.code for r in store.list_pages(raw) if r.problem}
    assert problems == {"link.txt": "outside_raw", "dangling.txt": "unreadable"}


@pytest.mark.parametrize(
    "url, where",
    [
        pytest.param("https://ocindex.net/2023/country/belgium", "ocindex.net/2023/country/belgium", id="plain"),
        pytest.param("https://ocindex.net/../../etc/passwd", "ocindex.net/etc/passwd", id="dot-dot"),
        pytest.param("http://127.0.0.1:8080/a b/c", "127.0.0.1_8080/a_b/c", id="port-and-space"),
        pytest.param("https://ocindex.net/", "ocindex.net/index", id="root"),
    ],
)
def test_a_url_maps_to_a_folder_inside_the_raw_store(tmp_path, url, where):
    assert store.page_dir(tmp_path, url) == tmp_path / where


def test_a_saved_page_is_stored_once_by_content(tmp_path):
    first = store.save_page(tmp_path, "https://ocindex.net/x", b"<!DOCTYPE html><html>a</html>", {"url": "u"})
    again = store.save_page(tmp_path, "https://ocindex.net/x", b"<!DOCTYPE html><html>a</html>", {"url": "u"})
    assert first == again and first.suffix == ".html" and len(list(first.parent.iterdir())) == 2  # page + meta
    text = store.save_page(tmp_path, "https://ocindex.net/x", b"Criminal markets < 5", {"url": "u"})
    assert text.suffix == ".txt"


@pytest.mark.parametrize(
    "rel, rejected, name",
    [
        pytest.param("000_seed.txt", False, "000_seed.txt.record.json", id="loose"),
        pytest.param(
            "ocindex.net/2023/country/belgium/ab12.html",
            True,
            "ocindex.net%2F2023%2Fcountry%2Fbelgium%2Fab12.html.rejected.json",
            id="fetched-rejected",
        ),
    ],
)
def test_record_names(rel, rejected, name):
    assert records.record_name(rel, rejected) == name


def test_record_names_never_collide():
    """Three pages that shared one record before: a path per name, a name per path and state."""
    rels = ["2023/belgium.txt", "2023__belgium.txt", "2023/belgium.html", "2023%2Fbelgium.txt", "x.rejected", "x"]
    names = [records.record_name(rel, rejected) for rel in rels for rejected in (False, True)]
    assert len(set(names)) == len(names)


def test_the_manifest_round_trips_and_says_what_is_unchanged(tmp_path):
    folder = tmp_path / "extracted"
    first = records.RecordStore(folder)
    first.add("a.txt", "1" * 64, "a.json", "a" * 64)
    first.add("b.txt", "2" * 64, "b.rejected.json", "b" * 64)
    first.finish()
    again = records.RecordStore(folder)
    assert again.fresh and again.cached("a.txt", "1" * 64) == records.Entry("1" * 64, "a.json", False, "a" * 64)
    assert again.cached("a.txt", "3" * 64) is None  # the page changed
    assert again.covers({"a.txt": "1" * 64, "b.txt": "2" * 64}, ["a.txt", "b.txt"])
    assert again.covers({"a.txt": "1" * 64, "b.txt": "2" * 64, "old.txt": "4" * 64}, ["a.txt", "b.txt"])
    assert not again.covers({"a.txt": "1" * 64}, ["a.txt"])  # b.txt is gone
    assert not again.covers({"a.txt": "1" * 64, "b.txt": "5" * 64}, ["a.txt", "b.txt"])  # b.txt changed
    assert not again.covers({"a.txt": "1" * 64, "b.txt": "2" * 64, "c.txt": "6" * 64}, ["a.txt", "b.txt", "c.txt"])


def test_the_parser_version_covers_the_whole_extract_package(tmp_path):
    """A change in any module of pipeline/extract/ (or the catalog's data) changes the parser version;
    a change in the warehouse does not (records do not depend on it)."""
    import subprocess
    import sys

    def version(tree: Path) -> str:
        code = "from pipeline.batch.records import parser_version; print(parser_version())"
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tree,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
            check=True,
        )
        return done.stdout.strip()

    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "pipeline", tree / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    before = version(tree)
    with (tree / "pipeline" / "warehouse" / "views.py").open("a") as f:
        f.write("\n# a warehouse change\n")
    assert version(tree) == before
    with (tree / "pipeline" / "extract" / "blocks.py").open("a") as f:
        f.write("\n# a parser change deep in the package\n")
    after_code = version(tree)
    assert after_code != before
    with (tree / "pipeline" / "data" / "indicators.csv").open("a") as f:
        f.write("\n")
    assert version(tree) not in (before, after_code)


def test_a_record_that_holds_the_same_content_is_not_rewritten(tmp_path):
    record = (json.dumps({"source": {"sha256": "0" * 64}, "issues": []}) + "\n").encode()
    name, _ = records.write_record(tmp_path, "p.txt", record, rejected=False)
    inode = (tmp_path / name).stat().st_ino
    records.write_record(tmp_path, "p.txt", record, rejected=False)
    assert (tmp_path / name).stat().st_ino == inode
    records.write_record(tmp_path, "p.txt", record, rejected=True)  # now rejected: the good record goes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.txt.rejected.json"]


def test_the_seed_is_listed_as_a_page(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    (ref,) = store.list_pages(raw)
    assert (ref.rel, ref.url, ref.problem) == (SEED.name, None, None)
