"""The full-text engines measured on the same sections: how the search index was chosen (issue 25).

python benchmarks/fulltext_engines.py DB [--repeat 3]

DB is a database a run made (its `sections` table). Times, each the best of --repeat, one thread where the
engine allows it:
- DuckDB's fts extension (`create_fts_index`, porter stemmer, English stop words), inside a copy of DB;
- SQLite FTS5 (Python's own sqlite3), porter over unicode61, to a file;
- tantivy (if its Python package is installed), the en_stem tokenizer, to a folder.
Then one query on each, to show that they find the same sections. Prints the section count and text volume.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def sections(db: Path) -> list[tuple[int, str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("""SELECT row_number() OVER (ORDER BY edition, entity_kind, entity, ordinal)::INTEGER,
                                     coalesce(title, ''), text FROM sections ORDER BY 1""").fetchall()
    finally:
        con.close()


def load_fts(con: duckdb.DuckDBPyConnection) -> bool:
    """DuckDB's fts extension, offline: installed already, or from the `duckdb-extension-fts` wheel built for
    this DuckDB (there is one up to DuckDB 1.5.5: measure it in a venv with duckdb==1.5.5 and that wheel)."""
    try:
        con.execute("LOAD fts")
        return True
    except duckdb.Error:
        pass
    try:
        import duckdb_extension_fts  # type: ignore[import-not-found]
    except ImportError:
        return False
    folder = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    for path in sorted(folder.glob("*.duckdb_extension")):
        try:
            con.execute(f"LOAD '{path}'")  # a path of the installed package
            return True
        except duckdb.Error:
            continue
    return False


def duckdb_fts(db: Path, tmp: Path) -> float:
    copy = tmp / "fts.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    try:
        if not load_fts(con):
            return float("nan")
        con.execute("SET threads = 1")
        con.execute("""CREATE OR REPLACE TABLE s AS SELECT row_number() OVER (ORDER BY edition, entity_kind, entity,
                       ordinal)::INTEGER AS id, coalesce(title, '') AS title, text FROM sections""")
        t = time.perf_counter()
        con.execute("PRAGMA create_fts_index('s', 'id', 'title', 'text', stemmer='porter', stopwords='english')")
        con.execute("CHECKPOINT")
        return time.perf_counter() - t
    finally:
        con.close()


def fts5(rows: list[tuple[int, str, str]], tmp: Path) -> float:
    path = tmp / "fts5.sqlite"
    path.unlink(missing_ok=True)
    t = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("CREATE VIRTUAL TABLE s USING fts5(title, text, tokenize = 'porter unicode61 remove_diacritics 2')")
    con.executemany("INSERT INTO s (rowid, title, text) VALUES (?, ?, ?)", rows)
    con.execute("INSERT INTO s (s) VALUES ('optimize')")
    con.commit()
    con.close()
    return time.perf_counter() - t


def tantivy_index(rows: list[tuple[int, str, str]], tmp: Path) -> float:
    try:
        import tantivy  # type: ignore[import-not-found]
    except ImportError:
        return float("nan")
    folder = tmp / "tantivy"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    t = time.perf_counter()
    schema = tantivy.SchemaBuilder()
    schema.add_integer_field("id", stored=True, indexed=True)
    schema.add_text_field("title", stored=False, tokenizer_name="en_stem")
    schema.add_text_field("text", stored=False, tokenizer_name="en_stem")
    index = tantivy.Index(schema.build(), path=str(folder))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for id_, title, text in rows:
        writer.add_document(tantivy.Document(id=id_, title=title, text=text))
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    rows = sections(args.db)
    volume = sum(len(t.encode()) + len(x.encode()) for _, t, x in rows)
    with tempfile.TemporaryDirectory(prefix="ocfts-") as tmpdir:
        tmp = Path(tmpdir)
        figures = {
            "DuckDB fts (create_fts_index, 1 thread)": min(duckdb_fts(args.db, tmp) for _ in range(args.repeat)),
            "SQLite FTS5 (porter unicode61, to a file)": min(fts5(rows, tmp) for _ in range(args.repeat)),
            "tantivy (en_stem, 1 thread, to a folder)": min(tantivy_index(rows, tmp) for _ in range(args.repeat)),
        }
    print(f"sections: {len(rows):,}, text: {volume / 2**20:.1f} MB")
    fastest = min(v for v in figures.values() if v == v)
    for name, seconds in figures.items():
        told = "not available here" if seconds != seconds else f"{seconds:.2f} s ({seconds / fastest:.1f}x the fastest)"
        print(f"  {name:<44} {told}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
