"""The fetch stage: a polite crawler that keeps every page it fetched in the raw store.

Politeness is on by default (every default is shown by `python -m pipeline.run --help`):
- robots.txt is obeyed, its Crawl-delay included (a 4xx robots.txt allows all; a 5xx or unreachable
  one stops the crawl, as RFC 9309 asks; up to 5 redirects are followed to any host, more stop it too);
- at most one request a second (`--delay`), whichever is longer of that and the Crawl-delay;
- an identifying User-Agent with a contact URL (`--contact`);
- connect and read timeouts; retries with exponential backoff and jitter on connection errors, cut
  bodies, 429 and 5xx only, honouring Retry-After (up to `--max-wait`);
- conditional requests (If-None-Match / If-Modified-Since) from the last stored copy: an unchanged
  page costs a 304;
- a cap on the response size, and a deadline for the whole response from the request on (`--deadline`):
  headers or a body dripped a byte at a time never outlive it; only the base URL's host is fetched: a
  page's redirect elsewhere is refused;
- a circuit breaker: after `--max-server-errors` pages in a row fail with server errors (5xx, 429 or no
  answer, after their retries), the crawl stops, keeps what it fetched, and says so.

Every fetched version is stored by content hash (`store.save_page`); a failed fetch never touches the
last good copy, and is reported as a reject of stage `fetch`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from protego import Protego

from pipeline import catalog
from pipeline.crawl import store
from pipeline.crawl.client import FetchFailure, PoliteClient
from pipeline.errors import RunError, UnreadablePage, UsageError
from pipeline.extract.lines import decode
from pipeline.settings import Politeness

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlPlan:
    """What to crawl, where to keep it, and how politely."""

    base_url: str
    editions: tuple[int, ...]
    countries: tuple[str, ...]  # ISO3 codes or slugs; empty: all 193
    raw_dir: Path
    politeness: Politeness = Politeness()


@dataclass
class CrawlResult:
    fetched: int = 0
    not_modified: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (url, code, message)
    stopped: str | None = None  # why the crawl stopped before its last page, if it did


SERVER_ERRORS = {"http_429", "http_500", "http_502", "http_503", "http_504", "timeout", "connection_error"}


def targets(editions, countries, base_url: str) -> list[tuple[str, int, str]]:
    """(url, edition, iso3) for every chosen country and edition, with the edition's slug style."""
    chosen = []
    if countries:
        unknown = []
        for text in countries:
            c = catalog.country_by_iso3(text) if len(text) == 3 and text.isalpha() else None
            c = c or catalog.country(text)
            (chosen.append(c) if c else unknown.append(text))
        if unknown:
            raise UsageError(
                f"--countries: {', '.join(unknown)} not among the 193 countries (use ISO3 codes like "
                f"BEL or slugs like south_africa)"
            )
    else:
        chosen = list(catalog.countries())
    base = base_url.rstrip("/")
    return [(f"{base}/{edition}/country/{c.slug(edition)}", edition, c.iso3) for edition in editions for c in chosen]


def looks_like_profile(body: bytes) -> bool:
    """A 200 that is an error or maintenance page is not stored as the newest copy. Decoded as the parse
    stage decodes (a page served as UTF-16 is read, not taken for an error page)."""
    try:
        text = decode(body[:2_000_000]).text.lower()
    except UnreadablePage:
        return False
    return ("criminal markets" in text or "criminal market" in text) and ("resilience" in text or "criminality" in text)


def read_robots(client: PoliteClient, base_url: str) -> Protego:
    """The site's robots.txt rules (RFC 9309, read by Protego): a 4xx allows all; a 5xx or no answer
    stops the crawl. Its redirects are followed to any host (an apex sending to www is common), up to 5
    as RFC 9309 2.3.1.2 asks; more are a robots.txt that could not be read, which stops the crawl as no
    answer does rather than take the site as open."""
    url = base_url.rstrip("/") + "/robots.txt"
    try:
        resp = client.get(url, offsite=True)
    except FetchFailure as exc:
        raise RunError(f"robots.txt could not be read ({exc.message}); not crawling without it") from None
    if resp.status >= 400:
        return Protego.parse("")
    return Protego.parse(resp.body.decode("utf-8-sig", errors="replace"))  # a BOM must not hide the first rule


