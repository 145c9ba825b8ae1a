"""Held-out test: nine country pages in a site markup the pipeline has never seen (tests/independent_site.py),
loaded through `python -m pipeline.run` as the crawler's store would hold them, and every value in the
database checked against the official workbook (scores, changes, ranks) and against the profile values the
pages were written with. The expected values never come from the code under test."""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import run_cli
from independent_site import (
    ACTORS,
    COMPOSITES,
    COUNTRIES,
    EDITIONS,
    MARKETS,
    NEW_IN_2023,
    PROFILE_KEYS,
    RESILIENCE,
    WORKBOOK,
    WORKBOOK_SHA256,
    Page,
    build_pages,
    competition_ranks,
    cut_in_markets,
    expected_lines,
    name_key,
    ranks_of,
    read_workbook,
    regions_2025,
    scores_of,
    sorted_ranks,
    store,
    write_site,
)

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

# 3 countries x (2021: 30 indicators, 2023 and 2025: 36) x (score, change)
# + 9 pages x 6 rank rows x (area, rank, of_total, change_shown, previous_rank) + 9 profiles x 7 fields
VALUES_EXPECTED = 3 * (30 + 36 + 36) * 2 + 9 * 6 * 5 + 9 * 7
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def book():
    assert hashlib.sha256(WORKBOOK.read_bytes()).hexdigest() == WORKBOOK_SHA256
    return read_workbook(WORKBOOK)


@pytest.fixture(scope="module")
def pages(book) -> list[Page]:
    return build_pages(book)


@pytest.fixture(scope="module")
def site(tmp_path_factory, pages) -> dict:
    """The nine pages in a raw store, and the database of one run over them."""
    root = tmp_path_factory.mktemp("independent_site")
    raw, out = root / "raw", root / "extracted"
    paths = write_site(raw, pages)
    proc = run_cli("pipeline.run", "--raw-dir", str(raw), "--extracted-dir", str(out), "-q")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return {"root": root, "raw": raw, "out": out, "db": out / "ocindex.duckdb", "paths": paths, "run": proc}


def rows(db: Path, sql: str, params=()) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def dec(x) -> Decimal | None:
    return None if x is None else Decimal(str(x)).quantize(CENT)


def page_id(page: Page) -> str:
    return f"{page.edition}-{page.country.slug}"


# ---------------------------------------------------------------------------------------------------
# The generator itself, against independent evidence


def test_the_ranking_is_the_same_computed_two_ways(book):
    geo = regions_2025(book)
    groups = {("world", "World"): list(geo)}
    for k, (continent, region) in geo.items():
        groups.setdefault(("continent", continent), []).append(k)
        groups.setdefault(("region", region), []).append(k)
    assert len([g for g in groups if g[0] == "region"]) == 22
    assert sorted(len(v) for g, v in groups.items() if g[0] == "continent") == [14, 35, 44, 46, 54]
    for edition in EDITIONS:
        for metric in ("criminality", "resilience"):
            for members in groups.values():
                scores = {k: book[edition][k].printed[metric] for k in members}
                assert competition_ranks(scores) == sorted_ranks(scores)


# Rank lines and composite changes as printed by real pages (../shared/pages, the seed page, DOMAIN.md).
REAL = {
    (2023, "Belgium"): ([129, -2, 29, -2, 7, -1, 25, 0, 17, 1, 9, 1], {"criminality": "0.10", "criminal_markets": "0.12", "criminal_actors": "0.08", "resilience": "0.04"}),
    (2021, "Colombia"): ([2, None, 1, None, 1, None], {}),
    (2023, "Colombia"): ([2, 0, 1, 0, 1, 0], {"criminality": "0.09"}),
    (2025, "Netherlands"): ([91, -6], {}),
    (2021, "United Kingdom"): ([99, None, 17, None, 4, None], {}),
    (2025, "United Kingdom"): ([60, -1, 8, -2, 2, 0], {"criminality": "0.12", "criminal_markets": "0.13"}),
    (2025, "Morocco"): ([79, -33, 26, -8, 2, -2], {"criminality": "0.57", "criminal_markets": "0.43"}),
    (2025, "Mozambique"): ([27, -15, 8, -3, 2, 0], {"criminality": "0.43", "criminal_markets": "0.47"}),
    (2023, "South Africa"): ([7, 12, 3, 2, 1, 0], {"criminality": "0.56", "criminal_markets": "0.87"}),
    (2023, "Ukraine"): ([31, 3, 2, 1, 2, 1], {"criminality": "0.31", "criminal_markets": "0.67"}),
    (2021, "Ukraine"): ([34, None, 3, None, 3, None], {}),
    (2021, "Cameroon"): ([28, None, 10, None, 3, None], {}),
    (2021, "Morocco"): ([103, None, 35, None, 3, None], {}),
    (2021, "Sudan"): ([24, None, 8, None, 2, None], {}),
}  # fmt: skip


