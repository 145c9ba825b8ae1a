"""Organized Crime Index profile pages -> validated records -> a DuckDB warehouse.

The Python API (the command line is `ocindex`, or `python -m pipeline.run` and its siblings):

    import pipeline

    record = pipeline.read_document(page_bytes, url="https://ocindex.net/2023/country/belgium")  # a typed Record
    data = pipeline.parse_page(page_bytes)               # the same record as JSON-able data (`ocindex parse`)
    outcome = pipeline.run_pipeline(raw_dir="raw", workers=2)   # a whole run (`ocindex run`); settings by name
    con = pipeline.connect()                             # the database, read-only (a DuckDB connection)
    hits = pipeline.search_analysis('"port of Antwerp"', edition=2023)   # full-text search (`ocindex search`)

Everything is imported on first use: `import pipeline` costs nothing. (`pipeline.run`, `pipeline.search`...
are the commands' modules, hence the longer names.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.9.1"

if TYPE_CHECKING:
    import duckdb

    from pipeline.batch.flow import Outcome
    from pipeline.extract.models import Record
    from pipeline.warehouse.search_query import Hit

# Where a run puts the database unless told otherwise (`--db`, `--extracted-dir`): every command's default.
DB_NAME = "ocindex.duckdb"
DEFAULT_DB = Path("extracted") / DB_NAME

__all__ = ["__version__", "connect", "parse_page", "read_document", "run_pipeline", "search_analysis"]


def read_document(data: bytes, *, path: str | None = None, url: str | None = None) -> Record:
    """The record of one document (a saved page, HTML, or the official workbook) as the contract's model;
    its errors and warnings are in `record.issues` (nothing is raised for a bad page)."""
    from pipeline.extract.document import read_document as read

    return read(data, path=path, url=url)


def parse_page(data: bytes, *, path: str | None = None, url: str | None = None) -> dict:
    """The record of one document as plain JSON-able data, as `ocindex parse` prints it."""
    from pipeline.extract.document import parse_page as parse

    return parse(data, path=path, url=url)


def run_pipeline(**settings: Any) -> Outcome:
    """A whole run, as `ocindex run` does it, with the same settings by option name (`raw_dir="raw"`,
    `wait_lock=60`, `fetch=True`), each checked as the command line checks it. Raises pipeline.errors.UsageError
    for settings that cannot work, RunError when the run cannot complete (the database is then as it was),
    DatabaseBusy when another run holds the database."""
    from pipeline.batch.flow import run as run_batch
    from pipeline.settings import build

    return run_batch(build(settings))


def connect(db: str | Path = DEFAULT_DB) -> duckdb.DuckDBPyConnection:
    """The database, opened read-only: safe beside a run (it keeps seeing the version it opened)."""
    import duckdb

    from pipeline.errors import UsageError

    if not Path(db).is_file():
        raise UsageError(f"{db}: no database there; run `ocindex run` first")
    return duckdb.connect(str(db), read_only=True)


def search_analysis(
    query: str, *, db: str | Path = DEFAULT_DB, edition: int | None = None, limit: int = 10
) -> list[Hit]:
    """The analysis sections that match `query`, best first, each with its matched passage (`Hit.snippet`)."""
    from pipeline.warehouse.search_query import search as find

    return find(Path(db), query, edition, limit)
