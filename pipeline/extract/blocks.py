"""The readers of a page's blocks, one each: profile, score block (a composite score with its
rank lines, or an indicator), the pyramid line (the analysis: `analysis.py`).

Each reader starts at the cursor, reads its block into the page's entity drafts and leaves the cursor
after it (`grammar.py` decides which reader a line calls for). A block reads its value slots, and a number
in a slot that cannot be read is an error naming the line: the line after a profile label, the score by an
indicator label or a score heading, the rank lines under a score heading. A block skips up to `GAP` lines
between its parts that hold no value (an info glyph, a tooltip, a screen-reader copy); what it skips is
reported, not read. A block read again for the same entity (the resilience block is printed twice, a page
may repeat a summary) is compared with the first reading.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline import catalog
from pipeline.errors import PageError
from pipeline.extract.cursor import GAP, HAS_NUMBER, NOTHING, RANKISH, Kind
from pipeline.extract.drafts import Draft, Page, Rank, Score
from pipeline.extract.lines import Line
from pipeline.extract.names import known_name, plausible_name
from pipeline.extract.profile import PROFILE_LABELS, parse_profile_value, profile_field
from pipeline.extract.tokens import parse_pyramid, parse_rank_line, show, split_score_change

_UNSIGNED = re.compile(r"^\d\.\d\d$")
# A profile value in its usual shapes (an amount, a count, an area): a line like this that no field reads is
# a value lost, not page furniture.
VALUE_LIKE = re.compile(
    r"^(?:USD|US\$|\$)?\s*\d[\d.,\s]*(?:\s*(?:million|billion|trillion|km²|km2|%))?(?:\s*\(\d{4}\))?$", re.IGNORECASE
)


def profile(page: Page, implicit: bool = False) -> None:
    """`Profile`, the entity's name (a flag's caption may come with it), then label and value lines.
    `implicit`: the block starts at its first label, with the name on the line before (ENACT pages print no
    heading)."""
    at = page.at
    start = at.line()
    names: list[Line] = []
    if implicit:
        entity = page.entity_for("profile", start)
        named = at.peek(-1)
        if named is not None and plausible_name(named.text):
            entity.name, entity.name_line = named.text, named.no
    else:
        at.advance()
        entity = page.entity_for("profile", at.peek())
        while not at.at_end() and at.kind().profile is None and at.is_noise() and len(names) <= 2 * GAP:
            names.append(at.line())
            at.advance()
        named = next((n for n in reversed(names) if known_name(n.text)), None) or next(
            (n for n in reversed(names) if plausible_name(n.text)), None
        )
        if named is not None:
            entity.name, entity.name_line = named.text, named.no
    entity.first_line = start.no
    entity.profile = {}
    page.open_zone()
    skipped = [n for n in names if n is not named] if not implicit else []
    for line in skipped:
        _not_a_field(page, entity, line)
    while at.in_block():
        line = at.line()
        key = profile_field(line.text)
        at.advance()
        if key is None:
            skipped.append(line)
            _not_a_field(page, entity, line)
            continue
        entity.profile_labels.append(line.text)
        page.open_zone()
        _profile_field(page, entity, key, line)
    if skipped and not entity.profile_labels:
        page.error(
            "bad_profile",
            f"line {start.no}: the profile block has {len(skipped)} line(s) but no field "
            f'this pipeline knows (first: "{show(skipped[0].text, 60)}"); a new profile layout?',
            start.no,
        )


def _not_a_field(page: Page, entity: Draft, line: Line) -> None:
    """A line in the profile that is no field label nor a field's value: a value whose label was not read is
    an error (never a gap); other lines (a map link, a caption, a share count) are reported."""
    where = f'line {line.no}: "{show(line.text, 80)}"'
    if VALUE_LIKE.match(line.text):
        after = f" after {entity.profile_labels[-1]}'s value" if entity.profile_labels else ""
        page.error(
            "unaccounted_value",
            f"{where} is a value{after} that follows no profile field this pipeline knows "
            f"({', '.join(PROFILE_LABELS)}): a new label, or a value printed twice?",
            line.no,
        )
    elif HAS_NUMBER.search(line.text):
        page.unread(line)
    else:
        page.warn("unrecognized_line", f"{where} is not a profile field ({', '.join(PROFILE_LABELS)})", line.no)


def _profile_field(page: Page, entity: Draft, key: str, label_line: Line) -> None:
    """The value of one profile field: the line after its label (a list, `Countries`, runs to the next label)."""
    at = page.at
    values: list[Line] = []
    if at.value_line():
        values.append(at.line())
        at.advance()
    while key == "countries" and at.in_block() and profile_field(at.text()) is None and not at.kind().valueish:
        values.append(at.line())  # a list runs to the next label
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


def composite(page: Page, code: str, score_at: int, heading_at: int) -> None:
    """A composite score and its heading (`4.430.10` + `Criminality score`, in either order, a few lines of
    no value between them at most), then the rank lines under it."""
    at = page.at
    first = min(score_at, heading_at)
    token, heading = at.peek(score_at), at.peek(heading_at)
    assert token is not None and heading is not None
    entity = page.entity_for(code, at.peek(first), _name_before(page, first))
    for k in range(first, max(score_at, heading_at)):
        if k not in (score_at, heading_at):
            page.unread(at.lines[at.i + k])
    at.advance(max(score_at, heading_at) + 1)
    page.open_zone()
    score = _score(page, token, heading.text)
    ranks = rank_lines(page, code)
    if score is None:
        return
    if code in entity.scores:
        repeated(page, entity, code, score, ranks)
    else:
        entity.add(code, score)
        entity.ranks.extend(ranks)


def rank_lines(page: Page, metric: str) -> list[Rank]:
    """The rank lines under a composite score (`129th of 193 countries -2`): three on a global page, two on
    an ENACT page's country, one for a region among regions. A line there that speaks of a rank but cannot be
    read is an error; other lines (a tooltip) are skipped, a few at most."""
    at = page.at
    ranks: list[Rank] = []
    expected, seen, skipped = 3, 0, 0
    while not at.at_end() and seen < expected:
        line, here = at.line(), at.kind()
        if here.rank:
            parsed = parse_rank_line(line.text)
            if parsed is None:
                _bad_rank(page, line)
            else:
                ranks.append(Rank(metric, parsed, line.no, line.text))
                if len(ranks) == 1:
                    expected = 1 if parsed.regions else 2 if parsed.area_first else 3
            seen, skipped = seen + 1, 0
            at.advance()
            continue
        if not at.is_noise():
            break
        if HAS_NUMBER.search(line.text) and RANKISH.search(line.text):
            _bad_rank(page, line)
            seen += 1
        elif skipped < GAP:
            page.unread(line)
            skipped += 1
        else:
            break
        at.advance()
    return ranks


def _bad_rank(page: Page, line: Line) -> None:
    page.error(
        "bad_rank",
        f'line {line.no}: "{show(line.text)}" is not a rank line (expected '
        f"`129th of 193 countries -2` or `7th of 11 countries in Western Europe-1`)",
        line.no,
    )


def indicator(page: Page, code: str, score_at: int) -> None:
    """An indicator's label, its score (a few lines of no value between them at most), and the one
    description line that may follow. The hot path: most lines of a page are read here."""
    at = page.at
    i, lines, kinds = at.i, at.lines, at.kinds
    label, token = lines[i], lines[i + score_at]
    entities = page.entities
    current = entities[-1] if entities else None
    if current is None or code in current.scores:  # a new entity, or a block read again (a repeat, or new name)
        entity = page.entity_for(code, label, _name_before(page, 0) if current is not None else None)
    else:
        entity = current
    for k in range(i + 1, i + score_at):
        page.unread(lines[k])
    at.i = i = i + score_at + 1
    page.zone, page.in_footer = True, False
    score = _score(page, token, label.text)
    if score is None:
        return
    n = len(lines)
    apart = score.change is None and not score.na and i < n and kinds[i].token and _UNSIGNED.match(lines[i].text)
    if apart and (i + 1 >= n or kinds[i + 1].composite is None):
        score.change = float(lines[i].text)  # a change of a point or more printed apart, unsigned (`4.00` / `1.00`)
        at.i = i = i + 1
    if code in entity.scores:
        repeated(page, entity, code, score, None)
    else:
        entity.add(code, score)
    # One description may follow the score: it is the indicator's (the catalog holds them), not a stray line.
    follows = i < n and kinds[i] is NOTHING and (i + 1 >= n or kinds[i + 1].composite is None)
    if follows and _description(page, lines[i].text):
        at.i = i + 1


def _description(page: Page, text: str) -> bool:
    """A line that can be an indicator's description: words, no number, not the prose of an analysis."""
    return _wordy(text) and not (len(text) > 200 and page.prose_after_scores(text))


