"""Every layout and edition, rendered from the official workbook: the parser reads them by general rules."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import PAGES
from corpus import Corpus, Variant, flat, flat_from_markets, header_length, indented
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import catalog
from pipeline.extract.document import parse_page

COUNTRIES = ["BEL", "COL", "ZAF", "NLD", "COD", "SWZ", "KNA", "CIV", "PRK", "FSM"]


@pytest.fixture(scope="module")
def corpus(workbook_rows):
    rows = dict(workbook_rows)
    for (edition, iso3), row in workbook_rows.items():  # ENACT 2019 stand-in: the 2021 numbers, Africa only
        if edition == 2021 and row.continent == "Africa":
            rows[(2019, iso3)] = replace(row, edition=2019)
    return Corpus(rows)


def errors(record):
    return [(i["code"], i["message"]) for i in record["issues"] if i["severity"] == "error"]


def check_country(entity, expected, enact=False):
    got = {
        k: (
            Decimal(str(v["score"])).quantize(Decimal("0.01")),
            None if v["change"] is None else Decimal(str(v["change"])).quantize(Decimal("0.01")),
        )
        for k, v in entity["scores"].items()
    }
    assert got == expected["scores"]
    want = expected["enact_ranks"] if enact else expected["ranks"]
    ranks = [
        (r["metric"], r["scope"], r["area"], r["rank"], r["of"], r["change_shown"], r["previous_rank"])
        for r in entity["ranks"]
    ]
    if not enact and expected["ranks"][0][5] is None:
        want = [(*r[:5], None, None) for r in want]
    assert ranks == want
    if enact:
        assert entity["region"] == expected["region"] and entity["enact_region"] == expected["au_region"]


def styled(lines, style):
    head = header_length(lines)
    if style == "indented":
        return indented(lines, head).encode()
    if style == "flat":
        return flat(lines).encode()
    if style == "crlf-bom":
        return b"\xef\xbb\xbf" + indented(lines, head).replace("\n", "\r\n").encode()
    if style == "stray-indent":
        rnd = random.Random(7)
        return "\n".join(
            " " * rnd.choice([0, 1, 2, 4, 8]) + "\t" * rnd.choice([0, 1]) + line + " " * rnd.choice([0, 3])
            for line in indented(lines, head).splitlines()
        ).encode()
    if style == "utf16":
        return indented(lines, head).encode("utf-16")
    raise AssertionError(style)


@pytest.mark.parametrize("style", ["indented", "flat", "crlf-bom", "stray-indent", "utf16"])
@pytest.mark.parametrize("edition", [2021, 2023, 2025])
@pytest.mark.parametrize("iso3", COUNTRIES)
def test_global_country_pages_without_url(corpus, iso3, edition, style):
    lines = corpus.country_page(Variant(edition), iso3)
    record = parse_page(styled(lines, style))
    assert errors(record) == []
    assert record["edition"] == edition and record["complete"] is True
    (entity,) = record["entities"]
    assert entity["iso3"] == iso3 and entity["kind"] == "country"
    check_country(entity, corpus.expected(edition, iso3))
    assert len(entity["sections"]) == 11
    assert entity["sections"][0]["title"] == "People"
    profile = entity["profile"]
    if edition == 2025:
        assert profile["income_group"] is None and profile["geography_type"] is None and profile["gini"] is None
        assert profile["gdp_usd_million"] is not None
    if edition == 2021:
        assert profile["gdp_usd_million"] is None and profile["income_group"] is not None


@pytest.mark.parametrize("edition", [2019, 2023])
@pytest.mark.parametrize("iso3", ["ZAF", "NER", "COD", "SWZ", "CIV"])
def test_enact_africa_pages(corpus, iso3, edition):
    v = Variant(edition, enact=True)
    lines = corpus.country_page(v, iso3)
    if edition == 2019:
        assert "Criminal market" in lines and "State Resilience Score" in lines
    else:
        assert "Criminality Score" in lines and "Political leadership & governance" in lines
    record = parse_page(indented(lines, header_length(lines)).encode())
    assert errors(record) == []
    assert record["edition"] == edition and record["complete"] is True
    (entity,) = record["entities"]
    assert entity["iso3"] == iso3
    check_country(entity, corpus.expected(edition, iso3), enact=True)
    assert [r["scope"] for r in entity["ranks"]] == ["continent", "region"] * 2
    assert entity["ranks"][0]["area"] == "Africa" and entity["ranks"][0]["of"] == 54


@pytest.mark.parametrize("edition", [2021, 2023, 2025])
@pytest.mark.parametrize("pair", [("COL", "MEX"), ("BEL", "NLD"), ("COD", "COG")])
def test_comparison_pages(corpus, pair, edition):
    a, b = pair
    lines = corpus.comparison_page(Variant(edition), a, b)
    slug = lambda iso: catalog.country_by_iso3(iso).slug(edition)
    url = f"https://ocindex.net/{edition}/country/{slug(a)}/{slug(b)}"
    record = parse_page(indented(lines, header_length(lines)).encode(), url=url)
    assert errors(record) == []
    assert [e["iso3"] for e in record["entities"]] == [a, b]
    for entity, iso3 in zip(record["entities"], pair):
        check_country(entity, corpus.expected(edition, iso3))


@pytest.mark.parametrize(
    "region, iso3",
    [
        ("East Africa", "KEN"),
        ("Central Africa", "COD"),
        ("Southern Africa", "SWZ"),
        ("West Africa", "NER"),
        ("North Africa", "EGY"),
    ],
)
def test_region_versus_country_pages(corpus, region, iso3):
    lines = corpus.region_country_page(2023, region, iso3)
    url = f"https://africa.ocindex.net/region/{region.lower().replace(' ', '_')}/{catalog.country_by_iso3(iso3).slug(2023)}"
    record = parse_page(indented(lines, header_length(lines)).encode(), url=url)
    assert errors(record) == []
    assert record["edition"] == 2023 and record["complete"] is True
    reg, country = record["entities"]
    assert (reg["kind"], reg["name"], reg["iso3"], reg["continent"]) == ("region", region, None, "Africa")
    expected = corpus.region_expected(2023, region)
    assert {k: Decimal(str(v["score"])).quantize(Decimal("0.01")) for k, v in reg["scores"].items()} == expected[
        "scores"
    ]
    assert all(v["change"] is None for v in reg["scores"].values())
    assert reg["countries"] == expected["members"]
    assert reg["profile"]["gdp_usd_million"] == 123456.0
    assert [(r["metric"], r["scope"], r["area"], r["rank"], r["of"]) for r in reg["ranks"]] == [
        (m, "continent", "Africa", rank, of) for m, rank, of in expected["ranks"]
    ]
    assert any(v["score"] * 2 != int(v["score"] * 2) for v in reg["scores"].values())  # means, not steps of 0.5
    assert country["kind"] == "country" and country["iso3"] == iso3
    check_country(country, corpus.expected(2023, iso3), enact=True)


@pytest.mark.parametrize("glued", [True, False])
@pytest.mark.parametrize("edition", [2021, 2023, 2025])
def test_flat_copies_starting_at_criminal_markets(corpus, edition, glued):
    iso3 = "DEU"
    lines = corpus.country_page(Variant(edition), iso3)
    slug = catalog.country_by_iso3(iso3).slug(edition)
    url = f"https://ocindex.net/{edition}/country/{slug}"
    record = parse_page(flat_from_markets(lines, glued).encode(), url=url)
    assert record["complete"] is False
    codes = [c for c, _ in errors(record)]
    assert codes == ["missing_block"]
    assert "profile" in errors(record)[0][1] and "criminality score" in errors(record)[0][1]
    (entity,) = record["entities"]
    assert entity["name"] == "Germany" and entity["iso3"] == "DEU"
    expected = corpus.expected(edition, iso3)
    assert "criminality" not in entity["scores"]
    for code, (score, change) in expected["scores"].items():
        if code != "criminality":
            got = entity["scores"][code]
            assert Decimal(str(got["score"])) == score, code
            assert (None if got["change"] is None else Decimal(str(got["change"])).quantize(Decimal("0.01"))) == change
    assert entity["profile"] is None


def test_flat_copy_edition_comes_from_the_page(corpus):
    for edition in (2023, 2025):
        lines = corpus.country_page(Variant(edition), "DEU")
        record = parse_page(flat_from_markets(lines).encode(), url="https://ocindex.net/country/germany")
        assert record["edition"] == edition


@pytest.mark.parametrize(
    "url, edition",
    [
        ("https://ocindex.net/2021/country/belgium", 2021),
        ("https://ocindex.net/2025/country/belgium", 2025),
    ],
)
def test_url_and_page_disagreeing_is_an_error(corpus, url, edition):
    lines = corpus.country_page(Variant(2023), "BEL")
    record = parse_page(indented(lines, header_length(lines)).encode(), url=url)
    assert record["edition"] is None
    ((code, message),) = [e for e in errors(record) if e[0] == "edition_conflict"]
    assert str(edition) in message and "2023" in message


def test_url_naming_another_country_is_an_error(corpus):
    lines = corpus.country_page(Variant(2023), "BEL")
    record = parse_page(indented(lines, header_length(lines)).encode(), url="https://ocindex.net/2023/country/kenya")
    assert "entity_conflict" in [c for c, _ in errors(record)]


def test_misdecoded_characters_are_kept(corpus):
    lines = corpus.country_page(Variant(2023), "NER")
    i = lines.index("People") + 1
    lines[i] = "The countryās overall criminality score is driven by markets. " + lines[i]
    record = parse_page(indented(lines, header_length(lines)).encode())
    assert errors(record) == []
    assert "countryās overall" in record["entities"][0]["sections"][0]["text"]


def test_latin1_page_reads(corpus):
    lines = corpus.country_page(Variant(2023), "CIV")
    text = indented(lines, header_length(lines))
    record = parse_page(text.encode("cp1252", errors="replace"))
    assert errors(record) == []
    assert record["entities"][0]["iso3"] == "CIV"


@pytest.mark.parametrize("edition", [2021, 2023, 2025])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.02, 0.98))
def test_any_cut_off_page(corpus, edition, cut):
    """Cut anywhere before the footer: never a crash, never complete, an error coded for truncation, and
    every value it does report is the full page's value. (Cut inside the footer, every value is there.)"""
    lines = corpus.country_page(Variant(edition), "COL")
    text = indented(lines, header_length(lines))
    url = f"https://ocindex.net/{edition}/country/colombia"
    full = parse_page(text.encode(), url=url)["entities"][0]
    at = int(len(text) * cut)
    record = parse_page(text[:at].encode(), url=url)
    footer = text.index("For a better experience")
    if at <= footer:
        assert record["complete"] is False
        assert "truncated" in [c for c, _ in errors(record)]
    elif at >= text.index("\n", footer):  # the footer's first line is whole: the page is all there
        assert record["complete"] is True and errors(record) == []
    for entity in record["entities"]:
        for code, value in entity["scores"].items():
            assert value == full["scores"][code], code
        for rank in entity["ranks"]:
            assert rank in full["ranks"]
        if entity["profile"]:
            for k, v in entity["profile"].items():
                assert v is None or v == full["profile"][k], k


