"""The data dictionary, generated from the comments in the database (README section kept current).

The command is `python -m pipeline.dictionary` (`pipeline/dictionary.py`).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

START, END = "<!-- dictionary:start -->", "<!-- dictionary:end -->"


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
            for col, typ, doc in con.execute("""SELECT column_name, data_type, comment FROM duckdb_columns()
                                                WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index""",
                                             [name]).fetchall():
                lines.append(f"| `{col}` | {typ} | {doc or ''} |")
            lines.append("")
        lines += ["### Views", "", "| view | what it shows |", "|---|---|"]
        lines += [f"| `{name}` | {comment or ''} |" for name, comment in views]
        return "\n".join(lines).rstrip() + "\n"
    finally:
        con.close()


def replace_section(text: str, body: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {START} ... {END} section")
    return pattern.sub(lambda _: f"{START}\n{body}{END}", text)
