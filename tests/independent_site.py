"""An independent rendering of nine ocindex.net country pages, and the values they must load as.

Belgium, the Netherlands and Colombia in the 2021, 2023 and 2025 editions, in a site markup of this
module's own design (a redesign, not the pipeline's fixtures): a skip link, a top navigation menu whose
pillar entries carry counts ("Criminal actors 5"), a year picker, breadcrumbs, score cards where score and
change are separate elements, rank lines in a few elements, the profile as a definition list, a pyramid
figure, an analysis with tabs, a footer and a cookie banner.

Every number comes from the official workbook (read here with openpyxl, not with the pipeline's reader):
scores as printed, changes from the unrounded means (as the site computes them), ranks by competition
ranking among the 193 countries, the continent and the region (the 22 regions of the 2025 sheet). The
profile values and the prose are this module's own. Nothing here imports the pipeline.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Byte-identical to ../shared/reference/ocindex/global_oc_index_2025-edition.xlsx (SHA-256 0bdfe894...).
WORKBOOK = ROOT / "tests" / "fixtures" / "workbook" / "global_oc_index_2025-edition.xlsx"
WORKBOOK_SHA256 = "0bdfe8943de5a82bd4f709f92c91c596de5c60a192dca463bc722d88be7b55f5"
EDITIONS = (2021, 2023, 2025)
HOST = "ocindex.net"
CENT = Decimal("0.01")

# CONTRACT.md section 4, written out by hand.
COMPOSITES = ("criminality", "criminal_markets", "criminal_actors", "resilience")
MARKETS = (
    "human_trafficking",
    "human_smuggling",
    "extortion_and_protection_racketeering",
    "arms_trafficking",
    "trade_in_counterfeit_goods",
    "illicit_trade_in_excisable_goods",
    "flora_crimes",
    "fauna_crimes",
    "non_renewable_resource_crimes",
    "heroin_trade",
    "cocaine_trade",
    "cannabis_trade",
    "synthetic_drug_trade",
    "cyber_dependent_crimes",
    "financial_crimes",
)
ACTORS = ("mafia_style_groups", "criminal_networks", "state_embedded_actors", "foreign_actors", "private_sector_actors")
RESILIENCE = (
    "political_leadership_and_governance",
    "government_transparency_and_accountability",
    "international_cooperation",
    "national_policies_and_laws",
    "judicial_system_and_detention",
    "law_enforcement",
    "territorial_integrity",
    "anti_money_laundering",
    "economic_regulatory_capacity",
    "victim_and_witness_support",
    "prevention",
    "non_state_actors",
)
NEW_IN_2023 = (
    "extortion_and_protection_racketeering",
    "trade_in_counterfeit_goods",
    "illicit_trade_in_excisable_goods",
    "cyber_dependent_crimes",
    "financial_crimes",
    "private_sector_actors",
)

# The label each indicator carries on the page (the workbook's headers), and a one-line description
# written for this site.
LABELS = {
    "human_trafficking": "Human trafficking",
    "human_smuggling": "Human smuggling",
    "extortion_and_protection_racketeering": "Extortion and protection racketeering",
    "arms_trafficking": "Arms trafficking",
    "trade_in_counterfeit_goods": "Trade in counterfeit goods",
    "illicit_trade_in_excisable_goods": "Illicit trade in excisable goods",
    "flora_crimes": "Flora crimes",
    "fauna_crimes": "Fauna crimes",
    "non_renewable_resource_crimes": "Non-renewable resource crimes",
    "heroin_trade": "Heroin trade",
    "cocaine_trade": "Cocaine trade",
    "cannabis_trade": "Cannabis trade",
    "synthetic_drug_trade": "Synthetic drug trade",
    "cyber_dependent_crimes": "Cyber-dependent crimes",
    "financial_crimes": "Financial crimes",
    "mafia_style_groups": "Mafia-style groups",
    "criminal_networks": "Criminal networks",
    "state_embedded_actors": "State-embedded actors",
    "foreign_actors": "Foreign actors",
    "private_sector_actors": "Private sector actors",
    "political_leadership_and_governance": "Political leadership and governance",
    "government_transparency_and_accountability": "Government transparency and accountability",
    "international_cooperation": "International cooperation",
    "national_policies_and_laws": "National policies and laws",
    "judicial_system_and_detention": "Judicial system and detention",
    "law_enforcement": "Law enforcement",
    "territorial_integrity": "Territorial integrity",
    "anti_money_laundering": "Anti-money laundering",
    "economic_regulatory_capacity": "Economic regulatory capacity",
    "victim_and_witness_support": "Victim and witness support",
    "prevention": "Prevention",
    "non_state_actors": "Non-state actors",
}
DESCRIPTIONS = {
    "human_trafficking": "Recruiting, moving or holding people by force or deceit so that others can profit from their labour or bodies.",
    "human_smuggling": "Helping people cross borders or stay in a country unlawfully in return for money or other gain.",
    "extortion_and_protection_racketeering": "Demanding payment or favours under threat, often dressed up as protection of a business or area.",
    "arms_trafficking": "Moving weapons, parts and ammunition out of lawful hands or across borders without authorisation.",
    "trade_in_counterfeit_goods": "Making, shipping and selling goods that copy or falsely carry the marks of a registered brand.",
    "illicit_trade_in_excisable_goods": "Selling taxed consumer goods such as tobacco and alcohol outside the lawful, taxed market.",
    "flora_crimes": "Illegal logging and the unlawful harvest and trade of protected plants and timber.",
    "fauna_crimes": "Poaching and the unlawful trade of protected animals, including illegal and unreported fishing.",
    "non_renewable_resource_crimes": "Unlawful extraction and trade of minerals, metals, oil and other finite resources.",
    "heroin_trade": "Producing, trafficking and selling heroin, with local use counted towards the size of the market.",
    "cocaine_trade": "Producing, trafficking and selling cocaine and its derivatives, including transit shipments.",
    "cannabis_trade": "Growing, trafficking and selling cannabis in any form outside a regulated market.",
    "synthetic_drug_trade": "Making, trafficking and selling synthetic drugs and the chemicals used to produce them.",
    "cyber_dependent_crimes": "Profit-driven crimes that can only be committed with computers and networks, such as ransomware.",
    "financial_crimes": "Fraud, embezzlement, misuse of public funds and tax evasion carried out in an organized way.",
    "mafia_style_groups": "Well-known groups with a name, a leadership and a hold over territory or a market.",
    "criminal_networks": "Looser circles of associates who work together on criminal deals without a fixed structure.",
    "state_embedded_actors": "Officials and others inside state institutions who take part in or shield criminal activity.",
    "foreign_actors": "Criminal groups and individuals from abroad who are active in the country.",
    "private_sector_actors": "Businesses and professionals in the lawful economy who work with or for criminal actors.",
    "political_leadership_and_governance": "How firmly the government leads the response to organized crime and how well it governs.",
    "government_transparency_and_accountability": "Whether oversight keeps officials from colluding with criminal interests.",
    "international_cooperation": "How far the country works with other states and bodies against cross-border crime.",
    "national_policies_and_laws": "The laws, strategies and institutions the state has set up against organized crime.",
    "judicial_system_and_detention": "Whether courts and prisons can handle organized crime cases fairly and independently.",
    "law_enforcement": "The capacity of police and related agencies to investigate and disrupt criminal groups.",
    "territorial_integrity": "How well the state controls its borders, ports, airspace and digital infrastructure.",
    "anti_money_laundering": "The rules and agencies that detect and stop the laundering of criminal proceeds.",
    "economic_regulatory_capacity": "The ability to regulate markets and trade so that lawful business can thrive.",
    "victim_and_witness_support": "Help and protection offered to victims of organized crime and to those who testify.",
    "prevention": "Plans, funding and programmes that aim to stop organized crime before it takes hold.",
    "non_state_actors": "The room civil society and the media have to watch the state and respond to organized crime.",
}
PILLAR_INTROS = {
    "criminal_markets": "How large, widespread and harmful each illicit market is in the country.",
    "criminal_actors": "How much each kind of criminal actor shapes the country's society, economy and state.",
}


@dataclass(frozen=True)
class Country:
    name: str
    slug: str
    iso3: str
    port: str  # for the prose
    neighbour: str  # for the prose


COUNTRIES = (
    Country("Belgium", "belgium", "BEL", "Antwerp", "the Netherlands"),
    Country("Netherlands", "netherlands", "NLD", "Rotterdam", "Belgium"),
    Country("Colombia", "colombia", "COL", "Buenaventura", "Venezuela"),
)

# Profile values written for this site (they are the expected values, since this module wrote them).
# 2021 pages carry capital, income group, population, area and geography type (the real 2021 pages have
# no GDP and no GINI line); 2023 adds GDP and GINI; 2025 carries capital, population, GDP and area.
PROFILES: dict[tuple[int, str], dict] = {
    (2021, "BEL"): {"capital": "Brussels", "income_group": "High income", "population": 11555997, "area_km2": 30530.0, "geography_type": "Coastal"},
    (2023, "BEL"): {"capital": "Brussels", "gdp_usd_million": 578604.0, "income_group": "High income", "population": 11617623, "area_km2": 30530.0, "geography_type": "Coastal", "gini": 27.2},
    (2025, "BEL"): {"capital": "Brussels", "population": 11825551, "gdp_usd_million": 664564.0, "area_km2": 30530.0},
    (2021, "NLD"): {"capital": "Amsterdam", "income_group": "High income", "population": 17441139, "area_km2": 41540.0, "geography_type": "Coastal"},
    (2023, "NLD"): {"capital": "Amsterdam", "gdp_usd_million": 1009400.0, "income_group": "High income", "population": 17530000, "area_km2": 41850.0, "geography_type": "Coastal", "gini": 28.1},
    (2025, "NLD"): {"capital": "Amsterdam", "population": 17994112, "gdp_usd_million": 1218402.0, "area_km2": 41850.0},
    (2021, "COL"): {"capital": "Bogota", "income_group": "Upper middle income", "population": 50882891, "area_km2": 1141750.0, "geography_type": "Coastal"},
    (2023, "COL"): {"capital": "Bogota", "gdp_usd_million": 343939.0, "income_group": "Upper middle income", "population": 51874024, "area_km2": 1141748.0, "geography_type": "Coastal", "gini": 54.8},
    (2025, "COL"): {"capital": "Bogotá", "population": 52886363, "gdp_usd_million": 418542.0, "area_km2": 1141748.0},
}  # fmt: skip
PROFILE_KEYS = ("capital", "gdp_usd_million", "income_group", "population", "area_km2", "geography_type", "gini")


# ---------------------------------------------------------------------------------------------------
# The workbook


def code_of(header: str) -> str:
    """The indicator code of a workbook header (CONTRACT.md section 4: the label in snake case)."""
    h = header.strip().rstrip(".,").replace(" avg", "").strip()
    return re.sub(r"[^a-z0-9]+", "_", h.lower()).strip("_")


def name_key(name: str) -> str:
    """Country names differ between sheets only by punctuation and case (`Congo, Dem, Rep,`)."""
    return re.sub(r"[ .,]+", " ", name).strip().lower()


def half_up(x: Fraction | Decimal) -> Decimal:
    """Round half away from zero to 2 decimals, exactly."""
    if isinstance(x, Fraction):
        x = Decimal(x.numerator) / Decimal(
            x.denominator
        )  # exact for the means of halves (denominators 2**k * 5**j * n)
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    edition: int
    name: str
    continent: str
    region: str  # the sheet's own label
    printed: dict[str, Decimal] = field(default_factory=dict)  # every score as the workbook prints it (2 decimals)
    exact: dict[str, Fraction] = field(default_factory=dict)  # indicators as given, composites as unrounded means


def read_workbook(path: Path = WORKBOOK) -> dict[int, dict[str, Row]]:
    """edition -> name key -> Row, for the three dataset sheets."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[int, dict[str, Row]] = {}
    try:
        for edition in EDITIONS:
            rows = list(wb[f"{edition}_dataset"].iter_rows(values_only=True))
            codes = [code_of(h) for h in rows[0][3:]]
            table = {}
            for values in rows[1:]:
                if not values[2]:
                    continue
                row = Row(edition, values[2], values[0].strip(), values[1].strip())
                for code, v in zip(codes, values[3:], strict=True):
                    row.printed[code] = Decimal(str(v)).quantize(CENT)
                    if code not in COMPOSITES:
                        row.exact[code] = Fraction(str(v))
                markets = [row.exact[c] for c in MARKETS if c in row.exact]
                actors = [row.exact[c] for c in ACTORS if c in row.exact]
                res = [row.exact[c] for c in RESILIENCE]
                row.exact["criminal_markets"] = sum(markets, Fraction(0)) / len(markets)
                row.exact["criminal_actors"] = sum(actors, Fraction(0)) / len(actors)
                row.exact["resilience"] = sum(res, Fraction(0)) / len(res)
                row.exact["criminality"] = (row.exact["criminal_markets"] + row.exact["criminal_actors"]) / 2
                table[name_key(row.name)] = row
            out[edition] = table
    finally:
        wb.close()
    return out


