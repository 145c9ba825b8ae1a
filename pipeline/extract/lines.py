"""Every page format becomes the same stream of lines; one grammar reads that stream.

A `Line` is one piece of visible text with the line number it came from (text: the line of the
file; HTML: the source line of the element). Blank lines, indentation, CRLF, BOMs and repeated
spaces are gone; nothing else is changed, so mis-decoded characters (`countryās`) stay in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from pipeline.catalog import GLUED_LABELS, composite_for_heading, indicator_for_label
from pipeline.errors import UnreadablePage
from pipeline.extract.profile import PROFILE_LABELS, profile_field
from pipeline.extract.tokens import BOUNDARY, is_rank_like, is_score_token
from pipeline.files import MAX_PAGE_BYTES

# How binary files start (an xlsx workbook, a zip, is read as a workbook before this is asked).
BINARY_MAGIC = (b"\x7fELF", b"%PDF", b"\x89PNG", b"\x1f\x8b", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"SQLite format")


class Line(NamedTuple):
    """A piece of visible text and the line it came from (a tuple: cheap to make by the hundred). Markup's
    lines also carry where they sit in the document: the element their first text came from, so that a reader
    can tell which lines share a container (its ancestors)."""

    no: int
    text: str
    where: Any = None  # markup: an element of the document (lxml); None for saved text


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    lossy: bool  # the page is not valid UTF-8: read in another encoding, or with bytes replaced
    bad_lines: tuple[int, ...] = ()  # read as UTF-8: the lines where a byte that is not UTF-8 was replaced


def decode(data: bytes) -> Decoded:
    """Bytes to text: BOMs honoured (UTF-8, UTF-16), UTF-8 strict, else Windows-1252, else replaced."""
    if len(data) > MAX_PAGE_BYTES:
        raise UnreadablePage(
            "too_large", f"the page is {len(data):,} bytes, over the {MAX_PAGE_BYTES:,}-byte limit for one page"
        )
    if not data.strip():
        raise UnreadablePage("empty_page", "the page is empty: nothing to parse (re-fetch it)")
    if data.startswith(BINARY_MAGIC) or data[8:12] == b"DUCK":  # decided before any decoding is tried
        raise UnreadablePage(
            "binary_page",
            "the page is a binary file (an executable, an archive, an image, a database...), not text or HTML",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8-sig", False)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16", False)
    if _looks_utf16(data):
        enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return Decoded(data.decode(enc, errors="replace"), enc, False)
    if b"\x00" in data[:4096]:
        raise UnreadablePage("binary_page", "the page holds binary data (NUL bytes), not text or HTML")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())  # the page's own U+FFFD aside
    if sum(ord(c) > 0x7F for c in text) - text.count("\ufffd") >= replaced:
        # UTF-8 with a stray byte or two (more good multi-byte characters than bad bytes): read as UTF-8, the
        # bad bytes replaced, never the whole page turned into mojibake
        return Decoded(text, "utf-8", True, _lines_of(text, "\ufffd"))
    try:  # a page in another encoding: its non-ASCII bytes are nearly all invalid as UTF-8
        return Decoded(data.decode("cp1252"), "cp1252", True)
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "latin-1", True)


def _lines_of(text: str, char: str) -> tuple[int, ...]:
    """The line numbers (from 1) where `char` occurs, the first five."""
    out: list[int] = []
    at = text.find(char)
    while at >= 0 and len(out) < 5:
        line = text.count("\n", 0, at) + 1
        if not out or out[-1] != line:
            out.append(line)
        at = text.find(char, at + 1)
    return tuple(out)


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 text without a BOM: one byte of each pair zero, the other a printable character, nearly
    everywhere (binary data has zeros too, but not in that pattern)."""
    head = data[:200]
    if len(head) < 4:
        return False
    for zeros, chars in ((head[1::2], head[0::2]), (head[0::2], head[1::2])):
        if zeros.count(0) >= 0.9 * len(zeros) and sum(32 <= c < 127 or c in (9, 10, 13) for c in chars) >= 0.9 * len(
            chars
        ):
            return True
    return False


