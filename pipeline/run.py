"""The batch run: [fetch ->] store -> parse -> validate -> load, then a summary.

python -m pipeline.run                       # every page under raw/ -> extracted/ -> extracted/ocindex.duckdb
python -m pipeline.run --fetch               # crawl ocindex.net into raw/ first (polite defaults)

Exit status: 0 when the run completed (rejected pages included, they are listed; --strict makes a
rejected page exit 1); 2 for a usage error; 3 when the run could not complete, and then the database
is left as it was.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipeline import __version__

# Light on purpose: the parse workers are spawned and re-import this module (as `__mp_main__`), so
# the batch itself (`pipeline.batch`: DuckDB, Arrow, the loader) is imported only when a run starts.
from pipeline.catalog import GLOBAL_EDITIONS
from pipeline.crawl.politeness import Politeness, add_arguments
from pipeline.errors import DatabaseBusy, PipelineError, UsageError
from pipeline.warehouse.export import FORMATS
from pipeline.work import DEFAULT_WORKERS

if TYPE_CHECKING:
    from pipeline.batch import Outcome, Settings


def summary(outcome: Outcome) -> str:
    s = outcome.stats
    lines = [
        f"run {outcome.run_id} {s.status}: {s.pages_seen} page(s) seen, {s.pages_parsed} parsed, "
        f"{s.pages_loaded} loaded, {s.pages_rejected} rejected"
        + (
            f"; fetched {s.pages_fetched}, {s.pages_not_modified} not modified"
            if s.pages_fetched or s.pages_not_modified
            else ""
        )
    ]
    ch = outcome.changes
    if outcome.run_id > 1 and s.status != "unchanged":
        if ch.count == 0 and not ch.added_entities and not ch.removed_entities:
            lines.append("changes since the previous run: none")
        else:
            lines.append(
                f"changes since the previous run: {len(ch.added_entities)} entities added, "
                f"{len(ch.removed_entities)} removed, {len(ch.changed_values)} values changed"
            )
            for e in ch.added_entities[:20]:
                lines.append(f"  + {e.entity} ({e.entity_kind}, {e.edition})")
            for e in ch.removed_entities[:20]:
                lines.append(f"  - {e.entity} ({e.entity_kind}, {e.edition})")
            for v in ch.changed_values[:50]:
                lines.append(
                    f"  ~ {v.entity} {v.edition} {v.indicator}: {_sc(v.old_score, v.old_change)} -> "
                    f"{_sc(v.new_score, v.new_change)}"
                )
            if len(ch.changed_values) > 50:
                lines.append(f"  ... and {len(ch.changed_values) - 50} more (see the score_history table)")
    if outcome.crawl_note:
        lines.append(f"note: {outcome.crawl_note}")
    for r in outcome.rejects:
        lines.append(f"rejected {r.path}: [{r.stage}/{r.code}] {r.message.splitlines()[0]}")
    if outcome.checks:
        lines.append(f"cross-page checks: {len(outcome.checks)} failed (see the checks table)")
        for f in outcome.checks[:30]:
            lines.append(f"  [{f.check}] {f.message}")
        if len(outcome.checks) > 30:
            lines.append(f"  ... and {len(outcome.checks) - 30} more")
    if outcome.reconciliation is not None:
        lines.extend(outcome.reconciliation.summary_lines())
        lines.append(f"reconciliation report: {outcome.report}")
    if outcome.search_note:
        lines.append(f"note: full-text search is not available: {outcome.search_note}")
    if outcome.exported:
        lines.append(f"exported {len(outcome.exported)} tables to {outcome.exported[0].parent}/")
    if outcome.manifest_note:
        lines.append(f"note: {outcome.manifest_note}")
    lines += [f"note: {note}" for note in outcome.notes]
    if outcome.report_html:
        lines.append(f"report: {outcome.report_html}")
    elif outcome.report_note:
        lines.append(f"note: the report could not be written: {outcome.report_note}")
    lines.append(f"database: {outcome.db}")
    return "\n".join(lines)


def _sc(score, change) -> str:
    return "none" if score is None else f"{score}" + ("" if change is None else f" ({change:+})")


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, with where to look (exit 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m pipeline.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"ocindex-pipeline {__version__}")
    p.add_argument("--raw-dir", type=_path, default=Path("raw"), help="folder of raw pages")
    p.add_argument("--extracted-dir", type=_path, default=Path("extracted"), help="folder for records and reports")
    p.add_argument("--db", type=_path, default=None, help="DuckDB file (default: EXTRACTED_DIR/ocindex.duckdb)")
    p.add_argument("--fetch", action="store_true", help="crawl the site into the raw folder first")
    p.add_argument("--base-url", default="https://ocindex.net", help="site to crawl")
    p.add_argument("--editions", default=",".join(map(str, GLOBAL_EDITIONS)), help="editions to crawl, comma-separated")
    p.add_argument(
        "--countries", default="", help="countries to crawl: ISO3 codes or slugs, comma-separated (default: all 193)"
    )
    p.add_argument(
        "--workbook", type=Path, default=None, help="cross-check the database against the official workbook (.xlsx)"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when any page is rejected or a cross-page check fails")
    p.add_argument(
        "--export",
        action="append",
        choices=sorted(FORMATS),
        default=[],
        help="also write every table to EXTRACTED_DIR/export/ in this format (repeatable)",
    )
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="processes that parse in parallel")
    p.add_argument(
        "--wait-lock",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another run holds the database, wait up to this long (else exit 75 at once)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log each step")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success; problems go to stderr")
    add_arguments(p)
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    from pipeline.batch import Settings

    try:
        editions = tuple(int(e) for e in args.editions.split(",") if e.strip())
    except ValueError:
        raise UsageError(f"--editions {args.editions!r}: expected years like 2021,2023,2025") from None
    bad = [e for e in editions if e not in GLOBAL_EDITIONS]
    if bad:
        raise UsageError(f"--editions: {bad} not crawlable; choose among {', '.join(map(str, GLOBAL_EDITIONS))}")
    politeness = Politeness(**{k[6:]: v for k, v in vars(args).items() if k.startswith("fetch_") and v is not None})
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


def check_options(args: argparse.Namespace) -> None:
    """Refuse options that cannot work, before anything is touched (exit 2)."""
    try:
        url = urlsplit(args.base_url)
    except ValueError as exc:
        raise UsageError(f"--base-url {args.base_url!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UsageError(f"--base-url {args.base_url!r}: expected an http(s) URL like https://ocindex.net")
    for name, low, inclusive in (("delay", 0, True), ("read_timeout", 0, False), ("connect_timeout", 0, False),
                                 ("backoff", 0, True), ("max_wait", 0, True), ("retries", 0, True),
                                 ("max_bytes", 0, False), ("deadline", 0, False),
                                 ("max_server_errors", 1, True)):  # fmt: skip
        value = getattr(args, f"fetch_{name}")
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            flag = "--" + {"read_timeout": "timeout"}.get(name, name).replace("_", "-")
            raise UsageError(f"{flag} {value}: expected a finite number {'>=' if inclusive else '>'} {low}")
    if not args.fetch_contact.isascii() or not args.fetch_contact.isprintable():
        raise UsageError("--contact: printable ASCII only (it goes into the User-Agent header)")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected 1 or more")
    if not math.isfinite(args.wait_lock) or args.wait_lock < 0:
        raise UsageError(f"--wait-lock {args.wait_lock}: expected seconds, 0 or more")
    for flag, path in (("--raw-dir", args.raw_dir), ("--extracted-dir", args.extracted_dir)):
        if str(path) in ("", ".") and path != Path("."):
            raise UsageError(f"{flag}: a folder is needed")
        if path.exists() and not path.is_dir():
            raise UsageError(f"{flag} {path}: is a file, not a folder")
    if args.db is not None and (str(args.db).strip() in ("", ".") or args.db.is_dir()):
        raise UsageError(f"--db {str(args.db)!r}: expected a database file, not a folder")
    outputs = {"manifest.json": False, "reconciliation.md": False, "report.html": False, "logs": True}
    if args.export:
        outputs["export"] = True
    for name, folder in outputs.items():
        path = args.extracted_dir / name
        if path.exists() and path.is_dir() != folder:
            kind = "folder" if folder else "file"
            raise UsageError(f"{path} is in the way: the run writes a {kind} there; move it aside and re-run")


def _path(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


def last_resort(exc: BaseException, extracted: Path) -> str:
    """Where the traceback of an unexpected error went (a log file, never the terminal)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    for folder in (extracted / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"pipeline-run-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    return "(no writable folder for the log)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("pipeline.crawl.fetch").setLevel(logging.WARNING if args.quiet else logging.INFO)
    try:
        check_options(args)
        settings = settings_from(args)
        if not settings.raw_dir.is_dir() and not settings.fetch:
            raise UsageError(f"the raw folder {settings.raw_dir} does not exist (use --raw-dir, or --fetch to crawl)")
        from pipeline.batch import run

        outcome = run(settings)
    except UsageError as exc:
        print(f"pipeline.run: {exc}", file=sys.stderr)
        return 2
    except DatabaseBusy as exc:
        print(f"pipeline.run: the database is busy, nothing was done; try again later: {exc}", file=sys.stderr)
        return 75
    except PipelineError as exc:
        print(f"pipeline.run: the run did not complete, the database is unchanged: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("pipeline.run: interrupted; the database is as it was before the run", file=sys.stderr)
        return 130
    except Exception as exc:  # the last resort: a message and a log file, never a traceback on the terminal
        log = last_resort(exc, args.extracted_dir)
        print(f"pipeline.run: the run did not complete ({exc.__class__.__name__}: {str(exc)[:200]}); the database "
              f"is unchanged; the details are in {log}", file=sys.stderr)  # fmt: skip
        return 3
    failed = bool(outcome.rejects or outcome.checks)
    if not args.quiet:
        print(summary(outcome))
    elif failed:
        print(summary(outcome), file=sys.stderr)
    return 1 if settings.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
