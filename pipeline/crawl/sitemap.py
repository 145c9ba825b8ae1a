"""The sitemaps a site's robots.txt declares (sitemaps.org 0.9): a `<urlset>` of pages with their `<lastmod>`, or a
`<sitemapindex>` of more sitemaps (one level followed). Every way a sitemap can be wrong is told as a `FetchFailure`
and never stops the crawl: a sitemap on another host is not read, nor one that is not XML, nor one over
`--max-bytes` (a gzipped one is read up to that size unpacked); at most `MAX_SITEMAPS` sitemaps and `MAX_URLS`
URLs are read.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from pipeline.crawl.client import FetchFailure, PoliteClient

MAX_SITEMAPS = 20
MAX_URLS = 50_000  # what one sitemap may list (sitemaps.org)


@dataclass
class Sitemaps:
    """What the declared sitemaps list: url -> lastmod (None when not given), and what went wrong reading them."""

    declared: list[str] = field(default_factory=list)
    urls: dict[str, str | None] = field(default_factory=dict)
    problems: list[tuple[str, FetchFailure]] = field(default_factory=list)  # (sitemap url, why)
    read: int = 0  # sitemaps read whole

    @property
    def listed(self) -> bool:
        """Whether a sitemap was read: only then is a catalog page it lacks "missing on the site"."""
        return self.read > 0


def read_sitemaps(client: PoliteClient, declared: list[str]) -> Sitemaps:
    """Read the sitemaps robots.txt declares, and the sitemaps a sitemap index lists (one level)."""
    out = Sitemaps(declared=list(declared))
    todo = [(url, True) for url in dict.fromkeys(declared)]
    seen: set[str] = set()
    while todo:
        url, may_nest = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if len(seen) > MAX_SITEMAPS:
            out.problems.append((url, FetchFailure("sitemap_invalid", f"{url}: more than {MAX_SITEMAPS} sitemaps; "
                                                                       "the rest are not read")))  # fmt: skip
            break
        try:
            children = _read_one(client, url, may_nest, out)
        except FetchFailure as exc:
            out.problems.append((url, exc))
            continue
        out.read += 1
        todo += [(child, False) for child in children]
    return out


def _read_one(client: PoliteClient, url: str, may_nest: bool, out: Sitemaps) -> list[str]:
    """Read one sitemap into `out.urls`; the sitemaps it lists, if it is an index."""
    try:
        offsite = not client.same_host(url)
    except ValueError:  # `http://[bad`, a port out of range: a URL that cannot be read
        raise FetchFailure("sitemap_invalid", f"{url!r}: not a URL that can be read; not requested") from None
    if offsite:
        raise FetchFailure("sitemap_offsite", f"{url}: a sitemap on another host than the site's; not read")
    resp = client.get(url)
    if resp.status != 200:
        raise FetchFailure(f"http_{resp.status}", f"{url}: the sitemap robots.txt declares answered HTTP {resp.status}")
    root = _parse(url, _unpacked(url, resp.body, client.manners.max_bytes))
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        if not may_nest:
            raise FetchFailure("sitemap_invalid", f"{url}: a sitemap index listed by a sitemap index; not followed")
        return [loc for loc, _ in _entries(root, "sitemap")]
    if kind != "urlset":
        raise FetchFailure("sitemap_invalid", f"{url}: not a sitemap (its root element is <{kind}>, expected <urlset> "
                                              "or <sitemapindex>)")  # fmt: skip
    for n, (loc, lastmod) in enumerate(_entries(root, "url")):
        if n >= MAX_URLS:
            why = FetchFailure("sitemap_invalid", f"{url}: over {MAX_URLS:,} URLs; the rest are not read")
            out.problems.append((url, why))
            break
        try:
            parts = urlsplit(loc)
            _ = parts.port  # raises for a port out of range
        except ValueError:  # a <loc> that cannot be read is left out; the rest of the sitemap is read
            continue
        if parts.scheme in ("http", "https"):
            out.urls[loc] = lastmod
    return []


def _unpacked(url: str, body: bytes, cap: int) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
            data = f.read(cap + 1)
    except (OSError, EOFError, zlib.error):
        raise FetchFailure("sitemap_invalid", f"{url}: a gzipped sitemap that cannot be unpacked") from None
    if len(data) > cap:
        raise FetchFailure("too_large", f"{url}: the gzipped sitemap unpacks to over --max-bytes {cap:,} bytes")
    return data


def _parse(url: str, data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchFailure("sitemap_invalid", f"{url}: the sitemap is not well-formed XML ({exc})") from None
    if root is None:
        raise FetchFailure("sitemap_invalid", f"{url}: the sitemap is empty")
    return root


def _entries(root, tag: str) -> list[tuple[str, str | None]]:
    """(loc, lastmod) of each <url> or <sitemap> element, whatever the namespace."""
    out = []
    for el in root:
        if not isinstance(el.tag, str) or etree.QName(el).localname != tag:
            continue
        fields = {etree.QName(c).localname: (c.text or "").strip() for c in el if isinstance(c.tag, str)}
        if fields.get("loc"):
            out.append((fields["loc"], fields.get("lastmod") or None))
    return out
