"""`ocindex report` (`python -m pipeline.report`): (re)write the report from the database.

Exit status: 0 written; 2 usage error (no database); 3 the report could not be written; 75 the database is
held by another program.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.cli.ending import finish, say
from pipeline.cli.foundation import command, log_format_of, logs_beside_db, open_db, run_command
from pipeline.errors import RunError, UsageError


def main(argv: list[str] | None = None) -> int:
    p = command("report", __doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=None, help="the report file (default: report.html beside the database)")

    def body() -> int:
        args = p.parse_args(argv)
        db = args.db
        out = args.out or db.with_name("report.html")
        if out.is_dir() or not out.name:
            raise UsageError(f"--out {out}: is a folder; name the report file (report.html)")
        import duckdb

        from pipeline.warehouse.report_page import gather, write_gathered

        con = open_db(db)
        try:
            data = gather(con)
        except duckdb.Error as exc:
            raise RunError(f"the report's data could not be read from {db}: {exc}") from None
        finally:
            con.close()
        try:
            write_gathered(data, out)
        except OSError as exc:
            raise RunError(f"the report could not be written to {out}: {exc.strerror or exc}") from None
        if not args.quiet:
            say(f"report: {out}")
        return 0

    return run_command("report", body, log_format_of(argv), logs_beside_db(argv))


if __name__ == "__main__":
    finish(main)
