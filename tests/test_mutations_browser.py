"""What a person sees of the mutated pages (tests/mutations.py), checked in headless Chromium.

The `unambiguous` classification of a variant is a claim about the page as a browser shows it: every value is there
to read. For the tricky kinds these tests open the HTML variant in Chromium and check that the expected values
appear in `document.body.innerText` (after dropping footnote markers, see below). They also check that the saved
text variants are exactly what a browser shows of the matching HTML variants (innerText lines), so the text
variants are honest copies, not inventions.

innerText is the reference for a person's reading, with deliberate departures, each asserted below as a fact of
Chromium so that this list stays true. A page reader is expected to depart from innerText here:

- SVG `<text>`: innerText includes chart labels (`0`, `5`, `10`, `4.34`, `2021`) line by line; they are a drawing's
  labels, not page text, and a reader must not take them as values.
- `<select>`: innerText lists every `<option>` (`2021`, `2023`, `2025`); a person sees only the selected one.
- Footnote markers `<sup><a href="#fn1">1</a></sup>`: innerText glues the digit to what precedes it
  (`11,592,9521`, `4.4310.10`, `Population1`, `countries2 -2`); a person sees a raised marker, not a digit of
  the value. An ordinal suffix in `<sup>` (`129<sup>th</sup>`) is different: it is part of the word (`129th`).
- Flex items: innerText puts each flex item on its own line (`4.43` / `0.10`, `129th` / `of 193 countries` / `-2`)
  while the screen shows one row.
- Visually hidden copies (`clip: rect(0 0 0 0)`, absolutely positioned): innerText includes them, on a line of
  their own; a person does not see them (a screen reader reads them). They repeat values, identical.
- `text-transform: uppercase`: innerText returns the capitals (`CRIMINALITY SCORE`); the source text, which a
  reader of the HTML sees, keeps its case.
- Soft hyphens (U+00AD) stay in innerText; a person sees none unless the word breaks there.
- No-break and thin spaces (U+00A0, U+2009, U+202F) stay in innerText; they group digits like a comma does.
- Table cells are separated by tabs in innerText.
- An inline link in a value (`Brussels <a>View on map</a>`) is one innerText line; a person sees a link beside
  the value, not part of it.
- `hidden`, `display: none` (by class), `<template>`, `<noscript>` (scripts on) and `<script>` never reach
  innerText; a reader must skip them too.
"""

from __future__ import annotations

import re

import pytest
from browser import chromium
from mutations import KINDS, LABELS, PROFILE, RANKS, all_variants, plain, prose, seed_text

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

VARIANTS = {v.id: v for v in all_variants()}
DROP_FOOTNOTES = """() => { for (const s of document.querySelectorAll('sup')) {
    if (s.querySelector('a[href^="#fn"]')) s.remove(); } }"""


@pytest.fixture(scope="module")
def page():
    pytest.importorskip("playwright")
    with chromium() as browser:
        yield browser.new_page()


def inner_text(page, html: str, drop_footnotes: bool = False) -> str:
    page.set_content(html)
    if drop_footnotes:
        page.evaluate(DROP_FOOTNOTES)
    return page.evaluate("document.body.innerText")


