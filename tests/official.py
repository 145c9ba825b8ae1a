"""The official workbook read on its own, with openpyxl and nothing of the pipeline: the expected values of
the tests that check what the warehouse and the report show (STYLE.md: expected values from an independent
source). A column's code is its header in snake case, without the sheet's ` avg.` or ` avg,` suffix."""

from __future__ import annotations

import re
from functools import cache

from conftest import WORKBOOK

EDITIONS = (2021, 2023, 2025)
PREVIOUS = {2023: 2021, 2025: 2023}


def code(header: str) -> str:
    return re.sub(r"[^a-z]+", "_", re.sub(r" avg[.,]$", "", header.strip().lower())).strip("_")


@cache
def sheets() -> dict[int, dict[str, dict[str, float]]]:
    """edition -> country name -> indicator code -> score (with `continent` and `region` as text)."""
    import openpyxl

    book = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    out: dict[int, dict[str, dict]] = {}
    for edition in EDITIONS:
        rows = book[f"{edition}_dataset"].iter_rows(values_only=True)
        codes = [code(h) for h in next(rows)]
        out[edition] = {r[2]: dict(zip(codes, r)) for r in rows if r[2]}
    book.close()
    return out


def score(edition: int, country: str, indicator: str) -> float | None:
    value = sheets()[edition][country].get(indicator)
    return None if value is None else float(value)


def change(edition: int, country: str, indicator: str) -> float | None:
    """The score minus the previous edition's, rounded to two decimals; None when either is missing."""
    now = score(edition, country, indicator)
    before = score(PREVIOUS[edition], country, indicator) if edition in PREVIOUS else None
    return None if now is None or before is None else round(now - before, 2)


def world_rank(edition: int, country: str, metric: str) -> int:
    """Competition ranking on the two-decimal score, descending (rank 1 = most criminal or most resilient)."""
    mine = round(score(edition, country, metric) or 0, 2)
    return 1 + sum(1 for c in sheets()[edition] if round(score(edition, c, metric) or 0, 2) > mine)
