"""`python -m pipeline.search WORDS`: full-text search in the analysis text (BM25 ranking).

python -m pipeline.search "cocaine port Antwerp" [--db extracted/ocindex.duckdb] [--edition 2023] [--limit 10]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from pipeline.cli.ending import finish
from pipeline.warehouse.fulltext import SearchUnavailable, search


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.search", description=__doc__.splitlines()[0])
    p.add_argument("query", help="words to look for (stemmed, BM25-ranked)")
    p.add_argument("--db", type=Path, default=Path("extracted/ocindex.duckdb"))
    p.add_argument("--edition", type=int)
    p.add_argument("--limit", type=int, default=10)
    args = p.parse_args(argv)
    if not args.db.exists():
        print(f"pipeline.search: {args.db} does not exist; run python -m pipeline.run first", file=sys.stderr)
        return 2
    try:
        rows = search(args.db, args.query, args.edition, args.limit)
    except (SearchUnavailable, duckdb.Error) as exc:
        print(f"pipeline.search: {exc}", file=sys.stderr)
        return 2
    for edition, entity, title, score, excerpt in rows:
        print(f"{score:7.3f}  {edition} {entity} — {title}: {excerpt}…")
    if not rows:
        print("no section matches")
    return 0


if __name__ == "__main__":
    finish(main)
