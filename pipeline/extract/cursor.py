"""The grammar's cursor over a page's line stream: where it stands, and what each line is.

What a line's text is (`Kind`: a score token, a rank line, a label, a heading, the footer...) is worked
out once per distinct text, since lines repeat across pages. A value printed in pieces (a rank line over
three elements, a change apart from its score) is joined into one line first (`join_pieces`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from pipeline import catalog
from pipeline.catalog import composite_for_heading, indicator_for_label
from pipeline.extract.lines import Line
from pipeline.extract.profile import PROFILE_LABELS, profile_field
from pipeline.extract.tokens import (
    DECIMAL,
    has_change,
    is_change_only,
    is_rank_like,
    is_score_token,
    looks_like_token,
    parse_pyramid,
)

TERMINAL = tuple('.!?)"”’')
HAS_NUMBER = re.compile(r"\d")
# The most lines a block skips between its parts (a label and its score, a score and its heading) that are no
# part of it: an info glyph, a tooltip, a screen-reader copy.
GAP = 3
# A line that speaks of a rank, in whatever layout: where rank lines go, such a line is a rank not read.
RANKISH = re.compile(r"\bcountr|\bregion|\brank|\d(?:st|nd|rd|th)\b|\bof\s+\d|#\s?\d", re.IGNORECASE)
_ORDINAL_ALONE = re.compile(r"^\d{1,3}(?:st|nd|rd|th)$")
_OF_PIECE = re.compile(r"^of\s+\d{1,3}\s")
_RANK_CHANGE_ALONE = re.compile(r"^[-+−]?\d{1,3}$")


def unread_number(text: str) -> bool:
    """A line holding a number that is no prose: a value some reader must account for, or page chrome."""
    return HAS_NUMBER.search(text) is not None and not is_prose(text)


def is_prose(text: str) -> bool:
    """A sentence of words: values are short."""
    letters = sum(c.isalpha() for c in text)
    return len(text) >= 60 and letters >= 0.7 * len(text.replace(" ", ""))


class Kind(NamedTuple):
    """What one line's text is."""

    token: bool  # a score token (`5.170.12`, `4.43`, `4.43/10 +0.10`)
    score_only: bool  # a score token with no change (its change may be printed on the next line)
    change_only: bool  # a change printed apart (`+0.10`, `n/a`)
    tokenish: bool  # shaped like a score token, parsable or not
    decimal: bool  # holds a decimal number in some format: where a score belongs, an unread one
    valueish: bool  # starts with a number that has decimals (`4,43`, `7.50 (0.00)`): a value, read or not
    rank: bool  # starts like a rank line (`129th of ...`)
    pyramid: bool  # the six numbers under the pyramid
    indicator: str | None  # the indicator a label stands for
    composite: str | None  # the composite a score heading stands for
    profile: str | None  # the profile field a label stands for
    footer: bool  # the footer starts here
    heading: str | None  # `Profile` or `Analysis` (an info glyph after it aside): "profile" or "analysis"
    opens: int  # a piece the next line may complete: an ordinal alone (1), a rank or a score with no change (2, 3)


# also: past either end of the page
NOTHING = Kind(False, False, False, False, False, False, False, False, None, None, None, False, None, 0)
FOOTER = NOTHING._replace(footer=True)


def kind(text: str) -> Kind:
    if len(text) <= _LONGEST_LABEL or _numeric_start(text):  # most lines: a cached answer
        return _kind(text)
    return FOOTER if is_footer(text) else NOTHING  # prose: no label, no score (not cached)


@lru_cache(maxsize=16384)  # labels, tokens and ranks repeat across pages; bounded, so memory stays flat
def _kind(text: str) -> Kind:
    decimal = DECIMAL.search(text) is not None
    if _numeric_start(text):
        token = is_score_token(text)
        tokenish = looks_like_token(text)
        score_only = token and not has_change(text)
        rank = is_rank_like(text)
        opens = _ORDINAL if _ORDINAL_ALONE.match(text) else 0
        if rank and not _ENDS_IN_CHANGE.search(text):
            opens = _RANK_OPEN
        elif score_only:
            opens = _SCORE_OPEN
        return Kind(
            token,
            score_only,
            is_change_only(text),
            tokenish,
            decimal,
            decimal or tokenish,
            rank,
            parse_pyramid(text) is not None,
            None,
            None,
            None,
            is_footer(text),
            None,
            opens,
        )
    key = catalog.label_key(text)
    return Kind(
        False,
        False,
        is_change_only(text),
        False,
        decimal,
        False,
        False,
        False,
        indicator_for_label(text),
        composite_for_heading(text),
        profile_field(text),
        is_footer(text),
        key if key in ("profile", "analysis") else None,
        0,
    )


def _numeric_start(text: str) -> bool:
    """Only text starting with a digit, a sign or an arrow can be a score, a rank or the pyramid; no label does."""
    return text[:1].isdigit() or text[:1] in ("-", "+", "−", "▲", "▼", "↑", "↓", "(")


def is_footer(text: str) -> bool:
    return text.startswith(catalog.FOOTER_STARTS)


def known_line(text: str) -> bool:
    """A line that is whole as it stands: a label, a heading, a profile field, a section title."""
    return text in catalog.HEADER_LINES or known_label(text) or text in catalog.SECTION_TITLES


def known_label(text: str) -> bool:
    """An indicator label, a score heading, a profile field, or `Profile` / `Analysis`."""
    return (catalog.label_key(text) in ("profile", "analysis") or indicator_for_label(text) is not None
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
)  # spacing, `&` as `and`, an info glyph


