"""The batch run: [fetch ->] store -> parse -> validate -> load, then a summary.

python -m pipeline.run                       # every page under raw/ -> extracted/ -> extracted/ocindex.duckdb
python -m pipeline.run --fetch               # crawl ocindex.net into raw/ first (polite defaults)

Exit status: 0 when the run completed (rejected pages included, they are listed; --strict makes a
rejected page exit 1); 2 for a usage error; 3 when the run could not complete, and then the database
is left as it was; 75 when another run holds the database (try again later); 130 when interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Light on purpose: spawned parse workers re-import this module (as `__mp_main__`), and forked ones copy it, so
# the settings' readers (pydantic-settings) and the batch itself (DuckDB, Arrow, the loader) are imported
# only when a run starts.
from pipeline.cli.ending import finish, keep_status, say
from pipeline.cli.foundation import log_format_of, run_command
from pipeline.cli.logs import setup

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
    lines += [f"crawl: {line}" for line in outcome.crawl_summary]
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
        lines.append(f"reconciliation report: {outcome.reconciliation_md}")
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


def main(argv: list[str] | None = None, prog: str = "ocindex run") -> int:
    keep_status()
    fmt, extracted = log_format_of(argv), Path("extracted")
    box: dict[str, Any] = {}  # what the run made: its settings and outcome

    def body() -> int:
        nonlocal fmt, extracted
        from pipeline.cli.options import run_parser, settings_from

        given = vars(run_parser(prog, __doc__.split("\n\n")[0]).parse_args(argv))
        settings = box["settings"] = settings_from(given)
        fmt, extracted = settings.log_format, settings.extracted_dir
        setup(settings.verbose, settings.quiet, fmt)
        if settings.plan:  # what a crawl would request, and why: nothing is fetched or written
            from pipeline.batch.flow import plan_crawl

            box["plan"] = plan_crawl(settings)
            return 0
        from pipeline.batch.flow import run

        box["outcome"] = run(settings)
        return 0

    code = run_command("run", body, fmt, lambda: extracted)
    if code:
        if fmt == "json":
            fields = ("run_id", "pages_seen", "pages_parsed", "pages_loaded", "pages_rejected")
            say(json.dumps({**dict.fromkeys(fields), "status": "failed", "exit_code": code}))
        return code
    if "plan" in box:
        say(box["plan"])
        return 0
    settings, outcome = box["settings"], box["outcome"]
    failed = bool(outcome.rejects or outcome.checks)
    code = 1 if settings.strict and failed else 0
    if fmt == "json":
        if not settings.quiet or failed:
            say(json.dumps(summary_json(outcome, code), ensure_ascii=False))
    elif not settings.quiet:
        say(summary(outcome))
    elif failed:
        say(summary(outcome), sys.stderr)
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


if __name__ == "__main__":
    finish(main)
