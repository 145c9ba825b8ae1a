"""From what the grammar read to the record's entities: names, codes, scopes, previous ranks.

Applies the edition's conventions (the sign of printed rank changes) and the catalog (ISO3 codes,
continents and regions). What the page is missing is `completeness.py`'s.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pipeline import catalog
from pipeline.catalog import CONTINENTS
from pipeline.extract.drafts import Draft, Reading
from pipeline.extract.edition import UrlInfo
from pipeline.extract.issues import issue
from pipeline.extract.profile import PROFILE_KEYS

# How each edition prints a rank change (DOMAIN.md): previous rank from the rank and the change.
PREVIOUS_RANK = {
    2023: lambda rank, change: rank + change,  # printed previous - current: 127th -> 129th prints -2
    2025: lambda rank, change: rank - change,  # printed current - previous: 97th -> 91st prints -6
}
ADJECTIVES = {"African": "Africa", "American": "Americas", "Asian": "Asia", "European": "Europe", "Oceanian": "Oceania"}


def entities(
    reading: Reading, edition: int | None, url: UrlInfo, site: str = "global"
) -> tuple[list[dict], list[dict]]:
    out, issues = [], []
    seen: dict[tuple, int | None] = {}
    for index, draft in enumerate(reading.entities):
        entity, found = _entity(draft, index, reading, edition, url, site)
        issues.extend(found)
        if entity is None:
            continue
        key = (entity["kind"], entity["iso3"] or entity["name"])
        if key in seen:  # two profiles of one entity in one file: which one is the page's is not for us to guess
            where = draft.name_line or draft.first_line
            issues.append(issue("error", "duplicate_entity",
                                f"line {where}: the page shows {entity['name']} a second time (first at line "
                                f"{seen[key]}): two profiles in one file? save each page apart", where))  # fmt: skip
        seen[key] = draft.name_line or draft.first_line
        out.append(entity)
    return out, issues


class Identity(NamedTuple):
    kind: str  # country or region
    name: str
    iso3: str | None
    continent: str | None
    region: str | None


def _entity(draft: Draft, index: int, reading: Reading, edition: int | None, url: UrlInfo, site: str):
    who, issues = _identity(draft, index, reading, edition, url)
    if who is None:
        return None, issues
    ranks, continent, region, enact_region = _ranks(draft, edition if site == "global" else None, who, issues)
    profile = None if draft.profile is None else {k: draft.profile.get(k) for k in PROFILE_KEYS}
    entity: dict[str, Any] = {
        "kind": who.kind,
        "name": who.name,
        "iso3": who.iso3,
        "continent": continent,
        "region": region,
        "profile": profile,
        "scores": {code: {"score": s.score, "change": s.change} for code, s in _ordered(draft.scores)},
        "ranks": ranks,
        "sections": [{"title": t, "text": "\n\n".join(p)} for t, p in draft.sections if p],
    }
    if who.kind == "region":
        entity["countries"] = draft.members
    if enact_region is not None:
        entity["enact_region"] = enact_region
    return entity, issues


def _identity(draft: Draft, index: int, reading: Reading, edition: int | None, url: UrlInfo):
    """Who the block is: its name from the page (or the URL), its kind, ISO3 code, continent and region."""
    issues: list[dict] = []
    line = draft.name_line or draft.first_line
    url_entity = url.entities[index] if index < len(url.entities) else None
    name = draft.name or (reading.header_names[index] if index < len(reading.header_names) else None)
    url_country = catalog.country(url_entity[1]) if url_entity and url_entity[0] == "country" else None
    url_region = catalog.region_for_name(url_entity[1]) if url_entity and url_entity[0] == "region" else None
    if name is None and url_entity is not None:
        name = url_country.name if url_country else url_region or url_entity[1]
    if name is None:
        issues.append(
            issue(
                "error",
                "unknown_entity",
                "the page does not say whose profile it is (no name in its "
                "header or profile); pass the page's URL with --url",
                line,
            )
        )
        return None, issues
    # The page's content decides the kind; the URL only when the page names no one.
    named_by_page = draft.name is not None or index < len(reading.header_names)
    content_region = (draft.members is not None or any(r.rank.regions for r in draft.ranks)
                      or (catalog.region_for_name(name) is not None and catalog.country(name) is None))  # fmt: skip
    url_says_region = url_entity is not None and url_entity[0] == "region"
    is_region = content_region or (url_says_region and not named_by_page)
    if url_says_region and not is_region:
        issues.append(
            issue(
                "error",
                "entity_conflict",
                f"line {line}: the URL names the region {url_entity[1] if url_entity else ''} but "
                f'the page shows "{name}", which is not a region; check the URL or the page',
                line,
            )
        )
    if is_region:
        region = catalog.region_for_name(name)
        if url_region and region and url_region != region:
            issues.append(
                issue(
                    "error", "entity_conflict", f"the page shows the region {name} but the URL names {url_region}", line
                )
            )
        return Identity("region", name, None, catalog.REGION_NAMES.get(region) if region else None, region), issues
    country = catalog.country(name)
    if country is None:
        issues.append(
            issue(
                "error",
                "unknown_country",
                f'line {line}: "{name}" is not a country of the index '
                "(not among the 193 UN member states' names and variants)",
                line,
            )
        )
        return None, issues
    if url_country and url_entity and url_country.iso3 != country.iso3:
        issues.append(
            issue(
                "error",
                "entity_conflict",
                f'line {line}: the page shows "{name}" but the URL names '
                f"{url_entity[1]} ({url_country.name}); check the URL or the page",
                line,
            )
        )
    return Identity("country", name, country.iso3, country.continent, country.region), issues


def _ranks(draft: Draft, edition: int | None, who: Identity, issues: list[dict]):
    """The rank lines with their scope and previous rank; the continent and region they print (a country's
    rank lines name its areas as the page sees them, except that an ENACT page's African Union region is
    kept beside the global index's region). `edition` is None for a site whose pages print no rank change."""
    ranks, continent, region, enact_region = [], who.continent, who.region, None
    is_region = who.kind == "region"
    for r in draft.ranks:
        scope, area = _scope(r.rank, is_region)
        if scope == "continent" and not is_region:
            continent = area
        elif scope == "region" and not is_region and r.rank.area_first:
            enact_region = area
        elif scope == "region" and not is_region:
            region = area
        change, previous = r.rank.change, None
        if change is not None and edition in PREVIOUS_RANK:
            previous = PREVIOUS_RANK[edition](r.rank.rank, change)
            if previous < 1:
                issues.append(
                    issue(
                        "error",
                        "bad_rank",
                        f"line {r.line}: rank {r.rank.rank} with change {change} gives a previous rank of {previous}",
                        r.line,
                    )
                )
                previous = None
        ranks.append(
            {
                "metric": r.metric,
                "scope": scope,
                "area": area,
                "rank": r.rank.rank,
                "of": r.rank.of,
                "change_shown": change,
                "previous_rank": previous,
            }
        )
    return ranks, continent, region, enact_region


def _ordered(scores):
    order = {i.code: n for n, i in enumerate(catalog.INDICATORS)}
    return sorted(scores.items(), key=lambda kv: order[kv[0]])


def _scope(rank, is_region: bool) -> tuple[str, str]:
    if rank.regions or rank.area in ADJECTIVES:  # `of 5 African regions`, `of 54 African countries`
        continent = ADJECTIVES.get(rank.area or "")
        return ("continent", continent) if continent else ("world", "World")
    if rank.area is None:
        return "world", "World"
    if rank.area in CONTINENTS:
        return "continent", rank.area
    return "region", rank.area
