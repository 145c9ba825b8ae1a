"""A record's rows for each current table: pure, and light to import (parse workers build them).

Rows travel column by column and by name (`Rows`: column name -> values), the columns being those the
schema gives the table's staging table (`schema.staged_columns`): the table's own, then the source's
priority. Two pages may show the same entity and edition (a comparison page, a re-fetch), and the
load keeps the rows of the page ranked first by (entities on the page, newest fetch, path).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipeline import catalog
from pipeline.warehouse.schema import CURRENT, staged_columns

if TYPE_CHECKING:
    from pipeline.extract.models import Entity, Record

Rows = dict[str, list[Any]]  # column name -> values, one per row


class TableRows:
    """Rows of one table, appended by column name; `columns` are the schema's (a wrong name raises)."""

    def __init__(self, columns: Iterable[str]):
        self.data: Rows = {name: [] for name in columns}

    def add(self, **values: Any) -> None:
        data = self.data
        for name, value in values.items():
            data[name].append(value)

    def add_many(self, same: Mapping[str, Any], **columns: list[Any]) -> None:
        """Rows that share the values of `same` (an entity's), the other columns given as lists of equal
        length: a column at a time, not a row at a time (a wrong name raises, as in `add`)."""
        data = self.data
        n = len(next(iter(columns.values())))
        for name, values in columns.items():
            data[name].extend(values)
        for name, value in same.items():
            data[name].extend([value] * n)

    def done(self, table: str) -> Rows:
        """The rows, once every column has a value in each (a column left out is a bug: it raises)."""
        lengths = {name: len(values) for name, values in self.data.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"rows of {table} are missing values: {lengths}")
        return self.data


@dataclass
class Loadable:
    """A record that passed (`extract.models.Record`), with where it came from."""

    record: Record
    path: str
    fetched_at: str | None


def utc(stamp: str | None) -> str | None:
    """An ISO timestamp as naive UTC (the database's timestamps are UTC); None when unreadable."""
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat()


def entity_key(entity: Entity) -> str:
    if entity.kind == "country" and entity.iso3:
        country = catalog.country_by_iso3(entity.iso3)
        return country.name if country else entity.name
    return catalog.region_for_name(entity.name) or entity.name


def rows(loadables: Iterable[Loadable]) -> dict[str, Rows]:
    """The rows of every current table for these records, by table and column name."""
    out = {t: TableRows(c.name for c in staged_columns(t)) for t in CURRENT}
    scores, ranks, profiles, sections, sources = (out[t] for t in CURRENT)
    for item in loadables:
        rec = item.record
        src = rec.source
        workbook = src.format == "xlsx"  # a page's value wins over the workbook's
        prio = {"prio_workbook": workbook, "prio_entities": len(rec.entities), "prio_fetched": item.fetched_at or "",
                "prio_path": item.path}  # fmt: skip
        for entity in rec.entities:
            head = {"edition": entity.edition or rec.edition, "entity_kind": entity.kind,
                    "entity": entity_key(entity), "iso3": entity.iso3, "source_sha256": src.sha256,
                    "source_ref": entity.source_ref, **prio}  # fmt: skip
            codes, values = list(entity.scores), list(entity.scores.values())
            if codes:
                scores.add_many(head, indicator=codes, pillar=[catalog.INDICATOR_BY_CODE[c].pillar for c in codes],
                                score=[v.score for v in values], change=[v.change for v in values],
                                derived=[False] * len(codes))  # fmt: skip  # publish.derived_changes
            if ranks_ := entity.ranks:
                ranks.add_many(head, metric=[r.metric for r in ranks_], scope=[r.scope for r in ranks_],
                               area=[r.area for r in ranks_], rank=[r.rank for r in ranks_],
                               of_total=[r.of for r in ranks_], change_shown=[r.change_shown for r in ranks_],
                               previous_rank=[r.previous_rank for r in ranks_],
                               derived=[r.derived for r in ranks_],
                               places_moved=[None if r.previous_rank is None else r.previous_rank - r.rank
                                             for r in ranks_])  # fmt: skip
            if entity.profile is not None:
                profiles.add(**head, **entity.profile.model_dump())
            if sections_ := entity.sections:
                sections.add_many(head, ordinal=list(range(1, len(sections_) + 1)),
                                  title=[x.title for x in sections_], text=[x.text for x in sections_])  # fmt: skip
        sources.add(sha256=src.sha256, path=item.path, url=src.url, format=src.format, site=src.site,
                    edition=rec.edition, fetched_at=utc(item.fetched_at), entities=len(rec.entities), first_run=0,
                    **prio)  # fmt: skip
    return {t: table.done(t) for t, table in out.items()}


def concat(batches: Iterable[Mapping[str, Rows]]) -> dict[str, Rows]:
    """Several pages' rows as one batch per table."""
    out: dict[str, Rows] = {}
    for batch in batches:
        for table, data in batch.items():
            into = out.setdefault(table, {name: [] for name in data})
            for name, values in data.items():
                into[name].extend(values)
    return out
