"""`python -m pipeline.parse PATH [--url URL]`: parse one saved page and print its record as JSON.

Nothing is written. Exit status: 0 when the record has no error, 1 when it has one (it is printed all
the same, with the reasons on stderr), 2 for a usage error or an unreadable file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.cli.ending import drop_stdout, finish
from pipeline.extract.document import parse_page
from pipeline.extract.issues import has_errors
from pipeline.files import MAX_PAGE_BYTES, read_capped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.parse", description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a saved page: text (indented or flat) or HTML")
    parser.add_argument("--url", help="where the page came from; it can name the edition and the entities")
    args = parser.parse_args(argv)
    path = Path(args.path)
    try:
        data = read_capped(path, MAX_PAGE_BYTES)
    except OSError as exc:
        print(f"pipeline.parse: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if len(data) > MAX_PAGE_BYTES:
        print(f"pipeline.parse: {path} is over the {MAX_PAGE_BYTES:,}-byte limit for a page; not read", file=sys.stderr)
        return 2
    record = parse_page(data, path=str(path), url=args.url)
    try:
        json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): not an error of the page
        drop_stdout()
    for i in record["issues"]:
        line = f" line {i['line']}" if i["line"] else ""
        print(f"{path}{line}: {i['severity']}: [{i['code']}] {i['message']}", file=sys.stderr)
    return 1 if has_errors(record) else 0


if __name__ == "__main__":
    finish(main)
