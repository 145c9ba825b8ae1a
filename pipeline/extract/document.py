"""The parse stage: one page's bytes in, one record out (CONTRACT.md section 2).

`parse_page` is pure: no network, no files, no clock; where the page came from travels beside it.
The command `python -m pipeline.parse` (`pipeline/parse.py`) prints the record of a saved page.
"""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

from pipeline.errors import UnreadablePage
from pipeline.extract import assemble, edition, grammar
from pipeline.extract.completeness import completeness, printed
from pipeline.extract.issues import issue
from pipeline.extract.lines import decode, text_lines
from pipeline.extract.models import Record
from pipeline.extract.validate import check_entity
from pipeline.files import MAX_PAGE_BYTES, sniff_format


def parse_page(data: bytes, *, path: str | None = None, url: str | None = None) -> dict:
    """The record of one page, as plain JSON-able data; errors and warnings are in its `issues`."""
    fmt = sniff_format(data)
    source = {"path": path, "url": url, "sha256": hashlib.sha256(data).hexdigest(), "format": fmt, "site": None}
    # the readers of workbooks and of markup are loaded by the first document that needs them: a parse
    # worker on text pages starts without them (lxml and cssselect: about 11 ms a worker)
    if fmt == "xlsx" and len(data) <= MAX_PAGE_BYTES:
        from pipeline.extract import from_workbook

        return _checked(from_workbook.record(data, source))
    try:
        decoded = decode(data)
        footnotes: list[dict] = []
        whole = False
        if fmt == "html":
            from pipeline.extract.html import read_markup

            markup = read_markup(decoded.text)
            lines, whole = markup.lines, markup.whole
            footnotes = [issue("warning", "footnote_marker",
                               f'line {no}: the footnote marker "{mark}" after "{before}" was left out of the value',
                               no) for no, mark, before in markup.footnotes]  # fmt: skip
        else:
            lines = text_lines(decoded.text)
    except UnreadablePage as exc:
        return _checked(
            {
                "source": source,
                "edition": None,
                "complete": False,
                "entities": [],
                "issues": [issue("error", exc.code, exc.message, exc.line)],
            }
        )
    issues: list[dict] = footnotes
    if decoded.lossy:
        issues.append(
            issue("warning", "decode_fallback", f"the page is not valid UTF-8; read as {decoded.encoding}", None)
        )
    reading = grammar.read(lines, whole)
    issues += reading.issues
    where = edition.read_url(url)
    on = edition.site(reading, where)
    complete, found = completeness(reading, on)
    issues += found
    if any(i["code"] == "not_a_profile" for i in found):
        return _checked({"source": source, "edition": None, "complete": False, "entities": [], "issues": issues})
    source["site"] = on
    year, found = edition.decide(reading, url, fmt, on)
    issues += found
    issues += printed(reading, year, on, complete)
    entities, found = assemble.entities(reading, year, where, on)
    issues += found
    for entity in entities:
        issues += check_entity(entity, year, complete, on)
    return _checked({"source": source, "edition": year, "complete": complete, "entities": entities, "issues": issues})


def _checked(record: dict) -> dict:
    """Holds the record to the contract's models; a violation becomes an error, the data stays."""
    try:
        Record.model_validate(record)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"])
            record["issues"].append(issue("error", "schema_invalid", f"{where}: {err['msg']}", None))
        record["complete"] = False
    return record
