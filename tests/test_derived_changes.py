"""Changes with one meaning (issue 22): a workbook row's change is derived from the previous edition's score
and flagged `derived`, a page's printed change is kept, and `ranks.places_moved` has one sign everywhere.
Expected values come from the official workbook read with openpyxl (tests/official.py), never from the code."""

from __future__ import annotations

import pytest
from conftest import query
from official import change, score, sheets, world_rank

pytestmark = pytest.mark.slow  # a first run

COUNTRIES = ("Mexico", "South Africa", "Japan", "Brazil", "Belgium")


def db_scores(db, country: str) -> dict[tuple[int, str], tuple]:
    rows = query(db, "SELECT edition, indicator, score, change, derived, source_ref FROM scores "
                     "WHERE entity_kind = 'country' AND entity = ?", [country])  # fmt: skip
    return {(e, i): (s, c, d, ref) for e, i, s, c, d, ref in rows}


@pytest.mark.parametrize("country", COUNTRIES)
def test_a_workbook_rows_change_is_the_score_minus_the_previous_editions(first_db, country):
    got = db_scores(first_db, country)
    checked = 0
    for edition in (2021, 2023, 2025):
        for indicator in (k for k in sheets()[edition][country] if k not in ("continent", "region", "country")):
            value, diff, derived, ref = got[(edition, indicator)]
            assert float(value) == score(edition, country, indicator)
            if ref is None:  # a page's row: the Belgium 2023 page (below)
                continue
            want = change(edition, country, indicator)
            assert (None if diff is None else float(diff)) == want, (edition, indicator)
            assert derived is (want is not None), (edition, indicator)
            checked += 1
    assert checked >= 66  # 30 + 36 + 36 indicators, less a page's edition


def test_every_2025_and_2023_workbook_row_carries_a_change_unless_the_indicator_is_new(first_db):
    assert query(first_db, "SELECT count(*) FROM scores WHERE edition = 2025 AND change IS NULL") == [(0,)]
    missing = query(first_db, "SELECT DISTINCT indicator FROM scores WHERE edition = 2023 AND change IS NULL "
                              "ORDER BY 1")  # fmt: skip
    new_in_2023 = sorted(set(sheets()[2023]["Mexico"]) - set(sheets()[2021]["Mexico"]))
    assert [i for (i,) in missing] == new_in_2023
    assert query(first_db, "SELECT count(change), bool_or(derived) FROM scores WHERE edition = 2021") == [(0, False)]


def test_a_page_printed_change_is_kept_and_not_flagged(first_db):
    got = db_scores(first_db, "Belgium")
    # the seed page prints `4.430.10`: +0.10, computed by the site from unrounded scores, where the workbook's
    # two printed scores differ by 0.09; the page's value is kept
    assert change(2023, "Belgium", "criminality") == 0.09
    value, diff, derived, ref = got[(2023, "criminality")]
    assert (float(value), float(diff), derived, ref) == (4.43, 0.10, False, None)
    assert query(first_db, "SELECT count(*) FILTER (derived), count(change) FROM scores "
                           "WHERE source_ref IS NULL") == [(0, 30)]  # fmt: skip
    assert query(
        first_db,
        "SELECT change_printed FROM country_series "
        "WHERE country = 'Mexico' AND indicator = 'criminality' AND edition = 2025",
    ) == [(None,)]


@pytest.mark.parametrize("country", ["Mexico", "Belgium", "Japan"])
def test_places_moved_is_the_previous_rank_minus_the_rank_in_every_edition(first_db, country):
    for edition, before in ((2023, 2021), (2025, 2023)):
        for metric in ("criminality", "resilience"):
            want = world_rank(before, country, metric) - world_rank(edition, country, metric)
            got = query(first_db, "SELECT places_moved FROM ranks WHERE entity = ? AND edition = ? AND metric = ? "
                                  "AND scope = 'world'", [country, edition, metric])  # fmt: skip
            assert got == [(want,)], (edition, metric)
    # Mexico's resilience: 124th in 2023, 111th in 2025: up 13 places
    if country == "Mexico":
        assert query(
            first_db,
            "SELECT rank, previous_rank, places_moved FROM ranks WHERE entity = 'Mexico' AND "
            "edition = 2025 AND metric = 'resilience' AND scope = 'world'",
        ) == [(111, 124, 13)]
