"""The run-together score tokens and rank lines."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import catalog
from pipeline.errors import TokenError
from pipeline.extract import cursor, lines, tokens
from pipeline.extract.profile import profile_field
from pipeline.extract.tokens import parse_rank_line, split_score_change


@pytest.mark.parametrize(
    "token, score, change",
    [
        ("5.170.12", 5.17, 0.12),
        ("7.50-0.50", 7.50, -0.50),
        ("2.50 n/a", 2.50, None),
        ("10.001.00", 10.00, 1.00),
        ("10.00-1.50", 10.00, -1.50),
        ("1.000.00", 1.00, 0.00),
        ("7.66", 7.66, None),
        ("4.430.10", 4.43, 0.10),
        ("3.700.08", 3.70, 0.08),
        ("5.17 0.12", 5.17, 0.12),  # read apart from HTML elements
        ("5.17 +0.12", 5.17, 0.12),
        ("5.17 (−0.12)", 5.17, -0.12),
        ("2.50 N/A", 2.50, None),
        ("2.50 (n/a)", 2.50, None),
        ("5.17 ▲0.12", 5.17, 0.12),
        ("7.50 ▼ 0.50", 7.50, -0.50),
    ],
)
def test_split(token, score, change):
    assert split_score_change(token) == (score, change)


@pytest.mark.parametrize(
    "token",
    [
        "5.1.70.12",
        "12.500.00",
        "5.17.0.12",
        "5.1",
        "50.00",
        "5.170.1",
        "n/a",
        "",
        "5.17 0.12x",
        "5.17 (0.12",
        "5.17 0.12)",
    ],
)
def test_malformed_token_names_line_and_text(token):
    with pytest.raises(TokenError) as exc:
        split_score_change(token, line=212)
    assert "line 212" in str(exc.value) and f'"{token}"' in str(exc.value)
    assert exc.value.code == "bad_token" and exc.value.line == 212


indicator_scores = st.integers(2, 20).map(lambda n: Decimal(n) / 2)  # 1 to 10 in steps of 0.5
mean_scores = st.integers(100, 1000).map(lambda n: Decimal(n) / 100)  # any 2-decimal mean
changes = st.one_of(st.none(), st.integers(-999, 999).map(lambda n: Decimal(n) / 100))


def site_print(score: Decimal, change: Decimal | None, na: bool) -> str:
    """How the site's two elements read once extracted as text."""
    if change is None:
        return f"{score:.2f} n/a" if na else f"{score:.2f}"
    return f"{score:.2f}{change:.2f}"


@given(score=st.one_of(indicator_scores, mean_scores), change=changes, na=st.booleans())
def test_any_printed_pair_parses_back_exactly(score, change, na):
    parsed_score, parsed_change = split_score_change(site_print(score, change, na))
    assert Decimal(str(parsed_score)) == score
    assert (None if parsed_change is None else Decimal(str(parsed_change))) == change


@pytest.mark.parametrize(
    "line, rank, of, area, change",
    [
        ("129th of 193 countries -2", 129, 193, None, -2),
        ("29th of 44 countries in Europe-2", 29, 44, "Europe", -2),
        ("7th of 11 countries in Western Europe-1", 7, 11, "Western Europe", -1),
        ("3rd of 54 countries in Africa2", 3, 54, "Africa", 2),
        ("1st of 13 countries in Southern Africa0", 1, 13, "Southern Africa", 0),
        ("8th of 44 countries in Europe -2", 8, 44, "Europe", -2),
        ("2nd of 193 countries", 2, 193, None, None),
        ("1st of 12 countries in South America", 1, 12, "South America", None),
        ("5th of 17 countries in Central & Eastern Europe 3", 5, 17, "Central & Eastern Europe", 3),
    ],
)
def test_rank_lines(line, rank, of, area, change):
    r = parse_rank_line(line)
    assert (r.rank, r.of, r.area, r.change) == (rank, of, area, change)


def test_region_rank_line():
    r = parse_rank_line("1st of 5 African regions")
    assert (r.rank, r.of, r.regions, r.area, r.area_first) == (1, 5, True, "African", True)


@pytest.mark.parametrize("line", ["129th of countries", "of 193 countries", "12th of 193 cities -2"])
def test_not_rank_lines(line):
    assert parse_rank_line(line) is None


# --- the grammar's per-line classification ----------------------------------------------------------

_LABELS = [i.label for i in catalog.INDICATORS]
_LINES = st.one_of(
    st.text(alphabet="0123456789.-+−() n/aNA▲▼thsndrof countriesinEuropeCrmalkt&", max_size=100),
    st.sampled_from(
        _LABELS
        + [
            "Criminality score",
            "Resilience Score",
            "GDP total",
            "Area (km2)",
            "Capital",
            "5.170.12",
            "10.00-1.50",
            "2.50 n/a",
            "129th of 193 countries -2",
            "4.43 5.17 5.00 4.43 5.17 5.00",
            "Read more on globalinitiative.net",
        ]
    ),
    st.builds(lambda label, pad: label + pad, st.sampled_from(_LABELS), st.text(alphabet=" &-–x", max_size=90)),
)


@given(_LINES)
def test_a_line_is_classified_as_the_direct_checks_say(text):
    """`cursor.kind` (cached, with a shortcut for prose) says what the checks it stands for say. Prose (a long
    line not starting with a number) is no value: it holds no decimal to read."""
    numeric = text[:1].isdigit() or text[:1] in "-+−▲▼↑↓("
    short = len(text) <= cursor._LONGEST_LABEL  # the longest label, and some room: prose is longer
    token = tokens.is_score_token(text)
    decimal = tokens.DECIMAL.search(text) is not None and (numeric or short)
    tokenish = numeric and tokens.looks_like_token(text)
    assert cursor.kind(text) == cursor.Kind(
        token,
        token and not tokens.has_change(text),
        (numeric or short) and tokens.is_change_only(text),
        tokenish,
        decimal,
        numeric and (decimal or tokenish),
        numeric and tokens.is_rank_like(text),
        numeric and tokens.parse_pyramid(text) is not None,
        catalog.indicator_for_label(text),
        catalog.composite_for_heading(text),
        profile_field(text),
        cursor.is_footer(text),
        catalog.label_key(text) if not numeric and catalog.label_key(text) in ("profile", "analysis") else None,
        cursor.kind(text).opens,  # which pieces a line opens: tested with the joins (test_structure.py)
    )


_SPLITTABLE = st.one_of(
    _LINES,
    st.builds(
        lambda a, b: f"{a} {b}",
        st.sampled_from(_LABELS + ["Criminality score", "Capital:", "Population", "Area", "GDP"]),
        st.sampled_from(
            [
                "5.00 0.00",
                "4.43 0.10",
                "2.50 n/a",
                "11,592,952",
                "Brussels",
                "USD 594,104.00 million",
                "(+0.12)",
                "of the state",
            ]
        ),
    ),
    st.builds(lambda a: "Read more on globalinitiative.net" + a, st.sampled_from(catalog.GLUED_LABELS)),
)


@given(_SPLITTABLE)
def test_the_quick_test_before_splitting_a_line_misses_nothing(text):
    """Most lines skip `split_line` after a cheap test: that test never skips a line it would split."""
    line = " ".join(text.split())
    if not line:
        return
    expected = lines.split_line(line)
    assert lines._pieces(line) == (None if expected == [line] else tuple(expected))
