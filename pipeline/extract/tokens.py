"""Score tokens and rank lines: the two kinds of run-together text the site prints.

Score and change are separate elements on the site, so extracted text runs them together:
`5.170.12` is 5.17 and +0.12, `7.50-0.50` is 7.50 and -0.50, `2.50 n/a` is 2.50 with no change,
`7.66` is a score alone. Both numbers always carry exactly two decimals, which is what makes the
split unambiguous: the score is the first `d.dd` or `10.dd`, the change is the rest. Markup read apart
may add a space, a plus sign, an arrow or brackets (`5.17 (+0.12)`, `5.17 ▼0.50`, `2.50 N/A`): read
the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.errors import TokenError

BOUNDARY = "\x02"  # between two digit runs that came from different elements of markup: never one number
# A score with two decimals (`/10` after it: out of ten), then optionally its change (or n/a) and the edition
# it is measured against (`+0.10 since 2021`). The change may be glued to the score (`5.170.12`), spaced, or
# set apart by an element boundary.
SCORE_TOKEN = re.compile(
    r"^(?P<score>10\.\d\d|\d\.\d\d)(?:\s?/\s?10(?:\.00?)?)?"
    r"(?:[\s\x02]*(?P<open>\()?(?:(?P<change>[-+−▲▼↑↓]?\s?\d\.\d\d)|(?P<na>n/a))(?(open)\))"
    r"(?:\s(?:since|vs\.?|from|compared to)\s(?:19|20)\d\d)?)?$",
    re.IGNORECASE,
)
# A change printed apart from its score, on a line of its own (`+0.10`, `▼0.50`, `0.12`, `n/a`): signed, or below
# 1 (an unsigned 1.00 or more could be a score).
CHANGE_ONLY = re.compile(
    r"^(?P<open>\()?(?:[-+−▲▼↑↓]\s?\d\.\d\d|0\.\d\d|n/a)(?(open)\))"
    r"(?:\s(?:since|vs\.?|from|compared to)\s(?:19|20)\d\d)?$",
    re.IGNORECASE,
)
# Looks like a score token, parsable or not: digits, dots, signs, brackets (and n/a), with two decimals
# or two dots. Plain numbers with one decimal (a GINI index, `26.0`) are not tokens.
TOKEN_SHAPE = re.compile(r"^[-+]?\d[\d.\s+\-−()▲▼↑↓/\x02]*(?:n/a\)?)?$", re.IGNORECASE)
TOKEN_HINT = re.compile(r"\.\d\d|\..*\.")
PYRAMID = re.compile(r"^\d{1,2}\.\d\d(?:\s+\d{1,2}\.\d\d){5}$")
# A decimal number in some format (`4,43`, `4.4`, `5.1.7`): where a score belongs, a value that was not read.
DECIMAL = re.compile(r"\d[.,]\d")

RANK_START = re.compile(r"\d{1,3}(?:st|nd|rd|th)\s+of\s")
# `129th of 193 countries -2`, `29th of 44 countries in Europe-2` (global pages); `10th of 54 African
# countries`, `3rd of 11 Central Africa countries`, `2nd of 5 African regions` (ENACT pages, which name
# the area before what is ranked).
RANK_LINE = re.compile(
    r"^(?P<rank>\d{1,3})(?:st|nd|rd|th)\s+of\s+(?P<of>\d{1,3})\s+(?:(?P<before>[A-Z][^\d]*?)\s+)?"
    r"(?:(?P<countries>countries)(?:\s+in\s+(?P<area>\D*?))?|(?P<regions>regions))"
    r"(?P<space>\s*)(?P<change>[-+−]?\d{1,3})?$"
)


@dataclass(frozen=True)
class RankLine:
    rank: int
    of: int
    area: str | None  # the area as printed (`Europe`, `African`, `Central Africa`); None for `of 193 countries`
    regions: bool  # ranked among regions (`1st of 5 African regions`)
    area_first: bool  # the area printed before what is ranked, as ENACT pages print it
    change: int | None
    spaced: bool  # a space between the text and the change (2025 prints one everywhere)


_SIGNS = str.maketrans({"−": "-", "▼": "-", "↓": "-", "▲": "+", "↑": "+", " ": None, "(": None, ")": None})
# Format characters shown as escapes when a line is quoted (a bidi override, a zero-width joiner...): what the
# line holds, not what a screen shows. The element boundary is shown as the nothing a screen shows.
_INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001e\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")  # fmt: skip


def show(text: str, limit: int | None = None) -> str:
    """A line as a message quotes it: invisible characters escaped (`5.17\\u200f0.12`), element boundaries
    dropped, cut to `limit` characters."""
    text = text.replace(BOUNDARY, "")
    if limit is not None:
        text = text[:limit]
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _number(text: str) -> float:
    """A printed number; a minus sign, or an arrow drawn as text, gives its sign."""
    return float(text.translate(_SIGNS).lstrip("+"))


def is_score_token(text: str) -> bool:
    return SCORE_TOKEN.match(text) is not None


def is_change_only(text: str) -> bool:
    """A change printed on a line of its own, apart from its score."""
    return CHANGE_ONLY.match(text) is not None


def has_change(text: str) -> bool:
    """A score token that carries its change (or n/a)."""
    m = SCORE_TOKEN.match(text)
    return m is not None and (m.group("change") is not None or m.group("na") is not None)


def looks_like_token(text: str) -> bool:
    """True for text shaped like a score token, parsable or not (`5.1.70.12`, `12.500.00`)."""
    return TOKEN_SHAPE.match(text) is not None and TOKEN_HINT.search(text) is not None and not PYRAMID.match(text)


def split_score_change(text: str, line: int | None = None) -> tuple[float, float | None]:
    """Split a run-together token into (score, change); change is None for `n/a` or none printed.

    >>> split_score_change("5.170.12")
    (5.17, 0.12)
    >>> split_score_change("10.00-1.50")
    (10.0, -1.5)
    """
    numbers = _score_and_change(text.strip())
    if numbers is None:
        where = f"line {line}: " if line is not None else ""
        raise TokenError(
            "bad_token",
            f'{where}"{show(text)}" is not a score (expected a score with two decimals, optionally followed '
            f"by a change or n/a: 5.17, 5.170.12, 7.50-0.50, 2.50 n/a)",
            line,
        )
    return numbers


@lru_cache(maxsize=4096)  # a few hundred distinct tokens make up every page
def _score_and_change(text: str) -> tuple[float, float | None] | None:
    m = SCORE_TOKEN.match(text)
    if m is None:
        return None
    change = m.group("change")
    return _number(m.group("score")), (None if change is None else _number(change))


def parse_rank_line(text: str) -> RankLine | None:
    """Read `129th of 193 countries -2`, `29th of 44 countries in Europe-2`, `10th of 54 African countries`,
    `3rd of 11 Central Africa countries`, `1st of 5 African regions`."""
    m = RANK_LINE.match(text.strip())
    if m is None:
        return None
    before, after = m.group("before"), m.group("area")
    if after is not None:
        after = after.strip()
        if not after or before:
            return None  # `of 44 countries in` with no area, or an area on both sides
    change = m.group("change")
    return RankLine(
        rank=int(m.group("rank")),
        of=int(m.group("of")),
        area=before.strip() if before else after,
        regions=m.group("regions") is not None,
        area_first=before is not None,
        change=None if change is None else int(change.replace("−", "-").lstrip("+")),
        spaced=bool(m.group("space")),
    )


def is_rank_like(text: str) -> bool:
    return RANK_START.match(text) is not None


def parse_pyramid(text: str) -> tuple[float, ...] | None:
    """The line of six numbers under the pyramid: resilience, actors, markets, twice."""
    if not PYRAMID.match(text):
        return None
    return tuple(float(x) for x in text.split())