def regions_2025(book: dict[int, dict[str, Row]]) -> dict[str, tuple[str, str]]:
    """name key -> (continent, region) of the site's 22 regions (the 2025 sheet's Region column)."""
    return {k: (r.continent, r.region) for k, r in book[2025].items()}


def competition_ranks(scores: dict[str, Decimal]) -> dict[str, int]:
    """1 + the number of strictly higher scores."""
    return {k: 1 + sum(1 for v in scores.values() if v > s) for k, s in scores.items()}


def sorted_ranks(scores: dict[str, Decimal]) -> dict[str, int]:
    """The same ranking computed a second way: sort, and give tied scores the position of the first."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    out: dict[str, int] = {}
    previous, rank = None, 0
    for position, (k, s) in enumerate(ranked, start=1):
        if s != previous:
            rank, previous = position, s
        out[k] = rank
    return out


@dataclass(frozen=True)
class Rank:
    metric: str
    scope: str  # world | continent | region
    area: str  # "World", the continent or the region printed
    rank: int
    of: int
    change_shown: int | None
    previous_rank: int | None


def ranks_of(book, edition: int, key: str, method=competition_ranks) -> list[Rank]:
    """The six rank rows of a country's page (criminality and resilience x world, continent, region)."""
    geo = regions_2025(book)
    continent, region = geo[key]
    out = []
    for metric in ("criminality", "resilience"):
        for scope, area, members in (
            ("world", "World", list(geo)),
            ("continent", continent, [k for k, g in geo.items() if g[0] == continent]),
            ("region", region, [k for k, g in geo.items() if g == (continent, region)]),
        ):
            now = method({k: book[edition][k].printed[metric] for k in members})[key]
            if edition == 2021:
                shown, previous = None, None
            else:
                previous = method({k: book[edition - 2][k].printed[metric] for k in members})[key]
                shown = previous - now if edition == 2023 else now - previous
            out.append(Rank(metric, scope, area, now, len(members), shown, previous))
    return out


