"""Which edition a page belongs to, from its URL and from evidence on the page.

The rules, each a set of editions the evidence allows (DOMAIN.md):

- URL: a path segment `/2021/`, `/2023/`, `/2025/` (or `/2019/`) names the edition outright.
- Printed changes: a numeric change on any score -> 2023 or 2025 (2019 and 2021 print none);
  `n/a` -> 2023 (2025 prints a number everywhere); a numeric change on an indicator new in 2023 -> 2025
  (2023 pages print `n/a` there); a score printed alone where others carry changes is not evidence.
- Scores printed with no change at all, on a page showing 3 or more scores -> 2019 or 2021.
- Indicator set: any indicator new in 2023 -> 2023 or 2025; a markets block read to its end without
  any of them -> 2019 or 2021.
- Labels: indicator labels in Title Case (`Human Trafficking`, `Criminal market`, `Synthetic Drugs
  Trade`, `Economic Regulatory Environment`) -> 2019; sentence case (`Human trafficking`) -> not 2019.
- Profile fields: 2025 names (`Gross domestic product (GDP - CURRENT $US MILLION)`, `Area (KM²)`) ->
  2025; fields 2025 dropped (income group, geography type, GINI) -> not 2025. A `Year:` header -> not 2025.
- Rank lines: a change printed -> 2023 or 2025; none on any rank line -> 2019 or 2021; in saved text,
  a continent or region rank change glued to the area (`in Europe-2`) -> 2023; spaced (`in Europe -2`)
  -> 2025 (not in HTML, where the change is an element of its own and is read apart either way).

Page evidence is intersected; an empty intersection, or a URL year outside it, is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from pipeline import catalog
from pipeline.catalog import EDITIONS, NEW_IN_2023
from pipeline.extract.drafts import Reading
from pipeline.extract.issues import issue
from pipeline.extract.profile import profile_field

ALL = frozenset(EDITIONS)
TITLE_CASE_ONLY = {
    "criminal market",
    "non-renewable resources crimes",
    "synthetic drugs trade",
    "economic regulatory environment",
}


@dataclass(frozen=True)
class Evidence:
    editions: frozenset[int]
    why: str


@dataclass(frozen=True)
class UrlInfo:
    year: int | None
    entities: tuple[tuple[str, str], ...]  # (kind, slug) in URL order


def read_url(url: str | None) -> UrlInfo:
    """`/2023/country/kenya` -> (2023, [('country', 'kenya')]); `/region/east_africa/zambia` -> region, country."""
    if not url:
        return UrlInfo(None, ())
    parts = [p for p in urlparse(url).path.split("/") if p]
    year = next((int(p) for p in parts if re.fullmatch(r"\d{4}", p) and int(p) in EDITIONS), None)
    entities: list[tuple[str, str]] = []
    for i, p in enumerate(parts):
        if p in ("country", "region"):
            rest = [q for q in parts[i + 1 :] if not re.fullmatch(r"\d{4}", q)][:2]
            kinds = ["region", "country"] if p == "region" else ["country", "country"]
            entities = list(zip(kinds, rest))
            break
    return UrlInfo(year, tuple(entities))


def page_evidence(reading: Reading, text_spacing: bool = True) -> list[Evidence]:
    """The evidence on a page. `text_spacing`: whether the spacing of a rank change is as the site's
    text prints it (saved text); in HTML the change is an element of its own, read apart."""
    out: list[Evidence] = []
    scores = [(code, s) for e in reading.entities for code, s in e.scores.items()]
    countries = [e for e in reading.entities if not e.members]
    numeric = [(c, s) for c, s in scores if s.change is not None]
    if numeric:
        out.append(
            Evidence(
                frozenset({2023, 2025}), f'a change is printed ("{numeric[0][1].label}" line {numeric[0][1].line})'
            )
        )
    na = [s for _, s in scores if s.na]
    if na:
        out.append(Evidence(frozenset({2023}), f'"n/a" is printed as a change (line {na[0].line})'))
    new_numeric = [s for c, s in numeric if c in NEW_IN_2023]
    if new_numeric:
        out.append(
            Evidence(
                frozenset({2025}), f"an indicator new in 2023 carries a numeric change (line {new_numeric[0].line})"
            )
        )
    if len(scores) >= 3 and not numeric and not na:
        out.append(Evidence(frozenset({2019, 2021}), "no score carries a change"))
    if any(c in NEW_IN_2023 for c, _ in scores):
        out.append(Evidence(frozenset({2023, 2025}), "an indicator new in 2023 is shown"))
    elif any(e.has_any("criminal_markets") and "criminal_actors" in e.scores for e in countries):
        out.append(Evidence(frozenset({2019, 2021}), "the markets block has none of the indicators new in 2023"))
    title_case = sentence_case = None
    for code, s in scores:
        if code in ("criminality", "resilience"):
            continue  # headings, not labels: ENACT 2023 prints `Criminality Score` too
        words = s.label.split()
        capitalised = len(words) >= 2 and all(w[:1].isupper() for w in words if len(w) > 3)
        if s.label.lower() in TITLE_CASE_ONLY or (capitalised and s.label != catalog.INDICATOR_BY_CODE[code].label):
            title_case = title_case or s
        elif len(words) >= 2 and words[1][:1].islower() and words[1] not in ("and", "&", "in"):
            sentence_case = sentence_case or s
    if title_case:
        out.append(
            Evidence(frozenset({2019}), f'labels are in Title Case ("{title_case.label}" line {title_case.line})')
        )
    if sentence_case:
        out.append(
            Evidence(ALL - {2019}, f'labels are in sentence case ("{sentence_case.label}" line {sentence_case.line})')
        )
    labels = [lab for e in reading.entities for lab in e.profile_labels]
    if any("CURRENT" in lab or "(KM" in lab.upper() for lab in labels):
        out.append(Evidence(frozenset({2025}), "the profile uses the 2025 field names"))
    if any(profile_field(lab) in ("income_group", "geography_type", "gini") for lab in labels):
        out.append(Evidence(ALL - {2025}, "the profile has fields the 2025 pages dropped"))
    if reading.year_label:
        out.append(Evidence(ALL - {2025}, 'the header has a "Year:" selector'))
    ranks = [r for e in reading.entities for r in e.ranks]
    if ranks:
        changed = [r for r in ranks if r.rank.change is not None]
        if not changed:
            out.append(Evidence(frozenset({2019, 2021}), "no rank line carries a change"))
        else:
            out.append(Evidence(frozenset({2023, 2025}), f"a rank change is printed (line {changed[0].line})"))
            areal = [r for r in changed if r.rank.area is not None] if text_spacing else []
            glued = [r for r in areal if not r.rank.spaced]
            spaced = [r for r in areal if r.rank.spaced]
            if glued:
                out.append(Evidence(frozenset({2023}), f"a rank change is glued to the area (line {glued[0].line})"))
            if spaced:
                out.append(
                    Evidence(frozenset({2025}), f"a rank change is spaced from the area (line {spaced[0].line})")
                )
    return out


def decide(reading: Reading, url: str | None, fmt: str = "text") -> tuple[int | None, list[dict]]:
    """The edition, and the issues found deciding it (an error when it cannot be decided)."""
    candidates = set(ALL)
    used: list[Evidence] = []
    for ev in page_evidence(reading, text_spacing=fmt == "text"):
        if not candidates & ev.editions:
            why = "; ".join(e.why for e in used)
            return None, [
                issue(
                    "error",
                    "edition_conflict",
                    f"the page contradicts itself about its edition: {ev.why}, but {why}",
                    None,
                )
            ]
        candidates &= ev.editions
        used.append(ev)
    year = read_url(url).year
    if year is not None:
        if year not in candidates:
            why = "; ".join(e.why for e in used if year not in e.editions)
            return None, [
                issue(
                    "error",
                    "edition_conflict",
                    f"the URL names the {year} edition but the page shows "
                    f"{_names(candidates)} ({why}); check the URL passed with --url or the page",
                    None,
                )
            ]
        return year, []
    if len(candidates) == 1:
        return candidates.pop(), []
    return None, [
        issue(
            "error",
            "edition_unknown",
            f"the edition cannot be told from the page (it could be "
            f"{_names(candidates)}); pass the page's URL with --url, e.g. "
            f"https://ocindex.net/2023/country/<slug>",
            None,
        )
    ]


def _names(editions) -> str:
    return " or ".join(str(e) for e in sorted(editions))
