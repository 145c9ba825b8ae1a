"""`ocindex dictionary` (`python -m pipeline.dictionary`): the data dictionary, generated from the comments in
the database (and the table of issue codes, from `extract/issues.py`).

Exit status: 0; 2 usage error (no database, a file without the markers); 75 the database is held by another
program.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.cli.ending import finish, say
from pipeline.cli.foundation import command, log_format_of, logs_beside_db, open_db, run_command
from pipeline.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    p = command("dictionary", __doc__.splitlines()[0])
    p.add_argument("--write", type=Path, help="replace the dictionary and issue-code sections of this file (docs)")

    def body() -> int:
        import duckdb

        from pipeline.files import write_atomic
        from pipeline.warehouse.data_dictionary import CODES_END, CODES_START, codes_table, dictionary, replace_section

        args = p.parse_args(argv)
        db = args.db
        open_db(db).close()  # held by another program: 75, naming it; not a database: 2
        try:
            body = dictionary(db)
        except duckdb.Error as exc:
            raise UsageError(f"cannot read {db}: {str(exc).splitlines()[0]}") from None
        if args.write is None:
            say(body.rstrip("\n"), sys.stdout)
            return 0
        try:
            text = replace_section(args.write.read_text(encoding="utf-8"), body)
            write_atomic(args.write, replace_section(text, codes_table(), CODES_START, CODES_END).encode("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot rewrite {args.write}: {getattr(exc, 'strerror', None) or exc}") from None
        except ValueError as exc:  # the markers are missing
            raise UsageError(f"{args.write}: {exc}; add the markers where the sections go") from None
        return 0

    return run_command("dictionary", body, log_format_of(argv), logs_beside_db(argv))


if __name__ == "__main__":
    finish(main)
