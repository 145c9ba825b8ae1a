"""Unit tests of the extract stage's parts: edition evidence, assembly, validation, completeness.

Expected values are worked out by hand from DOMAIN.md's rules, not taken from the code."""

from __future__ import annotations

import pytest

from pipeline.extract import assemble, edition, validate
from pipeline.extract.completeness import completeness
from pipeline.extract.drafts import Draft, Rank, Reading, Score, opens_entity
from pipeline.extract.lines import Line
from pipeline.extract.tokens import parse_rank_line


def reading(*drafts: Draft, footer: int | None = 900, year_label: bool = False) -> Reading:
    return Reading([], True, year_label, list(drafts), [], footer, None, None, 1000)


def draft_with(scores: dict[str, tuple[float, float | None]], ranks: list[str] = (), name: str = "Belgium") -> Draft:
    d = Draft(name=name, name_line=5, profile={}, first_line=4)
    for n, (code, (score, change)) in enumerate(scores.items()):
        label = code.replace("_", " ").capitalize()
        d.add(code, Score(score, change, False, 10 + n, label))
    for n, text in enumerate(ranks):
        parsed = parse_rank_line(text)
        assert parsed is not None, text
        d.ranks.append(Rank("criminality", parsed, 100 + n))
    return d


# --- edition -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, year, entities",
    [
        pytest.param("https://ocindex.net/2023/country/kenya", 2023, (("country", "kenya"),), id="dated"),
        pytest.param("https://ocindex.net/country/germany", None, (("country", "germany"),), id="undated"),
        pytest.param(
            "https://ocindex.net/country/colombia/mexico",
            None,
            (("country", "colombia"), ("country", "mexico")),
            id="comparison",
        ),
        pytest.param(
            "https://africa.ocindex.net/region/east_africa/zambia",
            None,
            (("region", "east_africa"), ("country", "zambia")),
            id="region-vs-country",
        ),
        pytest.param(
            "https://ocindex.net/2025/region/east_africa/zambia",
            2025,
            (("region", "east_africa"), ("country", "zambia")),
            id="dated-region",
        ),
        pytest.param(None, None, (), id="no-url"),
    ],
)
def test_a_url_names_its_edition_and_entities(url, year, entities):
    info = edition.read_url(url)
    assert (info.year, info.entities) == (year, entities)


def test_numeric_changes_and_na_make_a_page_2023():
    d = draft_with({"criminality": (4.43, 0.10), "cyber_dependent_crimes": (6.0, None)})
    d.scores["cyber_dependent_crimes"].na = True
    assert edition.decide(reading(d), None) == (2023, [])


def test_a_numeric_change_on_an_indicator_new_in_2023_makes_a_page_2025():
    d = draft_with({"criminality": (4.82, 0.38), "cyber_dependent_crimes": (6.5, 0.5)})
    assert edition.decide(reading(d), None) == (2025, [])


def test_scores_without_changes_are_2019_or_2021_and_the_labels_tell_which():
    sentence_case = draft_with(
        {"criminality": (4.34, None), "human_trafficking": (5.0, None), "human_smuggling": (5.5, None)}
    )
    assert edition.decide(reading(sentence_case), None) == (2021, [])
    title_case = draft_with({"criminality": (4.34, None), "human_trafficking": (5.0, None)})
    title_case.scores["human_trafficking"].label = "Human Trafficking"
    title_case.add("heroin_trade", Score(4.0, None, False, 30, "Heroin Trade"))
    assert edition.decide(reading(title_case), None) == (2019, [])
    unlabelled = draft_with({"criminality": (4.34, None), "resilience": (7.0, None), "prevention": (6.5, None)})
    year, issues = edition.decide(reading(unlabelled), None)
    assert year is None and [i["code"] for i in issues] == ["edition_unknown"]
    assert "2019 or 2021" in issues[0]["message"]
    assert edition.decide(reading(unlabelled), "https://ocindex.net/2021/country/belgium") == (2021, [])


def test_a_url_year_the_page_contradicts_is_an_edition_conflict():
    d = draft_with({"criminality": (4.43, 0.10), "human_trafficking": (5.0, 0.0), "cocaine_trade": (8.0, 0.5)})
    year, issues = edition.decide(reading(d), "https://ocindex.net/2021/country/belgium")
    assert year is None and issues[0]["code"] == "edition_conflict" and "2021" in issues[0]["message"]


