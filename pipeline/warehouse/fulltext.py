"""Full-text search in the analysis text, with DuckDB's fts extension (BM25 ranking).

The command is `python -m pipeline.search` (`pipeline/search.py`).
The load stage builds the index (table `sections_search`, index schema `fts_main_sections_search`);
the extension comes with the `duckdb-extension-fts` package, so no download is needed.
"""

from __future__ import annotations

import glob
import os
import threading
from pathlib import Path

import duckdb

from pipeline.errors import PipelineError
from pipeline.warehouse.schema import _lit, identifier


def load_fts(con: duckdb.DuckDBPyConnection) -> str | None:
    """Load the fts extension; returns None when loaded, else why it could not be."""
    try:
        con.execute("LOAD fts")
        return None
    except duckdb.Error as first:
        reason = str(first).splitlines()[0]
    try:
        import duckdb_extension_fts
    except ImportError:
        return f"the fts extension is not installed ({reason})"
    folder = glob.escape(os.path.dirname(duckdb_extension_fts.__file__))  # a folder named `[x]` is no pattern
    for path in sorted(glob.glob(os.path.join(folder, "extensions", f"v{duckdb.__version__}", "*.duckdb_extension"))):
        try:
            con.execute(f"LOAD {_lit(path)}")  # the path of the installed package: any character
            return None
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0]
    return f"no fts extension for DuckDB {duckdb.__version__} ({reason})"


# How the index reads the text (the extension's defaults, named): the table's comment says it, and an index
# made with other options is built again.
INDEX_OPTIONS = {"stemmer": "porter", "stopwords": "english", "strip_accents": 1, "lower": 1}
TABLE_COMMENT = (
    "The analysis sections with a numeric id, indexed for full-text search (fts_main_sections_search.match_bm25: "
    + ", ".join(f"{k} {v}" for k, v in INDEX_OPTIONS.items())
    + ")."
)


def search_table(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build `sections_search`, the analysis sections with a document id, from `sections`."""
    con.execute("""CREATE OR REPLACE TABLE sections_search AS
                   SELECT row_number() OVER (ORDER BY edition, entity_kind, entity, ordinal)::INTEGER AS section_id,
                          edition, entity_kind, entity, iso3, ordinal, coalesce(title, '') AS title, text
                   FROM sections""")
    con.execute(f"COMMENT ON TABLE sections_search IS {_lit(TABLE_COMMENT)}")
    for column, doc in SEARCH_COLUMNS.items():
        con.execute(f"COMMENT ON COLUMN sections_search.{identifier(column)} IS {_lit(doc)}")


def index_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `sections_search` and its index, as the last run left them, are of exactly the sections now
    in `sections`, made with these options: then they stand (a run whose analysis text did not change
    does not build the index again, the costliest step of a publish). The section ids follow from the
    sections' keys, so the same sections have the same ids."""
    found = con.execute("""SELECT count(*) FROM duckdb_tables()
                           WHERE (schema_name = 'main' AND table_name = 'sections_search' AND comment = ?)
                              OR (schema_name = 'fts_main_sections_search' AND table_name = 'docs')""",
                        [TABLE_COMMENT]).fetchone()  # fmt: skip
    if not found or found[0] != 2:
        return False
    same = con.execute("""
        SELECT (SELECT count(*) FROM sections) = (SELECT count(*) FROM sections_search)
           AND (SELECT count(*) FROM fts_main_sections_search.docs) = (SELECT count(*) FROM sections_search)
           AND NOT EXISTS (SELECT edition, entity_kind, entity, iso3, ordinal, coalesce(title, ''), text FROM sections
                           EXCEPT ALL
                           SELECT edition, entity_kind, entity, iso3, ordinal, title, text FROM sections_search)""")
    row = same.fetchone()
    return bool(row and row[0])


def build_index(con: duckdb.DuckDBPyConnection) -> None:
    """The BM25 index of `sections_search` (the fts extension loaded, see load_fts)."""
    options = "".join(f", {k}={v!r}" for k, v in INDEX_OPTIONS.items())
    con.execute(f"PRAGMA create_fts_index('sections_search', 'section_id', 'title', 'text'{options}, overwrite=1)")


class Indexing:
    """`build_index` in a thread, on a connection of its own to the same database (outside any
    transaction: it loads the extension first): DuckDB runs it beside whatever the caller does next,
    as it releases the GIL. `wait` raises what the build raised, and returns why full-text search is
    unavailable (the extension could not be loaded), or None."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.error: BaseException | None = None
        self.unavailable: str | None = None
        self.cursor = con.cursor()
        self.thread = threading.Thread(target=self._run, name="search-index")
        self.thread.start()

    def _run(self) -> None:
        try:
            self.unavailable = load_fts(self.cursor)
            if self.unavailable is None:
                build_index(self.cursor)
        except BaseException as exc:  # handed to wait()
            self.error = exc
        finally:
            self.cursor.close()

    def wait(self) -> str | None:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.unavailable


SEARCH_COLUMNS = {
    "section_id": "Document id of the section in the full-text index.",
    "edition": "Edition of the page.",
    "entity_kind": "country or region.",
    "entity": "Entity the text is about.",
    "iso3": "ISO3 code of the country; NULL for a region.",
    "ordinal": "Position of the section on the page.",
    "title": "Section title (empty when untitled).",
    "text": "Full text of the section.",
}

SEARCH_SQL = """
SELECT edition, entity, title, round(score, 3) AS score, left(text, 160) AS excerpt
FROM (SELECT *, fts_main_sections_search.match_bm25(section_id, ?) AS score FROM sections_search)
WHERE score IS NOT NULL AND (? IS NULL OR edition = ?)
ORDER BY score DESC, edition, entity, title
LIMIT ?"""


class SearchUnavailable(PipelineError):
    """The fts extension cannot be loaded, so the index cannot be searched."""


def search(db: Path, query: str, edition: int | None = None, limit: int = 10) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        why = load_fts(con)
        if why:
            raise SearchUnavailable(f"full-text search is unavailable: {why}")
        return con.execute(SEARCH_SQL, [query, edition, edition, limit]).fetchall()
    finally:
        con.close()
