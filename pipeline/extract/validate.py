"""The index's own arithmetic, per edition and entity kind (DOMAIN.md), as issues.

- a country's indicators are 1 to 10 in steps of 0.5; a region's are means, 1 to 10;
- each pillar is the mean of its indicators, rounded half-up to two decimals;
- criminality is the mean of the UNROUNDED markets and actors means, rounded half-up;
- the edition's indicator set is complete, and holds nothing from a later edition;
- changes are printed as the edition prints them (none before 2023, `n/a` for 2023's new indicators);
- a pillar's printed change is the change of its mean: the mean now, less the mean of the previous scores its
  indicators' changes imply (within a cent: the site rounds the two means, or their difference);
- a rank line's `of N` is the size of its area (193 countries, 44 in Europe, 11 in Western Europe).

A check that needs a block the page does not show is skipped with a warning, never passed silently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pipeline.catalog import INDICATOR_BY_CODE, area_size, edition_indicators, previous_edition, scored_in
from pipeline.extract.issues import issue

# Scores are exact hundredths: the arithmetic is done in integer cents, exactly (a mean is kept as a
# fraction, numerator and denominator, until it is rounded half-up).
HALF_STEP = 50  # indicators score in steps of 0.5
REGION_TOLERANCE = 1  # a cent: region figures are means of countries' rounded scores


def cents(x: float) -> int:
    return round(x * 100)


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (both positive) rounded half-up to a whole number of cents."""
    return (2 * numerator + denominator) // (2 * denominator)


def fmt(c: int) -> str:
    return f"{c / 100:.2f}"


def check_entity(entity: dict, edition: int | None, complete: bool, site: str = "global") -> list[dict]:
    """The arithmetic of one entity's scores and ranks, as errors and warnings."""
    if edition is None:
        return []
    check = _Check(entity["name"], entity["scores"], edition, entity["kind"] == "region")
    previous = previous_edition(edition, site)
    check.values(previous)
    check.changes()
    means = check.pillars(complete)
    check.criminality(means)
    if previous is not None and not check.region:
        check.pillar_changes(means, previous)
    check.ranks(entity["ranks"], entity["kind"] == "country", site)
    return check.found


def recheck(record: Any) -> bool:
    """Whether a record read back (a `models.Record`) still holds to the index's arithmetic: a record that had
    no error has none now. The checks are cheap next to parsing; a record edited by hand is caught here."""
    if any(i.severity == "error" for i in record.issues):
        return True  # a rejected record stays rejected: its errors are its own
    site = record.source.site or "global"
    for entity in record.entities:
        as_dict = entity.model_dump()
        year = entity.edition or record.edition
        if any(i["severity"] == "error" for i in check_entity(as_dict, year, record.complete, site)):
            return False
    return True


