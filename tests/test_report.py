"""The report people open: one file, no network, every chart drawn, in headless Chromium; its colours,
numbers and country view checked as a reader sees them (computed styles, SVG fills, text), the expected
values from the official workbook read with openpyxl (tests/official.py).

`UPDATE_SCREENSHOT=1 python -m pytest tests/test_report.py` also writes docs/report.png."""

from __future__ import annotations

import os
import re

import pytest
from browser import chromium
from conftest import ROOT, query, run_cli
from official import change, score, sheets

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

DRAWN = "[...document.querySelectorAll('.chart')].every(d => d.querySelector('svg'))"
TWO_DECIMALS = re.compile(r"^[+-]?\d+\.\d\d$")


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def open_report(browser, first_run):
    """Open a report (the first run's by default) at a width; the page once every chart is drawn."""
    pages = []

    def opener(width: int = 1280, report=None, anchor: str = ""):
        page = browser.new_page(viewport={"width": width, "height": 900})
        pages.append(page)
        page.goto((report or first_run / "extracted" / "report.html").as_uri() + anchor)
        page.wait_for_function(DRAWN, timeout=20000)
        return page

    yield opener
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def opened(browser, first_run, tmp_path_factory):
    """The first run's report as Chromium shows it: console errors, requests, marks per chart."""
    report = first_run / "extracted" / "report.html"
    shot = tmp_path_factory.mktemp("shot") / "report.png"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_function(DRAWN, timeout=20000)
    marks = page.evaluate("""Object.fromEntries([...document.querySelectorAll('.chart')].map(d => [d.id,
        d.querySelectorAll('g.role-mark path, g.role-mark rect').length]))""")
    page.screenshot(path=str(shot))
    if os.environ.get("UPDATE_SCREENSHOT"):  # not OCINDEX_*: those are the run's settings
        page.screenshot(path=str(ROOT / "docs" / "report.png"))
    text = page.evaluate("document.body.innerText")
    page.close()
    return {"report": report, "errors": errors, "requests": requests, "marks": marks, "shot": shot, "text": text}


def rgb(colour: str) -> str:
    colour = colour.strip().lstrip("#")
    return "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (0, 2, 4)))


def test_the_report_opens_with_no_error_and_no_request(opened):
    assert opened["errors"] == []
    assert opened["requests"] == [opened["report"].as_uri()]


def test_each_edition_has_a_point_per_country(opened, first_db):
    for edition in (2021, 2023, 2025):
        assert opened["marks"][f"scatter-{edition}"] == 193, edition
    assert opened["marks"]["movers-criminality"] == opened["marks"]["movers-resilience"] == 10
    regions, indicators = query(first_db, """SELECT count(DISTINCT c.region), count(DISTINCT s.indicator)
        FROM scores s JOIN countries c USING (iso3) WHERE s.edition = 2025""")[0]  # fmt: skip
    assert indicators == 36  # the four composite scores are in the heatmap too
    assert opened["marks"]["heatmap"] == regions * indicators


def test_a_screenshot_is_saved(opened):
    assert opened["shot"].stat().st_size > 20_000


def test_the_header_says_what_the_index_is_and_where_each_edition_comes_from(opened, open_report):
    text = opened["text"]
    assert "1 to 10" in text and "High criminality is bad" in text and "high resilience is good" in text
    page = open_report()
    rows = page.evaluate("""[...document.querySelectorAll('header table tbody tr')].map(r =>
        [...r.cells].map(c => c.textContent))""")
    by_edition = {r[0]: r for r in rows}
    # raw/ holds the 2023 Belgium page and the official workbook: 2021 and 2025 come from the workbook alone
    assert by_edition["2021"][1:4] == ["193", "0", "193"] and by_edition["2025"][1:4] == ["193", "0", "193"]
    assert by_edition["2023"][1:4] == ["193", "1", "192"]
    links = page.evaluate("[...document.querySelectorAll('header a')].map(a => a.getAttribute('href'))")
    assert {"export/scores.parquet", "export/ranks.parquet", "ocindex.duckdb"} <= set(links)


