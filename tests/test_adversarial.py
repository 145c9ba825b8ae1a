"""Scheduled runs as an operator or an attacker would try them, against a real server on 127.0.0.1:
a bad newer download, a stale database, the tables after a run with nothing new, record names that
collide, a body dripped byte by byte, a storm of server errors, a page of hidden elements."""

from __future__ import annotations

import os

import pytest
from conftest import SEED, copy_seed, put, query, table_contents
from corpus import Variant, to_html
from siteserver import Site, SiteServer
from test_fetch import FAST, corpus, crawl, db_of, path_for  # noqa: F401  (corpus: a fixture)

from pipeline.run import main

SEED_SCORES = 36  # the seed page: 4 composites and 32 indicators (counted by hand in the page)


def run_in(workdir, *extra) -> int:
    return main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra])


def bel_scores(workdir):
    return query(db_of(workdir), "SELECT indicator, score FROM scores WHERE iso3 = 'BEL' ORDER BY 1")


@pytest.fixture
def one_page(corpus):  # noqa: F811
    page = to_html(corpus.country_page(Variant(2023), "BEL"), "divs").encode()
    return Site(pages={path_for(2023, "BEL"): page})


@pytest.mark.parametrize("bad", ["half", "another-site"])
def test_the_last_good_copy_wins_over_a_bad_newer_download(workdir, one_page, bad):
    path = path_for(2023, "BEL")
    good_page = one_page.pages[path]
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
        good = bel_scores(workdir)
        assert len(good) == SEED_SCORES
        # a 200 that carries half the page, or a page of another site: both are stored as a new version
        one_page.pages[path] = (
            good_page[: len(good_page) // 2]
            if bad == "half"
            # words the crawler's check looks for, on a page that is no profile (text written for this test)
            else b"<html><body><h1>City News</h1><p>A talk on criminal markets and resilience, 2023.</p></body></html>"
        )
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    assert len(list((workdir / "raw").rglob("*.html"))) == 2  # both versions are kept
    assert bel_scores(workdir) == good  # the rows of the last good copy stay
    ((rel, message),) = query(db_of(workdir), "SELECT path, message FROM rejects")
    assert "an earlier copy of the page is served instead" in message
    (served,) = query(db_of(workdir), "SELECT path FROM sources WHERE format = 'html'")
    assert rel != served[0]
    # nothing changes on a re-run: the same version is served, the bad one stays listed
    before = table_contents(db_of(workdir), {"runs": set()})
    assert run_in(workdir) == 0
    assert table_contents(db_of(workdir)) | {"runs": []} == before | {"runs": []}


def test_unchanged_is_decided_against_the_database(workdir):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    other = workdir / "other.duckdb"
    put(workdir / "raw", "cut.txt", SEED.read_bytes()[:3000])  # a new page, rejected
    assert run_in(workdir, "--db", str(other)) == 0  # extracted/ now knows cut.txt; the default database does not
    assert query(other, "SELECT path FROM rejects") == [("cut.txt",)]
    assert query(db_of(workdir), "SELECT count(*) FROM rejects") == [(0,)]
    assert run_in(workdir) == 0  # the default database is behind: this run must bring it up to date
    assert query(db_of(workdir), "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("completed",)]
    assert query(db_of(workdir), "SELECT path FROM rejects") == [("cut.txt",)]
    assert run_in(workdir) == 0  # and now nothing is new
    assert query(db_of(workdir), "SELECT status FROM runs ORDER BY run_id DESC LIMIT 1") == [("unchanged",)]


def test_rejects_and_every_table_survive_a_run_with_nothing_new(workdir):
    copy_seed(workdir / "raw")
    for n in range(3):  # pages rejected for various reasons
        put(workdir / "raw", f"cut-{n}.txt", SEED.read_bytes()[: 2000 + n])
    put(workdir / "raw", "binary.txt", b"\x7fELF\x02\x01\x01" + bytes(200))
    outside = workdir / "outside.txt"
    outside.write_bytes(b"a page outside raw/")
    os.symlink(outside, workdir / "raw" / "link.txt")
    assert run_in(workdir) == 0
    first = table_contents(db_of(workdir))
    assert len(first["rejects"]) == 5
    assert run_in(workdir) == 0
    again = table_contents(db_of(workdir))
    assert query(db_of(workdir), "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("unchanged",)]
    assert {k: v for k, v in again.items() if k != "runs"} == {k: v for k, v in first.items() if k != "runs"}
    assert query(db_of(workdir), "SELECT pages_rejected FROM runs ORDER BY run_id") == [(5,), (5,)]
    # a link that now leads inside raw/ is a change: the run reloads
    (workdir / "raw" / "link.txt").unlink()
    os.symlink(workdir / "raw" / "000_fdcefce654b14ab5.txt", workdir / "raw" / "link.txt")
    assert run_in(workdir) == 0
    assert query(db_of(workdir), "SELECT status, pages_rejected FROM runs ORDER BY run_id DESC LIMIT 1") == [
        ("completed", 4)
    ]
    # first_seen_run is kept while a document stays rejected; last_seen_run moves on
    assert query(
        db_of(workdir), "SELECT DISTINCT first_seen_run, last_seen_run, run_id FROM rejects WHERE path LIKE 'cut-%'"
    ) == [(1, 3, 3)]


def test_a_fetch_failure_is_counted_and_stays_listed_until_the_next_fetch(workdir, one_page):
    path = path_for(2023, "BEL")
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, countries="BEL,NLD", editions="2023") == 0  # NLD: 404
        assert query(db_of(workdir), "SELECT stage, code FROM rejects") == [("fetch", "http_404")]
        assert query(db_of(workdir), "SELECT pages_rejected, pages_loaded FROM runs") == [(1, 1)]
        before = table_contents(db_of(workdir))
        assert run_in(workdir) == 0  # no fetch, nothing new: every table as it was but runs
        assert {k: v for k, v in table_contents(db_of(workdir)).items() if k != "runs"} == {
            k: v for k, v in before.items() if k != "runs"
        }
        assert query(db_of(workdir), "SELECT pages_rejected FROM runs ORDER BY run_id DESC LIMIT 1") == [(1,)]
        one_page.pages[path_for(2023, "NLD")] = one_page.pages[path]  # the next fetch succeeds
        assert crawl(workdir, server, countries="BEL,NLD", editions="2023") == 0
    assert query(db_of(workdir), "SELECT count(*) FROM rejects WHERE stage = 'fetch'") == [(0,)]


def test_record_names_never_collide_in_a_run(workdir):
    seed = SEED.read_bytes()
    put(workdir / "raw", "2023/belgium.txt", seed)
    put(workdir / "raw", "2023__belgium.txt", seed[:3000])  # rejected: a cut page
    put(workdir / "raw", "2023/belgium.html", b"<html><body><pre>" + seed + b"</pre></body></html>")
    assert run_in(workdir) == 0
    records = sorted(p.name for p in (workdir / "extracted").glob("*.json") if p.name != "manifest.json")
    assert len(records) == 3
    assert query(db_of(workdir), "SELECT path FROM rejects") == [("2023__belgium.txt",)]