class _Check:
    def __init__(self, who: str, scores: dict, edition: int, region: bool):
        self.who, self.scores, self.edition, self.region = who, scores, edition, region
        self.tolerance = REGION_TOLERANCE if region else 0
        self.found: list[dict] = []

    def error(self, code: str, message: str) -> None:
        self.found.append(issue("error", code, f"{self.who}: {message}", None))

    def warning(self, code: str, message: str) -> None:
        self.found.append(issue("warning", code, f"{self.who}: {message}", None))

    def values(self, previous: int | None) -> None:
        """Each score in 1 to 10 (a country's indicators in steps of 0.5); changes as the edition prints them
        (`previous`: the edition they are measured against, None when the edition prints none)."""
        indicators = _indicator_set(self.edition)
        for code, sc in self.scores.items():
            value = cents(sc["score"])
            if not 100 <= value <= 1000:
                self.error("score_out_of_range", f"{code} is {fmt(value)}, outside 1 to 10")
            elif not self.region and code in indicators and value % HALF_STEP:
                self.error("score_step", f"{code} is {fmt(value)}, not a step of 0.5 as every indicator score is")
            change = sc["change"]
            if change is not None and previous is None:
                self.error(
                    "unexpected_change", f"{code} carries a change ({change}) but {self.edition} pages print none"
                )
            elif change is not None and not scored_in(code, previous):
                self.error(
                    "unexpected_change",
                    f"{code} is new since {previous} but carries a change ({change}); "
                    f"{self.edition} pages print n/a there",
                )

    def changes(self) -> None:
        """A printed change must leave a possible previous score: 1 to 10 (composites, computed from
        unrounded scores, within 0.01), and for a country's indicator a step of 0.5 away."""
        indicators = _indicator_set(self.edition)
        for code, sc in self.scores.items():
            if sc["change"] is None:
                continue
            score, change = cents(sc["score"]), cents(sc["change"])
            previous = score - change
            slack = 1 if (code not in indicators or self.region) else 0
            if not 100 - slack <= previous <= 1000 + slack:
                self.error(
                    "impossible_change",
                    f"{code} is {fmt(score)} with a change of {change / 100:+.2f}: the previous "
                    f"score would be {fmt(previous)}, outside 1 to 10",
                )
            elif not self.region and code in indicators and change % HALF_STEP:
                self.error(
                    "impossible_change",
                    f"{code} changed by {change / 100:+.2f}, not a step of 0.5 as every indicator score moves",
                )

    def pillars(self, complete: bool) -> dict[str, tuple[int, int]]:
        """Each pillar the mean of its indicators, the edition's set complete; the unrounded means, as
        (sum of cents, count)."""
        means: dict[str, tuple[int, int]] = {}
        expected = edition_indicators(self.edition)
        for pillar, codes in expected.items():
            absent = [c for c in codes if c not in self.scores]
            unexpected = sorted(
                c
                for c in self.scores
                if c not in codes and c not in expected and c != "criminality" and _pillar_of(c) == pillar
            )
            if unexpected:
                self.error(
                    "unexpected_indicator",
                    f"{', '.join(unexpected)} shown, but the {self.edition} edition has no such indicator",
                )
            if absent and complete:
                self.error(
                    "missing_indicator",
                    f"the {pillar} block lacks {', '.join(absent)} ({len(codes) - len(absent)} of {len(codes)} shown)",
                )
            if absent:
                if pillar in self.scores:
                    self.warning(
                        "check_skipped",
                        f"{pillar} not checked against the mean of its indicators ({len(absent)} not on the page)",
                    )
                continue
            means[pillar] = (sum(cents(self.scores[c]["score"]) for c in codes), len(codes))
            if pillar in self.scores:
                shown, expect = cents(self.scores[pillar]["score"]), half_up(*means[pillar])
                if abs(shown - expect) > self.tolerance:
                    self.error(
                        "pillar_mean",
                        f"{pillar} is shown as {fmt(shown)} but the mean of its {len(codes)} indicators is "
                        f"{fmt(expect)}",
                    )
        return means

    def criminality(self, means: dict[str, tuple[int, int]]) -> None:
        """Criminality the mean of the UNROUNDED markets and actors means, rounded half-up."""
        if "criminality" not in self.scores:
            return
        if "criminal_markets" not in means or "criminal_actors" not in means:
            self.warning(
                "check_skipped", "criminality not checked (its markets or actors indicators are not all on the page)"
            )
            return
        (markets, m), (actors, a) = means["criminal_markets"], means["criminal_actors"]
        expect = half_up(markets * a + actors * m, 2 * m * a)  # (markets/m + actors/a) / 2, unrounded
        shown = cents(self.scores["criminality"]["score"])
        if abs(shown - expect) > self.tolerance:
            self.error(
                "criminality_mean",
                f"criminality is shown as {fmt(shown)} but the mean of the unrounded markets and actors means is "
                f"{fmt(expect)}",
            )

    def ranks(self, ranks: list[dict], country: bool, site: str) -> None:
        """A rank within its area, and (a country's, on a page) `of N` the size of the area: 193 countries,
        a continent's, a region's (an ENACT page's African Union regions are not the catalog's)."""
        for rank in ranks:
            if rank["rank"] > rank["of"]:
                self.error("bad_rank", f"{rank['metric']} rank {rank['rank']} of {rank['of']} in {rank['area']}")
                continue
            if not country or rank.get("derived") or (site == "enact" and rank["scope"] == "region"):
                continue
            size = area_size(rank["scope"], rank["area"])
            if size is not None and rank["of"] != size:
                self.error(
                    "bad_rank",
                    f"the {rank['metric']} rank line gives {rank['rank']} of {rank['of']} in {rank['area']}, but "
                    f"{rank['area']} holds {size} countries of the index",
                )

    def pillar_changes(self, means: dict[str, tuple[int, int]], previous: int) -> None:
        """Each pillar's printed change (and criminality's) against the change of the mean of its indicators:
        the previous scores are the scores less their printed changes. Means are kept as (cents, count)."""
        before: dict[str, tuple[int, int]] = {}
        for pillar, codes in edition_indicators(self.edition).items():
            if pillar not in means:
                continue
            old = [c for c in codes if scored_in(c, previous)]
            if any(self.scores[c]["change"] is None for c in old):
                continue  # a change not printed: the previous mean cannot be known
            before[pillar] = (sum(cents(self.scores[c]["score"]) - cents(self.scores[c]["change"]) for c in old),
                              len(old))  # fmt: skip
            self._change_of_mean(pillar, means[pillar], before[pillar])
        if "criminal_markets" in before and "criminal_actors" in before:
            (m, a), (pm, pa) = (means["criminal_markets"], means["criminal_actors"]), (
                before["criminal_markets"], before["criminal_actors"])  # fmt: skip
            # (m/mn + a/an) / 2 as one fraction, now and then
            self._change_of_mean("criminality", (m[0] * a[1] + a[0] * m[1], 2 * m[1] * a[1]),
                                 (pm[0] * pa[1] + pa[0] * pm[1], 2 * pm[1] * pa[1]))  # fmt: skip

    def _change_of_mean(self, code: str, now: tuple[int, int], then: tuple[int, int]) -> None:
        """`now` and `then` are means as (cents, count); the printed change must be their difference within a
        cent (the site rounds the two means, or their difference). In integers: no float, no Fraction."""
        shown = self.scores.get(code)
        if shown is None or shown["change"] is None:
            return
        (a, n), (b, m) = now, then
        scale = n * m  # change in cents * scale == a * m - b * n, exactly
        if 2 * abs(cents(shown["change"]) * scale - (a * m - b * n)) >= 3 * scale:
            expect = (a * m - b * n) / scale
            self.error(
                "change_mean",
                f"{code} is shown changed by {shown['change']:+.2f}, but its indicators' changes give "
                f"{expect / 100:+.2f} (from a mean of {b / m / 100:.2f} to {a / n / 100:.2f})",
            )


@cache
def _indicator_set(edition: int) -> frozenset[str]:
    return frozenset(c for codes in edition_indicators(edition).values() for c in codes)


def _pillar_of(code: str) -> str | None:
    ind = INDICATOR_BY_CODE.get(code)
    return ind.pillar if ind else None
