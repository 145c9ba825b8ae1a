"""HTML pages become the same line stream as the text layouts, from what a reader sees.

No class names or ids are trusted (the site's markup changes with redesigns). The visible text is
walked in document order:
- `script`, `style`, `noscript`, `template`, `head`, comments and processing instructions are dropped,
  and so is every element a reader cannot see: the `hidden` attribute, `aria-hidden="true"`,
  `display:none` / `visibility:hidden` in a style attribute, `<input type=hidden>`;
- block elements (div, p, headings, list items, table cells, ...) and `<br>` end a line;
- adjacent inline elements are kept apart (`<span>5.17</span><span>0.12</span>` reads `5.17 0.12`,
  which the token reader splits as score and change);
- entities are decoded; each line keeps the source line of the element its text came from.

Parsing is safe: lxml's HTML parser with no network access and no entity expansion beyond HTML's own,
on bytes already capped in size by `lines.decode`.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.extract.lines import Line, numbered_lines

DROP = {
    "script",
    "style",
    "noscript",
    "template",
    "head",
    "iframe",
    "object",
    "embed",
    "canvas",
    "svg",
    "math",
    "select",
    "option",
    "datalist",
    "button",
    "input",
    "textarea",
}
BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "br",
    "center",
    "legend",
    "menu",
}
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
NO_SPACE_BEFORE = ".,;:!?)’”'\"%"
_GAP_BEFORE_PUNCT = re.compile("\x00(?=[" + re.escape(NO_SPACE_BEFORE) + "])")


def _parser() -> etree.HTMLParser:
    # plain etree elements (no lxml.html class lookup per element): the walk is the hot path
    return etree.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True, default_doctype=False, huge_tree=False
    )


def hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = el.get("style")
    return bool(style and HIDDEN_STYLE.search(style))


def html_lines(text: str) -> list[Line]:
    """The line stream of an HTML page."""
    if not text.strip():
        return []
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    walk = _Walk({el for el in _MAY_HIDE(root) if hidden(el)})
    walk.element(root)
    joined = "".join(walk.parts)
    if "\x00" in joined:  # a gap between inline elements: a space, unless punctuation follows
        joined = _GAP_BEFORE_PUNCT.sub("", joined).replace("\x00", " ")
    return numbered_lines(joined, walk.line_nos)


# The elements that may be hidden, found in one pass (the walk then only looks them up).
_MAY_HIDE = etree.XPath("//@hidden/.. | //@aria-hidden/.. | //@style/..")


class _Walk:
    """Visible text as one list of pieces: "\n" ends a line (block elements), "\x00" separates inline
    elements; the source line of each line's first text is kept by line index. Whitespace-only text
    is skipped: it always sits beside a separator, which reads as a space or a line end anyway."""

    def __init__(self, hidden: set):
        self.hidden = hidden
        self.parts: list[str] = []
        self.lines = 0  # "\n" written so far
        self.line_nos: dict[int, int] = {}  # line index -> source line
        self.blank = True  # nothing visible since the last "\n"

    def text(self, text: str, el) -> None:
        if "\n" in text:  # a newline in HTML text is only a space; lines end at block elements
            text = text.replace("\n", " ")
        self.parts.append(text)
        if self.blank:
            self.blank = False
            if self.lines not in self.line_nos:
                self.line_nos[self.lines] = el.sourceline or 0

    def separate(self, block: bool) -> None:
        """Where an element starts or ends: a line end for a block (one, however many blocks meet), a
        gap for an inline element."""
        if not block:
            self.parts.append("\x00")
        elif not self.blank:
            self.parts.append("\n")
            self.lines += 1
            self.blank = True

    def element(self, el) -> None:
        tag = el.tag
        if tag.__class__ is not str or tag in DROP or el in self.hidden:
            tail = el.tail  # a comment or processing instruction left by recovery, or an unseen element
            if tail and not tail.isspace():
                self.text(tail, el)
            return
        block = tag in BLOCK
        self.separate(block)
        text = el.text
        if text and not text.isspace():
            self.text(text, el)
        for child in el:
            self.element(child)
        self.separate(block)
        tail = el.tail
        if tail and not tail.isspace():
            self.text(tail, el)
