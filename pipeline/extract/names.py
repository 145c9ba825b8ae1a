"""Who a page is about: the header's names, and which lines can name an entity.

The header (`The Organized Crime Index | ENACT`, `Year:`, `Read the report`, the names with `x` between them)
holds names and furniture only: its reader reads no value and does not open the data.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline import catalog
from pipeline.extract.cursor import Cursor, known_label
from pipeline.extract.drafts import Page

HEADER_SCAN = 40  # the header is found among the first lines (a banner or a skip link may come first)


def header(page: Page) -> None:
    """`The Organized Crime Index | ENACT`, `Year:` (ENACT: `Year`), `Read the report`, the names with `x`
    between them; up to the first block. It reads names and furniture only: no value, and it does not open
    the data."""
    at = page.at
    start = next((j for j in range(min(HEADER_SCAN, len(at.lines))) if _header_start(at, j)), None)
    if start is None:
        return
    for j in range(start):
        page.unread(at.lines[j])
    at.i = start
    page.header_seen = True
    seen: list[str] = []
    while not at.at_end():
        t, here = at.text(), at.kind()
        if (here.heading == "profile" or here.profile or here.token or here.tokenish or here.composite or here.footer
                or (here.indicator and at.find(1, lambda k: k.token) is not None)):  # fmt: skip
            break
        if any(c.isdigit() for c in t) and not t.startswith("Year"):
            break  # a value: the header holds names and furniture only
        if t == "Year" or t.startswith("Year:"):
            page.year_label = True
        elif not t.startswith("The Organized Crime Index") and t not in catalog.HEADER_LINES[:-1]:
            seen.append(t)
        at.advance()
    page.header_names.extend(_header_names(seen))


def _header_start(at: Cursor, j: int) -> bool:
    t = at.texts[j]
    return t.startswith(("The Organized Crime Index", "Year")) or (j + 1 < len(at.texts) and at.texts[j + 1] == "x")


def _header_names(seen: list[str]) -> list[str]:
    """The entity names of a header: the name before `x`, and the one after it on a comparison page; a
    name the catalog knows wins over other lines (a flag's caption)."""
    if "x" not in seen:
        names = [t for t in seen if plausible_name(t)]
        known = [t for t in names if known_name(t)]
        return known[-1:] or names[-1:]
    cut = seen.index("x")
    before = [t for t in seen[:cut] if plausible_name(t)]
    after = [t for t in seen[cut + 1 :] if plausible_name(t) and t != "x"]
    pick = [t for t in before if known_name(t)][-1:] or before[-1:]
    after = [t for t in after if t not in pick]  # ENACT pages print the name again after `x`
    return pick + ([t for t in after if known_name(t)][:1] or after[:1])


@lru_cache(maxsize=4096)  # names and the lines around blocks repeat across pages
def known_name(text: str) -> bool:
    """A country or region name the catalog knows."""
    return len(text) <= 60 and (catalog.country(text) is not None or catalog.region_for_name(text) is not None)


def plausible_name(text: str) -> bool:
    """A line that can name an entity: short, no digits, not page furniture, a label or a heading."""
    return (len(text) <= 60 and not any(c.isdigit() for c in text) and text not in catalog.HEADER_LINES
            and not text.startswith(("The Organized Crime Index", "Year")) and not known_label(text))  # fmt: skip