def scores_of(book, edition: int, key: str) -> dict[str, tuple[Decimal, Decimal | None]]:
    """code -> (score, change) as the page prints them."""
    row = book[edition][key]
    out = {}
    for code in (*COMPOSITES, *MARKETS, *ACTORS, *RESILIENCE):
        if code not in row.printed:
            continue
        if code in COMPOSITES:
            # the printed composite is the workbook's; it is the half-up rounding of the unrounded mean
            assert half_up(row.exact[code]) == row.printed[code], (edition, row.name, code)
        change = None
        if edition > 2021:
            before = book[edition - 2][key]
            if code in before.exact:
                change = half_up(row.exact[code] - before.exact[code])
            else:
                assert edition == 2023 and code in NEW_IN_2023, (edition, code)
        out[code] = (row.printed[code], change)
    return out


# ---------------------------------------------------------------------------------------------------
# The prose (written for this site)


def sections_of(edition: int, c: Country) -> list[tuple[str, str]]:
    """(title, text) of the analysis sections; paragraphs are joined by a blank line."""
    n = c.name
    the = "the Netherlands" if c.iso3 == "NLD" else n
    The = "The Netherlands" if c.iso3 == "NLD" else n
    pool = {
        "People": [
            f"{The} is both a destination and a transit point for people moved by exploitative networks, "
            f"with most victims found in domestic work, farming and construction.",
            f"Smuggling groups offer passage towards {c.neighbour} and beyond, and their fees rose sharply "
            f"after border checks were tightened in 2022.",
        ],
        "Trade": [
            f"The port of {c.port} handles a large share of the country's container traffic, which gives "
            f"traffickers of weapons and counterfeit goods plenty of cover.",
            "Customs officers report that fake spare parts and cosmetics now outnumber seized clothing, "
            "a shift that began during the pandemic years.",
        ],
        "Drugs": [
            f"Cocaine moves through {c.port} in volumes that have grown year after year, hidden in fruit, "
            f"scrap metal and refrigerated containers.",
            f"Local consumption of cannabis and synthetic drugs is steady, while dismantled laboratories "
            f"show that production for export remains a concern in {the}.",
        ],
        "Criminal Actors": [
            f"Loose networks, often built on family ties, dominate the criminal landscape of {the} and "
            f"hire brokers, drivers and port workers as needed.",
            "Foreign groups cooperate with local partners rather than compete with them, and violence "
            "between rivals remains occasional but visible.",
        ],
        "Leadership and governance": [
            f"The government of {the} names organized crime a priority and has set up joint task forces "
            f"that bring prosecutors, police and tax officers together.",
            "Oversight bodies are active, although critics say that their findings are followed up slowly.",
        ],
        "Criminal justice and security": [
            "Courts are independent and handle complex cases competently, but long procedures and crowded "
            "prisons weaken the deterrent effect of convictions.",
        ],
        "Economic and financial environment": [
            f"The financial intelligence unit of {the} receives a growing number of suspicious transaction "
            f"reports, and real estate remains a favoured channel for laundering.",
        ],
    }
    titles = {
        2021: ("People", "Drugs", "Leadership and governance"),
        2023: ("People", "Trade", "Drugs", "Criminal Actors", "Economic and financial environment"),
        2025: ("Trade", "Drugs", "Criminal Actors", "Criminal justice and security"),
    }[edition]
    return [(t, "\n\n".join(pool[t])) for t in titles]


