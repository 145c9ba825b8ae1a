"""The structural reader (issue 20), case by case: values read by their slots, the page around them reported
and never a reason to reject, element boundaries kept, number formats, the edition told by the data.

Each case is the seed page (or a real partial page) with one change; expected values are the seed's, checked by
hand against the official workbook (tests/test_seed.py)."""

from __future__ import annotations

import pytest
from conftest import PAGES, SEED
from corpus import to_html

from pipeline.extract.document import parse_page
from pipeline.extract.lines import text_lines

SEED_TEXT = SEED.read_text(encoding="utf-8")


def seed_lines() -> list[str]:
    return [line.text for line in text_lines(SEED_TEXT)]


def errors(record: dict) -> list[dict]:
    return [i for i in record["issues"] if i["severity"] == "error"]


def codes(record: dict, severity: str = "warning") -> list[str]:
    return [i["code"] for i in record["issues"] if i["severity"] == severity]


def belgium(record: dict) -> dict:
    assert not errors(record), errors(record)
    ((entity,),) = [record["entities"]]
    return entity


def rank(entity: dict, metric: str, scope: str) -> dict:
    return next(r for r in entity["ranks"] if (r["metric"], r["scope"]) == (metric, scope))


def html_with(replacements: dict[str, str], markup: str = "divs") -> bytes:
    """The seed as HTML, with some of its lines' markup replaced."""
    page = to_html(seed_lines(), markup)
    for old, new in replacements.items():
        assert old in page, old
        page = page.replace(old, new, 1)
    return page.encode()


def text_with(old: str, new: str) -> bytes:
    assert old in SEED_TEXT, old
    return SEED_TEXT.replace(old, new, 1).encode()


# --- the page around the data: reported, never a reason to reject -----------------------------------------


def test_a_menu_with_counts_and_a_read_time_together_do_not_reject_the_page():
    """Issue 20: a menu alone loaded, "Read time 12 min" alone loaded, the two together were rejected."""
    chrome = "Criminal markets\n\n15\n\nCriminal actors 5\n\nResilience 12\n\nRead time 12 min\n\n"
    record = parse_page(text_with("    Profile\n", chrome + "    Profile\n"))
    entity = belgium(record)
    assert entity["scores"]["criminal_actors"] == {"score": 3.7, "change": 0.08}
    assert "page_chrome" in codes(record)


def test_chrome_between_the_blocks_is_a_warning_naming_the_line():
    record = parse_page(
        text_with("    Criminal markets\n", "    Last updated 26 September 2023\n\n    Criminal markets\n")
    )
    belgium(record)
    (warning,) = [i for i in record["issues"] if i["code"] == "unrecognized_lines"]
    assert "Last updated 26 September 2023" in warning["message"] and warning["line"] > 0


def test_a_new_indicator_with_its_score_rejects_the_page():
    """New data is never dropped quietly: a score whose label this pipeline does not know is an error."""
    record = parse_page(text_with("    Cocaine trade\n", "    Illegal gambling\n\n    4.500.00\n\n    Cocaine trade\n"))
    assert [e["code"] for e in errors(record)] == ["stray_score"]
    assert "4.500.00" in errors(record)[0]["message"]


def test_an_identical_summary_before_the_profile_is_compared_not_a_second_entity():
    summary = "    4.430.10\n\n    Criminality score\n\n    129th of 193 countries -2\n\n"
    entity = belgium(parse_page(text_with("    Profile\n", summary + "    Profile\n")))
    assert entity["name"] == "Belgium" and len(entity["ranks"]) == 6


def test_a_summary_that_contradicts_the_page_rejects_it():
    summary = "\n    4.340.09\n\n    Criminality score\n"
    record = parse_page(text_with("    For a better experience, please rotate your device.\n",
                                  "    For a better experience, please rotate your device.\n" + summary))  # fmt: skip
    assert "repeat_mismatch" in [e["code"] for e in errors(record)]


def test_a_flag_caption_is_not_the_entity_name():
    entity = belgium(
        parse_page(text_with("    Profile\n\n    Belgium\n", "    Profile\n\n    Flag of Belgium\n\n    Belgium\n"))
    )
    assert entity["name"] == "Belgium"


# --- value slots -----------------------------------------------------------------------------------------


def test_a_line_after_the_capital_is_not_glued_onto_it():
    record = parse_page(text_with("    Brussels\n", "    Brussels\n\n    View on map\n"))
    assert belgium(record)["profile"]["capital"] == "Brussels"
    assert "unrecognized_line" in codes(record)


