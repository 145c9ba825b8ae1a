"""What the grammar has read of a page: entity drafts, the page's state, and where a new entity starts.

Plain data and one rule (`opens_entity`); the grammar (`grammar.py`) and the block readers
(`blocks.py`) fill it, `assemble.py` and `edition.py` read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline import catalog
from pipeline.extract.cursor import TERMINAL, Cursor
from pipeline.extract.issues import issue
from pipeline.extract.lines import Line
from pipeline.extract.tokens import RankLine


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


def opens_entity(draft: Draft | None, block: str) -> bool:
    """Whether `block` (`profile`, `pyramid`, `analysis` or a score's indicator code) starts a new entity
    rather than continuing `draft`, the entity being read: a block the entity already has starts the
    next one (except the resilience block, which every page prints twice), and so does a block that
    comes before one it has (criminality before the markets and actors, the markets before their
    indicators)."""
    if draft is None:
        return True
    if block == "profile":
        return draft.profile is not None or bool(draft.scores) or draft.name is not None
    if block in ("pyramid", "analysis"):
        return False
    if block in draft.scores:
        return catalog.INDICATOR_BY_CODE[block].pillar != "resilience"
    if block == "criminality":
        return draft.has_any("criminal_markets") or draft.has_any("criminal_actors")
    return block == "criminal_markets" and draft.has_any("criminal_markets")


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
        self.unrecognized: list[Line] = []
        self.zone = False  # past the first label: a line with a number must be a value read

    def error(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue("error", code, message, line))

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue("warning", code, message, line))

    @property
    def current(self) -> Draft | None:
        return self.entities[-1] if self.entities else None

    def entity_for(self, block: str, line: Line | None) -> Draft:
        """The entity `block` belongs to: the current one, or a new one starting at `line`."""
        draft = self.current
        if draft is None or opens_entity(draft, block):
            draft = Draft(first_line=line.no if line else None)
            self.entities.append(draft)
        return draft

    def scores_read(self, pillar: str) -> bool:
        """Whether the current entity has a score of this pillar."""
        return self.current is not None and self.current.has_any(pillar)

    def prose_after_scores(self, text: str) -> bool:
        """Prose after an entity's scores: pages without an `Analysis` heading (ENACT 2019) go straight to it."""
        return self.scores_read("resilience") and len(text) > 200 and text.endswith(TERMINAL)

    def reading(self, last_line: int) -> Reading:
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
        )
