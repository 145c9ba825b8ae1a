"""Searching the sections' full-text index (`fulltext.py` writes it): what a person typed as an FTS5 query, and the
best sections for it, each with the passage that matched."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.warehouse.fulltext import SNIPPET_WORDS, IndexUnreadable, SearchUnavailable, current_state, open_checked


@dataclass(frozen=True)
class Hit:
    edition: int
    entity_kind: str
    entity: str
    iso3: str | None
    ordinal: int
    title: str
    score: float  # BM25, higher is better
    snippet: str  # the passage that matched, the matched words between [ and ]


_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_OPERATORS = {"OR", "NOT", "AND"}


def fts_query(text: str) -> str:
    """The FTS5 query for what a person typed: every word must match (in any order, stemmed), "words in
    quotes" match as a phrase, and OR / NOT / AND in capitals are operators. Anything else FTS5 would read
    as syntax (a hyphen, a colon, a star) is taken as text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, in the arguments (surrogate escapes)
        raise SearchUnavailable("the query is not UTF-8 text; type it again") from None
    out: list[str] = []
    for m in _TERM.finditer(text):
        phrase, word = m.group(1), m.group(2)
        if word in _OPERATORS and out and out[-1] not in _OPERATORS:
            out.append(word)
            continue
        words = (phrase if phrase is not None else word).replace('"', " ").split()
        if words:
            out.append('"' + " ".join(words) + '"')
    while out and out[-1] in _OPERATORS:
        out.pop()
    if not out:
        raise SearchUnavailable("the query has no words to look for")
    return " ".join(out)


SEARCH_SQL = f"""
SELECT edition, entity_kind, entity, iso3, ordinal, title, -bm25(sections, 0, 0, 0, 0, 0, 0, 2.0, 1.0) AS score,
       snippet(sections, 7, '[', ']', '…', {SNIPPET_WORDS}) AS passage
FROM sections
WHERE sections MATCH ? AND (? IS NULL OR edition = ?)
ORDER BY score DESC, edition, entity_kind, entity, ordinal
LIMIT ?"""


def open_index(db: Path) -> sqlite3.Connection:
    """The index file the database names, opened and checked (`open_checked`). If it cannot be read (gone:
    two runs published since the database was read), the database is read again, once."""
    for attempt in (1, 2):
        con = duckdb.connect(str(db), read_only=True)
        try:
            state = current_state(con)
        finally:
            con.close()
        if state is None:
            raise SearchUnavailable(f"{db} has no search index; run `ocindex run` to build it")
        try:
            return open_checked(db, state)
        except IndexUnreadable:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def search(db: Path, query: str, edition: int | None = None, limit: int = 10) -> list[Hit]:
    """The sections that match `query` (see `fts_query`), best first: BM25 with the title weighing twice the
    text; ties in a fixed order, so the same index gives the same answer every time."""
    index = open_index(db)
    try:
        rows = index.execute(SEARCH_SQL, [fts_query(query), edition, edition, limit]).fetchall()
    except sqlite3.OperationalError as exc:
        raise SearchUnavailable(f"the query cannot be read: {exc}") from None
    finally:
        index.close()
    return [Hit(int(e), k, n, i, int(o), t, round(float(s), 3), p) for e, k, n, i, o, t, s, p in rows]
