"""Every real partial page: an expected record checked by hand, the CLI's answer, the official workbook."""

import json
from decimal import Decimal

import pytest
from conftest import FIXTURES, PAGES, run_cli
from corpus import workbook_ranks

from pipeline.extract.parse import parse_page

EXPECTED = json.loads((FIXTURES / "expected" / "pages.json").read_text(encoding="utf-8"))
PAGE_FILES = sorted(PAGES.glob("*.txt"))
CASES = [pytest.param(p, EXPECTED[p.name], id=p.stem) for p in PAGE_FILES]


def test_every_page_has_an_expected_record():
    assert {p.name for p in PAGE_FILES} == {k for k in EXPECTED if not k.startswith("_")}


def as_lists(entity):
    ranks = [
        [r["metric"], r["scope"], r["area"], r["rank"], r["of"], r["change_shown"], r["previous_rank"]]
        for r in entity["ranks"]
    ]
    scores = {k: [v["score"], v["change"]] for k, v in entity["scores"].items()}
    return scores, ranks


@pytest.mark.parametrize("path, expected", CASES)
def test_expected_record(path, expected):
    record = parse_page(path.read_bytes(), path=str(path), url=expected["url"])
    assert record["edition"] == expected["edition"]
    assert record["complete"] is False
    codes = [i["code"] for i in record["issues"] if i["severity"] == "error"]
    assert "truncated" in codes
    assert [e["name"] for e in record["entities"]] == expected["names"]
    assert [e["iso3"] for e in record["entities"]] == expected["iso3"]
    entity = record["entities"][0]
    scores, ranks = as_lists(entity)
    assert scores == expected["scores"]
    assert ranks == expected["ranks"]
    assert entity["profile"] == expected["profile"]


@pytest.mark.parametrize("path, expected", CASES)
def test_parse_command(path, expected):
    done = run_cli("pipeline.parse", str(path), "--url", expected["url"])
    assert done.returncode == 1, done.stderr
    record = json.loads(done.stdout)
    assert record["complete"] is False and record["edition"] == expected["edition"]
    assert as_lists(record["entities"][0]) == (expected["scores"], expected["ranks"])
    assert "truncated" in done.stderr  # the reason is told, with the line


@pytest.mark.parametrize("path, expected", [c for c in CASES if c.values[1]["edition"] in (2021, 2023, 2025)])
def test_values_agree_with_the_official_workbook(path, expected, workbook_rows):
    record = parse_page(path.read_bytes(), path=str(path), url=expected["url"])
    edition = record["edition"]
    ranks_now = workbook_ranks(workbook_rows, edition)
    ranks_before = workbook_ranks(workbook_rows, edition - 2) if edition > 2021 else None
    for entity in record["entities"]:
        row = workbook_rows[(edition, entity["iso3"])]
        for code, sc in entity["scores"].items():
            assert sc["score"] == row.scores[code], code
            if sc["change"] is not None:
                before = workbook_rows[(edition - 2, entity["iso3"])].scores[code]
                assert abs(
                    Decimal(str(row.scores[code])) - Decimal(str(before)) - Decimal(str(sc["change"]))
                ) <= Decimal("0.01"), code
        for r in entity["ranks"]:
            key = (r["metric"], r["scope"], entity["iso3"])
            assert (r["rank"], r["of"]) == ranks_now[key], key
            if r["previous_rank"] is not None:
                assert r["previous_rank"] == ranks_before[key][0], key


def test_cut_value_is_not_reported(tmp_path):
    """A page that stops inside a score token does not report the cut token as a value."""
    text = (PAGES / "2023_south-africa.txt").read_text(encoding="utf-8")
    cut = text[: text.index("8.000.50") + 3]  # "...Fauna crimes\n\n    8.0"
    record = parse_page(cut.encode(), url="https://ocindex.net/2023/country/south_africa")
    assert "fauna_crimes" not in record["entities"][0]["scores"]
    assert record["complete"] is False
    truncated = [i for i in record["issues"] if i["code"] == "truncated"]
    assert truncated and "8.0" in truncated[0]["message"]
