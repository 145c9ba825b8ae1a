"""The crawler's manners: its polite defaults, and the command-line options that change them.

Apart from the crawler so that the command line shows them without importing an HTTP client.
"""

from __future__ import annotations

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


def add_arguments(parser) -> None:
    d = Politeness()
    g = parser.add_argument_group("crawling (with --fetch)")
    g.add_argument(
        "--delay",
        dest="fetch_delay",
        type=float,
        default=d.delay,
        help="seconds between requests, at least (robots.txt Crawl-delay wins when longer)",
    )
    g.add_argument(
        "--timeout", dest="fetch_read_timeout", type=float, default=d.read_timeout, help="read timeout, seconds"
    )
    g.add_argument(
        "--connect-timeout",
        dest="fetch_connect_timeout",
        type=float,
        default=d.connect_timeout,
        help="connect timeout, seconds",
    )
    g.add_argument(
        "--retries",
        dest="fetch_retries",
        type=int,
        default=d.retries,
        help="retries on connection errors, 429 and 5xx, with exponential backoff and jitter",
    )
    g.add_argument(
        "--backoff",
        dest="fetch_backoff",
        type=float,
        default=d.backoff,
        help="first retry wait, seconds; doubled each retry",
    )
    g.add_argument(
        "--max-wait",
        dest="fetch_max_wait",
        type=float,
        default=d.max_wait,
        help="longest Retry-After honoured, seconds",
    )
    g.add_argument(
        "--max-bytes", dest="fetch_max_bytes", type=int, default=d.max_bytes, help="largest response accepted"
    )
    g.add_argument(
        "--deadline",
        dest="fetch_deadline",
        type=float,
        default=d.deadline,
        help="longest time for one response, seconds, however slowly its bytes come",
    )
    g.add_argument(
        "--max-server-errors",
        dest="fetch_max_server_errors",
        type=int,
        default=d.max_server_errors,
        help="consecutive pages failing with server errors (5xx, 429, no answer) before the crawl stops",
    )
    g.add_argument(
        "--contact",
        dest="fetch_contact",
        default=d.contact,
        help="contact URL sent in the User-Agent (ocindex-pipeline/VERSION (+CONTACT))",
    )
