"""The report people open first: `extracted/report.html`, one self-contained file (no network, opens
from disk), written by every run and by `python -m pipeline.report`.

It says what the index is, what its numbers mean and where each edition's numbers come from (pages or the
official workbook, read from the database); then a country view (a country's indicators, changes, ranks
and sources across editions, with a link to its page on the site), criminality against resilience for each
edition, the biggest movers between the two latest editions (bars and table in the same order), each
indicator by region (the latest edition) and the run's data quality with the rows behind each figure.
Colour means better or worse, whatever the metric (`charts.py`); scores and changes have two decimals.

Charts are Vega-Lite specifications drawn as SVG by vega-embed, whose JavaScript is inlined, pinned by its
digest (`charts.py`, re-exported here: `BUNDLE_SHA256`, `prepare_bundle`, `vega_bundle`). Imported only by
the batch and the command: the parse workers never load it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import duckdb

from pipeline.files import write_atomic
from pipeline.warehouse import charts
from pipeline.warehouse.charts import BUNDLE_SHA256 as BUNDLE_SHA256
from pipeline.warehouse.charts import prepare_bundle as prepare_bundle
from pipeline.warehouse.charts import vega_bundle
from pipeline.warehouse.report_data import SITE
from pipeline.warehouse.report_data import gather as gather

EXPORTS = ("scores", "ranks", "profiles", "sections", "sources", "country_series", "reconciliation")


def _cell(value: Any, kind: str | None, tone: str | None = None) -> str:
    """A table cell: scores with two decimals, changes with a sign and two decimals (coloured by `tone`)."""
    if value is None:
        return "<td></td>"
    if kind == "score":
        return f"<td class='num score'>{value:.2f}</td>"
    if kind == "change":
        return f"<td class='num change {(tone or '').replace(' ', '-')}'>{value:+.2f}</td>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<td class='num'>{value}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def table(rows: list[dict], kinds: dict[str, str] | None = None, limit: int = 200) -> str:
    """The rows as a table in a box that scrolls on its own (never the page); '' when there is none. A row's
    `tone` (better, worse, no change) colours its change, and is not a column."""
    if not rows:
        return ""
    kinds = kinds or {}
    names = [k for k in rows[0] if k != "tone"]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in names)
    body = "".join("<tr>" + "".join(_cell(r[k], kinds.get(k), r.get("tone")) for k in names) + "</tr>"
                   for r in rows[:limit])  # fmt: skip
    more = f"<p>... and {len(rows) - limit} more (see the database).</p>" if len(rows) > limit else ""
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}"


def _sources_table(data: dict[str, Any]) -> str:
    rows = [{"edition": p["edition"], "countries": p["countries"], "from pages": p["from_pages"],
             "from the workbook": p["from_workbook"], "workbook": p["workbook"] or "",
             "changes printed": p["changes_printed"], "changes derived": p["changes_derived"],
             "ranks printed": p["ranks_printed"] or 0, "ranks derived": p["ranks_derived"] or 0}
            for p in data["provenance"]]  # fmt: skip
    return table(rows) or "<p>The database holds no country yet.</p>"


def _header(data: dict[str, Any]) -> str:
    run = data["run"]
    summary = (f"Run {run.get('run_id', '?')} ({run.get('status', '?')}): {run.get('pages_seen', 0)} documents seen, "
               f"{run.get('pages_loaded', 0)} loaded, {run.get('pages_rejected', 0)} rejected.")  # fmt: skip
    exports = " ".join(f"<a href='export/{name}.parquet'>{name}</a>" for name in EXPORTS)
    return f"""<header><h1>Organized Crime Index: the database at a glance</h1>
