"""The fetch stage: a polite crawler that keeps every document it fetched in the raw store, and requests only what
is due.

Politeness is on by default (every default is shown by `python -m pipeline.run --help`):
- robots.txt is obeyed, its Crawl-delay included (a 4xx robots.txt allows all; a 5xx or unreachable
  one stops the crawl of that site, as RFC 9309 asks; up to 5 redirects are followed to any host, more stop it
  too); each site (the global one, `--base-url`, and ENACT Africa, `--africa-base-url`) has its own robots.txt,
  pacing and client;
- at most one request a second (`--delay`), whichever is longer of that and the Crawl-delay;
- an identifying User-Agent with a contact URL (`--contact`);
- connect and read timeouts; retries with exponential backoff and jitter on connection errors, cut
  bodies, 429 and 5xx only, honouring Retry-After (up to `--max-wait`);
- conditional requests (If-None-Match / If-Modified-Since) from the last stored copy: an unchanged
  page costs a 304;
- a cap on the response size, and a deadline for the whole response from the request on (`--deadline`):
  headers or a body dripped a byte at a time never outlive it; only the site's own host is fetched: a
  page's redirect elsewhere is refused;
- a circuit breaker: after `--max-server-errors` pages in a row fail with server errors (5xx, 429 or no
  answer, after their retries), the crawl stops, keeps what it fetched, and says so.

A crawl scouts first (robots.txt, the sitemaps it declares, a conditional request for the workbook), then requests
only the documents that are due (`memory.schedule`); `--plan` stops after the scout and prints the decisions.
Every fetched version is stored by content hash (`store.save_page`), unless its text is the held version's (a
per-request token in the markup is not a new version); a failed fetch never touches the last good copy, and is
reported as a reject of stage `fetch` that names the document.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from protego import Protego

from pipeline import catalog
from pipeline.crawl import store
from pipeline.crawl.client import FetchFailure, PoliteClient
from pipeline.crawl.memory import GONE, OK, Decision, Memory, key_text, now, schedule, summary_lines
from pipeline.crawl.sitemap import read_sitemaps
from pipeline.crawl.targets import Listed, Target, against_sitemap, enact_targets, global_targets
from pipeline.errors import RunError, UnreadablePage
from pipeline.extract.lines import decode, text_lines
from pipeline.files import MAX_PAGE_BYTES, sniff_format
from pipeline.settings import Politeness

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlPlan:
    """What to crawl, where to keep it, and how politely. `dry_run`: the scout only (`--plan`)."""

    base_url: str
    editions: tuple[int, ...]
    countries: tuple[str, ...]  # ISO3 codes or slugs; empty: all 193
    raw_dir: Path
    politeness: Politeness = Politeness()
    dry_run: bool = False


@dataclass
class CrawlResult:
    fetched: int = 0
    not_modified: int = 0
    same_text: int = 0  # downloads whose text was the held version's: not stored again
    requests: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (url, code, message)
    stopped: str | None = None  # why the crawl stopped before its last page, if it did
    plan: list[str] = field(default_factory=list)  # what --plan prints
    notes: list[str] = field(default_factory=list)  # what the sitemaps and the undated pages showed
    summary: list[str] = field(default_factory=list)  # coverage per site and edition
    coverage: list[dict] = field(default_factory=list)  # one row per document the crawler knows
    checked: set[str] = field(default_factory=set)  # the documents requested in this crawl (their keys)


SERVER_ERRORS = {"http_429", "http_500", "http_502", "http_503", "http_504", "timeout", "connection_error"}


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
        raise RunError(f"{url} could not be read ({exc.message}); not crawling without it") from None
    if resp.status >= 400:
        return Protego.parse("")
    return Protego.parse(resp.body.decode("utf-8-sig", errors="replace"))  # a BOM must not hide the first rule


def crawl(plan: CrawlPlan) -> CrawlResult:
    """Scout each site, then fetch what is due into plan.raw_dir; returns counts, failures, the coverage (never
    raises for a page). With `dry_run`, only robots.txt and the sitemaps are requested."""
    manners = plan.politeness
    memory = Memory(plan.raw_dir)
    result = CrawlResult()
    at = now()
    sites = [
        ("global", plan.base_url, global_targets(plan.base_url, plan.editions, plan.countries, manners.documents)),
        ("enact", manners.africa_base_url,
         enact_targets(manners.africa_base_url, plan.editions, plan.countries, manners.documents)),
    ]  # fmt: skip
    try:
        for site, base, todo in sites:
            if todo:
                Site(site, base, plan, memory, result, at).crawl(todo)
    finally:
        if not plan.dry_run:
            memory.save()
    result.summary = summary_lines(list(memory.entries.values()))
    result.coverage = [_coverage_row(k, e, result.checked) for k, e in memory.entries.items()]
    return result


def _coverage_row(key: str, entry: dict, checked: set[str]) -> dict:
    return {
        "site": entry.get("site"),
        "document": entry.get("document"),
        "edition": entry.get("edition"),
        "entity": entry.get("entity"),
        "iso3": entry.get("iso3"),
        "url": entry.get("url"),
        "last_status": entry.get("status"),
        "last_checked": entry.get("checked_at"),
        "ok_now": entry.get("status") in OK and key in checked,  # fetched fine in this crawl
        "sha256": entry.get("sha256"),
        "in_sitemap": entry.get("in_sitemap"),
    }


class Site:
    """The crawl of one site: its client, robots.txt and sitemaps, then its due documents."""

    def __init__(self, name: str, base: str, plan: CrawlPlan, memory: Memory, result: CrawlResult, at: datetime):
        self.name, self.base, self.plan, self.memory, self.result, self.at = name, base, plan, memory, result, at
        self.client = PoliteClient(base, plan.politeness)
        self.robots = Protego.parse("")
        self.workbook_changed = False

    def crawl(self, todo: list[Target]) -> None:
        try:
            listed = self.scout(todo)
        except RunError as exc:
            if self.name == "global":
                raise
            url = self.base.rstrip("/") + "/robots.txt"
            why = FetchFailure("robots_unreachable", f"the ENACT Africa site is not crawled: {exc}")
            self.result.failures.append((url, why.code, why.message))
            self.result.requests += self.client.requests
            return
        decisions = [self.decide(t, listed) for t in listed.targets if t.document != "workbook"]
        due = [d for d in decisions if d.due]
        self.result.plan += [f"{'request' if d.due else 'skip':7} {d.target.url}  ({d.reason})" for d in decisions]
        if self.plan.dry_run:
            self.result.requests += self.client.requests
            return
        for d in decisions:
            if not d.due:
                self.carry(d)
        self.fetch_all(due, listed)
        self.result.requests += self.client.requests

    def scout(self, todo: list[Target]) -> Listed:
        """robots.txt, the sitemaps it declares, and (unless a dry run) the workbook, conditionally."""
        self.robots = read_robots(self.client, self.base)
        crawl_delay = self.robots.crawl_delay(self.plan.politeness.user_agent)
        if crawl_delay:
            self.client.delay = max(self.plan.politeness.delay, float(crawl_delay))
        maps = read_sitemaps(self.client, list(self.robots.sitemaps))
        for url, why in maps.problems:
            self.result.failures.append((url, why.code, why.message))
        listed = against_sitemap(todo, maps.urls, maps.listed)
        prefix = "ENACT Africa" if self.name == "enact" else "the global site"
        if listed.site_only:
            shown = ", ".join(listed.site_only[:5]) + (" ..." if len(listed.site_only) > 5 else "")
            self.result.notes.append(f"{prefix}: its sitemap lists {len(listed.site_only)} page(s) the catalog does "
                                     f"not expect (not crawled): {shown}")  # fmt: skip
        if listed.catalog_only:
            shown = ", ".join(t.label() for t in listed.catalog_only[:5]) + (" ..." * (len(listed.catalog_only) > 5))
            self.result.notes.append(f"{prefix}: {len(listed.catalog_only)} document(s) of the catalog are not in its "
                                     f"sitemap: {shown}")  # fmt: skip
        for t in listed.targets:
            if maps.listed and t.document != "workbook":
                self.memory.note(t, in_sitemap=t.url in maps.urls)
        for t in (t for t in listed.targets if t.document == "workbook"):
            self.result.plan.append(f"request {t.url}  (the workbook, conditionally: every run)")
            if not self.plan.dry_run:
                self.workbook_changed = self.fetch(t, None) == "200" and bool(self.memory.of(t).get("had_copy"))
        return listed

    def decide(self, target: Target, listed: Listed) -> Decision:
        held = store.latest_meta(self.plan.raw_dir, target.url)
        manners = self.plan.politeness
        return schedule(target, self.memory.of(target), held, self.at, manners.revalidate_after,
                        listed.lastmod.get(target.url), self.workbook_changed)  # fmt: skip

    def carry(self, d: Decision) -> None:
        """A document not requested this run keeps its last failure listed (a known 404 stays a reject)."""
        entry = self.memory.of(d.target)
        status = entry.get("status")
        if status in GONE or (status and status not in OK and not store.latest_meta(self.plan.raw_dir, d.target.url)):
            code = str(status)  # the code of its last failure, registered where it was made
            message = f"{d.target.label()}: {d.target.url}: {code} since {str(entry.get('since'))[:10]}; {d.reason}"
            self.result.failures.append((d.target.url, code, message + self.kept(d.target.url)))

    def kept(self, url: str) -> str:
        held = store.latest_meta(self.plan.raw_dir, url)
        if held:
            return f"; the last good copy (fetched {str(held.get('fetched_at'))[:10]}) is kept"
        return "; no copy of it was ever fetched"

    def fetch_all(self, due: list[Decision], listed: Listed) -> None:
        progress = _progress(len(due))
        in_a_row = 0  # pages failing with server errors, one after the other
        try:
            for n, d in enumerate(due):
                outcome = self.fetch(d.target, listed.lastmod.get(d.target.url))
                progress(d.target.url, outcome)
                in_a_row = in_a_row + 1 if outcome in SERVER_ERRORS else 0
                if in_a_row >= self.plan.politeness.max_server_errors and n + 1 < len(due):
                    self.stop(in_a_row, outcome, len(due) - n - 1, len(due))
                    for rest in due[n + 1 :]:
                        self.carry(rest)
                    break
        finally:
            progress(None, None)

    def stop(self, in_a_row: int, outcome: str, not_tried: int, total: int) -> None:
        self.result.stopped = (
            f"the crawl stopped after {in_a_row} pages in a row failed with server errors (the last: "
            f"{outcome}); {not_tried} of {total} pages were not tried, and their last good "
            f"copies are kept; try again later (--max-server-errors sets how many failures stop it)"
        )
        fields = {"message": self.result.stopped, "in_a_row": in_a_row, "not_tried": not_tried}
        log.warning("%s", self.result.stopped, extra={"event": "crawl_stopped", "fields": fields})

    def fetch(self, target: Target, lastmod: str | None) -> str:
        """Request one document; store it unless its text is the held version's; remember the outcome."""
        outcome, sha = fetch_one(self.client, self.robots, self.plan.raw_dir, target, self.result, self.kept)
        had_copy = bool(self.memory.of(target).get("sha256"))
        entry = self.memory.record(target, outcome, now(), sha, lastmod)
        self.result.checked.add(key_text(target))
        entry["had_copy"] = had_copy
        if outcome == "200" and target.document == "undated":
            self.compare_undated(target)
        return outcome

    def compare_undated(self, target: Target) -> None:
        """An undated page must be the latest dated page of its country: told when it is not."""
        country = catalog.country_by_iso3(target.iso3 or "")
        if country is None:
            return
        undated = store.latest_meta(self.plan.raw_dir, target.url)
        for edition in sorted(catalog.GLOBAL_EDITIONS, reverse=True):
            dated_url = f"{self.base.rstrip('/')}/{edition}/country/{country.slug(edition)}"
            dated = store.latest_meta(self.plan.raw_dir, dated_url)
            if not dated:
                continue
            a = store.held_copy(self.plan.raw_dir, target.url, undated)
            b = store.held_copy(self.plan.raw_dir, dated_url, dated)
            if a is not None and b is not None and text_of(a) != text_of(b):
                self.result.notes.append(f"{target.label()}: {target.url} is not the same page as the latest dated "
                                         f"one held, {dated_url}")  # fmt: skip
            return


