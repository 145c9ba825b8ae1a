"""The official open-data workbook (global_oc_index.xlsx) as a document: its rows, checked cell by cell.

Both published shapes are read (the reference README): the 2025-edition file (2025, 2023 and 2021
sheets) and the 2023-edition file (2023 and 2021), with their header quirks (`Criminal actors avg,`,
aggregates without `avg`), commas for periods in 2023 country names (`Congo, Dem, Rep,`), `eSwatini`,
region labels with trailing spaces. The workbook's edition comes from its content: the
`<year>_Global_OC_Index` sheet, and each `<year>_dataset` sheet's own year; never the file name.

Every problem names its sheet, row and column (`2023_dataset!F45`): a missing sheet, a column this
pipeline does not know, a missing indicator, text in a number cell, a score outside 1 to 10, a country
twice, a country not among the 193, a file that cannot be opened.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import catalog
from pipeline.errors import UsageError

AGGREGATES = {"criminality": "criminality", "criminal markets": "criminal_markets",
              "criminal actors": "criminal_actors", "resilience": "resilience"}  # fmt: skip
FIRST_COLUMNS = ("continent", "region", "country")
# The datasets each workbook edition carries (the reference README).
DATASETS = {2025: (2025, 2023, 2021), 2023: (2023, 2021)}


@dataclass(frozen=True)
class WorkbookRow:
    edition: int
    iso3: str
    name: str
    continent: str
    region: str
    scores: dict[str, float]
    ref: str = ""  # `<sheet>!<row>`


@dataclass
class Reading:
    """What a workbook holds, and every problem found, each naming its sheet and cell."""

    edition: int | None = None
    rows: list[WorkbookRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def column_code(header: str) -> str | None:
    text = re.sub(r"\s+avg[.,]?\s*$", "", header.strip(), flags=re.I).strip(" .,")
    if text.lower() in AGGREGATES:
        return AGGREGATES[text.lower()]
    return catalog.indicator_for_label(text)


def read(data: bytes) -> Reading:
    """The rows of every `<year>_dataset` sheet of a workbook's bytes, and what is wrong with them."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    out = Reading()
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a whole workbook
        out.problems.append(f"the workbook cannot be opened ({exc.__class__.__name__}): truncated, or not an .xlsx")
        return out
    try:
        titles = {ws.title: ws for ws in wb.worksheets}
        info = [int(m.group(1)) for t in titles if (m := re.fullmatch(r"(\d{4})_Global_OC_Index", t))]
        datasets = {int(m.group(1)): ws for t, ws in titles.items() if (m := re.fullmatch(r"(\d{4})_dataset", t))}
        out.edition = max(info) if info else max(datasets, default=None)
        for year in DATASETS.get(out.edition or 0, ()):
            if year not in datasets:
                out.problems.append(f"sheet {year}_dataset is missing (a {out.edition}-edition workbook has "
                                    f"{', '.join(f'{y}_dataset' for y in DATASETS[out.edition or 0])})")  # fmt: skip
        if not datasets:
            out.problems.append("no `<year>_dataset` sheet: is it the official workbook?")
        for year, ws in sorted(datasets.items()):
            _sheet(ws, year, out, get_column_letter)
    finally:
        wb.close()
    return out


def _sheet(ws, edition: int, out: Reading, letter) -> None:
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    codes = [h.lower() if n < 3 else column_code(h) for n, h in enumerate(header)]
    if tuple(codes[:3]) != FIRST_COLUMNS:
        out.problems.append(f"{ws.title}!A1:C1: the first columns are {header[:3]}, not Continent, Region, Country")
        return
    unknown = [f"{ws.title}!{letter(n + 1)}1 ({h!r})" for n, (h, c) in enumerate(zip(header, codes)) if h and c is None]
    if unknown:
        out.problems.append(f"columns this pipeline does not know: {', '.join(unknown)}")
    expected = {code for codes in catalog.edition_indicators(edition).values() for code in codes} | set(catalog.PILLARS)
    missing = sorted(expected - set(codes))
    if missing:
        out.problems.append(f"{ws.title}: no column for {', '.join(missing)} (header row 1)")
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not row or all(v is None for v in row):
            continue
        where = f"{ws.title}!{number}"
        name = str(row[2] or "").strip()
        country = catalog.country(name)
        if country is None:
            out.problems.append(f"{ws.title}!C{number}: {name!r} is not one of the 193 countries")
            continue
        if country.iso3 in seen:
            out.problems.append(f"{ws.title}!C{number}: {name} is already on row {seen[country.iso3]}")
            continue
        seen[country.iso3] = number
        scores: dict[str, float] = {}
        for n, (code, value) in enumerate(zip(codes, row)):
            if n < 3 or code is None:
                continue
            cell = f"{ws.title}!{letter(n + 1)}{number}"
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                out.problems.append(f"{cell} ({name}, {code}): {value!r} is not a number")
            elif not 1 <= value <= 10:
                out.problems.append(f"{cell} ({name}, {code}): {value} is outside 1 to 10")
            else:
                scores[code] = float(value)
        out.rows.append(WorkbookRow(edition, country.iso3, name, str(row[0] or "").strip(), str(row[1] or "").strip(),
                                    scores, where))  # fmt: skip


def read_workbook(path: Path) -> list[WorkbookRow]:
    """Every row of a workbook outside raw/ (`--workbook`); raises UsageError naming what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path} cannot be read: {exc.strerror or exc}") from None
    reading = read(data)
    if reading.problems:
        raise UsageError(f"{path}: {reading.problems[0]}" + (f" (and {len(reading.problems) - 1} more problems)"
                                                           if len(reading.problems) > 1 else ""))  # fmt: skip
    return reading.rows
