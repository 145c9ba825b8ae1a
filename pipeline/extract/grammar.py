"""The grammar: reads the line stream of any profile page into entity drafts.

It knows the page's anatomy (DOMAIN.md), not its format: header -> per entity [Profile, criminality
score and ranks, criminal markets, criminal actors, resilience score and ranks, the 12 resilience
indicators, the pyramid line, the resilience block again] -> Analysis -> footer. Blocks are found by
what they say, so a page that starts late (flat copies), stops early (cut-off copies) or holds two
entities (comparison and region pages) reads with the same rules. Edition rules are applied later
(`edition.py`); the grammar only records what it saw, and the evidence for the edition.

Pure: lines in, a `Reading` out. Problems are recorded as issues, never raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from pipeline import catalog
from pipeline.catalog import composite_for_heading, indicator_for_label
from pipeline.errors import PageError
from pipeline.extract.lines import Line
from pipeline.extract.profile import PROFILE_LABELS, parse_profile_value, profile_field
from pipeline.extract.tokens import (
    RankLine,
    is_rank_like,
    is_score_token,
    looks_like_token,
    parse_pyramid,
    parse_rank_line,
    split_score_change,
)

TAB_LINE = re.compile(r"^\d{2}(?:\s*\d{2})*$")
TERMINAL = tuple('.!?)"”’')


@dataclass
class Score:
    score: float
    change: float | None
    na: bool          # printed `n/a` (2023 pages, for the six indicators new in 2023)
    line: int
    label: str        # the label as printed ("Human Trafficking", "Criminal market", ...)


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
    cut_line: Line | None          # the last line, dropped because the page stops inside it
    analysis_tabs: int | None
    last_line: int


class Kind(NamedTuple):
    """What one line's text is, worked out once per distinct text (lines repeat across pages)."""
    token: bool              # a score token (`5.170.12`)
    tokenish: bool           # shaped like one, parsable or not
    rank: bool               # starts like a rank line (`129th of ...`)
    pyramid: bool            # the six numbers under the pyramid
    indicator: str | None    # the indicator a label stands for
    composite: str | None    # the composite a score heading stands for
    profile: str | None      # the profile field a label stands for
    footer: bool             # the footer starts here


NOTHING = Kind(False, False, False, False, None, None, None, False)  # also: past either end of the page
FOOTER = NOTHING._replace(footer=True)


def kind(text: str) -> Kind:
    if len(text) > _LONGEST_LABEL and not _numeric_start(text):  # prose: no label, no score (not cached)
        return FOOTER if _is_footer(text) else NOTHING
    return _kind(text)


@lru_cache(maxsize=16384)  # labels, tokens and ranks repeat across pages; bounded, so memory stays flat
def _kind(text: str) -> Kind:
    if _numeric_start(text):
        return Kind(is_score_token(text), looks_like_token(text), is_rank_like(text), parse_pyramid(text) is not None,
                    None, None, None, _is_footer(text))
    return Kind(False, False, False, False, indicator_for_label(text), composite_for_heading(text),
                profile_field(text), _is_footer(text))


def _numeric_start(text: str) -> bool:
    """Only text starting with a digit or a sign can be a score, a rank or the pyramid; no label does."""
    return text[:1].isdigit() or text[:1] in ("-", "+")


def issue(severity: str, code: str, message: str, line: int | None) -> dict:
    return {"severity": severity, "code": code, "message": message, "line": line}


def read(lines: list[Line]) -> Reading:
    return _Reader(lines).read()


