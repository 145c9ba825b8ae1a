"""Silent loss is impossible: each score, rank line and profile value of each real page (and the seed),
set in a new layout the parser has not seen (not deleted), makes the page rejected with an error that
names that line. A page that shows a value the parser cannot read never loads clean."""

from __future__ import annotations

import re

import pytest
from conftest import PAGES, SEED
from test_pages import EXPECTED

from pipeline.extract.document import parse_page

TOKEN = re.compile(r"^(\s*)(10\.\d\d|\d\.\d\d)((?:-?\d\.\d\d| n/a)?)\s*$")
RANK = re.compile(r"^(\s*)(\d+)(?:st|nd|rd|th) of (\d+) (.*)$")
PROFILE = ("Capital", "Gross domestic product (GDP)", "Income group", "Population", "Area", "Geography type",
           "GINI Index", "Gross domestic product (GDP - CURRENT $US MILLION)", "Area (KM²)", "GDP per capita",
           "GDP total")  # fmt: skip


def garble(line: str, kind: str) -> str:
    """The same value in a layout of its own: decimal commas, a slash, words around the number."""
    indent = line[: len(line) - len(line.lstrip())]
    text = line.strip()
    if kind == "score":
        m = TOKEN.match(line)
        score, change = m.group(2), m.group(3).strip()
        return f"{indent}{score.replace('.', ',')}" + (f" ({change})" if change else "")
    if kind == "rank":
        m = RANK.match(line)
        return f"{indent}Rank {m.group(2)} / {m.group(3)} {m.group(4)}"
    return f"{indent}{text} (2024 figure)" if not any(c.isdigit() for c in text) else f"{indent}approx. {text} in total"


def values(lines: list[str]) -> list[tuple[int, str]]:
    """(index, kind) of every score, rank line and profile value; the last line is left (a cut may end there)."""
    out = []
    last = max(i for i, line in enumerate(lines) if line.strip())
    for i, line in enumerate(lines[:last]):
        text = line.strip()
        if TOKEN.match(line):
            out.append((i, "score"))
        elif RANK.match(line):
            out.append((i, "rank"))
        elif text in PROFILE:
            j = next((k for k in range(i + 1, last) if lines[k].strip()), None)
            if j is not None and lines[j].strip() not in PROFILE and "Placeholder" not in lines[j]:
                out.append((j, "profile"))
    return out


PAGES_AND_URLS = [
    (p, EXPECTED[p.name]["url"]) for p in sorted(PAGES.glob("*.txt")) if not p.name.endswith(".source.txt")
]
PAGES_AND_URLS.append((SEED, "https://ocindex.net/2023/country/belgium"))
CASES = [pytest.param(path, url, i, kind, id=f"{path.stem}-line{i + 1}-{kind}")
         for path, url in PAGES_AND_URLS
         for i, kind in values(path.read_text(encoding="utf-8").split("\n"))]  # fmt: skip


def test_every_kind_of_value_is_garbled_somewhere():
    kinds = {case.values[3] for case in CASES}
    assert kinds == {"score", "rank", "profile"} and len(CASES) > 900


@pytest.mark.parametrize("path, url, index, kind", CASES)
def test_a_value_in_a_new_layout_rejects_the_page_naming_its_line(path, url, index, kind):
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[index] = garble(lines[index], kind)
    record = parse_page("\n".join(lines).encode(), url=url)
    errors = [i for i in record["issues"] if i["severity"] == "error" and i["code"] != "truncated"]
    assert errors, f"line {index + 1} ({lines[index].strip()!r}) went unnoticed"
    assert any(e["line"] == index + 1 or lines[index].strip()[:40] in e["message"] for e in errors), errors
