"""The example queries of the README and of docs/ run against a database of the three editions, and print
what they show; the data dictionary in docs/DATA.md is the one generated from the database's comments."""

from __future__ import annotations

import re

import duckdb
import pytest
from conftest import ROOT, copy_seed

from pipeline.run import main
from pipeline.warehouse.data_dictionary import CODES_END, CODES_START, END, START, codes_table, dictionary

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA = (ROOT / "docs" / "DATA.md").read_text(encoding="utf-8")
DOCS = README + "\n" + "".join(p.read_text(encoding="utf-8") + "\n" for p in sorted((ROOT / "docs").glob("*.md")))
EXAMPLE = re.compile(r"```sql\n(-- example: [^\n]*\n.*?)```\n\n(\|.*?)\n\n", re.S)


def markdown_table(cursor) -> str:
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def examples() -> list[tuple[str, str]]:
    return EXAMPLE.findall(DOCS)


def test_the_readme_has_the_examples():
    titles = [sql.splitlines()[0] for sql, _ in examples()]
    assert len(titles) >= 3 and len(EXAMPLE.findall(README)) >= 2, titles


@pytest.mark.parametrize(
    "sql, shown", [pytest.param(sql, shown, id=sql.splitlines()[0][len("-- example: ") :]) for sql, shown in examples()]
)
def test_readme_query_gives_the_output_shown(first_db, sql, shown):
    con = duckdb.connect(str(first_db), read_only=True)
    try:
        got = markdown_table(con.execute(sql))
    finally:
        con.close()
    assert got == shown.strip(), f"README example {sql.splitlines()[0]!r} drifted; it now prints:\n{got}"


def test_data_dictionary_is_current(workdir):
    copy_seed(workdir / "raw")
    assert main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")]) == 0
    section = DATA.split(START, 1)[1].split(END, 1)[0]
    generated = dictionary(workdir / "extracted" / "ocindex.duckdb")
    assert section.strip() == generated.strip(), "run: python -m pipeline.dictionary --write docs/DATA.md"


def test_issue_code_table_is_current():
    section = DATA.split(CODES_START, 1)[1].split(CODES_END, 1)[0]
    assert section.strip() == codes_table().strip(), "run: python -m pipeline.dictionary --write docs/DATA.md"


def test_every_sql_block_of_the_readme_returns_rows_on_the_first_database(first_db):
    blocks = re.findall(r"```sql\n(.*?)```", DOCS, re.S)
    assert blocks
    con = duckdb.connect(str(first_db), read_only=True)
    try:
        for sql in blocks:
            assert con.execute(sql).fetchall(), sql.splitlines()[0]
    finally:
        con.close()
