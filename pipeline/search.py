"""`ocindex search WORDS` (`python -m pipeline.search`): full-text search in the analysis text.

Every word must match (stemmed: "traffickers" finds "trafficking"); "words in quotes" match as a phrase;
OR and NOT in capitals are operators. Sections come best first (BM25), each with the passage that matched,
the matched words in [brackets]. `--json` prints one JSON object a line.

Exit status: 0 (matches or none); 2 usage error (no database, no index, an edition the index does not have);
75 the database is held by another program.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from pipeline.cli.ending import finish, say
from pipeline.cli.foundation import command, log_format_of, logs_beside_db, open_db, run_command
from pipeline.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    p = command("search", __doc__.splitlines()[0])
    p.add_argument("query", nargs="+", help='words to look for; "a phrase" in quotes; OR, NOT between words')
    p.add_argument("--edition", type=int, help="only this edition (2019, 2021, 2023 or 2025)")
    p.add_argument("--limit", type=int, default=10, help="at most this many sections (default: 10)")
    p.add_argument("--json", action="store_true", help="one JSON object per matching section")

    def body() -> int:
        from pipeline import catalog
        from pipeline.warehouse.fulltext import SearchUnavailable
        from pipeline.warehouse.search_query import search

        args = p.parse_args(argv)
        if args.edition is not None and args.edition not in catalog.EDITIONS:
            raise UsageError(
                f"--edition {args.edition}: the index has editions {', '.join(map(str, catalog.EDITIONS))}"
            )
        if args.limit < 1:
            raise UsageError(f"--limit {args.limit}: give 1 or more")
        db = args.db
        open_db(db).close()  # held by another program: 75, naming it; not a database: 2
        try:
            hits = search(db, " ".join(args.query), args.edition, args.limit)
        except SearchUnavailable as exc:
            raise UsageError(str(exc)) from None
        for hit in hits:
            if args.json:
                say(json.dumps(asdict(hit), ensure_ascii=False))
            else:
                say(f"{hit.score:7.3f}  {hit.edition} {hit.entity} — {hit.title}: {hit.snippet}")
        if not hits and not args.quiet and not args.json:
            say("no section matches")
        return 0

    return run_command("search", body, log_format_of(argv), logs_beside_db(argv))


if __name__ == "__main__":
    finish(main)
