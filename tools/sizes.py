"""The code's sizes against the project's limits: modules per package, the longest modules, functions
and classes.

python tools/sizes.py            # prints the figures; exit 1 when a limit is broken

Limits (docs/ARCHITECTURE.md): no module over 400 lines, no function over 80, no class over 200.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {"module": 400, "function": 80, "class": 200}


def measure(package: Path = ROOT / "pipeline") -> dict[str, list[tuple[int, str]]]:
    """(lines, where) of every module, function and class under the package, longest first."""
    found: dict[str, list[tuple[int, str]]] = {"module": [], "function": [], "class": []}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        found["module"].append((len(text.splitlines()), rel))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kind = "function"
            elif isinstance(node, ast.ClassDef):
                kind = "class"
            else:
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            found[kind].append((length, f"{rel}:{node.lineno} {node.name}"))
    return {k: sorted(v, reverse=True) for k, v in found.items()}


def over_limits(found: dict[str, list[tuple[int, str]]]) -> list[str]:
    return [
        f"{kind} {where}: {n} lines, over {LIMITS[kind]}"
        for kind, items in found.items()
        for n, where in items
        if n > LIMITS[kind]
    ]


def main() -> int:
    found = measure()
    per_package = Counter(Path(where).parent.as_posix() for _, where in found["module"])
    print("modules per package: " + ", ".join(f"{pkg} {n}" for pkg, n in sorted(per_package.items())))
    for kind in ("module", "function", "class"):
        top = ", ".join(f"{where} ({n})" for n, where in found[kind][:3])
        print(f"longest {kind}s (limit {LIMITS[kind]}): {top}")
    broken = over_limits(found)
    for line in broken:
        print("over the limit:", line)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
