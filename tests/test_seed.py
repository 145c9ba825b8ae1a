"""The seed page (Belgium, 2023): every value against a record checked by hand, the official
workbook, and the database."""

import json
from decimal import Decimal

import pytest
from conftest import FIXTURES, SEED, copy_seed, query, run_cli

from pipeline.extract.document import parse_page

EXPECTED = json.loads((FIXTURES / "expected" / "000_fdcefce654b14ab5.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def record():
    return parse_page(SEED.read_bytes(), path="raw/000_fdcefce654b14ab5.txt")


@pytest.fixture(scope="module")
def belgium(record):
    assert len(record["entities"]) == 1
    return record["entities"][0]


def test_page_level(record):
    assert record["edition"] == 2023
    assert record["complete"] is True
    assert [i for i in record["issues"] if i["severity"] == "error"] == []
    assert record["source"]["format"] == "text" and record["source"]["url"] is None
    assert len(record["source"]["sha256"]) == 64


def test_identity(belgium):
    for key in ("kind", "name", "iso3", "continent", "region"):
        assert belgium[key] == EXPECTED[key], key


def test_profile(belgium):
    assert belgium["profile"] == EXPECTED["profile"]
    assert isinstance(belgium["profile"]["population"], int)


def test_all_36_scores_and_changes(belgium):
    assert list(belgium["scores"]) == list(EXPECTED["scores"])  # page order, nothing more
    for code, (score, change) in EXPECTED["scores"].items():
        assert belgium["scores"][code] == {"score": score, "change": change}, code


def test_six_ranks_with_previous_ranks(belgium):
    got = [
        [r["metric"], r["scope"], r["area"], r["rank"], r["of"], r["change_shown"], r["previous_rank"]]
        for r in belgium["ranks"]
    ]
    assert got == EXPECTED["ranks"]


def test_eleven_sections(belgium):
    assert len(belgium["sections"]) == 11
    for section, (title, first, last), paragraphs in zip(
        belgium["sections"], EXPECTED["sections"], EXPECTED["paragraphs_per_section"]
    ):
        assert section["title"] == title
        assert section["text"].startswith(first), title
        assert section["text"].endswith(last), title
        assert len(section["text"].split("\n\n")) == paragraphs, title


def test_header_tabs_and_footer_left_out(belgium):
    text = "\n".join(s["text"] for s in belgium["sections"])
    for furniture in (
        "01 02 03",
        "rotate your device",
        "Give us feedback",
        "pyramid base size",
        "United States Department of State",
        "Read the report",
    ):
        assert furniture not in text


def test_scores_agree_with_the_official_workbook(belgium, workbook_rows):
    row23, row21 = workbook_rows[(2023, "BEL")], workbook_rows[(2021, "BEL")]
    for code, sc in belgium["scores"].items():
        assert sc["score"] == row23.scores[code], code
        if sc["change"] is not None:  # printed change = 2023 - 2021, within the round-off the workbook notes
            assert abs(
                Decimal(str(row23.scores[code])) - Decimal(str(row21.scores[code])) - Decimal(str(sc["change"]))
            ) <= Decimal("0.01"), code
        else:
            assert code not in row21.scores, f"{code} existed in 2021 but no change was read"


def test_values_in_the_database(workdir):
    copy_seed(workdir / "raw")
    done = run_cli("pipeline.run", cwd=workdir)
    assert done.returncode == 0, done.stderr
    db = workdir / "extracted" / "ocindex.duckdb"
    rows = query(db, "SELECT indicator, score, change FROM scores WHERE iso3='BEL' AND edition=2023")
    got = {code: [float(s), None if c is None else float(c)] for code, s, c in rows}
    assert got == EXPECTED["scores"]
    ranks = query(
        db,
        """SELECT metric, scope, area, rank, of_total, change_shown, previous_rank FROM ranks
                         WHERE iso3='BEL' AND edition=2023""",
    )
    assert sorted(map(list, ranks)) == sorted(EXPECTED["ranks"])
    prof = query(
        db,
        """SELECT capital, gdp_usd_million, income_group, population, area_km2, geography_type, gini, gdp_per_capita_usd
                        FROM profiles WHERE iso3='BEL' AND edition=2023""",
    )
    assert list(prof[0]) == list(EXPECTED["profile"].values())
    secs = query(db, "SELECT ordinal, title FROM sections WHERE iso3='BEL' AND edition=2023 ORDER BY ordinal")
    assert [t for _, t in secs] == [t for t, _, _ in EXPECTED["sections"]]
    assert query(
        db, "SELECT score, change FROM scores WHERE iso3='BEL' AND edition=2023 AND indicator='cocaine_trade'"
    ) == [(Decimal("8.00"), Decimal("0.50"))]
    (sha,) = query(db, "SELECT DISTINCT source_sha256 FROM scores")[0]
    assert query(db, "SELECT path, format, edition FROM sources WHERE sha256 = ?", [sha]) == [
        ("000_fdcefce654b14ab5.txt", "text", 2023)
    ]
