"""Bulk loading into DuckDB: rows become one Arrow table and one INSERT ... SELECT.

No per-row round trips: DuckDB scans the Arrow table in place (STYLE.md: a list per column through
`unnest(?)` is as fast on DuckDB 2, but DuckDB 1.5 probes for pandas on every value without it).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa


def insert_rows(con: duckdb.DuckDBPyConnection, target: str, cols: Sequence[tuple[str, str]],
                data: Sequence[tuple]) -> None:
    """Rows (tuples in column order) into `target`, cast to each column's SQL type."""
    if not data:
        return
    pool = pa.system_memory_pool()  # returns freed memory at once: the loader's footprint stays flat
    batch = pa.table({f"c{n}": pa.array(list(values), memory_pool=pool) for n, values in enumerate(zip(*data))})
    names = ", ".join(f'"{c}"' for c, _ in cols)
    select = ", ".join(f"CAST(c{n} AS {t})" for n, (_, t) in enumerate(cols))
    con.register("_batch", batch)
    try:
        con.execute(f"INSERT INTO {target} ({names}) SELECT {select} FROM _batch")
    finally:
        con.unregister("_batch")
