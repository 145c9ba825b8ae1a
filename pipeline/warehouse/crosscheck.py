"""Checks across pages, once a batch is staged: what no single page can prove on its own.

- rank_order: in an edition whose countries are all loaded, the printed ranks equal the ranks
  recomputed from the scores (competition ranking on the 2-decimal score, ties share a rank), at
  world, continent and region scope, and `of N` equals the number of countries in the area;
- change_vs_previous: a printed change equals the difference to the previous edition's score within
  0.01 (changes are computed from unrounded scores), when both editions are loaded;
- previous_rank: the previous rank derived from the printed change equals the rank in the previous
  edition, in the same area, when that edition is loaded;
- source_agreement: two pages showing the same entity and edition (a comparison page, a re-fetch)
  agree on every score and rank;
- region_mean: a region's score equals the mean of its member countries' scores within 0.01, when all
  of them are loaded.

Each failure is a row of `checks` naming the pages involved. SQL over the staged and current tables; the pages'
paths are looked up for the rows that fail only (`_paths`), not joined to every row checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.warehouse.schema import TABLE, previous_edition_sql

EXPECTED_COUNTRIES = {2019: 54, 2021: 193, 2023: 193, 2025: 193}


@dataclass(frozen=True)
class Failure:
    check: str
    edition: int
    entity: str
    item: str
    expected: str | None
    found: str | None
    pages: list[str]
    message: str


def complete_editions(con) -> list[int]:
    rows = con.execute("""SELECT edition, count(DISTINCT entity) FROM scores
                          WHERE entity_kind = 'country' AND indicator = 'criminality' GROUP BY edition""").fetchall()
    return sorted(e for e, n in rows if n == EXPECTED_COUNTRIES.get(e))


def staged_twice(con, table: str, pages_only: bool = False) -> bool:
    """Whether some key of a current table is staged more than once (two documents show the same entity
    and edition; `pages_only`: two pages, the workbook left out)."""
    where = "WHERE NOT prio_workbook" if pages_only else ""
    row = con.execute(f"""SELECT EXISTS (SELECT {", ".join(TABLE[table].key)} FROM stage_{table} {where}
                                         GROUP BY ALL HAVING count(*) > 1)""").fetchone()
    return bool(row and row[0])


def outranked_pages(con, table: str) -> bool:
    """Whether a page's row of `table` was outranked by another document's (`staging.unpicked_<table>`): with none,
    no key has two pages' rows (the current table holds one row per key), and the costlier `staged_twice` need not
    look (in a run after a few pages changed, the staged rows are a view of the current and outranked rows)."""
    row = con.execute(f"SELECT EXISTS (SELECT 1 FROM staging.unpicked_{table} WHERE NOT prio_workbook)").fetchone()
    return bool(row and row[0])


def run_checks(con) -> list[Failure]:
    """Every check's failures, in the order the checks are listed."""
    return [f for check in CHECKS for f in check(con)]


def _paths(con, shas: set[str]) -> dict[str, str]:
    """The path of each content (`sources`), for the rows that failed."""
    if not shas:
        return {}
    return dict(
        con.execute("SELECT sha256, path FROM sources WHERE list_contains(?, sha256)", [sorted(shas)]).fetchall()
    )


def rank_order(con) -> list[Failure]:
    complete = complete_editions(con)
    if not complete:
        return []
    rows = con.execute(f"""
        WITH r AS (
            SELECT r.edition, r.entity, r.metric, r.scope, r.area, r.rank, r.of_total, s.score, r.source_sha256
            FROM ranks r
            JOIN scores s ON s.edition = r.edition AND s.entity_kind = r.entity_kind AND s.entity = r.entity
                         AND s.indicator = r.metric
            WHERE r.entity_kind = 'country' AND r.edition IN ({", ".join(map(str, complete))})),
        g AS (SELECT *, rank() OVER (PARTITION BY edition, metric, scope, area ORDER BY score DESC) AS computed,
                        count(*) OVER (PARTITION BY edition, metric, scope, area) AS members FROM r)
        SELECT edition, entity, metric, scope, area, rank, of_total, computed, members, source_sha256, score FROM g
        WHERE computed <> rank OR members <> of_total ORDER BY ALL""").fetchall()
    paths = _paths(con, {row[9] for row in rows})
    return [
        Failure(
            "rank_order",
            e,
            ent,
            f"{metric}/{scope}",
            f"{computed} of {members}",
            f"{rank} of {of}",
            [paths[sha]],
            f"{paths[sha]}: {ent} {e} prints {metric} rank {rank} of {of} in {area}, but the {members} "
            f"loaded countries' scores put it {computed} (its score {score})",
        )
        for e, ent, metric, scope, area, rank, of, computed, members, sha, score in rows
    ]


def change_vs_previous(con) -> list[Failure]:
    rows = con.execute(f"""
        SELECT n.edition, n.entity, n.indicator, n.score, n.change, p.score, n.source_sha256, p.source_sha256, p.edition
        FROM scores n
        JOIN scores p ON p.edition = {previous_edition_sql("n.edition")} AND p.entity_kind = n.entity_kind
                     AND p.entity = n.entity AND p.indicator = n.indicator
        WHERE n.change IS NOT NULL AND abs(n.score - p.score - n.change) > 0.01 ORDER BY ALL""").fetchall()
    paths = _paths(con, {sha for row in rows for sha in row[6:8]})
    return [
        Failure(
            "change_vs_previous",
            e,
            ent,
            ind,
            f"{score - prev:+.2f}",
            f"{change:+.2f}",
            [paths[sn], paths[sp]],
            f"{paths[sn]}: {ent} {e} {ind} is {score} with a printed change of {change:+}, but {paths[sp]} gives "
            f"{prev} for {pe}: a difference of {score - prev:+}",
        )
        for e, ent, ind, score, change, prev, sn, sp, pe in rows
    ]


