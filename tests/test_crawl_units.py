"""The crawler's decisions without a server: when a known 404 is tried again, what is due, and how a sitemap's
URLs meet the catalog's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.crawl.memory import schedule
from pipeline.crawl.targets import Target, against_sitemap

T0 = datetime(2024, 5, 1, tzinfo=UTC)
PAGE = Target("global", "country", 2023, "Côte d'Ivoire", "CIV", "https://ocindex.net/2023/country/cote_divoire")


def gone(fails: int) -> dict:
    return {"status": "http_404", "since": T0.isoformat(), "checked_at": T0.isoformat(), "fails": fails}


@pytest.mark.parametrize(
    "fails, days_later, due",
    [(1, 0.5, False), (1, 1, True), (2, 1.5, False), (2, 2, True), (3, 3, False), (3, 4, True), (9, 29, False),
     (9, 30, True)],
)  # fmt: skip
def test_a_known_404_waits_longer_each_time(fails, days_later, due):
    at = T0 + timedelta(days=days_later)
    assert schedule(PAGE, gone(fails), {}, at, 7, None, False).due is due


def test_revalidate_zero_tries_a_known_404_too():
    assert schedule(PAGE, gone(5), {}, T0 + timedelta(hours=1), 0, None, False).due


@pytest.mark.parametrize(
    "entry, lastmod, workbook_changed, days_later, reason",
    [
        ({}, None, False, 0, "new"),
        ({"status": "200", "lastmod": "2024-01-01"}, "2024-01-01", False, 1, "fresh"),
        ({"status": "200", "lastmod": "2024-01-01"}, "2024-06-01", False, 1, "newer in the sitemap"),
        ({"status": "304"}, None, True, 1, "the workbook changed upstream"),
        ({"status": "200"}, None, False, 7, "stale"),
        ({"status": "timeout"}, None, False, 0.1, "failed last time"),
    ],
)
def test_what_is_due_and_why(entry, lastmod, workbook_changed, days_later, reason):
    entry = {**entry, "checked_at": T0.isoformat()} if entry else {}
    decision = schedule(PAGE, entry, {}, T0 + timedelta(days=days_later), 7, lastmod, workbook_changed)
    assert decision.reason.startswith(reason) and decision.due is (reason != "fresh")


def test_the_sitemap_gives_the_site_own_url_and_both_differences():
    other = Target("global", "country", 2023, "Belgium", "BEL", "https://ocindex.net/2023/country/belgium")
    listed = against_sitemap(
        [PAGE, other],
        {
            "https://ocindex.net/2023/country/cote_d_ivoire": "2024-02-01",
            "https://ocindex.net/2023/country/atlantis": None,
        },
        True,
    )
    assert [t.url for t in listed.targets] == ["https://ocindex.net/2023/country/cote_d_ivoire", other.url]
    assert listed.site_only == ["https://ocindex.net/2023/country/atlantis"]
    assert listed.catalog_only == [other]
    assert listed.lastmod == {"https://ocindex.net/2023/country/cote_d_ivoire": "2024-02-01"}


def test_a_sitemap_url_that_cannot_be_read_or_has_another_scheme_is_not_a_target():
    """A `<loc>` that urlsplit refuses is the site's own business, never a crash; an http:// URL for an https
    site would be refused by the client as another host, so it does not replace the catalog's."""
    listed = {"http://[bad/x": None, "https://ocindex.net:99999/2023/country/belgium": None,
              "http://ocindex.net/2023/country/cote_d_ivoire": None}  # fmt: skip
    found = against_sitemap([PAGE], listed, True)
    assert found.targets[0].url == PAGE.url  # kept: no sitemap URL of the same origin
    assert set(found.site_only) == set(listed) and [t.key for t in found.catalog_only] == [PAGE.key]


def test_a_damaged_entry_of_the_crawl_state_is_dropped_not_fatal(tmp_path):
    import json

    from pipeline.crawl.memory import STATE, Memory

    good = {"site": "global", "document": "country", "edition": 2023, "entity": "Belgium", "iso3": "BEL",
            "url": "https://ocindex.net/2023/country/belgium", "status": "200", "fails": 0}  # fmt: skip
    state = tmp_path / STATE
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"documents": {
        "good": good, "no-url": {**good, "url": None}, "odd-fails": {**good, "fails": "x"},
        "odd-since": {**good, "since": 5}, "not-a-dict": 3}}), encoding="utf-8")  # fmt: skip
    assert list(Memory(tmp_path).entries) == ["good"]
