"""HTML pages read from what a reader sees, whatever the markup: the same record as the text."""

from __future__ import annotations

import pytest
from conftest import SEED
from corpus import MARKUPS, Corpus, Variant, flat, to_html
from siteserver import Site, SiteServer

from pipeline.extract.document import parse_page
from pipeline.extract.html import html_lines, visible_lines
from pipeline.extract.lines import text_lines
from pipeline.extract.tokens import BOUNDARY


@pytest.fixture(scope="module")
def corpus(workbook_rows):
    return Corpus(workbook_rows)


def seed_lines() -> list[str]:
    return [line.text for line in text_lines(SEED.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("markup", MARKUPS)
def test_seed_as_html_gives_the_seed_record(markup):
    text_record = parse_page(SEED.read_bytes())
    html_record = parse_page(to_html(seed_lines(), markup).encode())
    assert html_record["source"]["format"] == "html"
    assert html_record["entities"] == text_record["entities"]
    assert (html_record["edition"], html_record["complete"]) == (2023, True)
    assert [i for i in html_record["issues"] if i["severity"] == "error"] == []


@pytest.mark.parametrize("markup", MARKUPS)
@pytest.mark.parametrize("edition", [2021, 2023, 2025])
@pytest.mark.parametrize("iso3", ["BEL", "COD", "KNA", "CIV"])
def test_every_markup_same_record_as_text(corpus, iso3, edition, markup):
    lines = corpus.country_page(Variant(edition), iso3)
    assert parse_page(to_html(lines, markup).encode())["entities"] == parse_page(flat(lines).encode())["entities"]


@pytest.mark.parametrize(
    "doc, lines",
    [
        pytest.param("<div><span>5.17</span><span>0.12</span></div>", ["5.170.12"], id="score-and-change"),
        pytest.param(
            "<p><span>114<sup>th</sup></span> of 193 countries <span>-15</span></p>",
            ["114th of 193 countries -15"],
            id="ordinal-in-sup",
        ),
        pytest.param("<div><b>5</b>.17</div><p>Brussels<b>!</b></p>", ["5.17", "Brussels!"], id="number-split"),
        pytest.param("<p>a<br>b</p><p>c  \n d</p>", ["a", "b", "c d"], id="br-and-whitespace"),
    ],
)
def test_inline_elements_neither_break_a_line_nor_add_a_space(doc, lines):
    assert [line.text for line in visible_lines(doc)] == lines


def test_invisible_content_never_reaches_the_record():
    doc = """<html><head><title>Criminal markets</title><style>p{}</style></head><body>
    <script>var x = "9.990.99";</script><noscript>Criminal markets</noscript><template><p>1.000.00</p></template>
    <!-- 5.170.12 --><p hidden>Human trafficking</p><p style="color: red; display:none">8.008.00</p>
    <input type="hidden" value="7.00"><style>.x { display: none }</style><div class="x">Heroin trade 1.00</div>
    <p style="visibility: hidden">secret</p><p>Visible &amp; kept &rsquo;here&rsquo;</p></body></html>"""
    assert [line.text for line in html_lines(doc)] == ["Visible & kept ’here’"]


@pytest.mark.parametrize(
    "sheet",
    [
        ".gone { display: none } .gone { color: red } .unused { display: none }",  # named twice in the sheet
        "@media screen { .gone { display: none } } /* .gone */",  # and in a comment of its own
    ],
)
def test_a_class_named_in_the_stylesheet_hides_what_uses_it(sheet):
    """A rule is skipped unread only when the page names its class nowhere but in its stylesheets: however often
    the stylesheet names it, one element using it is enough."""
    doc = f"""<html><head><style>{sheet}</style></head><body><p class="gone">Heroin trade 1.00</p>
    <p>Kept</p><style>.gone {{ visibility: visible }}</style></body></html>"""
    assert [line.text for line in html_lines(doc)] == ["Kept"]


@pytest.mark.parametrize(
    ("sheet", "markup"),
    [
        (".gone { display: none }", '<p class="g&#111;ne">Heroin trade 1.00</p>'),  # a reference in the class
        ("#gone { display: none }", '<p id="&#103;one">Heroin trade 1.00</p>'),  # and in the id
        ("p:not(.shown) { display: none }", "<p>Heroin trade 1.00</p>"),  # a class no element carries, negated
        ("div:not(#main) > p { display: none }", "<div><p>Heroin trade 1.00</p></div>"),
        ('a[href$=".pdf"] { display: none }', '<a href="x.pdf">Heroin trade 1.00</a>'),  # a name in a value
        (r".a\:b { display: none }", '<p class="a:b">Heroin trade 1.00</p>'),  # an escaped name
    ],
)
def test_a_rule_is_skipped_only_when_no_element_carries_a_name_it_needs(sheet, markup):
    """Rules are skipped unevaluated when a class or id they need is carried by no element: never one whose
    names may be negated, alternatives, values or escaped, and never by the names as the markup spells them."""
    doc = f"<html><head><style>{sheet}</style></head><body>{markup}<h2>Kept</h2></body></html>"
    assert [line.text for line in html_lines(doc)] == ["Kept"]


def test_source_line_numbers_are_kept():
    doc = "<html>\n<body>\n<div>Profile</div>\n\n<div>Belgium</div>\n<div>\n<span>4.43</span><span>0.10</span></div>\n</body></html>"
    # the score and its change are two elements: a boundary between their digits, never one number
    assert [(line.no, line.text) for line in html_lines(doc)] == [
        (3, "Profile"), (5, "Belgium"), (7, f"4.43{BOUNDARY}0.10")]  # fmt: skip


def test_menu_of_indicator_names_does_not_become_scores(corpus):
    lines = corpus.country_page(Variant(2023), "BEL")
    page = to_html(lines, "semantic")  # carries a <nav> menu listing every indicator, Profile and Analysis
    assert "<nav" in page
    record = parse_page(page.encode())
    assert record["entities"] == parse_page(flat(lines).encode())["entities"]


def test_issue_lines_point_into_the_html_source(corpus):
    lines = corpus.country_page(Variant(2023), "BEL")
    page = to_html(lines, "divs").replace("<span>8.00</span><span>0.50</span>", "<span>8.0.0</span><span>0.50</span>")
    record = parse_page(page.encode())
    (bad,) = [i for i in record["issues"] if i["code"] == "bad_token"]
    source_lines = page.splitlines()
    assert "8.0.0" in source_lines[bad["line"] - 1]


def test_entities_a_page_declares_are_neither_expanded_nor_fetched():
    """A page's own DTD may declare entities: a billion-laughs bomb, or an external entity (XXE). Neither
    is expanded, and the external one is never fetched: the server it names counts no request."""
    site = Site(pages={"/secret": b"the secret text", "/evil.dtd": b'<!ENTITY inner "from the dtd">'})
    with SiteServer(site) as server:
        doc = (
            f'<?xml version="1.0"?><!DOCTYPE lolz SYSTEM "{server.url}/evil.dtd" [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
            f'<!ENTITY xxe SYSTEM "{server.url}/secret">]>'
            "<html><body><p>&lol3;</p><p>&xxe;</p><p>&inner;</p><p>kept</p></body></html>"
        )
        text = " ".join(line.text for line in html_lines(doc))
        record = parse_page(doc.encode())
    assert site.seen == []
    assert "lollol" not in text and "secret text" not in text and "from the dtd" not in text
    assert "kept" in text
    assert record["complete"] is False and record["entities"] == []


def test_the_parser_makes_no_request():
    """Markup that names other resources (a DTD, frames, images, styles, scripts) on a live local server:
    reading the page sends it no request."""
    site = Site(pages={p: b"x" for p in ("/evil.dtd", "/frame", "/img", "/style.css", "/script.js")})
    with SiteServer(site) as server:
        u = server.url
        doc = (
            f'<!DOCTYPE html SYSTEM "{u}/evil.dtd"><html><head><link rel="stylesheet" href="{u}/style.css">'
            f'<script src="{u}/script.js"></script></head><body><iframe src="{u}/frame"></iframe>'
            f'<img src="{u}/img"><p>text</p></body></html>'
        )
        lines = [line.text for line in html_lines(doc)]
        parse_page(doc.encode())
    assert lines == ["text"]
    assert site.seen == []


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(b"<html>", id="unclosed-html"),
        pytest.param(b"<html><body></body></html>", id="empty-body"),
        pytest.param(b"<!DOCTYPE html>", id="doctype-only"),
        pytest.param(b"<<<>>>", id="brackets"),
        pytest.param(
            b"<html><body>" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000 + b"</body></html>", id="5000-deep"
        ),
    ],
)
def test_degenerate_html_is_a_clear_reject(doc):
    record = parse_page(doc)
    assert record["complete"] is False
    assert [i["code"] for i in record["issues"] if i["severity"] == "error"] in (["not_a_profile"], ["empty_page"])


