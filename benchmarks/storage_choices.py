"""The three storage choices of 0.6, measured on a database a run made: each against what it replaced.

python benchmarks/storage_choices.py DB   (DB: a run's ocindex.duckdb, e.g. after benchmarks/run.py)

- the sections' text stored with zstd, against DuckDB's own choice (a dictionary with FSST);
- the current tables without a declared key, against with one (DuckDB keeps an index for it);
- the search index built with automerge 8 and no final merge, against FTS5's defaults and an `optimize`.

Each is timed in the build's configuration (48 MB pool, one thread) and printed as a ratio of the two, with
the file sizes. The benchmark corpus repeats one real analysis on every page, which zstd compresses far better
than real pages would: the text is also measured with its words shuffled (the same vocabulary, no repeats).
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.warehouse import fulltext
from pipeline.warehouse.schema import CURRENT, TABLE, ddl

CONFIG = {"memory_limit": "48MB", "threads": 1, "checkpoint_threshold": "1MB"}
ROUNDS = 3


def best(times: list[float]) -> float:
    return min(times)


def write(folder: Path, tables: dict[str, pa.Table], statements: list[str]) -> tuple[float, int]:
    """Seconds to insert, commit and checkpoint the tables into a new file made by `statements`; its size."""
    path = folder / "choice.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config=CONFIG)
    con.execute(";\n".join(statements))
    start = time.perf_counter()
    con.execute("BEGIN")
    for name, arrow in tables.items():  # noqa: B007 (`arrow` is found by DuckDB's replacement scan)
        con.execute(f"INSERT INTO {name} SELECT * FROM arrow")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - start
    con.close()
    return seconds, path.stat().st_size


def shuffled(text: pa.ChunkedArray) -> pa.Array:
    words = " ".join(text.to_pylist()[:50]).split()
    rng = random.Random(1)
    return pa.array([" ".join(rng.choice(words) for _ in range(len(t.split()))) for t in text.to_pylist()])


def text_choice(folder: Path, sections: pa.Table) -> list[str]:
    out = []
    for label, table in (("as in the corpus", sections), ("words shuffled", sections.set_column(
            sections.schema.get_field_index("text"), "text", shuffled(sections.column("text"))))):  # fmt: skip
        found = {}
        for choice in ("zstd", "default"):
            stmt = ddl(TABLE["sections"])[0]
            if choice == "default":
                stmt = stmt.replace(" USING COMPRESSION zstd", "")
            runs = [write(folder, {"sections": table}, [stmt]) for _ in range(ROUNDS)]
            found[choice] = (best([s for s, _ in runs]), runs[0][1])
        (z, zs), (d, ds) = found["zstd"], found["default"]
        out.append(f"sections' text, {label}: zstd {z:.3f} s, {zs / 1e6:.1f} MB; DuckDB's choice {d:.3f} s, "
                   f"{ds / 1e6:.1f} MB; time {z / d:.2f}x, size {zs / ds:.2f}x")  # fmt: skip
    return out


def key_choice(folder: Path, tables: dict[str, pa.Table]) -> str:
    found = {}
    for declared in (False, True):
        statements = []
        for name in tables:
            stmt = ddl(TABLE[name])[0]
            if declared:
                stmt = stmt.rstrip(")") + f", PRIMARY KEY ({', '.join(TABLE[name].key)}))"
            statements.append(stmt)
        runs = [write(folder, tables, statements) for _ in range(ROUNDS)]
        found[declared] = (best([s for s, _ in runs]), runs[0][1])
    (n, ns), (k, ks) = found[False], found[True]
    return (f"current tables: no declared key {n:.3f} s, {ns / 1e6:.1f} MB; with one {k:.3f} s, {ks / 1e6:.1f} MB; "
            f"time {n / k:.2f}x, size {ns / ks:.2f}x")  # fmt: skip


def index_choice(folder: Path, rows: list[tuple]) -> str:
    found = {}
    for label, setup, optimize in (("automerge 8, no optimize", True, False), ("defaults, optimize", False, True)):
        times, size = [], 0
        for _ in range(ROUNDS):
            path = folder / "index.sqlite"
            path.unlink(missing_ok=True)
            con = sqlite3.connect(path)
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
            unindexed = ", ".join(f"{f} UNINDEXED" for f in fulltext.FIELDS[:-2])
            con.execute(f"CREATE VIRTUAL TABLE sections USING fts5({unindexed}, title, text, "
                        f"tokenize = '{fulltext.TOKENIZE}')")  # fmt: skip
            start = time.perf_counter()
            if setup:
                con.execute("INSERT INTO sections (sections, rank) VALUES ('automerge', 8)")
            con.executemany(fulltext.INSERT, ((i, *row) for i, row in enumerate(rows, start=1)))
            if optimize:
                con.execute("INSERT INTO sections (sections) VALUES ('optimize')")
            con.commit()
            times.append(time.perf_counter() - start)
            con.close()
            size = path.stat().st_size
        found[label] = (best(times), size)
    (a, asz), (b, bsz) = found.values()
    return (f"search index: automerge 8, no optimize {a:.3f} s, {asz / 1e6:.1f} MB; FTS5's defaults and optimize "
            f"{b:.3f} s, {bsz / 1e6:.1f} MB; time {a / b:.2f}x, size {asz / bsz:.2f}x")  # fmt: skip


def main(db: str) -> None:
    con = duckdb.connect(db, read_only=True)
    tables = {name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in CURRENT}
    rows = list(fulltext.Sections(con.cursor()).rows())
    con.close()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        folder = Path(tmp)
        for line in [*text_choice(folder, tables["sections"]), key_choice(folder, tables), index_choice(folder, rows)]:
            print(line)


if __name__ == "__main__":
    main(sys.argv[1])
