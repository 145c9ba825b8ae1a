"""`python -m pipeline.report`: (re)write the report from the database.

python -m pipeline.report [--db extracted/ocindex.duckdb] [--out extracted/report.html]

Exit status: 0 written; 2 usage error (no database); 3 the report could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli.ending import finish


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.report", description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=Path("extracted/ocindex.duckdb"), help="the database to report on")
    p.add_argument("--out", type=Path, default=None, help="the report file (default: report.html beside the database)")
    args = p.parse_args(argv)
    if not args.db.is_file():
        print(f"pipeline.report: {args.db} does not exist; run python -m pipeline.run first", file=sys.stderr)
        return 2
    import duckdb

    from pipeline.warehouse.report_page import write_report

    out = args.out or args.db.with_name("report.html")
    if out.is_dir() or not out.name:
        print(f"pipeline.report: --out {out}: is a folder; name the report file (report.html)", file=sys.stderr)
        return 2
    try:
        write_report(args.db, out)
    except (duckdb.Error, OSError) as exc:
        print(f"pipeline.report: the report could not be written: {exc}", file=sys.stderr)
        return 3
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    finish(main)
