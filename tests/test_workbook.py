"""The official workbook as a document under raw/: read whole, its rows loaded with provenance, pages
winning over it, and a malformed workbook rejected with its sheet, row and column while the pages load."""

from __future__ import annotations

import shutil
from decimal import Decimal

import openpyxl
import pytest
from conftest import SEED, WORKBOOK, WORKBOOK_2023, copy_seed, query
from corpus import Corpus, Variant, header_length, indented

from pipeline.extract.document import parse_page
from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


def run_in(root) -> int:
    return main(["--raw-dir", str(root / "raw"), "--extracted-dir", str(root / "extracted")])


def test_the_first_run_holds_every_country_edition_once_and_the_pages_values(first_db):
    assert query(
        first_db,
        """SELECT count(*), count(DISTINCT (edition, iso3)) FROM scores
                              WHERE indicator = 'criminality' AND entity_kind = 'country'""",
    ) == [(579, 579)]
    assert query(
        first_db,
        """SELECT count(*) FROM (SELECT edition, entity_kind, entity, indicator FROM scores
                              GROUP BY ALL HAVING count(*) > 1)""",
    ) == [(0,)]
    rows = query(first_db, """SELECT s.edition, s.score, s.change, s.derived, src.format, s.source_ref FROM scores s
        JOIN sources src ON src.sha256 = s.source_sha256 WHERE s.iso3 = 'BEL' AND s.indicator = 'cocaine_trade'
        ORDER BY 1""")  # fmt: skip
    # the workbook's Belgium row is row 172 of each dataset sheet (the reference README's example values);
    # the page prints its 2023 change, the 2025 change is derived from the 2023 score (2021 has no previous)
    assert rows == [(2021, Decimal("7.50"), None, False, "xlsx", "2021_dataset!172"),
                    (2023, Decimal("8.00"), Decimal("0.50"), False, "text", None),
                    (2025, Decimal("8.00"), Decimal("0.00"), True, "xlsx", "2025_dataset!172")]  # fmt: skip
    assert query(first_db, "SELECT status, count(*) FROM reconciliation GROUP BY 1") == [("match", 36)]


def test_ranks_of_workbook_only_countries_are_derived_and_the_pages_are_kept(first_db):
    assert query(first_db, """SELECT rank, of_total, derived, change_shown FROM ranks WHERE iso3 = 'BEL'
                              AND edition = 2023 AND metric = 'criminality' AND scope = 'world'""") == [
        (129, 193, False, -2)]  # fmt: skip
    # Belgium 2025 by competition ranking on the workbook's scores; previous rank: 2023's, derived too
    assert query(first_db, """SELECT area, of_total, derived FROM ranks WHERE iso3 = 'NLD' AND edition = 2025
                              AND metric = 'criminality' ORDER BY scope""") == [
        ("Europe", 44, True), ("Western Europe", 11, True), ("World", 193, True)]  # fmt: skip


@pytest.mark.parametrize(
    "iso3, region, of_total",
    [("MEX", "Central America", 8), ("JAM", "Caribbean", 13), ("KIR", "Micronesia", 5)],
    ids=["mexico", "jamaica", "kiribati"],
)
def test_derived_ranks_are_in_the_regions_the_site_prints(first_db, iso3, region, of_total):
    """DOMAIN.md: the site's 2023 Mexico page prints `1st of 8 countries in Central America`, although the
    2023 sheet labels 21 countries `Caribbean & Central` (and the 2021 and 2023 sheets put Kiribati in
    Melanesia); every edition's derived region ranks use the site's 22 regions."""
    rows = query(
        first_db,
        "SELECT DISTINCT edition, area, of_total FROM ranks WHERE iso3 = ? AND scope = 'region' AND derived "
        "ORDER BY edition",
        [iso3],
    )
    assert rows == [(e, region, of_total) for e in (2021, 2023, 2025)]
    assert query(first_db, "SELECT region, region_2023 FROM countries WHERE iso3 = ?", [iso3])[0][0] == region
    mexico = query(first_db, "SELECT rank FROM ranks WHERE iso3 = 'MEX' AND edition = 2023 AND scope = 'region' "
                   "AND metric = 'criminality'")  # fmt: skip
    assert mexico == [(1,)]


def test_both_workbook_shapes_are_read_and_the_edition_comes_from_the_content(tmp_path):
    for source, editions in ((WORKBOOK, [2021, 2023, 2025]), (WORKBOOK_2023, [2021, 2023])):
        renamed = tmp_path / "global_oc_index_2025-edition.xlsx"  # a misleading name: the content decides
        shutil.copy(source, renamed)
        record = parse_page(renamed.read_bytes(), path=renamed.name)
        assert record["source"]["format"] == "xlsx" and record["editions"] == editions
        assert [i for i in record["issues"] if i["severity"] == "error"] == []
        assert len(record["entities"]) == 193 * len(editions)


def _edited(tmp_path, edit) -> bytes:
    wb = openpyxl.load_workbook(WORKBOOK)
    edit(wb)
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    return path.read_bytes()


