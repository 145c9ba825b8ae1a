"""The official open-data workbook (global_oc_index.xlsx) as rows keyed by ISO3 and indicator code.

Handles its quirks (reference README): header typos (`Criminal actors avg,`), aggregate columns
without `avg`, commas for periods in 2023 country names (`Congo, Dem, Rep,`), `eSwatini`, region
labels with trailing spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import catalog
from pipeline.errors import UsageError

AGGREGATES = {
    "criminality": "criminality",
    "criminal markets": "criminal_markets",
    "criminal actors": "criminal_actors",
    "resilience": "resilience",
}


@dataclass(frozen=True)
class WorkbookRow:
    edition: int
    iso3: str
    name: str
    continent: str
    region: str
    scores: dict[str, float]


def column_code(header: str) -> str | None:
    text = re.sub(r"\s+avg[.,]?\s*$", "", header.strip(), flags=re.I).strip(" .,")
    if text.lower() in AGGREGATES:
        return AGGREGATES[text.lower()]
    return catalog.indicator_for_label(text)


def read_workbook(path: Path) -> list[WorkbookRow]:
    """Every row of every `<year>_dataset` sheet; raises UsageError for a file that is not the workbook."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise UsageError(f"{path} is not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})") from None
    out: list[WorkbookRow] = []
    try:
        for ws in wb.worksheets:
            m = re.fullmatch(r"(\d{4})_dataset", ws.title)
            if not m:
                continue
            edition = int(m.group(1))
            rows = ws.iter_rows(values_only=True)
            header = [str(h or "").strip() for h in next(rows)]
            codes = [column_code(h) for h in header]
            for row in rows:
                if not row or row[2] is None:
                    continue
                name = str(row[2]).strip()
                country = catalog.country(name)
                if country is None:
                    raise UsageError(f"{path} sheet {ws.title}: country {name!r} is not in the catalog")
                scores = {code: float(v) for code, v in zip(codes, row) if code and v is not None}
                out.append(WorkbookRow(edition, country.iso3, name, str(row[0]).strip(), str(row[1]).strip(), scores))
    finally:
        wb.close()
    if not out:
        raise UsageError(f"{path} has no `<year>_dataset` sheet: is it the official workbook?")
    return out
