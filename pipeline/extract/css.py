"""The little of CSS that decides what a browser shows: `display` and `visibility`.

Also the "visually hidden" pattern (`clip: rect(0 0 0 0)` or `clip-path: inset(50%)`): text a screen
reader reads and a screen does not show (read as `visibility: clipped`).

From the page's own `<style>` blocks (with `@media` width conditions evaluated at a desktop viewport)
and each element's `style` attribute, in cascade order (later wins; the `style` attribute last).
Specificity and `!important` are not weighed, and no stylesheet is fetched: a page saved with its
markup only shows what that markup says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

VIEWPORT_WIDTH = 1280  # what a desktop browser (and the parity test's headless Chromium) lays out at

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_DECLARATION = re.compile(r"(display|visibility)\s*:\s*([a-z-]+)", re.I)
_CLIPPED = re.compile(r"clip\s*:\s*rect\(\s*0(?:px)?[\s,]+0|clip-path\s*:\s*inset\(\s*(?:50|100)%", re.I)
_NAMES = re.compile(r"[.#]([\w-]+)")  # the class and id names a selector needs
_MEDIA_WIDTH = re.compile(r"\((min|max)-width\s*:\s*(\d+(?:\.\d+)?)px\)", re.I)
# elements with a style attribute or the `hidden` attribute (display: none unless a rule says otherwise,
# as a browser's own stylesheet has it). A predicate on `//*`, linear: `//@hidden/..` is quadratic in
# the number of matches (libxml2 removes duplicate parents one by one: 4.7 s for 80,000 hidden elements)
_STYLED = etree.XPath("//*[@style or @hidden]")


def computed(root: etree._Element, source: str = "") -> dict[etree._Element, tuple[str | None, str | None]]:
    """(display, visibility) of every element the page's CSS sets either for; others are absent. A rule whose
    selector needs a class or id that no element of the page carries is skipped unevaluated (`_required`: a class
    selector's XPath costs a string operation on every element that has a class). `source`, the page's markup,
    spares the scan for style and hidden attributes when it has none."""
    out: dict[etree._Element, tuple[str | None, str | None]] = {}
    maybe = not source or "style=" in source or "hidden" in source  # no such attribute: no tree scan
    styled = _STYLED(root) if maybe else []
    for el in styled:
        if el.get("hidden") is not None:
            out[el] = ("none", None)
    carried: set[str] | None = None  # the classes and ids the page's elements carry, read when first needed
    for style in root.iter("style"):
        for selector, display, visibility in _sheet_rules(style.text or ""):
            required = _required(selector)
            if required:
                carried = _carried(root) if carried is None else carried
                if not required <= carried:
                    continue
            select = _selector(selector)
            if select is None:
                continue  # a selector lxml cannot evaluate (`:hover`, ...): it hides nothing
            for el in select(root):
                out[el] = _merge(out.get(el), display, visibility)
    for el in styled:
        text = el.get("style")
        if text:
            display, visibility = _declared(text)
            if display or visibility:
                out[el] = _merge(out.get(el), display, visibility)
    return out


_CLASSES_AND_IDS = etree.XPath("//@class | //@id")


def _carried(root: etree._Element) -> set[str]:
    """Every class name and id that an element of the page carries, as the parser decoded them (`g&#111;ne` is
    `gone`; an id is split as a class is, which only adds names)."""
    return {name for value in _CLASSES_AND_IDS(root) for name in value.split()}


@lru_cache(maxsize=1024)  # a site's stylesheet repeats on every page
def _required(selector: str) -> frozenset[str]:
    """The classes and ids an element must carry (or have an ancestor or sibling carry) for `selector` to match
    anything: none for a selector whose names may be negated or alternatives (`:not(.x)`, `:nth-child(...)`), sit in an
    attribute's value (`[href$=".pdf"]`) or be escaped (`.a\\:b`): those rules are always evaluated."""
    if any(c in selector for c in "([\\"):
        return frozenset()
    return frozenset(_NAMES.findall(selector))


@lru_cache(maxsize=256)  # a site's stylesheet repeats on every page
def _sheet_rules(text: str) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple(_sheet(_COMMENT.sub("", text)))


@lru_cache(maxsize=1024)  # a site's stylesheet repeats on every page
def _selector(text: str) -> CSSSelector | None:
    try:
        return CSSSelector(text)
    except (SelectorError, ValueError, etree.XPathError):
        return None


def _merge(before, display, visibility):
    old_display, old_visibility = before or (None, None)
    return (display or old_display, visibility or old_visibility)


def _declared(text: str) -> tuple[str | None, str | None]:
    display = visibility = None
    for name, value in _DECLARATION.findall(text):
        if name.lower() == "display":
            display = value.lower()
        else:
            visibility = value.lower()
    if visibility is None and "clip" in text and _CLIPPED.search(text):
        visibility = "clipped"  # the "visually hidden" pattern: kept for screen readers, not shown on screen
    return display, visibility


def _sheet(text: str) -> Iterator[tuple[str, str | None, str | None]]:
    i = 0
    while i < len(text):
        brace = text.find("{", i)
        if brace < 0:
            return
        head = text[i:brace].strip()
        end = _block_end(text, brace)
        body = text[brace + 1 : end]
        if head.startswith("@"):
            if head.lower().startswith("@media") and _media_applies(head):
                yield from _sheet(body)
        else:
            display, visibility = _declared(body)
            if display or visibility:
                for selector in head.split(","):
                    if selector.strip():
                        yield selector.strip(), display, visibility
        i = end + 1


def _block_end(text: str, brace: int) -> int:
    depth = 0
    for j in range(brace, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(text)


def _media_applies(head: str) -> bool:
    """`@media` at a desktop screen: width conditions are evaluated, `print` never applies."""
    if re.search(r"\bprint\b", head, re.I) and not re.search(r"\bscreen\b|\ball\b", head, re.I):
        return False
    for kind, value in _MEDIA_WIDTH.findall(head):
        width = float(value)
        if (kind.lower() == "min" and width > VIEWPORT_WIDTH) or (kind.lower() == "max" and width < VIEWPORT_WIDTH):
            return False
    return True