def test_a_score_in_a_new_format_by_its_label_is_an_error_naming_the_line():
    record = parse_page(text_with("    Cocaine trade\n\n    8.000.50", "    Cocaine trade\n\n    8,00 (0.50)"))
    (error,) = [e for e in errors(record) if e["code"] == "bad_token"]
    assert "8,00 (0.50)" in error["message"] and error["line"] == SEED_TEXT.split("\n").index("    8.000.50") + 1


def test_a_rank_line_in_a_new_layout_under_its_heading_is_an_error():
    record = parse_page(text_with("129th of 193 countries -2", "Rank 129 / 193 countries -2"))
    assert any(e["code"] == "bad_rank" and "Rank 129 / 193" in e["message"] for e in errors(record))


@pytest.mark.parametrize(
    "printed, score, change",
    [("4.43/10 +0.10", 4.43, 0.10), ("4.43 +0.10 since 2021", 4.43, 0.10), ("4.43\n\n    +0.10", 4.43, 0.10)],
    ids=["out-of-ten", "since-2021", "change-on-its-own-line"],
)
def test_score_and_change_are_read_from_their_pieces(printed, score, change):
    entity = belgium(parse_page(text_with("    4.430.10\n", f"    {printed}\n")))
    assert entity["scores"]["criminality"] == {"score": score, "change": change}


def test_a_rank_line_split_over_three_lines_is_read_whole():
    entity = belgium(
        parse_page(text_with("    129th of 193 countries -2\n", "    129th\n    of 193 countries\n    -2\n"))
    )
    assert rank(entity, "criminality", "world") | {} == {"metric": "criminality", "scope": "world", "area": "World",
                                                          "rank": 129, "of": 193, "change_shown": -2,
                                                          "previous_rank": 127}  # fmt: skip


# --- element boundaries and number formats ---------------------------------------------------------------


def test_a_footnote_after_a_rank_change_is_dropped_not_read_as_a_digit():
    """`-2<sup>1</sup>` read as -21 made the previous rank 108 instead of 127."""
    page = html_with({"<span>129th of 193 countries</span><span>-2</span>":
                      "<span>129th of 193 countries</span><span>-2</span><sup>1</sup>"}, "divs")  # fmt: skip
    record = parse_page(page)
    assert rank(belgium(record), "criminality", "world")["previous_rank"] == 127
    assert "footnote_marker" in codes(record)


def test_digits_from_two_elements_are_never_one_number():
    page = html_with({"11,592,952": "<span>11,592</span><span>952</span>"}, "divs")
    record = parse_page(page)
    assert any(e["code"] in ("bad_profile_value", "unaccounted_value") for e in errors(record))


@pytest.mark.parametrize(
    "printed",
    ["11\u00a0592\u00a0952", "11\u202f592\u202f952", "11\u2009592\u2009952", "11,592,952 (2022)"],
    ids=["no-break-space", "narrow-no-break-space", "thin-space", "reference-year"],
)
def test_population_in_other_number_formats(printed):
    entity = belgium(parse_page(text_with("    11,592,952\n", f"    {printed}\n")))
    assert entity["profile"]["population"] == 11592952


@pytest.mark.parametrize("old, new", [("30,530 km²", "30.530 km²"), ("USD 594,104.00 million", "USD 594.104 million")],
                         ids=["area", "gdp"])  # fmt: skip
def test_a_dot_before_three_digits_in_a_whole_number_is_refused_not_guessed(old, new):
    record = parse_page(text_with(old, new))
    assert any(e["code"] == "bad_profile_value" and "ambiguous" in e["message"] for e in errors(record))


def test_invisible_characters_are_dropped_or_shown_escaped():
    harmless = parse_page(text_with("    5.170.12\n", "    5.17\u200f0.12\n"))  # a right-to-left mark
    assert belgium(harmless)["scores"]["criminal_markets"]["score"] == 5.17
    record = parse_page(text_with("    5.170.12\n", "    5.17\u202e0.12\n"))  # a right-to-left override
    assert any("5.17\\u202e0.12" in e["message"] for e in errors(record))


# --- the edition told by the data -----------------------------------------------------------------------


def test_an_undated_enact_2021_page_gets_its_edition_from_its_data():
    """10 markets and 4 actors with changes: ENACT's 2021 edition, even with no year in the URL or the header,
    and even when a label is set in Title Case (typography is weak evidence)."""
    path = PAGES / "africa2021_country-sudan.txt"
    text = path.read_text(encoding="utf-8")
    for data in (text, text.replace("Human trafficking", "Human Trafficking", 1)):
        record = parse_page(data.encode(), url="https://africa.ocindex.net/country/sudan")
        assert record["edition"] == 2021
        assert [e["code"] for e in errors(record)] == ["truncated"]  # the copy is partial