# ---------------------------------------------------------------------------------------------------
# The pages


@dataclass
class Page:
    edition: int
    country: Country
    url: str
    scores: dict[str, tuple[Decimal, Decimal | None]]
    ranks: list[Rank]
    profile: dict  # every key of PROFILE_KEYS, None where the page does not give it
    sections: list[tuple[str, str]]
    html: str = ""

    @property
    def body(self) -> bytes:
        return self.html.encode("utf-8")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def url_of(edition: int, c: Country) -> str:
    return f"https://{HOST}/{edition}/country/{c.slug}"


def build_pages(book=None) -> list[Page]:
    book = book or read_workbook()
    pages = []
    for c in COUNTRIES:
        key = name_key(c.name)
        for edition in EDITIONS:
            profile = {k: PROFILES[(edition, c.iso3)].get(k) for k in PROFILE_KEYS}
            page = Page(
                edition=edition,
                country=c,
                url=url_of(edition, c),
                scores=scores_of(book, edition, key),
                ranks=ranks_of(book, edition, key),
                profile=profile,
                sections=sections_of(edition, c),
            )
            page.html = render(page)
            pages.append(page)
    return pages


def fmt_score(x: Decimal) -> str:
    return f"{x:.2f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def thousands(x: float | int, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def profile_items(page: Page) -> list[tuple[str, str]]:
    """(label, value) of the profile as printed, in the edition's order."""
    p = page.profile
    if page.edition == 2025:
        return [
            ("Capital", p["capital"]),
            ("Population", thousands(p["population"])),
            ("Gross domestic product (GDP - CURRENT $US MILLION)", f"USD {thousands(p['gdp_usd_million'])} million"),
            ("Area (KM²)", f"{thousands(p['area_km2'])} km²"),
        ]
    items = [("Capital", p["capital"])]
    if page.edition == 2023:
        items.append(("Gross domestic product (GDP)", f"USD {thousands(p['gdp_usd_million'], 2)} million"))
    items += [
        ("Income group", p["income_group"]),
        ("Population", thousands(p["population"])),
        ("Area", f"{thousands(p['area_km2'])} km²"),
        ("Geography type", p["geography_type"]),
    ]
    if page.edition == 2023:
        items.append(("GINI Index", f"{p['gini']:.1f}"))
    return items


