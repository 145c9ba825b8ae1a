"""The grammar: reads the line stream of any profile page into entity drafts.

It knows the page's anatomy (DOMAIN.md), not its format: header -> per entity [Profile, criminality
score and ranks, criminal markets, criminal actors, resilience score and ranks, the 12 resilience
indicators, the pyramid line, the resilience block again] -> Analysis -> footer. Blocks are found by
what they say, so a page that starts late (flat copies), stops early (cut-off copies) or holds two
entities (comparison and region pages) reads with the same rules. Edition rules are applied later
(`edition.py`); the grammar only records what it saw, and the evidence for the edition.

Here: the reading loop and which block a line starts (`_step`). What has been read, and where a new
entity starts, is in `drafts.py`; the readers of the blocks in `blocks.py`; the cursor in `cursor.py`.
Pure: lines in, a `Reading` out. Problems are recorded as issues, never raised.
"""

from __future__ import annotations

from pipeline.extract import blocks
from pipeline.extract.cursor import HAS_NUMBER, NOTHING, TERMINAL, ignorable, known_line
from pipeline.extract.drafts import Page, Reading
from pipeline.extract.lines import Line
from pipeline.extract.tokens import is_rank_like, looks_like_token


def read(lines: list[Line]) -> Reading:
    page = Page(lines)
    last = lines[-1].no if lines else 0
    _drop_cut_line(page)
    blocks.header(page)
    at = page.at
    while not at.at_end():
        if at.at_footer():
            page.footer_line = at.line().no
            break
        _step(page)
    if page.unrecognized:
        first = page.unrecognized[0]
        page.warn(
            "unrecognized_lines",
            f"{len(page.unrecognized)} line(s) among the scores were not "
            f'recognised, the first at line {first.no}: "{first.text[:80]}" (a new label or layout?)',
            first.no,
        )
    return page.reading(last)


def _drop_cut_line(page: Page) -> None:
    """A page without its footer may stop inside its last line: that line is not a value.

    Footer text before the first score is not the footer: flat copies start with it."""
    at = page.at
    if not at.lines:
        return
    first_score = next((n for n, k in enumerate(at.kinds) if k.tokenish), None)
    if first_score is not None:
        at.footer_from = next((n for n in range(first_score, len(at.kinds)) if at.kinds[n].footer), None)
        if at.footer_from is not None:
            return
    last = at.lines[-1].text
    if looks_like_token(last) or is_rank_like(last) or not (last.endswith(TERMINAL) or known_line(last)):
        page.cut_line = at.drop_last()


def _step(page: Page) -> None:
    """Read the block the cursor's line starts, or step over the line."""
    at = page.at
    i, kinds, lines = at.i, at.kinds, at.lines  # the hot path: the cursor's lists indexed directly
    line, here = lines[i], kinds[i]
    after, nxt = (lines[i + 1], kinds[i + 1]) if i + 1 < len(lines) else (None, NOTHING)
    t = line.text
    if t == "Profile" and at.profile_ahead():
        blocks.profile(page)
    elif here.profile and at.profile_start():
        blocks.profile(page, implicit=True)
    elif t == "Analysis" and blocks.analysis_ahead(page):
        blocks.analysis(page)
    elif here.token and nxt.composite and after:
        blocks.composite(page, nxt.composite, line, after)
    elif here.composite and nxt.token and after and not (i and kinds[i - 1].token):
        blocks.composite(page, here.composite, after, line)
    elif here.indicator and nxt.tokenish and after:
        blocks.indicator(page, here.indicator, line, after)
    elif here.pyramid:
        blocks.pyramid(page, line)
    elif here.token or here.tokenish or here.rank:
        blocks.stray(page, line, here)
    elif page.prose_after_scores(t):
        blocks.analysis(page, implicit=True)
    else:
        if page.zone and HAS_NUMBER.search(t) and ignorable(t) is None:
            page.error(
                "unaccounted_value",
                f'line {line.no}: "{t[:80]}" holds a number but is no score, rank or '
                "profile value this pipeline can read (a new layout of that line?)",
                line.no,
            )
        elif page.current is not None and page.current.scores:  # before the first score: page furniture
            page.unrecognized.append(line)
        at.advance()
    if here.indicator or here.composite or here.profile or t == "Profile":
        page.zone = True  # among the scores, ranks and profile from here to the analysis
