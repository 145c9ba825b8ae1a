"""`python -m pipeline.dictionary`: the data dictionary, generated from the comments in the database.

python -m pipeline.dictionary [--db extracted/ocindex.duckdb] [--write README.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from pipeline.cli.ending import finish
from pipeline.files import write_atomic
from pipeline.warehouse.data_dictionary import CODES_END, CODES_START, codes_table, dictionary, replace_section


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.dictionary", description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=Path("extracted/ocindex.duckdb"))
    p.add_argument("--write", type=Path, help="replace the dictionary and issue-code sections of this file (README.md)")
    args = p.parse_args(argv)
    if not args.db.is_file():
        print(
            f"pipeline.dictionary: {args.db} is not a database file; run python -m pipeline.run first", file=sys.stderr
        )
        return 2
    try:
        body = dictionary(args.db)
    except duckdb.Error as exc:
        return _fail(f"cannot read {args.db}: {str(exc).splitlines()[0]}")
    if args.write is None:
        sys.stdout.write(body)
        return 0
    try:
        text = replace_section(args.write.read_text(encoding="utf-8"), body)
        write_atomic(args.write, replace_section(text, codes_table(), CODES_START, CODES_END).encode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(
            f"pipeline.dictionary: cannot rewrite {args.write}: {getattr(exc, 'strerror', None) or exc}",
            file=sys.stderr,
        )
        return 2
    except ValueError as exc:  # the markers are missing
        return _fail(f"{args.write}: {exc}; add the markers where the sections go")
    return 0


def _fail(message: str) -> int:
    print(f"pipeline.dictionary: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    finish(main)
