"""Bulk loading into DuckDB: rows become one Arrow table and one INSERT ... SELECT, by column name.

No per-row round trips: DuckDB scans the Arrow table in place. A few rows (a ledger row, a run after one page
changed) go as a list per column through `unnest`, which needs no Arrow: importing it would cost more than the
insert (docs/PERFORMANCE.md). Once a run has imported Arrow, all but a handful of rows go through it: `unnest`
converts each value on its own, and 1,200 rank rows took it three times as long. Every insert names its columns:
a value can only land in the column of its name.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from pipeline.warehouse.schema import Column

SMALL = 2000  # rows up to which `unnest` is quicker than importing Arrow and building a table
TINY = 16  # rows up to which `unnest` is quicker than building a table even with Arrow imported already


def insert(
    con: duckdb.DuckDBPyConnection, target: str, columns: Sequence[Column], data: Mapping[str, Sequence[Any]]
) -> None:
    """Rows given column by column (`data`: column name -> values) into `target`, each value cast to its
    column's type. Every column of `columns` must be in `data`, with as many values each."""
    n = len(data.get(columns[0].name, ())) if columns else 0
    if not n:
        return
    names = ", ".join(f'"{c.name}"' for c in columns)
    if n <= TINY or (n <= SMALL and "pyarrow" not in sys.modules):  # the lists, unnested side by side
        values = ", ".join(f"CAST(unnest(${i}) AS {c.sql_type})" for i, c in enumerate(columns, start=1))
        con.execute(f"INSERT INTO {target} ({names}) SELECT {values}", [list(data[c.name]) for c in columns])
        return
    import pyarrow as pa

    pool = pa.system_memory_pool()  # returns freed memory at once: the loader's footprint stays flat
    incoming = pa.table({c.name: pa.array(list(data[c.name]), memory_pool=pool) for c in columns})  # noqa: F841
    select = ", ".join(f'CAST("{c.name}" AS {c.sql_type})' for c in columns)
    # `incoming` is found by DuckDB's replacement scan (a local Arrow table), not registered: each
    # register/unregister pair keeps some memory, which would grow with the corpus.
    con.execute(f"INSERT INTO {target} ({names}) SELECT {select} FROM incoming")


def records(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Rows given one dict each (a few ledger rows) as the column-by-column form `insert` takes."""
    out: dict[str, list[Any]] = {}
    for row in rows:
        for name, value in row.items():
            out.setdefault(name, []).append(value)
    return out
