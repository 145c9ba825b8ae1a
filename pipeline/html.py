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

from pipeline.lines import Line, clean, split_line

DROP = {"script", "style", "noscript", "template", "head", "iframe", "object", "embed", "canvas", "svg", "math",
        "select", "option", "datalist", "button", "input", "textarea"}
BLOCK = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
         "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
         "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
         "td", "tfoot", "th", "thead", "tr", "ul", "br", "center", "legend", "menu"}
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
NO_SPACE_BEFORE = ".,;:!?)’”'\"%"
_GAP_BEFORE_PUNCT = re.compile("\x00(?=[" + re.escape(NO_SPACE_BEFORE) + "])")


def _parser() -> etree.HTMLParser:
    # plain etree elements (no lxml.html class lookup per element): the walk is the hot path
    return etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True,
                            default_doctype=False, huge_tree=False)


def hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    if el.tag == "input" and (el.get("type") or "").lower() == "hidden":
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
    walk = _Walk()
    walk.element(root)
    joined = "".join(walk.parts)
    if "\x00" in joined:  # a gap between inline elements: a space, unless punctuation follows
        joined = _GAP_BEFORE_PUNCT.sub("", joined).replace("\x00", " ")
    out: list[Line] = []
    for n, raw in enumerate(joined.split("\n")):
        if raw and not raw.isspace():
            cleaned = clean(raw)
            if cleaned:
                out.extend(Line(walk.line_nos.get(n, 0), part) for part in split_line(cleaned))
    return out


class _Walk:
    """Visible text as one list of pieces: "\n" ends a line (block elements), "\x00" separates inline
    elements; the source line of each line's first text is kept by line index."""

    def __init__(self):
        self.parts: list[str] = []
        self.lines = 0                      # "\n" written so far
        self.line_nos: dict[int, int] = {}  # line index -> source line

    def text(self, text: str, line_no: int | None) -> None:
        if "\n" in text:  # a newline in HTML text is only a space; lines end at block elements
            text = text.replace("\n", " ")
        self.parts.append(text)
        if self.lines not in self.line_nos and line_no and not text.isspace():
            self.line_nos[self.lines] = line_no

    def element(self, el) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # a comment or processing instruction left by recovery
            if el.tail:
                self.text(el.tail, el.sourceline)
            return
        tag = tag.lower()
        if tag in DROP or (el.attrib and hidden(el)):
            if el.tail:
                self.text(el.tail, el.sourceline)
            return
        block = tag in BLOCK
        sep = "\n" if block else "\x00"
        self.parts.append(sep)
        self.lines += block
        if el.text:
            self.text(el.text, el.sourceline)
        for child in el:
            self.element(child)
        self.parts.append(sep)
        self.lines += block
        if el.tail:
            self.text(el.tail, el.sourceline)
