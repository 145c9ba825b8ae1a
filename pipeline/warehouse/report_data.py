"""What the report shows, read from the database: the data (`gather_tables`: the current tables and the
catalogs, compact, a country's view included) and the run (`gather_run`: its ledger row, rejects,
reconciliation and checks). A run reads the first in a thread beside its checks (`Reading`) and the second
once it has committed; `report_page.py` writes the page.
"""

from __future__ import annotations

import functools
import json
import threading
from decimal import Decimal
from typing import Any

import duckdb

from pipeline.warehouse import charts

SITE = "https://ocindex.net"  # a country's page: SITE/<edition>/country/<slug of that edition>


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, (float(v) if isinstance(v, Decimal) else v for v in r))) for r in cur.fetchall()]


def gather(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the report shows, from the database."""
    return {**gather_tables(con), **gather_run(con)}


def gather_tables(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the report shows of the data: the current tables and the catalogs (a run reads it while it checks,
    on a connection of its own)."""
    rows = functools.partial(_rows, con)
    editions = [e for (e,) in con.execute("SELECT DISTINCT edition FROM scores WHERE entity_kind = 'country' "
                                          "AND edition >= 2021 ORDER BY 1").fetchall()]  # fmt: skip
    latest = editions[-1] if editions else None
    return {
        "editions": editions, "latest": latest, "points": rows("""
            SELECT s.edition, c.name AS country, c.continent,
                   max(s.score) FILTER (indicator = 'criminality') AS criminality,
                   max(s.score) FILTER (indicator = 'resilience') AS resilience
            FROM scores s JOIN countries c ON c.iso3 = s.iso3 WHERE s.entity_kind = 'country'
            GROUP BY ALL HAVING criminality IS NOT NULL AND resilience IS NOT NULL ORDER BY ALL"""),
        "movers": _movers(con, editions), "heat": _heat(con, latest), "provenance": _provenance(con),
        "countries": _country_view(con),
    }  # fmt: skip


class Reading:
    """`gather_tables` in a thread, on a connection of its own (`con.cursor()`, which sees what is committed):
    DuckDB lets go of the GIL while it works, so a run reads the report's data while it checks. `wait` returns
    it, or raises what reading it raised."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self.result: dict[str, Any] = {}
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(cursor,), name="report-data")
        self.thread.start()

    def _run(self, cursor: duckdb.DuckDBPyConnection) -> None:
        try:
            self.result = gather_tables(cursor)
        except BaseException as exc:  # handed to wait()
            self.error = exc
        finally:
            cursor.close()

    def wait(self) -> dict[str, Any]:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


def gather_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the report shows of the run: its ledger row, the rejects, the reconciliation and the checks."""
    rows = functools.partial(_rows, con)
    return {
        "run": (rows("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1") or [{}])[0],
        "rejects_by_code": rows("SELECT stage, code, count(*) AS pages FROM rejects GROUP BY ALL "
                                "ORDER BY pages DESC, code"),
        "rejects": rows("SELECT path, stage, code, split_part(message, chr(10), 1) AS message FROM rejects "
                        "ORDER BY path"),
        "agreement": rows("""SELECT edition, count(*) FILTER (status = 'match') AS agree,
                                    count(*) FILTER (status = 'mismatch') AS disagree, any_value(workbook) AS workbook
                             FROM reconciliation GROUP BY edition ORDER BY edition"""),
        "mismatches": rows("""SELECT edition, entity AS country, indicator, db_score AS page, workbook_score AS workbook
                              FROM reconciliation WHERE status = 'mismatch' ORDER BY ALL"""),
        "checks_by_name": rows("SELECT check_name, count(*) AS failures FROM checks GROUP BY 1 ORDER BY 2 DESC, 1"),
        "checks": rows("SELECT check_name, edition, entity AS country, item, message FROM checks "
                       "ORDER BY ALL LIMIT 500"),
    }  # fmt: skip


def _movers(con: duckdb.DuckDBPyConnection, editions: list[int]) -> list[dict]:
    """The ten biggest changes of each metric between the two latest editions, largest rise first (the
    order of both the bars and the table), each marked better or worse."""
    if len(editions) < 2:
        return []
    out: list[dict] = []
    for metric in ("criminality", "resilience"):
        found = _rows(con, """
            SELECT a.indicator AS metric, c.name AS country, b.score AS before, a.score AS after,
                   a.score - b.score AS change
            FROM scores a JOIN scores b USING (entity_kind, iso3, indicator) JOIN countries c ON c.iso3 = a.iso3
            WHERE a.entity_kind = 'country' AND a.indicator = ? AND a.edition = ? AND b.edition = ?
            ORDER BY abs(a.score - b.score) DESC, country LIMIT 10""",
                      [metric, editions[-1], editions[-2]])  # fmt: skip
        found.sort(key=lambda r: (-r["change"], r["country"]))
        out += [{**r, "tone": charts.tone(metric, r["change"])} for r in found]
    return out


def _heat(con: duckdb.DuckDBPyConnection, latest: int | None) -> list[dict]:
    """Mean score of each indicator (the four composites too) by region, in the latest edition."""
    return [] if latest is None else _rows(con, """
        SELECT c.region, min(c.continent || '/' || c.region) AS region_order, i.indicator, i.label, i.pillar,
               i.position, round(avg(s.score), 2) AS mean
        FROM scores s JOIN countries c ON c.iso3 = s.iso3 JOIN indicators i USING (indicator)
        WHERE s.entity_kind = 'country' AND s.edition = ? GROUP BY ALL ORDER BY position, region""",
                 [latest])  # fmt: skip


def _provenance(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Where each edition's numbers come from: countries read from pages and from the workbook, changes
    printed and derived, ranks printed and derived."""
    return _rows(con, """
        WITH s AS (
            SELECT s.edition, count(DISTINCT s.entity) AS countries,
                   count(DISTINCT s.entity) FILTER (src.format <> 'xlsx') AS from_pages,
                   count(DISTINCT s.entity) FILTER (src.format = 'xlsx') AS from_workbook,
                   string_agg(DISTINCT src.path, ', ') FILTER (src.format = 'xlsx') AS workbook,
                   count(*) FILTER (s.change IS NOT NULL AND NOT s.derived) AS changes_printed,
                   count(*) FILTER (s.derived) AS changes_derived
            FROM scores s JOIN sources src ON src.sha256 = s.source_sha256
            WHERE s.entity_kind = 'country' GROUP BY 1),
        r AS (SELECT edition, count(*) FILTER (NOT coalesce(derived, false)) AS ranks_printed,
                     count(*) FILTER (derived) AS ranks_derived
              FROM ranks WHERE entity_kind = 'country' GROUP BY 1)
        SELECT * FROM s LEFT JOIN r USING (edition) ORDER BY edition""")  # fmt: skip


def _country_view(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Each country's scores (with their change and whether it is derived), ranks and sources by edition,
    compact: a country's scores are a list in the order of `indicators`. The countries come as the JSON text the
    page embeds (`countries_json`), and their names for the picker. Each edition's scores are written as JSON by
    DuckDB (`SCORES_JSON`), which lets go of the GIL while the run checks: the whole view built in Python took
    42 ms of the GIL on the benchmark's database, and its encoding 14 more (35 ms now, most of it in DuckDB)."""
    indicators = con.execute("SELECT indicator, label, pillar FROM indicators ORDER BY position").fetchall()
    scores = {(iso3, edition): text for iso3, edition, text in con.execute(SCORES_JSON).fetchall()}
    sources = {sha: (path, url, fmt) for sha, path, url, fmt in
               con.execute("SELECT sha256, path, url, format FROM sources").fetchall()}  # fmt: skip
    countries: dict[str, dict] = {}
    for iso3, name, continent, region, *slugs in con.execute(
            "SELECT iso3, name, continent, region, slug_2021, slug_2023, slug_2025 FROM countries "
            "WHERE iso3 IN (SELECT iso3 FROM scores) ORDER BY name").fetchall():  # fmt: skip
        countries[iso3] = {"iso3": iso3, "name": name, "continent": continent, "region": region, "editions": {},
                           "slugs": dict(zip(("2021", "2023", "2025"), slugs))}  # fmt: skip
    empty = "[" + ",".join(["null"] * len(indicators)) + "]"

    def edition_of(iso3: str, edition: int) -> dict:
        editions = countries[iso3]["editions"]
        found = editions.get(str(edition))
        if found is None:
            found = editions[str(edition)] = {"scores": scores.get((iso3, edition), empty), "ranks": [],
                                              "sources": []}  # fmt: skip
        return found

    for iso3, edition in scores:
        if iso3 in countries:
            edition_of(iso3, edition)
    for iso3, edition, sha, ref in con.execute(
            "SELECT DISTINCT iso3, edition, source_sha256, source_ref FROM scores WHERE entity_kind = 'country' "
            "ORDER BY ALL").fetchall():  # fmt: skip
        if iso3 in countries:
            path, url, fmt = sources.get(sha, ("?", None, "?"))
            edition_of(iso3, edition)["sources"].append([path, url, fmt, ref])
    for iso3, edition, *rank in con.execute(
            "SELECT iso3, edition, metric, scope, area, rank, of_total, places_moved, coalesce(derived, false) "
            "FROM ranks WHERE entity_kind = 'country' ORDER BY ALL").fetchall():  # fmt: skip
        if iso3 in countries:
            edition_of(iso3, edition)["ranks"].append(rank)
    for country in countries.values():
        for edition, found in country["editions"].items():
            page = next((url for _, url, fmt, _ in found["sources"] if fmt != "xlsx" and url), None)
            slug = country["slugs"].get(edition)
            found["site"] = page or (f"{SITE}/{edition}/country/{slug}" if slug else None)
    parts = [[part, title] for part, title in charts.HEAT_PARTS]
    return {"indicators": [[code, label, pillar, charts.heat_part(code, pillar)] for code, label, pillar in indicators],
            "parts": parts, "names": [(c["iso3"], c["name"]) for c in countries.values()],
            "countries_json": "[" + ",".join(map(_country_json, countries.values())) + "]"}  # fmt: skip


# Each country's and edition's scores as a JSON array in the order of `indicators`: [score, change, derived] for
# each indicator, null where it has none. One ordered aggregate, over some 600 groups (countries by editions):
# its buffers fit in the build's memory, where four of them nested did not.
SCORES_JSON = """
SELECT iso3, edition, '[' || array_to_string(list(entry ORDER BY position), ',') || ']' FROM (
    SELECT p.iso3, p.edition, i.position, coalesce('[' || s.score::DOUBLE || ',' ||
           coalesce(s.change::DOUBLE::VARCHAR, 'null') || ',' || s.derived::INTEGER || ']', 'null') AS entry
    FROM (SELECT DISTINCT iso3, edition FROM scores WHERE entity_kind = 'country') p CROSS JOIN indicators i
    LEFT JOIN scores s ON s.entity_kind = 'country' AND s.iso3 = p.iso3 AND s.edition = p.edition
                      AND s.indicator = i.indicator)
GROUP BY ALL"""


def _country_json(country: dict) -> str:
    """A country of the view as JSON text, its scores already JSON."""
    dumps = functools.partial(json.dumps, separators=(",", ":"))
    editions = ",".join(
        f'{dumps(edition)}:{{"scores":{e["scores"]},"ranks":{dumps(e["ranks"])},"sources":{dumps(e["sources"])},'
        f'"site":{dumps(e["site"])}}}'
        for edition, e in country["editions"].items()
    )
    head = dumps({k: country[k] for k in ("iso3", "name", "continent", "region")})
    return f'{head[:-1]},"editions":{{{editions}}}}}'