def score_text(page: Page, code: str) -> str:
    """The score and its change as a browser's innerText shows them (the two elements run together)."""
    score, change = page.scores[code]
    if page.edition == 2021:
        return fmt_score(score)
    if change is None:
        return f"{fmt_score(score)} n/a"
    return fmt_score(score) + fmt_score(change)


def rank_text(page: Page, r: Rank) -> str:
    where = "countries" if r.scope == "world" else f"countries in {r.area}"
    line = f"{ordinal(r.rank)} of {r.of} {where}"
    return line if r.change_shown is None else f"{line} {r.change_shown}"


def pillar_codes(page: Page, pillar: tuple[str, ...]) -> list[str]:
    return [c for c in pillar if c in page.scores]


def expected_lines(page: Page) -> list[str]:
    """The data lines a browser must show, in order (checked against Chromium's innerText)."""
    c = page.country
    lines = ["The Organized Crime Index | ENACT"]
    if page.edition != 2025:
        lines.append(f"Year: {page.edition}")
    lines += ["Read the report", c.name, "x", "Profile", c.name]
    for label, value in profile_items(page):
        lines += [label, value]
    lines += [score_text(page, "criminality"), "Criminality score"]
    lines += [rank_text(page, r) for r in page.ranks if r.metric == "criminality"]
    lines += ["Criminal markets", score_text(page, "criminal_markets"), PILLAR_INTROS["criminal_markets"]]
    for code in pillar_codes(page, MARKETS):
        lines += [LABELS[code], score_text(page, code), DESCRIPTIONS[code]]
    lines += ["Criminal actors", score_text(page, "criminal_actors"), PILLAR_INTROS["criminal_actors"]]
    for code in pillar_codes(page, ACTORS):
        lines += [LABELS[code], score_text(page, code), DESCRIPTIONS[code]]
    resilience = [score_text(page, "resilience"), "Resilience score"]
    resilience += [rank_text(page, r) for r in page.ranks if r.metric == "resilience"]
    for code in RESILIENCE:
        resilience += [LABELS[code], score_text(page, code), DESCRIPTIONS[code]]
    lines += resilience
    pyramid = " ".join(fmt_score(page.scores[k][0]) for k in ("resilience", "criminal_actors", "criminal_markets"))
    lines.append(f"{pyramid} {pyramid}")
    lines += resilience
    lines += ["Analysis", " ".join(f"{i:02d}" for i in range(1, len(page.sections) + 1))]
    for title, text in page.sections:
        lines += [title, *text.split("\n\n")]
    return lines


