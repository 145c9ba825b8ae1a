"""The parse stage: one document's bytes in, one record out (CONTRACT.md section 2).

`read_document` gives the record as the contract's model (`models.Record`), which travels to the rows;
`parse_page` gives it as plain JSON-able data (what `ocindex parse` prints and a record file holds). Both are
pure: no network, no files, no clock; where the page came from travels beside it.
"""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

from pipeline.errors import UnreadablePage
from pipeline.extract import assemble, edition, grammar
from pipeline.extract.completeness import completeness, printed
from pipeline.extract.issues import issue
from pipeline.extract.lines import decode, text_lines
from pipeline.extract.models import Issue, Record, Source
from pipeline.extract.validate import check_entity
from pipeline.files import MAX_PAGE_BYTES, sniff_format


def parse_page(data: bytes, *, path: str | None = None, url: str | None = None) -> dict:
    """The record of one page, as plain JSON-able data; errors and warnings are in its `issues`."""
    return as_data(read_document(data, path=path, url=url))


def as_data(record: Record) -> dict:
    """A record as plain JSON-able data: the fields the contract names, and the others where they are set."""
    return record.model_dump(exclude_defaults=True, warnings=False)


def read_document(data: bytes, *, path: str | None = None, url: str | None = None, sha256: str | None = None) -> Record:
    """The record of one document (a page or the official workbook) as the contract's model. A record that does
    not fit the model carries a `schema_invalid` error and is kept as read (`Record.model_construct`): it is
    rejected, never loaded. `sha256`: the SHA-256 of `data`, when the caller has just computed it."""
    fmt = sniff_format(data)
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    source = {"path": path, "url": url, "sha256": sha256, "format": fmt, "site": None}
    # the readers of workbooks and of markup are loaded by the first document that needs them: a parse
    # worker on text pages starts without them (lxml and cssselect)
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
        issues.append(_decode_fallback(decoded))
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


def _decode_fallback(decoded) -> dict:
    """The warning of a page that is not valid UTF-8, naming its lines where a byte was replaced."""
    if decoded.bad_lines:
        where = ", ".join(map(str, decoded.bad_lines))
        return issue("warning", "decode_fallback", f"line {where}: bytes that are not UTF-8, replaced by U+FFFD; "
                     "the rest of the page is UTF-8 and read as such", decoded.bad_lines[0])  # fmt: skip
    return issue("warning", "decode_fallback", f"the page is not valid UTF-8; read as {decoded.encoding}", None)


def refused(path: str, url: str | None, sha256: str, code: str, message: str) -> Record:
    """The record of a file that is not read: it cannot be (its permissions), it is too large, it leads out of
    the raw folder, or it changed while the run read raw/."""
    source = {"path": path, "url": url, "sha256": sha256, "format": "text", "site": None}
    return _checked({"source": source, "edition": None, "complete": False, "entities": [],
                     "issues": [issue("error", code, message, None)]})  # fmt: skip


def _checked(record: dict) -> Record:
    """Holds the record to the contract's models; a violation becomes an error, the data stays."""
    try:
        return Record.model_validate(record)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"])
            record["issues"].append(issue("error", "schema_invalid", f"{where}: {err['msg']}", None))
        record["complete"] = False
        # kept as read, the entities as they are; the issues and the source are the pipeline's own and fit
        return Record.model_construct(**{**record, "source": Source.model_construct(**record["source"]),
                                         "issues": [Issue.model_validate(i) for i in record["issues"]]})  # fmt: skip
