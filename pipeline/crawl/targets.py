"""What a crawl expects to find: one `Target` per document (site × family × edition × entity), from the catalog,
and the difference with what the sites' sitemaps list.

The families (`--documents`):
- `dated`: `/{edition}/country/{slug}` on the global site, for each global edition asked (2021, 2023, 2025);
- `undated`: `/country/{slug}` on the global site (the current edition, whichever it is);
- `enact`: the ENACT Africa site (`--africa-base-url`): `/{edition}/country/{slug}` of the 54 African countries for
  2019, 2021 and 2023 (2019 slugs are full names), and `/{edition}/region/{region}` of its five regions;
- `workbook`: the official open data, `/assets/downloads/global_oc_index.xlsx` on the global site.

A sitemap that lists a catalog country's page under another slug gives the URL crawled (the site's own); what it
lists that the catalog does not expect is reported, not crawled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from pipeline import catalog
from pipeline.errors import UsageError

ENACT_EDITIONS = (2019, 2021, 2023)
ENACT_REGIONS = ("Central Africa", "East Africa", "North Africa", "Southern Africa", "West Africa")
WORKBOOK_PATH = "/assets/downloads/global_oc_index.xlsx"
WORKBOOK_ENTITY = "official workbook"
_PAGE = re.compile(r"^/(?:(?P<year>\d{4})/)?(?P<kind>country|region)/(?P<slug>[^/]+)/?$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A document the crawl expects: where it is, and whose it is."""

    site: str  # "global" or "enact"
    document: str  # "country", "region", "undated" or "workbook"
    edition: int | None  # None: the undated page, the workbook
    entity: str
    iso3: str | None
    url: str
    derived: bool = True  # the URL is the catalog's slug; False once a sitemap gave it

    @property
    def key(self) -> tuple:
        """What stays the same when a sitemap gives the document another URL."""
        return (self.site, self.document, self.edition or 0, self.entity)

    def label(self) -> str:
        """How a message names the document: `Côte d'Ivoire (CIV) 2023`, `ENACT Central Africa 2019`."""
        who = f"{self.entity} ({self.iso3})" if self.iso3 else self.entity
        when = f" {self.edition}" if self.edition else " (undated page)" if self.document == "undated" else ""
        return ("ENACT " if self.site == "enact" else "") + who + when


def chosen_countries(countries: tuple[str, ...]) -> list[catalog.Country]:
    """The countries asked (ISO3 codes or slugs of any edition); all 193 when none is."""
    if not countries:
        return list(catalog.countries())
    chosen, unknown = [], []
    for text in countries:
        c = catalog.country_by_iso3(text) if len(text) == 3 and text.isalpha() else None
        c = c or catalog.country(text)
        (chosen.append(c) if c else unknown.append(text))
    if unknown:
        raise UsageError(
            f"--countries: {', '.join(unknown)} not among the 193 countries (use ISO3 codes like "
            f"BEL or slugs like south_africa)"
        )
    return chosen


def global_targets(base_url: str, editions, countries: tuple[str, ...], documents) -> list[Target]:
    """The global site's documents asked: dated pages, undated pages, the workbook."""
    base = base_url.rstrip("/")
    chosen = chosen_countries(countries)
    out = []
    if "dated" in documents:
        for edition in (e for e in editions if e in catalog.GLOBAL_EDITIONS):
            out += [
                Target("global", "country", edition, c.name, c.iso3, f"{base}/{edition}/country/{c.slug(edition)}")
                for c in chosen
            ]
    if "undated" in documents:
        latest = max(catalog.GLOBAL_EDITIONS)
        out += [Target("global", "undated", None, c.name, c.iso3, f"{base}/country/{c.slug(latest)}") for c in chosen]
    if "workbook" in documents:
        out.append(Target("global", "workbook", None, WORKBOOK_ENTITY, None, base + WORKBOOK_PATH, derived=False))
    return out


def enact_targets(africa_url: str, editions, countries: tuple[str, ...], documents) -> list[Target]:
    """The ENACT Africa site's documents asked: none when it is turned off or no African country is asked."""
    if "enact" not in documents:
        return []
    base = africa_url.rstrip("/")
    african = [c for c in chosen_countries(countries) if c.continent == "Africa"]
    out = []
    for edition in (e for e in editions if e in ENACT_EDITIONS):
        out += [
            Target("enact", "country", edition, c.name, c.iso3, f"{base}/{edition}/country/{c.slug(edition)}")
            for c in african
        ]
        if not countries:
            out += [Target("enact", "region", edition, r, None, f"{base}/{edition}/region/{_slug(r)}")
                    for r in ENACT_REGIONS]  # fmt: skip
    return out


def _slug(name: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


@dataclass
class Listed:
    """A sitemap's URLs against the targets: the targets with the site's own URLs, what the sitemap lists that no
    target is (on the site, not in the catalog), and the targets it does not list (in the catalog, not on the
    site). `lastmod`: the sitemap's date of each target's URL."""

    targets: list[Target]
    site_only: list[str]
    catalog_only: list[Target]
    lastmod: dict[str, str]


def against_sitemap(targets: list[Target], listed: dict[str, str | None], had_sitemap: bool) -> Listed:
    """Match the sitemap's URLs (`listed`: url -> lastmod) to the targets, by family, edition and entity: a
    sitemap URL for a catalog country replaces the derived URL. Without a sitemap, nothing is compared."""
    if not had_sitemap:
        return Listed(list(targets), [], [], {})
    by_key = {t.key: t for t in targets}
    origins = {t.key: _origin(t.url) for t in targets}
    site_only, matched, lastmod = [], {}, {}
    for url, when in listed.items():
        key = _key_of(url, by_key, origins)
        if key is None:
            site_only.append(url)
            continue
        matched[key] = url
        if when:
            lastmod[url] = when
    out = [replace(t, url=matched[t.key], derived=False) if t.key in matched else t for t in targets]
    catalog_only = [t for t in out if t.key not in matched and t.document != "workbook"]
    return Listed(out, sorted(site_only), catalog_only, lastmod)


def _origin(url: str) -> tuple | None:
    """Scheme, host and port, as the client compares them (`PoliteClient.same_host`); None for a URL that cannot
    be read (`http://[bad/x`, a port out of range)."""
    try:
        u = urlsplit(url)
        return (u.scheme, u.hostname, u.port)
    except ValueError:
        return None


def _key_of(url: str, by_key: dict[tuple, Target], origins: dict[tuple, tuple | None]) -> tuple | None:
    """The target key a sitemap URL stands for, if it is one of the targets' (same scheme, host and port, a
    known country or region page); None otherwise (a URL that cannot be read among them)."""
    origin = _origin(url)
    if origin is None:
        return None
    parts = urlsplit(url)
    sample = next(iter(by_key.values()), None)
    if sample is None:
        return None
    if parts.path.rstrip("/") == WORKBOOK_PATH:
        key = ("global", "workbook", 0, WORKBOOK_ENTITY)
        return key if key in by_key else None
    m = _PAGE.match(parts.path)
    if not m:
        return None
    year = int(m["year"]) if m["year"] else None
    if m["kind"].lower() == "region":
        region = catalog.region_for_name(m["slug"])
        candidates = [("enact", "region", year or 0, region)] if region else []
    else:
        c = catalog.country(m["slug"].replace("-", "_"))
        if c is None:
            return None
        document = "country" if year else "undated"
        candidates = [(site, document, year or 0, c.name) for site in ("global", "enact")]
    for key in candidates:
        if key in by_key and origins[key] == origin:
            return key
    return None