def crawl(plan: CrawlPlan) -> CrawlResult:
    """Fetch every target into plan.raw_dir; returns counts and failures (never raises for a page)."""
    manners = plan.politeness
    client = PoliteClient(plan.base_url, manners)
    result = CrawlResult()
    todo = targets(plan.editions, plan.countries, plan.base_url)
    robots = read_robots(client, plan.base_url)
    crawl_delay = robots.crawl_delay(manners.user_agent)
    if crawl_delay:
        client.delay = max(manners.delay, float(crawl_delay))
    progress = _progress(len(todo))
    in_a_row = 0  # pages failing with server errors, one after the other
    try:
        for n, (url, _edition, _iso3) in enumerate(todo):
            outcome = fetch_one(client, robots, plan.raw_dir, url, result)
            progress(url, outcome)
            in_a_row = in_a_row + 1 if outcome in SERVER_ERRORS else 0
            if in_a_row >= manners.max_server_errors and n + 1 < len(todo):
                result.stopped = (
                    f"the crawl stopped after {in_a_row} pages in a row failed with server errors (the last: "
                    f"{outcome}); {len(todo) - n - 1} of {len(todo)} pages were not tried, and their last good "
                    f"copies are kept; try again later (--max-server-errors sets how many failures stop it)"
                )
                fields = {"message": result.stopped, "in_a_row": in_a_row, "not_tried": len(todo) - n - 1}
                log.warning("%s", result.stopped, extra={"event": "crawl_stopped", "fields": fields})
                break
    finally:
        progress(None, None)
    return result


def fetch_one(client: PoliteClient, robots: Protego, raw_dir, url: str, result: CrawlResult) -> str:
    if not robots.can_fetch(url, client.manners.user_agent):
        result.failures.append((url, "robots_disallowed", f"{url}: disallowed by robots.txt; not fetched"))
        return "disallowed"
    previous = store.latest_meta(raw_dir, url)
    headers = {}
    if previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]
    fetched_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        resp = client.get(url, headers)
    except FetchFailure as exc:
        result.failures.append((url, exc.code, exc.message))
        return exc.code
    if resp.status == 304 and previous:
        result.not_modified += 1
        return "304"
    if resp.status != 200:
        result.failures.append((url, f"http_{resp.status}", f"{url}: HTTP {resp.status}; the last good copy is kept"))
        return f"http_{resp.status}"
    usable = looks_like_profile(resp.body)
    store.save_page(
        raw_dir,
        url,
        resp.body,
        {
            "url": url,
            "final_url": resp.final_url,
            "status": resp.status,
            "fetched_at": fetched_at,
            "etag": resp.headers.get("etag"),
            "last_modified": resp.headers.get("last-modified"),
            "content_type": resp.headers.get("content-type"),
            "usable": usable,
        },
    )
    if not usable:
        result.failures.append(
            (
                url,
                "error_page",
                f"{url}: HTTP 200 but not a profile page (an error or "
                f"maintenance page?); stored for inspection, the last good copy is kept",
            )
        )
        return "error_page"
    result.fetched += 1
    return "200"


def _progress(total: int):
    """A progress bar with ETA on a terminal, plain log lines elsewhere."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="page", desc="fetch", file=sys.stderr)

        def update(url, outcome):
            if url is None:
                bar.close()
            else:
                bar.update(1)
                bar.set_postfix_str(outcome or "")

        return update
    done = [0]

    def line(url, outcome):
        if url is not None:
            done[0] += 1
            fields = {"n": done[0], "of": total, "outcome": outcome, "url": url}
            log.info(
                "fetch [%d/%d] %s %s", done[0], total, outcome, url, extra={"event": "fetch_page", "fields": fields}
            )

    return line
