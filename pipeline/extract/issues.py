"""Issues: the errors and warnings a record carries (CONTRACT.md section 2), made and read in one place."""

from __future__ import annotations

from collections.abc import Iterable


def issue(severity: str, code: str, message: str, line: int | None) -> dict:
    """One issue of a record: `severity` is "error" or "warning", `code` a stable snake_case code."""
    return {"severity": severity, "code": code, "message": message, "line": line}


def errors(issues: Iterable[dict]) -> list[dict]:
    """The errors among issues (a page with any is never loaded)."""
    return [i for i in issues if i["severity"] == "error"]


def has_errors(record: dict) -> bool:
    return any(i["severity"] == "error" for i in record["issues"])
