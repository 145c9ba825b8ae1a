"""The visible text of HTML, three ways, against headless Chromium: this pipeline's walker
(`pipeline.extract.html.visible_lines`), html-text and inscriptis. For each, how many of the browser-
parity fixtures give exactly the browser's lines, and the time per page.

python benchmarks/visible_text.py        (after `pip install -e '.[bench]'`; needs Debian's chromium)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import chromium  # noqa: E402
from test_browser import FIXTURES  # noqa: E402

from pipeline.extract.html import visible_lines  # noqa: E402


def collapse(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def walker(doc: str) -> list[str]:
    return [line.text for line in visible_lines(doc)]


def html_text(doc: str) -> list[str]:
    import html_text as ht

    return collapse(ht.extract_text(doc, guess_layout=True))


def inscriptis(doc: str) -> list[str]:
    from inscriptis import get_text

    return collapse(get_text(doc))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        shown = {}
        for name, doc in FIXTURES.items():
            path = Path(tmp) / f"{name}.html"
            path.write_text(doc, encoding="utf-8")
            page.goto(path.as_uri())
            shown[name] = collapse(page.evaluate("document.body.innerText"))
    print(f"{len(FIXTURES)} HTML fixtures; the browser's innerText lines are the reference")
    for label, read in (("this pipeline's walker", walker), ("html-text", html_text), ("inscriptis", inscriptis)):
        same = [name for name, doc in FIXTURES.items() if read(doc) == shown[name]]
        for doc in FIXTURES.values():  # warm-up
            read(doc)
        t = time.perf_counter()
        rounds = 5
        for _ in range(rounds):
            for doc in FIXTURES.values():
                read(doc)
        ms = (time.perf_counter() - t) / (rounds * len(FIXTURES)) * 1000
        print(f"  {label:<24} {len(same):>3}/{len(FIXTURES)} match the browser   {ms:6.2f} ms a page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
