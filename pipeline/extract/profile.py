"""The profile block: field labels of every edition, and typed values.

`USD 594,104.00 million` -> 594104.0, `11,592,952` -> 11592952, `30,530 km²` -> 30530.0,
`No data` -> None. 2025 renames GDP and area; region pages print `GDP total` and a `Countries` list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import catalog
from pipeline.catalog import label_key
from pipeline.errors import PageError

# Printed label -> profile key. Matching ignores case and spacing.
PROFILE_LABELS = {
    "Capital": "capital",
    "Gross domestic product (GDP)": "gdp_usd_million",
    "Gross domestic product (GDP - CURRENT $US MILLION)": "gdp_usd_million",
    "GDP": "gdp_usd_million",
    "GDP total": "gdp_usd_million",
    "Income group": "income_group",
    "Population": "population",
    "Area": "area_km2",
    "Area (KM²)": "area_km2",
    "Area (km2)": "area_km2",
    "Geography type": "geography_type",
    "GINI Index": "gini",
    "GINI": "gini",
    "Countries": "countries",
    "GDP per capita": "gdp_per_capita_usd",
}
PROFILE_KEYS = (
    "capital",
    "gdp_usd_million",
    "income_group",
    "population",
    "area_km2",
    "geography_type",
    "gini",
    "gdp_per_capita_usd",
)
_LABELS = {label_key(k): v for k, v in PROFILE_LABELS.items()}
NO_DATA = {"no data", "n/a", "-", "–", "none", "not available"}


@lru_cache(maxsize=8192)
def profile_field(text: str) -> str | None:
    return _LABELS.get(label_key(text))


# Closed vocabularies: the World Bank's income groups, and the geography types the pages print.
INCOME_GROUPS = ("Low income", "Lower middle income", "Upper middle income", "High income")
GEOGRAPHY_TYPES = ("Coastal", "Landlocked", "Island")


def parse_profile_value(key: str, values: list[str]):
    """The typed value of a profile field from its printed lines; raises PageError when unreadable."""
    text = " ".join(values).strip()
    if key == "countries":
        return _member_list(values)
    if text.lower() in NO_DATA:
        return None
    if key == "capital":
        if any(c.isdigit() for c in text):
            raise PageError("bad_profile_value", f'capital "{text}" holds a number: a value of another field?')
        return text
    if key in ("income_group", "geography_type"):
        return _one_of(text, INCOME_GROUPS if key == "income_group" else GEOGRAPHY_TYPES, key.replace("_", " "))
    if key == "gdp_usd_million":
        return _money_millions(text)
    if key == "gdp_per_capita_usd":
        return _money(text)
    if key == "population":
        return _int(text, "population", "11,592,952")
    if key == "area_km2":
        area = re.sub(r"\s*(km²|km2|sq\.? ?km|square kilometres)\s*$", "", text, flags=re.I)
        return _float(area, "area", "30,530 km²")
    if key == "gini":
        return _float(text, "GINI index", "26.0")
    raise AssertionError(key)


def _one_of(text: str, vocabulary: tuple[str, ...], what: str) -> str:
    """The value as printed, when it is one of the vocabulary's (case and spacing aside)."""
    if " ".join(text.lower().split()) not in {v.lower() for v in vocabulary}:
        raise PageError("bad_profile_value", f'{what} "{text}" is not one of {", ".join(vocabulary)}')
    return text


def _money(text: str) -> float:
    m = re.fullmatch(r"(?:USD|US\$|\$)?\s*([\d,]+(?:\.\d+)?)", text.strip(), re.I)
    if m is None or not re.fullmatch(r"\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?", m.group(1)):
        raise PageError("bad_profile_value", f'GDP per capita "{text}" is not an amount (expected like "$1,667.00")')
    return float(m.group(1).replace(",", ""))


def _member_list(values: list[str]) -> list[str]:
    """`Burundi, Congo, Dem. Rep., Kenya` -> three names: commas inside a known name are kept."""
    parts = [p.strip() for v in values for p in re.split(r"[,;]", v) if p.strip()]
    out, i = [], 0
    while i < len(parts):
        for width in (3, 2, 1):
            name = ", ".join(parts[i : i + width])
            if width == 1 or (i + width <= len(parts) and catalog.country(name) is not None):
                out.append(name)
                i += width
                break
    return out


_MONEY = re.compile(r"^(?:USD|US\$|\$)?\s*(?P<n>[\d,]+(?:\.\d+)?)\s*(?P<unit>million|billion|trillion|m|bn)?$", re.I)
_SCALE = {None: 1.0, "million": 1.0, "m": 1.0, "billion": 1e3, "bn": 1e3, "trillion": 1e6}


def _money_millions(text: str) -> float:
    m = _MONEY.match(text)
    if m is None:
        raise PageError("bad_profile_value", f'GDP "{text}" is not an amount (expected like "USD 594,104.00 million")')
    return round(float(m.group("n").replace(",", "")) * _SCALE[(m.group("unit") or "").lower() or None], 2)


def _int(text: str, what: str, example: str) -> int:
    if not re.fullmatch(r"\d{1,3}(?:,\d{3})*|\d+", text):
        raise PageError("bad_profile_value", f'{what} "{text}" is not a whole number (expected like "{example}")')
    return int(text.replace(",", ""))


def _float(text: str, what: str, example: str) -> float:
    if not re.fullmatch(r"\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?", text.strip()):
        raise PageError("bad_profile_value", f'{what} "{text}" is not a number (expected like "{example}")')
    return float(text.replace(",", ""))
