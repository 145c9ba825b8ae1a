"""`ocindex export` (`python -m pipeline.export`): write the database's tables and views as Parquet or CSV files.

Exit status: 0 written; 2 usage error (no database, an unknown format or table); 3 could not write; 75 the
database is held by another program.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.cli.ending import finish, say
from pipeline.cli.foundation import command, log_format_of, logs_beside_db, open_db, run_command
from pipeline.errors import RunError, UsageError
from pipeline.settings import EXPORT_FORMATS


def main(argv: list[str] | None = None) -> int:
    p = command("export", __doc__.splitlines()[0])
    p.add_argument("--format", default="parquet", help=f"{' or '.join(EXPORT_FORMATS)}, or both comma-separated")
    p.add_argument("--tables", default="", help="tables and views to write, comma-separated (default: all)")
    p.add_argument("--out", type=Path, default=None, help="folder to write to (default: export/ beside the database)")

    def body() -> int:
        args = p.parse_args(argv)
        formats = [f.strip() for f in args.format.split(",") if f.strip()]
        if not formats or any(f not in EXPORT_FORMATS for f in formats):
            raise UsageError(f"--format {args.format!r}: choose {', '.join(EXPORT_FORMATS)} (or both, comma-separated)")
        db = args.db
        open_db(db).close()  # held by another program: 75, naming it; not a database: 2
        out = args.out or db.parent / "export"
        if out.exists() and not out.is_dir():
            raise UsageError(f"{out} is a file; the exports go into a folder (--out DIR)")
        import duckdb

        from pipeline.warehouse.to_files import export

        names = [t.strip() for t in args.tables.split(",") if t.strip()] or None
        written: list[Path] = []
        try:
            for fmt in formats:
                written += export(db, out, fmt, names)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        except (duckdb.Error, OSError) as exc:
            raise RunError(f"could not write the exports to {out}: {exc}") from None
        if not args.quiet:
            say(f"exported {len(written)} file(s) to {out}/")
        return 0

    return run_command("export", body, log_format_of(argv), logs_beside_db(argv))


if __name__ == "__main__":
    finish(main)
