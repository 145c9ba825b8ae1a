"""The profile block: field labels of every edition, and typed values.

`USD 594,104.00 million` -> 594104.0, `11,592,952` -> 11592952, `30,530 km²` -> 30530.0,
`No data` -> None. Digits may be grouped by commas or spaces (`11 592 952`); a reference year after a
value (`11,592,952 (2022)`) is not part of it; `30.530 km²` is refused (a dot before three digits in a
whole number may group thousands or mark decimals). 2025 renames GDP and area; region pages print
`GDP total` and a `Countries` list.
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
# The fields a country's profile always prints, by site and edition (from the real pages: DOMAIN.md). A page
# may print more (GINI where the country has one); a field missing here is a value lost, never a gap.
PRINTED_FIELDS = {
    ("global", 2021): ("capital", "income_group", "population", "area_km2", "geography_type"),
    ("global", 2023): ("capital", "gdp_usd_million", "income_group", "population", "area_km2", "geography_type"),
    ("global", 2025): ("capital", "population", "gdp_usd_million", "area_km2"),
    ("enact", 2021): ("capital", "population", "area_km2", "geography_type", "gdp_usd_million", "gdp_per_capita_usd",
                      "income_group"),
    ("enact", 2023): ("capital", "population", "area_km2", "geography_type", "gdp_usd_million", "gdp_per_capita_usd",
                      "income_group"),
}  # fmt: skip
_LABELS = {label_key(k): v for k, v in PROFILE_LABELS.items()}
NO_DATA = {"no data", "n/a", "-", "–", "none", "not available"}


@lru_cache(maxsize=8192)
def profile_field(text: str) -> str | None:
    return _LABELS.get(label_key(text))


# Closed vocabularies: the World Bank's income groups, and the geography types the pages print.
INCOME_GROUPS = ("Low income", "Lower middle income", "Upper middle income", "High income")
GEOGRAPHY_TYPES = ("Coastal", "Landlocked", "Island")


# The words of a city's name that are not capitalised (`Port of Spain`, `Andorra la Vella`, `Dar es Salaam`).
_PARTICLES = {"of", "de", "del", "la", "le", "el", "es", "du", "da", "do", "dos", "das", "au", "al", "an", "and", "the",
              "y", "di", "van", "von", "bin", "bint", "ng", "d'", "l'"}  # fmt: skip
# A reference year after a value (`11,592,952 (2022)`): when the figure is from, not part of it.
_REFERENCE_YEAR = re.compile(r"\s*\((?:19|20)\d\d\)$")


def parse_profile_value(key: str, values: list[str]):
    """The typed value of a profile field from its printed lines; raises PageError when unreadable."""
    text = " ".join(values).strip()
    if key == "countries":
        return _member_list(values)
    if text.lower() in NO_DATA:
        return None
    if key != "capital" and text.endswith(")"):
        text = _REFERENCE_YEAR.sub("", text)
    if key == "capital":
        if any(c.isdigit() for c in text):
            raise PageError("bad_profile_value", f'capital "{text}" holds a number: a value of another field?')
        words = (w.strip("().,;:'\"") for w in re.split(r"[\s/]+", text))
        common = [w for w in words if w.islower() and w not in _PARTICLES]  # no capital in the word at all
        if common:
            raise PageError(
                "bad_profile_value",
                f'capital "{text}" is not a city\'s name as printed (the words "{" ".join(common)}"): a link or a note '
                "printed with it?",
            )
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
        return _float(area, "area", "30,530 km²", whole=True)
    if key == "gini":
        gini = _float(text, "GINI index", "26.0")
        if gini > 100:
            raise PageError("bad_profile_value", f'GINI index "{text}" is over 100 (it runs from 0 to 100)')
        return gini
    raise AssertionError(key)


def _one_of(text: str, vocabulary: tuple[str, ...], what: str) -> str:
    """The value as printed, when it is one of the vocabulary's (case and spacing aside)."""
    if " ".join(text.lower().split()) not in {v.lower() for v in vocabulary}:
        raise PageError("bad_profile_value", f'{what} "{text}" is not one of {", ".join(vocabulary)}')
    return text


def _money(text: str) -> float:
    m = re.fullmatch(r"(?:USD|US\$|\$)?\s*([\d, ]+(?:\.\d+)?)", text.strip(), re.I)
    if m is None:
        raise PageError("bad_profile_value", f'GDP per capita "{text}" is not an amount (expected like "$1,667.00")')
    return _grouped(m.group(1), "GDP per capita", "$1,667.00", whole=False)


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


_MONEY = re.compile(r"^(?:USD|US\$|\$)?\s*(?P<n>\d[\d,. ]*?)\s*(?P<unit>million|billion|trillion|m|bn)?$", re.I)
_SCALE = {None: 1.0, "million": 1.0, "m": 1.0, "billion": 1e3, "bn": 1e3, "trillion": 1e6}


def _money_millions(text: str) -> float:
    m = _MONEY.match(text)
    if m is None:
        raise PageError("bad_profile_value", f'GDP "{text}" is not an amount (expected like "USD 594,104.00 million")')
    unit = (m.group("unit") or "").lower() or None
    # in millions a figure is a whole number with cents at most: `594.104` is a grouping or a decimal, unknown
    amount = _grouped(m.group("n"), "GDP", "USD 594,104.00 million", whole=_SCALE[unit] == 1.0)
    return round(amount * _SCALE[unit], 2)


def _int(text: str, what: str, example: str) -> int:
    return int(_grouped(text, what, example, whole=True, decimals=False))


def _float(text: str, what: str, example: str, whole: bool = False) -> float:
    return _grouped(text.strip(), what, example, whole=whole)


# Digits grouped by thousands: commas (`11,592,952`), spaces (a no-break, narrow or thin space reads as one),
# or dots when there are two or more of them (`11.592.952`); a decimal part after a point.
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d{1,3}(?:\.\d{3}){2,}|\d+")
_AMBIGUOUS_DOT = re.compile(r"\d{1,3}\.\d{3}")


def _grouped(text: str, what: str, example: str, whole: bool, decimals: bool = True) -> float:
    """A number written with its digits grouped by thousands, and a decimal part when `decimals`. `whole`: a
    field of whole numbers (population, area, GDP in millions), where one dot before exactly three digits
    (`30.530`) may be a thousands separator or a decimal point: refused, never guessed."""
    text = text.strip()
    if whole and _AMBIGUOUS_DOT.fullmatch(text):
        raise PageError(
            "bad_profile_value",
            f'{what} "{text}" is ambiguous: the dot may group thousands ({text.replace(".", ",")}) or mark '
            f'decimals; expected like "{example}"',
        )
    number, _, fraction = text.partition(".") if text.count(".") == 1 else (text, "", "")
    if not _GROUPED.fullmatch(number) or (fraction and (not decimals or not fraction.isdigit())):
        kind = "a whole number" if not decimals else "a number"
        raise PageError("bad_profile_value", f'{what} "{text}" is not {kind} (expected like "{example}")')
    return float(re.sub(r"[,. ]", "", number) + (f".{fraction}" if fraction else ""))