def fetch_one(client: PoliteClient, robots: Protego, raw_dir, target: Target, result: CrawlResult,
              kept: Callable[[str], str]) -> tuple[str, str | None]:  # fmt: skip
    """Request one document: (outcome, the SHA-256 of the version held after it). `kept(url)` ends a failure's
    message: whether a last good copy is kept."""
    url = target.url
    if not robots.can_fetch(url, client.manners.user_agent):
        result.failures.append((url, "robots_disallowed", f"{target.label()}: {url}: disallowed by robots.txt; not "
                                                          "fetched"))  # fmt: skip
        return "robots_disallowed", None
    previous = store.latest_meta(raw_dir, url)
    headers = {}
    if previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]
    fetched_at = stamp_ms()
    try:
        resp = client.get(url, headers)
    except FetchFailure as exc:
        result.failures.append((url, exc.code, f"{target.label()}: {exc.message}{kept(url)}"))
        return exc.code, previous.get("sha256")
    if resp.status == 304 and previous:
        result.not_modified += 1
        return "304", previous.get("sha256")
    if resp.status != 200:
        result.failures.append((url, f"http_{resp.status}", f"{target.label()}: {url}: HTTP {resp.status}{kept(url)}"))
        return f"http_{resp.status}", previous.get("sha256")
    usable = sniff_format(resp.body) == "xlsx" if target.document == "workbook" else looks_like_profile(resp.body)
    if usable and previous and same_text(store.held_copy(raw_dir, url, previous), resp.body):
        store.note_seen_again(raw_dir, url, previous, fetched_at, _sha(resp.body))
        result.same_text += 1
        return "same_text", previous.get("sha256")
    meta = {"url": url, "final_url": resp.final_url, "status": resp.status, "fetched_at": fetched_at,
            "etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified"),
            "content_type": resp.headers.get("content-type"), "usable": usable, "site": target.site}  # fmt: skip
    store.save_page(raw_dir, url, resp.body, meta)
    if not usable:
        what = "not the workbook (.xlsx)" if target.document == "workbook" else "not a profile page"
        message = f"{target.label()}: {url}: HTTP 200 but {what} (an error or maintenance page?); stored for inspection"
        result.failures.append((url, "error_page", message + kept(url)))
        return "error_page", previous.get("sha256")
    result.fetched += 1
    return "200", _sha(resp.body)


def stamp_ms() -> str:
    return now().isoformat(timespec="milliseconds")


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def text_of(body: bytes) -> list[str] | None:
    """A page's line stream, as the parse stage reads it (None for what is not a page of text or HTML)."""
    fmt = sniff_format(body)
    if fmt == "xlsx" or len(body) > MAX_PAGE_BYTES:
        return None
    try:
        text = decode(body).text
        if fmt == "html":
            from pipeline.extract.html import html_lines

            return [line.text for line in html_lines(text)]
        return [line.text for line in text_lines(text)]
    except UnreadablePage:
        return None


def same_text(held: bytes | None, body: bytes) -> bool:
    """Whether a download says what the held version says: the same bytes, or the same line stream."""
    if held is None:
        return False
    if held == body:
        return True
    ours = text_of(held)
    return ours is not None and ours == text_of(body)


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
