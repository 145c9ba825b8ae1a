"""The HTTP client of the crawler: requests with pacing, retries with backoff, timeouts and a deadline,
a size cap and same-host redirects. What a page's fetch can fail with is a `FetchFailure`."""

from __future__ import annotations

import email.utils
import http.client
import logging
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from pipeline.crawl.politeness import Politeness

log = logging.getLogger("pipeline.crawl.fetch")

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
                log.info("%s: %s; retrying in %.1f s", url, exc.message, wait, extra={"event": "fetch_retry",
                         "fields": {"url": url, "reason": exc.message, "wait_seconds": round(wait, 2)}})  # fmt: skip
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
        started = time.monotonic()
        watchdog: Watchdog | None = None
        try:
            with self.session.get(
                url, headers=headers, timeout=(m.connect_timeout, m.read_timeout), allow_redirects=False, stream=True
            ) as r:
                watchdog = Watchdog(r, m.deadline - (time.monotonic() - started))
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
                watchdog.cancel()
                if watchdog.fired:
                    raise requests.exceptions.ConnectionError("the deadline passed")
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if watchdog is not None and watchdog.fired:
                raise FetchFailure(
                    "too_slow", f"{url}: the response took over --deadline {m.deadline:g} s; not retried"
                ) from None
            raise _failure(exc) from None
        finally:
            if watchdog is not None:
                watchdog.cancel()
        if status in RETRY_STATUS:
            raise _Retryable(f"http_{status}", f"HTTP {status}", retry_after=_retry_after(hdrs.get("retry-after")))
        return status, hdrs, b"".join(chunks)


class Watchdog:
    """Ends a response whose deadline passes: its socket is shut down, so that a read blocked on a body
    dripped byte by byte returns (a read timeout alone restarts with each byte)."""

    def __init__(self, response: requests.Response, seconds: float):
        self.response = response
        self.fired = False
        self.timer = threading.Timer(max(0.0, seconds), self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = getattr(getattr(self.response.raw, "connection", None), "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        self.timer.cancel()


def _failure(exc: BaseException) -> _Retryable:
    """The retryable failure of a request that raised."""
    if isinstance(exc, requests.exceptions.Timeout):
        return _Retryable("timeout", f"timed out ({exc.__class__.__name__})")
    if _cut_off(exc):
        return _Retryable("cut_body", f"the body was cut off ({exc.__class__.__name__})")
    return _Retryable("connection_error", f"connection failed ({exc.__class__.__name__})")


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
