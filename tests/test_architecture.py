"""The house rules: size limits, stage packages with empty faces, workers that never load the warehouse,
and every document the code cites present in the repository."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT, SEED

sys.path.insert(0, str(ROOT / "tools"))
from sizes import measure, over_limits


def test_no_module_function_or_class_over_its_limit():
    assert over_limits(measure()) == []


def test_the_stage_packages_have_empty_faces():
    for package in ("crawl", "extract", "warehouse", "batch", "cli"):
        assert (ROOT / "pipeline" / package / "__init__.py").read_text() == "", package


def test_the_top_reads_as_an_index_and_no_two_modules_share_a_name():
    top = sorted(p.name for p in (ROOT / "pipeline").glob("*.py") if p.name != "__init__.py")
    assert len(top) <= 12, top
    names = [p.stem for p in (ROOT / "pipeline").rglob("*.py") if p.name != "__init__.py"]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_the_settings_sit_low():
    """settings.py imports nothing of the pipeline but the catalog, the errors and the version."""
    text = (ROOT / "pipeline" / "settings.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^from (pipeline[\w.]*) import", text, re.MULTILINE))
    assert imported <= {"pipeline", "pipeline.catalog", "pipeline.errors"}, imported


def test_a_parse_worker_loads_neither_duckdb_nor_arrow(tmp_path):
    code = f"""
import sys
from pipeline.batch.one_page import Task, process
result = process(Task({str(SEED)!r}, "seed.txt", None, None, None, {str(tmp_path)!r}))
assert result.reject is None and len(result.rows["scores"]["score"]) == 36, result.reject
print(sorted(m for m in ("duckdb", "pyarrow", "pipeline.warehouse.load") if m in sys.modules))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_document_the_code_cites_is_in_the_repository():
    cited = set()
    for path in [*ROOT.glob("pipeline/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py")]:
        cited |= set(re.findall(r"\b([A-Z][A-Z_]+\.md)\b", path.read_text(encoding="utf-8")))
    missing = [name for name in sorted(cited) if not (ROOT / name).exists() and not (ROOT / "docs" / name).exists()]
    assert missing == []
    assert {"CONTRACT.md", "DOMAIN.md", "ARCHITECTURE.md", "STYLE.md"} <= {p.name for p in (ROOT / "docs").glob("*.md")}


def test_the_architecture_doc_names_every_module():
    """docs/ARCHITECTURE.md matches the code: each module of the package is named there."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = [p for p in ROOT.glob("pipeline/**/*.py") if p.name != "__init__.py"]
    unnamed = [p.relative_to(ROOT).as_posix() for p in modules if p.name not in text and p.stem not in text]
    assert unnamed == []
