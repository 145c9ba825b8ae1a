"""Every setting of a run, declared once: its name, type, default, help and bounds (`Settings`, and the crawler's
manners `Politeness`). From this one declaration come the command-line flags (`cli/options.py`), the environment
variables (`OCINDEX_` and the name: `OCINDEX_WAIT_LOCK=60`), the keys of a `--config` TOML file (`wait_lock = 60`)
and the checks: whatever the source, a value goes through the same parsing and bounds (`coerce`), and a Python
caller's `Settings(...)` through the same checks (`__post_init__`). A flag wins over the environment, which wins
over the file, which wins over the default.

pydantic-settings reads the environment and the file (`cli/options.py`), and only when there is one to read: its
import is a large part of a run with nothing new (docs/PERFORMANCE.md).

The constants the settings need live here, at the bottom of the house: the export formats, the number of
parse workers.
"""

from __future__ import annotations

import math
import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

from pipeline import DB_NAME, __version__
from pipeline.catalog import EDITIONS
from pipeline.errors import UsageError

ENV_PREFIX = "OCINDEX_"
EXPORT_FORMATS = ("parquet", "csv")
LOG_FORMATS = ("text", "json")
# Processes that parse in parallel: one per core, two at most (the parent loads while they parse).
DEFAULT_WORKERS = max(1, min(2, os.cpu_count() or 1))
CONTACT = "https://github.com/ocindex-pipeline/ocindex-pipeline#contact"
DAY = 86_400.0
# The document families a crawl fetches (pipeline/crawl/targets.py): dated and undated country pages of the
# global site, the ENACT Africa site, the official workbook.
DOCUMENTS = ("dated", "undated", "enact", "workbook")


