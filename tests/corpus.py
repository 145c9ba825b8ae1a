"""Test corpus helpers: ranks as the site computes them, from the official workbook."""

from __future__ import annotations

from pipeline import catalog


def competition_ranks(values: dict) -> dict:
    """Competition ranking, descending on the 2-decimal score: ties share a rank, the next is skipped."""
    ordered = sorted(values.values(), reverse=True)
    first = {}
    for n, v in enumerate(ordered, start=1):
        first.setdefault(v, n)
    return {k: first[v] for k, v in values.items()}


def workbook_ranks(rows: dict, edition: int) -> dict:
    """(metric, scope, iso3) -> (rank, of) for every country of an edition, at world, continent and region scope."""
    out = {}
    members = [r for (e, _), r in rows.items() if e == edition]
    for metric in ("criminality", "resilience"):
        for scope in ("world", "continent", "region"):
            groups: dict[str, dict] = {}
            for r in members:
                area = {"world": "World", "continent": r.continent, "region": r.region}[scope]
                groups.setdefault(area, {})[r.iso3] = round(r.scores[metric], 2)
            for values in groups.values():
                for iso3, rank in competition_ranks(values).items():
                    out[(metric, scope, iso3)] = (rank, len(values))
    return out
