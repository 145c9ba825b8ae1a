"""The readers of a page's blocks, one each: header, profile, score block (a composite score with its
rank lines, or an indicator), the repeated resilience block, the pyramid line, the analysis.

Each reader starts at the cursor, reads its block into the page's entity drafts and leaves the cursor
after it (`grammar.py` decides which reader a line calls for). Problems become issues on the page.
"""

from __future__ import annotations

import re

from pipeline import catalog
from pipeline.errors import PageError
from pipeline.extract.cursor import TERMINAL, Kind, known_label, unread_number
from pipeline.extract.drafts import Draft, Page, Rank, Score
from pipeline.extract.lines import Line
from pipeline.extract.profile import PROFILE_LABELS, parse_profile_value, profile_field
from pipeline.extract.tokens import parse_pyramid, parse_rank_line, split_score_change

TAB_LINE = re.compile(r"^\d{2}(?:\s*\d{2})*$")


def header(page: Page) -> None:
    """`The Organized Crime Index | ENACT`, `Year:` (ENACT: `Year`), `Read the report`, the names with `x`
    between them; up to the first block."""
    at = page.at
    first = at.text()
    if not (first.startswith(("The Organized Crime Index", "Year")) or at.text(1) == "x"):
        return
    page.header_seen = True
    while not at.at_end() and not at.structural() and not at.profile_start():
        t = at.text()
        if t == "Profile" or (any(c.isdigit() for c in t) and not t.startswith("Year")):
            break  # the profile, or a value: the header holds names and furniture only
        if t == "Year" or t.startswith("Year:"):
            page.year_label = True
        elif (t not in catalog.HEADER_LINES and not t.startswith("The Organized Crime Index")
              and t not in page.header_names):  # fmt: skip
            page.header_names.append(t)
        at.advance()


def profile(page: Page, implicit: bool = False) -> None:
    """`Profile`, the entity's name (a caption may follow), then label and value lines. `implicit`: the
    block starts at its first label, with the name on the line before (ENACT pages print no heading)."""
    at = page.at
    start = at.line()
    if implicit:
        entity = page.entity_for("profile", start)
        named = at.peek(-1)
        if named is not None and _plausible_name(named.text):
            entity.name, entity.name_line = named.text, named.no
    else:
        at.advance()
        entity = page.entity_for("profile", at.peek())
        if not at.at_end() and profile_field(at.text()) is None and not at.structural():
            entity.name, entity.name_line = at.text(), at.line().no
            at.advance()
    entity.first_line = start.no
    entity.profile = {}
    skipped: list[Line] = []
    while at.in_block():
        label_line = at.line()
        key = profile_field(label_line.text)
        at.advance()
        if key is None:
            skipped.append(label_line)
            where = f'line {label_line.no}: "{label_line.text[:80]}"'
            if any(c.isdigit() for c in label_line.text):  # a value whose label was not read: never a gap
                page.error(
                    "unaccounted_value",
                    f"{where} holds a number but follows no profile field this "
                    f"pipeline knows ({', '.join(PROFILE_LABELS)})",
                    label_line.no,
                )
            else:
                page.warn(
                    "unrecognized_line", f"{where} is not a profile field ({', '.join(PROFILE_LABELS)})", label_line.no
                )
            continue
        entity.profile_labels.append(label_line.text)
        _profile_field(page, entity, key, label_line)
    if skipped and not entity.profile_labels:
        page.error(
            "bad_profile",
            f"line {start.no}: the profile block has {len(skipped)} line(s) but no field "
            f'this pipeline knows (first: "{skipped[0].text[:60]}"); a new profile layout?',
            start.no,
        )


def _profile_field(page: Page, entity: Draft, key: str, label_line: Line) -> None:
    """The value lines of one profile field, up to the next label, read as the field's type."""
    at = page.at
    values: list[Line] = []
    while at.in_block() and profile_field(at.text()) is None and not (values and unread_number(at.text())):
        values.append(at.line())  # a value may run over lines; a number after its first line is not its own
        at.advance()
    if not values:
        if not at.at_end():
            page.error(
                "bad_profile_value",
                f'line {label_line.no}: profile field "{label_line.text}" has no value',
                label_line.no,
            )
        return
    try:
        value = parse_profile_value(key, [v.text for v in values])
    except PageError as exc:
        page.error(exc.code, f"line {values[0].no}: {exc.message}", values[0].no)
        return
    if key == "countries":
        entity.members = value
    else:
        assert entity.profile is not None
        entity.profile[key] = value


def composite(page: Page, code: str, token: Line, heading: Line) -> None:
    """A composite score (`4.430.10` + `Criminality score`) and the rank lines under it."""
    entity = page.entity_for(code, page.at.peek())
    repeat = code in entity.scores
    page.at.advance(2)
    score = _score(page, token, heading.text)
    ranks = rank_lines(page, code)
    if score is None:
        return
    if repeat:
        repeated(page, entity, code, score, ranks, heading)
    else:
        entity.add(code, score)
        entity.ranks.extend(ranks)


def rank_lines(page: Page, metric: str) -> list[Rank]:
    """The rank lines under a composite score (`129th of 193 countries -2`)."""
    at = page.at
    ranks: list[Rank] = []
    while at.kind().rank:
        line = at.line()
        parsed = parse_rank_line(line.text)
        if parsed is None:
            page.error(
                "bad_rank",
                f'line {line.no}: "{line.text}" is not a rank line (expected '
                f"`129th of 193 countries -2` or `7th of 11 countries in Western Europe-1`)",
                line.no,
            )
        else:
            ranks.append(Rank(metric, parsed, line.no))
        at.advance()
    return ranks


