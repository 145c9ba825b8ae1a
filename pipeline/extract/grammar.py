"""The grammar: reads the line stream of any profile page into entity drafts.

It knows the page's anatomy (DOMAIN.md), not its format: header -> per entity [Profile, criminality
score and ranks, criminal markets, criminal actors, resilience score and ranks, the 12 resilience
indicators, the pyramid line, the resilience block again] -> Analysis -> footer. Blocks are found by
what they say, so a page that starts late (flat copies), stops early (cut-off copies) or holds two
entities (comparison and region pages) reads with the same rules. Edition rules are applied later
(`edition.py`); the grammar only records what it saw, and the evidence for the edition.

The data is found by structure, not by the page around it. A block starts at a value actually read: a
`Profile` heading with a field, a label with its score, a score with its heading. A number is an error only
in a value slot (after a profile label, by an indicator label or a score heading, under a heading where its
rank lines go: `blocks.py`); every other line no block reads is reported (`unrecognized_lines` among the
data, `page_chrome` around it), never a reason to reject. What makes a lost value an error is what counts
what must be there: every indicator of the edition, the rank lines of each composite, the profile's fields
(`completeness.py`, `validate.py`). Reading goes on past the footer: a block there is read as any other.

Here: the reading loop and which block a line starts (`_step`). What has been read, and where a new
entity starts, is in `drafts.py`; the readers of the blocks in `blocks.py`; the cursor in `cursor.py`.
Pure: lines in, a `Reading` out. Problems are recorded as issues, never raised.
"""

from __future__ import annotations

from pipeline.extract import analysis, blocks, names
from pipeline.extract.cursor import GAP, HAS_NUMBER, TERMINAL, Kind, known_line, unread_number
from pipeline.extract.drafts import Page, Reading
from pipeline.extract.lines import Line
from pipeline.extract.tokens import is_rank_like, looks_like_token, show, split_score_change


def read(lines: list[Line], whole: bool = False) -> Reading:
    """What a page's lines hold; `whole`: the document is known to be whole (markup that ends with its closing
    tag), so that its last line is not cut and a footer of another design does not make it incomplete."""
    page = Page(lines)
    last = lines[-1].no if lines else 0
    if not whole:
        _drop_cut_line(page)
    else:
        _find_footer(page)
    names.header(page)
    at = page.at
    while not at.at_end():
        _step(page)
    _report(page)
    return page.reading(last, whole)


def _report(page: Page) -> None:
    """The lines no block read: among the data a warning, around it (menus, banners, dates) another. A score
    among the data that no label claims is new data (an indicator this pipeline does not know), an error,
    unless it repeats a value of its entity (a sticky summary, a screen-reader copy) with no label of its own."""
    for line, index in page.strays:
        if not _a_copy(page, line, index):
            page.unrecognized.remove(line)
            page.error(
                "stray_score",
                f'line {line.no}: the score "{show(line.text)}" has no label before it nor a score heading after '
                "it that this pipeline knows, so it cannot be attributed (a new indicator or label?)",
                line.no,
            )
    among = [line for line in page.unrecognized if page.entities and page.entities[-1].scores]
    if among:
        first = next((line for line in among if unread_number(line.text)), among[0])
        page.warn(
            "unrecognized_lines",
            f"{len(among)} line(s) among the scores were not read as values, the first at line {first.no}: "
            f'"{show(first.text, 80)}" (a new label or layout?)',
            first.no,
        )
    if page.chrome:
        first = page.chrome[0]
        page.warn(
            "page_chrome",
            f"{len(page.chrome)} line(s) with numbers around the data were read as the page around it (menus, "
            f'banners, dates), not as values; the first at line {first.no}: "{show(first.text, 80)}"',
            first.no,
        )


def _a_copy(page: Page, line: Line, index: int) -> bool:
    """A stray score that repeats a value its entity shows, with no label of its own before it."""
    if index < 0 or _labelled(page, line):
        return False
    score, change = split_score_change(line.text)
    shown = page.entities[index].scores.values()
    return any(s.score == score and (change is None or s.change == change) for s in shown)


def _labelled(page: Page, line: Line) -> bool:
    """Whether a short line that could be a label (one this pipeline does not know) comes just before `line`."""
    at = page.at
    j = at.lines.index(line)
    before = at.texts[j - 1] if j else ""
    return (
        0 < len(before) <= 60
        and not HAS_NUMBER.search(before)
        and before[:1].isupper()
        and not before.endswith(TERMINAL)
    )


