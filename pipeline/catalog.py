"""The catalog: every fact about the index that the pipeline relies on, each stated once.

Indicator codes, their pillars, page labels and label variants, the editions and which indicators
they carry, the 193 countries (ISO3, names and name variants, continent and region per edition, slug
per edition), the footer and boilerplate lines of a page. Parsers, validation and loading read these
tables; none of them hard-codes a name of their own.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType

EDITIONS = (2019, 2021, 2023, 2025)
GLOBAL_EDITIONS = (2021, 2023, 2025)
PREVIOUS_EDITION = {2023: 2021, 2025: 2023}  # the edition a printed change is measured against
# The ENACT Africa site (its own hosts) prints its 2021 and 2023 editions with changes against its own
# previous one (2021 against 2019), two rank lines per score and no rank change (DOMAIN.md).
ENACT_HOSTS = ("africa.ocindex.net", "ocindex.enactafrica.org")
ENACT_PREVIOUS_EDITION = {2021: 2019, 2023: 2021}
SITES = ("global", "enact")


def previous_edition(edition: int | None, site: str = "global") -> int | None:
    """The edition a page's printed changes are measured against; None when it prints none."""
    return (ENACT_PREVIOUS_EDITION if site == "enact" else PREVIOUS_EDITION).get(edition or 0)


PILLARS = ("criminality", "criminal_markets", "criminal_actors", "resilience")
COMPOSITES = PILLARS


@dataclass(frozen=True)
class Indicator:
    code: str
    pillar: str
    label: str
    first_edition: int
    description: str


def _read_indicators() -> tuple[Indicator, ...]:
    text = resources.files("pipeline").joinpath("data/indicators.csv").read_text(encoding="utf-8")
    return tuple(
        Indicator(r["code"], r["pillar"], r["label"], int(r["first_edition"]), r["description"])
        for r in csv.DictReader(text.splitlines())
    )


# Page order (2023 and 2025 pages list the markets in this order; the workbooks order columns
# differently, which does not matter here). Descriptions are the ones printed on the 2023 pages.
INDICATORS: tuple[Indicator, ...] = _read_indicators()
INDICATOR_BY_CODE = {i.code: i for i in INDICATORS}

# Labels the ENACT 2019 pages print that no later edition does (beyond Title Case): evidence of 2019.
LABELS_2019 = {
    "Non-Renewable Resources Crimes": "non_renewable_resource_crimes",
    "Synthetic Drugs Trade": "synthetic_drug_trade",
    "Economic Regulatory Environment": "economic_regulatory_capacity",
}
# Labels printed for the same indicator in other editions, beyond case (labels match case-insensitively).
# `Criminal market` (singular) is on ENACT 2019 pages and on early 2021 global pages alike: no evidence.
LABELS_ANY_EDITION = ("Criminal market",)
LABEL_VARIANTS = {
    **LABELS_2019,
    "Criminal market": "criminal_markets",
    "Political leadership & governance": "political_leadership_and_governance",
}

# The heading printed under a composite score (the pillar scores are printed under their label).
COMPOSITE_HEADINGS = {
    "criminality score": "criminality",
    "resilience score": "resilience",
    "state resilience score": "resilience",
}


# Glyphs a design may set after a label or a heading (an info button, a footnote sign): not part of it.
TRAILING_GLYPHS = " ⓘℹ\ufe0f?*†‡§"


def bare(text: str) -> str:
    """A label or heading without the glyphs a design sets after it (`Population ⓘ` -> `Population`)."""
    return text.rstrip(TRAILING_GLYPHS) if text[-1:] in TRAILING_GLYPHS else text


def label_key(text: str) -> str:
    """Comparison key for labels: case, spacing, `&`/`and` and a trailing info glyph do not matter."""
    text = bare(text).replace("&", " and ").replace("–", "-")
    return " ".join(text.lower().split())


@cache
def _label_table() -> dict[str, str]:
    table = {label_key(i.label): i.code for i in INDICATORS if i.code not in ("criminality", "resilience")}
    table.update({label_key(k): v for k, v in LABEL_VARIANTS.items()})
    return table


@lru_cache(maxsize=8192)  # lines repeat across pages; bounded, so memory stays flat
def indicator_for_label(text: str) -> str | None:
    """The indicator code a printed label stands for, or None when the line is not a label."""
    return _label_table().get(label_key(text))


@lru_cache(maxsize=8192)
def composite_for_heading(text: str) -> str | None:
    return COMPOSITE_HEADINGS.get(label_key(text))


@cache
def edition_indicators(edition: int) -> Mapping[str, tuple[str, ...]]:
    """The indicator codes each pillar's mean is taken over, for an edition (read-only: it is shared)."""
    out: dict[str, list[str]] = {"criminal_markets": [], "criminal_actors": [], "resilience": []}
    for ind in INDICATORS:
        if ind.code not in COMPOSITES and ind.first_edition <= edition:
            out[ind.pillar].append(ind.code)
    return MappingProxyType({k: tuple(v) for k, v in out.items()})


NEW_IN_2023 = tuple(i.code for i in INDICATORS if i.first_edition == 2023)


def scored_in(code: str, edition: int | None) -> bool:
    """Whether an edition scores the indicator (so a later edition can print a change against it)."""
    return edition is not None and INDICATOR_BY_CODE[code].first_edition <= edition