def lines_of(text: str) -> list[str]:
    return [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n") if line.strip()]


def seed_lines() -> list[str]:
    return [line.strip() for line in seed_text().splitlines() if line.strip()]


def test_plain_html_reads_like_the_seed(page) -> None:
    assert lines_of(inner_text(page, plain("html"))) == seed_lines()


# --- the saved text variants are what a browser shows of the HTML variants ---------------------------------------

PAIRED = [
    pytest.param(k.name, pos, id=f"{k.name}@{pos}")
    for k in KINDS.values()
    if set(k.formats) == {"html", "text"}
    for pos in k.positions
    if ("text", pos) not in k.skip
]


@pytest.mark.parametrize(("kind", "position"), PAIRED)
def test_text_variant_is_what_the_browser_shows(page, kind: str, position: str) -> None:
    html = VARIANTS[f"{kind}@{position}:html"].page
    text = VARIANTS[f"{kind}@{position}:text"].page
    assert lines_of(inner_text(page, html)) == lines_of(text)


# --- a reader sees every value of the tricky variants -------------------------------------------------------------

TRICKY = [
    ("sr-only-copy", "card:criminality"),
    ("sr-only-copy", "all"),
    ("sr-only-copy-profile", "profile:population"),
    ("flex-score", "card:criminality"),
    ("flex-score", "all"),
    ("rank-split-lines", "all"),
    ("rank-split-spans", "all"),
    ("rank-ordinal-sup", "all"),
    ("svg-chart", "after-header"),
    ("svg-chart", "between-markets"),
    ("select-editions", "year"),
    ("footnote-sup-number", "card:criminality"),
    ("footnote-sup-number", "card:human_trafficking"),
    ("footnote-sup-label", "label:population"),
    ("footnote-sup-label", "label:criminality"),
    ("footnote-sup-profile", "profile:population"),
    ("footnote-sup-rank", "rank:criminality:world"),
    ("population-nbsp", "profile:population"),
    ("population-thin-space", "profile:population"),
    ("population-narrow-nbsp", "profile:population"),
    ("area-nbsp", "profile:area"),
    ("gdp-nbsp", "profile:gdp"),
    ("hidden-mobile-copy", "after-header"),
    ("hidden-mobile-copy", "after-repeat"),
    ("hidden-stale-copy", "before-criminality"),
    ("template-stale", "after-header"),
    ("noscript", "after-header"),
    ("json-ld", "before-criminality"),
    ("css-uppercase", "all"),
    ("soft-hyphen-label", "label:non_renewable_resource_crimes"),
    ("numeric-entities", "all"),
    ("react-comments", "all"),
    ("table-indicators", "all"),
    ("profile-table", "profile"),
    ("flex-header", "header"),
    ("grid-cards", "indicators"),
    ("view-on-map-inline", "profile:capital"),
    ("mobile-summary", "after-header"),
]
NUMBER = re.compile(r"\d+\.\d\d")
PROFILE_PATTERNS = {
    "capital": r"Brussels",
    "gdp": r"594[, ]104\.00",
    "income_group": r"High income",
    "population": r"11[, ]592[, ]952",
    "area": r"30[, ]530 km²",
    "geography_type": r"Coastal",
    "gini": r"26\.0",
}


def reader_view(text: str) -> str:
    text = text.replace("\u00ad", "")
    return re.sub(r"[\u00a0\u2009\u202f]", " ", text)


def assert_reader_sees_every_value(text: str, plain_text: str) -> None:
    view = reader_view(text)
    flat = " ".join(lines_of(view))
    assert re.search(r"^Belgium$", view, re.M | re.I), "the country name"
    for fld, pattern in PROFILE_PATTERNS.items():
        assert re.search(pattern, flat), f"profile {fld}"
    labels = [label for _, label, _ in PROFILE] + [t for t, _ in prose().sections] + list(LABELS.values())
    for label in labels:
        assert label.lower() in flat.lower(), f"label {label!r}"
    for r in RANKS:
        area = "" if r.scope == "world" else rf" in {re.escape(r.area)}"
        pattern = rf"{r.ordinal}\s*of {r.of} countries{area}\s*{re.escape(r.change)}(?!\d)"
        assert re.search(pattern, flat), f"rank line {r.printed()!r}"
    # every score and change, in page order (other numbers may come between them: copies, chart labels)
    want = NUMBER.findall(" ".join(lines_of(plain_text)))
    got = iter(NUMBER.findall(flat))
    missing = [n for n in want if not any(g == n for g in got)]
    assert missing == [], f"scores or changes not shown in order, first missing: {missing[:3]}"


@pytest.fixture(scope="module")
def plain_inner(page) -> str:
    return inner_text(page, plain("html"))


@pytest.mark.parametrize(("kind", "position"), [pytest.param(k, p, id=f"{k}@{p}") for k, p in TRICKY])
def test_reader_sees_every_value(page, plain_inner: str, kind: str, position: str) -> None:
    v = VARIANTS[f"{kind}@{position}:html"]
    assert_reader_sees_every_value(inner_text(page, v.page, drop_footnotes=True), plain_inner)


# --- where a page reader departs from innerText on purpose (the module docstring, as facts) ----------------------


def _text(page, kind: str, position: str, drop_footnotes: bool = False) -> str:
    return inner_text(page, VARIANTS[f"{kind}@{position}:html"].page, drop_footnotes)


def test_svg_text_reaches_inner_text(page) -> None:
    lines = lines_of(_text(page, "svg-chart", "after-header"))
    assert "4.34" in lines and "2021" in lines


def test_select_lists_every_option_but_shows_one(page) -> None:
    lines = lines_of(_text(page, "select-editions", "year"))
    i = lines.index("Year:")
    assert lines[i + 1 : i + 4] == ["2021", "2023", "2025"]
    assert page.evaluate("document.querySelector('select').selectedOptions[0].textContent") == "2023"


@pytest.mark.parametrize(
    ("kind", "position", "glued"),
    [
        ("footnote-sup-number", "card:criminality", "4.4310.10"),
        ("footnote-sup-profile", "profile:population", "11,592,9521"),
        ("footnote-sup-label", "label:population", "Population1"),
        ("footnote-sup-rank", "rank:criminality:world", "129th of 193 countries2 -2"),
    ],
)
def test_footnote_markers_glue_to_the_value(page, kind: str, position: str, glued: str) -> None:
    assert glued in lines_of(_text(page, kind, position))
    assert glued not in lines_of(_text(page, kind, position, drop_footnotes=True))


def test_ordinal_suffix_in_sup_is_part_of_the_word(page) -> None:
    assert "129th of 193 countries -2" in lines_of(_text(page, "rank-ordinal-sup", "all"))


def _one_row(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const kids = [...document.querySelector(sel).children].map(e => e.getBoundingClientRect());
        return kids.every(r => r.top < kids[0].bottom && r.bottom > kids[0].top); }""",
        selector,
    )


def test_flex_items_split_lines_but_share_a_row(page) -> None:
    lines = lines_of(_text(page, "flex-score", "card:criminality"))
    assert lines[lines.index("Criminality score") - 2 : lines.index("Criminality score")] == ["4.43", "0.10"]
    assert _one_row(page, ".summary .score-card")
    lines = lines_of(_text(page, "rank-split-lines", "rank:criminality:world"))
    i = lines.index("129th")
    assert lines[i : i + 3] == ["129th", "of 193 countries", "-2"]
    assert _one_row(page, ".summary .rank")


def test_visually_hidden_copy_is_in_inner_text(page) -> None:
    lines = lines_of(_text(page, "sr-only-copy", "card:criminality"))
    i = lines.index("Score 4.43 out of 10, change 0.10")
    assert lines[i + 1] == "4.430.10"


@pytest.mark.parametrize(
    ("kind", "position", "absent"),
    [
        ("hidden-mobile-copy", "after-header", None),
        ("hidden-stale-copy", "after-header", "4.34"),
        ("template-stale", "after-header", "4.34"),
        ("json-ld", "after-header", "4.34"),
        ("noscript", "after-header", "Turn on JavaScript to explore the interactive charts."),
    ],
)
def test_hidden_content_never_reaches_inner_text(page, kind: str, position: str, absent: str | None) -> None:
    lines = lines_of(_text(page, kind, position))
    assert lines == seed_lines() if absent is None else absent not in " ".join(lines)


def test_css_uppercase_changes_inner_text_not_the_source(page) -> None:
    lines = lines_of(_text(page, "css-uppercase", "all"))
    assert "CRIMINALITY SCORE" in lines and "Criminality score" not in lines
    assert page.evaluate("document.querySelector('.summary h2').textContent") == "Criminality score"


def test_soft_hyphen_and_digit_spaces_stay_in_inner_text(page) -> None:
    assert "Non-rene\u00adwable resource crimes" in lines_of(
        _text(page, "soft-hyphen-label", "label:non_renewable_resource_crimes")
    )
    assert "11\u00a0592\u00a0952" in lines_of(_text(page, "population-nbsp", "profile:population"))
    assert "11\u2009592\u2009952" in lines_of(_text(page, "population-thin-space", "profile:population"))
    assert "11\u202f592\u202f952" in lines_of(_text(page, "population-narrow-nbsp", "profile:population"))


def test_table_cells_are_tab_separated(page) -> None:
    text = _text(page, "profile-table", "profile")
    assert "Capital\tBrussels" in text


def test_inline_link_shares_the_value_line(page) -> None:
    assert "Brussels View on map" in lines_of(_text(page, "view-on-map-inline", "profile:capital"))