def test_no_none_none_under_the_checks(opened):
    assert "None." not in opened["text"]
    assert "No cross-page check failed." in opened["text"]


def test_colour_means_better_or_worse_whatever_the_metric(open_report):
    page = open_report()
    better, worse = (rgb(page.evaluate(f"getComputedStyle(document.documentElement).getPropertyValue('--{k}')"))
                     for k in ("better", "worse"))  # fmt: skip
    assert better != worse
    bars = page.evaluate("""[...document.querySelectorAll(
        '#movers-criminality g.role-mark path, #movers-resilience g.role-mark path')].map(p =>
        [p.closest('.chart').id, getComputedStyle(p).fill, p.getAttribute('aria-label')])""")
    seen = set()
    for chart, fill, label in bars:
        rise = float(re.search(r"change: ([^;]+)", label).group(1).replace("\u2212", "-")) > 0
        good = rise == (chart == "movers-resilience")  # a resilience rise is good, a criminality rise bad
        assert fill == (better if good else worse), (chart, label)
        seen.add((chart, rise))
    assert {("movers-resilience", True), ("movers-criminality", True)} <= seen
    # the same colours in the tables: a resilience gain and a criminality gain in the country view
    page.select_option("#country", "MEX")
    cells = page.evaluate("""[...document.querySelectorAll('#country-scores td.change')].map(td =>
        [td.closest('tr').dataset.indicator, td.textContent, getComputedStyle(td).color])""")
    resilience = {"resilience"} | RESILIENCE
    gains = [(ind in resilience, colour) for ind, text, colour in cells if text.startswith("+")]
    assert (True, better) in gains and (False, worse) in gains
    assert all(colour == (better if res else worse) for res, colour in gains)
    # continents never wear the better or worse colour
    fills = page.evaluate("[...document.querySelectorAll('#scatter-2025 g.role-mark path')].map(p => "
                          "getComputedStyle(p).fill)")  # fmt: skip
    assert fills and not {better, worse} & set(fills)


RESILIENCE = {"political_leadership_and_governance", "government_transparency_and_accountability",
              "international_cooperation", "national_policies_and_laws", "judicial_system_and_detention",
              "law_enforcement", "territorial_integrity", "anti_money_laundering", "economic_regulatory_capacity",
              "victim_and_witness_support", "prevention", "non_state_actors"}  # fmt: skip


def test_no_sideways_scroll_at_390_px(open_report):
    page = open_report(390)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), page.evaluate(
        "[document.scrollingElement.scrollWidth, innerWidth]"
    )
    page.select_option("#country", "COD")  # a long name, a long region
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


def test_every_score_and_change_in_a_table_has_two_decimals(open_report):
    page = open_report()
    for iso3 in ("BEL", "MEX"):
        page.select_option("#country", iso3)
        texts = page.evaluate("""[...document.querySelectorAll('td.score, td.change')].map(td => td.textContent)""")
        assert len(texts) > 100
        assert [t for t in texts if t and not TWO_DECIMALS.match(t)] == []
        numbers = page.evaluate("[...document.querySelectorAll('td')].map(td => td.textContent.trim())")
        assert [t for t in numbers if re.fullmatch(r"[+-]?\d+\.\d+", t) and not TWO_DECIMALS.match(t)] == []


def test_the_movers_table_is_in_the_order_of_its_bars(open_report):
    page = open_report()
    for metric in ("criminality", "resilience"):
        rows = page.evaluate(f"""[...document.querySelectorAll('#block-movers-{metric} tbody tr')].map(r =>
            r.cells[0].textContent)""")
        labels = page.evaluate(f"""[...document.querySelectorAll('#movers-{metric} g.role-axis-label text')]
            .map(t => [t.textContent, t.getBoundingClientRect().top])""")
        bars = [name for name, _ in sorted((x for x in labels if x[0] in rows), key=lambda x: x[1])]
        assert len(rows) == 10 and bars == rows, metric
        changes = [
            float(t)
            for t in page.evaluate(f"""[...document.querySelectorAll(
            '#block-movers-{metric} tbody td.change')].map(td => td.textContent)""")
        ]
        assert changes == sorted(changes, reverse=True)


