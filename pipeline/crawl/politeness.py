"""The crawler's manners: its polite defaults, and the command-line options that change them.

Apart from the crawler so that the command line shows them without importing an HTTP client.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from pipeline import __version__

CONTACT = "https://github.com/ocindex-pipeline/ocindex-pipeline#contact"


@dataclass(frozen=True)
class Politeness:
    delay: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    max_wait: float = 300.0
    max_bytes: int = 5 * 1024 * 1024
    contact: str = CONTACT
    deadline: float = 120.0  # seconds for a whole response, however slowly its bytes come
    max_server_errors: int = 5  # consecutive pages failing with server errors before the crawl stops

    @property
    def user_agent(self) -> str:
        return f"ocindex-pipeline/{__version__} (+{self.contact})"


def add_arguments(parser, shown) -> None:
    """The crawler's options; `shown(name)` is the help's "(default: ...)" for an option."""
    g = parser.add_argument_group("crawling (with --fetch)")
    for flag, kind, text in (
        ("--delay", float, "seconds between requests, at least (robots.txt Crawl-delay wins when longer)"),
        ("--timeout", float, "read timeout, seconds"),
        ("--connect-timeout", float, "connect timeout, seconds"),
        ("--retries", int, "retries on connection errors, 429 and 5xx, with exponential backoff and jitter"),
        ("--backoff", float, "first retry wait, seconds; doubled each retry"),
        ("--max-wait", float, "longest Retry-After honoured, seconds"),
        ("--max-bytes", int, "largest response accepted"),
        ("--deadline", float, "longest time for one response, seconds, however slowly its bytes come"),
        ("--max-server-errors", int, "pages in a row failing with server errors (5xx, 429, no answer) to stop at"),
        ("--contact", str, "contact URL sent in the User-Agent (ocindex-pipeline/VERSION (+CONTACT))"),
    ):  # fmt: skip
        name = flag[2:].replace("-", "_")
        g.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=f"{text} {shown(name)}")
