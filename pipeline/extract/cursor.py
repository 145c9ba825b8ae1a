"""The grammar's cursor over a page's line stream: where it stands, and what each line is.

What a line's text is (`Kind`: a score token, a rank line, a label, a heading, the footer...) is worked
out once per distinct text, since lines repeat across pages.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipeline import catalog
from pipeline.catalog import composite_for_heading, indicator_for_label
from pipeline.extract.lines import Line
from pipeline.extract.profile import PROFILE_LABELS, profile_field
from pipeline.extract.tokens import is_rank_like, is_score_token, looks_like_token, parse_pyramid

TERMINAL = tuple('.!?)"”’')
HAS_NUMBER = re.compile(r"\d")
# Lines with a number that are no value of the profile, a score or a rank: each pattern named.
IGNORABLE = {
    "a year": re.compile(r"^(?:Year:?\s*)?(?:19|20)\d\d$"),
    "tab numbers": re.compile(r"^\d{2}(?:\s*\d{2})*$"),
    "a menu count": re.compile(r"^[^\d]+\(\d{1,3}\)$"),
}


def ignorable(text: str) -> str | None:
    """The name of the pattern a line with a number matches, or None. Prose (a sentence of words) is
    ignorable too: values are short."""
    for name, pattern in IGNORABLE.items():
        if pattern.match(text):
            return name
    letters = sum(c.isalpha() for c in text)
    return "prose" if len(text) >= 60 and letters >= 0.7 * len(text.replace(" ", "")) else None


@lru_cache(maxsize=8192)  # descriptions and labels repeat across pages; bounded, so memory stays flat
def unread_number(text: str) -> bool:
    """A line holding a number that is no prose nor a named pattern: a value some reader must account for."""
    return HAS_NUMBER.search(text) is not None and ignorable(text) is None


class Kind(NamedTuple):
    """What one line's text is."""

    token: bool  # a score token (`5.170.12`)
    tokenish: bool  # shaped like one, parsable or not
    rank: bool  # starts like a rank line (`129th of ...`)
    pyramid: bool  # the six numbers under the pyramid
    indicator: str | None  # the indicator a label stands for
    composite: str | None  # the composite a score heading stands for
    profile: str | None  # the profile field a label stands for
    footer: bool  # the footer starts here


NOTHING = Kind(False, False, False, False, None, None, None, False)  # also: past either end of the page
FOOTER = NOTHING._replace(footer=True)


def kind(text: str) -> Kind:
    if len(text) <= _LONGEST_LABEL or _numeric_start(text):  # most lines: a cached answer
        return _kind(text)
    return FOOTER if is_footer(text) else NOTHING  # prose: no label, no score (not cached)


@lru_cache(maxsize=16384)  # labels, tokens and ranks repeat across pages; bounded, so memory stays flat
def _kind(text: str) -> Kind:
    if _numeric_start(text):
        return Kind(
            is_score_token(text),
            looks_like_token(text),
            is_rank_like(text),
            parse_pyramid(text) is not None,
            None,
            None,
            None,
            is_footer(text),
        )
    return Kind(
        False,
        False,
        False,
        False,
        indicator_for_label(text),
        composite_for_heading(text),
        profile_field(text),
        is_footer(text),
    )


def _numeric_start(text: str) -> bool:
    """Only text starting with a digit or a sign can be a score, a rank or the pyramid; no label does."""
    return text[:1].isdigit() or text[:1] in ("-", "+")


def is_footer(text: str) -> bool:
    return text.startswith(catalog.FOOTER_STARTS)


def known_line(text: str) -> bool:
    """A line that is whole as it stands: a label, a heading, a profile field, a section title."""
    return text in catalog.HEADER_LINES or known_label(text) or text in catalog.SECTION_TITLES


def known_label(text: str) -> bool:
    """An indicator label, a score heading, a profile field, or `Profile` / `Analysis`."""
    return (text in ("Profile", "Analysis") or indicator_for_label(text) is not None
            or composite_for_heading(text) is not None or profile_field(text) is not None)  # fmt: skip


_LONGEST_LABEL = (
    max(
        len(label)
        for label in (
            *catalog.LABEL_VARIANTS,
            *(i.label for i in catalog.INDICATORS),
            *catalog.COMPOSITE_HEADINGS,
            *PROFILE_LABELS,
        )
    )
    + 10
)  # spacing, `&` as `and`


class Cursor:
    """A position in the line stream. Offsets are relative to it; past either end is `None`, "" or NOTHING."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.texts = [line.text for line in lines]
        self.kinds = [kind(t) for t in self.texts]
        self.i = 0
        self.footer_from: int | None = None  # index where the footer starts, once known

    def peek(self, k: int = 0) -> Line | None:
        j = self.i + k
        return self.lines[j] if 0 <= j < len(self.lines) else None

    def line(self) -> Line:
        """The line the cursor stands on (the caller knows there is one)."""
        return self.lines[self.i]

    def text(self, k: int = 0) -> str:
        j = self.i + k
        return self.texts[j] if 0 <= j < len(self.texts) else ""

    def kind(self, k: int = 0) -> Kind:
        j = self.i + k
        return self.kinds[j] if 0 <= j < len(self.kinds) else NOTHING

    def advance(self, n: int = 1) -> None:
        self.i += n

    def at_end(self) -> bool:
        return self.i >= len(self.lines)

    def at_footer(self) -> bool:
        return self.footer_from is not None and self.i >= self.footer_from

    def drop_last(self) -> Line:
        """Take the last line off the stream (a line the page stops inside)."""
        self.texts.pop()
        self.kinds.pop()
        return self.lines.pop()

    def profile_ahead(self, k: int = 0) -> bool:
        """`Profile` (at offset k) opens a block when a profile field follows within a few lines (the
        name, a flag's caption may come first); in a menu it is followed by other menu items."""
        return any(self.kind(k + j).profile is not None for j in (1, 2, 3, 4))

    def profile_start(self, k: int = 0) -> bool:
        """A profile field label (at offset k) with its value after it: a profile block that starts without
        a `Profile` heading (ENACT pages), its name on the line before."""
        if self.kind(k).profile is None:
            return False
        after = self.kind(k + 1)
        return self.peek(k + 1) is not None and after.profile is None and not after.tokenish and not after.footer

    def structural(self, k: int = 0) -> bool:
        """A line that starts a block of values: a score, a label with its score, `Profile`."""
        here = self.kind(k)
        return (
            here.tokenish
            or (here.indicator is not None and self.kind(k + 1).tokenish)
            or (self.text(k) == "Profile" and self.profile_ahead(k))
        )

    def in_block(self) -> bool:
        """The cursor stands on a line that belongs to the block being read (not the next block, not the
        footer, not past the end)."""
        i = self.i
        if i >= len(self.lines) or (self.footer_from is not None and i >= self.footer_from):
            return False
        here = self.kinds[i]
        if here.tokenish:
            return False
        if here.indicator is not None and i + 1 < len(self.kinds) and self.kinds[i + 1].tokenish:
            return False
        return not (self.texts[i] == "Profile" and self.profile_ahead())
