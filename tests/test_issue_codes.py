"""Every issue code the pipeline can emit is registered in pipeline/extract/issues.py (ERRORS or WARNINGS),
so that the README's table of codes and a reject's stage know it. The codes are found in the source by its
syntax tree: the code argument of every call that makes an issue, a page error or a fetch failure."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from conftest import ROOT

from pipeline.extract.issues import ERRORS, WARNINGS

# call name -> (where its code is: positional index, keyword; its severity: "error", "warning" or None when
# an argument says it)
EMITTERS = {
    "issue": (1, "code", None),
    "PageError": (0, "code", "error"),
    "TokenError": (0, "code", "error"),
    "UnreadablePage": (0, "code", "error"),
    "FetchFailure": (0, "code", "error"),
    "_Retryable": (0, "code", "error"),
    "Problem": (0, "code", "error"),
    "refused": (3, "code", "error"),
}
METHODS = {"error": "error", "warn": "warning", "warning": "warning"}  # page.error(code, ...), self.warning(...)
RECEIVERS = {"page", "self"}  # not log.warning or parser.error: their first argument is a message
PASSED_ON = {"code"}  # a parameter or an exception's `.code`: a code made by an emitter found elsewhere


@dataclass(frozen=True)
class Emitted:
    code: str  # a placeholder of an f-string is <>: f"http_{status}" is http_<>
    severity: str | None
    where: str


def pattern(code: str) -> str:
    """A registered code with its placeholders as the scan writes them: http_<status> is http_<>."""
    return re.sub(r"<[^>]*>", "<>", code)


def codes_of(node: ast.expr, severity: str | None, where: str) -> list[Emitted]:
    """The codes an expression in a code slot can be; a name or attribute other than PASSED_ON cannot be
    told from the source, and is reported as such (the test fails: make the code a literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [Emitted(node.value, severity, where)]
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value if isinstance(v, ast.Constant) else "<>" for v in node.values)
        return [Emitted(str(text), severity, where)]
    if isinstance(node, ast.IfExp):
        return codes_of(node.body, severity, where) + codes_of(node.orelse, severity, where)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
    if name in PASSED_ON:
        return []
    return [Emitted(f"<cannot tell: {ast.unparse(node)}>", severity, where)]


def argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[index] if len(call.args) > index else None


def severity_of(call: ast.Call, fixed: str | None) -> str | None:
    if fixed is not None or not call.args:
        return fixed
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def from_call(call: ast.Call, where: str) -> list[Emitted]:
    func = call.func
    if isinstance(func, ast.Name) and func.id in EMITTERS:
        index, keyword, fixed = EMITTERS[func.id]
        severity = severity_of(call, fixed)
    elif isinstance(func, ast.Attribute) and func.attr in EMITTERS:
        index, keyword, fixed = EMITTERS[func.attr]
        severity = severity_of(call, fixed)
    elif isinstance(func, ast.Attribute) and func.attr in METHODS and _receiver(func) in RECEIVERS:
        index, keyword, severity = 0, "code", METHODS[func.attr]
    elif isinstance(func, ast.Attribute) and func.attr == "append" and _receiver(func) == "failures":
        # result.failures.append((url, code, message)): a fetch failure as the crawl records it
        row = call.args[0] if call.args else None
        if isinstance(row, ast.Tuple) and len(row.elts) == 3:
            return codes_of(row.elts[1], "error", where)
        return [Emitted(f"<cannot tell: {ast.unparse(call)}>", "error", where)]
    else:
        return []
    slot = argument(call, index, keyword)
    return [] if slot is None else codes_of(slot, severity, where)


def _receiver(func: ast.Attribute) -> str | None:
    value = func.value
    return value.id if isinstance(value, ast.Name) else value.attr if isinstance(value, ast.Attribute) else None


def from_dict(node: ast.Dict, where: str) -> list[Emitted]:
    """An issue written as a dict literal: {"severity": ..., "code": ...}."""
    fields = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
    if "code" not in fields or "severity" not in fields:
        return []
    severity = fields["severity"]
    known = severity.value if isinstance(severity, ast.Constant) and isinstance(severity.value, str) else None
    return codes_of(fields["code"], known, where)


def emitted(source: str, filename: str) -> list[Emitted]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            found += from_call(node, where)
        elif isinstance(node, ast.Dict):
            found += from_dict(node, where)
    return found


def unregistered(found: list[Emitted]) -> list[str]:
    errors = {pattern(c) for c in ERRORS}
    warnings = {pattern(c) for c in WARNINGS}
    registered = {"error": errors, "warning": warnings, None: errors | warnings}
    return [f"{e.where}: {e.code} ({e.severity or 'error or warning'})" for e in found
            if e.code not in registered.get(e.severity, set())]  # fmt: skip


def pipeline_codes() -> list[Emitted]:
    found = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        found += emitted(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return found


def test_every_emitted_code_is_registered():
    assert unregistered(pipeline_codes()) == []


def test_every_registered_code_is_found_by_the_scan():
    """The scan is not blind to an emitter: each registered code is found where the pipeline emits it (a code
    found nowhere is emitted in a way the scan does not know, or no longer at all)."""
    found = {e.code for e in pipeline_codes()}
    assert sorted(pattern(c) for c in [*ERRORS, *WARNINGS] if pattern(c) not in found) == []


SAMPLE = """
from pipeline.extract.issues import issue

def read(page, url, status, result):
    page.error("made_up_error", "a message", 3)
    page.warn("made_up_warning", "a message", 3)
    issue("error", "unrecognized_line", "a warning's code as an error", None)
    raise FetchFailure("made_up_fetch" if status else "timeout", url)
    result.failures.append((url, f"status_{status}", "message"))
    log.warning("not_a_code %s", url)
    code = "hidden_" + url
    raise PageError(code.upper(), url)
"""


def test_an_unregistered_code_is_caught():
    found = unregistered(emitted(SAMPLE, "sample.py"))
    assert sorted(found, key=lambda f: int(f.split(":")[1])) == [
        "sample.py:5: made_up_error (error)",
        "sample.py:6: made_up_warning (warning)",
        "sample.py:7: unrecognized_line (error)",
        "sample.py:8: made_up_fetch (error)",
        "sample.py:9: status_<> (error)",
        "sample.py:12: <cannot tell: code.upper()> (error)",
    ]
