"""Reconciliation with the official open-data workbook (`--workbook PATH`).

Every country, edition and indicator of the workbook's editions is compared with the database:
`match`, `mismatch`, `missing_in_database` (the page is not loaded) or `missing_in_workbook`. The result
is the `reconciliation` table, a printed summary (agreement per edition, mismatches listed) and a
report file `extracted/reconciliation.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.extract.workbook import WorkbookRow
from pipeline.files import write_atomic
from pipeline.warehouse import bulk
from pipeline.warehouse.schema import PRIORITY_ORDER, Column


@dataclass(frozen=True)
class EditionAgreement:
    edition: int
    compared: int
    matched: int
    missing_in_database: int
    missing_in_workbook: int

    @property
    def agreement(self) -> float:
        return 100.0 * self.matched / self.compared if self.compared else 0.0


@dataclass
class Reconciliation:
    workbook: str
    editions: list[EditionAgreement]
    mismatches: list[tuple]  # (edition, iso3, entity, indicator, db, workbook)
    regions_differ: list[tuple]  # (edition, iso3, entity, printed region, workbook region)

    def summary_lines(self, limit: int = 30) -> list[str]:
        lines = [f"reconciliation with {self.workbook}:"]
        for e in self.editions:
            lines.append(
                f"  {e.edition}: {e.matched}/{e.compared} values agree ({e.agreement:.1f}%); "
                f"{e.missing_in_database} not in the database, {e.missing_in_workbook} not in the workbook"
            )
        for ed, iso3, ent, ind, db, wb in self.mismatches[:limit]:
            lines.append(f"  mismatch {ent} ({iso3}) {ed} {ind}: database {db}, workbook {wb}")
        if len(self.mismatches) > limit:
            lines.append(f"  ... {len(self.mismatches) - limit} more in the reconciliation table")
        return lines


WORKBOOK_COLUMNS = (
    Column("edition", "SMALLINT", ""),
    Column("iso3", "VARCHAR", ""),
    Column("indicator", "VARCHAR", ""),
    Column("score", "DECIMAL(4,2)", ""),
    Column("region", "VARCHAR", ""),
)


def reconcile(con, rows: list[WorkbookRow], workbook_name: str, run_id: int) -> Reconciliation:
    """The database's country scores against a workbook outside raw/ (`--workbook`)."""
    con.execute(f"CREATE TEMP TABLE wb ({', '.join(f'{c.name} {c.type}' for c in WORKBOOK_COLUMNS)})")
    data = [{"edition": r.edition, "iso3": r.iso3, "indicator": code, "score": round(v, 2), "region": r.region}
            for r in rows for code, v in r.scores.items()]  # fmt: skip
    bulk.insert(con, "wb", WORKBOOK_COLUMNS, bulk.records(data))
    return _compare(con, "scores", workbook_name, run_id, every_key=True)


def reconcile_staged(con, run_id: int) -> Reconciliation | None:
    """The pages' country scores against the workbook under raw/, staged in this run: every value a page
    shows beside the workbook's. None when no workbook is under raw/."""
    (name,) = con.execute("SELECT min(prio_path) FROM stage_sources WHERE prio_workbook").fetchone()
    if name is None:
        con.execute("DELETE FROM reconciliation")  # no workbook now: no comparison stands
        return None
    con.execute("""CREATE TEMP TABLE wb AS
        SELECT s.edition, s.iso3, s.indicator, s.score, r.area AS region FROM stage_scores s
        LEFT JOIN stage_ranks r ON r.prio_workbook AND r.scope = 'region' AND r.metric = 'criminality'
                               AND r.edition = s.edition AND r.iso3 = s.iso3
        WHERE s.prio_workbook AND s.entity_kind = 'country'""")
    pages = f"""(SELECT * FROM stage_scores WHERE NOT prio_workbook
                QUALIFY row_number() OVER (PARTITION BY edition, iso3, indicator
                                           ORDER BY {PRIORITY_ORDER}) = 1)"""
    return _compare(con, pages, name.rsplit("/", 1)[-1], run_id, every_key=False)


