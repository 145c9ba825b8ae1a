"""Crawling both sites as a scheduled job would: sitemaps, the workbook, undated pages, ENACT Africa, coverage,
cheap re-runs, volatile pages and `--plan`. Two real HTTP servers on 127.0.0.1 (tests/siteserver.py) play
ocindex.net and africa.ocindex.net; every expected value comes from the site defined here."""

from __future__ import annotations

import json

import pytest
from conftest import WORKBOOK, query, run_cli
from corpus import Variant, to_html
from siteserver import Site, SiteServer
from test_fetch import corpus  # noqa: F401  (a fixture)

from pipeline.run import main

pytestmark = pytest.mark.slow  # servers and several runs

FAST = ["--delay", "0.01", "--backoff", "0.01", "--retries", "1", "--timeout", "2", "--connect-timeout", "2"]
WORKBOOK_PATH = "/assets/downloads/global_oc_index.xlsx"
# The global site: Belgium and the Netherlands under the slugs one would guess, Côte d'Ivoire under the site's own
# (`cote_d_ivoire`, which the catalog does not derive); the Netherlands' 2025 page is missing.
GLOBAL_PAGES = {
    "/2023/country/belgium": (2023, "BEL"),
    "/2025/country/belgium": (2025, "BEL"),
    "/2023/country/netherlands": (2023, "NLD"),  # volatile: a token in each body, no validators
    "/2023/country/cote_d_ivoire": (2023, "CIV"),
    "/2025/country/cote-d-ivoire": (2025, "CIV"),
    "/country/belgium": (2023, "BEL"),  # the undated page still serves 2023: not the latest dated page
    "/country/cote_d_ivoire": (2025, "CIV"),
}
NOT_IN_CATALOG = "/2023/country/atlantis"
ENACT_PAGES = {"/2023/country/cote_divoire": (2023, "CIV")}


def urlset(paths_lastmod: dict[str, str]) -> str:
    urls = "".join(f"<url><loc>{{base}}{p}</loc><lastmod>{d}</lastmod></url>" for p, d in paths_lastmod.items())
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


@pytest.fixture
def sites(corpus):  # noqa: F811
    def page(edition, iso3):
        return to_html(corpus.country_page(Variant(edition), iso3), "divs").encode()

    lastmod = dict.fromkeys([*GLOBAL_PAGES, NOT_IN_CATALOG], "2024-01-01")
    world = Site(
        pages={path: page(*what) for path, what in GLOBAL_PAGES.items()} | {WORKBOOK_PATH: WORKBOOK.read_bytes()},
        robots="User-agent: *\nAllow: /\nSitemap: {base}/sitemap_index.xml\n",
        xml={
            "/sitemap_index.xml": '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
            "<loc>{base}/sitemap-pages.xml</loc></sitemap></sitemapindex>",
            "/sitemap-pages.xml": urlset(lastmod),
        },
        volatile={"/2023/country/netherlands"},
    )
    africa = Site(
        pages={path: page(*what) for path, what in ENACT_PAGES.items()},
        robots="User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n",
        xml={"/sitemap.xml": urlset(dict.fromkeys(ENACT_PAGES, "2024-01-01"))},
    )
    with SiteServer(world) as g, SiteServer(africa) as a:
        yield g, a


