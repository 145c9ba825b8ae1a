"""Bulk loading into DuckDB: rows become one Arrow table and one INSERT ... SELECT.

No per-row round trips: DuckDB scans the Arrow table in place (STYLE.md: a list per column through
`unnest(?)` is as fast on DuckDB 2, but DuckDB 1.5 probes for pandas on every value without it).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

SMALL = 16


def insert_rows(con: duckdb.DuckDBPyConnection, target: str, cols: Sequence[tuple[str, str]],
                data: Sequence[tuple]) -> None:
    """Rows (tuples in column order) into `target`, whose columns are `cols` in that order, each value
    cast to its column's SQL type."""
    if not data:
        return
    if len(data) <= SMALL:  # a ledger row: not worth an Arrow table (its first use imports pyarrow.dataset)
        names = ", ".join(f'"{c}"' for c, _ in cols)
        values = ", ".join(f"CAST(? AS {t})" for _, t in cols)
        con.executemany(f"INSERT INTO {target} ({names}) VALUES ({values})", [list(r) for r in data])
        return
    pool = pa.system_memory_pool()  # returns freed memory at once: the loader's footprint stays flat
    batch = pa.table({f"c{n}": pa.array(list(values), memory_pool=pool) for n, values in enumerate(zip(*data))})
    select = ", ".join(f'CAST(c{n} AS {t}) AS "{c}"' for n, (c, t) in enumerate(cols))
    # from_arrow, not register(): each register/unregister pair keeps ~2 MB (measured on DuckDB 1.5.5),
    # which grows with the corpus. insert_into is positional: `cols` are the target's columns in order.
    con.from_arrow(batch).project(select).insert_into(target)