def test_rank_change_glued_in_text_is_2023_spaced_is_2025():
    glued = draft_with({"criminality": (4.43, 0.10)}, ["29th of 44 countries in Europe-2"])
    spaced = draft_with({"criminality": (4.82, 0.38)}, ["29th of 44 countries in Europe -2"])
    assert edition.decide(reading(glued), None)[0] == 2023
    assert edition.decide(reading(spaced), None)[0] == 2025
    # in HTML the change is an element of its own: spacing says nothing
    assert edition.decide(reading(glued), None, fmt="html")[0] is None


# --- assemble ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "year, line, previous",
    [
        pytest.param(2023, "129th of 193 countries -2", 127, id="2023-previous-minus-current"),
        pytest.param(2025, "91st of 193 countries -6", 97, id="2025-current-minus-previous"),
        pytest.param(2023, "19th of 193 countries 13", 32, id="2023-improved"),
    ],
)
def test_previous_rank_follows_the_editions_sign_convention(year, line, previous):
    d = draft_with({"criminality": (4.43, 0.10)}, [line])
    (entity,), issues = assemble.entities(reading(d), year, edition.read_url(None))
    assert issues == [] and entity["ranks"][0]["previous_rank"] == previous


def test_rank_lines_name_the_scope_and_the_area_the_page_prints():
    d = draft_with(
        {"criminality": (4.43, 0.10)},
        ["129th of 193 countries -2", "29th of 44 countries in Europe-2", "7th of 11 countries in Western Europe0"],
    )
    (entity,), _ = assemble.entities(reading(d), 2023, edition.read_url(None))
    assert [(r["scope"], r["area"], r["rank"], r["of"]) for r in entity["ranks"]] == [
        ("world", "World", 129, 193),
        ("continent", "Europe", 29, 44),
        ("region", "Western Europe", 7, 11),
    ]
    assert (entity["iso3"], entity["continent"], entity["region"]) == ("BEL", "Europe", "Western Europe")


def test_an_impossible_previous_rank_is_an_error():
    d = draft_with({"criminality": (4.43, 0.10)}, ["2nd of 193 countries -5"])  # 2023: previous = 2 - 5
    (entity,), issues = assemble.entities(reading(d), 2023, edition.read_url(None))
    assert [i["code"] for i in issues] == ["bad_rank"] and entity["ranks"][0]["previous_rank"] is None


def test_a_name_that_is_no_country_is_an_error_and_a_url_naming_another_is_a_conflict():
    _, issues = assemble.entities(reading(draft_with({}, name="Atlantis")), 2023, edition.read_url(None))
    assert [i["code"] for i in issues] == ["unknown_country"]
    _, issues = assemble.entities(reading(draft_with({})), 2023, edition.read_url("https://ocindex.net/country/kenya"))
    assert [i["code"] for i in issues] == ["entity_conflict"]


# --- validate ------------------------------------------------------------------------------------

# Belgium 2023 from the official workbook (reference README): markets 5.17, actors 3.70 -> criminality 4.43
MARKETS_2023 = {
    "human_trafficking": 5.0,
    "human_smuggling": 6.0,
    "extortion_and_protection_racketeering": 2.5,
    "arms_trafficking": 6.0,
    "trade_in_counterfeit_goods": 5.0,
    "illicit_trade_in_excisable_goods": 4.0,
    "flora_crimes": 3.0,
    "fauna_crimes": 3.5,
    "non_renewable_resource_crimes": 4.0,
    "heroin_trade": 4.0,
    "cocaine_trade": 8.0,
    "cannabis_trade": 6.5,
    "synthetic_drug_trade": 7.5,
    "cyber_dependent_crimes": 6.0,
    "financial_crimes": 6.5,
}
ACTORS_2023 = {
    "mafia_style_groups": 3.0,
    "criminal_networks": 5.0,
    "state_embedded_actors": 2.0,
    "foreign_actors": 5.0,
    "private_sector_actors": 3.5,
}


def belgium(**override) -> dict:
    scores = {"criminality": 4.43, "criminal_markets": 5.17, **MARKETS_2023, "criminal_actors": 3.70, **ACTORS_2023}
    scores.update(override)
    return {
        "name": "Belgium",
        "kind": "country",
        "ranks": [],
        "scores": {k: {"score": v, "change": None} for k, v in scores.items()},
    }


