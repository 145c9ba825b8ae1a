"""The record of the official workbook: a country entity per row of each `<year>_dataset` sheet.

Each entity carries its `edition` and its provenance (`source_ref` = `<sheet>!<row>`); its scores are the
workbook's (no change is printed there: the warehouse derives one from the previous edition's score, flagged
`derived`, in `publish.derived_changes`); its ranks are derived by competition ranking on the 2-decimal
score, descending, at world, continent and region scope, and marked `derived` (previous ranks from the
previous edition's sheet). They are ranked in the regions the site's pages print (the catalog's, DOMAIN.md's
22), whatever label the sheet uses: the 2023 sheet's `Caribbean & Central` is the Caribbean (13) and Central
America (8) on the site. The sheet's own label is kept as the entity's `workbook_region`. Each row is held
to the index's arithmetic, as a page is. Pure: bytes in, a record out.
"""

from __future__ import annotations

from pipeline import catalog
from pipeline.extract import workbook
from pipeline.extract.issues import issue
from pipeline.extract.validate import check_entity

METRICS = ("criminality", "resilience")


def record(data: bytes, source: dict) -> dict:
    reading = workbook.read(data)
    issues = [issue("error", "bad_workbook", f"{problem}; fix the workbook or remove it from raw/", None)
              for problem in reading.problems]  # fmt: skip
    ranks = derived_ranks(reading.rows)
    entities = [_entity(row, ranks) for row in reading.rows]
    for entity in entities:
        for found in check_entity(entity, entity["edition"], complete=True):
            issues.append({**found, "message": f"{entity['source_ref']}: {found['message']}"})
    editions = sorted({row.edition for row in reading.rows})
    return {"source": source, "edition": None, "editions": editions, "complete": not reading.problems,
            "entities": entities, "issues": issues}  # fmt: skip


def _entity(row: workbook.WorkbookRow, ranks: dict) -> dict:
    order = {i.code: n for n, i in enumerate(catalog.INDICATORS)}
    country = catalog.country_by_iso3(row.iso3)
    return {
        "kind": "country", "name": country.name if country else row.name, "iso3": row.iso3,
        "continent": row.continent, "region": site_region(row), "workbook_region": row.region, "profile": None,
        "scores": {code: {"score": round(value, 2), "change": None}
                   for code, value in sorted(row.scores.items(), key=lambda kv: order[kv[0]])},
        "ranks": ranks.get((row.edition, row.iso3), []), "sections": [],
        "edition": row.edition, "source_ref": row.ref,
    }  # fmt: skip


def site_region(row: workbook.WorkbookRow) -> str:
    """The region the site prints for the row's country (the sheet's label for a country not in the catalog)."""
    country = catalog.country_by_iso3(row.iso3)
    return country.region if country else row.region


def competition(values: dict[str, float]) -> dict[str, int]:
    """Competition ranking, descending: ties share a rank and the next rank is skipped."""
    ordered = sorted(values.values(), reverse=True)
    first: dict[float, int] = {}
    for n, value in enumerate(ordered, start=1):
        first.setdefault(value, n)
    return {key: first[value] for key, value in values.items()}


def derived_ranks(rows: list[workbook.WorkbookRow]) -> dict[tuple[int, str], list[dict]]:
    """(edition, iso3) -> rank entries at world, continent and region scope for both metrics."""
    placed: dict[tuple[int, str, str, str], tuple[int, int, str]] = {}  # (edition, iso3, metric, scope) -> rank
    for edition in {r.edition for r in rows}:
        members = [r for r in rows if r.edition == edition and all(m in r.scores for m in METRICS)]
        for metric in METRICS:
            for scope, area_of in (("world", lambda r: "World"), ("continent", lambda r: r.continent),
                                   ("region", site_region)):  # fmt: skip
                groups: dict[str, dict[str, float]] = {}
                for r in members:
                    groups.setdefault(area_of(r), {})[r.iso3] = round(r.scores[metric], 2)
                for area, values in groups.items():
                    for iso3, rank in competition(values).items():
                        placed[(edition, iso3, metric, scope)] = (rank, len(values), area)
    out: dict[tuple[int, str], list[dict]] = {}
    for (edition, iso3, metric, scope), (rank, of, area) in sorted(placed.items()):
        before = placed.get((catalog.PREVIOUS_EDITION.get(edition, 0), iso3, metric, scope))
        out.setdefault((edition, iso3), []).append(
            {"metric": metric, "scope": scope, "area": area, "rank": rank, "of": of, "change_shown": None,
             "previous_rank": before[0] if before else None, "derived": True})  # fmt: skip
    for entries in out.values():
        entries.sort(key=lambda r: (METRICS.index(r["metric"]), ("world", "continent", "region").index(r["scope"])))
    return out
