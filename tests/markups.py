"""Eight more HTML markups of a page's lines, written for these tests (not the site's): each sets the
same visible text in another way a redesign might. A browser shows every one of them as the text
lines (`tests/test_browser.py` holds the pipeline's reading against headless Chromium).

- sup: ordinal suffixes in <sup>, rank changes in elements of their own;
- split: numbers split across inline elements (`<b>5</b>.17`);
- labels: labels with <em>, <abbr> or <a> inside;
- cells: label, score and change in table cells; profile fields as table rows;
- dl: a definition list of label and value;
- br: one paragraph, lines separated by <br>;
- mobile: the page twice, the mobile copy (with other numbers) hidden by a stylesheet media query;
- nested: every value in nested inline wrappers.
"""

from __future__ import annotations

import html
import re

TOKEN = re.compile(r"^(10\.\d\d|\d\.\d\d)(?:(-?\d\.\d\d)| (n/a))?$")
RANK = re.compile(r"^(\d+)(st|nd|rd|th)( of \d+ .*?)(?: ?(-?\d+))?$")
ORDINAL_CHANGE = re.compile(r"^(\d+(?:st|nd|rd|th) of \d+ .*?) ?(-?\d+)$")
MARKUPS = ("sup", "split", "labels", "cells", "dl", "br", "mobile", "nested")
PROFILE_LABELS = (
    "Capital",
    "Gross domestic product (GDP)",
    "Income group",
    "Population",
    "Area",
    "Geography type",
    "GINI Index",
    "Gross domestic product (GDP - CURRENT $US MILLION)",
    "Area (KM²)",
    "GDP per capita",
)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def _rank(line: str, sup: bool) -> str | None:
    m = RANK.match(line)
    if not m:
        return None
    number, suffix, rest, change = m.groups()
    head = f"<span>{number}<sup>{suffix}</sup></span>" if sup else f"<span>{number}{suffix}</span>"
    return head + esc(rest) + (f" <span>{change}</span>" if change else "")


def _token(line: str, wrap=lambda s: f"<span>{s}</span>") -> str | None:
    m = TOKEN.match(line)
    if not m:
        return None
    score, change, na = m.groups()
    second = change or na
    return wrap(score) + (wrap(second) if second else "")


def _split_number(number: str) -> str:
    whole, _, decimals = number.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}<b>{whole.lstrip('-')}</b>.<i>{decimals}</i>" if decimals else esc(number)


def _label(line: str) -> str:
    words = line.split(" ", 1)
    if line.startswith("Gross domestic product (GDP)"):
        return line.replace("(GDP)", "(<abbr title='gross domestic product'>GDP</abbr>)")
    if len(words) == 2 and words[0][:1].isalpha() and len(line) < 60:
        return f"<em>{esc(words[0])}</em> <a href='#{esc(words[1])}'>{esc(words[1])}</a>"
    return esc(line)


def inline(line: str, markup: str) -> str:
    """One line's inline content in a markup."""
    if markup == "sup":
        return _rank(line, sup=True) or _token(line) or esc(line)
    if markup == "split":
        m = TOKEN.match(line)
        if m:
            score, change, na = m.groups()
            return _split_number(score) + (_split_number(change) if change else (" n/a" if na else ""))
        return _rank(line, sup=False) or esc(line)
    if markup == "labels":
        return _token(line) or _rank(line, sup=False) or _label(line)
    if markup == "nested":
        deep = lambda s: f"<span><span><b><span>{s}</span></b></span></span>"
        return _token(line, deep) or (deep(esc(line)) if len(line) < 80 else esc(line))
    return esc(line)


def render(lines: list[str], markup: str) -> list[str]:
    """The body elements of a page in a markup."""
    if markup in ("sup", "split", "labels", "nested"):
        return [f"<div>{inline(line, markup)}</div>" for line in lines]
    if markup == "cells":
        return _cells(lines)
    if markup == "dl":
        return _dl(lines)
    if markup == "br":
        return ["<p>" + "<br>\n".join(esc(line) for line in lines) + "</p>"]
    if markup == "mobile":
        decoy = [TOKEN.sub(lambda m: "9.509.50", line) for line in lines]
        return (["<style>@media (max-width: 767px) { .desktop { display: none } }",
                 "@media (min-width: 768px) { .mobile { display: none } }</style>",
                 "<div class='mobile'>"] + [f"<p>{esc(line)}</p>" for line in decoy] + ["</div>",
                 "<div class='desktop'>"] + [f"<p>{esc(line)}</p>" for line in lines] + ["</div>"])  # fmt: skip
    raise ValueError(markup)


def _cells(lines: list[str]) -> list[str]:
    out, i = ["<table>"], 0
    while i < len(lines):
        line, nxt = lines[i], (lines[i + 1] if i + 1 < len(lines) else "")
        tok = TOKEN.match(nxt)
        rank = ORDINAL_CHANGE.match(line)
        if line in PROFILE_LABELS and nxt:
            out.append(f"<tr><th>{esc(line)}</th><td>{esc(nxt)}</td></tr>")
            i += 2
        elif tok and not TOKEN.match(line) and len(line) < 60:
            cells = "".join(f"<td>{v}</td>" for v in tok.groups() if v)
            out.append(f"<tr><th>{esc(line)}</th>{cells}</tr>")
            i += 2
        elif rank:
            out.append(f"<tr><td>{esc(rank.group(1))}</td><td>{rank.group(2)}</td></tr>")
            i += 1
        else:
            out.append(f"<tr><td colspan='3'>{esc(line)}</td></tr>")
            i += 1
    return [*out, "</table>"]


def _dl(lines: list[str]) -> list[str]:
    out, i = ["<dl>"], 0
    while i < len(lines):
        line, nxt = lines[i], (lines[i + 1] if i + 1 < len(lines) else "")
        if (line in PROFILE_LABELS or TOKEN.match(nxt)) and nxt and not TOKEN.match(line):
            out.append(f"<dt>{esc(line)}</dt><dd>{esc(nxt)}</dd>")
            i += 2
        else:
            out.append(f"<dd>{esc(line)}</dd>")
            i += 1
    return [*out, "</dl>"]
