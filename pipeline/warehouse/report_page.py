"""The report people open first: `extracted/report.html`, one self-contained file (no network, opens
from disk), written by every run and by `python -m pipeline.report`.

It shows criminality against resilience for each edition (a point per country, coloured by continent,
with a tooltip), the biggest movers between the two latest editions, each indicator by region (a
heatmap of the latest edition), and the run's data quality (pages seen, loaded and rejected by reason,
agreement with the official workbook, cross-page check failures) with the rows behind each figure.

Charts are Vega-Lite specifications drawn as SVG by vega-embed, whose JavaScript (from the
`vl-convert-python` package) is inlined; the bundle is built once per vl-convert version and cached, and
the cache is inlined only when it is, byte for byte, the bundle pinned for that version (`BUNDLE_SHA256`).
Imported only by the batch and the command: the parse workers never load it.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import logging
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb

from pipeline.files import TMP_SUFFIX, write_atomic

log = logging.getLogger(__name__)

CONTINENT_COLOURS = {"domain": ["Africa", "Americas", "Asia", "Europe", "Oceania"],
                     "range": ["#e45756", "#4c78a8", "#f58518", "#54a24b", "#b279a2"]}  # fmt: skip


def gather(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the report shows, from the database."""

    def rows(sql: str, params: list | None = None) -> list[dict]:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, (float(v) if hasattr(v, "as_tuple") else v for v in r))) for r in cur.fetchall()]

    editions = [e for (e,) in con.execute("SELECT DISTINCT edition FROM scores WHERE entity_kind = 'country' "
                                          "AND edition >= 2021 ORDER BY 1").fetchall()]  # fmt: skip
    points = rows("""
        SELECT s.edition, c.name AS country, c.continent,
               max(s.score) FILTER (indicator = 'criminality') AS criminality,
               max(s.score) FILTER (indicator = 'resilience') AS resilience
        FROM scores s JOIN countries c ON c.iso3 = s.iso3 WHERE s.entity_kind = 'country'
        GROUP BY ALL HAVING criminality IS NOT NULL AND resilience IS NOT NULL ORDER BY ALL""")
    movers: list[dict] = []
    if len(editions) >= 2:
        before, after = editions[-2], editions[-1]
        for metric in ("criminality", "resilience"):
            movers += rows("""
                SELECT a.indicator AS metric, c.name AS country, a.score - b.score AS change, b.score AS before,
                       a.score AS after
                FROM scores a JOIN scores b USING (entity_kind, iso3, indicator) JOIN countries c ON c.iso3 = a.iso3
                WHERE a.entity_kind = 'country' AND a.indicator = ? AND a.edition = ? AND b.edition = ?
                ORDER BY abs(a.score - b.score) DESC, country LIMIT 10""", [metric, after, before])  # fmt: skip
    latest = editions[-1] if editions else None
    heat = [] if latest is None else rows("""
        SELECT c.region AS region, i.label AS indicator, i.position, round(avg(s.score), 2) AS mean
        FROM scores s JOIN countries c ON c.iso3 = s.iso3 JOIN indicators i USING (indicator)
        WHERE s.entity_kind = 'country' AND s.edition = ? AND i.pillar <> i.indicator
        GROUP BY ALL ORDER BY position, region""", [latest])  # fmt: skip
    return {
        "editions": editions, "latest": latest, "points": points, "movers": movers, "heat": heat,
        "run": (rows("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1") or [{}])[0],
        "rejects_by_code": rows("SELECT stage, code, count(*) AS pages FROM rejects GROUP BY ALL "
                                "ORDER BY pages DESC, code"),
        "rejects": rows("SELECT path, stage, code, split_part(message, chr(10), 1) AS message FROM rejects "
                        "ORDER BY path"),
        "agreement": rows("""SELECT edition, count(*) FILTER (status = 'match') AS agree,
                                    count(*) FILTER (status = 'mismatch') AS disagree, any_value(workbook) AS workbook
                             FROM reconciliation GROUP BY edition ORDER BY edition"""),
        "mismatches": rows("""SELECT edition, entity AS country, indicator, db_score AS page, workbook_score AS workbook
                              FROM reconciliation WHERE status = 'mismatch' ORDER BY ALL"""),
        "checks_by_name": rows("SELECT check_name, count(*) AS failures FROM checks GROUP BY 1 ORDER BY 2 DESC, 1"),
        "checks": rows("SELECT check_name, edition, entity AS country, item, message FROM checks "
                       "ORDER BY ALL LIMIT 500"),
    }  # fmt: skip