def _find(ws, name: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == name)


MALFORMED = {
    "missing-sheet": (lambda wb: wb.remove(wb["2023_dataset"]), "sheet 2023_dataset is missing"),
    "renamed-column": (lambda wb: setattr(wb["2025_dataset"]["F1"], "value", "Cocaine trafficking"),
                       "2025_dataset!F1 ('Cocaine trafficking')"),
    "score-of-11": (lambda wb: setattr(wb["2023_dataset"].cell(_find(wb["2023_dataset"], "Belgium"), 8), "value", 11),
                    "is outside 1 to 10"),
    "text-in-a-number-cell": (lambda wb: setattr(wb["2021_dataset"].cell(_find(wb["2021_dataset"], "Belgium"), 9),
                                                 "value", "n/a"), "'n/a' is not a number"),
    "duplicated-country": (lambda wb: setattr(wb["2025_dataset"]["C3"], "value", wb["2025_dataset"]["C2"].value),
                           "is already on row 2"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_workbook_is_rejected_naming_sheet_row_and_column_and_the_pages_load(workdir, tmp_path, case):
    edit, words = MALFORMED[case]
    copy_seed(workdir / "raw")
    (workdir / "raw" / "workbook.xlsx").write_bytes(_edited(tmp_path, edit))
    assert run_in(workdir) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    ((path, stage, code, message),) = query(db, "SELECT path, stage, code, message FROM rejects")
    assert (path, code) == ("workbook.xlsx", "bad_workbook") and words in message, message
    assert query(db, "SELECT DISTINCT iso3 FROM scores") == [("BEL",)]  # the page still loads


def test_a_truncated_workbook_is_rejected_and_the_pages_load(workdir):
    copy_seed(workdir / "raw")
    (workdir / "raw" / "workbook.xlsx").write_bytes(WORKBOOK.read_bytes()[:50_000])
    assert run_in(workdir) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    ((code, message),) = query(db, "SELECT code, message FROM rejects")
    assert code == "bad_workbook" and "cannot be opened" in message
    assert query(db, "SELECT count(*) FROM scores") == [(36,)]


def test_a_rerun_on_the_same_documents_is_a_no_op(first_run, tmp_path):
    shutil.copytree(first_run, tmp_path / "again")
    assert run_in(tmp_path / "again") == 0
    assert query(tmp_path / "again" / "extracted" / "ocindex.duckdb",
                 "SELECT status FROM runs ORDER BY run_id") == [("completed",), ("unchanged",)]  # fmt: skip


def test_a_ranking_slip_of_the_site_shows_up_as_a_failed_check(workdir, workbook_rows):
    """Ghana 2023: the real page prints `60th of 193 countries -19`; competition ranking on the workbook
    gives 59th (tests/fixtures/expected/pages.json). A whole page printing that line, beside the workbook:
    the page's rank is kept, and the disagreement is a failed `rank_order` check."""
    lines = Corpus(workbook_rows).country_page(Variant(2023), "GHA")
    (i,) = [n for n, line in enumerate(lines) if line.startswith("59th of 193 countries")]
    lines[i] = "60th of 193 countries -19"
    (workdir / "raw" / "ghana.txt").write_text(indented(lines, header_length(lines)), encoding="utf-8")
    shutil.copy(WORKBOOK, workdir / "raw" / WORKBOOK.name)
    assert run_in(workdir) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    assert query(db, """SELECT rank, derived FROM ranks WHERE iso3 = 'GHA' AND edition = 2023
                        AND metric = 'criminality' AND scope = 'world'""") == [(60, False)]  # fmt: skip
    assert query(
        db, "SELECT check_name, edition, item, expected, found FROM checks WHERE entity = 'Ghana' ORDER BY 1"
    ) == [
        ("previous_rank", 2025, "criminality/world", "60", "59"),  # 2025's derived previous rank: 59, the page 60
        ("rank_order", 2023, "criminality/world", "59 of 193", "60 of 193"),
    ]


def test_the_seed_is_a_page_and_the_workbook_a_document_of_their_own_kind():
    assert parse_page(SEED.read_bytes())["source"]["format"] == "text"
    assert parse_page(WORKBOOK.read_bytes())["source"]["format"] == "xlsx"


def test_the_export_command_writes_tables_and_views_in_both_formats(first_run, tmp_path):
    from conftest import run_cli

    db = first_run / "extracted" / "ocindex.duckdb"
    done = run_cli("pipeline.export", "--db", str(db), "--out", str(tmp_path), "--format", "csv,parquet",
                   "--tables", "scores,scores_wide_2025")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv", "scores.parquet", "scores_wide_2025.csv",
                                                          "scores_wide_2025.parquet"]  # fmt: skip
    assert query(db, f"SELECT count(*) FROM read_parquet('{tmp_path / 'scores_wide_2025.parquet'}')") == [(193,)]
    assert run_cli("pipeline.export", "--db", str(db), "--format", "xml").returncode == 2
    assert run_cli("pipeline.export", "--db", str(db), "--tables", "nope", "--out", str(tmp_path)).returncode == 2