def codes(issues):
    return [i["code"] for i in issues if i["severity"] == "error"]


def test_the_arithmetic_holds_on_belgium_2023():
    # by hand: markets 77.5 / 15 = 5.1667 -> 5.17; actors 18.5 / 5 = 3.70; (5.1667 + 3.70) / 2 = 4.4333 -> 4.43
    assert codes(validate.check_entity(belgium(), 2023, complete=False)) == []


@pytest.mark.parametrize(
    "override, code",
    [
        pytest.param({"criminal_markets": 5.16}, "pillar_mean", id="pillar-off-by-0.01"),
        pytest.param({"criminality": 4.44}, "criminality_mean", id="criminality-off"),
        pytest.param(
            {"cocaine_trade": 8.25, "criminal_markets": 5.18, "criminality": 4.44}, "score_step", id="quarter-step"
        ),
        pytest.param({"heroin_trade": 0.5}, "score_out_of_range", id="below-1"),
    ],
)
def test_a_broken_sum_is_an_error(override, code):
    assert code in codes(validate.check_entity(belgium(**override), 2023, complete=False))


def test_criminality_comes_from_the_unrounded_means():
    # markets 5.1667 and actors 3.70: from the rounded 5.17 the mean would be 4.435 -> 4.44, which is wrong
    found = validate.check_entity(belgium(criminality=4.44), 2023, complete=False)
    assert [i for i in found if i["code"] == "criminality_mean"][0]["message"].endswith("is 4.43")


def test_changes_are_printed_as_the_edition_prints_them():
    entity = belgium()
    entity["scores"]["cocaine_trade"]["change"] = 0.5  # 2021 pages print no change
    assert "unexpected_change" in codes(validate.check_entity(entity, 2021, complete=False))
    entity = belgium()
    entity["scores"]["cyber_dependent_crimes"]["change"] = 0.5  # new in 2023: 2023 prints n/a there
    assert codes(validate.check_entity(entity, 2023, complete=False)) == ["unexpected_change"]
    assert codes(validate.check_entity(entity, 2025, complete=False)) == []  # 2025 prints a number


def test_a_complete_page_lacking_an_indicator_is_an_error():
    entity = belgium()
    del entity["scores"]["heroin_trade"]
    assert "missing_indicator" in codes(validate.check_entity(entity, 2023, complete=True))


def test_a_rank_beyond_the_ranked_is_an_error():
    entity = belgium()
    entity["ranks"] = [{"metric": "criminality", "scope": "world", "area": "World", "rank": 200, "of": 193}]
    assert codes(validate.check_entity(entity, 2023, complete=False)) == ["bad_rank"]


# --- completeness and the entity rule ------------------------------------------------------------


def test_a_page_without_its_footer_is_truncated_and_names_what_is_missing():
    ok, issues = completeness(reading(draft_with({"criminality": (4.43, 0.1)}), footer=None))
    assert ok is False and codes(issues) == ["truncated"]
    assert "(criminal markets of Belgium, criminal actors of Belgium" in issues[0]["message"]


def test_a_page_with_no_score_is_not_a_profile():
    ok, issues = completeness(Reading([], False, False, [], [], None, Line(3, "Weather"), None, 3))
    assert ok is False and codes(issues) == ["not_a_profile"]


@pytest.mark.parametrize(
    "have, block, new",
    [
        pytest.param({}, "profile", True, id="profile-after-a-name"),
        # a new entity needs a new profile (or name): a block read again is compared, not a new entity
        pytest.param({"criminal_markets": (5.0, None)}, "criminality", False, id="criminality-after-markets"),
        pytest.param({"resilience": (7.0, None)}, "resilience", False, id="repeated-resilience"),
        pytest.param({"human_trafficking": (5.0, None)}, "human_trafficking", False, id="a-market-again"),
        pytest.param({"criminality": (4.4, None)}, "profile", True, id="a-profile-after-scores"),
        pytest.param({"criminality": (4.4, None)}, "criminal_markets", False, id="markets-after-criminality"),
    ],
)
def test_where_a_new_entity_starts(have, block, new):
    assert opens_entity(draft_with(have), block) is new
    assert opens_entity(None, block) is True
