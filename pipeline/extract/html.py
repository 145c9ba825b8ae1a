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
- inline elements neither break a line nor add a space: `114<sup>th</sup>` reads `114th`,
  `<span>5.17</span><span>0.12</span>` reads `5.170.12` (which the token reader splits);
- whitespace collapses as in a browser; entities are decoded; each line keeps the source line of the
  element its text came from.

Parsing is safe: lxml's HTML parser with no network access and no entity expansion beyond HTML's own,
on bytes already capped in size by `lines.decode`.
"""

from __future__ import annotations

from lxml import etree

from pipeline.extract import css
from pipeline.extract.lines import Line, numbered_lines

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


def html_lines(text: str) -> list[Line]:
    """The line stream of an HTML page (what a browser shows, then split as every format is)."""
    joined, numbers = _visible(text)
    return numbered_lines(joined, numbers)


def visible_lines(text: str) -> list[Line]:
    """The lines a browser shows (innerText, whitespace collapsed, blank lines dropped), not split further."""
    joined, numbers = _visible(text)
    return numbered_lines(joined, numbers, split=False)


def _visible(text: str) -> tuple[str, dict[int, int]]:
    if not text.strip():
        return "", {}
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return "", {}
    if root is None:
        return "", {}
    walk = _Walk(css.computed(root, text))
    walk.element(root)
    return "".join(walk.parts), walk.line_nos


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
        self.parts.append(text)
        if self.blank and not text.isspace():
            self.blank = False
            if self.lines not in self.line_nos:
                self.line_nos[self.lines] = el.sourceline or 0

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

    def element(self, el, tail: bool = True) -> None:
        """Walk an element, its children and (with `tail`) the text after it. The hot path: newline() and
        space() are written out here."""
        tag = el.tag
        display = visibility = None
        if self.styles:
            display, visibility = self.styles.get(el, _UNSTYLED)
        if tag.__class__ is not str or tag in DROP or display == "none" or visibility in _INVISIBLE:
            if tail and el.tail:  # a comment or processing instruction left by recovery, or an unseen element
                self.space(el.tail, el)
            return
        parts = self.parts
        if tag == "br":
            self.newline()
        else:
            block = display in BLOCK_DISPLAY if display else (tag in BLOCK and display not in INLINE_DISPLAY)
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
                for child in el:
                    self.element(child)
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
_INVISIBLE = {"hidden", "collapse"}
_UNSTYLED = (None, None)
