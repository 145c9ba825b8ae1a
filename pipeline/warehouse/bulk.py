"""Bulk loading into DuckDB: rows become one Arrow table and one INSERT ... SELECT, by column name.

No per-row round trips: DuckDB scans the Arrow table in place (STYLE.md: a list per column through
`unnest(?)` is as fast on DuckDB 2, but DuckDB 1.5 probes for pandas on every value without it).
Every insert names its columns: a value can only land in the column of its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from pipeline.warehouse.schema import Column

SMALL = 16


def insert(
    con: duckdb.DuckDBPyConnection, target: str, columns: Sequence[Column], data: Mapping[str, Sequence[Any]]
) -> None:
    """Rows given column by column (`data`: column name -> values) into `target`, each value cast to its
    column's type. Every column of `columns` must be in `data`, with as many values each."""
    n = len(data.get(columns[0].name, ())) if columns else 0
    if not n:
        return
    names = ", ".join(f'"{c.name}"' for c in columns)
    if n <= SMALL:  # a ledger row: not worth an Arrow table (its first use imports pyarrow.dataset)
        values = ", ".join(f"CAST(? AS {c.sql_type})" for c in columns)
        con.executemany(
            f"INSERT INTO {target} ({names}) VALUES ({values})",
            [list(row) for row in zip(*(data[c.name] for c in columns))],
        )
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
