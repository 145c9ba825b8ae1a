"""The Python API (`import pipeline`): what the README shows a Python caller, on the real seed page."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from conftest import ROOT, SEED, copy_seed, run_cli

import pipeline
from pipeline.errors import UsageError


def test_importing_the_package_loads_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", "import sys, pipeline; print(sorted(m for m in sys.modules if m in "
                           "('duckdb', 'lxml', 'pydantic', 'pyarrow')))"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)  # fmt: skip
    assert done.stdout.strip() == "[]", done.stderr


def test_read_document_and_parse_page_give_the_seed_record():
    record = pipeline.read_document(SEED.read_bytes(), url="https://ocindex.net/2023/country/belgium")
    (belgium,) = record.entities
    assert (record.edition, belgium.name, belgium.iso3) == (2023, "Belgium", "BEL")
    cocaine = belgium.scores["cocaine_trade"]
    assert (cocaine.score, cocaine.change) == (8.0, 0.5)  # the seed page prints 8.000.50
    data = pipeline.parse_page(SEED.read_bytes(), path=str(SEED))
    printed = json.loads(run_cli("pipeline.parse", str(SEED)).stdout)
    assert json.loads(json.dumps(data, default=str)) == printed


def test_run_connect_and_search(tmp_path):
    (tmp_path / "raw").mkdir()
    copy_seed(tmp_path / "raw")
    outcome = pipeline.run_pipeline(raw_dir=tmp_path / "raw", extracted_dir=tmp_path / "extracted", workers=1)
    assert outcome.stats.pages_loaded == 1 and not outcome.rejects
    db = tmp_path / "extracted" / "ocindex.duckdb"
    con = pipeline.connect(db)
    try:
        assert con.execute("SELECT score FROM scores WHERE indicator = 'cocaine_trade'").fetchall() == [
            (Decimal("8.00"),)
        ]
    finally:
        con.close()
    (hit,) = pipeline.search_analysis('"key trafficking point"', db=db)
    assert (hit.edition, hit.entity, hit.title) == (2023, "Belgium", "Drugs")


def test_bad_settings_and_a_missing_database_raise_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="wait_lock"):
        pipeline.run_pipeline(raw_dir=tmp_path, wait_lock=-1)
    with pytest.raises(UsageError, match="unknown setting"):
        pipeline.run_pipeline(raw_folder=tmp_path)
    with pytest.raises(UsageError, match="no database"):
        pipeline.connect(tmp_path / "none.duckdb")


def test_the_readmes_python_example_runs_as_written(tmp_path):
    """The README's Python block, in a fresh folder holding what raw/ ships."""
    import re
    import shutil

    block = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    done = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    count, *hits = done.stdout.splitlines()
    assert count == "(6948,)" or count.startswith("("), count
    assert hits and all(line.startswith("Belgium ") and "[port of Antwerp]" in line for line in hits)
