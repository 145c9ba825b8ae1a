"""Two versions of the code, in pairs, on the run after one page changed: wall and CPU time, A against B.

python benchmarks/pairs.py CODE_A CODE_B [--pairs 21]   # CODE_*: folders holding a `pipeline/` package
python benchmarks/pairs.py CODE_A CODE_B --full          # the full run instead, from an empty extracted/

Each version gets the benchmark's corpus (579 real-sized pages) and a database and records of its own, made by a
full run of that version; then, pair after pair, each adds a sentence to the same page of its copy and runs
(`python -m pipeline.run`, the version's package first on the path), A and B in turn, the order alternating.
Only the run is timed, not the preparation. Each version's bytecode is compiled first (a module compiled again by
every run would be timed too). Prints the medians, and the median of the ratios pair by pair.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from run import ROOT, WORKBOOK, render, with_sentence  # noqa: E402

from pipeline.extract.workbook import read_workbook  # noqa: E402


def run(code: Path, work: Path) -> tuple[float, float]:
    """Wall and CPU seconds (the run and its children) of one run of `code` in `work`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.run", "--raw-dir", "raw", "-q"], cwd=work, env=env, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def change_one_page(page: Path, original: bytes, n: int) -> None:
    """The page as rendered, with a sentence added to its analysis (another sentence each pair)."""
    page.write_text(with_sentence(original.decode("utf-8"), f"A sentence written for pair {n}."), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("code_a", type=Path)
    ap.add_argument("code_b", type=Path)
    ap.add_argument("--pairs", type=int, default=21)
    ap.add_argument("--full", action="store_true", help="time the full run, from an empty extracted/")
    ap.add_argument("--countries", type=int, default=193, help="countries per edition (default: all 193)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "benchmarks", help="where the corpora are written")
    args = ap.parse_args()
    rows = {(r.edition, r.iso3): r for r in read_workbook(WORKBOOK)}
    iso3s = sorted({iso3 for _, iso3 in rows})[: args.countries]
    with tempfile.TemporaryDirectory(prefix="ocpairs-", dir=args.workdir) as tmpdir:
        works = {}
        for name, code in (("A", args.code_a), ("B", args.code_b)):
            compileall.compile_dir(code / "pipeline", quiet=1)
            work = Path(tmpdir) / name
            render(work / "raw", rows, iso3s, ["text"], analysis="seed")
            run(code, work)  # the database and records this version makes
            shutil.copytree(work / "extracted", work / "base")
            works[name] = (code, work)
        page = sorted((works["A"][1] / "raw" / "copy0" / "text" / "2023").glob("*.txt"))[-1]  # 2023, the last country
        original = page.read_bytes()
        times: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
        for n in range(args.pairs):
            for name in ("A", "B") if n % 2 == 0 else ("B", "A"):
                code, work = works[name]
                shutil.rmtree(work / "extracted")
                if args.full:
                    (work / "extracted").mkdir()
                else:
                    shutil.copytree(work / "base", work / "extracted")
                    change_one_page(work / page.relative_to(works["A"][1]), original, n)
                time.sleep(0.3)
                times[name].append(run(code, work))
    med = statistics.median
    for i, what in ((0, "wall"), (1, "CPU")):
        a, b = [t[i] for t in times["A"]], [t[i] for t in times["B"]]
        ratios = [x / y for x, y in zip(a, b, strict=True)]
        print(f"{what}: A {med(a):.3f} s, B {med(b):.3f} s, A/B {med(ratios):.3f} (pairs: {min(ratios):.3f} to "
              f"{max(ratios):.3f}, {len(ratios)} pairs)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
