"""A real HTTP server on 127.0.0.1 playing ocindex.net, with faults on demand (started by the tests)."""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    at: float
    path: str
    headers: dict


@dataclass
class Site:
    pages: dict[str, bytes] = field(default_factory=dict)  # path -> body (200 with ETag / Last-Modified)
    faults: dict[str, list[str]] = field(default_factory=dict)  # path -> behaviours, one per request, last repeats
    robots: str = "User-agent: *\nAllow: /\n"  # "{base}" stands for the server's own URL (Sitemap: lines)
    xml: dict[str, str] = field(default_factory=dict)  # path -> sitemap XML ("{base}": the server's URL), no validators
    volatile: set[str] = field(default_factory=set)  # pages served without validators, a new token in each body
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_for(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


class Handler(BaseHTTPRequestHandler):
    site: Site
    server: Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        site = self.site
        with site.lock:
            n = len(site.requests_for(self.path))
            site.seen.append(Seen(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()}))
        base = self.server.base_url
        if self.path == "/robots.txt":
            if self.path in site.faults:
                return self._fault(site.faults[self.path][min(n, len(site.faults[self.path]) - 1)])
            return self._send(200, site.robots.replace("{base}", base).encode(), "text/plain")
        if self.path in site.xml and self.path not in site.faults:
            return self._send(200, site.xml[self.path].replace("{base}", base).encode(), "application/xml")
        if self.path in site.faults:
            steps = site.faults[self.path]
            step = steps[min(n, len(steps) - 1)]
            if step != "ok":
                return self._fault(step)
        body = site.pages.get(self.path)
        if body is None:
            return self._send(404, b"<html><body><h1>Page not found</h1></body></html>")
        if self.path in site.volatile:  # a per-request token in the markup, nothing a reader sees
            token = f'<meta name="csrf-token" content="{time.time_ns()}-{n}">'.encode()
            return self._send(200, body.replace(b"<head>", b"<head>" + token, 1))
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, body, extra={"ETag": etag, "Last-Modified": formatdate(1700000000, usegmt=True)})

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, step: str):
        kind, _, arg = step.partition(":")
        if kind in ("503", "429", "500", "502"):
            extra = {"Retry-After": arg} if arg else {}
            return self._send(int(kind), b"busy", extra=extra)
        if kind == "404":
            return self._send(404, b"<html><body>Not found</body></html>")
        if kind == "timeout":
            time.sleep(float(arg or 3))
            return self._send(200, b"too late")
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if kind == "cut":
            body = self.site.pages.get(self.path, b"x" * 1000)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", arg)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "errorpage":
            return self._send(200, b"<html><body><h1>We are down for maintenance</h1><p>Back soon.</p></body></html>")
        if kind == "drip":  # the page, a byte every `arg` seconds, within any read timeout
            body = self.site.pages.get(self.path, b"x" * 1000)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(float(arg or 1))
            except OSError:  # the client gave up
                pass
            self.close_connection = True
            return
        if kind == "utf16":  # the page, served as UTF-16 with a BOM
            body = self.site.pages[self.path].decode("utf-8").encode("utf-16")
            return self._send(200, body, "text/html; charset=utf-16")
        if kind == "huge":
            return self._send(200, b"<html>" + b"a" * int(arg) + b"</html>")
        if kind == "xml":  # a sitemap of `arg` bytes: over any cap given
            return self._send(200, b"<urlset>" + b" " * int(arg) + b"</urlset>", "application/xml")
        if kind == "retryat":  # 503, come back SECONDS from now: an HTTP date ending in ZONE (GMT, -0000, +0000)
            seconds, _, zone = arg.partition(":")
            when = formatdate(time.time() + float(seconds), usegmt=True).removesuffix("GMT") + zone
            return self._send(503, b"busy", extra={"Retry-After": when})
        if kind == "slow":  # headers dripped over HEADER_SECONDS, then the page over BODY_SECONDS
            header_seconds, _, body_seconds = arg.partition(":")
            return self._slow(float(header_seconds), float(body_seconds or 0))
        if kind == "endless":  # headers that never end: a byte of a header line every 0.05 s, within any timeout
            return self._endless()
        raise AssertionError(step)

    def _slow(self, header_seconds: float, body_seconds: float):
        body = self.site.pages.get(self.path, b"x" * 1000)
        head = f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            _drip(self.wfile, b"X-Slow: " + b"a" * 40 + b"\r\n" + head, header_seconds)
            _drip(self.wfile, body, body_seconds)
        except OSError:  # the client gave up
            pass
        self.close_connection = True

    def _endless(self):
        self.close_connection = True
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
            ends = time.monotonic() + 30  # only so that a thread of a failed test ends
            while not self.server.stopping.is_set() and time.monotonic() < ends:
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:  # the client gave up
            pass


def _drip(out, data: bytes, seconds: float) -> None:
    """data written in parts 0.05 s apart over `seconds`: each part comes well within any read timeout."""
    pieces = max(1, min(len(data), int(seconds / 0.05)))
    step = -(-len(data) // pieces)
    for at in range(0, len(data), step):
        out.write(data[at : at + step])
        out.flush()
        time.sleep(seconds / pieces)


class Server(ThreadingHTTPServer):
    def __init__(self, *args):
        super().__init__(*args)
        self.stopping = threading.Event()  # set when the test's server stops: ends the endless faults
        host, port = self.server_address[:2]
        self.base_url = f"http://{host}:{port}"


class SiteServer:
    def __init__(self, site: Site):
        handler = type("BoundHandler", (Handler,), {"site": site})
        self.httpd = Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.site = site
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