def test_every_slug_and_workbook_name_resolves(workbook_rows):
    for (_, iso3), row in workbook_rows.items():
        assert catalog.country(row.name).iso3 == iso3, row.name
    for c in catalog.countries():
        for edition in catalog.EDITIONS:
            assert catalog.country(c.slug(edition)).iso3 == c.iso3, (c.name, edition)
    for slug, iso3 in [
        ("south_africa", "ZAF"),
        ("south-africa", "ZAF"),
        ("democratic_republic_of_the_congo", "COD"),
        ("congo_dem_rep", "COD"),
        ("eSwatini", "SWZ"),
        ("Korea, DPR", "PRK"),
        ("Turkey", "TUR"),
        ("Congo, Dem, Rep,", "COD"),
        ("united-kingdom", "GBR"),
        ("cote_divoire", "CIV"),
    ]:
        assert catalog.country(slug).iso3 == iso3, slug
    assert len(catalog.countries()) == 193


@pytest.mark.parametrize(
    "path", sorted(p for p in PAGES.glob("*.txt") if not p.name.endswith(".source.txt")), ids=lambda p: p.stem
)
def test_real_pages_without_url_still_say_what_they_can(path):
    record = parse_page(path.read_bytes())
    assert record["complete"] is False
    codes = [c for c, _ in errors(record)]
    assert "truncated" in codes
