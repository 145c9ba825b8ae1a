"""The report people open: one file, no network, every chart drawn, in headless Chromium.

`OCINDEX_UPDATE_SCREENSHOT=1 python -m pytest tests/test_report.py` also writes docs/report.png."""

from __future__ import annotations

import os

import pytest
from browser import chromium
from conftest import ROOT, query, run_cli

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


@pytest.fixture(scope="module")
def opened(first_run, tmp_path_factory):
    """The first run's report as Chromium shows it: console errors, requests, marks per chart."""
    report = first_run / "extracted" / "report.html"
    shot = tmp_path_factory.mktemp("shot") / "report.png"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri())
        page.wait_for_function("[...document.querySelectorAll('.chart')].every(d => d.querySelector('svg'))",
                               timeout=20000)  # fmt: skip
        marks = page.evaluate("""Object.fromEntries([...document.querySelectorAll('.chart')].map(d => [d.id,
            d.querySelectorAll('g.role-mark path, g.role-mark rect').length]))""")
        page.screenshot(path=str(shot))
        if os.environ.get("OCINDEX_UPDATE_SCREENSHOT"):
            page.screenshot(path=str(ROOT / "docs" / "report.png"))
    return {"report": report, "errors": errors, "requests": requests, "marks": marks, "shot": shot}


def test_the_report_opens_with_no_error_and_no_request(opened):
    assert opened["errors"] == []
    assert opened["requests"] == [opened["report"].as_uri()]


def test_each_edition_has_a_point_per_country(opened, first_db):
    for edition in (2021, 2023, 2025):
        assert opened["marks"][f"scatter-{edition}"] == 193, edition
    assert opened["marks"]["movers-criminality"] == opened["marks"]["movers-resilience"] == 10
    regions, indicators = query(
        first_db,
        """SELECT count(DISTINCT c.region_2025), count(DISTINCT s.indicator)
        FROM scores s JOIN countries c USING (iso3) WHERE s.edition = 2025 AND s.indicator NOT IN
        ('criminality', 'criminal_markets', 'criminal_actors', 'resilience')""",
    )[0]
    assert opened["marks"]["heatmap"] == regions * indicators


def test_a_screenshot_is_saved(opened):
    assert opened["shot"].stat().st_size > 20_000


def test_the_report_command_rewrites_it(first_run, tmp_path):
    out = tmp_path / "again.html"
    done = run_cli("pipeline.report", "--db", str(first_run / "extracted" / "ocindex.duckdb"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "vegaEmbed" in out.read_text(encoding="utf-8")
    assert run_cli("pipeline.report", "--db", str(tmp_path / "none.duckdb")).returncode == 2