@lru_cache(maxsize=4096)  # descriptions repeat across pages (the catalog holds them)
def _wordy(text: str) -> bool:
    return bool(text) and HAS_NUMBER.search(text) is None


def slot_not_read(page: Page, label: Line, value: Line) -> None:
    """A number where a label's or a heading's score goes that is no score: never a gap."""
    if _score(page, value, label.text) is not None:  # a score after all (the caller asks of value-like lines)
        page.error("bad_token", f'line {value.no}: "{show(value.text)}" cannot be read under "{show(label.text)}"',
                   value.no)  # fmt: skip


def repeated(page: Page, entity: Draft, code: str, score: Score, ranks: list[Rank] | None) -> None:
    """A score read again (the resilience block is printed twice, a summary may repeat a block): it must
    agree with the first reading."""
    entity.repeat_seen = (
        entity.repeat_seen or code == "resilience" or catalog.INDICATOR_BY_CODE[code].pillar == ("resilience")
    )
    first = entity.scores[code]
    if (first.score, first.change) != (score.score, score.change):
        page.error(
            "repeat_mismatch",
            f'line {score.line}: "{score.label}" appears twice with different values: {_fmt(first)} at line '
            f"{first.line}, {_fmt(score)} at line {score.line}; the page contradicts itself",
            score.line,
        )
    if ranks is None:
        return
    before = [r for r in entity.ranks if r.metric == code]
    for again in ranks:  # either reading may be cut short (a summary): what both show must agree, line by line
        same = next((r for r in before if (r.rank.area, r.rank.regions) == (again.rank.area, again.rank.regions)), None)
        if same is None:
            entity.ranks.append(again)  # a rank line the first reading did not show
            continue
        if (same.rank.rank, same.rank.of, same.rank.change) == (again.rank.rank, again.rank.of, again.rank.change):
            continue
        earlier = f'line {same.line} reads "{same.text}"'
        page.error(
            "repeat_mismatch",
            f'line {again.line}: the {code} rank line "{again.text}" disagrees with the first reading ({earlier}); '
            "the page contradicts itself",
            again.line,
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


def _name_before(page: Page, offset: int) -> Line | None:
    """The line just before a block at `offset`, when it names an entity (a comparison page's second block)."""
    line = page.at.peek(offset - 1)
    return line if line is not None and known_name(line.text) else None


def _score(page: Page, token: Line, label: str) -> Score | None:
    try:
        score, change = split_score_change(token.text, token.no)
    except PageError as exc:
        page.error(exc.code, f'{exc.message} (under "{show(label)}")', token.no)
        return None
    return Score(score, change, "n/a" in token.text.lower(), token.no, label)


def _is_token(k: Kind) -> bool:
    return k.token


def _fmt(s: Score) -> str:
    return f"{s.score:.2f}" + ("" if s.change is None else f" {s.change:+.2f}")
