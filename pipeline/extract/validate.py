"""The index's own arithmetic, per edition and entity kind (DOMAIN.md), as issues.

- a country's indicators are 1 to 10 in steps of 0.5; a region's are means, 1 to 10;
- each pillar is the mean of its indicators, rounded half-up to two decimals;
- criminality is the mean of the UNROUNDED markets and actors means, rounded half-up;
- the edition's indicator set is complete, and holds nothing from a later edition;
- changes are printed as the edition prints them (none before 2023, `n/a` for 2023's new indicators).

A check that needs a block the page does not show is skipped with a warning, never passed silently.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from pipeline.catalog import INDICATOR_BY_CODE, PREVIOUS_EDITION, edition_indicators, scored_in
from pipeline.extract.issues import issue

CENT = Decimal("0.01")
HALF = Decimal("0.5")
REGION_TOLERANCE = Decimal("0.01")  # region figures are means of countries' rounded scores


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def dec(x: float) -> Decimal:
    return Decimal(repr(x))


def check_entity(entity: dict, edition: int | None, complete: bool) -> list[dict]:
    if edition is None:
        return []
    who = entity["name"]
    scores = entity["scores"]
    region = entity["kind"] == "region"
    expected = edition_indicators(edition)
    indicators = _indicator_set(edition)
    out: list[dict] = []

    for code, sc in scores.items():
        value = dec(sc["score"])
        if not (Decimal(1) <= value <= Decimal(10)):
            out.append(issue("error", "score_out_of_range", f"{who}: {code} is {value:.2f}, outside 1 to 10", None))
        elif not region and code in indicators and value % HALF:
            out.append(
                issue(
                    "error",
                    "score_step",
                    f"{who}: {code} is {value:.2f}, not a step of 0.5 as every indicator score is",
                    None,
                )
            )
        change = sc["change"]
        previous = PREVIOUS_EDITION.get(edition)
        if change is not None and previous is None:
            out.append(
                issue(
                    "error",
                    "unexpected_change",
                    f"{who}: {code} carries a change ({change}) but {edition} pages print none",
                    None,
                )
            )
        elif change is not None and not scored_in(code, previous):
            out.append(
                issue(
                    "error",
                    "unexpected_change",
                    f"{who}: {code} is new since {previous} but carries a "
                    f"change ({change}); {edition} pages print n/a there",
                    None,
                )
            )

    means: dict[str, Decimal] = {}
    for pillar, codes in expected.items():
        shown = [c for c in codes if c in scores]
        absent = [c for c in codes if c not in scores]
        unexpected = sorted(
            c for c in scores if c not in codes and c not in expected and c != "criminality" and _pillar_of(c) == pillar
        )
        if unexpected:
            out.append(
                issue(
                    "error",
                    "unexpected_indicator",
                    f"{who}: {', '.join(unexpected)} shown, but the {edition} edition has no such indicator",
                    None,
                )
            )
        if absent and complete:
            out.append(
                issue(
                    "error",
                    "missing_indicator",
                    f"{who}: the {pillar} block lacks {', '.join(absent)} ({len(shown)} of {len(codes)} shown)",
                    None,
                )
            )
        if absent:
            if pillar in scores:
                out.append(
                    issue(
                        "warning",
                        "check_skipped",
                        f"{who}: {pillar} not checked against the mean "
                        f"of its indicators ({len(absent)} not on the page)",
                        None,
                    )
                )
            continue
        means[pillar] = mean([dec(scores[c]["score"]) for c in codes])
        if pillar in scores:
            shown_value = dec(scores[pillar]["score"])
            expect = half_up(means[pillar])
            if abs(shown_value - expect) > (REGION_TOLERANCE if region else 0):
                out.append(
                    issue(
                        "error",
                        "pillar_mean",
                        f"{who}: {pillar} is shown as {shown_value} but the mean "
                        f"of its {len(codes)} indicators is {expect}",
                        None,
                    )
                )

    if "criminality" in scores:
        if "criminal_markets" in means and "criminal_actors" in means:
            expect = half_up((means["criminal_markets"] + means["criminal_actors"]) / 2)
            shown_value = dec(scores["criminality"]["score"])
            if abs(shown_value - expect) > (REGION_TOLERANCE if region else 0):
                out.append(
                    issue(
                        "error",
                        "criminality_mean",
                        f"{who}: criminality is shown as {shown_value} but "
                        f"the mean of the unrounded markets and actors means is {expect}",
                        None,
                    )
                )
        else:
            out.append(
                issue(
                    "warning",
                    "check_skipped",
                    f"{who}: criminality not checked (its markets or actors indicators are not all on the page)",
                    None,
                )
            )
    for rank in entity["ranks"]:
        if rank["rank"] > rank["of"]:
            out.append(
                issue(
                    "error",
                    "bad_rank",
                    f"{who}: {rank['metric']} rank {rank['rank']} of {rank['of']} in {rank['area']}",
                    None,
                )
            )
    return out


@cache
def _indicator_set(edition: int) -> frozenset[str]:
    return frozenset(c for codes in edition_indicators(edition).values() for c in codes)


def _pillar_of(code: str) -> str | None:
    ind = INDICATOR_BY_CODE.get(code)
    return ind.pillar if ind else None
