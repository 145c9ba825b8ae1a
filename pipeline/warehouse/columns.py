"""The pieces a table is declared with (`schema.py`, `run_tables.py`): a column, a table, and the columns
many tables share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Column(NamedTuple):
    name: str
    type: str  # SQL type, with NOT NULL where the column has no nulls
    comment: str
    # how DuckDB stores the column, when its own choice costs more than it saves (`ddl` appends it)
    compression: str = ""

    @property
    def sql_type(self) -> str:
        """The type without its constraint (staging tables and casts)."""
        return self.type.replace(" NOT NULL", "")


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


_E = Column("edition", "SMALLINT NOT NULL", "Edition of the index: 2019 (ENACT Africa), 2021, 2023 or 2025.")
_KIND = Column("entity_kind", "VARCHAR NOT NULL", "'country' or 'region'.")
_ENT = Column("entity", "VARCHAR NOT NULL", "Country name as in the catalog (countries.name), or the region's name.")
_ISO = Column("iso3", "VARCHAR", "ISO 3166-1 alpha-3 code of the country; NULL for a region.")
_SRC = Column("source_sha256", "VARCHAR NOT NULL", "SHA-256 of the raw page the row was read from (sources.sha256).")
_REF = Column(
    "source_ref",
    "VARCHAR",
    "Where in the document: `<sheet>!<row>` for a row of the official workbook; NULL for a page.",
)