def specs(data: dict[str, Any]) -> dict[str, dict]:
    """The Vega-Lite specification of each chart, by the id of the element it is drawn in."""
    out: dict[str, dict] = {}
    for edition in data["editions"]:
        out[f"scatter-{edition}"] = {
            "title": f"{edition}: criminality and resilience", "width": 240, "height": 240,
            "data": {"values": [p for p in data["points"] if p["edition"] == edition]},
            "mark": {"type": "point", "filled": True, "size": 40, "opacity": 0.8},
            "encoding": {
                "x": {"field": "criminality", "type": "quantitative", "scale": {"domain": [1, 10]}},
                "y": {"field": "resilience", "type": "quantitative", "scale": {"domain": [1, 10]}},
                "color": {"field": "continent", "type": "nominal", "scale": CONTINENT_COLOURS},
                "tooltip": [{"field": "country"}, {"field": "continent"},
                            {"field": "criminality", "format": ".2f"}, {"field": "resilience", "format": ".2f"}],
            },
        }  # fmt: skip
    for metric in ("criminality", "resilience"):
        values = [m for m in data["movers"] if m["metric"] == metric]
        if values:
            out[f"movers-{metric}"] = {
                "title": f"Biggest movers in {metric}, {data['editions'][-2]} to {data['editions'][-1]}",
                "width": 300, "data": {"values": values}, "mark": "bar",
                "encoding": {
                    "y": {"field": "country", "type": "nominal", "sort": "-x", "title": None},
                    "x": {"field": "change", "type": "quantitative"},
                    "color": {"condition": {"test": "datum.change > 0", "value": "#e45756"}, "value": "#4c78a8"},
                    "tooltip": [{"field": "country"}, {"field": "before", "format": ".2f"},
                                {"field": "after", "format": ".2f"}, {"field": "change", "format": "+.2f"}],
                },
            }  # fmt: skip
    if data["heat"]:
        out["heatmap"] = {
            "title": f"Each indicator by region, {data['latest']} (mean score)", "data": {"values": data["heat"]},
            "mark": "rect", "width": {"step": 16}, "height": {"step": 14},
            "encoding": {
                "x": {"field": "region", "type": "nominal", "title": None},
                "y": {"field": "indicator", "type": "nominal", "sort": {"field": "position"}, "title": None},
                "color": {"field": "mean", "type": "quantitative", "scale": {"domain": [1, 10], "scheme": "orangered"}},
                "tooltip": [{"field": "region"}, {"field": "indicator"}, {"field": "mean", "format": ".2f"}],
            },
        }  # fmt: skip
    if data["rejects_by_code"]:
        out["rejects"] = {
            "title": "Rejected documents by reason", "width": 300, "data": {"values": data["rejects_by_code"]},
            "mark": "bar", "encoding": {"y": {"field": "code", "type": "nominal", "sort": "-x", "title": None},
                                        "x": {"field": "pages", "type": "quantitative"},
                                        "tooltip": [{"field": "stage"}, {"field": "code"}, {"field": "pages"}]},
        }  # fmt: skip
    return out


# The SHA-256 of vl-convert's bundle (`javascript_bundle(None)`, UTF-8) by the vl-convert-python version that
# builds it. The cache is checked against it before a byte of the cache is inlined. It lives here, in the
# installed code, because that is what the run already trusts: a digest stored beside the cache could be
# replaced along with the file. A version not listed builds the bundle from vl-convert on every report and
# never reads the cache; tests/test_warehouse_hardening.py fails until a new version's digest is added.
BUNDLE_SHA256 = {
    "1.9.0.post1": "3425bd951a44d478d0505c6b5d1e8d57656b6e9a4da7bfe88a718ce61d76e572",
}
BUNDLE_MAX_BYTES = 16 * 1024 * 1024  # a cache file larger than this is not the bundle, and is not read whole


def _vl_convert_version() -> str:
    """The installed vl-convert-python's version, read without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vl-convert-python")
    except PackageNotFoundError:
        return "unknown"


def _bundle_path(built_by: str) -> Path:
    """The cached bundle of a vl-convert version."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ocindex-pipeline"
    return cache / f"vega-bundle-{built_by}.js"


def _read_cached(path: Path, sha256: str) -> str | None:
    """The cached bundle if it is exactly the one `sha256` names, else None (missing, cut short, another
    script). Never through a link (O_NOFOLLOW: a link there would put any file it points to in the report),
    never blocking (O_NONBLOCK: a FIFO there would hang the report), and read only from a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with open(fd, "rb", closefd=False) as f:
            data = f.read(BUNDLE_MAX_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if hashlib.sha256(data).hexdigest() != sha256:
        log.info("%s is not the bundle whose SHA-256 is pinned (%s): it is built again", path, sha256)
        return None
    return data.decode("utf-8")


def _store(path: Path, data: bytes) -> None:
    """Cache the bundle: written to a new file of its own (mkstemp: never through a link planted at a name
    that can be guessed), then renamed over whatever is at `path` (a link or a FIFO is replaced, not
    followed). A cache that cannot be written is no error: the next report builds the bundle again."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


