"""Every real partial page (copies of ../shared/pages, prose replaced by a placeholder): the record the
parser gives equals the expected record, whose values were checked against the official workbook
(`tests/fixtures/expected/pages.json`); each page is incomplete with `truncated` and no other error."""

import json

import pytest
from conftest import FIXTURES, PAGES, run_cli

from pipeline.extract.document import parse_page

EXPECTED = json.loads((FIXTURES / "expected" / "pages.json").read_text(encoding="utf-8"))
PAGE_FILES = sorted(p for p in PAGES.glob("*.txt") if not p.name.endswith(".source.txt"))
CASES = [pytest.param(p, EXPECTED[p.name], id=p.stem) for p in PAGE_FILES]


def test_every_real_page_is_a_fixture_with_an_expected_record():
    assert len(PAGE_FILES) == 47
    assert {p.name for p in PAGE_FILES} == {k for k in EXPECTED if not k.startswith("_")}


def as_lists(entity):
    ranks = [[r["metric"], r["scope"], r["area"], r["rank"], r["of"], r["change_shown"], r["previous_rank"]]
             for r in entity["ranks"]]  # fmt: skip
    scores = {k: [v["score"], v["change"]] for k, v in entity["scores"].items()}
    return scores, ranks


@pytest.mark.parametrize("path, expected", CASES)
def test_the_record_has_every_value_the_page_shows_and_only_the_truncation_error(path, expected):
    record = parse_page(path.read_bytes(), path=str(path), url=expected["url"])
    assert record["edition"] == expected["edition"]
    assert record["source"]["site"] == expected["site"]
    assert record["complete"] is False
    assert [i["code"] for i in record["issues"] if i["severity"] == "error"] == ["truncated"]
    assert [e["name"] for e in record["entities"]] == expected["names"]
    assert [e["iso3"] for e in record["entities"]] == expected["iso3"]
    entity = record["entities"][0]
    assert entity["kind"] == expected["kind"]
    scores, ranks = as_lists(entity)
    assert scores == expected["scores"]
    assert ranks == expected["ranks"]
    assert entity["profile"] == expected["profile"]


@pytest.mark.parametrize("path, expected", CASES[::6])
def test_the_parse_command_prints_the_record_and_exits_1(path, expected):
    done = run_cli("pipeline.parse", str(path), "--url", expected["url"])
    assert done.returncode == 1, done.stderr
    record = json.loads(done.stdout)
    assert record["complete"] is False and record["edition"] == expected["edition"]
    assert as_lists(record["entities"][0]) == (expected["scores"], expected["ranks"])
    assert "truncated" in done.stderr  # the reason is told, with the line


def test_a_page_cut_inside_a_score_does_not_report_the_cut_value():
    text = (PAGES / "2023_south-africa.txt").read_text(encoding="utf-8")
    cut = text[: text.index("8.000.50") + 3]  # "...Fauna crimes\n\n    8.0"
    record = parse_page(cut.encode(), url="https://ocindex.net/2023/country/south_africa")
    assert "fauna_crimes" not in record["entities"][0]["scores"]
    assert record["complete"] is False
    truncated = [i for i in record["issues"] if i["code"] == "truncated"]
    assert truncated and "8.0" in truncated[0]["message"]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://ocindex.net./country/brazil", id="trailing-dot-host"),
        pytest.param("http://ocindex.net/country/brazil", id="http"),
        pytest.param("https://ocindex.net/Country/brazil", id="capital-C"),
    ],
)
def test_odd_urls_name_the_same_page(url):
    record = parse_page((PAGES / "2023_brazil-flat.txt").read_bytes(), url=url)
    assert record["edition"] == 2023 and [e["iso3"] for e in record["entities"]] == ["BRA"]
    assert record["source"]["site"] == "global"


def test_an_enact_page_keeps_the_african_union_region_beside_the_global_one():
    record = parse_page((PAGES / "africa2021_country-sudan.txt").read_bytes(),
                        url="https://africa.ocindex.net/2021/country/sudan")  # fmt: skip
    (sudan,) = record["entities"]
    assert (sudan["continent"], sudan["region"], sudan["enact_region"]) == ("Africa", "East Africa", "East Africa")
