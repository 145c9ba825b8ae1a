"""The run's settings, from four places, the first that gives a value winning (pydantic-settings reads
the environment and the file, and is imported only when there is one to read):
1. the command line (`--delay 2`);
2. the environment, `OCINDEX_` and the option's name (`OCINDEX_DELAY=2`, `OCINDEX_FETCH=true`,
   `OCINDEX_EXPORT='["csv"]'`);
3. a TOML file named by `--config` (or `OCINDEX_CONFIG`), keys as the options' names
   (`delay = 2`, `export = ["csv"]`);
4. the defaults below, which `--help` shows.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_type_hints
from urllib.parse import urlsplit

from pipeline import __version__
from pipeline.batch.one_page import DEFAULT_WORKERS
from pipeline.catalog import GLOBAL_EDITIONS
from pipeline.crawl.politeness import Politeness, add_arguments
from pipeline.errors import UsageError
from pipeline.warehouse.to_files import FORMATS

if TYPE_CHECKING:
    from pipeline.batch.flow import Settings

ENV_PREFIX = "OCINDEX_"


@dataclass(frozen=True)
class RunConfig:
    """Every option of `pipeline.run`, by the name of its flag (`--wait-lock` is `wait_lock`), with its
    default. Plain data: pydantic-settings reads the environment and the config file only when there is
    one to read (`load`)."""

    raw_dir: Path = Path("raw")
    extracted_dir: Path = Path("extracted")
    db: Path | None = None
    fetch: bool = False
    base_url: str = "https://ocindex.net"
    editions: str = ",".join(map(str, GLOBAL_EDITIONS))
    countries: str = ""
    workbook: Path | None = None
    strict: bool = False
    export: list[str] = field(default_factory=list)
    workers: int = DEFAULT_WORKERS
    wait_lock: float = 0.0
    verbose: bool = False
    quiet: bool = False
    log_format: Literal["text", "json"] = "text"
    # the crawler's manners (their defaults are Politeness's)
    delay: float = Politeness.delay
    timeout: float = Politeness.read_timeout
    connect_timeout: float = Politeness.connect_timeout
    retries: int = Politeness.retries
    backoff: float = Politeness.backoff
    max_wait: float = Politeness.max_wait
    max_bytes: int = Politeness.max_bytes
    deadline: float = Politeness.deadline
    max_server_errors: int = Politeness.max_server_errors
    contact: str = Politeness.contact


def _settings_class(toml_file: Path | None):
    """RunConfig as a pydantic-settings model: flags (its init arguments) > environment > TOML file."""
    from pydantic import create_model, field_validator
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

    class Base(BaseSettings):
        model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", validate_default=False)

        @field_validator("raw_dir", "extracted_dir", "db", "workbook", mode="before", check_fields=False)
        @classmethod
        def _not_empty(cls, value: Any) -> Any:
            if isinstance(value, str) and not value.strip():
                raise ValueError("an empty path; name a file or folder")
            return value

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
            if toml_file is not None:
                sources += (TomlConfigSettingsSource(settings_cls, toml_file=toml_file),)
            return sources

    hints = get_type_hints(RunConfig)
    fields_ = {f.name: (hints[f.name], _default_of(f)) for f in fields(RunConfig)}
    return create_model("RunSettings", __base__=Base, **fields_)  # type: ignore[call-overload]


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, with where to look (exit 2)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see --help)")


def build_parser(prog: str = "python -m pipeline.run", description: str = "") -> argparse.ArgumentParser:
    """The command line. No option has an argparse default (only the options given reach `load`, so that
    the environment and the config file can set the others); `--help` shows the defaults of RunConfig."""
    p = _Parser(
        prog=prog,
        description=description,
        epilog=f"Every option can also be set in the environment ({ENV_PREFIX}WAIT_LOCK=60) or in the --config file "
        "(wait_lock = 60); a flag wins over the environment, which wins over the file.",
    )
    shown, flag = _shown, argparse.SUPPRESS
    p.add_argument("--version", action="version", version=f"ocindex-pipeline {__version__}")
    p.add_argument(
        "--config",
        type=_path,
        default=flag,
        metavar="FILE",
        help=f"settings file (TOML; keys as the options: delay = 2); also {ENV_PREFIX}CONFIG",
    )
    p.add_argument("--raw-dir", type=_path, default=flag, help=f"folder of raw pages {shown('raw_dir')}")
    p.add_argument(
        "--extracted-dir", type=_path, default=flag, help=f"folder for records and reports {shown('extracted_dir')}"
    )
    p.add_argument("--db", type=_path, default=flag, help="DuckDB file (default: EXTRACTED_DIR/ocindex.duckdb)")
    p.add_argument("--fetch", action="store_true", default=flag, help="crawl the site into the raw folder first")
    p.add_argument("--base-url", default=flag, help=f"site to crawl {shown('base_url')}")
    p.add_argument("--editions", default=flag, help=f"editions to crawl, comma-separated {shown('editions')}")
    p.add_argument(
        "--countries", default=flag, help="countries to crawl: ISO3 codes or slugs, comma-separated (default: all 193)"
    )
    p.add_argument(
        "--workbook", type=Path, default=flag, help="cross-check the database against the official workbook (.xlsx)"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        default=flag,
        help="exit 1 when any page is rejected or a cross-page check fails",
    )
    p.add_argument(
        "--export",
        action="append",
        choices=sorted(FORMATS),
        default=flag,
        help="also write every table to EXTRACTED_DIR/export/ in this format (repeatable)",
    )
    p.add_argument("--workers", type=int, default=flag, help=f"processes that parse in parallel {shown('workers')}")
    p.add_argument(
        "--wait-lock",
        type=float,
        default=flag,
        metavar="SECONDS",
        help=f"when another run holds the database, wait this long (else exit 75) {shown('wait_lock')}",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=flag,
        help="log each stage with its duration and counts (stderr)",
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", default=flag, help="print nothing on success; problems go to stderr"
    )
    p.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=flag,
        help=f"json: one JSON object per event on stderr, and a JSON summary on stdout {shown('log_format')}",
    )
    add_arguments(p, shown)
    return p


def _writable(flag: str, folder: Path) -> None:
    """The folder exists (it is made) and a file can be written in it; else a usage error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(
            f"{flag}: {folder} cannot be written ({exc.strerror or exc}); choose a writable folder"
        ) from None


