"""Whether a page is whole: every block its entities carry, and the footer that ends every page.

A page that stops before its footer is cut off, even when its last line is a whole sentence (a
paragraph or a section may be missing after it).
"""

from __future__ import annotations

from pipeline.catalog import previous_edition, scored_in
from pipeline.extract.drafts import Draft, Reading
from pipeline.extract.issues import issue
from pipeline.extract.profile import PRINTED_FIELDS, PROFILE_LABELS

# The rank lines under each composite score (DOMAIN.md): world, continent and region on the global site;
# continent and region on ENACT's; a region's one line among its continent's regions.
RANK_LINES = {"global": 3, "enact": 2, "region": 1}


def completeness(reading: Reading, site: str = "global") -> tuple[bool, list[dict]]:
    """Whether every block the page carries is there, and errors naming what is missing."""
    if not reading.entities or not any(d.scores for d in reading.entities):
        return False, [_no_scores(reading)]
    missing = _missing(reading) + _missing_ranks(reading, site)
    issues = _section_count(reading)
    cut = reading.footer_line is None and not reading.whole
    if cut:
        where = reading.cut_line
        stop = f'at line {where.no}, inside "{where.text[-40:]}"' if where else f"after line {reading.last_line}"
        lacking = f" ({', '.join(missing)} missing)" if missing else ""
        at = where.no if where else reading.last_line
        issues.append(issue("error", "truncated", f"the page stops {stop}: it is cut off{lacking}; re-fetch it", at))
        return False, issues
    if missing:
        issues.append(issue("error", "missing_block", f"the page lacks {', '.join(missing)}", None))
    for d in reading.entities:
        issues += _skipped_checks(d)
    return not missing, issues


def _no_scores(reading: Reading) -> dict:
    """A page with no score at all: cut off before its first one, or not a profile page."""
    if reading.footer_line is None and (reading.header_seen or any(d.profile is not None for d in reading.entities)):
        at = reading.cut_line.no if reading.cut_line else reading.last_line
        return issue(
            "error", "truncated", f"the page stops at line {at}, before its first score: it is cut off; re-fetch it", at
        )
    return issue(
        "error",
        "not_a_profile",
        "no score of the Organized Crime Index was found: this is not a country "
        "or region profile page (an error page, or another site?)",
        None,
    )


def _missing(reading: Reading) -> list[str]:
    missing: list[str] = []
    for n, d in enumerate(reading.entities):
        who = _who(reading, n, d)
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
    return missing


def _missing_ranks(reading: Reading, site: str) -> list[str]:
    missing = []
    for n, d in enumerate(reading.entities):
        who = _who(reading, n, d)
        among_regions = any(r.rank.regions for r in d.ranks)
        expected = RANK_LINES["region" if among_regions else site]
        for metric in ("criminality", "resilience"):
            found = sum(r.metric == metric for r in d.ranks)
            if metric in d.scores and found < expected:
                missing.append(f"{expected - found} of the {expected} {metric} rank lines of {who}")
    return missing


def _who(reading: Reading, n: int, d: Draft) -> str:
    """How a message names the n-th entity: its name, else the header's, else its place on the page."""
    return d.name or (reading.header_names[n] if n < len(reading.header_names) else f"entity {n + 1}")


def _section_count(reading: Reading) -> list[dict]:
    if reading.analysis_tabs is None or reading.footer_line is None:
        return []
    count = sum(len([s for s in d.sections if s[1]]) for d in reading.entities)
    if count == reading.analysis_tabs:
        return []
    return [
        issue(
            "warning",
            "section_count",
            f"the analysis has {reading.analysis_tabs} tabs but {count} sections were read",
            reading.footer_line,
        )
    ]


def _skipped_checks(d: Draft) -> list[dict]:
    """The agreement checks a whole page could not make: no pyramid line, no repeated resilience block."""
    who = d.name or "the entity"
    out = []
    if d.scores and d.pyramid is None and "resilience" in d.scores:
        out.append(
            issue(
                "warning",
                "check_skipped",
                f"{who}: no pyramid line on the page, so its agreement with the scores was not checked",
                None,
            )
        )
    if d.scores and not d.repeat_seen and d.has_any("resilience"):
        out.append(
            issue(
                "warning",
                "check_skipped",
                f"{who}: no repeated resilience block on the page, so its agreement was not checked",
                None,
            )
        )
    return out


def printed(reading: Reading, edition: int | None, site: str, complete: bool) -> list[dict]:
    """What the edition's pages print by every country: a change (or n/a) by each score where the edition
    prints changes, and the profile's fields. A value the page should show and does not is an error."""
    if edition is None:
        return []
    found: list[dict] = []
    previous = previous_edition(edition, site)
    fields = PRINTED_FIELDS.get((site, edition))
    for n, d in enumerate(reading.entities):
        if d.members is not None or any(r.rank.regions for r in d.ranks):
            continue  # a region: its figures are means, printed the region's way
        who = _who(reading, n, d)
        if previous is not None:
            for code, s in d.scores.items():
                if s.change is None and not s.na and scored_in(code, previous):
                    found.append(issue(
                        "error", "missing_change",
                        f'line {s.line}: "{s.label}" shows {s.score:.2f} with no change, but {edition} pages print '
                        f"the change since {previous} by every score (or n/a); a value not read?", s.line))  # fmt: skip
        if fields and complete and d.profile is not None:
            absent = [f for f in fields if f not in d.profile]
            if absent:
                names = ", ".join(_label_of(f) for f in absent)
                found.append(issue(
                    "error", "missing_field",
                    f"the profile of {who} (line {d.first_line}) lacks {names}, which {site} {edition} pages print; "
                    "a new label or layout?", d.first_line))  # fmt: skip
    return found


def _label_of(key: str) -> str:
    return next(label for label, k in PROFILE_LABELS.items() if k == key)