CSS = """
:root{--ink:#14213d;--muted:#5c677d;--accent:#c1121f;--good:#2a9d8f;--paper:#fbfaf7;--line:#e3e0d8}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 "Inter",system-ui,sans-serif;color:var(--ink);background:var(--paper)}
a{color:inherit}
.skip-link{position:absolute;left:8px;top:-48px;background:#fff;padding:8px 12px;z-index:10}
.skip-link:focus{top:8px}
.site-header{display:flex;flex-wrap:wrap;align-items:center;gap:12px 28px;padding:14px 32px;background:var(--ink);color:#fff}
.brand{font-weight:700;text-decoration:none;letter-spacing:.02em}
.main-nav ul{display:flex;gap:20px;list-style:none;margin:0;padding:0}
.main-nav a{text-decoration:none;opacity:.9}
.main-nav .count{display:inline-block;min-width:1.6em;margin-left:4px;padding:0 6px;border-radius:9px;
  background:rgba(255,255,255,.16);font-size:12px;text-align:center}
.edition-picker{position:relative}
.edition-picker__menu{position:absolute;top:100%;left:0;background:#fff;color:var(--ink);list-style:none;padding:6px 0}
.edition-picker__toggle{background:none;border:1px solid rgba(255,255,255,.4);color:#fff;border-radius:4px;padding:2px 8px}
.report-link{margin-left:auto;background:var(--accent);color:#fff;padding:6px 14px;border-radius:4px;text-decoration:none}
.breadcrumbs ol{display:flex;gap:8px;list-style:none;margin:0;padding:14px 32px 0;font-size:13px;color:var(--muted)}
.breadcrumbs li+li::before{content:"\\203A";margin-right:8px}
.country-hero{display:flex;align-items:center;gap:16px;padding:8px 32px 0}
.country-hero h1{font-size:40px;margin:0}
.compare-clear{border:0;background:#eee;border-radius:50%;width:28px;height:28px;cursor:pointer}
.layout{display:grid;grid-template-columns:280px 1fr;gap:32px;padding:24px 32px}
.profile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;align-self:start}
.profile h2{font-size:14px;letter-spacing:.08em;margin:0 0 4px}
.profile__country{font-weight:600;margin:0 0 8px}
.profile dl{margin:0}
.profile__row{padding:6px 0;border-top:1px solid var(--line)}
.profile dt{font-size:12px;color:var(--muted)}
.profile dd{margin:0;font-weight:600}
.score-card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px;margin-bottom:24px}
.score-card__value{margin:0;font-size:34px;font-weight:700}
.score-card__label{margin:0;font-size:18px}
.delta{display:inline-block;margin-left:10px;font-size:14px;font-weight:600;color:var(--good)}
.delta--down{color:var(--accent)}
.delta--up::before{content:"\\25B2 "}
.delta--down::before{content:"\\25BC "}
.delta--na{color:var(--muted)}
.info-tip{display:none}
.ranking{list-style:none;padding:0;margin:12px 0 0;display:grid;gap:4px}
.ranking__pos{font-weight:700}
.rank-move{display:inline-block;padding:0 6px;border-radius:4px;background:#f1efe9;font-size:13px}
.pillar{margin-bottom:32px}
.pillar__head{display:flex;align-items:baseline;gap:16px}
.pillar__head h2{margin:0}
.pillar__intro{color:var(--muted)}
.indicators{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.indicator{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.indicator h3{font-size:15px;margin:0}
.indicator__value{margin:2px 0;font-size:22px;font-weight:700}
.indicator__desc{margin:0;font-size:13px;color:var(--muted)}
.bar{height:4px;background:linear-gradient(90deg,var(--accent) calc(var(--v)*10%),#eee 0)}
.pyramid{margin:0 0 32px;text-align:center}
.pyramid__shape{width:220px;height:160px;margin:0 auto;background:linear-gradient(135deg,#d8d3c4,#a9a18c);
  clip-path:polygon(50% 0,100% 100%,0 100%)}
.pyramid__values span{display:inline-block;margin:0 6px;font-weight:600}
.analysis__tabs{margin:8px 0 0}
.analysis__tabs a{display:inline-block;padding:4px 10px;border:1px solid var(--line);border-radius:4px;text-decoration:none}
.analysis__section h3{margin:24px 0 8px}
.site-footer{background:var(--ink);color:#d9dce3;padding:32px;margin-top:48px;font-size:14px}
.site-footer ul{list-style:none;display:flex;flex-wrap:wrap;gap:18px;padding:0}
.cookie-banner{position:fixed;bottom:16px;left:16px;right:16px;background:#fff;border:1px solid var(--line);
  border-radius:8px;padding:16px 20px;box-shadow:0 8px 24px rgba(0,0,0,.12)}
.cookie-banner button{margin-right:8px}
"""


def e(text: str) -> str:
    return html.escape(str(text), quote=True)


def render_score(page: Page, code: str, cls: str) -> str:
    """Score and change in separate elements (inline: a browser runs them together as the real site's)."""
    score, change = page.scores[code]
    out = f'<p class="{cls}"><span class="score">{fmt_score(score)}</span>'
    if page.edition == 2021:
        return out + "</p>"
    since = page.edition - 2
    if change is None:
        return out + f' <span class="delta delta--na" title="No score in {since}">n/a</span></p>'
    kind = "up" if change > 0 else "down" if change < 0 else "flat"
    return out + f'<span class="delta delta--{kind}" title="Change since {since}">{fmt_score(change)}</span></p>'


