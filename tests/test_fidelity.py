"""Values that cannot be true are errors (issue: "values that cannot be true"): each case is the seed
page with one edit, which loaded clean before."""

from __future__ import annotations

import pytest
from conftest import SEED

from pipeline.extract.document import parse_page

SEED_TEXT = SEED.read_text(encoding="utf-8")


def errors(text: str, url: str | None = None) -> list[tuple[str, str]]:
    record = parse_page(text.encode(), url=url)
    return [(i["code"], i["message"]) for i in record["issues"] if i["severity"] == "error"]


def edited(old: str, new: str) -> str:
    assert SEED_TEXT.count(old) >= 1, old
    return SEED_TEXT.replace(old, new, 1)


def test_the_seed_itself_is_clean():
    assert errors(SEED_TEXT) == []


@pytest.mark.parametrize(
    "old, new, code, words",
    [
        pytest.param(
            "Cocaine trade\n\n    8.000.50",
            "Cocaine trade\n\n    7.508.00",
            "impossible_change",
            "previous score would be -0.50",
            id="previous-score-below-1",
        ),
        pytest.param(
            "Cocaine trade\n\n    8.000.50",
            "Cocaine trade\n\n    8.000.25",
            "impossible_change",
            "not a step of 0.5",
            id="change-off-the-half-steps",
        ),
    ],
)
def test_a_change_that_cannot_be_true_is_an_error(old, new, code, words):
    found = errors(edited(old, new))
    assert any(c == code and words in m for c, m in found), found


def test_deleted_rank_lines_make_the_page_incomplete():
    text = SEED_TEXT
    for line in ("    129th of 193 countries -2\n\n", "    29th of 44 countries in Europe-2\n\n",
                 "    7th of 11 countries in Western Europe-1\n\n"):  # fmt: skip
        assert line in text, line
        text = text.replace(line, "", 1)
    record = parse_page(text.encode())
    assert record["complete"] is False
    found = [(i["code"], i["message"]) for i in record["issues"] if i["severity"] == "error"]
    assert any(c == "missing_block" and "3 of the 3 criminality rank lines of Belgium" in m for c, m in found), found


def test_a_profile_value_cannot_run_into_the_next_field():
    found = errors(edited("    Population\n\n", ""))  # `High income` then `11,592,952`: no longer one value
    assert any("11,592,952" in m for _, m in found), found


@pytest.mark.parametrize("field, bad", [("High income", "Very high income"), ("Coastal", "Seaside")],
                         ids=["income-group", "geography-type"])  # fmt: skip
def test_profile_values_come_from_closed_vocabularies(field, bad):
    found = errors(edited(f"    {field}\n", f"    {bad}\n"))
    assert any(c == "bad_profile_value" and bad in m for c, m in found), found


def test_a_country_page_under_a_region_url_is_an_error():
    found = errors(SEED_TEXT, url="https://ocindex.net/2023/region/western_europe")
    assert any(c == "entity_conflict" and "Belgium" in m for c, m in found), found
