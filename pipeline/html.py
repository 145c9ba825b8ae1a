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

from lxml import etree, html as lxml_html

from pipeline.lines import Line, clean, unglue

DROP = {"script", "style", "noscript", "template", "head", "iframe", "object", "embed", "canvas", "svg", "math",
        "select", "option", "datalist", "button", "input", "textarea"}
BLOCK = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
         "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
         "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
         "td", "tfoot", "th", "thead", "tr", "ul", "br", "center", "legend", "menu"}
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
NO_SPACE_BEFORE = tuple(".,;:!?)’”'\"%")


def _parser() -> lxml_html.HTMLParser:
    return lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True,
                                default_doctype=False, huge_tree=False)


def hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    if el.tag == "input" and (el.get("type") or "").lower() == "hidden":
        return True
    style = el.get("style")
    return bool(style and HIDDEN_STYLE.search(style))


class _Lines:
    def __init__(self):
        self.out: list[Line] = []
        self.parts: list[str] = []
        self.line_no: int | None = None

    def text(self, text: str | None, line_no: int | None) -> None:
        if not text:
            return
        if text.strip() and self.line_no is None:
            self.line_no = line_no
        self.parts.append(text)

    def gap(self) -> None:
        """Between two inline elements: a space, unless punctuation follows."""
        if self.parts and not self.parts[-1].endswith(" "):
            self.parts.append("\x00")

    def end_line(self) -> None:
        joined = "".join(self.parts)
        joined = re.sub(r"\x00(?=[" + re.escape("".join(NO_SPACE_BEFORE)) + r"])", "", joined).replace("\x00", " ")
        text = clean(joined)
        if text:
            self.out.extend(Line(self.line_no or 0, part) for part in unglue(text))
        self.parts = []
        self.line_no = None


def html_lines(text: str) -> list[Line]:
    """The line stream of an HTML page."""
    if not text.strip():
        return []
    try:
        root = lxml_html.document_fromstring(text.encode("utf-8"), parser=_parser())
    except (etree.ParserError, ValueError):
        return []
    acc = _Lines()
    _walk(root, acc)
    acc.end_line()
    return acc.out


def _walk(el, acc: _Lines) -> None:
    tag = el.tag if isinstance(el.tag, str) else None
    if tag is None:  # a comment or processing instruction left by recovery
        acc.text(el.tail, getattr(el, "sourceline", None))
        return
    tag = tag.lower()
    if tag in DROP or hidden(el):
        acc.text(el.tail, el.sourceline)
        return
    block = tag in BLOCK
    if block:
        acc.end_line()
    else:
        acc.gap()
    acc.text(el.text, el.sourceline)
    for child in el:
        _walk(child, acc)
    if block:
        acc.end_line()
    else:
        acc.gap()
    acc.text(el.tail, el.sourceline)