def workbook_columns(edition: int) -> tuple[str, ...]:
    """The indicator columns of the official workbook's sheet for an edition, in its order: page order,
    except that the 2023 sheet puts the five markets new in 2023 at the end of the markets block."""
    codes = [i.code for i in INDICATORS if i.first_edition <= max(edition, 2021)]
    if edition == 2023:
        tail = [
            "cyber_dependent_crimes",
            "financial_crimes",
            "trade_in_counterfeit_goods",
            "illicit_trade_in_excisable_goods",
            "extortion_and_protection_racketeering",
        ]
        codes = [c for c in codes if c not in tail]
        codes[codes.index("synthetic_drug_trade") + 1 : codes.index("synthetic_drug_trade") + 1] = tail
    return tuple(codes)


# ----------------------------------------------------------------------------------------------
# Geography: the five continents and 22 regions (DOMAIN.md), and the 193 countries.

CONTINENTS = ("Africa", "Americas", "Asia", "Europe", "Oceania")

# Region names as printed on pages and in the workbooks, with the variants seen across editions.
REGION_NAMES = {
    "Central Africa": "Africa",
    "East Africa": "Africa",
    "North Africa": "Africa",
    "Southern Africa": "Africa",
    "West Africa": "Africa",
    "Caribbean": "Americas",
    "Central America": "Americas",
    "North America": "Americas",
    "South America": "Americas",
    "Caribbean & Central": "Americas",
    "Central Asia and the Caucasus": "Asia",
    "Eastern Asia": "Asia",
    "South-Eastern Asia": "Asia",
    "Southern Asia": "Asia",
    "Western Asia": "Asia",
    "Central & Eastern Europe": "Europe",
    "Central and Eastern Europe": "Europe",
    "Northern Europe": "Europe",
    "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Australia and New Zealand": "Oceania",
    "Melanesia": "Oceania",
    "Micronesia": "Oceania",
    "Polynesia": "Oceania",
}


def name_key(text: str) -> str:
    """Matching key for names and slugs: accents, case, punctuation and separators dropped."""
    text = unicodedata.normalize("NFKD", text.replace("&", "and"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", text.lower())


def region_for_name(text: str) -> str | None:
    """The canonical region name for a printed region name or slug (`east_africa`), else None."""
    return _region_keys().get(name_key(text))


@cache
def _region_keys() -> dict[str, str]:
    return {name_key(r): r for r in REGION_NAMES}


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    continent: str
    region: str  # the region the site's pages print, the same in every edition (DOMAIN.md's 22)
    workbook_regions: dict[int, str]  # edition -> the label of the workbook's `<year>_dataset` sheet
    variants: tuple[str, ...]

    def slug(self, edition: int) -> str:
        """The site's slug: 2021/2023 underscores, 2025 hyphens, punctuation dropped; ENACT 2019 full name."""
        name = self.name
        if edition == 2019:
            name = next((v for v in self.variants if v.startswith(("Democratic", "Republic of"))), name)
        words = re.findall(
            r"[a-z0-9]+",
            unicodedata.normalize("NFKD", name.replace("'", "")).encode("ascii", "ignore").decode().lower(),
        )
        return ("-" if edition == 2025 else "_").join(words)


@cache
def countries() -> tuple[Country, ...]:
    text = resources.files("pipeline").joinpath("data/countries.csv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        out.append(
            Country(
                iso3=row["iso3"],
                name=row["name"],
                continent=row["continent"],
                # the 2025 sheet labels the 22 regions as the site prints them; the 2023 sheet merges the
                # Caribbean and Central America, and the 2021 and 2023 sheets put Kiribati in Melanesia
                region=row["region_2025"],
                workbook_regions={e: row[f"region_{e}"] for e in (2021, 2023, 2025)},
                variants=tuple(v for v in row["variants"].split("|") if v),
            )
        )
    return tuple(out)


@cache
def _country_keys() -> dict[str, Country]:
    keys: dict[str, Country] = {}
    for c in countries():
        for text in (c.name, *c.variants, *(c.slug(e) for e in EDITIONS)):
            keys.setdefault(name_key(text), c)
    return keys


@cache
def area_size(scope: str, area: str) -> int | None:
    """How many of the 193 countries an area holds: the world, a continent, or a region as the site prints
    them (None for an area the catalog does not know, such as ENACT's African Union regions)."""
    if scope == "world":
        return len(countries())
    members = [c for c in countries() if (c.continent if scope == "continent" else c.region) == area]
    return len(members) or None


def country(text: str) -> Country | None:
    """The country a printed name, workbook name or slug of any edition stands for (not an ISO3 code:
    `Col` must not read as Colombia)."""
    return _country_keys().get(name_key(text)) if text else None


def country_by_iso3(iso3: str) -> Country | None:
    return _by_iso3().get(iso3.upper())


@cache
def _by_iso3() -> dict[str, Country]:
    return {c.iso3: c for c in countries()}


# ----------------------------------------------------------------------------------------------
# Page furniture: lines that are part of the site, not of a profile.

HEADER_LINES = ("The Organized Crime Index | ENACT", "The Organized Crime Index", "Year:", "Read the report", "x")

# The first line of the footer block; the analysis ends where one of these begins.
FOOTER_STARTS = (
    "For a better experience, please rotate your device.",
    "The criminal markets score is represented by the pyramid base size",
    "How to measure organized crime?",
    "Give us feedback",
    "This report was funded in part by",
)

# Glued footer text before the first label in flat copies ("...globalinitiative.netCriminal markets").
GLUED_LABELS = ("Criminal markets", "Criminal market", "Criminal actors", "Criminal Actors")

# Titles of the analysis sections (2023/2025 pages); other titles are recognised by shape.
SECTION_TITLES = (
    "People",
    "Trade",
    "Environment",
    "Drugs",
    "Cyber Crimes",
    "Financial Crimes",
    "Criminal Actors",
    "Leadership and governance",
    "Criminal justice and security",
    "Economic and financial environment",
    "Civil society and social protection",
    "Criminal markets",
    "Criminal actors",
    "Resilience",
)