def setting(default: Any, help: str, *, low: float | None = None, high: float | None = None, above: bool = False,
            flag: str | None = None, short: str | None = None, choices: tuple[str, ...] = (),
            metavar: str | None = None, group: str = "") -> Any:  # fmt: skip
    """A setting: its default and `--help` text; `low`/`high`: bounds (`above`: strictly above `low`); `flag`: the
    flag's name when it is not the setting's (`--timeout` for `read_timeout`)."""
    meta = {"help": help, "low": low, "high": high, "above": above, "flag": flag, "short": short,
            "choices": choices, "metavar": metavar, "group": group}  # fmt: skip
    if isinstance(default, list | tuple | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Politeness:
    """The crawler's manners (with --fetch): a new option of the crawler is one line here."""

    delay: float = setting(1.0, "seconds between requests, at least (robots.txt Crawl-delay wins when longer)",
                           low=0, high=3600)  # fmt: skip
    read_timeout: float = setting(30.0, "read timeout, seconds", low=0, above=True, high=3600, flag="timeout")
    connect_timeout: float = setting(10.0, "connect timeout, seconds", low=0, above=True, high=3600)
    retries: int = setting(4, "retries on connection errors, 429 and 5xx, with exponential backoff and jitter",
                           low=0, high=100)  # fmt: skip
    backoff: float = setting(2.0, "first retry wait, seconds; doubled each retry", low=0, high=3600)
    max_wait: float = setting(300.0, "longest Retry-After honoured, seconds", low=0, high=DAY)
    max_bytes: int = setting(5 * 1024 * 1024, "largest response accepted, bytes", low=0, above=True, high=2**31)
    deadline: float = setting(120.0, "longest time for one response, seconds, however slowly its bytes come",
                              low=0, above=True, high=DAY)  # fmt: skip
    max_server_errors: int = setting(5, "pages in a row failing with server errors (5xx, 429, no answer) to stop at",
                                     low=1, high=100_000)  # fmt: skip
    contact: str = setting(CONTACT, "contact URL sent in the User-Agent (ocindex-pipeline/VERSION (+CONTACT))")
    africa_base_url: str = setting("https://africa.ocindex.net", "the ENACT Africa site (2019, 2021, 2023 and its "
                                   "region pages), with its own robots.txt and pacing")  # fmt: skip
    documents: tuple[str, ...] = setting(DOCUMENTS, "what to crawl, comma-separated: dated (/YEAR/country/SLUG), "
                                         "undated (/country/SLUG), enact (the ENACT Africa site), workbook (the "
                                         "official .xlsx)", choices=DOCUMENTS)  # fmt: skip
    revalidate_after: float = setting(7.0, "a held page is requested again once it is this many days old (0: every "
                                      "page, known 404s included)", low=0, high=3650, metavar="DAYS")  # fmt: skip

    def __post_init__(self) -> None:
        check_bounds(self)
        _check_url(self.africa_base_url, "--africa-base-url")
        if not self.contact.isascii() or not self.contact.isprintable():
            raise UsageError("--contact: printable ASCII only (it goes into the User-Agent header)")

    @property
    def user_agent(self) -> str:
        return f"ocindex-pipeline/{__version__} (+{self.contact})"


@dataclass(frozen=True)
class Settings:
    """Every option of a run (`python -m pipeline.run`, `ocindex run`, `pipeline.batch.flow.run`), by the name of
    its flag (`--wait-lock` is `wait_lock`)."""

    raw_dir: Path = setting(Path("raw"), "folder of raw pages")
    extracted_dir: Path = setting(Path("extracted"), "folder for records and reports")
    db: Path | None = setting(None, "DuckDB file (default: EXTRACTED_DIR/ocindex.duckdb)")
    fetch: bool = setting(False, "crawl the site into the raw folder first")
    plan: bool = setting(False, "print what the crawl would request and why (only robots.txt and the sitemaps are "
                         "requested; nothing is written), then exit")  # fmt: skip
    base_url: str = setting("https://ocindex.net", "site to crawl")
    editions: tuple[int, ...] = setting(EDITIONS, "editions to crawl, comma-separated (2019: ENACT Africa only; "
                                        "2021 and 2023: both sites; 2025: the global site)")  # fmt: skip
    countries: tuple[str, ...] = setting((), "countries to crawl: ISO3 codes or slugs, comma-separated (default: all)")
    workbook: Path | None = setting(None, "cross-check the database against the official workbook (.xlsx)")
    strict: bool = setting(False, "exit 1 when any page is rejected or a cross-page check fails")
    export: tuple[str, ...] = setting((), "also write every table to EXTRACTED_DIR/export/ in these formats",
                                      choices=EXPORT_FORMATS)  # fmt: skip
    workers: int = setting(DEFAULT_WORKERS, "processes that parse in parallel", low=1, high=64)
    wait_lock: float = setting(0.0, "when another run holds the database, wait this long (else exit 75)",
                               low=0, high=DAY, metavar="SECONDS")  # fmt: skip
    verbose: bool = setting(False, "log each stage with its duration and counts (stderr)", short="-v")
    quiet: bool = setting(False, "print nothing on success; problems go to stderr", short="-q")
    log_format: str = setting("text", "json: one JSON object per event on stderr, and a JSON summary on stdout",
                              choices=LOG_FORMATS)  # fmt: skip
    politeness: Politeness = field(default_factory=Politeness)

    def __post_init__(self) -> None:
        check_bounds(self)
        _check_url(self.base_url)
        bad = [e for e in self.editions if e not in EDITIONS]
        if bad or not self.editions:
            raise UsageError(f"--editions {bad or '(none)'}: choose among {', '.join(map(str, EDITIONS))}")
        for name in ("raw_dir", "extracted_dir", "db", "workbook"):
            value = getattr(self, name)
            if value is not None and not str(value).strip():
                raise UsageError(f"{flag_of(name)}: an empty path; name a file or folder")

    @property
    def database(self) -> Path:
        """The DuckDB file: --db, else EXTRACTED_DIR/ocindex.duckdb."""
        return self.db if self.db is not None else self.extracted_dir / DB_NAME

    def check_paths(self) -> None:
        """Refuse paths that cannot work, before anything is written (nothing is created here)."""
        for name in ("raw_dir", "extracted_dir"):
            path = getattr(self, name)
            if path.exists() and not path.is_dir():
                raise UsageError(f"{flag_of(name)} {path}: is a file, not a folder")
        if not self.raw_dir.is_dir() and not self.fetch and not self.plan:
            raise UsageError(f"the raw folder {self.raw_dir} does not exist (use --raw-dir, or --fetch to crawl)")
        if self.database.is_dir():
            raise UsageError(f"--db {str(self.database)!r}: expected a database file, not a folder")
        for flag, folder in (("--extracted-dir", self.extracted_dir), ("--db", self.database.parent)):
            _writable(flag, folder)
        outputs = {"manifest.json": False, "reconciliation.md": False, "report.html": False, "logs": True}
        if self.export:
            outputs["export"] = True
        for name, is_folder in outputs.items():
            path = self.extracted_dir / name
            if path.exists() and path.is_dir() != is_folder:
                kind = "folder" if is_folder else "file"
                raise UsageError(f"{path} is in the way: the run writes a {kind} there; move it aside and re-run")


def leaves() -> list[tuple[str, Any]]:
    """Every setting a flag, a variable or a key can give, by name (the crawler's among them), with its field."""
    out = [(f.name, f) for f in fields(Settings) if f.name != "politeness"]
    return out + [(f.name, f) for f in fields(Politeness)]


def flag_of(name: str) -> str:
    f = dict(leaves())[name]
    return "--" + (f.metadata.get("flag") or name).replace("_", "-")


def sources_of(name: str) -> str:
    """Where a setting can come from, as a message names it."""
    return f"{flag_of(name)}, {ENV_PREFIX}{name.upper()} or `{name}` in the --config file"


def default_of(name: str) -> Any:
    f = dict(leaves())[name]
    return f.default if f.default is not MISSING else f.default_factory()


def build(values: dict[str, Any]) -> Settings:
    """Settings from values by setting name, each parsed and checked (`coerce`); the crawler's go to Politeness."""
    crawler = {f.name for f in fields(Politeness)}
    types = {**get_type_hints(Settings), **get_type_hints(Politeness)}
    known = dict(leaves())
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(f"unknown setting {unknown[0]!r} (the settings are the options of --help, like wait_lock)")
    parsed = {name: coerce(name, types[name], value, known[name].metadata) for name, value in values.items()}
    manners = Politeness(**{k: v for k, v in parsed.items() if k in crawler})
    return Settings(**{k: v for k, v in parsed.items() if k not in crawler}, politeness=manners)


def coerce(name: str, kind: Any, value: Any, meta: Any) -> Any:
    """A value from a flag, a variable (text) or a TOML key (a number, a list, a boolean...) as the setting's type."""
    try:
        return _as(kind, value, meta.get("choices", ()))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{name} {value!r}: {exc} (from {sources_of(name)})") from None


def _as(kind: Any, value: Any, choices: tuple[str, ...]) -> Any:
    text = str(kind)
    if kind is bool or text == "bool":
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError("expected true or false")
    if kind is int or text == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("expected a whole number")
        return int(value)
    if kind is float or text == "float":
        if isinstance(value, bool):
            raise ValueError("expected a number")
        return float(value)
    if "tuple" in text:
        items = _items(value)
        if "int" in text:
            try:
                return tuple(int(x) for x in items)
            except ValueError:
                raise ValueError("expected years like 2021,2023,2025") from None
        bad = [x for x in items if choices and x not in choices]
        if bad:
            raise ValueError(f"choose among {', '.join(choices)}")
        return tuple(str(x) for x in items)
    if "Path" in text:
        if value is not None and not str(value).strip():
            raise ValueError("an empty path; name a file or folder")
        return None if value is None else Path(str(value))
    if choices and value not in choices:
        raise ValueError(f"choose among {', '.join(choices)}")
    return str(value)


def _items(value: Any) -> list:
    """A list from a TOML list, a JSON list in a variable (`["csv"]`), or comma-separated text (`2021,2023`)."""
    if isinstance(value, list | tuple):
        return list(value)
    text = str(value).strip()
    if text.startswith("["):
        import json

        try:
            loaded = json.loads(text)
        except ValueError:
            raise ValueError('expected a list, like ["csv"] or csv,parquet') from None
        if not isinstance(loaded, list):
            raise ValueError("expected a list")
        return loaded
    return [x.strip() for x in text.split(",") if x.strip()]


def check_bounds(obj: Any) -> None:
    """Each number within the bounds its setting declares (finite, always)."""
    for f in fields(obj):
        low, high = f.metadata.get("low"), f.metadata.get("high")
        value = getattr(obj, f.name)
        if low is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        above = f.metadata.get("above")
        if not math.isfinite(value) or value < low or (above and value == low) or (high is not None and value > high):
            low_text = f"{'>' if above else '>='} {low:g}"
            where = sources_of(f.name)
            raise UsageError(f"{f.name} {value}: expected a number {low_text} and <= {high:g} (from {where})")


def _check_url(url: str, flag: str = "--base-url") -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UsageError(f"{flag} {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{flag} {url!r}: expected an http(s) URL like https://ocindex.net")


def _writable(flag: str, folder: Path) -> None:
    """The folder, or the nearest folder above it that exists, can be written (a file made and removed at
    once tells, a read-only file system included); no folder is created."""
    import tempfile

    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise NotADirectoryError(20, "not a folder")
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise UsageError(f"{flag}: {folder} cannot be written ({probe}: {exc.strerror or exc}); choose a writable "
                         "folder") from None  # fmt: skip