def _shown(name: str) -> str:
    value = default(name)
    return f"(default: {value})" if value not in ("", None, []) else ""


def parse(argv: list[str] | None, prog: str = "python -m pipeline.run", description: str = "") -> RunConfig:
    """The settings of a run from its command line, the environment and the config file."""
    given = vars(build_parser(prog, description).parse_args(argv))
    return load(given, given.pop("config", None))


def settings_from(args: RunConfig) -> Settings:
    from pipeline.batch.flow import Settings

    try:
        editions = tuple(int(e) for e in args.editions.split(",") if e.strip())
    except ValueError:
        raise UsageError(f"--editions {args.editions!r}: expected years like 2021,2023,2025") from None
    bad = [e for e in editions if e not in GLOBAL_EDITIONS]
    if bad:
        raise UsageError(f"--editions: {bad} not crawlable; choose among {', '.join(map(str, GLOBAL_EDITIONS))}")
    politeness = Politeness(
        **{("read_timeout" if name == "timeout" else name): getattr(args, name) for name in POLITENESS}
    )
    return Settings(
        raw_dir=args.raw_dir,
        extracted_dir=args.extracted_dir,
        db=args.db or args.extracted_dir / "ocindex.duckdb",
        fetch=args.fetch,
        base_url=args.base_url,
        editions=editions,
        countries=tuple(c.strip() for c in args.countries.split(",") if c.strip()),
        workbook=args.workbook,
        strict=args.strict,
        exports=tuple(args.export),
        workers=args.workers,
        wait_lock=args.wait_lock,
        politeness=politeness,
    )


