"""Which site and edition a page belongs to, from its URL and from evidence on the page.

The site: the ENACT Africa site (africa.ocindex.net, ocindex.enactafrica.org) when the URL's host is
one of its hosts or the page ranks the ENACT way (`10th of 54 African countries`); else the global
index (ocindex.net). The rules for the edition, each a set of editions the evidence allows (DOMAIN.md):

- URL: a path segment `/2021/`, `/2023/`, `/2025/` (or `/2019/`) names the edition outright.
- Printed changes: a numeric change on any score -> 2023 or 2025 on the global site, 2021 or 2023 on
  ENACT's (ENACT 2021 prints changes against 2019); `n/a` -> 2023 (2025 prints a number everywhere);
  a numeric change on an indicator new in 2023 -> 2025 (2023 pages print `n/a` there).
- Scores printed with no change at all, on a page showing 3 or more scores -> 2019 or 2021 (ENACT:
  2019).
- Indicator set: any indicator new in 2023 -> 2023 or 2025; a markets block read to its end without
  any of them -> 2019 or 2021.
- Labels: indicator labels in Title Case (`Human Trafficking`, `Synthetic Drugs Trade`, `Economic
  Regulatory Environment`) -> 2019; sentence case (`Human trafficking`) -> not 2019.
- Profile fields: 2025 names (`Gross domestic product (GDP - CURRENT $US MILLION)`, `Area (KM²)`) ->
  2025; fields 2025 dropped (income group, geography type, GINI) -> not 2025. A `Year` header -> not 2025.
- Rank lines (global site only; ENACT prints no rank change in any edition): a change printed -> 2023
  or 2025; none on any rank line -> 2019 or 2021; in saved text, a continent or region rank change
  glued to the area (`in Europe-2`) -> 2023; spaced (`in Europe -2`) -> 2025 (not in HTML, where the
  change is an element of its own).

The evidence of the data (changes, the indicator set, the profile's fields, rank changes printed or not) is
strong: it is intersected, and an empty intersection, or a URL year outside it, is an error. The evidence of
the page's typography (the case of labels, the spacing of a rank change, a `Year` selector) is weak: it only
narrows what the data leaves open, and is set aside where it contradicts the data or the URL (a redesign
changes typography, not the index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from pipeline import catalog
from pipeline.catalog import EDITIONS, NEW_IN_2023
from pipeline.extract.drafts import Reading, Score
from pipeline.extract.issues import issue
from pipeline.extract.profile import profile_field

ALL = frozenset(EDITIONS)
TITLE_CASE_ONLY = {label.lower() for label in catalog.LABELS_2019}


@dataclass(frozen=True)
class Evidence:
    editions: frozenset[int]
    why: str
    weak: bool = False  # typography, not data


@dataclass(frozen=True)
class UrlInfo:
    year: int | None
    entities: tuple[tuple[str, str], ...]  # (kind, slug) in URL order
    host: str | None = None


def read_url(url: str | None) -> UrlInfo:
    """`/2023/country/kenya` -> (2023, [('country', 'kenya')]); `/region/east_africa/zambia` -> region, country.
    Hosts are read without a trailing dot, paths without regard to case (`/Country/`)."""
    if not url:
        return UrlInfo(None, ())
    parsed = urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    year = next((int(p) for p in parts if re.fullmatch(r"\d{4}", p) and int(p) in EDITIONS), None)
    entities: list[tuple[str, str]] = []
    for i, p in enumerate(parts):
        if p.lower() in ("country", "region"):
            rest = [q for q in parts[i + 1 :] if not re.fullmatch(r"\d{4}", q)][:2]
            kinds = ["region", "country"] if p.lower() == "region" else ["country", "country"]
            entities = list(zip(kinds, rest))
            break
    host = (parsed.hostname or "").rstrip(".").lower() or None
    return UrlInfo(year, tuple(entities), host)


def site(reading: Reading, url: UrlInfo) -> str:
    """`enact` for a page of the ENACT Africa site, else `global`."""
    if url.host in catalog.ENACT_HOSTS:
        return "enact"
    return "enact" if any(r.rank.area_first for e in reading.entities for r in e.ranks) else "global"


def page_evidence(reading: Reading, text_spacing: bool = True, on: str = "global") -> list[Evidence]:
    """The evidence on a page of site `on`. `text_spacing`: whether the spacing of a rank change is as
    the site's text prints it (saved text); in HTML the change is an element of its own, read apart."""
    scores = [(code, s) for e in reading.entities for code, s in e.scores.items()]
    return [*_changes(scores, on), *_indicator_set(reading, scores), *_labels(scores), *_profile(reading),
            *_ranks(reading, text_spacing, on)]  # fmt: skip


def _changes(scores: list[tuple[str, Score]], on: str) -> list[Evidence]:
    out = []
    numeric = [(c, s) for c, s in scores if s.change is not None]
    if numeric:
        first = numeric[0][1]
        editions = {2021, 2023} if on == "enact" else {2023, 2025}
        out.append(Evidence(frozenset(editions), f'a change is printed ("{first.label}" line {first.line})'))
    na = [s for _, s in scores if s.na]
    if na:
        out.append(Evidence(frozenset({2023}), f'"n/a" is printed as a change (line {na[0].line})'))
    new_numeric = [s for c, s in numeric if c in NEW_IN_2023]
    if new_numeric:
        why = f"an indicator new in 2023 carries a numeric change (line {new_numeric[0].line})"
        out.append(Evidence(frozenset({2025}), why))
    if len(scores) >= 3 and not numeric and not na:
        out.append(Evidence(frozenset({2019} if on == "enact" else {2019, 2021}), "no score carries a change"))
    return out


