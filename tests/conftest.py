from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT / "raw" / "000_fdcefce654b14ab5.txt"
PAGES = FIXTURES / "pages"
WORKBOOK = FIXTURES / "workbook" / "global_oc_index_2025-edition.xlsx"
WORKBOOK_2023 = FIXTURES / "workbook" / "global_oc_index_2023-edition.xlsx"


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m pipeline.<...>` as a user would, from `cwd` (`env`: more environment variables)."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def query(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def table_contents(db: Path, exclude_cols: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, for comparing two states of a database."""
    exclude_cols = exclude_cols or {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2"
        ).fetchall():
            name = table if schema == "main" else f"{schema}.{table}"
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                    [schema, table],
                ).fetchall()
                if c not in exclude_cols.get(name, set())
            ]
            quoted = ", ".join(f'"{c}"' for c in cols)
            out[name] = con.execute(f'SELECT {quoted} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty project-like folder: raw/ and extracted/."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "extracted").mkdir()
    return tmp_path


def put(raw: Path, name: str, data: bytes | str, url: str | None = None) -> Path:
    path = raw / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if url:
        (path.parent / (path.name + ".meta.json")).write_text(json.dumps({"url": url}), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def workbook_rows():
    from pipeline.extract.workbook import read_workbook

    return {(r.edition, r.iso3): r for r in read_workbook(WORKBOOK)}


def copy_seed(raw: Path) -> Path:
    return Path(shutil.copy(SEED, raw / SEED.name))


@pytest.fixture(scope="session")
def full_corpus(tmp_path_factory, workbook_rows):
    """The 579 text pages of the three editions rendered from the workbook, and the database of a first
    run over them (with --workbook): shared, read-only, by every test that needs a whole edition."""
    from corpus import write_corpus

    from pipeline.run import main

    root = tmp_path_factory.mktemp("full")
    write_corpus(root / "raw", workbook_rows)
    assert (
        main(["--raw-dir", str(root / "raw"), "--extracted-dir", str(root / "extracted"), "--workbook", str(WORKBOOK)])
        == 0
    )
    return root


@pytest.fixture(scope="session")
def full_db(full_corpus):
    return full_corpus / "extracted" / "ocindex.duckdb"


@pytest.fixture(scope="session")
def first_run(tmp_path_factory) -> Path:
    """The project's own raw/ (the seed page and the official workbook) after the first command's run."""
    from pipeline.run import main

    root = tmp_path_factory.mktemp("first")
    shutil.copytree(ROOT / "raw", root / "raw")
    assert main(["--raw-dir", str(root / "raw"), "--extracted-dir", str(root / "extracted")]) == 0
    return root


@pytest.fixture(scope="session")
def first_db(first_run) -> Path:
    return first_run / "extracted" / "ocindex.duckdb"