<p>The <a href="{SITE}">Global Organized Crime Index</a> (GI-TOC; ENACT for Africa) scores the 193 UN member
states on <b>criminality</b> (criminal markets and criminal actors) and on <b>resilience</b> to organized crime,
in the 2021, 2023 and 2025 editions. Every score runs from <b>1 to 10</b>. High criminality is bad; high
resilience is good. Rank 1 is the most criminal, or the most resilient, country.</p>
<p class="key">Colour means the same everywhere: <span class="swatch better"></span> <b class="better">better</b>
(criminality down, resilience up) and <span class="swatch worse"></span> <b class="worse">worse</b> (criminality up,
resilience down). <i>Italics</i>: a change or rank derived from the official workbook's scores, which print
none; the rest is as a page printed it.</p>
<h2>Where the numbers come from</h2>
<p>Countries per edition by source document (a page wins over the workbook where both give a value):</p>
{_sources_table(data)}
<p>{html.escape(summary)} Exports (written by <code>ocindex export</code> into <code>export/</code> beside the
database; <code>--format csv</code> for CSV): {exports}. The database: <a href="ocindex.duckdb">ocindex.duckdb</a>,
and <a href="reconciliation.md">reconciliation.md</a>.</p></header>"""


def _movers_html(data: dict[str, Any], charts_: dict[str, dict]) -> str:
    out = []
    for metric in ("criminality", "resilience"):
        if f"movers-{metric}" not in charts_:
            continue
        before, after = data["editions"][-2], data["editions"][-1]
        rows = [{"country": m["country"], str(before): m["before"], str(after): m["after"], "change": m["change"],
                 "tone": m["tone"]} for m in data["movers"] if m["metric"] == metric]  # fmt: skip
        kinds = {str(before): "score", str(after): "score", "change": "change"}
        out.append(f"<div class='block' id='block-movers-{metric}'><div class='chart' id='movers-{metric}'></div>"
                   f"{table(rows, kinds)}</div>")  # fmt: skip
    return "".join(out) or "<p>Only one edition is loaded: nothing to compare.</p>"


def _quality(data: dict[str, Any], charts_: dict[str, dict]) -> str:
    agreement = [{**a, "agreement": f"{100 * a['agree'] / max(1, a['agree'] + a['disagree']):.1f}%"}
                 for a in data["agreement"]]  # fmt: skip
    rejects = ("<div class='chart' id='rejects'></div>" if "rejects" in charts_ else "") + (
        table(data["rejects_by_code"]) + table(data["rejects"]) or "<p>No document was rejected.</p>"
    )
    if not agreement:
        compared = "<p>The pages were not compared with a workbook.</p>"
    else:
        compared = table(agreement) + (table(data["mismatches"], {"page": "score", "workbook": "score"})
                                       or "<p>Every value compared agrees.</p>")  # fmt: skip
    checks = table(data["checks_by_name"]) + table(data["checks"]) or "<p>No cross-page check failed.</p>"
    return (f"<h3>Rejected documents</h3>{rejects}<h3>Agreement with the official workbook</h3>{compared}"
            f"<h3>Cross-page checks that failed</h3>{checks}")  # fmt: skip


STYLE = """:root { --better: %(better)s; --worse: %(worse)s; --same: %(same)s; }
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1em; max-width: 1180px; color: #222;
       line-height: 1.45; }
