"""`python -m pipeline.export`: write the database's tables and views as Parquet or CSV files.

python -m pipeline.export [--format parquet|csv|csv,parquet] [--tables scores,ranks,...] [--db ...] [--out DIR]

Exit status: 0 written; 2 usage error (no database, an unknown format or table); 3 could not write.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli.ending import finish
from pipeline.warehouse.to_files import FORMATS


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.export", description=__doc__.splitlines()[0])
    p.add_argument("--format", default="parquet", help=f"{' or '.join(FORMATS)}, or both comma-separated")
    p.add_argument("--tables", default="", help="tables and views to write, comma-separated (default: all)")
    p.add_argument("--db", type=Path, default=Path("extracted/ocindex.duckdb"))
    p.add_argument("--out", type=Path, default=None, help="folder to write to (default: export/ beside the database)")
    args = p.parse_args(argv)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if not formats or bad:
        print(f"pipeline.export: --format {args.format!r}: choose {', '.join(FORMATS)} (or both, comma-separated)",
              file=sys.stderr)  # fmt: skip
        return 2
    if not args.db.is_file():
        print(f"pipeline.export: {args.db} does not exist; run python -m pipeline.run first", file=sys.stderr)
        return 2
    import duckdb

    from pipeline.warehouse.to_files import export

    names = [t.strip() for t in args.tables.split(",") if t.strip()] or None
    out = args.out or args.db.parent / "export"
    if out.exists() and not out.is_dir():
        print(f"pipeline.export: {out} is a file; the exports go into a folder (--out DIR)", file=sys.stderr)
        return 2
    written: list[Path] = []
    try:
        for fmt in formats:
            written += export(args.db, out, fmt, names)
    except KeyError as exc:
        print(f"pipeline.export: {exc.args[0]}", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as exc:
        print(f"pipeline.export: could not write the exports: {exc}", file=sys.stderr)
        return 3
    print(f"exported {len(written)} file(s) to {out}/")
    return 0


if __name__ == "__main__":
    finish(main)