def _find_footer(page: Page) -> None:
    """Where the site's footer starts: its first line after the first score (flat copies start with footer
    text, which is not the footer)."""
    at = page.at
    first_score = next((n for n, k in enumerate(at.kinds) if k.tokenish), None)
    if first_score is not None:
        at.footer_from = next((n for n in range(first_score, len(at.kinds)) if at.kinds[n].footer), None)


def _drop_cut_line(page: Page) -> None:
    """A page without its footer may stop inside its last line: that line is not a value."""
    at = page.at
    if not at.lines:
        return
    _find_footer(page)
    if at.footer_from is not None:
        return
    last = at.lines[-1].text
    if looks_like_token(last) or is_rank_like(last) or not (last.endswith(TERMINAL) or known_line(last)):
        page.cut_line = at.drop_last()


def _step(page: Page) -> None:
    """Read the block the cursor's line starts, or step over the line."""
    at = page.at
    i, kinds = at.i, at.kinds
    line, here = at.lines[i], kinds[i]
    if here.indicator and i + 2 < len(kinds) and kinds[i + 1].token and kinds[i + 2].composite is None:
        return blocks.indicator(page, here.indicator, 1)  # a label and its score: most lines of a page
    t = line.text
    if here.footer and at.footer_from is not None and at.i >= at.footer_from:
        if page.footer_line is None:
            page.footer_line = line.no
        page.zone = False  # the site's footer from here, until a block is read again
        page.in_footer = True
        kinds, i = at.kinds, at.i + 1
        while i < len(kinds) and not _may_start(kinds[i]):
            i += 1  # the footer's lines: furniture, quickly past, up to a line that may start a block
        at.i = i
        return None
    elif here.heading == "profile" and at.profile_ahead():
        return blocks.profile(page)
    elif here.profile and at.profile_start():
        return blocks.profile(page, implicit=True)
    elif here.heading == "analysis" and analysis.analysis_ahead(page):
        return analysis.analysis(page)
    elif here.token and (h := _heading_after(page)) is not None:
        return blocks.composite(page, at.kinds[at.i + h].composite or "", 0, h)
    elif (here.composite and _slot(page, here.composite, composite=True)) or (
        here.indicator and _slot(page, here.indicator, composite=False)
    ):
        return None
    elif here.pyramid:
        return blocks.pyramid(page, line)
    elif page.prose_after_scores(t):
        return analysis.analysis(page, implicit=True)
    if here.token and page.zone:
        page.strays.append((line, len(page.entities) - 1))
    page.unread(line)
    at.advance()
    return None


def _may_start(k: Kind) -> bool:
    """A line that may start a block: a score, a label, a heading, `Profile` or `Analysis`, the pyramid."""
    return bool(k.token or k.composite or k.indicator or k.profile or k.heading or k.pyramid)


def _heading_after(page: Page) -> int | None:
    """The offset of the composite heading a score at the cursor is printed over (token first), unless that
    heading has a score of its own after it."""
    at = page.at
    h = at.find(1, _is_heading)
    if h is None or at.find(h + 1, _is_token) is not None:
        return None
    return h


def _slot(page: Page, code: str, composite: bool) -> bool:
    """A label or a score heading at the cursor: read its block when its score follows; a number in a new
    format where the score goes (or, for a heading, just before it) is an error. False when it is neither
    (a menu item, a heading over no score)."""
    at = page.at
    score = at.find(1, _is_token)
    if score is not None and not composite and at.find(score + 1, _is_heading) == score + 1:
        score = None  # a score over a heading (token first) is the heading's, not this label's
    if score is not None:
        if composite:
            blocks.composite(page, code, score, 0)
        else:
            blocks.indicator(page, code, score)
        return True
    value = at.find(1, _is_value)
    if value is None and composite:
        value = _unread_just_before(page)
    if value is None:
        return False
    label = at.line()
    blocks.slot_not_read(page, label, at.lines[at.i + value])
    if value > 0:
        at.advance(value + 1)
    else:
        at.advance()
    if composite:
        blocks.rank_lines(page, code)
    return True


def _unread_just_before(page: Page) -> int | None:
    """The negative offset of a number in a new format printed just before a score heading (where the
    site prints the score over its heading), taken back from the lines no block read; None if there is none."""
    at = page.at
    for j in range(-1, -GAP - 2, -1):
        line = at.peek(j)
        if line is None:
            return None
        if _is_value(at.kind(j)):
            for unread in (page.unrecognized, page.chrome):
                if unread and unread[-1] is line:
                    unread.pop()
                    return j
            return None
        if not at.is_noise(j):
            return None
    return None


def _is_token(k: Kind) -> bool:
    return k.token


def _is_heading(k: Kind) -> bool:
    return k.composite is not None


def _is_value(k: Kind) -> bool:
    return k.decimal or k.tokenish
