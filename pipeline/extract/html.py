"""HTML pages become the same line stream as the text layouts: the lines a browser shows.

The visible text is what `document.body.innerText` gives in a browser, split into lines (a test holds
this against headless Chromium on every HTML fixture). No class names or ids are trusted (the site's
markup changes with redesigns):
- `script`, `style`, `noscript`, `template`, `head`, form controls, embedded objects, comments and
  processing instructions show nothing; nor does an element the page's CSS hides (`hidden`,
  `display:none`, `visibility:hidden`, from its style attribute or its stylesheets: `css.py`), nor the
  body of a closed `<details>` beyond its summary;
- block elements (div, p, headings, list items, table rows, ...) and `<br>` end a line; the cells of a
  table row stay on one line, apart;
- inline elements neither break a line nor add a space: `114<sup>th</sup>` reads `114th`; but two digit runs
  from different elements are never one number: `<span>5.17</span><span>0.12</span>` reads `5.17`, a boundary,
  `0.12` (`tokens.BOUNDARY`; the token reader takes the score and the change from the two pieces);
- a `<sup>` or `<sub>` of one to three characters right after a number or a word is a footnote marker
  (`Population<sup>1</sup>`, `-2<sup>1</sup>`): dropped, and noted; an ordinal suffix after a number
  (`114<sup>th</sup>`) and an exponent after a unit (`km<sup>2</sup>`, read `km²`) are kept;
- the children of a flex or grid container are laid out as blocks, as a browser's innerText has them;
- text clipped to nothing by the page's CSS (the "visually hidden" pattern: `clip: rect(0 0 0 0)`,
  `clip-path: inset(50%)`) is not shown on screen and is not read. A browser's innerText includes it: this
  reader departs from innerText there on purpose, and also for SVG text and the options of a `<select>`,
  which a screen does not show as text of the page;
- whitespace collapses as in a browser; entities are decoded; each line keeps the source line of the
  element its text came from.

Parsing is safe: lxml's HTML parser with no network access and no entity expansion beyond HTML's own,
on bytes already capped in size by `lines.decode`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from pipeline.extract import css
from pipeline.extract.lines import Line, numbered_lines
from pipeline.extract.tokens import BOUNDARY

DROP = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "embed", "canvas", "svg",
        "math", "select", "option", "datalist", "input", "textarea", "img", "video", "audio"}  # fmt: skip
BLOCK = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
         "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
         "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
         "tfoot", "thead", "tr", "ul", "center", "legend", "menu"}  # fmt: skip
CELL = {"td", "th"}
BLOCK_DISPLAY = {"block", "flex", "grid", "list-item", "table", "table-row", "table-caption", "flow-root"}
INLINE_DISPLAY = {"inline", "inline-block", "inline-flex", "inline-grid", "contents"}


def _parser() -> etree.HTMLParser:
    # plain etree elements (no lxml.html class lookup per element): the walk is the hot path
    return etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True, encoding="utf-8",
                            default_doctype=False, huge_tree=False)  # fmt: skip


@dataclass
class Markup:
    """What a page's markup shows: its line stream, the footnote markers dropped from it, and whether the
    document is whole (it ends with its closing tag: a download cut off does not)."""

    lines: list[Line]
    footnotes: list[tuple[int, str, str]] = field(default_factory=list)  # (source line, marker, text before it)
    whole: bool = False


_CLOSED = re.compile(r"</(?:html|body)\s*>(?:\s|<!--.*?-->)*$", re.IGNORECASE | re.DOTALL)


def html_lines(text: str) -> list[Line]:
    """The line stream of an HTML page (what a browser shows, then split as every format is)."""
    return read_markup(text).lines


def read_markup(text: str) -> Markup:
    """The line stream of an HTML page and the footnote markers dropped from it."""
    walk = _visible(text)
    if walk is None:
        return Markup([])
    lines = numbered_lines("".join(walk.parts), walk.line_nos, places=walk.places)
    return Markup(lines, walk.footnotes, _CLOSED.search(text[-1024:]) is not None)


def visible_lines(text: str) -> list[Line]:
    """The lines a browser shows (innerText, whitespace collapsed, blank lines dropped), not split further;
    element boundaries are not marked."""
    walk = _visible(text)
    if walk is None:
        return []
    return numbered_lines("".join(walk.parts).replace(BOUNDARY, ""), walk.line_nos, split=False)


def _visible(text: str) -> _Walk | None:
    root = _tree(text)
    if root is None:
        return None
    walk = _Walk(css.computed(root, text))
    walk.element(root)
    return walk


def _tree(text: str) -> etree._Element | None:
    """The page's element tree; None for a page with no markup lxml can read."""
    if not text.strip():
        return None
    try:
        return etree.fromstring(text.encode("utf-8"), parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


class _Walk:
    """Visible text as one list of pieces, "\n" ending a line; the source line of each line's first
    visible text is kept by line index."""

    def __init__(self, styles: dict):
        self.styles = styles
        self.parts: list[str] = []
        self.lines = 0  # "\n" written so far
        self.line_nos: dict[int, int] = {}  # line index -> source line
        self.blank = True  # nothing visible since the last "\n"
        self.pre = 0  # inside <pre>: newlines are kept
        self.footnotes: list[tuple[int, str, str]] = []
        self.places: dict[int, etree._Element] = {}  # line index -> the element its first text came from

    def text(self, text: str, el) -> None:
        if self.pre and "\n" in text:
            first, *rest = text.split("\n")
            self.text(first, el)
            for piece in rest:
                self.newline()
                self.text(piece, el)
            return
        if "\n" in text or "\t" in text or "\r" in text:  # white-space: normal, a newline is a space
            text = text.replace("\n", " ").replace("\t", " ").replace("\r", " ")  # (a tab only parts cells)
        if BOUNDARY in text:
            text = text.replace(BOUNDARY, "")
        parts = self.parts
        if text[:1] in _DIGITS and parts and parts[-1][-1:] in _DIGITS:
            parts.append(BOUNDARY)  # two text nodes: two elements' digits, never one number
        parts.append(text)
        if self.blank and not text.isspace():
            self.blank = False
            if self.lines not in self.line_nos:
                self.line_nos[self.lines] = el.sourceline or 0
                self.places[self.lines] = el

    def newline(self) -> None:
        """A line ends here (one, however many blocks meet)."""
        if not self.blank:
            self.parts.append("\n")
            self.lines += 1
            self.blank = True

    def space(self, text: str, el) -> None:
        """Text between elements: whitespace is one space, and only inside a line."""
        if not text.isspace():
            self.text(text, el)
        elif not self.blank:
            self.parts.append(" ")

    def element(self, el, tail: bool = True, flex_item: bool = False) -> None:
        """Walk an element, its children and (with `tail`) the text after it. The hot path: newline() and
        space() are written out here. `flex_item`: a child of a flex or grid container, laid out as a block."""
        tag = el.tag
        display = visibility = None
        if self.styles:
            display, visibility = self.styles.get(el, _UNSTYLED)
        if tag.__class__ is not str or tag in DROP or display == "none" or visibility in _INVISIBLE:
            if tail and el.tail:  # a comment or processing instruction left by recovery, or an unseen element
                self.space(el.tail, el)
            return
        parts = self.parts
        if tag in _SUPSUB and self._footnote(el):
            if tail and el.tail:
                self.space(el.tail, el)
            return
        if tag == "br":
            self.newline()
        else:
            block = flex_item or (
                display in BLOCK_DISPLAY if display else (tag in BLOCK and display not in INLINE_DISPLAY)
            )
            if block and not self.blank:
                parts.append("\n")
                self.lines += 1
                self.blank = True
            elif tag in CELL and el.getprevious() is not None:
                parts.append("\t")  # cells of a row stay on one line, apart (as the browser's innerText)
            if tag in _SPECIAL:
                self._special(el, tag)
            else:
                text = el.text
                if text:
                    if not text.isspace():
                        self.text(text, el)
                    elif not self.blank:
                        parts.append(" ")
                flex = display in _FLEX
                for child in el:
                    self.element(child, True, flex)
            if block and not self.blank:
                parts.append("\n")
                self.lines += 1
                self.blank = True
        text = el.tail
        if tail and text:
            if not text.isspace():
                self.text(text, el)
            elif not self.blank:
                parts.append(" ")

    def _footnote(self, el) -> bool:
        """A `<sup>`/`<sub>` of one to three characters right after a number or a word: a footnote marker,
        dropped (and noted), except an ordinal suffix after a number; an exponent after a unit reads `²`."""
        mark = "".join(el.itertext()).strip()
        before = "".join(self.parts[-3:]).rstrip(BOUNDARY)
        if not 1 <= len(mark) <= 3 or not before[-1:].isalnum():
            return False
        if before[-1].isdigit() and mark.lower() in ("st", "nd", "rd", "th"):
            return False  # `114<sup>th</sup>`
        if mark in ("2", "3") and re.search(r"(?:^|[^a-z])(?:k?m|ft|mi)$", before, re.IGNORECASE):
            self.text("²" if mark == "2" else "³", el)
            return True
        self.footnotes.append((el.sourceline or 0, mark, before[-40:]))
        return True

    def _special(self, el, tag: str) -> None:
        """`<pre>` keeps its newlines; a closed `<details>` shows its summary alone."""
        if tag == "details" and el.get("open") is None:
            for child in el:
                if child.tag == "summary":
                    self.element(child, tail=False)
            return
        self.pre += tag == "pre"
        if el.text:
            self.space(el.text, el)
        for child in el:
            self.element(child)
        self.pre -= tag == "pre"


_SPECIAL = {"pre", "details"}
_SUPSUB = {"sup", "sub"}
_DIGITS = set("0123456789")
_FLEX = {"flex", "inline-flex", "grid", "inline-grid"}
_INVISIBLE = {"hidden", "collapse", "clipped"}
_UNSTYLED = (None, None)
