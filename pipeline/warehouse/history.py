"""The score history and the change report: what a run changed in the current scores.

Before the current tables are rebuilt, the previous scores are kept aside (`keep_previous`); once the
new ones are in, `changes` compares the two and `record_history` closes the values that are no longer
current and opens the new ones in `score_history`.
"""

from __future__ import annotations

import duckdb

from pipeline.warehouse.ledger import ChangedValue, Changes, EntityKey

_KEY = "edition, entity_kind, entity, indicator"
_KEPT = ("edition", "entity_kind", "entity", "indicator", "score", "change")


def keep_previous(con: duckdb.DuckDBPyConnection, has_columns) -> None:
    """Keep the previous run's scores and sources (`previous_scores`, `previous_sources`): the tables
    are about to be rebuilt. `has_columns(table, columns)` says whether the old file has them."""
    con.execute(
        f"CREATE TEMP TABLE previous_scores AS SELECT {', '.join(_KEPT)} FROM "
        + (
            "scores"
            if has_columns("scores", _KEPT)
            else "(SELECT 0::SMALLINT edition, ''::VARCHAR entity_kind, ''::VARCHAR entity, ''::VARCHAR indicator, "
            "0::DECIMAL(4,2) score, 0::DECIMAL(4,2) change) WHERE false"
        )
    )
    con.execute(
        "CREATE TEMP TABLE previous_sources AS SELECT sha256, first_run FROM "
        + (
            "sources"
            if has_columns("sources", ("sha256", "first_run"))
            else "(SELECT ''::VARCHAR sha256, 0 first_run) WHERE false"
        )
    )


def keep_previous_of(con: duckdb.DuckDBPyConnection, condition: str) -> None:
    """The scores of the entities a run after a few pages changed touches (`condition`, on `s`), as they are
    before it picks them again (`previous_scores`: the change report compares with them)."""
    con.execute(f"CREATE TEMP TABLE previous_scores AS SELECT {', '.join(_KEPT)} FROM scores s WHERE {condition}")


def drop_previous(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE previous_scores")
    con.execute("DROP TABLE previous_sources")


def changes(con: duckdb.DuckDBPyConnection, current: str = "scores") -> Changes:
    """`current` (the scores, or those of the entities a run touched) against `previous_scores`."""
    ch = Changes()
    ent = "SELECT DISTINCT edition, entity_kind, entity FROM {}"
    ch.added_entities = [
        EntityKey(*r)
        for r in con.execute(f"{ent.format(current)} EXCEPT {ent.format('previous_scores')} ORDER BY ALL").fetchall()
    ]
    ch.removed_entities = [
        EntityKey(*r)
        for r in con.execute(f"{ent.format('previous_scores')} EXCEPT {ent.format(current)} ORDER BY ALL").fetchall()
    ]
    ch.changed_values = [
        ChangedValue(*r)
        for r in con.execute(f"""
        SELECT n.edition, n.entity_kind, n.entity, n.indicator, o.score, o.change, n.score, n.change
        FROM {current} n JOIN previous_scores o USING ({_KEY})
        WHERE n.score IS DISTINCT FROM o.score OR n.change IS DISTINCT FROM o.change
        ORDER BY ALL""").fetchall()
    ]
    ch.added_values = _count(con, f"SELECT {_KEY} FROM {current} EXCEPT SELECT {_KEY} FROM previous_scores")
    ch.removed_values = _count(con, f"SELECT {_KEY} FROM previous_scores EXCEPT SELECT {_KEY} FROM {current}")
    return ch


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    row = con.execute(f"SELECT count(*) FROM ({query})").fetchone()
    return int(row[0]) if row else 0


def record_history(con: duckdb.DuckDBPyConnection, run_id: int, within: str = "true") -> None:
    """Close history rows whose value is no longer current; open rows for values new in this run. `within`: a
    condition on the row aliased `{a}` (the entities a run touched: the others have not changed)."""
    con.execute(
        f"""
        UPDATE score_history h SET replaced_run = ?
        WHERE h.replaced_run IS NULL AND {within.format(a="h")} AND NOT EXISTS (
            SELECT 1 FROM scores s
            WHERE (s.edition, s.entity_kind, s.entity, s.indicator) = (h.edition, h.entity_kind, h.entity, h.indicator)
              AND s.score = h.score AND s.change IS NOT DISTINCT FROM h.change)""",
        [run_id],
    )
    con.execute(
        f"""
        INSERT INTO score_history (edition, entity_kind, entity, iso3, indicator, score, change, source_sha256,
                                   first_run, replaced_run)
        SELECT s.edition, s.entity_kind, s.entity, s.iso3, s.indicator, s.score, s.change, s.source_sha256, ?, NULL
        FROM scores s WHERE {within.format(a="s")} AND NOT EXISTS (
            SELECT 1 FROM score_history h WHERE h.replaced_run IS NULL
              AND (s.edition, s.entity_kind, s.entity, s.indicator)
                  = (h.edition, h.entity_kind, h.entity, h.indicator))""",
        [run_id],
    )