def crawl(workdir, g, a, *extra, countries="BEL,NLD,CIV", editions="2023,2025"):
    return main(
        ["--fetch", "--base-url", g.url, "--africa-base-url", a.url, "--editions", editions, "--countries", countries,
         "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *FAST, *extra]
    )  # fmt: skip


def requests(*servers) -> list[str]:
    return [s.path for server in servers for s in server.site.seen]


def db(workdir):
    return workdir / "extracted" / "ocindex.duckdb"


def versions(workdir, path: str) -> int:
    """Stored versions of a page of the global site (its folder: raw/<host>/<path>)."""
    (folder,) = [p for p in (workdir / "raw").glob(f"127.0.0.1_*{path}") if p.is_dir()] or [None]
    return 0 if folder is None else len([p for p in folder.iterdir() if not p.name.endswith(".meta.json")])


def test_a_first_crawl_fetches_every_family_and_coverage_names_what_is_missing(workdir, sites, capsys):
    g, a = sites
    assert crawl(workdir, g, a) == 0
    out = capsys.readouterr().out
    got = requests(g)
    # the site's own URL for Côte d'Ivoire (from the sitemap), the workbook, the undated pages
    for path in ["/robots.txt", "/sitemap_index.xml", "/sitemap-pages.xml", WORKBOOK_PATH, *GLOBAL_PAGES]:
        assert path in got, path
    assert "/2023/country/cote_divoire" not in got and NOT_IN_CATALOG not in got
    assert requests(a) == ["/robots.txt", "/sitemap.xml", "/2023/country/cote_divoire"]
    # the workbook is a source
    ((fmt, url),) = query(db(workdir), "SELECT format, url FROM sources WHERE format = 'xlsx'")
    assert url == g.url + WORKBOOK_PATH
    # coverage names the country missing on the site, and a fetch reject names it too
    rows = query(db(workdir), "SELECT site, document, edition, entity, iso3, last_status, last_ok_run, sha256 "
                              "FROM coverage WHERE last_status NOT IN ('200', '304', 'same_text') ORDER BY url")  # fmt: skip
    assert [(r[0], r[1], r[2], r[4], r[5], r[6], r[7]) for r in rows] == [
        ("global", "country", 2025, "NLD", "http_404", None, None),
        ("global", "undated", None, "NLD", "http_404", None, None),
    ]
    assert "2025: 2 of 193 country pages (3 asked so far); missing: Netherlands (NLD, http_404 since" in out
    assert "ENACT 2023: 1 of 54 country pages" in out
    messages = [m for (m,) in query(db(workdir), "SELECT message FROM rejects WHERE stage = 'fetch'")]
    assert all("Netherlands (NLD)" in m and "no copy of it was ever fetched" in m for m in messages), messages
    assert all("last good copy" not in m for m in messages)
    # the sitemap's difference with the catalog, and the undated page that is not the latest dated one
    assert "atlantis" in out and "/country/belgium is not the same page as the latest dated one" in out


def test_a_rerun_with_nothing_new_makes_six_requests_and_changes_nothing(workdir, sites, capsys):
    g, a = sites
    assert crawl(workdir, g, a) == 0
    g.site.seen.clear()
    a.site.seen.clear()
    assert crawl(workdir, g, a) == 0
    assert requests(g) == ["/robots.txt", "/sitemap_index.xml", "/sitemap-pages.xml", WORKBOOK_PATH]
    assert requests(a) == ["/robots.txt", "/sitemap.xml"]
    assert g.site.seen[-1].headers.get("if-none-match")  # the workbook, conditionally
    # the lasting 404s are not "something new"
    assert query(db(workdir), "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("unchanged",)]
    # still listed, still named
    assert query(db(workdir), "SELECT last_status, status_since_run FROM coverage WHERE iso3 = 'NLD' AND "
                              "edition = 2025") == [("http_404", 1)]  # fmt: skip


def test_a_page_changed_upstream_is_fetched_and_stored_as_a_new_version(workdir, sites, corpus):  # noqa: F811
    g, a = sites
    assert crawl(workdir, g, a) == 0
    path = "/2023/country/belgium"
    g.site.pages[path] = g.site.pages[path].replace(b"</body>", b"<p>Revised in 2024.</p></body>")
    g.site.xml["/sitemap-pages.xml"] = g.site.xml["/sitemap-pages.xml"].replace(
        f"{path}</loc><lastmod>2024-01-01", f"{path}</loc><lastmod>2024-06-01"
    )
    g.site.seen.clear()
    assert crawl(workdir, g, a) == 0
    assert [p for p in requests(g) if "/country/" in p] == [path]
    assert versions(workdir, path) == 2


def test_revalidate_zero_requests_every_page_without_storing_the_volatile_page_again(workdir, sites):
    g, a = sites
    assert crawl(workdir, g, a) == 0
    g.site.seen.clear()
    assert crawl(workdir, g, a, "--revalidate-after", "0") == 0
    asked = requests(g)
    for path in GLOBAL_PAGES:
        assert path in asked, path
    assert "/2025/country/netherlands" in asked  # a known 404 too
    assert versions(workdir, "/2023/country/netherlands") == 1
    metas = [json.loads(p.read_text()) for p in (workdir / "raw").rglob("*.meta.json") if "netherlands" in str(p)]
    assert [m.get("seen_again_at") is not None for m in metas] == [True]
    assert query(db(workdir), "SELECT last_status FROM coverage WHERE iso3 = 'NLD' AND edition = 2023") == [
        ("same_text",)
    ]


def test_a_known_404_is_not_requested_on_the_next_run(workdir, sites):
    g, a = sites
    assert crawl(workdir, g, a, "--documents", "dated") == 0
    g.site.seen.clear()
    assert crawl(workdir, g, a, "--documents", "dated", "--revalidate-after", "0.0000001") == 0
    asked = requests(g)
    assert "/2023/country/belgium" in asked and "/2025/country/netherlands" not in asked
    ((message,),) = query(db(workdir), "SELECT message FROM rejects WHERE path LIKE '%/2025/country/netherlands'")
    assert message.startswith("Netherlands (NLD) 2025") and "no copy of it was ever fetched" in message
    assert query(db(workdir), "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("unchanged",)]


def test_a_crawl_of_a_subset_keeps_the_coverage_of_the_others(workdir, sites):
    g, a = sites
    assert crawl(workdir, g, a, "--documents", "dated") == 0
    assert crawl(workdir, g, a, "--documents", "dated", "--revalidate-after", "0", countries="BEL") == 0
    # Côte d'Ivoire's two dated pages (2023, 2025) stay, as the first crawl left them
    assert query(db(workdir), "SELECT edition, last_status, last_ok_run FROM coverage WHERE iso3 = 'CIV' "
                              "ORDER BY edition") == [(2023, "200", 1), (2025, "200", 1)]  # fmt: skip
    assert query(db(workdir), "SELECT last_ok_run FROM coverage WHERE iso3 = 'BEL' AND edition = 2023") == [(2,)]


def test_countries_outside_africa_send_nothing_to_enact(workdir, sites):
    g, a = sites
    assert crawl(workdir, g, a, countries="BEL,NLD") == 0
    assert requests(a) == []


def test_plan_requests_only_robots_and_sitemaps_and_says_why(workdir, sites):
    g, a = sites
    assert crawl(workdir, g, a, "--documents", "dated") == 0
    g.site.seen.clear()
    a.site.seen.clear()
    before = sorted(p.relative_to(workdir) for p in (workdir / "raw").rglob("*"))
    done = run_cli("pipeline.run", "--plan", "--base-url", g.url, "--africa-base-url", a.url, "--countries",
                   "BEL,NLD,CIV", "--editions", "2023,2025", "--raw-dir", str(workdir / "raw"), cwd=workdir)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert requests(g) == ["/robots.txt", "/sitemap_index.xml", "/sitemap-pages.xml"]
    assert requests(a) == ["/robots.txt", "/sitemap.xml"]
    assert sorted(p.relative_to(workdir) for p in (workdir / "raw").rglob("*")) == before
    out = done.stdout
    assert f"request {g.url}/country/belgium  (new)" in out
    assert f"skip    {g.url}/2023/country/belgium  (fresh" in out
    assert f"skip    {g.url}/2025/country/netherlands  (known 404 since" in out
    assert f"request {g.url}{WORKBOOK_PATH}" in out


@pytest.mark.parametrize(
    "xml, code",
    [
        pytest.param("<urlset><url><loc>{base}/x</loc>", "sitemap_invalid", id="malformed-xml"),
        pytest.param("<html><body>Not a sitemap</body></html>", "sitemap_invalid", id="not-a-sitemap"),
        pytest.param('<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', None, id="entities-not-expanded"),
    ],
)
def test_a_bad_sitemap_is_a_clear_reject_and_the_crawl_goes_on(workdir, sites, xml, code, capsys):
    g, a = sites
    g.site.xml["/sitemap-pages.xml"] = xml
    assert crawl(workdir, g, a, "--documents", "dated") == 0
    codes = [c for (c,) in query(db(workdir), "SELECT code FROM rejects WHERE path LIKE '%sitemap%'")]
    assert codes == ([code] if code else [])
    assert "Traceback" not in capsys.readouterr().err
    assert "/2023/country/belgium" in requests(g)


def test_a_huge_sitemap_and_one_on_another_host_are_not_read(workdir, sites):
    g, a = sites
    elsewhere = Site(xml={"/sitemap.xml": urlset({"/2023/country/belgium": "2024-01-01"})})
    with SiteServer(elsewhere) as other:
        g.site.robots += f"Sitemap: {other.url}/sitemap.xml\n"
        g.site.faults["/sitemap-pages.xml"] = ["xml:300000"]
        assert crawl(workdir, g, a, "--documents", "dated", "--max-bytes", "200000") == 0
    assert elsewhere.seen == []
    codes = sorted(c for (c,) in query(db(workdir), "SELECT code FROM rejects WHERE path LIKE '%sitemap%'"))
    assert codes == ["sitemap_offsite", "too_large"]


def test_a_redirect_loop_is_a_reject_that_names_the_country(workdir, sites):
    g, a = sites
    g.site.faults["/2023/country/belgium"] = ["redirect:/2023/country/belgium"]
    assert crawl(workdir, g, a, "--documents", "dated") == 0
    ((code, message),) = query(
        db(workdir), "SELECT code, message FROM rejects WHERE path LIKE '%/2023/country/belgium'"
    )
    assert code == "redirect_loop" and message.startswith("Belgium (BEL) 2023")
