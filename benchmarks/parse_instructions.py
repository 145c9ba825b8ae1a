"""Two versions of the parser compared by the instructions a page takes, counted by callgrind.

A measure the machine's noise does not move.

python benchmarks/parse_instructions.py CODE_A CODE_B                 # text pages, 40 of them
python benchmarks/parse_instructions.py CODE_A CODE_B --format html   # the same pages as HTML

Each CODE is a folder holding a `pipeline/` package: `.` for the working tree, or a revision unpacked with
`git archive <rev> pipeline | tar -x -C <folder>`. On these machines a run's wall time can move by 10 to 25%
from one minute to the next, and the whole machine by twice that over an hour; the instructions a page takes do
not move. They are not time (a cache miss costs more than an addition), so a change is kept on its time, in
pairs; this tells, before that, whether it does less work.

Needs valgrind (Debian's package `valgrind`). Each version runs twice under callgrind, about 20 seconds each:
once reading the pages after five pages read first (the caches a run warms), once reading those five alone;
the difference, divided by the pages, is what a page takes. Each version reads the five pages once before,
outside valgrind, so that neither run counts the compiling of modules to bytecode.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from run import SUFFIX, WORKBOOK, render  # noqa: E402

from pipeline.extract.workbook import read_workbook  # noqa: E402

WARM = 5  # pages read before the counted ones, in both runs
# The runs' environment, the same for each: the caller's own may keep Python from writing bytecode
# (PYTHONDONTWRITEBYTECODE), and the first run counted would then compile the modules and the second not.
ENV = {"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

# Run under callgrind with the code's folder first on the path: the five warm pages, then the pages counted.
READER = """
import sys
sys.path.insert(0, sys.argv[1])
from pipeline.extract.document import read_document
pages = [open(p, "rb").read() for p in sys.argv[3:]]
for data in pages[: int(sys.argv[2])]:
    read_document(data, path="page", url=None, sha256="0" * 64)
"""


def instructions(code: Path, pages: list[Path], count: int) -> int:
    """Instructions of a run that reads the first `count` of `pages` (imports and start-up included)."""
    valgrind = shutil.which("valgrind") or "valgrind"
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", READER, str(code),
         str(count), *map(str, pages)],
        capture_output=True, text=True, env=ENV,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed on {code}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_page(code: Path, pages: list[Path]) -> float:
    """Instructions a page takes. The warm pages are read once first, outside valgrind: the modules they import
    are compiled to bytecode then (else the first run counted run would compile them, and the second not)."""
    subprocess.run([sys.executable, "-c", READER, str(code), str(WARM), *map(str, pages)], check=True, env=ENV)
    counted = len(pages) - WARM
    return (instructions(code, pages, len(pages)) - instructions(code, pages, WARM)) / counted


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("code_a", type=Path, help="a folder holding pipeline/ (A in the ratio A/B)")
    ap.add_argument("code_b", type=Path, help="another such folder (B)")
    ap.add_argument("--format", choices=("text", "html"), default="text")
    ap.add_argument("--pages", type=int, default=40, help="pages counted (default 40)")
    args = ap.parse_args()
    if args.pages < 1:
        ap.error("--pages: at least 1")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install -y valgrind", file=sys.stderr)
        return 2
    for code in (args.code_a, args.code_b):
        if not (code / "pipeline" / "extract" / "document.py").is_file():
            print(f"{code} holds no pipeline/ (the parser's code): give a folder that does", file=sys.stderr)
            return 2
    rows = {(r.edition, r.iso3): r for r in read_workbook(WORKBOOK)}
    countries = sorted({iso3 for _, iso3 in rows})[: (args.pages + WARM) // 3 + 1]
    with tempfile.TemporaryDirectory(prefix="ocinstr-") as tmp:
        render(Path(tmp), rows, countries, [args.format])
        pages = sorted(Path(tmp).rglob(f"*{SUFFIX[args.format]}"))[: args.pages + WARM]
        a = per_page(args.code_a.resolve(), pages)
        b = a if args.code_b.resolve() == args.code_a.resolve() else per_page(args.code_b.resolve(), pages)
    print(f"{args.format} pages, {len(pages) - WARM} counted: A {a / 1e6:.2f} M instructions a page, "
          f"B {b / 1e6:.2f} M, A/B {a / b:.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