h2 { border-top: 1px solid #ccc; padding-top: .6em; margin-top: 1.6em; }
.row { display: flex; flex-wrap: wrap; gap: 1em 2em; align-items: flex-start; }
.chart, .scroll { max-width: 100%%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: .5em 0 1em; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.better { color: var(--better); } .worse { color: var(--worse); } .same, .no-change { color: var(--same); }
.derived { font-style: italic; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; border-radius: 2px; }
.swatch.better { background: var(--better); } .swatch.worse { background: var(--worse); }
tr.part th { background: #e8e8e8; border-top: 2px solid #777; }
a, code { overflow-wrap: anywhere; } td.num, td.rank, td.moved { white-space: nowrap; }
td:first-child { min-width: 8em; } select { max-width: 100%%; font-size: 1em; }"""


def render(data: dict[str, Any], bundle: str) -> str:
    specs = charts.specs(data)
    figures = "".join(f"<div class='chart' id='{name}'></div>" for name in specs if name.startswith("scatter"))
    countries = data["countries"]
    options = "".join(f"<option value='{html.escape(iso3)}'>{html.escape(name)}</option>"
                      for iso3, name in countries["names"])  # fmt: skip
    heatmap = "<div class='chart' id='heatmap'></div>" if "heatmap" in specs else "<p>No scores loaded.</p>"
    script = ("const specs = " + json.dumps(specs).replace("</", "<\\/") + ";\n"
              "for (const [id, spec] of Object.entries(specs)) {\n"
              "  vegaEmbed('#' + id, spec, {renderer: 'svg', actions: false});\n}\n")  # fmt: skip
    # the countries come as JSON text already (`report_data.COUNTRIES_JSON`)
    view = json.dumps({"indicators": countries["indicators"], "parts": countries["parts"]}, separators=(",", ":"))
    view = (view[:-1] + ',"countries":' + countries["countries_json"] + "}").replace("</", "<\\/")
    style = STYLE % {"better": charts.BETTER, "worse": charts.WORSE, "same": charts.SAME}
    safe_bundle = bundle.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Organized Crime Index: report</title><style>{style}</style>
<script>{safe_bundle}</script></head><body>
{_header(data)}
<h2 id="countries">A country across editions</h2>
<p><label for="country">Country</label> <select id="country">{options}</select>
(or open <code>report.html#MEX</code>, a country's ISO3 code)</p><div id="country-view"></div>
<h2>Criminality and resilience</h2><p>A point per country; the best place is the top left (low criminality, high
resilience).</p><div class="row">{figures}</div>
<h2>Biggest movers</h2><p>The ten largest changes of each score between the two latest editions, largest rise
first.</p><div class="row">{_movers_html(data, specs)}</div>
<h2>Indicators by region</h2>{heatmap}
<h2>Data quality</h2>{_quality(data, specs)}
<script type="application/json" id="country-data">{view}</script>
<script>{COUNTRY_VIEW}</script><script>{script}</script></body></html>
"""


# The country view: the country picked (or named by the URL's #ISO3) as three tables: its scores by pillar
# with each edition's change (italic when derived), its ranks with the places moved, and its sources.
COUNTRY_VIEW = r"""
const CV = JSON.parse(document.getElementById('country-data').textContent);
const ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
const esc = s => String(s).replace(/[&<>"']/g, c => ESC[c]);
const two = v => v === null || v === undefined ? '' : v.toFixed(2);
const signed = v => v === null || v === undefined ? '' : (v > 0 ? '+' : '') + v.toFixed(2);
const better = (metric, up) => (up > 0) === (metric === 'resilience') ? 'better' : 'worse';
const tone = (pillar, c) => c === null || c === undefined ? '' : c === 0 ? 'same' : better(pillar, c);
function scoresTable(c, eds) {
  const changes = Object.fromEntries(eds.map(e => [e, c.editions[e].scores.some(v => v && v[1] !== null)]));
  const heads = eds.map(e => `<th>${e}</th>` + (changes[e] ? '<th>change</th>' : ''));
  let h = '<tr><th>indicator</th>' + heads.join('') + '</tr>';
  for (const [part, title] of CV.parts) {
    const span = 1 + eds.length + eds.filter(e => changes[e]).length;
    h += `<tr class="part"><th colspan="${span}">${esc(title)}</th></tr>`;
    CV.indicators.forEach(([code, label, pillar, p], i) => {
      if (p !== part || eds.every(e => !c.editions[e].scores[i])) return;
      h += `<tr data-indicator="${code}"><td>${esc(label)}</td>` + eds.map(e => {
        const v = c.editions[e].scores[i];
        if (!v) return `<td data-edition="${e}"></td>` + (changes[e] ? '<td></td>' : '');
        const why = v[2] ? ' derived" title="derived: this score minus the previous edition\'s' : '';
        return `<td class="num score" data-edition="${e}">${two(v[0])}</td>` + (changes[e] ?
               `<td class="num change ${tone(pillar, v[1])}${why}" data-edition="${e}">${signed(v[1])}</td>` : '');
      }).join('') + '</tr>';
    });
  }
  return `<div class="scroll"><table id="country-scores">${h}</table></div>`;
}
function ranksTable(c, eds) {
  const keys = [...new Set(eds.flatMap(e => c.editions[e].ranks.map(r => r[0] + ' ' + r[1])))];
  let h = '<tr><th>rank</th>' + eds.map(e => `<th>${e}</th><th>moved</th>`).join('') + '</tr>';
  for (const key of keys) {
    h += `<tr><td>${esc(key)}</td>` + eds.map(e => {
      const r = c.editions[e].ranks.find(r => r[0] + ' ' + r[1] === key);
      if (!r) return '<td></td><td></td>';
      const [metric, , area, rank, of, moved, derived] = r;
      const d = derived ? ' derived' : '';
      const m = moved === null ? '' : moved === 0 ? '=' : (moved > 0 ? '\u2191' : '\u2193') + Math.abs(moved);
      const t = moved === null ? '' : moved === 0 ? 'same' : better(metric, moved);
      return `<td class="rank${d}">${rank} of ${of} (${esc(area)})</td>` +
             `<td class="moved ${t}${d}" title="places moved toward rank 1">${m}</td>`;
    }).join('') + '</tr>';
  }
  return keys.length ? `<div class="scroll"><table id="country-ranks">${h}</table></div>` : '';
}
function sourcesList(c, eds) {
  return '<ul>' + eds.map(e => {
    const f = c.editions[e];
    const docs = f.sources.map(([path, url, fmt, ref]) => (fmt === 'xlsx' ? 'the workbook ' : 'a page ') +
      (url ? `<a href="${esc(url)}">${esc(path)}</a>` : `<code>${esc(path)}</code>`) + (ref ? ` (${esc(ref)})` : ''));
    const site = f.site ? `; the country's page: <a class="site" href="${esc(f.site)}">${esc(f.site)}</a>` : '';
    return `<li>${e}: ${docs.join(', ')}${site}</li>`;
  }).join('') + '</ul>';
}
function show(iso3) {
  const c = CV.countries.find(x => x.iso3 === iso3) || CV.countries[0];
  if (!c) return;
  document.getElementById('country').value = c.iso3;
  const eds = Object.keys(c.editions).sort();
  document.getElementById('country-view').innerHTML =
    `<p>${esc(c.name)} (${esc(c.iso3)}), ${esc(c.region)}, ${esc(c.continent)}. ` +
    'Rank moves: \u2191 toward rank 1, \u2193 away from it.</p>' +
    scoresTable(c, eds) + ranksTable(c, eds) + '<p>Sources:</p>' + sourcesList(c, eds);
}
const picker = document.getElementById('country');
picker.addEventListener('change', () => {
  show(picker.value);
  try { history.replaceState(null, '', '#' + picker.value); } catch (e) {}
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));
show(location.hash.slice(1) || (CV.countries.find(c => Object.values(c.editions).some(
  f => f.sources.some(s => s[2] !== 'xlsx'))) || CV.countries[0] || {}).iso3);
"""


def write_report(db: Path, path: Path) -> Path:
    """Write the report of the database `db` to `path` (replaced atomically)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = gather(con)
    finally:
        con.close()
    return write_gathered(data, path)


def write_gathered(data: dict[str, Any], path: Path) -> Path:
    """Write the report of what `gather` read (a run gathers it from the database it publishes, just
    before the swap: the same content, without opening the file again)."""
    write_atomic(path, render(data, vega_bundle()).encode("utf-8"))
    return path
