"""The fetch stage: a polite crawler that keeps every page it fetched in the raw store.

Politeness is on by default (every default is shown by `python -m pipeline.run --help`):
- robots.txt is obeyed, its Crawl-delay included (a 4xx robots.txt allows all; a 5xx or unreachable
  one stops the crawl, as RFC 9309 asks);
- at most one request a second (`--delay`), whichever is longer of that and the Crawl-delay;
- an identifying User-Agent with a contact URL (`--contact`);
- connect and read timeouts; retries with exponential backoff and jitter on connection errors, cut
  bodies, 429 and 5xx only, honouring Retry-After (up to `--max-wait`);
- conditional requests (If-None-Match / If-Modified-Since) from the last stored copy: an unchanged
  page costs a 304;
- a cap on the response size; only the base URL's host is fetched: a redirect elsewhere is refused.

Every fetched version is stored by content hash (`store.save_page`); a failed fetch never touches the
last good copy, and is reported as a reject of stage `fetch`.
"""

from __future__ import annotations

import email.utils
import http.client
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from protego import Protego

from pipeline import catalog
from pipeline.crawl import store
from pipeline.crawl.politeness import Politeness
from pipeline.errors import RunError, UsageError

log = logging.getLogger(__name__)

RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECTS = {301, 302, 303, 307, 308}


class FetchFailure(Exception):
    """A page could not be fetched; `code` says why (http_404, offsite_redirect, too_large, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Response:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes


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


class PoliteClient:
    """requests with pacing, retries, timeouts, a size cap and same-host redirects."""

    def __init__(self, base_url: str, manners: Politeness, sleep=time.sleep, clock=time.monotonic):
        self.base = urlsplit(base_url)
        self.manners = manners
        self.delay = manners.delay
        self.session = requests.Session()
        self.session.headers["User-Agent"] = manners.user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None
        self.requests = 0

    def _pace(self) -> None:
        if self._last is not None:
            wait = self._last + self.delay - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def same_host(self, url: str) -> bool:
        u = urlsplit(url)
        return (u.scheme, u.hostname, u.port) == (self.base.scheme, self.base.hostname, self.base.port)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET with retries; raises FetchFailure when the page cannot be had."""
        attempt = 0
        while True:
            try:
                return self._get_following(url, headers or {})
            except _Retryable as exc:
                if attempt >= self.manners.retries:
                    raise FetchFailure(
                        exc.code, f"{url}: {exc.message} (gave up after {attempt + 1} attempts)"
                    ) from None
                wait = self.manners.backoff * (2**attempt) * (1 + random.random() / 2)
                if exc.retry_after is not None:
                    if exc.retry_after > self.manners.max_wait:
                        raise FetchFailure(
                            exc.code,
                            f"{url}: {exc.message}; the server asks to retry after "
                            f"{exc.retry_after:.0f} s, over --max-wait",
                        ) from None
                    wait = max(wait, exc.retry_after)
                log.info("%s: %s; retrying in %.1f s", url, exc.message, wait)
                self._sleep(wait)
                attempt += 1

    def _get_following(self, url: str, headers: dict[str, str]) -> Response:
        current = url
        for _ in range(6):
            if not self.same_host(current):
                raise FetchFailure(
                    "offsite_redirect",
                    f"{url}: redirected to {current}, outside {self.base.scheme}://{self.base.netloc}; not followed",
                )
            status, resp_headers, body = self._once(current, headers)
            if status in REDIRECTS and resp_headers.get("location"):
                current = urljoin(current, resp_headers["location"])
                continue
            return Response(url, current, status, resp_headers, body)
        raise FetchFailure("redirect_loop", f"{url}: more than 5 redirects")

    def _once(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self._pace()
        self.requests += 1
        m = self.manners
        try:
            with self.session.get(
                url, headers=headers, timeout=(m.connect_timeout, m.read_timeout), allow_redirects=False, stream=True
            ) as r:
                hdrs = {k.lower(): v for k, v in r.headers.items()}
                length = hdrs.get("content-length")
                if length and length.isdigit() and int(length) > m.max_bytes:
                    raise FetchFailure(
                        "too_large", f"{url}: {int(length):,} bytes announced, over --max-bytes {m.max_bytes:,}"
                    )
                chunks, size = [], 0
                for chunk in r.iter_content(65536):
                    size += len(chunk)
                    if size > m.max_bytes:
                        raise FetchFailure("too_large", f"{url}: over --max-bytes {m.max_bytes:,} bytes")
                    chunks.append(chunk)
                status = r.status_code
        except requests.exceptions.Timeout as exc:
            raise _Retryable("timeout", f"timed out ({exc.__class__.__name__})") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            if _cut_off(exc):
                raise _Retryable("cut_body", f"the body was cut off ({exc.__class__.__name__})") from None
            raise _Retryable("connection_error", f"connection failed ({exc.__class__.__name__})") from None
        if status in RETRY_STATUS:
            raise _Retryable(f"http_{status}", f"HTTP {status}", retry_after=_retry_after(hdrs.get("retry-after")))
        return status, hdrs, b"".join(chunks)


class _Retryable(Exception):
    def __init__(self, code: str, message: str, retry_after: float | None = None):
        self.code, self.message, self.retry_after = code, message, retry_after


def _cut_off(exc: BaseException) -> bool:
    """Whether a failed response ended before its announced length: requests raises
    ChunkedEncodingError, or a ConnectionError around urllib3's ProtocolError / http.client's IncompleteRead."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen or not isinstance(e, BaseException):
            continue
        seen.add(id(e))
        if isinstance(
            e, (requests.exceptions.ChunkedEncodingError, http.client.IncompleteRead, urllib3.exceptions.ProtocolError)
        ):
            return True
        todo += [*e.args, e.__cause__, e.__context__]
    return False


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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
    """A 200 that is an error or maintenance page is not stored as the newest copy."""
    text = body[:2_000_000].decode("utf-8", errors="replace").lower()
    return ("criminal markets" in text or "criminal market" in text) and ("resilience" in text or "criminality" in text)


def read_robots(client: PoliteClient, base_url: str) -> Protego:
    """The site's robots.txt rules (RFC 9309, read by Protego): a 4xx allows all; a 5xx or no answer
    stops the crawl."""
    url = base_url.rstrip("/") + "/robots.txt"
    try:
        resp = client.get(url)
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
    try:
        for url, _edition, _iso3 in todo:
            outcome = fetch_one(client, robots, plan.raw_dir, url, result)
            progress(url, outcome)
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
            log.info("fetch [%d/%d] %s %s", done[0], total, outcome, url)

    return line