def render_ranks(page: Page, metric: str) -> str:
    items = []
    for r in page.ranks:
        if r.metric != metric:
            continue
        where = "countries" if r.scope == "world" else f"countries in {e(r.area)}"
        move = ""
        if r.change_shown is not None:
            move = f' <span class="rank-move" title="Places moved since {page.edition - 2}">{r.change_shown}</span>'
        items.append(
            f'<li class="ranking__line ranking__line--{r.scope}"><span class="ranking__pos">{ordinal(r.rank)}</span> '
            f"of <span>{r.of}</span> {where}{move}</li>"
        )
    return '<ol class="ranking">\n' + "\n".join(items) + "\n</ol>"


def render_indicators(page: Page, codes) -> str:
    out = []
    for code in codes:
        score = page.scores[code][0]
        out.append(
            f'<li class="indicator" id="ind-{code.replace("_", "-")}">\n'
            f"<h3>{e(LABELS[code])}</h3>\n"
            f"{render_score(page, code, 'indicator__value')}\n"
            f'<p class="indicator__desc">{e(DESCRIPTIONS[code])}</p>\n'
            f'<div class="bar" style="--v:{score}" aria-hidden="true"></div>\n'
            "</li>"
        )
    return '<ul class="indicators">\n' + "\n".join(out) + "\n</ul>"


def render_pillar(page: Page, code: str, pillar: tuple[str, ...]) -> str:
    title = {"criminal_markets": "Criminal markets", "criminal_actors": "Criminal actors"}[code]
    return (
        f'<section class="pillar" id="{code.replace("_", "-")}" aria-labelledby="h-{code}">\n'
        f'<div class="pillar__head"><h2 id="h-{code}">{title}</h2>\n'
        f"{render_score(page, code, 'score-card__value')}</div>\n"
        f'<p class="pillar__intro">{e(PILLAR_INTROS[code])}</p>\n'
        f"{render_indicators(page, pillar_codes(page, pillar))}\n"
        "</section>"
    )


def render_resilience(page: Page, variant: str) -> str:
    return (
        f'<section class="pillar pillar--resilience pillar--{variant}">\n'
        '<div class="score-card">\n'
        f"{render_score(page, 'resilience', 'score-card__value')}\n"
        '<h2 class="score-card__label">Resilience score</h2>\n'
        f"{render_ranks(page, 'resilience')}\n"
        "</div>\n"
        f"{render_indicators(page, RESILIENCE)}\n"
        "</section>"
    )