@functools.cache
def _built(built_by: str) -> str:
    """The bundle built by the installed vl-convert (once per process: the run builds it in a thread while it
    parses, the report uses it), cached on disk when its digest is the one pinned for that version."""
    import vl_convert  # only to build the bundle (the first report on a machine)

    bundle: str = vl_convert.javascript_bundle(None)  # type: ignore[arg-type]  # None: the libraries alone
    data = bundle.encode("utf-8")
    if BUNDLE_SHA256.get(built_by) == hashlib.sha256(data).hexdigest():
        _store(_bundle_path(built_by), data)
    return bundle


def _cached() -> str | None:
    """The cached bundle of the installed vl-convert, when it is the one pinned for that version."""
    built_by = _vl_convert_version()
    sha256 = BUNDLE_SHA256.get(built_by)
    return None if sha256 is None else _read_cached(_bundle_path(built_by), sha256)


def prepare_bundle() -> threading.Thread | None:
    """Start building the vega bundle in a thread when the cache does not hold it (the first run on a
    machine, or a cache that is not the bundle), so that it is built while the run parses; None when it is
    cached."""
    if _cached() is not None:
        return None
    thread = threading.Thread(target=vega_bundle, name="vega-bundle", daemon=True)
    thread.start()
    return thread


def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script (it defines `window.vegaEmbed`): the cached copy when its
    digest is the pinned one, else built by vl-convert."""
    return _cached() or _built(_vl_convert_version())


def table(rows: list[dict], limit: int = 200) -> str:
    if not rows:
        return "<p class='none'>None.</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    cells = lambda r: "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r.values())
    body = "".join("<tr>" + cells(r) + "</tr>"
                   for r in rows[:limit])  # fmt: skip
    more = f"<p>... and {len(rows) - limit} more (see the database).</p>" if len(rows) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def render(data: dict[str, Any], bundle: str) -> str:
    charts = specs(data)
    run = data["run"]
    figures = "".join(f"<div class='chart' id='{name}'></div>" for name in charts if name.startswith("scatter"))
    movers = "".join(f"<div class='chart' id='{name}'></div>" for name in charts if name.startswith("movers"))
    agreement = [{**a, "agreement": f"{100 * a['agree'] / max(1, a['agree'] + a['disagree']):.1f}%"}
                 for a in data["agreement"]]  # fmt: skip
    summary = (f"Run {run.get('run_id', '?')} ({run.get('status', '?')}): {run.get('pages_seen', 0)} documents seen, "
               f"{run.get('pages_loaded', 0)} loaded, {run.get('pages_rejected', 0)} rejected.")  # fmt: skip
    script = ("const specs = " + json.dumps(charts).replace("</", "<\\/") + ";\n"
              "for (const [id, spec] of Object.entries(specs)) {\n"

              "  vegaEmbed('#' + id, spec, {renderer: 'svg', actions: false});\n}\n")  # fmt: skip
    rejects_chart = "<div class='chart' id='rejects'></div>" if "rejects" in charts else ""
    heatmap = "<div class='chart' id='heatmap'></div>" if "heatmap" in charts else ""
    safe_bundle = bundle.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Organized Crime Index: report</title>
<style>body {{ font-family: sans-serif; margin: 2em; color: #222; }}
.row {{ display: flex; flex-wrap: wrap; gap: 1em; }}
table {{ border-collapse: collapse; font-size: 12px; margin: .5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; }}
th {{ background: #f4f4f4; }} .none {{ color: #666; }}</style>
<script>{safe_bundle}</script></head><body>
<h1>Organized Crime Index</h1><p>{html.escape(summary)}</p>
<h2>Criminality and resilience</h2><div class="row">{figures}</div>
<h2>Biggest movers</h2><div class="row">{movers}</div>{table(data["movers"])}
<h2>Indicators by region</h2>{heatmap}
<h2>Data quality</h2><p>{html.escape(summary)}</p>
{rejects_chart}<h3>Rejected documents</h3>{table(data["rejects"])}
<h3>Agreement with the official workbook</h3>{table(agreement)}<h4>Values that disagree</h4>{table(data["mismatches"])}
<h3>Cross-page checks that failed</h3>{table(data["checks_by_name"])}{table(data["checks"])}
<script>{script}</script></body></html>
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