def previous_rank(con) -> list[Failure]:
    rows = con.execute(f"""
        SELECT n.edition, n.entity, n.metric, n.scope, n.area, n.previous_rank, p.rank, n.source_sha256,
               p.source_sha256, p.edition
        FROM ranks n
        JOIN ranks p ON p.edition = {previous_edition_sql("n.edition")} AND p.entity_kind = n.entity_kind
                    AND p.entity = n.entity AND p.metric = n.metric AND p.scope = n.scope AND p.area = n.area
        WHERE n.previous_rank IS NOT NULL AND n.previous_rank <> p.rank ORDER BY ALL""").fetchall()
    paths = _paths(con, {sha for row in rows for sha in row[7:9]})
    return [
        Failure(
            "previous_rank",
            e,
            ent,
            f"{metric}/{scope}",
            str(rank),
            str(prev_rank),
            [paths[sn], paths[sp]],
            f"{paths[sn]}: {ent} {e} {metric} rank change in {area} implies rank {prev_rank} in {pe}, but "
            f"{paths[sp]} prints {rank}",
        )
        for e, ent, metric, scope, area, prev_rank, rank, sn, sp, pe in rows
    ]


def source_agreement(con) -> list[Failure]:
    out: list[Failure] = []
    for table, item, value in (
        ("scores", "indicator", "score::VARCHAR || ' ' || coalesce(change::VARCHAR, 'none')"),
        ("ranks", "metric || '/' || scope", "rank::VARCHAR || ' of ' || of_total::VARCHAR"),
    ):
        if not outranked_pages(con, table) or not staged_twice(con, table, pages_only=True):
            continue  # no two pages show the same value: none can disagree
        rows = con.execute(f"""
            WITH staged AS (
                SELECT edition, entity_kind, entity, {item} AS item, {value} AS value, prio_path FROM stage_{table}
                WHERE NOT prio_workbook),  -- pages against the workbook: the reconciliation's
            differing AS (  -- the keys first, then lists for those few: no list for every key
                SELECT edition, entity_kind, entity, item FROM staged GROUP BY ALL HAVING count(DISTINCT value) > 1)
            SELECT edition, entity, item, list(DISTINCT value ORDER BY value),
                   list(DISTINCT prio_path ORDER BY prio_path)
            FROM staged SEMI JOIN differing USING (edition, entity_kind, entity, item)
            GROUP BY edition, entity_kind, entity, item ORDER BY ALL""").fetchall()
        out += [
            Failure(
                "source_agreement",
                e,
                ent,
                it,
                None,
                " | ".join(values),
                list(pages),
                f"{ent} {e} {it}: the pages disagree ({' vs '.join(values)}) in {', '.join(pages)}",
            )
            for e, ent, it, values, pages in rows
        ]
    return out


def region_mean(con) -> list[Failure]:
    rows = con.execute(f"""
        WITH {_REGION_MEMBERS},
        means AS (
            SELECT m.edition, m.region, s.indicator, avg(s.score) AS mean, count(*) AS n
            FROM members m JOIN scores s ON s.edition = m.edition AND s.entity = m.entity AND s.entity_kind = 'country'
            GROUP BY ALL),
        expected AS (
            SELECT e.edition, c.region AS region, count(*) AS n
            FROM countries c CROSS JOIN (SELECT DISTINCT edition FROM scores) e GROUP BY ALL)
        SELECT g.edition, g.entity, g.indicator, g.score, m.mean, g.source_sha256
        FROM scores g JOIN means m ON m.edition = g.edition AND m.region = g.entity AND m.indicator = g.indicator
        JOIN expected x ON x.edition = m.edition AND x.region = m.region AND x.n = m.n
        WHERE g.entity_kind = 'region' AND abs(g.score - m.mean) > 0.01 ORDER BY ALL""").fetchall()
    if not rows:
        return []
    paths = _paths(con, {row[5] for row in rows})
    members = dict(((e, region, ind), pages) for e, region, ind, pages in con.execute(f"""
        WITH {_REGION_MEMBERS}
        SELECT m.edition, m.region, s.indicator, list(DISTINCT src.path)
        FROM members m JOIN scores s ON s.edition = m.edition AND s.entity = m.entity AND s.entity_kind = 'country'
        JOIN sources src ON src.sha256 = s.source_sha256
        WHERE list_contains(?, [m.edition::VARCHAR, m.region, s.indicator]) GROUP BY ALL""",
        [[[str(e), ent, ind] for e, ent, ind, *_ in rows]]).fetchall())  # fmt: skip
    return [
        Failure(
            "region_mean",
            e,
            ent,
            ind,
            f"{mean:.2f}",
            str(score),
            [paths[sha], *sorted(members[(e, ent, ind)])][:20],
            f"{paths[sha]}: region {ent} {e} shows {ind} {score}, but its loaded member countries average {mean:.3f}",
        )
        for e, ent, ind, score, mean, sha in rows
    ]


_REGION_MEMBERS = """members AS (
            SELECT DISTINCT r.edition, r.area AS region, r.entity FROM ranks r
            WHERE r.entity_kind = 'country' AND r.scope = 'region')"""


CHECKS = (rank_order, change_vs_previous, previous_rank, source_agreement, region_mean)