def render(page: Page) -> str:
    c, year = page.country, page.edition
    counts = {p: len(pillar_codes(page, codes)) for p, codes in (("m", MARKETS), ("a", ACTORS), ("r", RESILIENCE))}
    others = " ".join(
        f'<li><a href="/{y}/country/{c.slug}">{y}</a></li>' for y in EDITIONS if y != year
    )  # the picker's menu: hidden until opened
    picker = (
        '<div class="edition-picker"><span class="edition-picker__label">Year:</span> '
        f'<button class="edition-picker__toggle" type="button" aria-expanded="false">{year}</button>'
        f'<ul class="edition-picker__menu" hidden>{others}</ul></div>\n'
        if year != 2025
        else ""
    )
    profile = "\n".join(
        f'<div class="profile__row"><dt>{e(label)}</dt><dd>{e(value)}</dd></div>'
        for label, value in profile_items(page)
    )
    crim_tip = (
        '<span class="info-tip" role="tooltip">Scores run from 1 (lowest) to 10 (highest); '
        "criminality is the average of markets and actors.</span>"
    )
    pyramid = " ".join(
        f'<span class="pyramid__{k}">{fmt_score(page.scores[k][0])}</span>'
        for k in ("resilience", "criminal_actors", "criminal_markets")
    )
    tabs = " ".join(f'<a role="tab" href="#section-{i}">{i:02d}</a>' for i in range(1, len(page.sections) + 1))
    sections = "\n".join(
        f'<article class="analysis__section" id="section-{i}" role="tabpanel">\n<h3>{e(title)}</h3>\n'
        + "\n".join(f"<p>{e(par)}</p>" for par in text.split("\n\n"))
        + "\n</article>"
        for i, (title, text) in enumerate(page.sections, start=1)
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Home", "item": f"https://{HOST}/"},
                {"@type": "ListItem", "position": 2, "name": f"{year} Index", "item": f"https://{HOST}/{year}"},
                {"@type": "ListItem", "position": 3, "name": c.name, "item": page.url},
            ],
        }
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(c.name)} | {year} | The Organized Crime Index</title>
<meta name="description" content="Criminality and resilience scores of {e(c.name)} in the {year} Organized Crime Index.">
<link rel="canonical" href="{e(page.url)}">
<link rel="icon" href="/favicon.svg">
<style>{CSS}</style>
<script type="application/ld+json">{ld}</script>
</head>
<body class="country-page edition-{year}">
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
<a class="brand" href="/">The Organized Crime Index | ENACT</a>
<nav class="main-nav" aria-label="Main">
<ul>
<li><a href="/{year}/rankings">Rankings</a></li>
<li><a href="/{year}/criminal-markets">Criminal markets <span class="count">{counts["m"]}</span></a></li>
<li><a href="/{year}/criminal-actors">Criminal actors <span class="count">{counts["a"]}</span></a></li>
<li><a href="/{year}/resilience">Resilience <span class="count">{counts["r"]}</span></a></li>
<li><a href="/downloads">Downloads</a></li>
<li><a href="/about">About</a></li>
</ul>
</nav>
{picker}<a class="report-link" href="/{year}/report">Read the report</a>
</header>
<nav class="breadcrumbs" aria-label="Breadcrumb">
<ol>
<li><a href="/">Home</a></li>
<li><a href="/{year}">{year} Index</a></li>
<li><a href="/{year}/countries">Countries</a></li>
<li aria-current="page">{e(c.name)}</li>
</ol>
</nav>
<main id="main">
<div class="country-hero">
<h1>{e(c.name)}</h1>
<button class="compare-clear" type="button" aria-label="Clear the comparison">x</button>
</div>
<div class="layout">
<aside class="profile" aria-labelledby="profile-title">
<h2 id="profile-title">Profile</h2>
<p class="profile__country">{e(c.name)}</p>
<dl>
{profile}
</dl>
</aside>
<div class="scores">
<section class="score-card score-card--criminality">
{render_score(page, "criminality", "score-card__value")}
<h2 class="score-card__label">Criminality score {crim_tip}</h2>
{render_ranks(page, "criminality")}
</section>
{render_pillar(page, "criminal_markets", MARKETS)}
{render_pillar(page, "criminal_actors", ACTORS)}
{render_resilience(page, "main")}
<figure class="pyramid">
<div class="pyramid__shape" aria-hidden="true"></div>
<figcaption class="pyramid__values">{pyramid} {pyramid}</figcaption>
</figure>
{render_resilience(page, "compact")}
</div>
</div>
<section class="analysis" aria-labelledby="analysis-title">
<h2 id="analysis-title">Analysis</h2>
<nav class="analysis__tabs" role="tablist">{tabs}</nav>
{sections}
</section>
</main>
<footer class="site-footer">
<div class="site-footer__feedback">
<h2>Tell us what you think</h2>
<p>We keep improving these pages. A short survey helps us decide what to build next.</p>
<a href="/feedback">Take the survey</a>
</div>
<ul>
<li><a href="/about">About the Index</a></li>
<li><a href="/methodology">Methodology</a></li>
<li><a href="/downloads">Open data</a></li>
<li><a href="/contact">Contact</a></li>
<li><a href="/privacy">Privacy policy</a></li>
</ul>
<p>Global Initiative Against Transnational Organized Crime. All rights reserved.</p>
</footer>
<div class="cookie-banner" role="dialog" aria-label="Cookie consent">
<p>We use cookies to see how these pages are used and to remember your choices.</p>
<button type="button">Accept all</button> <button type="button">Only necessary</button>
<a href="/privacy#cookies">Cookie settings</a>
</div>
<noscript><img src="https://stats.{HOST}/pixel.gif" alt=""></noscript>
<script>document.querySelector(".edition-picker__toggle")?.addEventListener("click",e=>{{
const m=e.target.nextElementSibling;m.hidden=!m.hidden;}});</script>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------------
# The raw store


def store(raw: Path, url: str, body: bytes, fetched_at: str) -> Path:
    """Write a page as the crawler's store lays it out: raw/<host>/<path>/<sha256[:16]>.html and its
    .meta.json beside it."""
    sha = hashlib.sha256(body).hexdigest()
    folder = raw.joinpath(HOST, *[p for p in url.split(HOST, 1)[1].split("/") if p])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha[:16]}.html"
    path.write_bytes(body)
    meta = {
        "url": url,
        "final_url": url,
        "status": 200,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            "etag": f'"{sha[:20]}"',
            "last-modified": "Tue, 14 Oct 2025 08:00:00 GMT",
        },
        "fetched_at": fetched_at,
        "sha256": sha,
        "bytes": len(body),
    }
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return path


def write_site(raw: Path, pages: list[Page], fetched_at: str = "2025-11-03T09:00:00+00:00") -> dict[str, Path]:
    """sha256 -> path of every page written."""
    return {p.sha256: store(raw, p.url, p.body, fetched_at) for p in pages}


def cut_in_markets(page: Page) -> bytes:
    """The page's body cut off in the middle of the criminal markets (a download that stopped early)."""
    start = page.html.index('id="ind-cocaine-trade"')
    return page.body[: len(page.html[: start + 60].encode("utf-8"))]
