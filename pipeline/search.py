"""`ocindex search WORDS` (`python -m pipeline.search`): full-text search in the analysis text (BM25 ranking).

Exit status: 0 (matches or none); 2 usage error (no database, no index); 75 the database is held by another
program.
"""

from __future__ import annotations

from pipeline.cli.ending import finish, say
from pipeline.cli.foundation import command, log_format_of, open_db, run_command
from pipeline.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    p = command("search", __doc__.splitlines()[0])
    p.add_argument("query", help="words to look for (stemmed, BM25-ranked)")
    p.add_argument("--edition", type=int, help="only this edition")
    p.add_argument("--limit", type=int, default=10, help="at most this many sections (default: 10)")

    def body() -> int:
        import duckdb

        from pipeline.warehouse.fulltext import SearchUnavailable, search

        args = p.parse_args(argv)
        db = args.db
        open_db(db).close()  # held by another program: 75, naming it; not a database: 2
        try:
            rows = search(db, args.query, args.edition, args.limit)
        except SearchUnavailable as exc:
            raise UsageError(str(exc)) from None
        except duckdb.Error as exc:
            raise UsageError(f"{db}: {str(exc).splitlines()[0]}") from None
        for edition, entity, title, score, excerpt in rows:
            say(f"{score:7.3f}  {edition} {entity} — {title}: {excerpt}…")
        if not rows and not args.quiet:
            say("no section matches")
        return 0

    return run_command("search", body, log_format_of(argv))


if __name__ == "__main__":
    finish(main)