@pytest.mark.parametrize("edition,name", list(REAL), ids=[f"{e}-{n}" for e, n in REAL])
def test_the_generator_reproduces_real_pages(book, edition, name):
    printed, changes = REAL[(edition, name)]
    ranks = ranks_of(book, edition, name_key(name))
    got = [x for r in ranks for x in (r.rank, r.change_shown)][: len(printed)]
    assert got == printed
    scores = scores_of(book, edition, name_key(name))
    assert {k: str(scores[k][1]) for k in changes} == changes


# ---------------------------------------------------------------------------------------------------
# What a person sees


def test_the_pages_show_the_data_in_chromium(pages):
    pytest.importorskip("playwright")
    from browser import CHROMIUM, chromium

    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    problems = []
    with chromium() as browser:
        tab = browser.new_page()
        for page in pages:
            tab.set_content(page.html)
            shown = [line.strip() for line in tab.evaluate("document.body.innerText").split("\n") if line.strip()]
            want, i = expected_lines(page), 0
            for line in shown:
                if i < len(want) and line == want[i]:
                    i += 1
            if i < len(want):
                problems.append(f"{page_id(page)}: the browser does not show {want[i]!r} where expected")
            counts = {"2021": (10, 4), "2023": (15, 5), "2025": (15, 5)}[str(page.edition)]
            for line in (f"Criminal markets {counts[0]}", f"Criminal actors {counts[1]}", "Resilience 12"):
                if line not in shown:
                    problems.append(f"{page_id(page)}: the navigation menu does not show {line!r}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------------
# The pipeline


@pytest.mark.parametrize("index", range(9), ids=[f"{e}-{c.slug}" for c in COUNTRIES for e in EDITIONS])
def test_parse_page_reports_no_error(pages, site, index):
    from pipeline.extract.document import parse_page

    page = pages[index]
    path = site["paths"][page.sha256]
    record = parse_page(page.body, path=path.relative_to(site["raw"]).as_posix(), url=page.url)
    record = record if isinstance(record, dict) else record.model_dump()
    errors = [
        f"[{i['code']}] line {i.get('line')}: {i['message']}" for i in record["issues"] if i["severity"] == "error"
    ]
    assert not errors, "\n".join(errors)


def test_nine_pages_load_from_html_with_no_reject(pages, site):
    shas = [p.sha256 for p in pages]
    rejects = rows(site["db"], "SELECT path, sha256, stage, code, message FROM rejects ORDER BY path")
    loaded = rows(
        site["db"],
        f"SELECT sha256, format, url, edition FROM sources WHERE sha256 IN ({', '.join('?' * len(shas))})",
        shas,
    )
    detail = "\n".join(f"{r['path']}: [{r['stage']}/{r['code']}] {r['message'][:300]}" for r in rejects)
    assert len(loaded) == 9 and not rejects, f"{len(loaded)} of 9 pages loaded, {len(rejects)} rejected:\n{detail}"
    by_sha = {p.sha256: p for p in pages}
    for r in loaded:
        page = by_sha[r["sha256"]]
        assert (r["format"], r["url"], r["edition"]) == ("html", page.url, page.edition)


def check_values(db: Path, pages: list[Page]) -> tuple[int, int, list[str]]:
    """(values checked, values wrong or missing, problems): every score, change, rank row and profile field
    of the pages, each from the page's own copy (its sha256)."""
    checked, wrong, problems = 0, 0, []
    for page in pages:
        key = page_id(page)
        sha = page.sha256
        iso3, edition = page.country.iso3, page.edition
        scores = {
            r["indicator"]: r
            for r in rows(
                db,
                "SELECT indicator, pillar, score, change, source_sha256 FROM scores WHERE edition = ? AND iso3 = ?",
                [edition, iso3],
            )
        }
        for code, (score, change) in page.scores.items():
            checked += 2
            row = scores.get(code)
            if row is None or row["source_sha256"] != sha:
                wrong += 2
                problems.append(f"{key} {code}: no row from the page in scores")
                continue
            if dec(row["score"]) != score:
                wrong += 1
                problems.append(f"{key} {code}: score {row['score']} loaded, {score} expected")
            if dec(row["change"]) != change:
                wrong += 1
                problems.append(f"{key} {code}: change {row['change']} loaded, {change} expected")
        for extra in sorted(set(k for k, r in scores.items() if r["source_sha256"] == sha) - set(page.scores)):
            problems.append(f"{key} {extra}: a score the page does not show")

        ranks = {
            (r["metric"], r["scope"]): r
            for r in rows(
                db,
                "SELECT metric, scope, area, rank, of_total, change_shown, previous_rank, derived FROM ranks "
                "WHERE edition = ? AND iso3 = ? AND source_sha256 = ?",
                [edition, iso3, sha],
            )
        }
        for want in page.ranks:
            checked += 5
            row = ranks.get((want.metric, want.scope))
            if row is None:
                wrong += 5
                problems.append(f"{key} rank {want.metric}/{want.scope}: no row from the page")
                continue
            got = (row["area"], row["rank"], row["of_total"], row["change_shown"], row["previous_rank"])
            expected = (want.area, want.rank, want.of, want.change_shown, want.previous_rank)
            if got != expected:
                wrong += sum(a != b for a, b in zip(got, expected))
                problems.append(f"{key} rank {want.metric}/{want.scope}: {got} loaded, {expected} expected")
            if row["derived"]:
                problems.append(f"{key} rank {want.metric}/{want.scope}: marked derived, but the page printed it")

        profile = rows(
            db,
            f"SELECT {', '.join(PROFILE_KEYS)}, source_sha256 FROM profiles WHERE edition = ? AND iso3 = ?",
            [edition, iso3],
        )
        checked += len(PROFILE_KEYS)
        if len(profile) != 1 or profile[0]["source_sha256"] != sha:
            wrong += len(PROFILE_KEYS)
            problems.append(f"{key} profile: {len(profile)} row(s), not one from the page")
            continue
        for k in PROFILE_KEYS:
            got, want = profile[0][k], page.profile[k]
            same = (
                got == want
                if want is None or isinstance(want, str)
                else got is not None and abs(float(got) - float(want)) < 1e-6
            )
            if not same:
                wrong += 1
                problems.append(f"{key} profile {k}: {got!r} loaded, {want!r} expected")
    return checked, wrong, problems


def test_every_value_loaded_is_right(pages, site):
    checked, wrong, problems = check_values(site["db"], pages)
    print(f"\n{checked} values checked on 9 pages: {checked - wrong} right, {wrong} wrong or missing")
    assert checked == VALUES_EXPECTED == 945
    assert not problems, f"{wrong} of {checked} values wrong or missing:\n" + "\n".join(problems[:60])


def test_every_analysis_section_loads(pages, site):
    problems = []
    for page in pages:
        got = rows(
            site["db"],
            "SELECT title, text FROM sections WHERE edition = ? AND iso3 = ? AND source_sha256 = ? ORDER BY ordinal",
            [page.edition, page.country.iso3, page.sha256],
        )
        if [(r["title"], r["text"]) for r in got] != page.sections:
            problems.append(f"{page_id(page)}: {[r['title'] for r in got]} loaded, {[t for t, _ in page.sections]}")
    assert not problems, "\n".join(problems)


def test_the_indicator_sets_are_the_contracts(pages):
    for page in pages:
        want = set(COMPOSITES) | set(MARKETS) | set(ACTORS) | set(RESILIENCE)
        if page.edition == 2021:
            want -= set(NEW_IN_2023)
        assert set(page.scores) == want
        nulls = {k for k, (_, change) in page.scores.items() if change is None}
        assert nulls == {2021: want, 2023: set(NEW_IN_2023), 2025: set()}[page.edition]


def test_a_broken_newer_download_keeps_the_last_good_copy(pages, site, tmp_path):
    root = tmp_path / "again"
    shutil.copytree(site["raw"], root / "raw")
    shutil.copytree(site["out"], root / "extracted")
    good = next(p for p in pages if (p.edition, p.country.iso3) == (2023, "NLD"))
    body = cut_in_markets(good)
    broken_sha = hashlib.sha256(body).hexdigest()
    broken = store(root / "raw", good.url, body, fetched_at="2025-11-20T06:30:00+00:00")
    good_path = site["paths"][good.sha256]
    meta = json.loads((good_path.parent / (good_path.name + ".meta.json")).read_text())
    assert meta["fetched_at"] < "2025-11-20T06:30:00+00:00"
    assert broken.parent.relative_to(root / "raw") == good_path.parent.relative_to(site["raw"])

    proc = run_cli("pipeline.run", "--raw-dir", str(root / "raw"), "--extracted-dir", str(root / "extracted"), "-q")
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    db = root / "extracted" / "ocindex.duckdb"

    rejects = rows(db, "SELECT path, sha256, stage, code, message FROM rejects")
    mine = [r for r in rejects if r["sha256"] == broken_sha]
    assert len(mine) == 1, f"the broken copy is not listed in rejects: {rejects}"
    assert mine[0]["path"].endswith(broken.name)
    checked, wrong, problems = check_values(db, [good])
    assert checked == 36 * 2 + 6 * 5 + 7
    assert not problems, f"the good copy's values are not served ({mine[0]['code']}: {mine[0]['message'][:200]}):\n" + (
        "\n".join(problems[:40])
    )
    served_from = rows(db, "SELECT DISTINCT source_sha256 FROM scores WHERE edition = 2023 AND iso3 = 'NLD'")
    assert [r["source_sha256"] for r in served_from] == [good.sha256]
    # README: "the bad one is in rejects naming the copy served"
    assert good_path.name in mine[0]["message"] or good.sha256[:16] in mine[0]["message"], mine[0]["message"]
