"""Issues: the errors and warnings a record carries (CONTRACT.md section 2), made and read in one place."""

from __future__ import annotations

from collections.abc import Iterable


def issue(severity: str, code: str, message: str, line: int | None) -> dict:
    """One issue of a record: `severity` is "error" or "warning", `code` a stable snake_case code."""
    return {"severity": severity, "code": code, "message": message, "line": line}


def errors_of(issues: Iterable[dict]) -> list[dict]:
    """The errors among issues (a page with any is never loaded)."""
    return [i for i in issues if i["severity"] == "error"]


def has_errors(record: dict) -> bool:
    return any(i["severity"] == "error" for i in record["issues"])


# Every issue code, with the stage that reports it (a rejected page's `rejects.stage` is its first
# error's) and what it means. The README's table of codes is generated from this one.
STAGES = ("fetch", "read", "parse", "validate")
ERRORS: dict[str, tuple[str, str]] = {
    "empty_page": ("read", "the page holds nothing to parse"),
    "binary_page": ("read", "the page holds binary data, not text or HTML"),
    "too_large": ("read", "the page is over the size limit for one page (or a response over --max-bytes)"),
    "outside_raw": ("read", "a link out of the raw folder"),
    "unreadable": ("read", "the file cannot be read (permissions, a broken link)"),
    "bad_metadata": ("read", "the page's .meta.json (where and when it was fetched) cannot be read"),
    "no_line_breaks": ("read", "a saved text page on one line: its line breaks were lost"),
    "changed_during_run": ("read", "the file changed between the run's listing of raw/ and its reading"),
    "truncated": ("parse", "the page stops early: it is cut off"),
    "missing_block": ("parse", "a block the page's edition carries is missing"),
    "not_a_profile": ("parse", "no score of the index: an error page, or another site"),
    "bad_token": ("parse", "a score that cannot be read (expected 5.17, 5.170.12, 7.50-0.50 or 2.50 n/a)"),
    "stray_score": ("parse", "a score among the data with no label before it nor a heading after it: new data?"),
    "bad_rank": ("parse", "a rank line that cannot be read, or an impossible rank"),
    "bad_profile_value": ("parse", "a profile value that cannot be read as its type"),
    "bad_profile": ("parse", "a profile block with no field this pipeline knows"),
    "repeat_mismatch": ("parse", "the repeated resilience block disagrees with the first"),
    "pyramid_mismatch": ("parse", "the pyramid line disagrees with the scores"),
    "edition_unknown": ("parse", "the edition cannot be told from the page or its URL"),
    "edition_conflict": ("parse", "the page (or the page and its URL) contradict each other about the edition"),
    "unknown_entity": ("parse", "the page does not say whose profile it is"),
    "unknown_country": ("parse", "a name that is not one of the 193 countries"),
    "duplicate_entity": ("parse", "the page shows the same country or region twice"),
    "entity_conflict": ("parse", "the page and its URL name different entities"),
    "score_out_of_range": ("validate", "a score outside 1 to 10"),
    "score_step": ("validate", "an indicator score that is not a step of 0.5"),
    "impossible_change": ("validate", "a change that implies a previous score outside 1 to 10, or off the 0.5 steps"),
    "pillar_mean": ("validate", "a pillar score that is not the mean of its indicators"),
    "criminality_mean": ("validate", "criminality is not the mean of the unrounded markets and actors means"),
    "change_mean": ("validate", "a pillar's printed change is not the change of the mean of its indicators"),
    "missing_change": ("validate", "a score printed without its change on a page whose edition prints one"),
    "missing_field": ("parse", "a profile field the edition's pages print is missing"),
    "missing_indicator": ("validate", "an indicator of the edition is missing"),
    "unexpected_indicator": ("validate", "an indicator the edition does not have"),
    "unexpected_change": ("validate", "a change where the edition prints none"),
    "schema_invalid": ("validate", "the record does not fit the record's model"),
    "robots_disallowed": ("fetch", "robots.txt disallows the page"),
    "http_<status>": ("fetch", "the server answered with an error status"),
    "timeout": ("fetch", "no answer in time"),
    "connection_error": ("fetch", "the connection failed"),
    "cut_body": ("fetch", "the body was cut off"),
    "offsite_redirect": ("fetch", "a page redirected to another host (not followed)"),
    "redirect_loop": ("fetch", "more than 5 redirects"),
    "error_page": ("fetch", "an HTTP 200 that is not a profile page"),
    "too_slow": ("fetch", "the response took over --deadline, however slowly its bytes came (not retried)"),
    "robots_unreachable": ("fetch", "the ENACT Africa site's robots.txt could not be read: that site is not crawled"),
    "sitemap_invalid": ("fetch", "a sitemap robots.txt declares is not a sitemap (not XML, or over its limits)"),
    "sitemap_offsite": ("fetch", "a sitemap robots.txt declares is on another host (not read)"),
    "unaccounted_value": ("parse", "a value in the profile that no field this pipeline knows reads"),
    "bad_workbook": ("parse", "the official workbook cannot be read: not an .xlsx, or a sheet, column or cell amiss"),
}
WARNINGS: dict[str, str] = {
    "check_skipped": "a check needs a block the page lacks",
    "unrecognized_line": "a line in the profile that is not a known field",
    "unrecognized_lines": "lines among the scores that no block read (a tooltip, a copy of a value)",
    "page_chrome": "lines with numbers around the data, read as the page around it (menus, banners, dates)",
    "footnote_marker": "a footnote marker after a number or a label (markup's <sup>1</sup>) was left out",
    "section_count": "the analysis has another number of sections than its tabs",
    "decode_fallback": "the page is not valid UTF-8 and was read in another encoding",
}


def stage_of(errors: list[dict]) -> str:
    """The stage that rejects a page with these errors: its first error's, except that a page whose
    errors are all of validation is rejected by validation."""
    first = ERRORS.get(errors[0]["code"], ("parse", ""))[0]
    if first == "read":
        return "read"
    return "validate" if all(ERRORS.get(e["code"], ("", ""))[0] == "validate" for e in errors) else "parse"