def indicator(page: Page, code: str, label: Line, token: Line) -> None:
    """An indicator's label, its score, and the one description line that may follow."""
    at = page.at
    entity = page.entity_for(code, label)
    at.advance(2)
    score = _score(page, token, label.text)
    if score is None:
        return
    if code in entity.scores:
        repeated(page, entity, code, score, None, label)
    else:
        entity.add(code, score)
    # One description may follow the score: it is the indicator's (the catalog holds them), not a
    # stray line.
    here, text = at.kind(), at.text()
    if (at.in_block() and not here.rank and not here.pyramid and text != "Analysis" and here.composite is None
            and not page.prose_after_scores(text) and not unread_number(text)):  # fmt: skip
        at.advance()


def repeated(page: Page, entity: Draft, code: str, score: Score, ranks: list[Rank] | None, where: Line) -> None:
    """A score read again (the resilience block is printed twice): it must agree with the first reading."""
    entity.repeat_seen = True
    first = entity.scores[code]
    if (first.score, first.change) != (score.score, score.change):
        page.error(
            "repeat_mismatch",
            f"line {score.line}: {code} reads {_fmt(score)} in the repeated resilience "
            f"block but {_fmt(first)} at line {first.line}; the page contradicts itself",
            score.line,
        )
    if ranks is None:
        return
    before = [(r.rank.rank, r.rank.of, r.rank.area, r.rank.change) for r in entity.ranks if r.metric == code]
    after = [(r.rank.rank, r.rank.of, r.rank.area, r.rank.change) for r in ranks]
    if after != before[: len(after)]:  # the repeat may be cut short: what it shows must agree
        page.error(
            "repeat_mismatch",
            f"line {where.no}: the repeated {code} ranks {after} disagree with the first ones {before}",
            where.no,
        )


def pyramid(page: Page, line: Line) -> None:
    """The six numbers under the pyramid: resilience, actors, markets, twice; they must agree with the scores."""
    values = parse_pyramid(line.text)
    assert values is not None
    entity = page.entity_for("pyramid", line)
    entity.pyramid = values
    page.at.advance()
    for half in (values[:3], values[3:]):
        for code, value in zip(("resilience", "criminal_actors", "criminal_markets"), half):
            first = entity.scores.get(code)
            if first is not None and first.score != value:
                page.error(
                    "pyramid_mismatch",
                    f'line {line.no}: the pyramid line "{line.text}" gives '
                    f"{code} {value:.2f} but line {first.line} gives {first.score:.2f}",
                    line.no,
                )


def stray(page: Page, line: Line, here: Kind) -> None:
    """A score, a malformed token or a rank line where no block expects one."""
    t = line.text
    if here.token:
        page.error(
            "stray_score",
            f'line {line.no}: the score "{t}" has no label before it nor a score '
            f"heading after it, so it cannot be attributed",
            line.no,
        )
    elif here.tokenish:
        page.error(
            "bad_token",
            f'line {line.no}: "{t}" is not a score (expected 5.17, 5.170.12, 7.50-0.50 or 2.50 n/a)',
            line.no,
        )
    else:
        page.error(
            "bad_rank",
            f'line {line.no}: "{t}" is not a rank line here (expected after a '
            f"score heading, like `129th of 193 countries -2`)",
            line.no,
        )
    page.at.advance()


def analysis_ahead(page: Page) -> bool:
    """`Analysis` opens the analysis after an entity's scores, or when its tab numbers follow."""
    return TAB_LINE.match(page.at.text(1)) is not None or page.scores_read("resilience")


def analysis(page: Page, implicit: bool = False) -> None:
    """`Analysis`, its tab numbers (`01 02 ...`), then titled sections of paragraphs, up to the footer or
    the next entity's block."""
    at = page.at
    entity = page.entity_for("analysis", at.peek())
    if not implicit:
        at.advance()
        if TAB_LINE.match(at.text()):
            page.tabs = len(re.findall(r"\d{2}", at.text()))
            at.advance()
    while not at.at_end() and not at.at_footer():
        t = at.text()
        if (t == "Profile" and at.profile_ahead()) or (at.kind().token and at.kind(1).composite):
            return  # the next entity's block
        if at.profile_start(1) and _plausible_name(t):
            return  # the next entity's name, its profile starting without a heading
        if _is_title(t):
            entity.sections.append((t, []))
        elif entity.sections:
            entity.sections[-1][1].append(t)
        else:
            entity.sections.append((None, [t]))
        at.advance()


def _plausible_name(text: str) -> bool:
    """A line that can name an entity: short, no digits, not page furniture, a label or a heading."""
    return (len(text) <= 60 and not any(c.isdigit() for c in text) and text not in catalog.HEADER_LINES
            and not text.startswith(("The Organized Crime Index", "Year")) and not known_label(text))  # fmt: skip


def _score(page: Page, token: Line, label: str) -> Score | None:
    try:
        score, change = split_score_change(token.text, token.no)
    except PageError as exc:
        page.error(exc.code, f'{exc.message} (under "{label}")', token.no)
        return None
    return Score(score, change, "n/a" in token.text.lower(), token.no, label)


def _is_title(text: str) -> bool:
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


def _fmt(s: Score) -> str:
    return f"{s.score:.2f}" + ("" if s.change is None else f" {s.change:+.2f}")