def join_pieces(lines: list[Line], kinds: list[Kind]) -> bool:
    """A value printed in pieces, one line each, joined (in place) into the line the site prints: a rank line
    over elements (`129th` / `of 193 countries` / `-2`), a change printed apart from its score (`4.43` /
    `+0.10`). Each joined line keeps the number of its first piece; the pieces are joined with a space, never
    glued. Whether any was joined."""
    joined = False
    if not any(map(_OPENS, kinds)):
        return joined  # most pages: every value printed whole
    i = 0
    while i < len(lines) - 1:
        piece = kinds[i].opens
        if piece == _ORDINAL and _OF_PIECE.match(lines[i + 1].text):
            _join(lines, kinds, i)
            piece = kinds[i].opens
            joined = True
        if piece and i < len(lines) - 1 and _completes(piece, lines[i + 1].text, kinds[i + 1]):
            _join(lines, kinds, i)
            joined = True
        i += 1
    return joined


def _join(lines: list[Line], kinds: list[Kind], i: int) -> None:
    line, after = lines[i], lines.pop(i + 1)
    kinds.pop(i + 1)
    lines[i] = Line(line.no, f"{line.text} {after.text}", line.where)
    kinds[i] = kind(lines[i].text)


_ORDINAL, _RANK_OPEN, _SCORE_OPEN = 1, 2, 3
_OPENS = attrgetter("opens")


def _completes(piece: int, after: str, k: Kind) -> bool:
    """A rank change alone after a rank line with none; a change alone after a score with none."""
    if piece == _RANK_OPEN:
        return _RANK_CHANGE_ALONE.match(after) is not None
    return piece == _SCORE_OPEN and k.change_only


_ENDS_IN_CHANGE = re.compile(r"(?:countries|regions)\S*\s*[-+−]?\d{1,3}$")


class Cursor:
    """A position in the line stream. Offsets are relative to it; past either end is `None`, "" or NOTHING."""

    def __init__(self, lines: list[Line]):
        self.lines = lines = list(lines)
        self.kinds = [kind(line.text) for line in lines]
        join_pieces(lines, self.kinds)
        self.texts = [line.text for line in lines]
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

    def drop_last(self) -> Line:
        """Take the last line off the stream (a line the page stops inside)."""
        self.texts.pop()
        self.kinds.pop()
        return self.lines.pop()

    def profile_ahead(self, k: int = 0) -> bool:
        """`Profile` (at offset k) opens a block when a profile field follows within a few lines (the
        name, a flag's caption, a field this pipeline does not know may come first); in a menu it is followed
        by other menu items."""
        for j in range(k + 1, k + 2 * GAP + 3):
            here = self.kind(j)
            if here.profile is not None:
                return True
            if here.token or here.composite or here.footer or not self.text(j):
                return False
        return False

    def profile_start(self, k: int = 0) -> bool:
        """A profile field label (at offset k) with its value after it, and another field after that: a
        profile block that starts without a `Profile` heading (ENACT pages), its name on the line before. One
        label alone (`Countries` in a breadcrumb) is no profile."""
        if self.kind(k).profile is None:
            return False
        after = self.kind(k + 1)
        if self.peek(k + 1) is None or after.profile is not None or after.tokenish or after.footer:
            return False
        return any(self.kind(k + j).profile is not None for j in range(2, 2 + GAP + 1))

    def is_noise(self, k: int = 0) -> bool:
        """A line a block may skip between its parts: no label, heading, score, rank or block start."""
        here, text = self.kind(k), self.text(k)
        return bool(text) and not (
            here.token or here.valueish or here.change_only or here.rank or here.pyramid or here.footer
            or here.indicator or here.composite or here.profile or here.heading
        )  # fmt: skip

    def score_at(self, k: int) -> int:
        """The number of lines of the score group at offset k (a score token; a score and its change apart
        are joined before: `join_pieces`), or 0."""
        return 1 if self.kind(k).token else 0

    def find(self, k: int, want) -> int | None:
        """The offset of the first line at or after offset k, within GAP lines of noise, for which
        `want(kind)` holds; None when a line that is no noise comes first."""
        for j in range(k, k + GAP + 1):
            if self.peek(j) is None:
                return None
            if want(self.kind(j)):
                return j
            if not self.is_noise(j):
                return None
        return None

    def value_line(self) -> bool:
        """The cursor stands on a line that can be a profile field's value: no label, heading or block start
        (a value may look like a score: `11.592.952`)."""
        if self.at_end():
            return False
        here = self.kinds[self.i]
        if here.profile or here.composite or here.footer or here.rank or here.heading:
            return False
        if here.indicator is not None and self.find(1, _is_score) is not None:
            return False
        return not (here.valueish and self.find(1, _is_heading) is not None)

    def in_block(self) -> bool:
        """The cursor stands on a line that belongs to the block being read (not the next block, not the
        footer, not past the end): no score, no label with its score, no score heading, no `Profile`."""
        i = self.i
        if i >= len(self.lines):
            return False
        here = self.kinds[i]
        if here.tokenish or here.footer or here.composite is not None or here.rank:
            return False
        if here.indicator is not None and self.find(1, _is_score) is not None:
            return False
        if here.valueish and self.find(1, _is_heading) is not None:
            return False  # a score over its heading, in a format not read
        return not ((here.heading == "profile" and self.profile_ahead()) or here.heading == "analysis")


def _is_score(k: Kind) -> bool:
    return k.token


def _is_heading(k: Kind) -> bool:
    return k.composite is not None