def shown(page, iso3: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(edition, indicator) -> (score, change) as the country view shows them."""
    page.select_option("#country", iso3)
    cells = page.evaluate("""[...document.querySelectorAll('#country-scores tr[data-indicator]')].flatMap(tr =>
        [...tr.querySelectorAll('td.score')].map(td => [td.dataset.edition, tr.dataset.indicator, td.textContent,
         tr.querySelector(`td.change[data-edition="${td.dataset.edition}"]`)?.textContent ?? '']))""")
    return {(e, i): (s, c) for e, i, s, c in cells}


@pytest.mark.parametrize("iso3, country", [("MEX", "Mexico"), ("ZAF", "South Africa"), ("JPN", "Japan")])
def test_the_country_view_shows_the_workbooks_values(open_report, iso3, country):
    page = open_report(anchor=f"#{iso3}")
    assert page.evaluate("document.getElementById('country').value") == iso3  # the anchor picks it
    got = shown(page, iso3)
    want = {}
    for edition in (2021, 2023, 2025):
        for indicator in (k for k in sheets()[edition][country] if k not in ("continent", "region", "country")):
            diff = change(edition, country, indicator)
            text = "" if diff is None or edition == 2021 else ("0.00" if diff == 0 else f"{diff:+.2f}")
            want[(str(edition), indicator)] = (f"{score(edition, country, indicator):.2f}", text)
    assert got == want
    sites = page.evaluate("[...document.querySelectorAll('#country-view a.site')].map(a => a.href)")
    slug = country.lower().replace(" ", "_")
    assert f"https://ocindex.net/2023/country/{slug}" in sites and f"https://ocindex.net/2021/country/{slug}" in sites


def test_the_country_view_keeps_a_pages_printed_change_and_marks_derived_ones(open_report):
    page = open_report()
    got = shown(page, "BEL")
    assert got[("2023", "criminality")] == ("4.43", "+0.10")  # as the seed page prints it (`4.430.10`)
    assert got[("2025", "criminality")] == ("4.82", f"{change(2025, 'Belgium', 'criminality'):+.2f}")
    italic = page.evaluate("""Object.fromEntries([...document.querySelectorAll(
        '#country-scores tr[data-indicator="criminality"] td.change')].map(td =>
        [td.dataset.edition, getComputedStyle(td).fontStyle]))""")
    assert italic == {"2023": "normal", "2025": "italic"}


def test_counts_have_whole_number_ticks(browser, first_db, tmp_path):
    import duckdb

    from pipeline.warehouse.report_page import gather, write_gathered

    con = duckdb.connect(str(first_db), read_only=True)
    try:
        data = gather(con)
    finally:
        con.close()
    data["rejects_by_code"] = [{"stage": "parse", "code": "truncated", "pages": 2},
                               {"stage": "parse", "code": "no_scores", "pages": 1}]  # fmt: skip
    out = write_gathered(data, tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(out.as_uri())
        page.wait_for_function(DRAWN, timeout=20000)
        labels = page.evaluate(
            "[...document.querySelectorAll('#rejects g.role-axis-label text')].map(t => t.textContent)"
        )
    finally:
        page.close()
    numbers = [t for t in labels if re.fullmatch(r"[\d.]+", t)]
    assert numbers and all(re.fullmatch(r"\d+", t) for t in numbers), labels


def test_the_report_command_rewrites_it(first_run, tmp_path):
    out = tmp_path / "again.html"
    done = run_cli("pipeline.report", "--db", str(first_run / "extracted" / "ocindex.duckdb"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "vegaEmbed" in out.read_text(encoding="utf-8")
    assert run_cli("pipeline.report", "--db", str(tmp_path / "none.duckdb")).returncode == 2
