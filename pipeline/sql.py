"""`ocindex sql "SELECT ..."` (`python -m pipeline.sql`): one read-only query of the database, its rows printed as
a table (the default), CSV (`--csv`) or JSON (`--json`: an array of objects by column name, as sqlite-utils
prints them).

Exit status: 0; 2 usage error (no database, a query that does not run: its error is named); 75 the database is
held by another program.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pipeline.cli.ending import finish, say
from pipeline.cli.foundation import command, log_format_of, logs_beside_db, open_db, run_command
from pipeline.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    p = command("sql", __doc__.splitlines()[0])
    p.add_argument("query", help="one SQL statement (read-only: the database is opened read-only)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--table", dest="fmt", action="store_const", const="table", help="aligned columns (default)")
    how.add_argument("--csv", dest="fmt", action="store_const", const="csv", help="CSV with a header row")
    how.add_argument("--json", dest="fmt", action="store_const", const="json", help="a JSON array of objects")

    def body() -> int:
        import duckdb

        args = p.parse_args(argv)
        con = open_db(args.db)
        try:
            cur = con.execute(args.query)
            names = [d[0] for d in cur.description or ()]
            rows = cur.fetchall() if names else []
        except duckdb.Error as exc:
            raise UsageError(f"the query did not run: {str(exc).splitlines()[0]}") from None
        finally:
            con.close()
        say(render(names, rows, args.fmt or "table"))
        return 0

    return run_command("sql", body, log_format_of(argv), logs_beside_db(argv))


def render(names: list[str], rows: list[tuple], fmt: str) -> str:
    """Rows as a table, CSV or JSON; NULL is empty in a table and CSV, null in JSON."""
    if fmt == "json":
        return json.dumps(
            [dict(zip(names, map(_json, row), strict=True)) for row in rows], ensure_ascii=False, indent=2
        )
    cells = [[_text(v) for v in row] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(cells)
        return out.getvalue().rstrip("\n")
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


if __name__ == "__main__":
    finish(main)