def test_profile_fields_with_their_values_on_one_line():
    lines = seed_lines()
    i = lines.index("Capital")
    lines[i : i + 4] = ["Capital: Brussels", "Gross domestic product (GDP) USD 594,104.00 million"]
    record = parse_page(to_html(lines, "semantic").encode())
    assert record["entities"][0]["profile"] == parse_page(SEED.read_bytes())["entities"][0]["profile"]


def test_a_profile_value_whose_label_is_not_read_is_an_error():
    lines = seed_lines()
    i = lines.index("Capital")
    lines[i : i + 4] = ["Hauptstadt", "Brüssel", "Bruttoinlandsprodukt", "USD 594,104.00 million"]
    record = parse_page(to_html(lines, "divs").encode())
    profile = record["entities"][0]["profile"]
    assert profile is None or profile["capital"] is None
    errors = [i for i in record["issues"] if i["severity"] == "error"]
    assert any(i["code"] in ("bad_profile", "missing_block", "unaccounted_value") for i in errors)
    assert any("594,104.00" in i["message"] for i in errors)  # the GDP whose label was not read is named


def test_a_page_without_a_charset_keeps_its_accents():
    """The walker hands lxml text it already decoded: lxml must not guess Latin-1 for it."""
    doc = "<html><body><p>Côte d’Ivoire</p><p>30,530 km²</p></body></html>"
    assert [line.text for line in visible_lines(doc)] == ["Côte d’Ivoire", "30,530 km²"]
