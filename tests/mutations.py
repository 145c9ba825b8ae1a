"""An independent generator of Belgium 2023 page variants: a plain page (saved text, and an HTML rendering in a
markup of this module's own design) and mutation kinds that a site redesign could bring (chrome around and inside
the data, number formats, layout changes), each applied at a named position.

Independence: nothing here comes from `pipeline/` or from the project's other page generators. The values are
written by hand (`EXPECTED_*`, cross-checked against the official workbook by the tests); the only prose carried
is the seed page's own (indicator descriptions, analysis, footer lines), read from the seed file. Every sentence
added by a mutation (banners, teasers, captions) is this module's own wording.

Classifications:
- `unambiguous`: a reader sees every value plainly; the page must load with every value equal to the plain page's.
- `ambiguous_or_absent`: a value is absent, new, contradicted or cannot be read one way only; the page must be
  rejected (the record has an error).
- `corrupts_value`: a digit changed in, or inserted into, one value; the page must be rejected with an error whose
  line (text line, or HTML source line of the element) or message points at the mutated line. Each value sits on
  its own source line in the HTML so this is checkable. Only corruptions that a page-only reader can detect are
  generated (the page's own redundancy: 0.5 steps of indicators, 1..10 range, composites as means, changes against
  the means of the previous edition implied by the printed changes, the repeated resilience block, fixed group
  sizes 193/44/11, digit grouping, GINI <= 100). A digit changed inside the population, say 11,592,952 ->
  11,592,953, leaves no trace on the page, so such variants are deliberately not generated.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_PATH = ROOT / "raw" / "000_fdcefce654b14ab5.txt"

UNAMBIGUOUS = "unambiguous"
AMBIGUOUS = "ambiguous_or_absent"
CORRUPTS = "corrupts_value"

# ---------------------------------------------------------------------------------------------------------------
# Expected values, written by hand from the seed page (Belgium 2023) and checked against the official workbook
# (sheet 2023_dataset, row Belgium) by tests/test_mutations.py. Not the parser's output.
# ---------------------------------------------------------------------------------------------------------------

EXPECTED_ENTITY = {
    "kind": "country",
    "name": "Belgium",
    "iso3": "BEL",
    "continent": "Europe",
    "region": "Western Europe",
}
EXPECTED_EDITION = 2023
EXPECTED_PROFILE = {
    "capital": "Brussels",
    "gdp_usd_million": 594104.0,
    "income_group": "High income",
    "population": 11592952,
    "area_km2": 30530.0,
    "geography_type": "Coastal",
    "gini": 26.0,
}
# code -> (score, change); change None where the page prints n/a (indicators new in 2023)
EXPECTED_SCORES: dict[str, tuple[float, float | None]] = {
    "criminality": (4.43, 0.10),
    "criminal_markets": (5.17, 0.12),
    "human_trafficking": (5.00, 0.00),
    "human_smuggling": (6.00, 0.50),
    "extortion_and_protection_racketeering": (2.50, None),
    "arms_trafficking": (6.00, 0.50),
    "trade_in_counterfeit_goods": (5.00, None),
    "illicit_trade_in_excisable_goods": (4.00, None),
    "flora_crimes": (3.00, 0.50),
    "fauna_crimes": (3.50, 0.00),
    "non_renewable_resource_crimes": (4.00, 1.00),
    "heroin_trade": (4.00, 0.00),
    "cocaine_trade": (8.00, 0.50),
    "cannabis_trade": (6.50, 0.00),
    "synthetic_drug_trade": (7.50, 0.00),
    "cyber_dependent_crimes": (6.00, None),
    "financial_crimes": (6.50, None),
    "criminal_actors": (3.70, 0.08),
    "mafia_style_groups": (3.00, 0.00),
    "criminal_networks": (5.00, 0.50),
    "state_embedded_actors": (2.00, 0.00),
    "foreign_actors": (5.00, 0.00),
    "private_sector_actors": (3.50, None),
    "resilience": (7.04, 0.04),
    "political_leadership_and_governance": (7.00, 0.00),
    "government_transparency_and_accountability": (7.00, 0.00),
    "international_cooperation": (8.00, 0.00),
    "national_policies_and_laws": (7.50, 0.50),
    "judicial_system_and_detention": (6.00, 0.00),
    "law_enforcement": (7.00, 0.00),
    "territorial_integrity": (6.00, 0.00),
    "anti_money_laundering": (7.00, 0.00),
    "economic_regulatory_capacity": (7.00, 0.00),
    "victim_and_witness_support": (7.50, 0.00),
    "prevention": (7.00, 0.50),
    "non_state_actors": (7.50, -0.50),
}
# 2023 pages print previous minus current: previous_rank = rank + change_shown
EXPECTED_RANKS = [
    {"metric": "criminality", "scope": "world", "area": "World", "rank": 129, "of": 193, "change_shown": -2, "previous_rank": 127},
    {"metric": "criminality", "scope": "continent", "area": "Europe", "rank": 29, "of": 44, "change_shown": -2, "previous_rank": 27},
    {"metric": "criminality", "scope": "region", "area": "Western Europe", "rank": 7, "of": 11, "change_shown": -1, "previous_rank": 6},
    {"metric": "resilience", "scope": "world", "area": "World", "rank": 25, "of": 193, "change_shown": 0, "previous_rank": 25},
    {"metric": "resilience", "scope": "continent", "area": "Europe", "rank": 17, "of": 44, "change_shown": 1, "previous_rank": 18},
    {"metric": "resilience", "scope": "region", "area": "Western Europe", "rank": 9, "of": 11, "change_shown": 1, "previous_rank": 10},
]  # fmt: skip
EXPECTED_SECTION_TITLES = [
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
]

# ---------------------------------------------------------------------------------------------------------------
# What the page prints (labels and value strings as on the seed page)
# ---------------------------------------------------------------------------------------------------------------

HEADER = ("The Organized Crime Index | ENACT", "Year:", "Read the report", "Belgium", "x")
PROFILE = (  # field, label, printed value
    ("capital", "Capital", "Brussels"),
    ("gdp", "Gross domestic product (GDP)", "USD 594,104.00 million"),
    ("income_group", "Income group", "High income"),
    ("population", "Population", "11,592,952"),
    ("area", "Area", "30,530 km²"),
    ("geography_type", "Geography type", "Coastal"),
    ("gini", "GINI Index", "26.0"),
)
COMPOSITES = {  # code -> (label, score, change)
    "criminality": ("Criminality score", "4.43", "0.10"),
    "criminal_markets": ("Criminal markets", "5.17", "0.12"),
    "criminal_actors": ("Criminal actors", "3.70", "0.08"),
    "resilience": ("Resilience score", "7.04", "0.04"),
}
MARKETS = (  # code, label, score, change (None: n/a)
    ("human_trafficking", "Human trafficking", "5.00", "0.00"),
    ("human_smuggling", "Human smuggling", "6.00", "0.50"),
    ("extortion_and_protection_racketeering", "Extortion and protection racketeering", "2.50", None),
    ("arms_trafficking", "Arms trafficking", "6.00", "0.50"),
    ("trade_in_counterfeit_goods", "Trade in counterfeit goods", "5.00", None),
    ("illicit_trade_in_excisable_goods", "Illicit trade in excisable goods", "4.00", None),
    ("flora_crimes", "Flora crimes", "3.00", "0.50"),
    ("fauna_crimes", "Fauna crimes", "3.50", "0.00"),
    ("non_renewable_resource_crimes", "Non-renewable resource crimes", "4.00", "1.00"),
    ("heroin_trade", "Heroin trade", "4.00", "0.00"),
    ("cocaine_trade", "Cocaine trade", "8.00", "0.50"),
    ("cannabis_trade", "Cannabis trade", "6.50", "0.00"),
    ("synthetic_drug_trade", "Synthetic drug trade", "7.50", "0.00"),
    ("cyber_dependent_crimes", "Cyber-dependent crimes", "6.00", None),
    ("financial_crimes", "Financial crimes", "6.50", None),
)
ACTORS = (
    ("mafia_style_groups", "Mafia-style groups", "3.00", "0.00"),
    ("criminal_networks", "Criminal networks", "5.00", "0.50"),
    ("state_embedded_actors", "State-embedded actors", "2.00", "0.00"),
    ("foreign_actors", "Foreign actors", "5.00", "0.00"),
    ("private_sector_actors", "Private sector actors", "3.50", None),
)
RESILIENCE = (
    ("political_leadership_and_governance", "Political leadership and governance", "7.00", "0.00"),
    ("government_transparency_and_accountability", "Government transparency and accountability", "7.00", "0.00"),
    ("international_cooperation", "International cooperation", "8.00", "0.00"),
    ("national_policies_and_laws", "National policies and laws", "7.50", "0.50"),
    ("judicial_system_and_detention", "Judicial system and detention", "6.00", "0.00"),
    ("law_enforcement", "Law enforcement", "7.00", "0.00"),
    ("territorial_integrity", "Territorial integrity", "6.00", "0.00"),
    ("anti_money_laundering", "Anti-money laundering", "7.00", "0.00"),
    ("economic_regulatory_capacity", "Economic regulatory capacity", "7.00", "0.00"),
    ("victim_and_witness_support", "Victim and witness support", "7.50", "0.00"),
    ("prevention", "Prevention", "7.00", "0.50"),
    ("non_state_actors", "Non-state actors", "7.50", "-0.50"),
)
PYRAMID = ("7.04", "3.70", "5.17", "7.04", "3.70", "5.17")
TABS = " ".join(f"{i:02d}" for i in range(1, 12))
ROTATE_LINE = "For a better experience, please rotate your device."


@dataclass(frozen=True)
class Rank:
    metric: str
    scope: str
    rank: int
    of: int
    area: str
    change: str
    sep: str  # what separates the area from the change: " " on the world line, nothing on the others (2023)

    @property
    def slot(self) -> str:
        return f"rank:{self.metric}:{self.scope}"

    @property
    def ordinal(self) -> str:
        return ordinal(self.rank)

    @property
    def middle(self) -> str:
        return f"of {self.of} countries" + ("" if self.scope == "world" else f" in {self.area}")

    def printed(self) -> str:
        return f"{self.ordinal} {self.middle}{self.sep}{self.change}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


RANKS = (
    Rank("criminality", "world", 129, 193, "World", "-2", " "),
    Rank("criminality", "continent", 29, 44, "Europe", "-2", ""),
    Rank("criminality", "region", 7, 11, "Western Europe", "-1", ""),
    Rank("resilience", "world", 25, 193, "World", "0", " "),
    Rank("resilience", "continent", 17, 44, "Europe", "1", ""),
    Rank("resilience", "region", 9, 11, "Western Europe", "1", ""),
)
PILLAR_OF = {c: "criminal_markets" for c, *_ in MARKETS} | {c: "criminal_actors" for c, *_ in ACTORS}
PILLAR_OF |= {c: "resilience" for c, *_ in RESILIENCE}
LABELS = {c: lab for c, lab, *_ in MARKETS + ACTORS + RESILIENCE} | {c: v[0] for c, v in COMPOSITES.items()}
PRINTED = {c: (s, ch) for c, _, s, ch in MARKETS + ACTORS + RESILIENCE} | {c: v[1:] for c, v in COMPOSITES.items()}


# ---------------------------------------------------------------------------------------------------------------
# The seed's prose (descriptions, analysis, footer), read from the seed file
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedProse:
    descriptions: dict[str, str]  # code (indicator or pillar) -> description line
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (title, paragraphs)
    footer_groups: tuple[tuple[str, ...], ...]  # the seed's blank-line-separated groups from ROTATE_LINE on

    def section_texts(self) -> list[str]:
        return ["\n\n".join(paragraphs) for _, paragraphs in self.sections]


@cache
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@cache
def prose() -> SeedProse:
    text = seed_text()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    descriptions: dict[str, str] = {}
    for code in ("criminal_markets", "criminal_actors"):
        i = lines.index(COMPOSITES[code][0])
        descriptions[code] = lines[i + 2]
    for code, label, *_ in MARKETS + ACTORS + RESILIENCE:
        i = lines.index(label)
        descriptions[code] = lines[i + 2]
    start = lines.index("Analysis")
    assert lines[start + 1] == TABS
    end = lines.index(ROTATE_LINE)
    sections: list[tuple[str, list[str]]] = []
    for line in lines[start + 2 : end]:
        if line in EXPECTED_SECTION_TITLES and (not sections or line != sections[-1][0]):
            sections.append((line, []))
        else:
            sections[-1][1].append(line)
    assert [t for t, _ in sections] == EXPECTED_SECTION_TITLES
    footer = text[text.index("    " + ROTATE_LINE) :]
    groups = tuple(tuple(x.strip() for x in chunk.split("\n")) for chunk in footer.split("\n\n"))
    return SeedProse(descriptions, tuple((t, tuple(p)) for t, p in sections), groups)


# ---------------------------------------------------------------------------------------------------------------
# Rendering: one page model, two renderers (saved text in the seed's "indented" style, and HTML)
# ---------------------------------------------------------------------------------------------------------------

POSITIONS = (
    "before-header",
    "after-header",  # between the header and the profile
    "before-criminality",  # between the profile and the criminality score
    "after-criminality",  # between the criminality ranks and the criminal markets block
    "between-markets",  # between an indicator (human trafficking) and the next
    "before-actors",
    "before-resilience",
    "between-resilience",  # between two resilience indicators
    "after-pyramid",  # between the pyramid line and the repeated resilience block
    "after-repeat",  # after the resilience repeat, before the analysis
    "after-tabs",  # inside the analysis: between the tab numbers and the first section
    "between-sections",  # inside the analysis: between two sections
    "in-footer",
    "after-footer",
)

MARK = "\x00"  # a renderer-internal mark: "the value of this slot is on this line"

Card = Callable[[str, str, str | None], str | None]  # (slot, score, change) -> replacement or None


@dataclass(frozen=True)
class Mods:
    """How a variant departs from the plain page. Callables return None to keep the plain rendering of a slot.
    Slots: `card:<code>` (score and change), `rank:<metric>:<scope>`, `profile:<field>`, `label:<code>` (and
    `label:<profile field>`, `label:analysis`, `label:section:<n>`), `name:header`, `name:profile`, `year`,
    `pyramid`; slots of the repeated resilience block end in `@repeat`."""

    inserts: dict[str, str] = field(default_factory=dict)  # position -> snippet (HTML, or text lines)
    before: dict[str, str] = field(default_factory=dict)  # slot -> snippet placed before the slot's element
    after: dict[str, str] = field(default_factory=dict)  # slot -> snippet placed after the slot's element
    card: Card | None = None
    rank: Callable[[str, Rank], str | None] | None = None
    profile: Callable[[str, str], str | None] | None = None
    label: Callable[[str, str], str | None] | None = None
    year: str | None = None
    pyramid: str | None = None
    css: str = ""
    drop: frozenset[str] = frozenset()  # slots left out entirely
    truncate: str | None = None  # cut the page at this position
    indicator_table: bool = False
    profile_table: bool = False


@dataclass(frozen=True)
class Rendered:
    page: str
    slots: dict[str, int]  # slot -> 1-based line (text) or source line (HTML) holding its value


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.slots: dict[str, int] = {}
        self.cut_at: int | None = None

    def add(self, chunk: str, slot: str | None = None) -> None:
        parts = chunk.split("\n")
        marked = [i for i, p in enumerate(parts) if p.startswith(MARK)]
        if slot is not None:
            self.slots[slot] = len(self.lines) + 1 + (marked[0] if marked else 0)
        self.lines.extend(p.removeprefix(MARK) for p in parts)

    def cut(self) -> None:
        if self.cut_at is None:
            self.cut_at = len(self.lines)


def _e(s: str) -> str:
    return _html.escape(s, quote=False)


def _pick(fn: Callable | None, *args) -> str | None:
    return None if fn is None else fn(*args)


CSS = """\
body { font-family: system-ui, sans-serif; margin: 0; }
.site-header, main, footer, .pyramid-help { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
.score-card .score { font-size: 2rem; font-weight: 700; }
.score-card .change { font-size: .9rem; margin-left: .25rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.mobile-only { display: none; }
.pyramid-values span { margin-right: .5rem; }"""


def _card_html(slot: str, score: str | None, change: str | None, m: Mods) -> str:
    got = _pick(m.card, slot, score or "", change)
    if got is not None:
        return got
    if change is None:
        inner = f'<span class="score">{score}</span> <span class="change change-na">n/a</span>'
    else:
        inner = f'<span class="score">{score}</span><span class="change">{change}</span>'
    return f'<div class="score-card">\n{MARK}{inner}\n</div>'


def _rank_html(slot: str, r: Rank, m: Mods) -> str:
    got = _pick(m.rank, slot, r)
    if got is not None:
        return got
    return f'<li class="rank">{r.ordinal} {r.middle}{r.sep}<span class="rank-change">{r.change}</span></li>'


def _label(slot: str, text: str, m: Mods) -> str:
    got = _pick(m.label, slot, text)
    return _e(text) if got is None else got


def render_html(m: Mods | None = None) -> Rendered:
    m = m or Mods()
    p = prose()
    o = _Out()

    def pos(name: str) -> None:
        if m.truncate == name:
            o.cut()
        if name in m.inserts:
            o.add(m.inserts[name])

    def slotted(slot: str, chunk: str) -> None:
        if slot in m.drop:
            return
        if slot in m.before:
            o.add(m.before[slot])
        o.add(chunk, slot)
        if slot in m.after:
            o.add(m.after[slot])

    def indicator(code: str, label: str, score: str, change: str | None, sfx: str) -> None:
        o.add('<article class="indicator">')
        slotted(f"label:{code}{sfx}", f'<h3 class="indicator-label">{_label("label:" + code + sfx, label, m)}</h3>')
        slotted(f"card:{code}{sfx}", _card_html(code + sfx, score, change, m))
        o.add(f'<p class="indicator-description">{_e(p.descriptions[code])}</p>')
        o.add("</article>")

    def indicator_table(rows, sfx: str) -> None:
        o.add('<table class="indicators">')
        o.add("<thead><tr><th>Indicator</th><th>Score</th><th>About</th></tr></thead>\n<tbody>")
        for code, label, score, change in rows:
            o.add("<tr>")
            slotted(f"label:{code}{sfx}", f"<th scope=row>{_label('label:' + code + sfx, label, m)}</th>")
            inner = _card_html(code + sfx, score, change, m)
            slotted(f"card:{code}{sfx}", f"<td>\n{inner}\n</td>")
            o.add(f"<td>{_e(p.descriptions[code])}</td>")
            o.add("</tr>")
        o.add("</tbody>\n</table>")

    def ranks(metric: str, sfx: str) -> None:
        o.add('<ul class="ranks">')
        for r in RANKS:
            if r.metric == metric:
                slotted(r.slot + sfx, _rank_html(r.slot + sfx, r, m))
        o.add("</ul>")

    def resilience_block(sfx: str) -> None:
        cls = "pillar resilience" + (" resilience-repeat" if sfx else "")
        o.add(f'<section class="{cls}">')
        label, score, change = COMPOSITES["resilience"]
        slotted(f"card:resilience{sfx}", _card_html("resilience" + sfx, score, change, m))
        slotted(f"label:resilience{sfx}", f'<h2 class="score-title">{_label("label:resilience" + sfx, label, m)}</h2>')
        ranks("resilience", sfx)
        if m.indicator_table:
            indicator_table(RESILIENCE, sfx)
        else:
            o.add('<div class="indicators">')
            for i, row in enumerate(RESILIENCE):
                indicator(*row, sfx)
                if i == 0 and not sfx:
                    pos("between-resilience")
            o.add("</div>")
        o.add("</section>")

    def pillar(code: str, rows) -> None:
        label, score, change = COMPOSITES[code]
        o.add(f'<section class="pillar" id="{code.replace("_", "-")}">')
        slotted(f"label:{code}", f'<h2 class="pillar-title">{_label("label:" + code, label, m)}</h2>')
        slotted(f"card:{code}", _card_html(code, score, change, m))
        o.add(f'<p class="pillar-description">{_e(p.descriptions[code])}</p>')
        if m.indicator_table:
            indicator_table(rows, "")
        else:
            o.add('<div class="indicators">')
            for i, row in enumerate(rows):
                indicator(*row, "")
                if i == 0 and code == "criminal_markets":
                    pos("between-markets")
            o.add("</div>")
        o.add("</section>")

    o.add('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
    o.add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    o.add("<title>Belgium | The Organized Crime Index</title>")
    o.add(f"<style>\n{CSS}\n{m.css}\n</style>\n</head>\n<body>")
    pos("before-header")
    o.add('<header class="site-header" id="top">')
    o.add('<div class="brand"><a href="/">The Organized Crime Index | ENACT</a></div>')
    year = m.year if m.year is not None else '<div class="edition-picker"><span class="picker-label">Year:</span></div>'
    slotted("year", year)
    o.add('<div class="report-link"><a href="/report">Read the report</a></div>')
    o.add('<div class="compare">')
    slotted("name:header", f'<h1 class="entity-name">{_label("name:header", "Belgium", m)}</h1>')
    o.add('<button type="button" class="compare-clear" aria-label="Clear">x</button>\n</div>\n</header>')
    pos("after-header")
    o.add('<main id="main">\n<section class="profile" id="profile">')
    slotted("label:profile", f"<h2>{_label('label:profile', 'Profile', m)}</h2>")
    slotted("name:profile", f'<h3 class="profile-entity">{_label("name:profile", "Belgium", m)}</h3>')
    o.add('<table class="profile-facts">' if m.profile_table else '<dl class="profile-facts">')
    for fld, label, value in PROFILE:
        shown = _pick(m.profile, fld, value)
        shown = _e(value) if shown is None else shown
        if m.profile_table:
            o.add("<tr>")
            slotted(f"label:{fld}", f"<th scope=row>{_label('label:' + fld, label, m)}</th>")
            slotted(f"profile:{fld}", f"<td>{shown}</td>")
            o.add("</tr>")
        else:
            o.add('<div class="fact">')
            slotted(f"label:{fld}", f"<dt>{_label('label:' + fld, label, m)}</dt>")
            slotted(f"profile:{fld}", f'<dd class="{fld}">{shown}</dd>')
            o.add("</div>")
    o.add("</table>" if m.profile_table else "</dl>")
    o.add("</section>")
    pos("before-criminality")
    o.add('<section class="summary criminality">')
    label, score, change = COMPOSITES["criminality"]
    slotted("card:criminality", _card_html("criminality", score, change, m))
    slotted("label:criminality", f'<h2 class="score-title">{_label("label:criminality", label, m)}</h2>')
    ranks("criminality", "")
    o.add("</section>")
    pos("after-criminality")
    pillar("criminal_markets", MARKETS)
    pos("before-actors")
    pillar("criminal_actors", ACTORS)
    pos("before-resilience")
    resilience_block("")
    numbers = m.pyramid if m.pyramid is not None else " ".join(f"<span>{n}</span>" for n in PYRAMID)
    o.add('<figure class="pyramid" aria-label="Pyramid">')
    slotted("pyramid", f'<div class="pyramid-values">{numbers}</div>')
    o.add("</figure>")
    pos("after-pyramid")
    resilience_block("@repeat")
    pos("after-repeat")
    o.add('<section class="analysis" id="analysis">')
    slotted("label:analysis", f"<h2>{_label('label:analysis', 'Analysis', m)}</h2>")
    tabs = " ".join(f'<a href="#s{i:02d}">{i:02d}</a>' for i in range(1, 12))
    o.add(f'<nav class="analysis-tabs">{tabs}</nav>')
    pos("after-tabs")
    for n, (title, paragraphs) in enumerate(p.sections, 1):
        o.add(f'<article class="analysis-section" id="s{n:02d}">')
        slotted(f"label:section:{n}", f"<h3>{_label(f'label:section:{n}', title, m)}</h3>")
        for para in paragraphs:
            o.add(f"<p>{_e(para)}</p>")
        o.add("</article>")
        if n == 1:
            pos("between-sections")
    o.add("</section>\n</main>")
    groups = p.footer_groups
    o.add('<aside class="pyramid-help">')
    o.add(f'<p class="rotate">{_e(groups[0][0])}</p>\n<p>{_e(groups[1][0])}</p>\n</aside>')
    o.add('<footer class="site-footer">')
    o.add(f"<h3>{_e(groups[2][0])}</h3>\n<p>{_e(groups[3][0])}</p>")
    o.add(f'<p><a href="/papers">{_e(groups[4][0])}<br>{_e(groups[4][1])}</a></p>')
    o.add(f"<h3>{_e(groups[5][0])}</h3>\n<p>{_e(groups[6][0])}</p>")
    o.add(f'<p><a href="/feedback">{_e(groups[7][0])}</a></p>')
    pos("in-footer")
    for g in groups[8:]:
        o.add(f'<p class="fine-print">{_e(g[0])}</p>')
    o.add("</footer>")
    pos("after-footer")
    o.add("</body>\n</html>")
    assert len(groups) == 11, groups
    lines = o.lines if o.cut_at is None else o.lines[: o.cut_at]
    return Rendered("\n".join(lines) + ("\n" if o.cut_at is None else ""), o.slots)


def _card_text(slot: str, score: str, change: str | None, m: Mods) -> str:
    got = _pick(m.card, slot, score, change)
    if got is not None:
        return got
    return f"{score} n/a" if change is None else f"{score}{change}"


def render_text(m: Mods | None = None) -> Rendered:
    """The saved text page in the seed's indented style; `render_text()` is byte-identical to the seed."""
    m = m or Mods()
    p = prose()
    head: list[str] = []  # unindented lines before and in the header
    groups: list[tuple[str, str | None]] = []  # (chunk, slot); chunk: lines joined by "\n"
    cut: list[int] = []

    def pos(name: str) -> None:
        if m.truncate == name:
            cut.append(len(groups))
        if name in m.inserts:
            add(m.inserts[name])

    def add(chunk: str, slot: str | None = None) -> None:
        # a chunk may hold several groups (separated by a blank line)
        parts = chunk.split("\n\n")
        marked = [i for i, g in enumerate(parts) if MARK in g]
        target = marked[0] if marked else 0
        for i, g in enumerate(parts):
            groups.append((g, slot if i == target else None))

    def slotted(slot: str, chunk: str) -> None:
        if slot in m.drop:
            return
        if slot in m.before:
            add(m.before[slot])
        add(chunk, slot)
        if slot in m.after:
            add(m.after[slot])

    def indicators(rows, sfx: str, between: str | None) -> None:
        for i, (code, label, score, change) in enumerate(rows):
            slotted(f"label:{code}{sfx}", _label_text(f"label:{code}{sfx}", label, m))
            slotted(f"card:{code}{sfx}", _card_text(code + sfx, score, change, m))
            add(p.descriptions[code])
            if i == 0 and between:
                pos(between)

    def ranks(metric: str, sfx: str) -> None:
        for r in RANKS:
            if r.metric == metric:
                got = _pick(m.rank, r.slot + sfx, r)
                slotted(r.slot + sfx, r.printed() if got is None else got)

    def resilience_block(sfx: str) -> None:
        label, score, change = COMPOSITES["resilience"]
        slotted(f"card:resilience{sfx}", _card_text("resilience" + sfx, score, change, m))
        slotted(f"label:resilience{sfx}", _label_text(f"label:resilience{sfx}", label, m))
        ranks("resilience", sfx)
        indicators(RESILIENCE, sfx, None if sfx else "between-resilience")

    def pillar(code: str, rows, between: str | None) -> None:
        label, score, change = COMPOSITES[code]
        slotted(f"label:{code}", _label_text(f"label:{code}", label, m))
        slotted(f"card:{code}", _card_text(code, score, change, m))
        add(p.descriptions[code])
        indicators(rows, "", between)

    # header: unindented lines
    if "before-header" in m.inserts:
        head.extend(m.inserts["before-header"].replace("\n\n", "\n").split("\n"))
    head_slots: dict[str, int] = {}
    for line in HEADER:
        if line == "Year:" and m.year is not None:
            head.extend(m.year.split("\n"))
            continue
        if line == "Belgium":
            for extra in [m.before.get("name:header")]:
                if extra:
                    head.extend(extra.split("\n"))
            head_slots["name:header"] = len(head) + 1
            head.append(_label_text("name:header", line, m))
            if m.after.get("name:header"):
                head.extend(m.after["name:header"].split("\n"))
            continue
        head.append(line)
    if m.truncate == "before-header":
        return Rendered("", {})
    pos("after-header")
    slotted("label:profile", _label_text("label:profile", "Profile", m))
    slotted("name:profile", _label_text("name:profile", "Belgium", m))
    for fld, label, value in PROFILE:
        slotted(f"label:{fld}", _label_text(f"label:{fld}", label, m))
        shown = _pick(m.profile, fld, value)
        slotted(f"profile:{fld}", value if shown is None else shown)
    pos("before-criminality")
    label, score, change = COMPOSITES["criminality"]
    slotted("card:criminality", _card_text("criminality", score, change, m))
    slotted("label:criminality", _label_text("label:criminality", label, m))
    ranks("criminality", "")
    pos("after-criminality")
    pillar("criminal_markets", MARKETS, "between-markets")
    pos("before-actors")
    pillar("criminal_actors", ACTORS, None)
    pos("before-resilience")
    resilience_block("")
    slotted("pyramid", m.pyramid if m.pyramid is not None else " ".join(PYRAMID))
    pos("after-pyramid")
    resilience_block("@repeat")
    pos("after-repeat")
    slotted("label:analysis", _label_text("label:analysis", "Analysis", m))
    add(TABS)
    pos("after-tabs")
    for n, (title, paragraphs) in enumerate(p.sections, 1):
        slotted(f"label:section:{n}", _label_text(f"label:section:{n}", title, m))
        for para in paragraphs:
            add(para)
        if n == 1:
            pos("between-sections")
    footer = list(p.footer_groups)
    for g in footer[:8]:
        add("\n".join(g))
    pos("in-footer")
    for g in footer[8:]:
        add("\n".join(g))
    pos("after-footer")
    if cut:
        groups = groups[: cut[0]]

    out = "\n".join(head)
    slots = dict(head_slots)
    line_no = len(head)
    for chunk, slot in groups:
        parts = chunk.split("\n")
        marked = [i for i, q in enumerate(parts) if q.startswith(MARK)]
        line_no += 2  # the blank line, then the chunk's first line
        if slot is not None:
            slots[slot] = line_no + (marked[0] if marked else 0)
        out += "\n\n" + "\n".join("    " + q.removeprefix(MARK) for q in parts)
        line_no += len(parts) - 1
    return Rendered(out, slots)


def _label_text(slot: str, text: str, m: Mods) -> str:
    got = _pick(m.label, slot, text)
    return text if got is None else got


def render(fmt: str, m: Mods | None = None) -> Rendered:
    return render_html(m) if fmt == "html" else render_text(m)


def plain(fmt: str) -> str:
    return render(fmt).page


# ---------------------------------------------------------------------------------------------------------------
# Mutation kinds
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    classification: str
    positions: tuple[str, ...]
    formats: tuple[str, ...]
    build: Callable[[str, str], Rendered]  # (format, position) -> page
    note: str = ""
    in_brief: bool = True  # False: a kind of this module's own invention
    skip: frozenset[tuple[str, str]] = frozenset()  # (format, position) pairs where the kind changes nothing

    def mutate(self, page_format: str, position: str) -> str:
        return self.build(page_format, position).page

    def apply(self, page: str, position: str) -> str:
        """The mutation as a function of the plain page (HTML or text) and a position. Variants are rendered from
        the page model rather than patched into the string, so `page` must be one of the two plain pages."""
        for fmt in self.formats:
            if page == plain(fmt):
                return self.mutate(fmt, position)
        raise ValueError(f"{self.name}: not a plain page this kind applies to ({', '.join(self.formats)})")


@dataclass(frozen=True)
class Variant:
    kind: Kind
    position: str
    fmt: str
    rendered: Rendered
    line: int | None = None  # corrupts_value: the mutated line
    hints: tuple[str, ...] = ()  # corrupts_value: strings an error message may name instead of the line
    numbers: tuple[str, ...] = ()  # corrupts_value: a corrupted number an error message may quote (as a token)

    @property
    def id(self) -> str:
        return f"{self.kind.name}@{self.position}:{self.fmt}"

    @property
    def classification(self) -> str:
        return self.kind.classification

    @property
    def page(self) -> str:
        return self.rendered.page

    @property
    def suffix(self) -> str:
        return ".html" if self.fmt == "html" else ".txt"


KINDS: dict[str, Kind] = {}
HTML = ("html",)
BOTH = ("html", "text")


def kind(
    name: str,
    classification: str,
    positions: tuple[str, ...],
    formats: tuple[str, ...] = BOTH,
    note: str = "",
    in_brief: bool = True,
    skip: frozenset[tuple[str, str]] = frozenset(),
):
    def deco(fn: Callable[[str, str], Mods | Rendered]) -> Callable:
        def build(fmt: str, position: str) -> Rendered:
            got = fn(fmt, position)
            return got if isinstance(got, Rendered) else render(fmt, got)

        assert name not in KINDS, name
        KINDS[name] = Kind(name, classification, positions, formats, build, note, in_brief, skip)
        return fn

    return deco


def block(fmt: str, html: str, text: list[str] | str) -> str:
    """A chrome snippet: HTML, or the lines a text saver keeps of it (blank-line separated groups)."""
    if fmt == "html":
        return html
    return text if isinstance(text, str) else "\n\n".join(text)


def insert(fmt: str, position: str, html: str, text: list[str] | str, css: str = "") -> Mods:
    return Mods(inserts={position: block(fmt, html, text)}, css=css)


def _chrome(name: str, html: str, text: list[str] | str, formats=BOTH, css: str = "", note: str = "", own=False):
    @kind(name, UNAMBIGUOUS, POSITIONS, formats, note, in_brief=not own)
    def _build(fmt: str, position: str) -> Mods:
        return insert(fmt, position, html, text, css)


# --- chrome between the data (structural positions) -------------------------------------------------------------

_chrome(
    "cookie-banner",
    '<div class="cookie-banner" role="dialog" aria-label="Cookies">\n<p>This site keeps a few small files on your'
    " device to count visits and remember your choices.</p>\n"
    '<button type="button">Accept all</button> <button type="button">Only necessary</button>\n</div>',
    [
        "This site keeps a few small files on your device to count visits and remember your choices.",
        "Accept all Only necessary",
    ],
)
_chrome(
    "share-bar",
    '<ul class="share">\n<li><a href="#">Share <span class="count">12</span></a></li>\n'
    '<li><a href="#">Tweet <span class="count">3</span></a></li>\n<li><a href="#">Email</a></li>\n</ul>',
    "Share 12\nTweet 3\nEmail",
)
_chrome("last-updated", '<p class="meta">Last updated <time datetime="2023-09-26">26 September 2023</time></p>',
        ["Last updated 26 September 2023"])  # fmt: skip
_chrome("edition-badge", '<div class="badge-row"><span class="badge">2023 Edition</span></div>', ["2023 Edition"])
_chrome("read-time", '<p class="meta">Read time <span>12</span> min</p>', ["Read time 12 min"])
_chrome("download-pdf", '<p><a class="download" href="/belgium.pdf">Download PDF (2.3 MB)</a></p>',
        ["Download PDF (2.3 MB)"])  # fmt: skip
_chrome("citation", '<p class="cite">Cite: GI-TOC (2023)</p>', ["Cite: GI-TOC (2023)"])
_chrome(
    "related-teaser",
    '<aside class="related"><span>Related:</span> <a href="/country/netherlands">Netherlands'
    ' <span class="score">5.15</span></a></aside>',
    ["Related: Netherlands 5.15"],
)
_chrome("sticky-bar", '<div class="sticky-bar"><span class="name">Belgium</span> <span class="score">4.43</span></div>',
        ["Belgium 4.43"])  # fmt: skip
_chrome(
    "nav-pillars",
    '<nav class="pillars"><ul>\n<li><a href="#criminal-markets">Criminal markets <span>15</span></a></li>\n'
    '<li><a href="#criminal-actors">Criminal actors <span>5</span></a></li>\n'
    '<li><a href="#resilience">Resilience <span>12</span></a></li>\n</ul></nav>',
    "Criminal markets 15\nCriminal actors 5\nResilience 12",
)
_chrome(
    "breadcrumbs",
    '<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/">Home</a> › <a href="/countries">Countries</a> › '
    '<a href="/europe">Europe</a> › <span aria-current="page">Belgium</span></nav>',
    ["Home › Countries › Europe › Belgium"],
)
_chrome("tooltip", '<div class="tooltip" role="tooltip">Scores range from 1 to 10</div>', ["Scores range from 1 to 10"])
_chrome(
    "newsletter",
    '<form class="newsletter">\n<h4>New analysis, once a month</h4>\n<p>Leave your address and we will write when a'
    ' profile changes.</p>\n<label>Email address <input type="email"></label> <button>Subscribe</button>\n</form>',
    [
        "New analysis, once a month",
        "Leave your address and we will write when a profile changes.",
        "Email address Subscribe",
    ],
)
_chrome("back-to-top", '<p class="to-top"><a href="#top">Back to top ↑</a></p>', ["Back to top ↑"])
_chrome(
    "svg-chart",
    '<figure class="trend">\n<svg viewBox="0 0 200 100" width="200" height="100" role="img">\n'
    '<text x="0" y="95">0</text><text x="0" y="50">5</text><text x="0" y="10">10</text>\n'
    '<rect x="30" y="52" width="20" height="43"></rect><text x="30" y="48">4.34</text>\n'
    '<rect x="60" y="51" width="20" height="44"></rect><text x="60" y="47">4.43</text>\n'
    '<text x="30" y="100">2021</text><text x="60" y="100">2023</text>\n</svg>\n'
    "<figcaption>Criminality over two editions</figcaption>\n</figure>",
    "",
    formats=HTML,
    note="a trend chart whose <text> labels hold numbers (2021's 4.34 among them)",
)
_chrome(
    "language-switcher",
    '<ul class="languages"><li lang="en">EN</li><li lang="fr">FR</li><li lang="es">ES</li></ul>',
    "EN\nFR\nES",
    own=True,
)
_chrome("skip-link", '<a class="skip-link" href="#main">Skip to main content</a>', ["Skip to main content"], own=True)
_chrome("compare-cta", '<p class="cta"><a href="/compare/belgium">Compare Belgium with another country</a></p>',
        ["Compare Belgium with another country"], own=True)  # fmt: skip
_chrome(
    "noscript",
    "<noscript><p>Turn on JavaScript to explore the interactive charts.</p></noscript>",
    "",
    formats=HTML,
    own=True,
    note="not rendered when scripts run (a browser shows nothing)",
)
_chrome(
    "json-ld",
    '<script type="application/ld+json">{"@type": "Dataset", "name": "Belgium 2021", "criminality": 4.34,'
    ' "resilience": 7.00, "population": 11500000}</script>',
    "",
    formats=HTML,
    own=True,
    note="structured data with stale numbers, never rendered",
)
_chrome(
    "template-stale",
    '<template id="card-2021"><div class="score-card"><span class="score">4.34</span></div>\n'
    "<h2>Criminality score</h2><ul><li>127th of 193 countries</li></ul></template>",
    "",
    formats=HTML,
    own=True,
    note="a <template> (never rendered) holding another edition's summary",
)
_chrome(
    "hidden-stale-copy",
    '<div class="summary-2021" hidden>\n<div class="score-card"><span class="score">4.34</span></div>\n'
    '<h2 class="score-title">Criminality score</h2>\n<ul><li>127th of 193 countries</li>\n'
    "<li>27th of 44 countries in Europe</li></ul>\n</div>",
    "",
    formats=HTML,
    own=True,
    note="an element with the hidden attribute holding 2021's summary",
)
_chrome("print-footer", '<p class="print-note">Printed from ocindex.net on 2 October 2023 · page 1 of 9</p>',
        ["Printed from ocindex.net on 2 October 2023 · page 1 of 9"], own=True)  # fmt: skip
_chrome(
    "image-credit",
    '<figure class="photo"><img src="/img/terminal.jpg" alt="Stacked shipping containers">\n'
    "<figcaption>Photo: a container terminal, 2022. For illustration only.</figcaption></figure>",
    ["Photo: a container terminal, 2022. For illustration only."],
    own=True,
)
_chrome("chat-widget", '<div class="chat"><button type="button">Questions? Write to us</button></div>',
        ["Questions? Write to us"], own=True)  # fmt: skip


# --- summaries repeated or contradicted -------------------------------------------------------------------------

SUMMARY_POSITIONS = ("after-header", "before-criminality", "after-criminality", "after-repeat", "after-footer")


def _summary(fmt: str, score: str, change: str, ranks: list[str], cls: str = "mobile-summary", attrs: str = "") -> str:
    if fmt == "text":
        return "\n\n".join([f"{score}{change}", "Criminality score", *ranks])
    items = "\n".join(f"<li>{r}</li>" for r in ranks)
    return (
        f'<section class="{cls}"{attrs}>\n<div class="score-card"><span class="score">{score}</span>'
        f'<span class="change">{change}</span></div>\n<h2 class="score-title">Criminality score</h2>\n'
        f"<ul>\n{items}\n</ul>\n</section>"
    )


SAME_RANKS = [r.printed() for r in RANKS if r.metric == "criminality"]
STALE_RANKS = ["127th of 193 countries", "27th of 44 countries in Europe", "6th of 11 countries in Western Europe"]


@kind("mobile-summary", UNAMBIGUOUS, SUMMARY_POSITIONS, note="the criminality summary again, identical")
def _mobile_summary(fmt: str, position: str) -> Mods:
    return Mods(inserts={position: _summary(fmt, "4.43", "0.10", SAME_RANKS)})


@kind("hidden-mobile-copy", UNAMBIGUOUS, SUMMARY_POSITIONS, HTML, note="identical summary, display:none by class")
def _hidden_mobile(fmt: str, position: str) -> Mods:
    return Mods(inserts={position: _summary(fmt, "4.43", "0.10", SAME_RANKS, "mobile-only")})


@kind("conflicting-summary", AMBIGUOUS, SUMMARY_POSITIONS, note="a visible second summary with other numbers")
def _conflicting_summary(fmt: str, position: str) -> Mods:
    return Mods(inserts={position: _summary(fmt, "4.34", "0.09", STALE_RANKS, "summary")})


# --- header, name, profile ------------------------------------------------------------------------------------


@kind("select-editions", UNAMBIGUOUS, ("year",), HTML, note="<select> of 2021/2023/2025 with 2023 selected")
def _select(fmt: str, position: str) -> Mods:
    return Mods(
        year='<div class="edition-picker"><label for="edition">Year:</label>\n<select id="edition">'
        '<option value="2021">2021</option><option value="2023" selected>2023</option>'
        '<option value="2025">2025</option></select></div>'
    )


@kind("flag-caption", UNAMBIGUOUS, ("name:header", "name:profile"))
def _flag(fmt: str, position: str) -> Mods:
    snippet = block(
        fmt,
        '<figure class="flag"><img src="/flags/be.svg" alt="Flag of Belgium" width="24">'
        "<figcaption>Flag of Belgium</figcaption></figure>",
        "Flag of Belgium",
    )
    return Mods(before={position: snippet})


@kind("view-on-map", UNAMBIGUOUS, ("profile:capital",), note="a 'View on map' link on its own line after the capital")
def _map(fmt: str, position: str) -> Mods:
    link = '<dd class="map-link"><a href="#map">View on map</a></dd>'
    return Mods(after={"profile:capital": block(fmt, link, "View on map")})


@kind("view-on-map-inline", UNAMBIGUOUS, ("profile:capital",), HTML, note="the map link inline, in the capital's <dd>")
def _map_inline(fmt: str, position: str) -> Mods:
    return Mods(profile=lambda f, v: f'{v} <a class="map-link" href="#map">View on map</a>' if f == "capital" else None)


def _profile_kind(name: str, classification: str, fld: str, value: str, note: str = "", own: bool = False) -> None:
    @kind(name, classification, (f"profile:{fld}",), BOTH, note, in_brief=not own)
    def _build(fmt: str, position: str) -> Mods:
        return Mods(profile=lambda f, v: (_e(value) if fmt == "html" else value) if f == fld else None)


_profile_kind("population-nbsp", UNAMBIGUOUS, "population", "11\u00a0592\u00a0952")
_profile_kind("population-thin-space", UNAMBIGUOUS, "population", "11\u2009592\u2009952")
_profile_kind("population-narrow-nbsp", UNAMBIGUOUS, "population", "11\u202f592\u202f952", own=True)
_profile_kind("population-ref-year", UNAMBIGUOUS, "population", "11,592,952 (2022)")
_profile_kind("population-dot-grouping", UNAMBIGUOUS, "population", "11.592.952", "two dots: grouping only", own=True)
_profile_kind("area-nbsp", UNAMBIGUOUS, "area", "30\u00a0530 km²")
_profile_kind("gdp-nbsp", UNAMBIGUOUS, "gdp", "USD 594\u00a0104.00 million")
_profile_kind("area-dot-thousands", AMBIGUOUS, "area", "30.530 km²", "30.530: grouping or decimal?")
_profile_kind(
    "gdp-dot-thousands", AMBIGUOUS, "gdp", "USD 594.104 million", "594.104 million or 594,104 million?", own=True
)


@kind("profile-table", UNAMBIGUOUS, ("profile",), HTML, note="the profile as a two-column table", in_brief=False)
def _profile_table(fmt: str, position: str) -> Mods:
    return Mods(profile_table=True)


def _shy(text: str) -> str:
    return re.sub(r"([a-z]{4})([a-z]{4,})", lambda mo: mo.group(1) + "\u00ad" + mo.group(2), text, count=1)


# --- labels and headings --------------------------------------------------------------------------------------

LABEL_SLOTS = (
    "label:population",
    "label:criminality",
    "label:criminal_markets",
    "label:human_trafficking",
    "label:resilience",
    "label:non_state_actors",
    "label:analysis",
    "label:section:1",
)


def _label_kind(name, positions, html_fn, text_fn=None, note="", own=False, css=""):
    formats = BOTH if text_fn else HTML

    @kind(name, UNAMBIGUOUS, positions, formats, note, in_brief=not own)
    def _build(fmt: str, position: str) -> Mods:
        fn = html_fn if fmt == "html" else text_fn

        def label(slot: str, text: str) -> str | None:
            return fn(text) if slot == position or position == "all" else None

        return Mods(label=label, css=css)


_label_kind("info-button", LABEL_SLOTS, lambda t: f'{_e(t)} <button class="info" aria-label="About">ⓘ</button>',
            lambda t: f"{t} ⓘ")  # fmt: skip
_label_kind("footnote-sup-label", LABEL_SLOTS, lambda t: f'{_e(t)}<sup><a href="#fn1">1</a></sup>',
            note="a footnote marker after a label (innerText glues it: 'Population1')")  # fmt: skip
_label_kind(
    "soft-hyphen-label",
    ("label:non_renewable_resource_crimes", "label:government_transparency_and_accountability", "label:criminality"),
    lambda t: _e(_shy(t)).replace("\u00ad", "&shy;"),
    _shy,
    own=True,
    note="soft hyphens inside long labels",
)
_label_kind(
    "css-uppercase",
    ("all",),
    lambda t: None,
    note="headings uppercased by CSS text-transform (innerText shows capitals, the source does not)",
    own=True,
    css="h1, h2, h3, dt { text-transform: uppercase; }",
)


@kind("tooltip-after-heading", UNAMBIGUOUS, ("label:criminality", "label:resilience", "label:criminal_markets"))
def _tooltip_heading(fmt: str, position: str) -> Mods:
    return Mods(after={position: block(fmt, '<div class="tooltip" role="tooltip">Scores range from 1 to 10</div>',
                                       "Scores range from 1 to 10")})  # fmt: skip


# --- score cards ----------------------------------------------------------------------------------------------

CARD_POSITIONS = (
    "card:criminality",
    "card:criminal_markets",
    "card:human_trafficking",
    "card:extortion_and_protection_racketeering",
    "card:criminal_actors",
    "card:resilience",
    "card:non_state_actors",
    "card:resilience@repeat",
    "all",
)


CHANGE_POSITIONS = (  # cards whose change is non-zero and positive
    "card:criminality",
    "card:criminal_markets",
    "card:human_smuggling",
    "card:criminal_actors",
    "card:resilience",
    "card:prevention@repeat",
    "all",
)


def _signed(change: str) -> str:
    return change if change.startswith("-") or float(change) == 0 else "+" + change


def _card_kind(name, positions, html_fn, text_fn=None, note="", own=False, css="", classification=UNAMBIGUOUS):
    """html_fn(score, change) -> the card's HTML (value line marked); text_fn(score, change) -> its text."""
    formats = BOTH if text_fn else HTML

    @kind(name, classification, positions, formats, note, in_brief=not own)
    def _build(fmt: str, position: str) -> Mods:
        fn = html_fn if fmt == "html" else text_fn

        def card(slot: str, score: str, change: str | None) -> str | None:
            return fn(score, change) if position in ("all", "card:" + slot) else None

        return Mods(card=card, css=css)


def _html_card(inner: str, attrs: str = "") -> str:
    return f'<div class="score-card"{attrs}>\n{MARK}{inner}\n</div>'


_card_kind(
    "score-slash-ten",
    CARD_POSITIONS,
    lambda s, c: _html_card(f'<span class="score">{s}<span class="out-of">/10</span></span> '
                            f'<span class="change">{_signed(c) if c else "n/a"}</span>'),
    lambda s, c: f"{s}/10 {_signed(c) if c else 'n/a'}",
)  # fmt: skip
_card_kind(
    "change-plus",
    CHANGE_POSITIONS,
    lambda s, c: _html_card(f'<span class="score">{s}</span><span class="change">{_signed(c)}</span>' if c
                            else f'<span class="score">{s}</span> <span class="change">n/a</span>'),
    lambda s, c: f"{s}{_signed(c)}" if c else f"{s} n/a",
)  # fmt: skip
_card_kind(
    "change-since",
    CHANGE_POSITIONS,
    lambda s, c: _html_card(f'<span class="score">{s}</span> <span class="change">{_signed(c)} since 2021</span>' if c
                            else f'<span class="score">{s}</span> <span class="change">n/a</span>'),
    lambda s, c: f"{s} {_signed(c)} since 2021" if c else f"{s} n/a",
)  # fmt: skip


def _minus(c: str | None) -> str:
    return "n/a" if c is None else c.replace("-", "\u2212")


def _arrow(c: str | None) -> str:
    if c is None:
        return "n/a"
    v = float(c)
    return c if v == 0 else ("▲" + c if v > 0 else "▼" + c[1:])


_card_kind(
    "change-minus-sign",
    ("card:non_state_actors", "card:non_state_actors@repeat", "all"),
    lambda s, c: _html_card(f'<span class="score">{s}</span><span class="change">{_minus(c)}</span>'
                            if c else f'<span class="score">{s}</span> <span class="change">n/a</span>'),
    lambda s, c: f"{s}{_minus(c)}" if c else f"{s} n/a",
    own=True,
    note="U+2212 minus sign in a negative change",
)  # fmt: skip
_card_kind(
    "change-arrows",
    ("card:criminality", "card:non_state_actors", "all"),
    lambda s, c: _html_card(f'<span class="score">{s}</span> <span class="change">{_arrow(c)}</span>'),
    lambda s, c: f"{s} {_arrow(c)}",
    own=True,
    note="▲0.10 / ▼0.50 as printed text in place of the sign",
)
_card_kind(
    "flex-score",
    CARD_POSITIONS,
    lambda s, c: _html_card(f'<span class="score">{s}</span><span class="change">{c or "n/a"}</span>',
                            ' style="display: flex; gap: .5rem; align-items: baseline"'),
    note="score and change as flex items (innerText puts them on two lines)",
)  # fmt: skip
_card_kind(
    "sr-only-copy",
    CARD_POSITIONS,
    lambda s, c: f'<div class="score-card">\n<span class="visually-hidden">Score {s} out of 10, change'
    f" {c or 'not available'}</span>\n{MARK}"
    + (f'<span class="score">{s}</span><span class="change">{c}</span>' if c
       else f'<span class="score">{s}</span> <span class="change">n/a</span>') + "\n</div>",
    lambda s, c: f"Score {s} out of 10, change {c or 'not available'}\n\n" + (f"{MARK}{s}{c}" if c else f"{MARK}{s} n/a"),
    note="a visually hidden copy (clip) that innerText includes",
)  # fmt: skip
_card_kind(
    "footnote-sup-number",
    ("card:criminality", "card:human_trafficking", "card:resilience"),
    lambda s, c: _html_card(f'<span class="score">{s}<sup><a href="#fn1">1</a></sup></span>'
                            + (f'<span class="change">{c}</span>' if c else ' <span class="change">n/a</span>')),
    note="<sup>1</sup> right after a score (innerText glues the digit on)",
)  # fmt: skip


def _entities(s: str) -> str:
    return "".join(f"&#{ord(ch)};" for ch in s)


_card_kind(
    "numeric-entities",
    CARD_POSITIONS,
    lambda s, c: _html_card(f'<span class="score">{_entities(s)}</span>'
                            + (f'<span class="change">{_entities(c)}</span>' if c else ' <span class="change">n/a</span>')),
    own=True,
    note="digits written as character references (&#52;&#46;...)",
)  # fmt: skip


@kind("sr-only-copy-profile", UNAMBIGUOUS, ("profile:population", "profile:gdp"), HTML, in_brief=False,
      note="a visually hidden restatement inside a profile value")  # fmt: skip
def _sr_profile(fmt: str, position: str) -> Mods:
    fld = position.split(":")[1]
    label = next(lab for f, lab, _ in PROFILE if f == fld)
    return Mods(profile=lambda f, v: f'<span class="visually-hidden">{label}: </span>{_e(v)}' if f == fld else None)


@kind("footnote-sup-profile", UNAMBIGUOUS, ("profile:population", "profile:gdp", "profile:area"), HTML,
      note="<sup>1</sup> after a profile number")  # fmt: skip
def _sup_profile(fmt: str, position: str) -> Mods:
    fld = position.split(":")[1]
    return Mods(profile=lambda f, v: f'{_e(v)}<sup><a href="#fn1">1</a></sup>' if f == fld else None)


# --- rank lines -----------------------------------------------------------------------------------------------

RANK_POSITIONS = ("rank:criminality:world", "rank:criminality:continent", "rank:resilience:region", "all")


def _rank_kind(name, positions, html_fn, text_fn=None, note="", own=False, css="", skip=frozenset()):
    formats = BOTH if text_fn else HTML

    @kind(name, UNAMBIGUOUS, positions, formats, note, in_brief=not own, skip=skip)
    def _build(fmt: str, position: str) -> Mods:
        fn = html_fn if fmt == "html" else text_fn

        def rank(slot: str, r: Rank) -> str | None:
            return fn(r) if position in ("all", slot) else None

        return Mods(rank=rank, css=css)


_rank_kind(
    "rank-split-spans",
    RANK_POSITIONS,
    lambda r: (
        f'<li class="rank"><span class="ordinal">{r.ordinal}</span> <span class="of">{r.middle}</span>'
        f' <span class="rank-change">{r.change}</span></li>'
    ),
    lambda r: f"{r.ordinal} {r.middle} {r.change}",
    skip=frozenset({("text", "rank:criminality:world")}),  # the world line already has that space
)
_rank_kind(
    "rank-split-lines",
    RANK_POSITIONS,
    lambda r: (
        f'<li class="rank" style="display: flex; gap: .25rem"><span>{r.ordinal}</span><span>{r.middle}</span>'
        f'<span class="rank-change">{r.change}</span></li>'
    ),
    lambda r: f"{r.ordinal}\n{r.middle}\n{r.change}",
    note="flex items: one row on screen, three lines in innerText",
)
_rank_kind(
    "rank-ordinal-sup",
    RANK_POSITIONS,
    lambda r: (
        f'<li class="rank">{r.rank}<sup>{r.ordinal[len(str(r.rank)) :]}</sup> {r.middle}{r.sep}'
        f'<span class="rank-change">{r.change}</span></li>'
    ),
    own=True,
)
_rank_kind(
    "footnote-sup-rank",
    ("rank:criminality:world", "rank:criminality:continent"),
    lambda r: (
        f'<li class="rank">{r.ordinal} {r.middle}<sup><a href="#fn2">2</a></sup>{r.sep}'
        f'<span class="rank-change">{r.change}</span></li>'
    ),
    note="<sup>2</sup> after 'countries' or the area, before the change",
)


@kind("react-comments", UNAMBIGUOUS, ("ranks", "profile", "all"), HTML, in_brief=False,
      note="<!-- --> between text nodes, as server-rendered React emits")  # fmt: skip
def _react(fmt: str, position: str) -> Mods:
    def rank(slot: str, r: Rank) -> str | None:
        if position not in ("ranks", "all"):
            return None
        area = "" if r.scope == "world" else f" in <!-- -->{r.area}"
        return (f'<li class="rank">{r.rank}<!-- -->{r.ordinal[len(str(r.rank)):]}<!-- --> of <!-- -->{r.of}<!-- -->'
                f' countries{area}{r.sep}<span class="rank-change">{r.change}</span></li>')  # fmt: skip

    def profile(fld: str, v: str) -> str | None:
        if position not in ("profile", "all"):
            return None
        if fld == "gdp":
            return "USD <!-- -->594,104.00<!-- --> million"
        if fld == "area":
            return "30,530<!-- --> km²"
        return None

    return Mods(rank=rank, profile=profile)


# --- layouts --------------------------------------------------------------------------------------------------


@kind("table-indicators", UNAMBIGUOUS, ("all",), HTML, in_brief=False, note="indicator cards as table rows")
def _table(fmt: str, position: str) -> Mods:
    return Mods(indicator_table=True)


@kind("flex-header", UNAMBIGUOUS, ("header",), HTML, note="the header laid out with flex")
def _flex_header(fmt: str, position: str) -> Mods:
    return Mods(css=".site-header, .compare { display: flex; gap: 1rem; align-items: center; }")


@kind("grid-cards", UNAMBIGUOUS, ("indicators",), HTML, note="indicator cards in a CSS grid")
def _grid(fmt: str, position: str) -> Mods:
    return Mods(css=".indicators { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem; }"
                ".indicator { display: flex; flex-direction: column; }")  # fmt: skip


# --- ambiguous or absent ----------------------------------------------------------------------------------------

DROP_CARDS = (
    "card:criminality",
    "card:human_trafficking",
    "card:criminal_actors",
    "card:resilience",
    "card:prevention",
)


def _both_copies(position: str) -> set[str]:
    """A slot and its twin in the repeated resilience block: what is absent must be absent from both."""
    return {position, position + "@repeat"}


@kind("score-dropped", AMBIGUOUS, DROP_CARDS, note="the card prints the change only")
def _score_dropped(fmt: str, position: str) -> Mods:
    def card(slot: str, s: str, c: str | None) -> str | None:
        if "card:" + slot not in _both_copies(position):
            return None
        return _html_card(f'<span class="score"></span><span class="change">{c}</span>') if fmt == "html" else c

    return Mods(card=card)


@kind("change-dropped", AMBIGUOUS, DROP_CARDS, note="a 2023 card with a score but no change (nor n/a)")
def _change_dropped(fmt: str, position: str) -> Mods:
    def card(slot: str, s: str, c: str | None) -> str | None:
        if "card:" + slot not in _both_copies(position):
            return None
        return _html_card(f'<span class="score">{s}</span>') if fmt == "html" else s

    return Mods(card=card)


@kind("card-dropped", AMBIGUOUS, DROP_CARDS, note="score and change both missing")
def _card_dropped(fmt: str, position: str) -> Mods:
    return Mods(drop=frozenset(_both_copies(position)))


@kind("label-dropped", AMBIGUOUS, ("label:human_trafficking", "label:cocaine_trade", "label:prevention"),
      note="an indicator card without its label")  # fmt: skip
def _label_dropped(fmt: str, position: str) -> Mods:
    return Mods(drop=frozenset(_both_copies(position)))


@kind("rank-dropped", AMBIGUOUS, tuple(r.slot for r in RANKS), note="one rank line missing")
def _rank_dropped(fmt: str, position: str) -> Mods:
    return Mods(drop=frozenset(_both_copies(position)))


@kind("unknown-indicator", AMBIGUOUS, ("between-markets", "before-actors", "between-resilience"), in_brief=False,
      note="a card for an indicator the index does not have")  # fmt: skip
def _unknown(fmt: str, position: str) -> Mods:
    html = (
        '<article class="indicator">\n<h3 class="indicator-label">Illegal gambling</h3>\n'
        '<div class="score-card">\n<span class="score">4.50</span><span class="change">0.00</span>\n</div>\n'
        '<p class="indicator-description">Betting run outside the law for profit.</p>\n</article>'
    )
    return insert(fmt, position, html, ["Illegal gambling", "4.500.00", "Betting run outside the law for profit."])


@kind("duplicate-indicator-conflict", AMBIGUOUS, ("between-markets", "before-actors"), in_brief=False,
      note="a second Cocaine trade card with another score")  # fmt: skip
def _dup(fmt: str, position: str) -> Mods:
    html = (
        '<article class="indicator">\n<h3 class="indicator-label">Cocaine trade</h3>\n'
        '<div class="score-card">\n<span class="score">7.50</span><span class="change">0.00</span>\n</div>\n'
        f'<p class="indicator-description">{_e(prose().descriptions["cocaine_trade"])}</p>\n</article>'
    )
    return insert(fmt, position, html, ["Cocaine trade", "7.500.00", prose().descriptions["cocaine_trade"]])


@kind("pyramid-conflict", AMBIGUOUS, ("pyramid",), in_brief=False, note="the six numbers disagree with the cards")
def _pyramid(fmt: str, position: str) -> Mods:
    nums = ("7.04", "3.70", "5.71", "7.04", "3.70", "5.71")
    return Mods(pyramid=" ".join(f"<span>{n}</span>" for n in nums) if fmt == "html" else " ".join(nums))


TRUNCATE_POSITIONS = ("after-header", "before-criminality", "between-markets", "before-resilience", "after-pyramid",
                      "after-repeat", "between-sections")  # fmt: skip


@kind("truncated", AMBIGUOUS, TRUNCATE_POSITIONS, in_brief=False, note="the page cut off at the position")
def _truncated(fmt: str, position: str) -> Mods:
    return Mods(truncate=position)


# --- value corruptions ----------------------------------------------------------------------------------------


def _bump(ch: str, by: int) -> str:
    return str((int(ch) + by) % 10)


def _change_digit(value: str, where: int, by: int) -> str:
    """Change the digit at index `where` (negative from the end) by `by` (mod 10)."""
    i = where % len(value)
    assert value[i].isdigit(), (value, where)
    return value[:i] + _bump(value[i], by) + value[i + 1 :]


def _corrupt_score_changed(code: str, score: str, repeat: bool) -> str:
    if code in COMPOSITES:
        return _change_digit(score, -1, 5)  # 4.43 -> 4.48: no longer the mean of the indicators
    if repeat:
        return _change_digit(score, -2, 5)  # 7.00 -> 7.50: a valid step, caught only by the other copy
    return _change_digit(score, -2, 2)  # 5.00 -> 5.20: not a 0.5 step


def _corrupt_change_changed(code: str, change: str, repeat: bool) -> str:
    if code in COMPOSITES:
        return _change_digit(change, -1, 5)  # 0.10 -> 0.15
    if repeat:
        return _change_digit(change, -4, 1)  # 0.00 -> 1.00: a valid step, caught only by the other copy
    return _change_digit(change, -2, 2)  # 0.00 -> 0.20: not a 0.5 step


def _insert_digit(value: str, at: int, digit: str) -> str:
    return value[:at] + digit + value[at:]


def _corrupt_score_inserted(score: str) -> str:
    return _insert_digit(score, 0, "1")  # 5.00 -> 15.00: above 10


def _corrupt_change_inserted(code: str, change: str) -> str:
    neg = change.startswith("-")
    return ("-" if neg else "") + _insert_digit(change.lstrip("-"), 0, "1")  # 0.50 -> 10.50: previous out of 1..10


@dataclass(frozen=True)
class Corruption:
    slot: str  # the slot whose line is mutated (card:<code>[@repeat], rank:..., profile:<field>)
    what: str  # score | change | of | ordinal | rank-change | profile
    mode: str  # changed | inserted
    old: str
    new: str
    hints: tuple[str, ...]

    @property
    def position(self) -> str:
        base = self.slot.split(":", 1)[1]
        return f"{self.what}:{base}"


def corruptions() -> list[Corruption]:
    out: list[Corruption] = []
    cards = [(c, *PRINTED[c]) for c in ["criminality", "criminal_markets"]]
    cards += [(c, s, ch) for c, _, s, ch in MARKETS]
    cards += [("criminal_actors", *PRINTED["criminal_actors"])] + [(c, s, ch) for c, _, s, ch in ACTORS]
    cards += [("resilience", *PRINTED["resilience"])] + [(c, s, ch) for c, _, s, ch in RESILIENCE]
    resilient = {"resilience"} | {c for c, *_ in RESILIENCE}
    for code, score, change in cards:
        hint = (LABELS[code], code)  # an error message naming the indicator points at its card
        out.append(
            Corruption(f"card:{code}", "score", "changed", score, _corrupt_score_changed(code, score, False), hint)
        )
        out.append(Corruption(f"card:{code}", "score", "inserted", score, _corrupt_score_inserted(score), hint))
        if change is not None:
            out.append(Corruption(f"card:{code}", "change", "changed", change,
                                  _corrupt_change_changed(code, change, False), hint))  # fmt: skip
            out.append(Corruption(f"card:{code}", "change", "inserted", change,
                                  _corrupt_change_inserted(code, change), hint))  # fmt: skip
        if code in resilient:
            slot = f"card:{code}@repeat"
            out.append(Corruption(slot, "score", "changed", score, _corrupt_score_changed(code, score, True), hint))
            if change is not None:
                out.append(Corruption(slot, "change", "changed", change, _corrupt_change_changed(code, change, True),
                                      hint))  # fmt: skip
    for r in RANKS:
        hint = (r.printed(),)  # an error message quoting the rank line (or the corrupted line, added below)
        out.append(Corruption(r.slot, "of", "changed", str(r.of), _change_digit(str(r.of), -1, 1), hint))
        out.append(Corruption(r.slot, "ordinal", "inserted", r.ordinal, _insert_digit(r.ordinal, len(str(r.rank)), "0"),
                              hint))  # fmt: skip
        if r.metric == "resilience":
            new_change = str(int(r.change) + 3)
            out.append(Corruption(r.slot, "rank-change", "changed", r.change, new_change, hint))
            out.append(Corruption(r.slot + "@repeat", "rank-change", "changed", r.change, new_change, hint))
            out.append(
                Corruption(r.slot + "@repeat", "of", "changed", str(r.of), _change_digit(str(r.of), -1, 1), hint)
            )
        elif r.scope != "world":  # -2 -> -92: the previous rank would be below 1
            out.append(Corruption(r.slot, "rank-change", "inserted", r.change, _insert_digit(r.change, 1, "9"), hint))
    profile_inserts = {
        "gdp": ("594,104.00", "594,1044.00"),
        "population": ("11,592,952", "11,5922,952"),
        "area": ("30,530", "30,5330"),
        "gini": ("26.0", "226.0"),
    }
    for fld, (old, new) in profile_inserts.items():
        label = next(lab for f, lab, _ in PROFILE if f == fld)
        key = {"gdp": "gdp_usd_million", "area": "area_km2"}.get(fld, fld)  # the record's key
        out.append(Corruption(f"profile:{fld}", "profile", "inserted", old, new, (label, key)))
    return out


def apply_corruption(fmt: str, c: Corruption) -> Rendered:
    base, _, sfx = c.slot.partition("@")
    sfx = "@" + sfx if sfx else ""
    if c.slot.startswith("card:"):
        target = c.slot.removeprefix("card:")

        def card(slot: str, score: str, change: str | None) -> str | None:
            if slot != target:
                return None
            if c.what == "score":
                score = c.new
            else:
                change = c.new
            if fmt == "text":
                return f"{score} n/a" if change is None else f"{score}{change}"
            return _card_html(slot, score, change, Mods())

        return render(fmt, Mods(card=card))
    if c.slot.startswith("rank:"):

        def rank(slot: str, r: Rank) -> str | None:
            if slot != c.slot:
                return None
            if c.what == "of":
                r2 = Rank(r.metric, r.scope, r.rank, int(c.new), r.area, r.change, r.sep)
                ordinal_, middle, change = r2.ordinal, r2.middle, r2.change
            elif c.what == "ordinal":
                ordinal_, middle, change = c.new, r.middle, r.change
            else:
                ordinal_, middle, change = r.ordinal, r.middle, c.new
            printed = f"{ordinal_} {middle}{r.sep}{change}"
            if fmt == "text":
                return printed
            return f'<li class="rank">{ordinal_} {middle}{r.sep}<span class="rank-change">{change}</span></li>'

        return render(fmt, Mods(rank=rank))
    fld = base.removeprefix("profile:")
    return render(fmt, Mods(profile=lambda f, v: v.replace(c.old, c.new) if f == fld else None))


CORRUPTION_KINDS = {
    mode: Kind(f"digit-{mode}", CORRUPTS, (), BOTH, lambda fmt, pos: Rendered("", {}), f"a digit {mode} in a value")
    for mode in ("changed", "inserted")
}


# ---------------------------------------------------------------------------------------------------------------
# Enumeration
# ---------------------------------------------------------------------------------------------------------------


def variants() -> Iterator[Variant]:
    for k in KINDS.values():
        for position in k.positions:
            for fmt in k.formats:
                if (fmt, position) in k.skip:
                    continue
                yield Variant(k, position, fmt, k.build(fmt, position))
    for c in corruptions():
        k = CORRUPTION_KINDS[c.mode]
        for fmt in BOTH:
            rendered = apply_corruption(fmt, c)
            line = rendered.slots[c.slot]
            mutated_line = rendered.page.split("\n")[line - 1].strip()
            hints = (*c.hints, c.new) if len(c.new) >= 4 else c.hints
            if c.slot.startswith("rank:") and fmt == "text":
                hints = (*hints, mutated_line)
            digits = re.sub(r"\D", "", c.new)
            numbers = (digits,) if c.what in ("ordinal", "of") and len(digits) >= 2 else ()
            yield Variant(k, c.position, fmt, rendered, line, hints, numbers)


@cache
def all_variants() -> tuple[Variant, ...]:
    return tuple(variants())


def kinds_table() -> list[tuple[str, str, str]]:
    rows = [(k.name, k.classification, k.note) for k in KINDS.values()]
    rows += [(k.name, k.classification, k.note) for k in CORRUPTION_KINDS.values()]
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Comparing a record with the expected values
# ---------------------------------------------------------------------------------------------------------------


def errors(record: dict) -> list[dict]:
    return [i for i in record.get("issues") or [] if i.get("severity") == "error"]


def points_at(v: Variant, record: dict) -> bool:
    """Whether an error of the record points at the variant's mutated line: by its line, or by a message that
    names the value's label, quotes the line or the corrupted value, or quotes the corrupted number."""
    for e in errors(record):
        message = str(e.get("message") or "")
        if e.get("line") == v.line or any(h.lower() in message.lower() for h in v.hints):
            return True
        if any(re.search(rf"(?<![\d.]){n}(?![\d.])", message) for n in v.numbers):
            return True
    return False


def _num_eq(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return False


def record_diff(record: dict) -> list[str]:
    """Every way the record departs from the expected Belgium 2023 values ([] when it equals them)."""
    out: list[str] = []
    if record.get("edition") != EXPECTED_EDITION:
        out.append(f"edition {record.get('edition')!r} != {EXPECTED_EDITION}")
    ents = record.get("entities") or []
    if len(ents) != 1:
        return [*out, f"{len(ents)} entities: {[e.get('name') for e in ents]}"]
    e = ents[0]
    for key, want in EXPECTED_ENTITY.items():
        if e.get(key) != want:
            out.append(f"{key} {e.get(key)!r} != {want!r}")
    prof = e.get("profile") or {}
    for key, want in EXPECTED_PROFILE.items():
        got = prof.get(key)
        ok = _num_eq(got, want) if isinstance(want, int | float) else got == want
        if not ok:
            out.append(f"profile.{key} {got!r} != {want!r}")
    scores = e.get("scores") or {}
    for code in sorted(set(scores) - set(EXPECTED_SCORES)):
        out.append(f"score {code} not on the page: {scores[code]!r}")
    for code, (score, change) in EXPECTED_SCORES.items():
        got = scores.get(code)
        if got is None:
            out.append(f"score {code} missing")
            continue
        if not _num_eq(got.get("score"), score):
            out.append(f"score {code} {got.get('score')!r} != {score}")
        if not _num_eq(got.get("change"), change):
            out.append(f"change {code} {got.get('change')!r} != {change}")
    ranks = {(r.get("metric"), r.get("scope")): r for r in e.get("ranks") or []}
    if len(e.get("ranks") or []) != len(EXPECTED_RANKS):
        out.append(f"{len(e.get('ranks') or [])} rank lines, not {len(EXPECTED_RANKS)}")
    for want in EXPECTED_RANKS:
        got = ranks.get((want["metric"], want["scope"]))
        if got is None:
            out.append(f"rank {want['metric']}/{want['scope']} missing")
            continue
        for key, value in want.items():
            if got.get(key) != value:
                out.append(f"rank {want['metric']}/{want['scope']}.{key} {got.get(key)!r} != {value!r}")
    sections = e.get("sections") or []
    titles = [s.get("title") for s in sections]
    if titles != EXPECTED_SECTION_TITLES:
        out.append(f"section titles {titles!r}")
    else:
        for s, text in zip(sections, prose().section_texts(), strict=True):
            if s.get("text") != text:
                got = s.get("text") or ""
                i = next((k for k, (a, b) in enumerate(zip(got, text)) if a != b), min(len(got), len(text)))
                out.append(f"section text {s['title']!r} differs at {i}: {got[max(0, i - 30) : i + 60]!r}")
    return out
