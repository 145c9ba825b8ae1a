"""The data dictionary, generated from the comments in the database (README section kept current).

The command is `python -m pipeline.dictionary` (`pipeline/dictionary.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.extract.issues import ERRORS, STAGES, WARNINGS

START, END = "<!-- dictionary:start -->", "<!-- dictionary:end -->"
CODES_START, CODES_END = "<!-- codes:start -->", "<!-- codes:end -->"


def dictionary(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("""SELECT table_name, comment FROM duckdb_tables()
                                WHERE schema_name = 'main' ORDER BY table_name""").fetchall()
        views = con.execute("""SELECT view_name, comment FROM duckdb_views()
                               WHERE schema_name = 'main' AND NOT internal ORDER BY view_name""").fetchall()
        lines = []
        for name, comment in tables:
            lines += [f"### `{name}`", "", comment or "", "", "| column | type | meaning |", "|---|---|---|"]
            for col, typ, doc in con.execute(
                """SELECT column_name, data_type, comment FROM duckdb_columns()
                                                WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index""",
                [name],
            ).fetchall():
                lines.append(f"| `{col}` | {typ} | {doc or ''} |")
            lines.append("")
        lines += ["### Views", "", "| view | what it shows |", "|---|---|"]
        lines += [f"| `{name}` | {comment or ''} |" for name, comment in views]
        return "\n".join(lines).rstrip() + "\n"
    finally:
        con.close()


def codes_table() -> str:
    """The issue codes (`extract/issues.py`) as a table: errors by stage, then warnings."""
    lines = ["| stage | error | meaning |", "|---|---|---|"]
    for stage in STAGES:
        lines += [f"| {stage} | `{code}` | {meaning} |" for code, (s, meaning) in ERRORS.items() if s == stage]
    lines += ["", "| warning (the page still loads) | meaning |", "|---|---|"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in WARNINGS.items()]
    return "\n".join(lines) + "\n"


def replace_section(text: str, body: str, start: str = START, end: str = END) -> str:
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {start} ... {end} section")
    return pattern.sub(lambda _: f"{start}\n{body}{end}", text)
