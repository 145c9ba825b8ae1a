"""`python -m pipeline.dictionary`: the data dictionary, generated from the comments in the database.

python -m pipeline.dictionary [--db extracted/ocindex.duckdb] [--write README.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.warehouse.dictionary import CODES_END, CODES_START, codes_table, dictionary, replace_section


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.dictionary", description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=Path("extracted/ocindex.duckdb"))
    p.add_argument("--write", type=Path, help="replace the dictionary and issue-code sections of this file (README.md)")
    args = p.parse_args(argv)
    if not args.db.exists():
        print(f"pipeline.dictionary: {args.db} does not exist; run python -m pipeline.run first", file=sys.stderr)
        return 2
    body = dictionary(args.db)
    if args.write:
        text = replace_section(args.write.read_text(encoding="utf-8"), body)
        args.write.write_text(replace_section(text, codes_table(), CODES_START, CODES_END), encoding="utf-8")
    else:
        sys.stdout.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
