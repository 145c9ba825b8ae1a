"""HTML lines are what a browser shows: every HTML fixture opened in headless Chromium, whose
`document.body.innerText` (split into non-empty lines, whitespace collapsed) must equal the lines the
pipeline reads (`html.visible_lines`, before the format-independent split of run-together lines)."""

from __future__ import annotations

import pytest
from browser import chromium
from conftest import SEED
from corpus import MARKUPS, Corpus, Variant, to_html

from pipeline.extract.html import visible_lines
from pipeline.extract.lines import text_lines

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

SNIPPETS = {
    "ordinal-in-sup": "<p><span>114<sup>th</sup></span> of 193 countries <span>-15</span></p>",
    "score-and-change-apart": "<div><span>5.17</span><span>0.12</span></div><div><span>2.50</span> <span>n/a</span></div>",
    "number-split": "<div><b>5</b>.17<i>0.12</i></div>",
    "label-with-inline": "<h3><em>Human</em> <a href='#'>trafficking</a></h3><p><abbr title='x'>GDP</abbr> total</p>",
    "table-cells": "<table><tr><th>Capital</th><td>Brussels</td></tr><tr><td>Cocaine trade</td><td>8.00</td>"
    "<td>0.50</td></tr><tr><td>129th of 193 countries</td><td>-2</td></tr></table>",
    "definition-list": "<dl><dt>Population</dt><dd>11,592,952</dd><dt>Area</dt><dd>30,530 km²</dd></dl>",
    "br-lines": "<p>Capital<br>Brussels<br>\n  Income group <br> High income</p>",
    "hidden-mobile-copy": "<style>@media (min-width: 768px) { .m { display: none } } .h { visibility: hidden }</style>"
    "<div class='m'>9.509.50</div><div>4.430.10</div><p class='h'>secret</p><p hidden>gone</p>"
    "<p style='display:none'>none</p><details><summary>More</summary>closed</details>",
    "nested-inline": "<div><span><span><b><span>5.17</span></b></span><span><i>0.12</i></span></span></div>",
    "whitespace": "<div>  a\n\tb  </div><div>   </div><span>c</span> <span>d</span><pre>e\n f</pre>",
}


def fixtures() -> dict[str, str]:
    from conftest import WORKBOOK

    from pipeline.extract.workbook import read_workbook

    rows = {(r.edition, r.iso3): r for r in read_workbook(WORKBOOK)}
    corpus = Corpus(rows)
    seed = [line.text for line in text_lines(SEED.read_text(encoding="utf-8"))]
    pages = {f"seed-{m}": to_html(seed, m) for m in MARKUPS}
    pages |= {f"2025-NLD-{m}": to_html(corpus.country_page(Variant(2025), "NLD"), m) for m in MARKUPS}
    pages |= {f"2021-COD-{m}": to_html(corpus.country_page(Variant(2021), "COD"), m) for m in MARKUPS[::3]}
    pages |= {f"snippet-{k}": f"<!DOCTYPE html><html><body>{v}</body></html>" for k, v in SNIPPETS.items()}
    return pages


FIXTURES = fixtures()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_the_pipeline_reads_the_lines_a_browser_shows(browser, tmp_path, name):
    path = tmp_path / f"{name}.html"
    path.write_text(FIXTURES[name], encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        shown = page.evaluate("document.body.innerText")
    finally:
        page.close()
    browser_lines = [" ".join(line.split()) for line in shown.split("\n") if line.strip()]
    assert [line.text for line in visible_lines(FIXTURES[name])] == browser_lines
    assert requests == [path.as_uri()]
