"""The batch run: [fetch ->] store -> parse -> validate -> load, then a summary.

python -m pipeline.run                       # every page under raw/ -> extracted/ -> extracted/ocindex.duckdb
python -m pipeline.run --fetch               # crawl ocindex.net into raw/ first (polite defaults)

Exit status: 0 when the run completed (rejected pages included, they are listed; --strict makes a
rejected page exit 1); 2 for a usage error; 3 when the run could not complete, and then the database
is left as it was; 75 when another run holds the database (try again later); 130 when interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

# Light on purpose: the parse workers are spawned and re-import this module (as `__mp_main__`), so
# the settings (`config`: pydantic-settings) and the batch itself (`batch`: DuckDB, Arrow, the loader)
# are imported only when a run starts.
from pipeline.cli.ending import drop_stdout, finish
from pipeline.cli.logs import event, setup
from pipeline.errors import DatabaseBusy, PipelineError, UsageError

if TYPE_CHECKING:
    from pipeline.batch.flow import Outcome


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


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.run") -> int:
    fmt, extracted = _wanted_format(argv), Path("extracted")
    try:
        from pipeline.config import check_options, parse, settings_from

        config = parse(argv, prog, __doc__.split("\n\n")[0])
        fmt, extracted = config.log_format, config.extracted_dir
        setup(config.verbose, config.quiet, fmt)
        check_options(config)
        settings = settings_from(config)
        if not settings.raw_dir.is_dir() and not settings.fetch:
            raise UsageError(f"the raw folder {settings.raw_dir} does not exist (use --raw-dir, or --fetch to crawl)")
        from pipeline.batch.flow import run

        outcome = run(settings)
    except UsageError as exc:
        return _failed(2, "usage_error", str(exc), fmt)
    except DatabaseBusy as exc:
        return _failed(75, "busy", f"the database is busy, nothing was done; try again later: {exc}", fmt)
    except PipelineError as exc:
        return _failed(3, "failed", f"the run did not complete, the database is unchanged: {exc}", fmt)
    except KeyboardInterrupt:
        return _failed(130, "interrupted", "interrupted; the database is as it was before the run", fmt)
    except Exception as exc:  # the last resort: a message and a log file, never a traceback on the terminal
        where = last_resort(exc, extracted)
        return _failed(3, "failed", f"the run did not complete ({exc.__class__.__name__}: {str(exc)[:200]}); the "
                       f"database is unchanged; the details are in {where}", fmt)  # fmt: skip
    failed = bool(outcome.rejects or outcome.checks)
    code = 1 if settings.strict and failed else 0
    try:
        if fmt == "json":
            if not config.quiet or failed:
                print(json.dumps(summary_json(outcome, code), ensure_ascii=False), flush=True)
        elif not config.quiet:
            print(summary(outcome), flush=True)
        elif failed:
            print(summary(outcome), file=sys.stderr)
    except BrokenPipeError:  # the reader stopped early (| head): the run is done all the same
        drop_stdout()
    return code


def summary_json(outcome: Outcome, exit_code: int) -> dict:
    """The run in one JSON object (stdout with --log-format json)."""
    s = outcome.stats
    return {
        "run_id": outcome.run_id,
        "status": s.status,
        "pages_seen": s.pages_seen,
        "pages_parsed": s.pages_parsed,
        "pages_loaded": s.pages_loaded,
        "pages_rejected": s.pages_rejected,
        "pages_fetched": s.pages_fetched,
        "values_changed": s.values_changed,
        "checks_failed": len(outcome.checks),
        "exit_code": exit_code,
        "rejects": [{"path": r.path, "stage": r.stage, "code": r.code} for r in outcome.rejects],
        "notes": [n for n in (outcome.crawl_note, outcome.manifest_note, outcome.report_note, *outcome.notes) if n],
        "database": str(outcome.db),
        "report": None if outcome.report_html is None else str(outcome.report_html),
    }


def _failed(code: int, status: str, message: str, fmt: str) -> int:
    """A run that did not complete: one line on stderr (a JSON event and a JSON summary with --log-format
    json), and its exit status."""
    if fmt == "json":
        event("run_failed", logging.ERROR, status=status, message=message, exit_code=code)
        fields = ("run_id", "pages_seen", "pages_parsed", "pages_loaded", "pages_rejected")
        print(json.dumps({**dict.fromkeys(fields), "status": status, "exit_code": code, "error": message}))
    else:
        print(f"pipeline.run: {message}", file=sys.stderr)
    return code


def _wanted_format(argv: list[str] | None) -> str:
    """The log format asked for, before the settings are read (a usage error is told in it too)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--log-format=json" or (arg == "--log-format" and args[i + 1 : i + 2] == ["json"]):
            if not logging.getLogger().handlers:
                setup(False, False, "json")
            return "json"
    return "text"


if __name__ == "__main__":
    finish(main)