def _indicator_set(reading: Reading, scores: list[tuple[str, Score]]) -> list[Evidence]:
    if any(c in NEW_IN_2023 for c, _ in scores):
        return [Evidence(frozenset({2023, 2025}), "an indicator new in 2023 is shown")]
    countries = [e for e in reading.entities if not e.members]
    if any(e.has_any("criminal_markets") and "criminal_actors" in e.scores for e in countries):
        return [Evidence(frozenset({2019, 2021}), "the markets block has none of the indicators new in 2023")]
    return []


def _labels(scores: list[tuple[str, Score]]) -> list[Evidence]:
    title_case = sentence_case = None
    for code, s in scores:
        if code in ("criminality", "resilience") or s.label in catalog.LABELS_ANY_EDITION:
            continue  # headings, not labels (ENACT 2023 prints `Criminality Score` too); labels of any edition
        words = s.label.split()
        capitalised = len(words) >= 2 and all(w[:1].isupper() for w in words if len(w) > 3)
        if s.label.lower() in TITLE_CASE_ONLY or (capitalised and s.label != catalog.INDICATOR_BY_CODE[code].label):
            title_case = title_case or s
        elif len(words) >= 2 and words[1][:1].islower() and words[1] not in ("and", "&", "in"):
            sentence_case = sentence_case or s
    out = []
    if title_case:
        why = f'labels are in Title Case ("{title_case.label}" line {title_case.line})'
        out.append(Evidence(frozenset({2019}), why, weak=True))
    if sentence_case:
        why = f'labels are in sentence case ("{sentence_case.label}" line {sentence_case.line})'
        out.append(Evidence(ALL - {2019}, why, weak=True))
    return out


def _profile(reading: Reading) -> list[Evidence]:
    out = []
    labels = [lab for e in reading.entities for lab in e.profile_labels]
    if any("CURRENT" in lab or "(KM" in lab.upper() for lab in labels):
        out.append(Evidence(frozenset({2025}), "the profile uses the 2025 field names"))
    if any(profile_field(lab) in ("income_group", "geography_type", "gini") for lab in labels):
        out.append(Evidence(ALL - {2025}, "the profile has fields the 2025 pages dropped"))
    if reading.year_label:
        out.append(Evidence(ALL - {2025}, 'the header has a "Year" selector', weak=True))
    return out


def _ranks(reading: Reading, text_spacing: bool, on: str) -> list[Evidence]:
    ranks = [r for e in reading.entities for r in e.ranks if not r.rank.area_first]
    if not ranks or on == "enact":
        return []
    changed = [r for r in ranks if r.rank.change is not None]
    if not changed:
        return [Evidence(frozenset({2019, 2021}), "no rank line carries a change")]
    out = [Evidence(frozenset({2023, 2025}), f"a rank change is printed (line {changed[0].line})")]
    areal = [r for r in changed if r.rank.area is not None] if text_spacing else []
    glued = [r for r in areal if not r.rank.spaced]
    spaced = [r for r in areal if r.rank.spaced]
    if glued:
        out.append(Evidence(frozenset({2023}), f"a rank change is glued to the area (line {glued[0].line})", True))
    if spaced:
        out.append(Evidence(frozenset({2025}), f"a rank change is spaced from the area (line {spaced[0].line})", True))
    return out


def decide(reading: Reading, url: str | None, fmt: str = "text", on: str = "global") -> tuple[int | None, list[dict]]:
    """The edition, and the issues found deciding it (an error when it cannot be decided)."""
    candidates = set(ALL)
    used: list[Evidence] = []
    evidence = page_evidence(reading, text_spacing=fmt == "text", on=on)
    for ev in (e for e in evidence if not e.weak):
        if not candidates & ev.editions:
            why = "; ".join(e.why for e in used)
            message = f"the page contradicts itself about its edition: {ev.why}, but {why}"
            return None, [issue("error", "edition_conflict", message, None)]
        candidates &= ev.editions
        used.append(ev)
    year = read_url(url).year
    if year is not None:
        if year not in candidates:
            why = "; ".join(e.why for e in used if year not in e.editions)
            message = (f"the URL names the {year} edition but the page shows {_names(candidates)} ({why}); "
                       "check the URL passed with --url or the page")  # fmt: skip
            return None, [issue("error", "edition_conflict", message, None)]
        return year, []
    for ev in (e for e in evidence if e.weak):
        if candidates & ev.editions:  # typography narrows what the data leaves open, never contradicts it
            candidates &= ev.editions
    if len(candidates) == 1:
        return candidates.pop(), []
    message = (f"the edition cannot be told from the page (it could be {_names(candidates)}); pass the page's "
               "URL with --url, e.g. https://ocindex.net/2023/country/<slug>")  # fmt: skip
    return None, [issue("error", "edition_unknown", message, None)]


def _names(editions) -> str:
    return " or ".join(str(e) for e in sorted(editions))