def check_options(args: RunConfig) -> None:
    """Refuse options that cannot work, before anything is touched (exit 2)."""
    try:
        url = urlsplit(args.base_url)
    except ValueError as exc:
        raise UsageError(f"--base-url {args.base_url!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UsageError(f"--base-url {args.base_url!r}: expected an http(s) URL like https://ocindex.net")
    for name, low, inclusive in (("delay", 0, True), ("timeout", 0, False), ("connect_timeout", 0, False),
                                 ("backoff", 0, True), ("max_wait", 0, True), ("retries", 0, True),
                                 ("max_bytes", 0, False), ("deadline", 0, False),
                                 ("max_server_errors", 1, True)):  # fmt: skip
        value = getattr(args, name)
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} {value}: expected a finite number {'>=' if inclusive else '>'} {low}")
    if not args.contact.isascii() or not args.contact.isprintable():
        raise UsageError("--contact: printable ASCII only (it goes into the User-Agent header)")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more")
    if not math.isfinite(args.wait_lock) or args.wait_lock < 0:
        raise UsageError(f"--wait-lock {args.wait_lock}: expected seconds, 0 or more")
    for flag, path in (("--raw-dir", args.raw_dir), ("--extracted-dir", args.extracted_dir)):
        if path.exists() and not path.is_dir():
            raise UsageError(f"{flag} {path}: is a file, not a folder")
    if args.db is not None and args.db.is_dir():
        raise UsageError(f"--db {str(args.db)!r}: expected a database file, not a folder")
    for flag, folder in (("--extracted-dir", args.extracted_dir), ("--db", (args.db or args.extracted_dir).parent)):
        _writable(flag, folder)
    outputs = {"manifest.json": False, "reconciliation.md": False, "report.html": False, "logs": True}
    if args.export:
        outputs["export"] = True
    for name, is_folder in outputs.items():
        path = args.extracted_dir / name
        if path.exists() and path.is_dir() != is_folder:
            kind = "folder" if is_folder else "file"
            raise UsageError(f"{path} is in the way: the run writes a {kind} there; move it aside and re-run")


def _path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


POLITENESS = ("delay", "timeout", "connect_timeout", "retries", "backoff", "max_wait", "max_bytes", "deadline",
              "max_server_errors", "contact")  # fmt: skip


def default(name: str) -> Any:
    (f,) = [f for f in fields(RunConfig) if f.name == name]
    return _default_of(f)


def _default_of(f: Field) -> Any:
    if f.default is not MISSING:
        return f.default
    assert callable(f.default_factory)
    return f.default_factory()


def load(flags: dict[str, Any], config_file: Path | None) -> RunConfig:
    """The settings, from the flags given (only those given), the environment and the config file.
    Raises UsageError naming the setting and where it may come from."""
    from_env = os.environ.get(f"{ENV_PREFIX}CONFIG", "").strip()
    config_file = config_file or (Path(from_env) if from_env else None)
    if config_file is None and not any(name.startswith(ENV_PREFIX) for name in os.environ):
        return RunConfig(**flags)  # the flags alone (argparse has checked their types)
    if config_file is not None:
        _check_file(config_file)
    from pydantic import ValidationError

    try:
        settings = _settings_class(config_file)(**flags)
    except ValidationError as exc:
        raise UsageError("; ".join(_problem(e, config_file) for e in exc.errors())) from None
    return RunConfig(**settings.model_dump())


def _check_file(path: Path) -> None:
    import tomllib  # here: only a run given a settings file reads one

    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--config {path}: cannot be read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc})") from None


def _problem(error: Any, config_file: Path | None) -> str:
    name = ".".join(str(p) for p in error["loc"]) or "?"
    if error["type"] == "extra_forbidden":
        return f"{config_file}: unknown setting {name!r} (the settings are the options of --help, like wait_lock)"
    where = f"--{name.replace('_', '-')}, {ENV_PREFIX}{name.upper()}" + (f" or {config_file}" if config_file else "")
    return f"{name}: {error['msg'].lower()} (from {where})"
