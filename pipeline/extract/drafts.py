"""What the grammar has read of a page: entity drafts, the page's state, and where a new entity starts.

Plain data and one rule (`opens_entity`); the grammar (`grammar.py`) and the block readers
(`blocks.py`) fill it, `assemble.py` and `edition.py` read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline import catalog
from pipeline.extract.cursor import TERMINAL, Cursor
from pipeline.extract.issues import issue
from pipeline.extract.lines import Line
from pipeline.extract.tokens import RankLine

_DIGIT = re.compile(r"\d")


@dataclass
class Score:
    score: float
    change: float | None
    na: bool  # printed `n/a` (2023 pages, for the six indicators new in 2023)
    line: int
    label: str  # the label as printed ("Human Trafficking", "Criminal market", ...)


@dataclass
class Rank:
    metric: str
    rank: RankLine
    line: int
    text: str = ""  # the line as printed


@dataclass
class Draft:
    """One entity block as read: everything optional, filled as the blocks are met."""

    name: str | None = None
    name_line: int | None = None
    profile: dict[str, object] | None = None
    profile_labels: list[str] = field(default_factory=list)
    members: list[str] | None = None
    scores: dict[str, Score] = field(default_factory=dict)
    pillars: set[str] = field(default_factory=set)  # pillars with a score in `scores`
    ranks: list[Rank] = field(default_factory=list)
    pyramid: tuple[float, ...] | None = None
    repeat_seen: bool = False
    sections: list[tuple[str | None, list[str]]] = field(default_factory=list)
    first_line: int | None = None

    def has_any(self, pillar: str) -> bool:
        return pillar in self.pillars

    def add(self, code: str, score: Score) -> None:
        self.scores[code] = score
        self.pillars.add(catalog.INDICATOR_BY_CODE[code].pillar)


@dataclass
class Reading:
    header_names: list[str]
    header_seen: bool
    year_label: bool
    entities: list[Draft]
    issues: list[dict]
    footer_line: int | None
    cut_line: Line | None  # the last line, dropped because the page stops inside it
    analysis_tabs: int | None
    last_line: int
    chrome: list[Line] = field(default_factory=list)
    whole: bool = False  # the document is known to be whole (markup's closing tag), footer or not


def opens_entity(draft: Draft | None, block: str) -> bool:
    """Whether `block` (`profile`, `pyramid`, `analysis` or a score's indicator code) starts a new entity
    rather than continuing `draft`, the entity being read. A new entity needs a new profile (or a new name:
    the block reader asks, `Page.entity_for`); a score block the entity already has is read again and
    compared (the resilience block is printed twice, a summary may repeat the criminality block)."""
    if draft is None:
        return True
    if block == "profile":  # a composite summary (a score with its ranks) may come before the profile it sums up
        return (
            draft.profile is not None
            or draft.name is not None
            or any(catalog.INDICATOR_BY_CODE[code].pillar != code for code in draft.scores)
        )
    return False


class Page:
    """What has been read of a page so far: the cursor, the entity drafts, the issues."""

    def __init__(self, lines: list[Line]):
        self.at = Cursor(lines)
        self.entities: list[Draft] = []
        self.issues: list[dict] = []
        self.header_names: list[str] = []
        self.header_seen = False
        self.year_label = False
        self.footer_line: int | None = None
        self.cut_line: Line | None = None
        self.tabs: int | None = None
        self.unrecognized: list[Line] = []  # lines among the values that no block read
        self.chrome: list[Line] = []  # lines with a number outside the data: the page around it
        self.strays: list[tuple[Line, int]] = []  # scores among the data that no label or heading claims
        # Among the data: from an entity's first value read (a profile field, a label with its score, a score
        # with its heading) to the analysis or the footer. Outside it, a line no block reads is chrome.
        self.zone = False
        self.in_footer = False  # past the site's footer (its lines are known furniture, not reported)

    def error(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue("error", code, message, line))

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue("warning", code, message, line))

    @property
    def current(self) -> Draft | None:
        return self.entities[-1] if self.entities else None

    def entity_for(self, block: str, line: Line | None, named: Line | None = None) -> Draft:
        """The entity `block` belongs to: the current one, or a new one starting at `line`. `named`: the line
        before a score block, when it names an entity; a score block the current entity already has starts a
        new entity under another name."""
        draft = self.current
        renamed = draft is not None and named is not None and self._renamed(draft, block, named)
        if draft is None or opens_entity(draft, block) or renamed:
            draft = Draft(first_line=line.no if line else None)
            if renamed and named is not None:
                draft.name, draft.name_line = named.text, named.no
            self.entities.append(draft)
        return draft

    @staticmethod
    def _renamed(draft: Draft, block: str, named: Line) -> bool:
        return (
            block in draft.scores
            and draft.name is not None
            and (catalog.name_key(named.text) != catalog.name_key(draft.name))
        )

    def open_zone(self) -> None:
        """A value was read: among the data from here."""
        self.zone, self.in_footer = True, False

    def unread(self, line: Line) -> None:
        """A line no block reads: among the data, or the page around it."""
        if self.zone:
            self.unrecognized.append(line)
        elif not self.in_footer and _DIGIT.search(line.text):
            self.chrome.append(line)

    def scores_read(self, pillar: str) -> bool:
        """Whether the current entity has a score of this pillar."""
        return self.current is not None and self.current.has_any(pillar)

    def prose_after_scores(self, text: str) -> bool:
        """Prose after an entity's scores: pages without an `Analysis` heading (ENACT 2019) go straight to it."""
        return (not self.in_footer and self.scores_read("resilience") and len(text) > 200 and text.endswith(TERMINAL)
                and not (self.current is not None and self.current.sections))  # fmt: skip

    def reading(self, last_line: int, whole: bool = False) -> Reading:
        return Reading(
            self.header_names,
            self.header_seen,
            self.year_label,
            self.entities,
            self.issues,
            self.footer_line,
            self.cut_line,
            self.tabs,
            last_line,
            self.chrome,
            whole,
        )
