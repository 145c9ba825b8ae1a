"""Parse speed on one core, by page format: what to watch when changing the parser.

python benchmarks/parse_speed.py                 # the full corpus (193 countries x 2021, 2023, 2025)
python benchmarks/parse_speed.py --countries 3   # a few pages

Renders the corpus as `benchmarks/run.py` does (text and HTML), then times `parse.parse_page` on every
page of each format, in memory (no file is read or written while timing), and prints the best of
`--repeat` passes in milliseconds a page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from run import WORKBOOK, render  # noqa: E402

from pipeline.extract.document import parse_page  # noqa: E402
from pipeline.extract.workbook import read_workbook  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--countries", type=int, default=193, help="countries per edition (default: all 193)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the pages; the best is printed")
    args = ap.parse_args()
    rows = {(r.edition, r.iso3): r for r in read_workbook(WORKBOOK)}
    iso3s = sorted({iso3 for _, iso3 in rows})[: args.countries]
    with tempfile.TemporaryDirectory(prefix="ocparse-") as tmp:
        render(Path(tmp), rows, iso3s, ["text", "html"])
        pages = {
            fmt: [p.read_bytes() for p in sorted(Path(tmp).rglob(f"*.{suffix}"))]
            for fmt, suffix in (("text", "txt"), ("html", "html"))
        }
    for fmt, data in pages.items():
        for page in data[:20]:  # warm the caches a real run warms too
            parse_page(page)
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            for page in data:
                parse_page(page)
            best = min(best, time.perf_counter() - start)
        print(f"{fmt:<5} {len(data):>5} pages  {best / len(data) * 1000:.3f} ms a page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
