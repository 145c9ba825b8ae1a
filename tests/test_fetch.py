"""The crawler against a real HTTP server on 127.0.0.1, serving HTML rendered from the official workbook."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import query, run_cli, table_contents
from corpus import MARKUPS, Corpus, Variant, to_html
from siteserver import Site, SiteServer

from pipeline import catalog
from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

ISO3S = ("BEL", "NLD", "COL")
EDITIONS = (2021, 2023, 2025)
# the dated pages only, every one requested each run (the other families and the schedule: test_crawl_site.py)
FAST = ["--delay", "0.02", "--backoff", "0.02", "--timeout", "2", "--connect-timeout", "2", "--documents", "dated",
        "--revalidate-after", "0"]  # fmt: skip


def path_for(edition: int, iso3: str) -> str:
    return f"/{edition}/country/{catalog.country_by_iso3(iso3).slug(edition)}"


@pytest.fixture(scope="module")
def corpus(workbook_rows):
    return Corpus(workbook_rows)


@pytest.fixture
def site(corpus):
    pages = {}
    for n, (edition, iso3) in enumerate((e, i) for e in EDITIONS for i in ISO3S):
        pages[path_for(edition, iso3)] = to_html(
            corpus.country_page(Variant(edition), iso3), MARKUPS[n % len(MARKUPS)]
        ).encode()
    return Site(pages=pages)


def crawl(workdir, server, *extra, countries="BEL,NLD,COL", editions="2021,2023,2025"):
    return main(
        [
            "--fetch",
            "--base-url",
            server.url,
            "--editions",
            editions,
            "--countries",
            countries,
            "--raw-dir",
            str(workdir / "raw"),
            "--extracted-dir",
            str(workdir / "extracted"),
            *FAST,
            *extra,
        ]
    )


def db_of(workdir):
    return workdir / "extracted" / "ocindex.duckdb"


def test_the_issue_command_loads_nine_pages_and_reruns_conditionally(workdir, site, corpus):
    with SiteServer(site) as server:
        args = [
            "pipeline.run",
            "--fetch",
            "--base-url",
            server.url,
            "--editions",
            "2021,2023,2025",
            "--countries",
            "BEL,NLD,COL",
            "--delay",
            "0.05",
            "--documents",
            "dated",
            "--revalidate-after",
            "0",
        ]
        done = run_cli(*args, cwd=workdir)
        assert done.returncode == 0, done.stderr
        assert "9 loaded, 0 rejected" in done.stdout and "fetched 9" in done.stdout
        assert "fetch [9/9]" in done.stderr  # plain progress lines when not on a terminal
        db = db_of(workdir)
        for edition in EDITIONS:
            for iso3 in ISO3S:
                want = corpus.expected(edition, iso3)
                rows = query(
                    db, "SELECT indicator, score, change FROM scores WHERE edition=? AND iso3=?", [edition, iso3]
                )
                assert {k: (s, c) for k, s, c in rows} == want["scores"], (edition, iso3)
                ranks = query(
                    db,
                    """SELECT metric, scope, area, rank, of_total, change_shown, previous_rank FROM ranks
                                     WHERE edition=? AND iso3=? ORDER BY metric, CASE scope WHEN 'world' THEN 1
                                     WHEN 'continent' THEN 2 ELSE 3 END""",
                    [edition, iso3],
                )
                assert ranks == want["ranks"], (edition, iso3)
        assert query(db, "SELECT count(*), count(DISTINCT url) FROM sources WHERE format='html'") == [(9, 9)]
        before = table_contents(
            db,
            {
                "runs": {
                    "run_id",
                    "started_at",
                    "finished_at",
                    "status",
                    "pages_fetched",
                    "pages_not_modified",
                    "seconds_fetch",
                    "seconds_parse",
                    "seconds_load",
                    "pages_parsed",
                    "pages_valid",
                    "values_changed",
                }
            },
        )
        raw_files = sorted(p.relative_to(workdir) for p in (workdir / "raw").rglob("*.html"))
        site.seen.clear()

        again = run_cli(*args, cwd=workdir)
        assert again.returncode == 0, again.stderr
        assert "9 not modified" in again.stdout
        pages = [s for s in site.seen if s.path != "/robots.txt"]
        assert len(pages) == 9 and all("if-none-match" in s.headers for s in pages)
        after = table_contents(
            db,
            {
                "runs": {
                    "run_id",
                    "started_at",
                    "finished_at",
                    "status",
                    "pages_fetched",
                    "pages_not_modified",
                    "seconds_fetch",
                    "seconds_parse",
                    "seconds_load",
                    "pages_parsed",
                    "pages_valid",
                    "values_changed",
                }
            },
        )
        assert after.pop("runs") == before.pop("runs") * 2
        assert [row[6] for row in after.pop("coverage")] == ["304"] * 9  # last_status
        assert [row[6] for row in before.pop("coverage")] == ["200"] * 9
        assert after == before
        assert (
            sorted(p.relative_to(workdir) for p in (workdir / "raw").rglob("*.html")) == raw_files
        )  # not stored twice


def test_pacing_user_agent_and_request_count(workdir, site):
    with SiteServer(site) as server:
        assert (
            crawl(
                workdir,
                server,
                "--delay",
                "0.2",
                "--contact",
                "https://example.org/me",
                countries="BEL,NLD",
                editions="2023",
            )
            == 0
        )
    assert [s.path for s in site.seen] == ["/robots.txt", path_for(2023, "BEL"), path_for(2023, "NLD")]
    gaps = [b.at - a.at for a, b in zip(site.seen, site.seen[1:])]
    assert all(g >= 0.17 for g in gaps), gaps  # 0.2 s apart when sent; arrival jitters a little
    ua = site.seen[1].headers["user-agent"]
    assert ua.startswith("ocindex-pipeline/") and "+https://example.org/me" in ua


def test_robots_crawl_delay_and_disallow(workdir, site):
    site.robots = "User-agent: *\nCrawl-delay: 1\nDisallow: /2021/\n"
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL", editions="2021,2023,2025") == 0
    paths = [s.path for s in site.seen]
    assert path_for(2021, "BEL") not in paths
    gaps = [b.at - a.at for a, b in zip(site.seen, site.seen[1:])]
    assert all(g >= 0.95 for g in gaps), gaps
    (code,) = query(db_of(workdir), "SELECT code FROM rejects WHERE stage='fetch'")[0]
    assert code == "robots_disallowed"


def test_unreachable_robots_stops_the_crawl_and_keeps_the_database(workdir, site, capsys):
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
        before = table_contents(db_of(workdir))
        site.faults["/robots.txt"] = ["503"]
        assert crawl(workdir, server, "--retries", "1", countries="BEL", editions="2023") == 3
    assert "robots.txt" in capsys.readouterr().err
    assert table_contents(db_of(workdir)) == before


FAULTS = [
    (["503:1", "ok"], 2, True, None),
    (["429", "ok"], 2, True, None),
    (["reset", "ok"], 2, True, None),
    (["cut", "ok"], 2, True, None),
    (["500", "502", "ok"], 3, True, None),
    (["503"], 3, False, "http_503"),
    (["timeout:1.5"], 3, False, "timeout"),
    (["cut"], 3, False, "cut_body"),
    (["404"], 1, False, "http_404"),
    (["errorpage"], 1, False, "error_page"),
    (["huge:300000"], 1, False, "too_large"),
]


@pytest.mark.parametrize(
    "fault, requests, loaded, code",
    [
        pytest.param(*case, id="-then-".join(case[0]) + ("-recovers" if case[2] else f"-gives-{case[3]}"))
        for case in FAULTS
    ],
)
def test_a_fault_is_retried_or_recorded_and_the_other_pages_load(workdir, site, fault, requests, loaded, code):
    path = path_for(2023, "BEL")
    site.faults[path] = fault
    with SiteServer(site) as server:
        status = crawl(
            workdir,
            server,
            "--retries",
            "2",
            "--timeout",
            "0.5",
            "--max-bytes",
            "200000",
            countries="BEL,NLD",
            editions="2023",
        )
    assert status == 0
    assert len(site.requests_for(path)) == requests
    db = db_of(workdir)
    assert query(db, "SELECT count(*) > 0 FROM scores WHERE iso3='NLD'") == [(True,)]  # the others still load
    assert query(db, "SELECT count(*) > 0 FROM scores WHERE iso3='BEL'") == [(loaded,)]
    rejects = query(db, "SELECT path, code, message FROM rejects WHERE stage='fetch'")
    if code is None:
        assert rejects == []
    else:
        ((url, got, message),) = rejects
        assert url.endswith(path) and got == code and path in message


def test_retry_after_is_honoured(workdir, site):
    path = path_for(2023, "BEL")
    site.faults[path] = ["503:1", "ok"]
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    first, second = site.requests_for(path)
    assert second.at - first.at >= 0.95


def test_redirect_to_another_host_is_refused(workdir, site):
    elsewhere = Site(pages={"/x": b"<html>other</html>"})
    with SiteServer(elsewhere) as other, SiteServer(site) as server:
        site.faults[path_for(2023, "BEL")] = [f"redirect:{other.url}/x"]
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    assert elsewhere.seen == []
    ((code, message),) = query(db_of(workdir), "SELECT code, message FROM rejects WHERE stage='fetch'")
    assert code == "offsite_redirect" and other.url in message


def test_failed_fetch_keeps_the_last_good_copy(workdir, site, corpus):
    path = path_for(2023, "BEL")
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
        good = query(db_of(workdir), "SELECT indicator, score FROM scores WHERE iso3='BEL' ORDER BY 1")
        for fault in (["errorpage"], ["404"], ["cut"]):
            site.faults[path] = fault
            assert crawl(workdir, server, "--retries", "0", countries="BEL", editions="2023") == 0
            assert query(db_of(workdir), "SELECT indicator, score FROM scores WHERE iso3='BEL' ORDER BY 1") == good
    metas = [json.loads(p.read_text()) for p in (workdir / "raw").rglob("*.meta.json")]
    assert sorted(m["usable"] for m in metas) == [False, True]  # the error page is kept for inspection only


def test_revised_page_is_stored_as_a_new_version(workdir, site, corpus):
    path = path_for(2023, "BEL")
    site.pages[path] = to_html(corpus.country_page(Variant(2023), "BEL"), "divs").encode()
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
        page = site.pages[path]  # a revision that keeps the pillar's mean: cocaine -0.5, cannabis +0.5
        assert (
            page.count(b"<span>8.00</span><span>0.50</span>") == 1
            and page.count(b"<span>6.50</span><span>0.00</span>") == 1
        )
        site.pages[path] = page.replace(
            b"<span>8.00</span><span>0.50</span>", b"<span>7.50</span><span>0.00</span>"
        ).replace(b"<span>6.50</span><span>0.00</span>", b"<span>7.00</span><span>0.50</span>")
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    assert len(list((workdir / "raw").rglob("*.html"))) == 2
    assert query(db_of(workdir), "SELECT score FROM scores WHERE iso3='BEL' AND indicator='cocaine_trade'") == [
        (Decimal("7.50"),)
    ]


def test_unknown_country_is_a_usage_error(workdir, site, capsys):
    with SiteServer(site) as server:
        assert crawl(workdir, server, countries="BEL,Atlantis") == 2
    assert "Atlantis" in capsys.readouterr().err


def test_help_shows_the_polite_defaults():
    done = run_cli("pipeline.run", "--help")
    text = " ".join(done.stdout.split())
    for shown in ("--delay", "(default: 1.0)", "--retries", "(default: 4)", "--max-bytes", "--contact", "robots.txt"):
        assert shown in text, shown
