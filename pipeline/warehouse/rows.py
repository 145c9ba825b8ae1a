"""A record's rows for each current table: pure, and light to import (parse workers build them).

Every row ends with its source's priority: two pages may show the same entity and edition (a
comparison page, a re-fetch), and the load keeps the rows of the page ranked first by (entities on the
page, newest fetch, path).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from pipeline import catalog

TABLES = ("scores", "ranks", "profiles", "sections", "sources")


@dataclass
class Loadable:
    """A record that passed, with where it came from."""
    record: dict
    path: str
    fetched_at: str | None


def utc(stamp: str | None) -> str | None:
    """An ISO timestamp as naive UTC (the database's timestamps are UTC); None when unreadable."""
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when.isoformat()


def entity_key(entity: dict) -> str:
    if entity["kind"] == "country":
        country = catalog.country_by_iso3(entity["iso3"])
        return country.name if country else entity["name"]
    return catalog.region_for_name(entity["name"]) or entity["name"]


def rows(loadables: Iterable[Loadable]) -> dict[str, list[tuple]]:
    """The rows of every current table for these records."""
    out: dict[str, list[tuple]] = {t: [] for t in TABLES}
    for item in loadables:
        rec = item.record
        edition, sha = rec["edition"], rec["source"]["sha256"]
        prio = (len(rec["entities"]), item.fetched_at or "", item.path)
        for entity in rec["entities"]:
            head = (edition, entity["kind"], entity_key(entity), entity["iso3"])
            for code, sc in entity["scores"].items():
                pillar = catalog.INDICATOR_BY_CODE[code].pillar
                out["scores"].append((*head, code, pillar, sc["score"], sc["change"], sha, *prio))
            for r in entity["ranks"]:
                out["ranks"].append((*head, r["metric"], r["scope"], r["area"], r["rank"], r["of"],
                                     r["change_shown"], r["previous_rank"], sha, *prio))
            p = entity["profile"]
            if p is not None:
                out["profiles"].append((*head, p["capital"], p["gdp_usd_million"], p["income_group"],
                                        p["population"], p["area_km2"], p["geography_type"], p["gini"], sha, *prio))
            for n, s in enumerate(entity["sections"], start=1):
                out["sections"].append((*head, n, s["title"], s["text"], sha, *prio))
        src = rec["source"]
        out["sources"].append((sha, item.path, src["url"], src["format"], edition, utc(item.fetched_at),
                               len(rec["entities"]), 0, *prio))
    return out


