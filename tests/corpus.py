"""The test corpus: profile pages rendered from the official workbook the way the site prints them.

Scores come from the workbook; changes and ranks are computed the way the site computes them
(DOMAIN.md): changes against the previous edition, competition ranks at world, continent and region
scope, the rank-change sign convention of each edition. Profile facts and analysis text are not in
the workbook: they are made up deterministically (the parser must carry them through, not judge them).

Used by the tests and the benchmark (`benchmarks/run.py`).
"""

from __future__ import annotations

import functools
import hashlib
import html as _html
import re as _re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import labels
import markups

from pipeline import catalog

FOOTER = [
    "For a better experience, please rotate your device.",
    "The criminal markets score is represented by the pyramid base size and the criminal actors score is "
    "represented by the pyramid height, on a scale ranging from 1 to 10. The resilience score is represented by "
    "the panel height, which can be identified by the side of the panel.",
    "How to measure organized crime?",
    "A series of 13 discussion papers, one for each illicit market considered during the development of the Index.",
    "Read more on globalinitiative.net",
    "Give us feedback",
    "This report was funded in part by a grant from the United States Department of State.",
]
SECTION_TITLES = [
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
TITLE_CASE_2019 = labels.TITLE_CASE_2019


def competition_ranks(values: dict) -> dict:
    """Competition ranking, descending on the 2-decimal score: ties share a rank, the next is skipped."""
    ordered = sorted(values.values(), reverse=True)
    first = {}
    for n, v in enumerate(ordered, start=1):
        first.setdefault(v, n)
    return {k: first[v] for k, v in values.items()}


def site_region(rows: dict, iso3: str) -> str:
    """The region the site's pages print for a country in every edition (DOMAIN.md's 22): the 2025 sheet's
    label (the 2023 sheet merges the Caribbean and Central America, and 2021 and 2023 put Kiribati in Melanesia)."""
    return rows[(2025, iso3)].region


def workbook_ranks(rows: dict, edition: int) -> dict:
    """(metric, scope, iso3) -> (rank, of) for every country of an edition, at world, continent and region scope
    (regions as the site prints them)."""
    out = {}
    members = [r for (e, _), r in rows.items() if e == edition]
    for metric in ("criminality", "resilience"):
        for scope in ("world", "continent", "region"):
            groups: dict[str, dict] = {}
            for r in members:
                area = {"world": "World", "continent": r.continent, "region": site_region(rows, r.iso3)}[scope]
                groups.setdefault(area, {})[r.iso3] = round(r.scores[metric], 2)
            for values in groups.values():
                for iso3, rank in competition_ranks(values).items():
                    out[(metric, scope, iso3)] = (rank, len(values))
    return out


def unrounded(row, code: str, edition: int) -> Decimal:
    """A score before rounding: indicators are exact; pillars are means of them; criminality their mean."""
    sets = labels.edition_codes(edition)
    if code in sets:
        return sum(Decimal(str(row.scores[c])) for c in sets[code]) / len(sets[code])
    if code == "criminality":
        return (unrounded(row, "criminal_markets", edition) + unrounded(row, "criminal_actors", edition)) / 2
    return Decimal(str(row.scores[code]))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def d2(x: float) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@functools.cache
def seed_sections() -> list[list[str]]:
    """The paragraphs of each analysis section of the seed page (the one real page the project carries)."""
    from pipeline.extract.document import read_document

    seed = Path(__file__).resolve().parent.parent / "raw" / "000_fdcefce654b14ab5.txt"
    return [s.text.split("\n") for s in read_document(seed.read_bytes()).entities[0].sections]


def _seed(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class Variant:
    """How an edition's pages print things."""

    edition: int
    enact: bool = False  # the ENACT Africa site

    @property
    def changes(self) -> bool:
        return self.edition in (2023, 2025)


class Corpus:
    """Rendering from workbook rows {(edition, iso3): WorkbookRow}."""

    def __init__(self, rows: dict, analysis: str = "short"):
        """analysis: "short" (one to three generated sentences a section) or "seed" (the seed page's own
        analysis on every page, about 19 KB in 11 sections: the size of a real page's)."""
        self.rows = rows
        self.long = analysis == "seed"
        self._ranks = {e: workbook_ranks(rows, e) for e in {e for e, _ in rows}}

    # --- what a page shows -------------------------------------------------------------------
    def expected(self, edition: int, iso3: str) -> dict:
        """The scores {code: (score, change)} and ranks the site shows for a country."""
        row = self.rows[(edition, iso3)]
        prev = self.rows.get((edition - 2, iso3)) if edition in (2023, 2025) else None
        sets = labels.edition_codes(edition)
        codes = ["criminality", "criminal_markets", *sets["criminal_markets"], "criminal_actors", *sets["criminal_actors"],
                 "resilience", *sets["resilience"]]  # fmt: skip
        scores = {}
        for code in codes:
            value = d2(row.scores[code])
            change = None
            if prev is not None and code in prev.scores:  # the site subtracts unrounded scores
                change = d2(unrounded(row, code, edition) - unrounded(prev, code, edition - 2))
            scores[code] = (value, change)
        ranks = []
        for metric in ("criminality", "resilience"):
            for scope in ("world", "continent", "region"):
                rank, of = self._ranks[edition][(metric, scope, iso3)]
                area = {"world": "World", "continent": row.continent, "region": site_region(self.rows, iso3)}[scope]
                change = previous = None
                if prev is not None:
                    previous = self._ranks[edition - 2][(metric, scope, iso3)][0]
                    change = previous - rank if edition == 2023 else rank - previous
                ranks.append((metric, scope, area, rank, of, change, previous))
        return {"scores": scores, "ranks": ranks, "name": row.name, "continent": row.continent,
                "region": site_region(self.rows, iso3),
                "enact_ranks": self._enact_ranks(edition, iso3), "au_region": au_region(row)}  # fmt: skip

    def _enact_ranks(self, edition: int, iso3: str) -> list[tuple]:
        """What an ENACT page prints: ranks among the 54 African countries and among the country's African
        Union region, with no rank change (DOMAIN.md)."""
        row = self.rows[(edition, iso3)]
        if row.continent != "Africa":
            return []
        africa = [r for (e, _), r in self.rows.items() if e == edition and r.continent == "Africa"]
        out = []
        for metric in ("criminality", "resilience"):
            for scope, members in (
                ("continent", africa),
                ("region", [r for r in africa if au_region(r) == au_region(row)]),
            ):
                rank = competition_ranks({r.iso3: round(r.scores[metric], 2) for r in members})[iso3]
                out.append(
                    (
                        metric,
                        scope,
                        "Africa" if scope == "continent" else au_region(row),
                        rank,
                        len(members),
                        None,
                        None,
                    )
                )
        return out

    def profile(self, edition: int, iso3: str) -> dict:
        s = _seed(iso3)
        country = catalog.country_by_iso3(iso3)
        return {
            "capital": f"{country.name.split(',')[0]} City",
            "gdp_usd_million": float(1000 + s % 900000),
            "income_group": ["Low income", "Lower middle income", "Upper middle income", "High income"][s % 4],
            "population": 10000 + s % 90000000,
            "area_km2": float(100 + s % 2000000),
            "geography_type": ["Coastal", "Landlocked"][s % 2],
            "gini": round(25 + (s % 400) / 10, 1),
            "gdp_per_capita_usd": float(100 + s % 50000),
        }

    def sections(self, iso3: str, edition: int, count: int = 11) -> list[tuple[str, list[str]]]:
        name = catalog.country_by_iso3(iso3).name
        if self.long:  # the seed's sections, turned by a page's own shift, naming the page's country
            seed, shift = seed_sections(), _seed(iso3, edition) % 11
            return [(title, [p.replace("Belgium", name) for p in seed[(n + shift) % len(seed)]])
                    for n, title in enumerate(SECTION_TITLES[:count])]  # fmt: skip
        out = []
        for n, title in enumerate(SECTION_TITLES[:count]):
            paras = [
                f"{name} paragraph {p + 1} of {title.lower()} in {edition}: organized crime shapes this area "
                f"in ways that the {edition} assessment describes at length, with sources, cases and trends."
                for p in range(1 + (_seed(iso3, edition, n) % 3))
            ]
            out.append((title, paras))
        return out

    # --- page lines ---------------------------------------------------------------------------
    def country_block(self, v: Variant, iso3: str, header_name: str | None = None) -> list[str]:
        e = self.expected(v.edition, iso3)
        name = header_name or e["name"]
        p = self.profile(v.edition, iso3)
        lines = [name] if v.enact else ["Profile", name]  # ENACT pages print no `Profile` heading
        lines += self._enact_profile_lines(v, p) if v.enact else self._profile_lines(v, p)
        lines += self._composite(v, e, "criminality")
        for pillar in ("criminal_markets", "criminal_actors"):
            lines.append(self._label(v, pillar))
            lines.append(self._token(v, *e["scores"][pillar], code=pillar))
            if not v.enact:
                lines.append(labels.description(pillar))
            for code in labels.edition_codes(v.edition)[pillar]:
                lines += self._indicator(v, e, code)
        resilience = self._composite(v, e, "resilience")
        for code in labels.edition_codes(v.edition)["resilience"]:
            resilience += self._indicator(v, e, code)
        lines += resilience
        r, a, m = (e["scores"][c][0] for c in ("resilience", "criminal_actors", "criminal_markets"))
        lines.append(f"{r} {a} {m} {r} {a} {m}")
        lines += resilience
        return lines

    def _profile_lines(self, v: Variant, p: dict) -> list[str]:
        gdp = f"USD {p['gdp_usd_million']:,.2f} million"
        area = f"{p['area_km2']:,.0f} km²"
        pop = f"{p['population']:,}"
        if v.edition == 2025:
            return [
                "Capital",
                p["capital"],
                "Population",
                pop,
                "Gross domestic product (GDP - CURRENT $US MILLION)",
                f"USD {p['gdp_usd_million']:,.0f} million",
                "Area (KM²)",
                area,
            ]
        lines = ["Capital", p["capital"]]
        if v.edition != 2021:
            lines += ["Gross domestic product (GDP)", gdp]
        lines += [
            "Income group",
            p["income_group"],
            "Population",
            pop,
            "Area",
            area,
            "Geography type",
            p["geography_type"],
        ]
        if v.edition != 2021:
            lines += ["GINI Index", f"{p['gini']:.1f}"]
        return lines

    def _enact_profile_lines(self, v: Variant, p: dict) -> list[str]:
        """The ENACT country pages' own order, with GDP per capita (africa2021_*, africa2023_*)."""
        lines = ["Capital", p["capital"], "Population", f"{p['population']:,}", "Area", f"{p['area_km2']:,.0f} km²",
                 "Geography type", p["geography_type"], "Gross domestic product (GDP)",
                 f"USD {p['gdp_usd_million']:,.2f} million", "GDP per capita", f"${p['gdp_per_capita_usd']:,.2f}",
                 "Income group", p["income_group"]]  # fmt: skip
        return lines + (["GINI Index", f"{p['gini']:.1f}"] if v.edition == 2023 else [])

    def _composite(self, v: Variant, e: dict, metric: str) -> list[str]:
        crim, res = labels.HEADINGS["enact" if v.enact else "global"]
        heading = crim if metric == "criminality" else res
        if v.edition == 2019 and metric == "resilience":
            heading = labels.STATE_RESILIENCE_2019
        lines = [self._token(v, *e["scores"][metric], code=metric), heading]
        if v.enact:
            for m, scope, area, rank, of, _, _ in e["enact_ranks"]:
                if m == metric:
                    place = "African" if scope == "continent" else area
                    lines.append(f"{ordinal(rank)} of {of} {place} countries")
            return lines
        for m, scope, area, rank, of, change, _ in e["ranks"]:
            if m == metric:
                lines.append(self._rank_line(v, scope, area, rank, of, change))
        return lines

    def _rank_line(self, v: Variant, scope: str, area: str, rank: int, of: int, change: int | None) -> str:
        text = f"{ordinal(rank)} of {of} countries" + ("" if scope == "world" else f" in {area}")
        if change is None or not v.changes:
            return text
        space = " " if (v.edition == 2025 or scope == "world") else ""
        return f"{text}{space}{change}"

    def _label(self, v: Variant, code: str) -> str:
        label = labels.LABEL[code]
        if v.edition == 2019:
            return TITLE_CASE_2019.get(code) or " ".join(
                w if w in ("and", "in") else w[:1].upper() + w[1:] for w in label.replace("-", "- ").split()
            ).replace("- ", "-")
        if v.enact:
            return labels.ENACT_LABELS.get(code, label)
        return label

    def _token(self, v: Variant, score: Decimal, change: Decimal | None, code: str) -> str:
        if not v.changes:
            return f"{score:.2f}"
        if change is None:
            return f"{score:.2f} n/a"
        return f"{score:.2f}{change:.2f}"

    def _indicator(self, v: Variant, e: dict, code: str) -> list[str]:
        lines = [self._label(v, code), self._token(v, *e["scores"][code], code=code)]
        if not v.enact:
            lines.append(labels.description(code))
        return lines

    def header(self, v: Variant, names: list[str]) -> list[str]:
        if v.enact:  # `Year` (no colon), the name, `x`; ENACT 2019 pages open with the name
            return ([] if v.edition == 2019 else ["Year"]) + [names[0], "x", *names[1:]]
        lines = ["The Organized Crime Index | ENACT"]
        if v.edition != 2025:
            lines.append("Year:")
        lines.append("Read the report")
        lines.append(names[0])
        lines.append("x")
        lines += names[1:]
        return lines

    def analysis(self, iso3: str, edition: int, count: int = 11) -> list[str]:
        lines = ["Analysis", " ".join(f"{n:02d}" for n in range(1, count + 1))]
        for title, paras in self.sections(iso3, edition, count):
            lines.append(title)
            lines += paras
        return lines

    def country_page(self, v: Variant, iso3: str) -> list[str]:
        name = self.rows[(v.edition, iso3)].name
        return self.header(v, [name]) + self.country_block(v, iso3) + self.analysis(iso3, v.edition) + FOOTER

    def comparison_page(self, v: Variant, a: str, b: str) -> list[str]:
        na, nb = self.rows[(v.edition, a)].name, self.rows[(v.edition, b)].name
        return self.header(v, [na, nb]) + self.country_block(v, a) + self.country_block(v, b) + FOOTER

    # --- regions (ENACT Africa pages) ---------------------------------------------------------
    def region_expected(self, edition: int, region: str) -> dict:
        """An African Union region as an ENACT region block shows it: means of its member countries."""
        members = [r for (e, _), r in self.rows.items() if e == edition and au_region(r) == region]
        codes = members[0].scores.keys()
        scores = {c: d2(sum(Decimal(str(m.scores[c])) for m in members) / len(members)) for c in codes}
        regions = sorted({au_region(r) for (e, _), r in self.rows.items() if e == edition and r.continent == "Africa"})
        crim = {g: self._region_mean(edition, g, "criminality") for g in regions}
        res = {g: self._region_mean(edition, g, "resilience") for g in regions}
        return {
            "scores": scores,
            "members": [catalog.country_by_iso3(m.iso3).name for m in members],
            "ranks": [
                ("criminality", competition_ranks(crim)[region], len(regions)),
                ("resilience", competition_ranks(res)[region], len(regions)),
            ],
        }

    def _region_mean(self, edition: int, region: str, code: str) -> Decimal:
        members = [r for (e, _), r in self.rows.items() if e == edition and au_region(r) == region]
        return d2(sum(Decimal(str(m.scores[code])) for m in members) / len(members))

    def region_block(self, edition: int, region: str) -> list[str]:
        e = self.region_expected(edition, region)
        lines = [region, "Population", "123,456,789", "Area", "1,234,567 km²", "GDP total", "USD 123,456.00 million",
                 "Countries", ", ".join(e["members"])]  # no `Profile` heading (africa2019_region-*)  # fmt: skip
        s = e["scores"]
        for metric, rank, of in e["ranks"]:
            if metric == "criminality":
                lines += [f"{s['criminality']:.2f}", "Criminality Score", f"{ordinal(rank)} of {of} African regions"]
                for pillar in ("criminal_markets", "criminal_actors"):
                    lines += [labels.LABEL[pillar], f"{s[pillar]:.2f}"]
                    for code in labels.edition_codes(edition)[pillar]:
                        lines += [labels.LABEL[code], f"{s[code]:.2f}"]
            else:
                lines += [f"{s['resilience']:.2f}", "Resilience Score", f"{ordinal(rank)} of {of} African regions"]
                for code in labels.edition_codes(edition)["resilience"]:
                    lines += [labels.LABEL[code], f"{s[code]:.2f}"]
        return lines

    def region_country_page(self, edition: int, region: str, iso3: str) -> list[str]:
        v = Variant(edition, enact=True)
        name = self.rows[(edition, iso3)].name
        return (
            self.header(v, [region, name])
            + self.region_block(edition, region)
            + self.country_block(v, iso3)
            + self.analysis(iso3, edition)
            + FOOTER
        )


def au_region(row) -> str:
    """The African Union region ENACT puts a country in (DOMAIN.md); the global index's region elsewhere."""
    return labels.AU_REGION_OF.get(row.iso3, row.region)


KNOWN_LABELS = {*labels.LABEL.values(), *labels.TITLE_CASE_2019.values(), *labels.ENACT_LABELS.values()}


# --- text styles ------------------------------------------------------------------------------


def indented(lines: list[str], header_lines: int = 0) -> str:
    """The seed's style: header lines as they are, then every line indented by 4 with blank lines between."""
    head = lines[:header_lines]
    body = lines[header_lines:]
    return "\n".join(head) + "\n\n" + "\n\n".join("    " + line for line in body) + "\n"


def flat(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def flat_from_markets(lines: list[str], glued: bool = True) -> str:
    """A flat copy that starts at `Criminal markets`, with footer text glued to it (or not)."""
    start = next(i for i, line in enumerate(lines) if line in ("Criminal markets", "Criminal market"))
    head = [
        "How to measure organized crime?",
        "A series of 13 discussion papers, one for each illicit market considered during the development of the Index.",
    ]
    if glued:
        return "\n".join(head + ["Read more on globalinitiative.net" + lines[start]] + lines[start + 1 :]) + "\n"
    return "\n".join(lines[start:]) + "\n"


def header_length(lines: list[str]) -> int:
    """The header's lines: up to `Profile` (global pages), or to the `x` after the name (ENACT pages)."""
    return lines.index("Profile") if "Profile" in lines else lines.index("x") + 1


def write_corpus(folder: Path, rows: dict, editions=(2021, 2023, 2025), iso3s=None, style="indented") -> list[Path]:
    """Render one page per country and edition into folder/<edition>/<slug>.txt with a .meta.json URL."""
    import json

    corpus = Corpus(rows)
    out = []
    for edition in editions:
        for e, iso3 in sorted(rows):
            if e != edition or (iso3s is not None and iso3 not in iso3s):
                continue
            lines = corpus.country_page(Variant(edition), iso3)
            text = indented(lines, header_length(lines)) if style == "indented" else flat(lines)
            slug = catalog.country_by_iso3(iso3).slug(edition)
            path = folder / str(edition) / f"{slug}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            meta = {"url": f"https://ocindex.net/{edition}/country/{slug}", "fetched_at": "2026-11-01T00:00:00+00:00"}
            (path.parent / (path.name + ".meta.json")).write_text(json.dumps(meta), encoding="utf-8")
            out.append(path)
    return out


# --- HTML markups -----------------------------------------------------------------------------

_TOKEN = _re.compile(r"^(10\.\d\d|\d\.\d\d)(?:(-?\d\.\d\d)| (n/a))?$")
_RANK = _re.compile(r"^(\d+(?:st|nd|rd|th) of \d+ .*?) ?(-?\d+)$")
MARKUPS = ("divs", "semantic", "table", "inline", *markups.MARKUPS)


def _esc(text: str) -> str:
    return _html.escape(text, quote=False).replace("’", "&rsquo;")


def _token_html(line: str, a: str = "span", b: str = "span") -> str | None:
    m = _TOKEN.match(line)
    if not m:
        return None
    score, change, na = m.groups()
    second = change or na
    return f"<{a}>{score}</{a}>" + (f"<{b}>{second}</{b}>" if second else "")


def to_html(lines: list[str], markup: str = "divs") -> str:
    """A page's lines as HTML in one of several markups, with the furniture real pages carry (menus,
    scripts, hidden elements, comments) that must not reach the record."""
    body: list[str] = []
    if markup == "divs":
        for line in lines:
            rank = _RANK.match(line)  # the site prints a rank change in an element of its own
            inner = (
                f"<span>{_esc(rank.group(1))}</span><span>{rank.group(2)}</span>"
                if rank
                else _token_html(line) or _esc(line)
            )
            body.append(f'<div class="c-{len(body) % 7}">{inner}</div>')
    elif markup == "semantic":
        menu = "".join(f"<li><a href='#'>{_esc(label)}</a></li>" for label in labels.LABEL.values())
        body.append(f"<nav aria-label='indicators'><ul><li>Profile</li><li>Analysis</li>{menu}</ul></nav>")
        body.append('<script>window.__DATA__ = {"criminality": "9.990.99", "label": "Criminal markets"};</script>')
        body.append("<!-- Criminal markets\n1.000.00 -->")
        body.append("<template><p>Human trafficking</p><p>9.509.50</p></template>")
        for n, line in enumerate(lines):
            tok = _token_html(line, "strong", "em")
            if tok:
                body.append(f"<p class='score'>{tok}</p>")
            elif line in ("Profile", "Analysis"):
                body.append(f"<h2>{_esc(line)}</h2>")
            else:
                body.append(f"<p>{_esc(line)}</p>")
            if n == len(lines) // 2:
                body.append("<div style='display: none'><p>Cocaine trade</p><p>1.001.00</p></div>")
                body.append("<div class='copy-for-print'><p>Heroin trade</p><p>1.50-1.00</p></div>")
                body.append("<div hidden><p>Fauna crimes</p><p>2.000.00</p></div>")
    elif markup == "table":
        body.append("<table>")
        i = 0
        while i < len(lines):
            line = lines[i]
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            tok = _token_html(nxt, "b", "i")
            if tok and not _TOKEN.match(line):
                body.append(f"<tr><td>{_esc(line)}</td><td>{tok}</td></tr>")
                i += 2
                continue
            body.append(f"<tr><td colspan='2'>{_token_html(line, 'b', 'i') or _esc(line)}</td></tr>")
            i += 1
        body.append("</table>")
    elif markup == "inline":  # label and score side by side in one block, as inline elements
        i = 0
        while i < len(lines):
            line, nxt = lines[i], (lines[i + 1] if i + 1 < len(lines) else "")
            tok_next, tok_here = _token_html(nxt, "em", "small"), _token_html(line, "em", "small")
            if tok_next and line in KNOWN_LABELS:
                body.append(f"<li><span class='label'>{_esc(line)}</span> {tok_next}</li>")
                i += 2
            elif tok_here and nxt in ("Criminality score", "Resilience score", "Criminality Score", "Resilience Score"):
                body.append(f"<li>{tok_here}<label>{_esc(nxt)}</label></li>")
                i += 2
            else:
                body.append(f"<section><p>{_esc(line)}</p></section>")
                i += 1
    else:
        body = markups.render(lines, markup)
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<title>Organized Crime Index</title>\n"
        "<style>.c-1 { color: red; } p:before { content: 'Criminal markets'; } .copy-for-print { display: none }</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
