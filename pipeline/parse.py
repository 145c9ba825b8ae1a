"""`ocindex parse PATH [--url URL]` (`python -m pipeline.parse`): parse one saved page and print its record as JSON.

Nothing is written. Exit status: 0 when the record has no error, 1 when it has one (it is printed all
the same, with the reasons on stderr), 2 for a usage error or an unreadable file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.cli.ending import finish, keep_status, say
from pipeline.cli.foundation import command, run_command
from pipeline.errors import UsageError


def main(argv: list[str] | None = None) -> int:
    keep_status()
    p = command("parse", __doc__.splitlines()[0], database=False)
    p.add_argument("path", help="a saved page: text (indented or flat), HTML, or the official workbook (.xlsx)")
    p.add_argument("--url", help="where the page came from; it can name the edition and the entities")

    def body() -> int:
        from pipeline.extract.document import parse_page
        from pipeline.extract.issues import has_errors
        from pipeline.files import MAX_PAGE_BYTES, read_capped

        args = p.parse_args(argv)
        path = Path(args.path)
        try:
            data = read_capped(path, MAX_PAGE_BYTES)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        if len(data) > MAX_PAGE_BYTES:
            raise UsageError(f"{path} is over the {MAX_PAGE_BYTES:,}-byte limit for a page; not read")
        record = parse_page(data, path=str(path), url=args.url)
        say(json.dumps(record, ensure_ascii=False, indent=2))
        for i in record["issues"]:
            line = f" line {i['line']}" if i["line"] else ""
            say(f"{path}{line}: {i['severity']}: [{i['code']}] {i['message']}", sys.stderr)
        return 1 if has_errors(record) else 0

    return run_command("parse", body)


if __name__ == "__main__":
    finish(main)