# Controls and invisible characters that change nothing a reader sees vanish (zero-width spaces and joiners, the
# word joiner, left-to-right and right-to-left marks, the BOM, soft hyphens); every run of whitespace (no-break,
# narrow no-break and thin spaces included) is one space. Bidi embeddings and overrides stay: they change what a
# screen shows, and a message quotes them escaped (`tokens.show`).
_HARMLESS = [0x00AD, 0x061C, *range(0x200B, 0x2010), *range(0x2060, 0x2065), 0xFEFF]
_DROP = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *_HARMLESS])
_HAS_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u061c\u200b-\u200f\u2060-\u2064\ufeff]")
# What markup's lines keep: the element boundary between two digit runs (`tokens.BOUNDARY`), which the HTML
# reader writes itself after dropping any such character of the page's own.
_DROP_MARKUP = {k: v for k, v in _DROP.items() if k != ord(BOUNDARY)}
_HAS_DROP_MARKUP = re.compile("[\x00\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u061c\u200b-\u200f\u2060-\u2064\ufeff]")


ONE_LINE = 2000  # a saved page of more characters than this on one line has lost its line breaks


def text_lines(text: str) -> list[Line]:
    """The line stream of a saved text page (indented or flat style)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > ONE_LINE and "\n" not in text.strip():
        raise UnreadablePage(
            "no_line_breaks",
            f"the page is one line of {len(text):,} characters: its line breaks were lost (a copy flattened by a "
            "tool?), and a page is read line by line; save it again with its line breaks",
            1,
        )
    return numbered_lines(text)


def numbered_lines(
    text: str,
    numbers: dict[int, int] | None = None,
    split: bool = True,
    places: dict[int, Any] | None = None,
) -> list[Line]:
    """Lines of `text` split at "\n", cleaned, blank ones dropped, each numbered: by `numbers` (line
    index -> number, 0 when missing) when given (markup, whose element boundaries are kept), else by position
    (the first line is 1); `places`: line index -> where the line sits in the markup. `split`: also split what
    markup or a flat copy runs together on one line (`split_line`)."""
    has, drop = (_HAS_DROP, _DROP) if numbers is None else (_HAS_DROP_MARKUP, _DROP_MARKUP)
    out: list[Line] = []
    append, cached, new = out.append, _cached_pieces, tuple.__new__  # the hot loop: a few hundred lines a page
    for n, raw in enumerate(text.split("\n"), start=1):
        if not raw:  # a blank line: half the lines of a saved page
            continue
        # A printable line (most, prose included) has no control, invisible or odd space character: only its
        # ends and doubled spaces to see to. str.isprintable runs at memory speed; a regex would not.
        if raw.isprintable():
            line = raw.strip(" ")
            if not line:
                continue
            if "  " in line:
                line = " ".join(line.split())
        else:
            if has.search(raw):
                raw = raw.translate(drop)
            if not raw or raw.isspace():
                continue
            if split and "\t" in raw:  # cells of a table row (HTML), or a tab-separated line
                no = n if numbers is None else numbers.get(n - 1, 0)
                where = None if places is None else places.get(n - 1)
                out.extend(Line(no, piece, where) for piece in _row_pieces(raw))
                continue
            line = " ".join(raw.split())
        no = n if numbers is None else numbers.get(n - 1, 0)
        where = None if places is None else places.get(n - 1)
        parts = None if not split else cached(line) if len(line) <= 120 else _pieces(line)
        if parts is None:
            append(new(Line, (no, line, where)))  # Line(no, line), without the Python-level __new__ of a NamedTuple
        else:
            out.extend([Line(no, part, where) for part in parts])
    return out


@lru_cache(maxsize=4096)  # table rows repeat across pages, as lines do
def _row_pieces(raw: str) -> tuple[str, ...]:
    return tuple(piece for cell in _cells(raw) for piece in split_line(cell))


def _cells(raw: str) -> list[str]:
    """The cells of a tab-separated line, a value cell joined again to the cell it completes: a score and
    its change (`5.00`, `0.00`), a rank line and its change (`129th of 193 countries`, `-2`)."""
    cells: list[str] = []
    for cell in (" ".join(c.split()) for c in raw.split("\t")):
        if cell and cells and _completes(cells[-1], cell):
            cells[-1] = f"{cells[-1]} {cell}"
        elif cell:
            cells.append(cell)
    return cells


def _completes(before: str, cell: str) -> bool:
    if _CHANGE_CELL.match(cell):
        return is_score_token(before) and is_score_token(f"{before} {cell}")
    return bool(_RANK_CHANGE_CELL.match(cell)) and is_rank_like(before) and not _ENDS_IN_CHANGE.search(before)


_RANK_CHANGE_CELL = re.compile(r"^[-+−]?\d{1,3}$")
_ENDS_IN_CHANGE = re.compile(r"(?:countries|regions)\S*\s*[-+−]?\d{1,3}$")
_CHANGE_CELL = re.compile(r"^\(?[-+−▲▼↑↓]?\s?\d\.\d\d\)?$|^\(?n/a\)?$", re.IGNORECASE)


def _pieces(line: str) -> tuple[str, ...] | None:
    """The pieces `split_line` splits a line into, None for a whole line (most lines)."""
    parts = split_line(line)
    return None if len(parts) == 1 else tuple(parts)


# Labels, tokens and descriptions repeat across pages: their pieces are cached (bounded, so memory stays
# flat). Lines longer than 120 characters are prose, seen once, and are not.
_cached_pieces = lru_cache(maxsize=16384)(_pieces)


def split_line(text: str) -> list[str]:
    """Split footer text glued to a label (`Read more on globalinitiative.netCriminal markets`), and a
    label and its score read as one line from markup that puts them side by side (`Human trafficking
    5.00 0.00`, `4.43 0.10 Criminality score`)."""
    if " " in text and (text[:1].isdigit() or text.endswith(_SCORE_ENDINGS)):
        parts = _split_label_and_score(text)
        if parts:
            return parts
    if len(text) <= 120:
        parts = _split_profile_field(text)
        if parts:
            return parts
    if not text.endswith(GLUED_LABELS):
        return [text]
    for label in GLUED_LABELS:
        if text.endswith(label) and len(text) > len(label):
            head = text[: -len(label)]
            if not head[-1].isspace() and head[-1] not in "-–":
                return [head, label]
    return [text]


_SCORE_ENDINGS = (*"0123456789", "n/a", "N/A", ")")


# A label and its score, or a score and its heading, side by side; a browser may run them together
# (`Human trafficking5.000.00`, `4.430.10Criminality score`) where markup sets them in elements of their own.
_LABEL_THEN_SCORE = re.compile(r"^(?P<label>\D.*?[^\s\d.+-])\s*(?P<token>(?:10|\d)\.\d\d\S*(?:\s+\S+)?)$")
_SCORE_THEN_HEADING = re.compile(
    r"^(?P<token>(?:10|\d)\.\d\d(?:[\s\x02]*(?:[-+−(▲▼↑↓]?\s?\d\.\d\d\)?|\(?n/a\)?))?)\s*(?P<label>[^\d\s.()+-].*)$",
    re.IGNORECASE,
)
# One pass over the line: the longest profile label the line starts with (case-insensitive).
_PROFILE_LABEL_START = re.compile(
    "|".join(re.escape(label) for label in sorted(PROFILE_LABELS, key=len, reverse=True)), re.IGNORECASE
)
_PROFILE_VALUE = re.compile(r"^(?:USD\s|US\$|\$|No data\b|\d)", re.IGNORECASE)


def _split_profile_field(text: str) -> list[str] | None:
    """`Capital: Brussels`, `Population 11,592,952`: a profile label and its value on one line (a colon,
    or a value that is a number or an amount, so that prose starting with `Area` is left alone)."""
    m = _PROFILE_LABEL_START.match(text)
    if m is None or m.end() == len(text):
        return None
    label, rest = m.group(), text[m.end() :]
    value = rest.lstrip(" :").strip()
    if (
        value
        and profile_field(label)
        and (rest.lstrip().startswith(":") or (rest[:1] == " " and _PROFILE_VALUE.match(value)))
    ):
        return [label, value]
    return None


def _split_label_and_score(text: str) -> list[str] | None:
    """A label followed by its score, or a score followed by its composite heading, in one line."""
    m = _LABEL_THEN_SCORE.match(text)
    if (
        m
        and is_score_token(m.group("token"))
        and (indicator_for_label(m.group("label")) or composite_for_heading(m.group("label")))
    ):
        return [m.group("label"), m.group("token")]
    m = _SCORE_THEN_HEADING.match(text)
    if m and is_score_token(m.group("token")) and composite_for_heading(m.group("label")):
        return [m.group("token"), m.group("label")]
    return None
