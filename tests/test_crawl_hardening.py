"""The crawler against servers that misbehave before the body: headers dripped or never ended, Retry-After
values that cannot be read, robots.txt on another host. A real HTTP server on 127.0.0.1, as in test_fetch."""

from __future__ import annotations

import time

import pytest
from conftest import query
from corpus import Variant, to_html
from siteserver import Site, SiteServer
from test_fetch import FAST, corpus, crawl, db_of, path_for  # noqa: F401  (corpus: a fixture)

from pipeline.crawl.client import FetchFailure, PoliteClient
from pipeline.settings import Politeness

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

BEL = path_for(2023, "BEL")


@pytest.fixture
def one_page(corpus):  # noqa: F811
    return Site(pages={BEL: to_html(corpus.country_page(Variant(2023), "BEL"), "divs").encode()})


def client_for(server, deadline: float, delay: float = 0) -> PoliteClient:
    manners = Politeness(delay=delay, read_timeout=2, connect_timeout=2, retries=2, backoff=0.02, deadline=deadline)
    return PoliteClient(server.url, manners)


def bel_loaded(workdir) -> bool:
    return query(db_of(workdir), "SELECT count(*) > 0 FROM scores WHERE iso3 = 'BEL'") == [(True,)]


# 1. The deadline runs from the request's start: connect, headers and body all count.


def test_headers_dripped_past_the_deadline_are_too_slow(workdir, one_page):
    one_page.faults[BEL] = ["slow:20:0"]  # headers over 20 s, each part well within --timeout
    with SiteServer(one_page) as server:
        started = time.monotonic()
        assert crawl(workdir, server, "--deadline", "1", countries="BEL", editions="2023") == 0
        took = time.monotonic() - started
    assert query(db_of(workdir), "SELECT code FROM rejects") == [("too_slow",)]
    assert len(one_page.requests_for(BEL)) == 1  # not retried
    assert took < 12, took


@pytest.mark.parametrize("fault", ["endless", "slow:20:0", "slow:0.6:20"])
def test_the_deadline_ends_a_response_wherever_it_is_blocked(one_page, fault):
    one_page.faults[BEL] = [fault]
    with SiteServer(one_page) as server:
        client = client_for(server, deadline=1)
        started = time.monotonic()
        with pytest.raises(FetchFailure) as failed:
            client.get(server.url + BEL)
        took = time.monotonic() - started
    assert failed.value.code == "too_slow" and "--deadline 1 s" in failed.value.message
    assert 0.9 <= took < 4, took
    assert len(one_page.requests_for(BEL)) == 1


def test_a_deadline_ends_only_its_own_request(one_page):
    """A page, then 1 s later a second one on the same kept-alive connection, slow but within its deadline:
    the first request's deadline passes while the second is in flight, and must not end it."""
    one_page.faults[BEL] = ["ok", "slow:1.5:0"]
    with SiteServer(one_page) as server:
        client = client_for(server, deadline=2, delay=1)
        bodies = [client.get(server.url + BEL).body for _ in range(2)]
    assert bodies == [one_page.pages[BEL]] * 2


# 2. Retry-After: an HTTP date in any common form is honoured; a value that cannot be read is the backoff.


@pytest.mark.parametrize("zone", ["GMT", "-0000", "+0000"])
def test_a_retry_after_date_is_honoured_in_any_zone_form(workdir, one_page, zone):
    one_page.faults[BEL] = [f"retryat:3:{zone}", "ok"]  # a date 2 to 3 s ahead (whole seconds)
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    first, second = one_page.requests_for(BEL)
    assert second.at - first.at >= 1.5
    assert bel_loaded(workdir)


def test_a_retry_after_date_over_max_wait_is_not_waited_for(workdir, one_page):
    one_page.faults[BEL] = ["retryat:3600:-0000"]
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, "--max-wait", "60", countries="BEL", editions="2023") == 0
    ((code, message),) = query(db_of(workdir), "SELECT code, message FROM rejects")
    assert code == "http_503" and "over --max-wait" in message
    assert len(one_page.requests_for(BEL)) == 1


@pytest.mark.parametrize(
    "value", ["²", "soon", "1.5", "-5", "Wed, 21 Oct 2026 07:28:00 -0000", "Wed, 99 Foo 2026 99:99:99 GMT"]
)
def test_a_retry_after_that_cannot_be_used_falls_back_to_the_backoff(workdir, one_page, value):
    one_page.faults[BEL] = [f"503:{value}", "ok"]  # the date is in the past: nothing to wait for
    with SiteServer(one_page) as server:
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    first, second = one_page.requests_for(BEL)
    assert second.at - first.at < 0.9  # FAST's backoff of 0.02 s
    assert bel_loaded(workdir)


# 3. robots.txt follows up to five redirects, to any host (RFC 9309 2.3.1.2); pages keep to the base host.


def redirect_robots(site: Site, other: Site, other_url: str, hops: int) -> None:
    """/robots.txt on `site` reaches /robots.txt on `other` after `hops` redirects."""
    steps = [f"/hop/{n}" for n in range(1, hops)] + ["/robots.txt"]
    site.faults["/robots.txt"] = [f"redirect:{other_url}{steps[0]}"]
    for here, there in zip(steps, steps[1:], strict=False):
        other.faults[here] = [f"redirect:{there}"]


@pytest.mark.parametrize("hops", [1, 5])
def test_robots_txt_redirected_to_another_host_is_followed(workdir, one_page, hops):
    www = Site(robots="User-agent: *\nDisallow: /2021/\n")
    with SiteServer(www) as other, SiteServer(one_page) as server:
        redirect_robots(one_page, www, other.url, hops)
        assert crawl(workdir, server, countries="BEL", editions="2021,2023") == 0
    assert [s.path for s in www.seen][-1] == "/robots.txt" and len(www.seen) == hops
    assert not one_page.requests_for(path_for(2021, "BEL"))  # the other host's rules apply
    assert query(db_of(workdir), "SELECT code FROM rejects") == [("robots_disallowed",)]
    assert bel_loaded(workdir)


def test_robots_txt_redirected_to_a_4xx_allows_all(workdir, one_page):
    www = Site(faults={"/robots.txt": ["404"]})
    with SiteServer(www) as other, SiteServer(one_page) as server:
        redirect_robots(one_page, www, other.url, 1)
        assert crawl(workdir, server, countries="BEL", editions="2023") == 0
    assert bel_loaded(workdir)


def test_more_than_five_robots_txt_redirects_stop_the_crawl_as_an_unreachable_one(workdir, one_page, capsys):
    www = Site()
    with SiteServer(www) as other, SiteServer(one_page) as server:
        redirect_robots(one_page, www, other.url, 6)
        assert crawl(workdir, server, countries="BEL", editions="2023") == 3
    err = capsys.readouterr().err
    assert "robots.txt could not be read" in err and "more than 5 redirects" in err
    assert not www.requests_for("/robots.txt") and not one_page.requests_for(BEL)
