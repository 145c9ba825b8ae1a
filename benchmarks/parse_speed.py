"""Parse speed on one core, by page format: what to watch when changing the parser.

python benchmarks/parse_speed.py                 # the full corpus (193 countries x 2021, 2023, 2025)
python benchmarks/parse_speed.py --countries 3   # a few pages
python benchmarks/parse_speed.py --stages        # and where a page's time goes, stage by stage

Renders the corpus as `benchmarks/run.py` does (text and HTML), then times `parse.parse_page` on every
page of each format, in memory (no file is read or written while timing), and prints the best of
`--repeat` passes in milliseconds a page. `--stages` also times each stage of the reading, as the
difference between two prefixes of the work (each the best of `--repeat` passes): the bytes decoded, the
markup parsed (lxml), the page's CSS applied, the visible text walked, the text split into lines, and the rest
(the grammar, the edition, the assembly and the validation of the record).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from run import SUFFIX, WORKBOOK, render  # noqa: E402

from pipeline.extract.document import parse_page  # noqa: E402
from pipeline.extract.workbook import read_workbook  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--countries", type=int, default=193, help="countries per edition (default: all 193)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the pages; the best is printed")
    ap.add_argument("--stages", action="store_true", help="also time each stage of the reading")
    args = ap.parse_args()
    rows = {(r.edition, r.iso3): r for r in read_workbook(WORKBOOK)}
    iso3s = sorted({iso3 for _, iso3 in rows})[: args.countries]
    with tempfile.TemporaryDirectory(prefix="ocparse-") as tmp:
        render(Path(tmp), rows, iso3s, ["text", "html"])
        pages = {fmt: [p.read_bytes() for p in sorted(Path(tmp).rglob(f"*{suffix}"))] for fmt, suffix in SUFFIX.items()}
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
        if args.stages:
            print(stages(fmt, data, args.repeat))
    return 0


def stages(fmt: str, data: list[bytes], repeat: int) -> str:
    """Milliseconds a page of each stage: the difference between the prefix of the work that ends with it and
    the one before (each prefix timed on its own, the best of `repeat` passes)."""
    from lxml import etree

    from pipeline.extract import css, html
    from pipeline.extract.lines import decode, text_lines

    def parsed(data: bytes) -> tuple[str, etree._Element]:
        text = decode(data).text
        root = html._tree(text)  # the markup parsed as the reader parses it
        assert root is not None
        return text, root

    def styled(data: bytes) -> tuple[etree._Element, dict]:
        text, root = parsed(data)
        return root, css.computed(root, text)

    def walked(data: bytes) -> None:
        root, styles = styled(data)
        html._Walk(styles).element(root)

    prefixes: list[tuple[str, Callable[[bytes], object]]] = [("decoded", lambda d: decode(d).text)]
    if fmt == "html":
        prefixes += [
            ("markup parsed (lxml)", parsed),
            ("CSS applied", styled),
            ("visible text walked", walked),
            ("lines", lambda d: html.read_markup(decode(d).text)),
        ]
    else:
        prefixes.append(("lines", lambda d: text_lines(decode(d).text)))
    prefixes.append(("the rest (grammar, edition, record, validation)", parse_page))
    times = []
    for _, work in prefixes:
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            for page in data:
                work(page)
            best = min(best, time.perf_counter() - start)
        times.append(best / len(data) * 1000)
    parts = [f"{name} {t - (times[i - 1] if i else 0):.3f}" for i, ((name, _), t) in enumerate(zip(prefixes, times))]
    return "      " + "; ".join(parts) + " (ms a page)"


if __name__ == "__main__":
    sys.exit(main())