def _compare(con, values: str, workbook_name: str, run_id: int, every_key: bool) -> Reconciliation:
    """`values` (a table or subquery of country scores) against the temporary `wb`: the reconciliation
    table, agreement per edition, the mismatches, the regions named differently. `every_key`: also list
    the workbook's keys that `values` lacks."""
    editions = [e for (e,) in con.execute("SELECT DISTINCT edition FROM wb ORDER BY 1").fetchall()] or [0]
    con.execute("DELETE FROM reconciliation")  # replaced by this run's comparison
    con.execute(f"""
        INSERT INTO reconciliation
            (run_id, edition, iso3, entity, indicator, db_score, workbook_score, status, workbook)
        SELECT ?, coalesce(d.edition, w.edition), coalesce(d.iso3, w.iso3), c.name,
               coalesce(d.indicator, w.indicator), d.score, w.score,
               CASE WHEN d.score IS NULL THEN 'missing_in_database' WHEN w.score IS NULL THEN 'missing_in_workbook'
                    WHEN d.score = w.score THEN 'match' ELSE 'mismatch' END, ?
        FROM (SELECT edition, iso3, indicator, score FROM {values}
              WHERE entity_kind = 'country' AND edition IN ({", ".join(map(str, editions))})) d
        {"FULL OUTER" if every_key else "LEFT"} JOIN wb w
            ON w.edition = d.edition AND w.iso3 = d.iso3 AND w.indicator = d.indicator
        JOIN countries c ON c.iso3 = coalesce(d.iso3, w.iso3)""", [run_id, workbook_name])  # fmt: skip
    per = con.execute("""
        SELECT edition, count(*) FILTER (status IN ('match', 'mismatch')), count(*) FILTER (status = 'match'),
               count(*) FILTER (status = 'missing_in_database'), count(*) FILTER (status = 'missing_in_workbook')
        FROM reconciliation GROUP BY edition ORDER BY edition""").fetchall()
    mismatches = con.execute("""SELECT edition, iso3, entity, indicator, db_score, workbook_score FROM reconciliation
                                WHERE status = 'mismatch' ORDER BY ALL""").fetchall()
    regions = con.execute("""
        SELECT DISTINCT r.edition, r.iso3, r.entity, r.area, w.region FROM ranks r
        JOIN (SELECT DISTINCT edition, iso3, region FROM wb) w ON w.edition = r.edition AND w.iso3 = r.iso3
        WHERE r.scope = 'region' AND NOT coalesce(r.derived, false) AND r.area <> w.region ORDER BY ALL""").fetchall()
    con.execute("DROP TABLE wb")
    return Reconciliation(workbook_name, [EditionAgreement(*p) for p in per], mismatches, regions)


def write_report(rec: Reconciliation, folder: Path) -> Path:
    lines = [
        f"# Reconciliation with {rec.workbook}",
        "",
        "| edition | compared | agree | agreement | not in database | not in workbook |",
        "|---|---|---|---|---|---|",
    ]
    for e in rec.editions:
        lines.append(
            f"| {e.edition} | {e.compared} | {e.matched} | {e.agreement:.1f}% | {e.missing_in_database} | "
            f"{e.missing_in_workbook} |"
        )
    lines += ["", f"## Mismatches ({len(rec.mismatches)})", ""]
    if rec.mismatches:
        lines += ["| edition | country | indicator | database | workbook |", "|---|---|---|---|---|"]
        lines += [f"| {ed} | {ent} ({iso3}) | {ind} | {db} | {wb} |" for ed, iso3, ent, ind, db, wb in rec.mismatches]
    else:
        lines.append("None.")
    lines += [
        "",
        f"## Regions named differently on the pages and in the workbook ({len(rec.regions_differ)})",
        "",
        "Not a score mismatch: the workbook's region labels vary by edition (e.g. `Caribbean & Central` in 2023).",
        "",
    ]
    lines += [
        f"- {ed} {ent} ({iso3}): page `{page}`, workbook `{wb}`" for ed, iso3, ent, page, wb in rec.regions_differ
    ]
    path = folder / "reconciliation.md"
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path
