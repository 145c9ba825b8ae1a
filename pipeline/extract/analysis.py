"""The analysis: `Analysis`, its tab numbers (`01 02 ...`), then titled sections of paragraphs, up to the
footer or the next entity's block.

What is not the analysis's is left out and reported (a share bar, a newsletter box, a cookie banner set
between the sections), never written into a section:
- the tab numbers say how many sections there are: when the titles the catalog knows are that many, a line
  shaped like a title that is none of them is a heading of the page around the analysis, and so is what
  follows it up to the next title;
- in markup, a section is the element holding its title and its first paragraph: a line outside it belongs
  to no section; a title is set in the same elements as the other titles;
- in saved text, a paragraph is prose (a sentence, or a long line): a short line that is no sentence is
  the page around the analysis.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline import catalog
from pipeline.extract.cursor import TERMINAL, Kind
from pipeline.extract.drafts import Page
from pipeline.extract.lines import Line
from pipeline.extract.names import plausible_name

TAB_LINE = re.compile(r"^\d{2}(?:\s*\d{2})*$")
SENTENCE_END = tuple('.!?…"”’')


def analysis_ahead(page: Page) -> bool:
    """`Analysis` opens the analysis after an entity's scores, or when its tab numbers follow."""
    return TAB_LINE.match(page.at.text(1)) is not None or page.scores_read("resilience")


def analysis(page: Page, implicit: bool = False) -> None:
    """Read the analysis at the cursor into the current entity's sections; `implicit`: prose straight after
    the scores, with no `Analysis` heading (ENACT 2019)."""
    at = page.at
    entity = page.entity_for("analysis", at.peek())
    page.zone = False
    if not implicit:
        at.advance()
        if TAB_LINE.match(at.text()):
            page.tabs = len(re.findall(r"\d{2}", at.text()))
            at.advance()
    lines: list[Line] = []
    while not at.at_end() and not _ends(page):
        lines.append(at.line())
        at.advance()
    sections, outside = sections_of(lines, page.tabs if not implicit else None)
    entity.sections.extend(sections)
    for line in outside:
        page.unread(line)


def _ends(page: Page) -> bool:
    """The footer, or the next entity's block, starts at the cursor."""
    at = page.at
    here = at.kind()
    if here.footer:
        return True
    if (here.heading == "profile" and at.profile_ahead()) or (here.token and at.find(1, _is_heading) is not None):
        return True
    return at.profile_start(1) and plausible_name(at.text())  # a name, its profile starting without a heading


def sections_of(lines: list[Line], tabs: int | None) -> tuple[list[tuple[str | None, list[str]]], list[Line]]:
    """The sections (title, paragraphs) of the analysis's lines, and the lines that are no part of them."""
    return _Sections(lines, tabs).read()


class _Sections:
    """One analysis read into sections; in markup, the elements around each line (its path) are worked out
    once per element."""

    def __init__(self, lines: list[Line], tabs: int | None):
        self.lines, self.tabs = lines, tabs
        self.paths: dict = {}

    def read(self) -> tuple[list[tuple[str | None, list[str]]], list[Line]]:
        lines, tabs = self.lines, self.tabs
        titles = self.titles()
        sections: list[tuple[str | None, list[str]]] = []
        outside: list[Line] = []
        container: tuple | None = None
        paragraphs: list[Line] = []  # the current section's, in markup
        aside = False  # after a heading of the page around the analysis, up to the next title
        for n, line in enumerate(lines):
            if n in titles:
                sections.append((catalog.bare(line.text), []))
                container, aside = self.container(line, lines[n + 1] if n + 1 < len(lines) else None), False
                paragraphs = []
            elif _title_shaped(line.text) and titles and (line.where is not None or tabs):
                outside.append(line)
                aside = line.where is None  # in text, what a foreign heading heads is foreign too
            elif not sections:
                if titles and (tabs or line.where is not None):
                    outside.append(line)  # before the first title: the page around the analysis
                else:
                    sections.append((None, [line.text]))  # untitled prose (ENACT 2019)
            elif aside or not self.belongs(line, container, paragraphs):
                outside.append(line)
            else:
                sections[-1][1].append(line.text)
                paragraphs.append(line)
        return sections, outside

    def titles(self) -> set[int]:
        """Which lines are section titles: the titles the catalog knows when they are as many as the tabs, else
        every line shaped like a title; in markup, only those set in the same elements as most titles."""
        lines = self.lines
        shaped = [n for n, line in enumerate(lines) if _title_shaped(line.text)]
        known = [n for n in shaped if catalog.bare(lines[n].text) in catalog.SECTION_TITLES]
        chosen = known if self.tabs and len(known) == self.tabs else shaped
        if chosen and lines[chosen[0]].where is not None:
            common, _ = Counter(_tags(self.path(lines[n])) for n in (known or chosen)).most_common(1)[0]
            chosen = [n for n in chosen if _tags(self.path(lines[n])) == common]
        return set(chosen)

    def container(self, title: Line, first: Line | None) -> tuple | None:
        """A section's container in markup: the elements down to the innermost one holding its title and its
        first paragraph."""
        if title.where is None or first is None or first.where is None:
            return None
        a, b = self.path(title), self.path(first)
        n = 0
        for x, y in zip(a, b):
            if x is not y:
                break
            n += 1
        return a[:n]

    def belongs(self, line: Line, container: tuple | None, paragraphs: list[Line]) -> bool:
        """Whether a line after a title is its section's: inside the title's container and prose or set like the
        section's paragraphs (markup); prose (text)."""
        if line.where is None or container is None:
            return _prose(line.text)
        path = self.path(line)
        depth = len(container)
        if len(path) < depth or (depth and path[depth - 1] is not container[-1]):
            return False
        if _prose(line.text) or not paragraphs:
            return True
        shape = _tags(path[depth:])  # a short line: set like the section's paragraphs?
        return any(_tags(self.path(p)[depth:]) == shape for p in paragraphs)

    def path(self, line: Line) -> tuple:
        """The elements around a markup line, outermost first, down to the innermost one that is no inline
        element (a word set in `<em>` or `<a>` sits where its line does)."""
        el = line.where
        while el.tag in _INLINE and el.getparent() is not None:
            el = el.getparent()
        return self._path(el)

    def _path(self, el) -> tuple:
        path = self.paths.get(el)
        if path is None:
            parent = el.getparent()
            path = self.paths[el] = (*self._path(parent), el) if parent is not None else (el,)
        return path


_INLINE = {"a", "abbr", "b", "bdi", "bdo", "button", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "label",
           "mark", "nobr", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}  # fmt: skip


def _tags(path: tuple) -> tuple[str, ...]:
    """The kinds of elements along a path: the same tags, whichever elements."""
    return tuple(e.tag for e in path)


def _prose(text: str) -> bool:
    """A paragraph's line: a sentence, or a long line."""
    return text.rstrip().endswith(SENTENCE_END) or len(text) >= 80


def _title_shaped(text: str) -> bool:
    if len(text) > 62:
        return False
    text = catalog.bare(text)
    if text in catalog.SECTION_TITLES:
        return True
    words = text.split()
    return (
        len(words) <= 6
        and len(text) <= 60
        and text[:1].isupper()
        and not text.endswith(TERMINAL)
        and not text.endswith((",", ";", ":"))
    )


def _is_heading(k: Kind) -> bool:
    return k.composite is not None
