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
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
import urllib3
import urllib3.connection

from pipeline.settings import Politeness

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
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, _WatchedAdapter())
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

    def get(self, url: str, headers: dict[str, str] | None = None, offsite: bool = False) -> Response:
        """GET with retries; raises FetchFailure when the page cannot be had. Redirects stay on the base
        URL's host unless `offsite` (robots.txt: RFC 9309 follows its redirects to any host)."""
        attempt = 0
        while True:
            try:
                return self._get_following(url, headers or {}, offsite)
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

    def _get_following(self, url: str, headers: dict[str, str], offsite: bool) -> Response:
        current = url
        for _ in range(6):
            if not offsite and not self.same_host(current):
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
        with Watchdog(m.deadline) as watchdog:
            try:
                status, hdrs, body = self._exchange(url, headers, watchdog)
            except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                if watchdog.fired:
                    raise FetchFailure(
                        "too_slow", f"{url}: the response took over --deadline {m.deadline:g} s; not retried"
                    ) from None
                raise _failure(exc) from None
        if status in RETRY_STATUS:
            raise _Retryable(f"http_{status}", f"HTTP {status}", retry_after=_retry_after(hdrs.get("retry-after")))
        return status, hdrs, body

    def _exchange(self, url: str, headers: dict[str, str], watchdog: Watchdog) -> tuple[int, dict[str, str], bytes]:
        """One request and its whole response, within the size cap. A response the watchdog ended may look
        whole (its headers or a body without a length end where the socket was shut down): it is an error."""
        m = self.manners
        with self.session.get(
            url, headers=headers, timeout=(m.connect_timeout, m.read_timeout), allow_redirects=False, stream=True
        ) as r:
            if r.raw.connection is not None:  # known here whatever the connection's class (a proxy's)
                watchdog.watch(r.raw.connection)
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
        if watchdog.fired:
            raise requests.exceptions.ConnectionError("the deadline passed")
        return r.status_code, hdrs, b"".join(chunks)


_in_flight: ContextVar[Watchdog | None] = ContextVar("pipeline_crawl_watchdog", default=None)


class Watchdog:
    """The deadline of one request, from the moment it is sent: when it passes, the socket of the request's
    connection is shut down, so that a read blocked anywhere returns, on headers or a body dripped byte by
    byte (a read timeout alone restarts with each byte). Until the headers are in there is no response to
    reach the socket through: the connection shows itself to the watchdog in flight (`_WatchedConnection`)."""

    def __init__(self, seconds: float):
        self.fired = False
        self._connection: object | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._token = _in_flight.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _in_flight.reset(self._token)
        with self._lock:  # a timer that fires late must not end the next request on a kept-alive connection
            self._connection = None

    def watch(self, connection: object) -> None:
        """The request is on `connection`; shut down at once if the deadline passed while it connected."""
        with self._lock:
            self._connection = connection
            if self.fired:
                self._shut_down()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shut_down()

    def _shut_down(self) -> None:
        sock = getattr(self._connection, "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _WatchedConnection(urllib3.connection.HTTPConnection):
    """A connection that shows itself to the watchdog in flight when it connects (its socket is new) and
    when it sends a request (a kept-alive connection does not connect again)."""

    def connect(self) -> None:
        super().connect()
        _show(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _show(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections the watchdog can reach before a response exists."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def _show(connection: urllib3.connection.HTTPConnection) -> None:
    watchdog = _in_flight.get()
    if watchdog is not None:
        watchdog.watch(connection)


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
    """The seconds a Retry-After asks for: delta-seconds, or an HTTP date in any common form (GMT, -0000 and
    +0000 all say UTC). None for a value that cannot be read: the usual backoff applies, the run goes on."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():  # str.isdigit alone takes "²" for a digit
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # -0000, or no zone: an HTTP date is UTC
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
