"""From what the grammar read to the record's entities: names, codes, scopes, previous ranks.

Applies the edition's conventions (the sign of printed rank changes) and the catalog (ISO3 codes,
continents and regions), and says what the page is missing.
"""

from __future__ import annotations

from typing import Any

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


def entities(reading: Reading, edition: int | None, url: UrlInfo) -> tuple[list[dict], list[dict]]:
    out, issues = [], []
    for index, draft in enumerate(reading.entities):
        entity, found = _entity(draft, index, reading, edition, url)
        issues.extend(found)
        if entity is not None:
            out.append(entity)
    return out, issues


def _entity(draft: Draft, index: int, reading: Reading, edition: int | None, url: UrlInfo):
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
                "the page does not say whose profile it is (no name in "
                "its header or profile); pass the page's URL with --url",
                line,
            )
        )
        return None, issues

    is_region = (
        draft.members is not None
        or any(r.rank.regions for r in draft.ranks)
        or (url_entity is not None and url_entity[0] == "region")
        or (catalog.region_for_name(name) is not None and catalog.country(name) is None)
    )
    if is_region:
        region = catalog.region_for_name(name)
        continent = catalog.REGION_NAMES.get(region) if region else None
        if url_region and region and url_region != region:
            issues.append(
                issue(
                    "error", "entity_conflict", f"the page shows the region {name} but the URL names {url_region}", line
                )
            )
        kind, iso3 = "region", None
    else:
        country = catalog.country(name)
        if country is None:
            issues.append(
                issue(
                    "error",
                    "unknown_country",
                    f'line {line}: "{name}" is not a country of the '
                    f"index (not among the 193 UN member states' names and variants)",
                    line,
                )
            )
            return None, issues
        if url_country and url_entity and url_country.iso3 != country.iso3:
            issues.append(
                issue(
                    "error",
                    "entity_conflict",
                    f'line {line}: the page shows "{name}" but the URL '
                    f"names {url_entity[1]} ({url_country.name}); check the URL or the page",
                    line,
                )
            )
        kind, iso3 = "country", country.iso3
        continent = country.continent
        region = country.region(edition) if edition else None

    ranks = []
    for r in draft.ranks:
        scope, area = _scope(r.rank, is_region)
        if scope == "continent" and not is_region:
            continent = area
        elif scope == "region" and not is_region:
            region = area
        change = r.rank.change
        previous = None
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

    profile = None
    if draft.profile is not None:
        profile = {k: draft.profile.get(k) for k in PROFILE_KEYS}
    sections = [{"title": t, "text": "\n\n".join(p)} for t, p in draft.sections if p]
    entity: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "iso3": iso3,
        "continent": continent,
        "region": region,
        "profile": profile,
        "scores": {code: {"score": s.score, "change": s.change} for code, s in _ordered(draft.scores)},
        "ranks": ranks,
        "sections": sections,
    }
    if is_region:
        entity["countries"] = draft.members
    return entity, issues


def _ordered(scores):
    order = {i.code: n for n, i in enumerate(catalog.INDICATORS)}
    return sorted(scores.items(), key=lambda kv: order[kv[0]])


def _scope(rank, is_region: bool) -> tuple[str, str]:
    if rank.regions:
        group = ADJECTIVES.get(rank.region_group or "")
        return ("continent", group) if group else ("world", "World")
    if rank.area is None:
        return "world", "World"
    if rank.area in CONTINENTS:
        return "continent", rank.area
    return "region", rank.area


def completeness(reading: Reading) -> tuple[bool, list[dict]]:
    """Whether every block the page carries is there, and errors naming what is missing."""
    issues: list[dict] = []
    if not reading.entities or not any(d.scores for d in reading.entities):
        if reading.footer_line is None and (
            reading.header_seen or any(d.profile is not None for d in reading.entities)
        ):
            at = reading.cut_line.no if reading.cut_line else reading.last_line
            return False, [
                issue(
                    "error",
                    "truncated",
                    f"the page stops at line {at}, before its first score: it is cut off; re-fetch it",
                    at,
                )
            ]
        return False, [
            issue(
                "error",
                "not_a_profile",
                "no score of the Organized Crime Index was found: this "
                "is not a country or region profile page (an error page, or another site?)",
                None,
            )
        ]
    missing: list[str] = []
    for n, d in enumerate(reading.entities):
        who = d.name or (reading.header_names[n] if n < len(reading.header_names) else f"entity {n + 1}")
        have = {
            "profile": d.profile is not None,
            "criminality score": "criminality" in d.scores,
            "criminal markets": "criminal_markets" in d.scores,
            "criminal actors": "criminal_actors" in d.scores,
            "resilience score": "resilience" in d.scores,
        }
        missing += [f"{block} of {who}" for block, ok in have.items() if not ok]
    # A single profile always ends with its analysis; a comparison shows two blocks side by side and
    # need not carry one.
    if len(reading.entities) == 1 and not reading.entities[0].sections:
        missing.append("the analysis")
    if reading.analysis_tabs is not None and reading.footer_line is not None:
        count = sum(len([s for s in d.sections if s[1]]) for d in reading.entities)
        if count != reading.analysis_tabs:
            issues.append(
                issue(
                    "warning",
                    "section_count",
                    f"the analysis has {reading.analysis_tabs} tabs but {count} sections were read",
                    reading.footer_line,
                )
            )
    # Every page of the site ends with its footer; a page that stops before it is cut off, even when
    # the last line read is a whole sentence (a paragraph or a section may be missing after it).
    cut = reading.footer_line is None
    if cut:
        where = reading.cut_line or None
        stop = f'at line {where.no}, inside "{where.text[-40:]}"' if where else f"after line {reading.last_line}"
        issues.append(
            issue(
                "error",
                "truncated",
                f"the page stops {stop}: it is cut off"
                + (f" ({', '.join(missing)} missing)" if missing else "")
                + "; re-fetch it",
                where.no if where else reading.last_line,
            )
        )
    elif missing:
        issues.append(issue("error", "missing_block", f"the page lacks {', '.join(missing)}", None))
    for d in [] if cut else reading.entities:
        if d.scores and d.pyramid is None and "resilience" in d.scores:
            issues.append(
                issue(
                    "warning",
                    "check_skipped",
                    f"{d.name or 'the entity'}: no pyramid line on the "
                    "page, so its agreement with the scores was not checked",
                    None,
                )
            )
        if d.scores and not d.repeat_seen and d.has_any("resilience"):
            issues.append(
                issue(
                    "warning",
                    "check_skipped",
                    f"{d.name or 'the entity'}: no repeated resilience "
                    "block on the page, so its agreement was not checked",
                    None,
                )
            )
    return not cut and not missing, issues
