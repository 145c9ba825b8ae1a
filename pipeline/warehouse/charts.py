"""The report's charts as Vega-Lite specifications, and the colours that carry one meaning in all of them.

Colour means better or worse, whatever the metric: a rise in criminality is worse, a rise in resilience is
better (`tone`). The heatmap has a scale per side, both centred on 5.5, the middle of the 1-10 scale: blue is
low criminality or high resilience, red the opposite. Continents have colours of their own (and shapes),
never the better and worse colours.

The charts are drawn as SVG by vega-embed, whose JavaScript (from the `vl-convert-python` package) is inlined
in the report; the bundle is built once per vl-convert version and cached, and the cache is inlined only when
it is, byte for byte, the bundle pinned for that version (`BUNDLE_SHA256`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

from pipeline.files import TMP_SUFFIX

log = logging.getLogger(__name__)

BETTER = "#2166ac"  # blue: lower criminality, higher resilience, a rank toward 1 in resilience
WORSE = "#b2182b"  # red: higher criminality, lower resilience
SAME = "#6b6b6b"  # no change
MIDDLE = "#f7f7f7"  # the middle of the 1-10 scale in the heatmap
CONTINENT_COLOURS = {"domain": ["Africa", "Americas", "Asia", "Europe", "Oceania"],
                     "range": ["#a6761d", "#7570b3", "#e6ab02", "#66a61e", "#444444"]}  # fmt: skip
CONTINENT_SHAPES = {"domain": CONTINENT_COLOURS["domain"],
                    "range": ["circle", "square", "triangle-up", "diamond", "cross"]}  # fmt: skip
HIGHER_IS_BETTER = {"resilience"}  # pillars; the other three (criminality, markets, actors): higher is worse
TONES = {"domain": ["better", "worse", "no change"], "range": [BETTER, WORSE, SAME]}


def tone(pillar: str, change: float | None) -> str | None:
    """'better', 'worse' or 'no change' for a change of a score of the pillar (None for no change known)."""
    if change is None:
        return None
    if change == 0:
        return "no change"
    return "better" if (change > 0) == (pillar in HIGHER_IS_BETTER) else "worse"


def scatter(edition: int, points: list[dict]) -> dict:
    return {
        "title": f"{edition}", "width": 230, "height": 230, "data": {"values": points},
        "mark": {"type": "point", "filled": True, "size": 36, "opacity": 0.8},
        "encoding": {
            "x": {"field": "criminality", "type": "quantitative", "scale": {"domain": [1, 10]},
                  "title": "criminality (higher is worse)"},
            "y": {"field": "resilience", "type": "quantitative", "scale": {"domain": [1, 10]},
                  "title": "resilience (higher is better)"},
            "color": {"field": "continent", "type": "nominal", "scale": CONTINENT_COLOURS,
                      "legend": {"orient": "bottom", "columns": 3, "title": None}},
            "shape": {"field": "continent", "type": "nominal", "scale": CONTINENT_SHAPES},
            "tooltip": [{"field": "country"}, {"field": "continent"},
                        {"field": "criminality", "format": ".2f"}, {"field": "resilience", "format": ".2f"}],
        },
    }  # fmt: skip


def movers(metric: str, rows: list[dict], before: int, after: int) -> dict:
    """Bars in the order of the rows (the table's order), coloured better or worse."""
    direction = "higher is better" if metric in HIGHER_IS_BETTER else "higher is worse"
    return {
        "title": {"text": f"{metric.capitalize()}, {before} to {after}", "subtitle": direction},
        "width": 200, "data": {"values": rows}, "mark": "bar",
        "encoding": {
            "y": {"field": "country", "type": "nominal", "sort": [r["country"] for r in rows], "title": None},
            "x": {"field": "change", "type": "quantitative", "axis": {"format": "+.2f", "tickCount": 4}},
            "color": {"field": "tone", "type": "nominal", "scale": TONES,
                      "legend": {"title": None, "orient": "bottom"}},
            "tooltip": [{"field": "country"}, {"field": "before", "format": ".2f"},
                        {"field": "after", "format": ".2f"}, {"field": "change", "format": "+.2f"},
                        {"field": "tone"}],
        },
    }  # fmt: skip


# The heatmap's blocks, by `part`: the criminality side's composites, each pillar's indicators (the resilience
# composite with its own indicators: one scale per side).
HEAT_PARTS = (
    ("composite", "Composite scores: higher is worse"),
    ("criminal_markets", "Criminal markets: higher is worse"),
    ("criminal_actors", "Criminal actors: higher is worse"),
    ("resilience", "Resilience: higher is better"),
)
CRIMINALITY_COMPOSITES = ("criminality", "criminal_markets", "criminal_actors")


def heat_part(indicator: str, pillar: str) -> str:
    return "composite" if indicator in CRIMINALITY_COMPOSITES else pillar


def heatmap(rows: list[dict], edition: int) -> dict:
    """One block per pillar (the composite scores first), a divider between them; the criminality side and
    the resilience side each have their own scale, centred on 5.5, blue for better and red for worse."""
    parts = []
    for n, (part, title) in enumerate(HEAT_PARTS):
        values = [r for r in rows if heat_part(r["indicator"], r["pillar"]) == part]
        better_high = part in HIGHER_IS_BETTER
        legend = {"title": "higher is better" if better_high else "higher is worse", "orient": "right",
                  "direction": "vertical", "gradientLength": 80}  # fmt: skip
        parts.append({
            "title": {"text": title, "anchor": "start", "fontSize": 12},
            "data": {"values": values}, "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
            "width": {"step": 14}, "height": {"step": 13},
            "encoding": {
                "x": {"field": "region", "type": "nominal", "title": None, "sort": {"field": "region_order"},
                      "axis": {"orient": "top", "labelAngle": -55} if n == 0 else None},
                "y": {"field": "label", "type": "nominal", "title": None, "sort": {"field": "position"}},
                "color": {"field": "mean", "type": "quantitative",
                          "scale": {"domain": [1, 5.5, 10],
                                    "range": [WORSE, MIDDLE, BETTER] if better_high else [BETTER, MIDDLE, WORSE]},
                          "legend": legend if n in (0, len(HEAT_PARTS) - 1) else None},
                "tooltip": [{"field": "region"}, {"field": "label", "title": "indicator"},
                            {"field": "mean", "format": ".2f"}],
            },
        })  # fmt: skip
    return {"title": f"Mean score by region, {edition}", "vconcat": parts, "spacing": 14,
            "resolve": {"scale": {"color": "independent", "x": "shared"}}}  # fmt: skip


def rejects(rows: list[dict]) -> dict:
    """Rejected documents by reason: whole-number ticks, bars in the table's order."""
    return {
        "title": "Rejected documents by reason", "width": 200, "data": {"values": rows}, "mark": "bar",
        "encoding": {"y": {"field": "code", "type": "nominal", "sort": [r["code"] for r in rows], "title": None},
                     "x": {"field": "pages", "type": "quantitative", "title": "documents",
                           "axis": {"format": "d", "tickMinStep": 1}, "scale": {"domainMin": 0}},
                     "tooltip": [{"field": "stage"}, {"field": "code"}, {"field": "pages"}]},
    }  # fmt: skip


def specs(data: dict[str, Any]) -> dict[str, dict]:
    """The Vega-Lite specification of each chart, by the id of the element it is drawn in."""
    out: dict[str, dict] = {}
    for edition in data["editions"]:
        out[f"scatter-{edition}"] = scatter(edition, [p for p in data["points"] if p["edition"] == edition])
    for metric in ("criminality", "resilience"):
        values = [m for m in data["movers"] if m["metric"] == metric]
        if values:
            out[f"movers-{metric}"] = movers(metric, values, data["editions"][-2], data["editions"][-1])
    if data["heat"]:
        out["heatmap"] = heatmap(data["heat"], data["latest"])
    if data["rejects_by_code"]:
        out["rejects"] = rejects(data["rejects_by_code"])
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


def cached_bundle() -> str | None:
    """The cached bundle of the installed vl-convert, when it is the one pinned for that version (nothing is
    built: None when the cache does not hold it)."""
    built_by = _vl_convert_version()
    sha256 = BUNDLE_SHA256.get(built_by)
    return None if sha256 is None else _read_cached(_bundle_path(built_by), sha256)


def prepare_bundle() -> threading.Thread | None:
    """Start building the vega bundle in a thread when the cache does not hold it (the first run on a
    machine, or a cache that is not the bundle), so that it is built while the run parses; None when it is
    cached."""
    if cached_bundle() is not None:
        return None
    thread = threading.Thread(target=vega_bundle, name="vega-bundle", daemon=True)
    thread.start()
    return thread


def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script (it defines `window.vegaEmbed`): the cached copy when its
    digest is the pinned one, else built by vl-convert."""
    return cached_bundle() or _built(_vl_convert_version())