class _Reader:
    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.texts = [l.text for l in lines]
        self.kinds = [kind(t) for t in self.texts]
        self.i = 0
        self.issues: list[dict] = []
        self.entities: list[Draft] = []
        self.footer_line: int | None = None
        self.cut_line: Line | None = None
        self.tabs: int | None = None
        self.header_names: list[str] = []
        self.year_label = False
        self.header_seen = False
        self.unrecognized: list[Line] = []
        self.footer_from: int | None = None

    # --- cursor -------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Line | None:
        j = self.i + k
        return self.lines[j] if 0 <= j < len(self.lines) else None

    def text(self, k: int = 0) -> str:
        j = self.i + k
        return self.texts[j] if 0 <= j < len(self.texts) else ""

    def kind(self, k: int = 0) -> Kind:
        j = self.i + k
        return self.kinds[j] if 0 <= j < len(self.kinds) else NOTHING

    def error(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue("error", code, message, line))

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.issues.append(issue("warning", code, message, line))

    @property
    def entity(self) -> Draft:
        if not self.entities:
            self.entities.append(Draft(first_line=self.peek().no if self.peek() else None))
        return self.entities[-1]

    def new_entity(self) -> Draft:
        draft = Draft(first_line=self.peek().no if self.peek() else None)
        self.entities.append(draft)
        return draft

    # --- the page -----------------------------------------------------------------------------
    def read(self) -> Reading:
        last = self.lines[-1].no if self.lines else 0
        self._drop_cut_line()
        self.header()
        while self.peek() is not None:
            if self.at_footer():
                self.footer_line = self.peek().no
                break
            self.step()
        if self.unrecognized:
            first = self.unrecognized[0]
            self.warn("unrecognized_lines", f"{len(self.unrecognized)} line(s) among the scores were not "
                      f'recognised, the first at line {first.no}: "{first.text[:80]}" (a new label or layout?)',
                      first.no)
        return Reading(self.header_names, self.header_seen, self.year_label, self.entities, self.issues,
                       self.footer_line, self.cut_line, self.tabs, last)

    def _drop_cut_line(self) -> None:
        """A page without its footer may stop inside its last line: that line is not a value.

        Footer text before the first score is not the footer: flat copies start with it."""
        if not self.lines:
            return
        kinds = self.kinds
        first_score = next((n for n, k in enumerate(kinds) if k.tokenish), None)
        if first_score is not None:
            self.footer_from = next((n for n in range(first_score, len(kinds)) if kinds[n].footer), None)
            if self.footer_from is not None:
                return
        last = self.lines[-1].text
        if looks_like_token(last) or is_rank_like(last) or not (last.endswith(TERMINAL) or _known_line(last)):
            self.cut_line = self.lines.pop()
            self.texts.pop()
            self.kinds.pop()

    def at_footer(self) -> bool:
        return self.footer_from is not None and self.i >= self.footer_from

    def header(self) -> None:
        if not self.text().startswith("The Organized Crime Index"):
            return
        self.header_seen = True
        while self.peek() is not None and not self._structural(0):
            t = self.text()
            if t == "Year:" or t.startswith("Year:"):
                self.year_label = True
            elif t not in catalog.HEADER_LINES and not t.startswith("The Organized Crime Index"):
                self.header_names.append(t)
            self.i += 1

    def _structural(self, k: int) -> bool:
        here = self.kind(k)
        return (here.tokenish or (here.indicator is not None and self.kind(k + 1).tokenish)
                or (self.text(k) == "Profile" and self._profile_ahead(k)))

    def step(self) -> None:
        line = self.lines[self.i]
        t = line.text
        here, nxt = self.kinds[self.i], self.kind(1)
        if t == "Profile" and self._profile_ahead():
            self.profile()
        elif t == "Analysis" and self._analysis_ahead():
            self.analysis()
        elif here.token and nxt.composite:
            self.composite(nxt.composite, line, self.peek(1))
        elif here.composite and nxt.token and not self.kind(-1).token:
            self.composite(here.composite, self.peek(1), line)
        elif here.indicator and nxt.tokenish:
            self.indicator(here.indicator, line, self.peek(1))
        elif here.pyramid:
            self.pyramid(line)
        elif here.token:
            self.error("stray_score", f'line {line.no}: the score "{t}" has no label before it nor a score '
                       f"heading after it, so it cannot be attributed", line.no)
            self.i += 1
        elif here.tokenish:
            self.error("bad_token", f'line {line.no}: "{t}" is not a score (expected 5.17, 5.170.12, '
                       f"7.50-0.50 or 2.50 n/a)", line.no)
            self.i += 1
        elif here.rank:
            self.error("bad_rank", f'line {line.no}: "{t}" is not a rank line here (expected after a '
                       f"score heading, like `129th of 193 countries -2`)", line.no)
            self.i += 1
        elif self._prose_after_scores(t):
            self.analysis(implicit=True)
        else:
            if self.entities and self.entity.scores:  # text before the first score is page furniture
                self.unrecognized.append(line)
            self.i += 1

    def _profile_ahead(self, k: int = 0) -> bool:
        """`Profile` (at offset k) opens a block when a profile field follows within a few lines (the
        name, a flag's caption may come first); in a menu it is followed by other menu items."""
        return any(self.kind(k + j).profile is not None for j in (1, 2, 3, 4))

    def _analysis_ahead(self) -> bool:
        """`Analysis` opens the analysis after an entity's scores, or when its tab numbers follow."""
        return TAB_LINE.match(self.text(1)) is not None or (bool(self.entities) and self.entity.has_any("resilience"))

    def _prose_after_scores(self, t: str) -> bool:
        # Pages without an `Analysis` heading (ENACT 2019) go straight from scores to prose.
        return (bool(self.entities) and self.entity.has_any("resilience") and len(t) > 200
                and t.endswith(TERMINAL))

    # --- blocks -------------------------------------------------------------------------------
    def profile(self) -> None:
        start = self.peek()
        self.i += 1
        entity = self.entity
        if entity.profile is not None or entity.scores or entity.name is not None:
            entity = self.new_entity()
        entity.first_line = start.no
        entity.profile = {}
        if self.peek() and profile_field(self.text()) is None and not self._structural(0):
            entity.name, entity.name_line = self.text(), self.peek().no
            self.i += 1
        skipped: list[Line] = []
        while self.peek() is not None and not self._structural(0) and not self.at_footer():
            label_line = self.peek()
            key = profile_field(label_line.text)
            self.i += 1
            if key is None:
                skipped.append(label_line)
                self.warn("unrecognized_line", f'line {label_line.no}: "{label_line.text[:80]}" is not a '
                          f"profile field ({', '.join(PROFILE_LABELS)})", label_line.no)
                continue
            entity.profile_labels.append(label_line.text)
            values: list[Line] = []
            while (self.peek() is not None and profile_field(self.text()) is None
                   and not self._structural(0) and not self.at_footer()):
                values.append(self.peek())
                self.i += 1
            if not values:
                if self.peek() is not None:
                    self.error("bad_profile_value", f"line {label_line.no}: profile field "
                               f'"{label_line.text}" has no value', label_line.no)
                continue
            try:
                value = parse_profile_value(key, [v.text for v in values])
            except PageError as exc:
                self.error(exc.code, f"line {values[0].no}: {exc.message}", values[0].no)
                continue
            if key == "countries":
                entity.members = value
            else:
                entity.profile[key] = value
        if skipped and not entity.profile_labels:
            self.error("bad_profile", f"line {start.no}: the profile block has {len(skipped)} line(s) but no field "
                       f'this pipeline knows (first: "{skipped[0].text[:60]}"); a new profile layout?', start.no)

    def composite(self, code: str, token: Line, heading: Line) -> None:
        entity = self.entity
        repeat = code in entity.scores
        if code == "criminality" and (repeat or entity.has_any("criminal_markets") or entity.has_any("criminal_actors")):
            entity, repeat = self.new_entity(), False
        self.i += 2
        score = self._score(token, heading.text)
        ranks: list[Rank] = []
        while self.kind().rank:
            line = self.peek()
            parsed = parse_rank_line(line.text)
            if parsed is None:
                self.error("bad_rank", f'line {line.no}: "{line.text}" is not a rank line (expected '
                           f"`129th of 193 countries -2` or `7th of 11 countries in Western Europe-1`)", line.no)
            else:
                ranks.append(Rank(code, parsed, line.no))
            self.i += 1
        if score is None:
            return
        if repeat:
            entity.repeat_seen = True
            self._agree(entity.scores[code], score, code, "the repeated resilience block")
            before = [(r.rank.rank, r.rank.of, r.rank.area, r.rank.change) for r in entity.ranks if r.metric == code]
            after = [(r.rank.rank, r.rank.of, r.rank.area, r.rank.change) for r in ranks]
            if before != after:
                self.error("repeat_mismatch", f"line {heading.no}: the repeated {code} ranks {after} disagree "
                           f"with the first ones {before}", heading.no)
        else:
            entity.add(code, score)
            entity.ranks.extend(ranks)

    def indicator(self, code: str, label: Line, token: Line) -> None:
        entity = self.entity
        pillar = catalog.INDICATOR_BY_CODE[code].pillar
        if code in entity.scores and pillar != "resilience":
            entity = self.new_entity()
        elif code == "criminal_markets" and entity.has_any("criminal_markets"):
            entity = self.new_entity()
        self.i += 2
        score = self._score(token, label.text)
        if score is None:
            return
        if code in entity.scores:
            entity.repeat_seen = True
            self._agree(entity.scores[code], score, code, "the repeated resilience block")
        else:
            entity.add(code, score)
        # One description may follow the score: it is the indicator's (the catalog holds them), not a
        # stray line.
        t, here = self.text(), self.kind()
        if (self.peek() is not None and not self._structural(0) and not self.at_footer()
                and not here.rank and not here.pyramid and t != "Analysis"
                and here.composite is None and not self._prose_after_scores(t)):
            self.i += 1

    def _score(self, token: Line, label: str) -> Score | None:
        try:
            score, change = split_score_change(token.text, token.no)
        except PageError as exc:
            self.error(exc.code, f'{exc.message} (under "{label}")', token.no)
            return None
        return Score(score, change, "n/a" in token.text.lower(), token.no, label)

    def _agree(self, first: Score, again: Score, code: str, where: str) -> None:
        if (first.score, first.change) != (again.score, again.change):
            self.error("repeat_mismatch", f"line {again.line}: {code} reads {_fmt(again)} in {where} but "
                       f"{_fmt(first)} at line {first.line}; the page contradicts itself", again.line)

    def pyramid(self, line: Line) -> None:
        values = parse_pyramid(line.text)
        entity = self.entity
        entity.pyramid = values
        self.i += 1
        for half in (values[:3], values[3:]):
            for code, value in zip(("resilience", "criminal_actors", "criminal_markets"), half):
                first = entity.scores.get(code)
                if first is not None and first.score != value:
                    self.error("pyramid_mismatch", f'line {line.no}: the pyramid line "{line.text}" gives '
                               f"{code} {value:.2f} but line {first.line} gives {first.score:.2f}", line.no)

    def analysis(self, implicit: bool = False) -> None:
        entity = self.entity
        if not implicit:
            self.i += 1
            if self.peek() is not None and TAB_LINE.match(self.text()):
                self.tabs = len(re.findall(r"\d{2}", self.text()))
                self.i += 1
        while self.peek() is not None and not self.at_footer():
            t = self.text()
            if (t == "Profile" and self._profile_ahead()) or (self.kinds[self.i].token and self.kind(1).composite):
                return  # the next entity's block
            if _is_title(t):
                entity.sections.append((t, []))
            elif entity.sections:
                entity.sections[-1][1].append(t)
            else:
                entity.sections.append((None, [t]))
            self.i += 1


def _known_line(text: str) -> bool:
    """A line that is whole as it stands: a label, a heading, a profile field, a section title."""
    return (text in ("Profile", "Analysis") or text in catalog.HEADER_LINES or indicator_for_label(text) is not None
            or composite_for_heading(text) is not None or profile_field(text) is not None
            or text in catalog.SECTION_TITLES)


_LONGEST_LABEL = max(len(label) for label in (*catalog.LABEL_VARIANTS, *(i.label for i in catalog.INDICATORS),
                                               *catalog.COMPOSITE_HEADINGS, *PROFILE_LABELS)) + 10  # spacing, `&` as `and`


def _is_footer(text: str) -> bool:
    return text.startswith(catalog.FOOTER_STARTS)


def _is_title(text: str) -> bool:
    if text in catalog.SECTION_TITLES:
        return True
    words = text.split()
    return (len(words) <= 6 and len(text) <= 60 and text[:1].isupper() and not text.endswith(TERMINAL)
            and not text.endswith((",", ";", ":")))


def _fmt(s: Score) -> str:
    return f"{s.score:.2f}" + ("" if s.change is None else f" {s.change:+.2f}")
