"""Scheduled runs as an operator or an attacker would try them, against a real server on 127.0.0.1:
a bad newer download, a stale database, the tables after a run with nothing new, record names that
collide, a body dripped byte by byte, a storm of server errors, a page of hidden elements."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from conftest import SEED, copy_seed, put, query, table_contents
from corpus import Variant, to_html
from siteserver import Site, SiteServer
from test_fetch import FAST, corpus, crawl, db_of, path_for  # noqa: F401  (corpus: a fixture)

from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

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


def test_a_new_provenance_is_not_unchanged(workdir):
    """A page whose bytes stay but whose .meta.json says it came from elsewhere, or was fetched again,
    reloads: the rows' provenance and the record's URL follow the metadata."""
    page = copy_seed(workdir / "raw")
    meta = page.with_name(page.name + ".meta.json")
    meta.write_text(
        json.dumps({"url": "https://ocindex.net/2023/country/belgium", "fetched_at": "2026-01-01T00:00:00Z"})
    )
    assert run_in(workdir) == 0
    meta.write_text(json.dumps({"url": "https://ocindex.net/country/belgium", "fetched_at": "2026-02-02T10:00:00Z"}))
    assert run_in(workdir) == 0
    assert query(db_of(workdir), "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("completed",)]
    assert query(db_of(workdir), "SELECT url, fetched_at::VARCHAR FROM sources") == [
        ("https://ocindex.net/country/belgium", "2026-02-02 10:00:00")
    ]
    (record,) = (workdir / "extracted").glob("*.record.json")
    assert json.loads(record.read_text())["source"]["url"] == "https://ocindex.net/country/belgium"


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


def test_a_dripped_body_ends_at_the_deadline(workdir, one_page):
    path = path_for(2023, "BEL")
    one_page.faults[path] = ["drip:0.05"]  # 20 bytes a second: minutes for the page, each byte within --timeout
    with SiteServer(one_page) as server:
        started = time.monotonic()
        assert crawl(workdir, server, "--deadline", "1", countries="BEL", editions="2023") == 0
        took = time.monotonic() - started
    assert query(db_of(workdir), "SELECT code FROM rejects") == [("too_slow",)]
    assert len(one_page.requests_for(path)) == 1  # not retried
    assert took < 10, took


def test_a_storm_of_server_errors_stops_the_crawl_and_keeps_what_it_has(workdir, one_page, capsys):
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0  # a good copy of Belgium
        good = bel_scores(workdir)
        for edition in (2021, 2023, 2025):
            for iso3 in ("BEL", "NLD", "COL", "FRA"):
                one_page.faults[path_for(edition, iso3)] = ["503"]
        capsys.readouterr()
        assert crawl(workdir, server, "--retries", "1", "--max-server-errors", "3",
                     countries="BEL,NLD,COL,FRA", editions="2021,2023,2025") == 0  # fmt: skip
    out = capsys.readouterr().out
    asked = [s.path for s in one_page.seen if s.path != "/robots.txt"]
    assert len(asked) == 1 + 3 * 2  # the first crawl's page, then 3 pages of 2 attempts each, and it stopped
    assert "the crawl stopped after 3 pages in a row failed with server errors" in out
    assert "9 of 12 pages were not tried" in out
    assert bel_scores(workdir) == good  # the last good copy stays
    assert query(db_of(workdir), "SELECT count(*) FROM rejects WHERE stage = 'fetch'") == [(3,)]


def test_a_page_served_as_utf16_is_read(workdir, one_page):
    one_page.faults[path_for(2023, "BEL")] = ["utf16"]
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    assert len(bel_scores(workdir)) == SEED_SCORES
    assert query(db_of(workdir), "SELECT count(*) FROM rejects") == [(0,)]


def test_a_page_of_hidden_elements_is_linear(workdir):
    """2.3 MB of `<i hidden></i>`: 54 s before (quadratic in the hidden elements), now well under a second."""
    from pipeline.extract.document import parse_page

    times = []
    for n in (40_000, 160_000):
        page = b"<html><body>" + b"<i hidden></i>" * n + b"</body></html>"
        started = time.perf_counter()
        record = parse_page(page, path="hidden.html")
        times.append(time.perf_counter() - started)
        assert record["issues"][0]["code"] == "not_a_profile"
    assert times[1] < 10 * times[0] + 0.5, times  # four times the elements: about four times the time, not 16


# robots.txt per RFC 9309: which of Belgium's three pages (2021, 2023, 2025) the crawler may ask for.
# The rules are written for this test; the expected answers are worked out by hand from the RFC.
ROBOTS = {
    "wildcard": ("User-agent: *\nDisallow: /*/country/belgium\n", set()),
    "dollar-anchor": ("User-agent: *\nDisallow: /2023/country/belgium$\nDisallow: /2021/country/belg$\n",
                      {2021, 2025}),
    "longest-match-wins": ("User-agent: *\nDisallow: /\nAllow: /2023/country/\nDisallow: /2023/country/bel\n",
                           set()),
    "longer-allow-wins": ("User-agent: *\nDisallow: /20\nAllow: /2025/country/belgium\n", {2025}),
    "allow-wins-a-tie": ("User-agent: *\nDisallow: /2021/country\nAllow: /2021/country\nDisallow: /2023/\n",
                         {2021, 2025}),
    "bom": ("\ufeffUser-agent: *\nDisallow: /2025/\n", {2021, 2023}),
    "our-group-over-star": ("User-agent: *\nDisallow: /\n\nUser-agent: ocindex-pipeline\nDisallow: /2021/\n",
                            {2023, 2025}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(ROBOTS))
def test_robots_txt_rules(workdir, corpus, case):  # noqa: F811
    rules, allowed = ROBOTS[case]
    site = Site(pages={path_for(e, "BEL"): to_html(corpus.country_page(Variant(e), "BEL"), "divs").encode()
                       for e in (2021, 2023, 2025)}, robots=rules)  # fmt: skip
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL", editions="2021,2023,2025") == 0
    asked = {e for e in (2021, 2023, 2025) if site.requests_for(path_for(e, "BEL"))}
    assert asked == allowed
    disallowed = query(db_of(workdir), "SELECT path FROM rejects WHERE code = 'robots_disallowed' ORDER BY 1")
    assert len(disallowed) == 3 - len(allowed)


@pytest.mark.parametrize("crawl_delay, delay, gap", [("0.3", "0", 0.3), ("0.3", "0.5", 0.5), ("0.25", "0.02", 0.25)])
def test_crawl_delay_is_fractional_and_delay_only_lengthens_it(workdir, one_page, crawl_delay, delay, gap):
    one_page.robots = f"User-agent: *\nCrawl-delay: {crawl_delay}\n"
    one_page.pages[path_for(2023, "NLD")] = one_page.pages[path_for(2023, "BEL")]
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, "--delay", delay, countries="BEL,NLD", editions="2023") == 0
    gaps = [b.at - a.at for a, b in zip(one_page.seen, one_page.seen[1:], strict=False)]
    # paced when sent; an arrival late by a few hundredths shortens the next gap as much as it lengthens its own,
    # so the two gaps together are held to the pacing closely, and each one loosely
    assert len(gaps) == 2 and sum(gaps) >= 2 * gap - 0.03 and all(g >= gap - 0.1 for g in gaps), gaps


def test_reconciliation_names_its_run_and_drops_entities_that_left(workdir):
    from conftest import WORKBOOK

    copy_seed(workdir / "raw")
    shutil.copy(WORKBOOK, workdir / "raw" / WORKBOOK.name)
    assert run_in(workdir) == 0
    db = db_of(workdir)
    assert query(db, "SELECT run_id, iso3, count(*) FROM reconciliation GROUP BY ALL") == [(1, "BEL", 36)]
    (workdir / "raw" / "000_fdcefce654b14ab5.txt").unlink()  # the page leaves: nothing of it is compared
    assert run_in(workdir) == 0
    assert query(db, "SELECT count(*) FROM reconciliation") == [(0,)]
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    assert query(db, "SELECT DISTINCT run_id FROM reconciliation") == [(3,)]


def test_a_run_with_nothing_new_beside_a_reader_still_completes(workdir):
    """The no-op writes its ledger row in place; with a reader holding the file, it builds beside and swaps."""
    import subprocess
    import sys

    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    before = table_contents(db_of(workdir))
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); time.sleep(30)", str(db_of(workdir))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        assert run_in(workdir) == 0
    finally:
        reader.kill()
        reader.wait()
    after = table_contents(db_of(workdir))
    assert query(db_of(workdir), "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("unchanged",)]
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}
