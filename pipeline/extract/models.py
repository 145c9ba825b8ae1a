"""The record (CONTRACT.md section 2) as frozen, strict pydantic models.

They fix the shape and the ranges that hold for every page; the index's arithmetic, which needs
the edition and more than one field, is in `validate.py`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.catalog import INDICATOR_BY_CODE


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class Issue(Model):
    severity: Literal["error", "warning"]
    code: str = Field(pattern=r"^[a-z_]+$")
    message: str = Field(min_length=1)
    line: int | None = Field(ge=0)


class Source(Model):
    path: str | None
    url: str | None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    format: Literal["text", "html", "xlsx"]
    site: Literal["global", "enact"] | None  # the ENACT Africa site or the global index; None when unread


class Profile(Model):
    capital: str | None
    gdp_usd_million: float | None = Field(ge=0)
    income_group: str | None
    population: int | None = Field(ge=0)
    area_km2: float | None = Field(ge=0)
    geography_type: str | None
    gini: float | None = Field(ge=0, le=100)
    gdp_per_capita_usd: float | None = Field(ge=0)


class ScoreChange(Model):
    score: float = Field(ge=1, le=10)
    change: float | None = Field(ge=-9.99, le=9.99)


class Rank(Model):
    metric: Literal["criminality", "resilience"]
    scope: Literal["world", "continent", "region"]
    area: str
    rank: int = Field(ge=1)
    of: int = Field(ge=1)
    change_shown: int | None
    previous_rank: int | None = Field(ge=1)
    derived: bool = False  # computed from the workbook's scores (competition ranking), not printed


class Section(Model):
    title: str | None
    text: str


class Entity(Model):
    kind: Literal["country", "region"]
    name: str
    iso3: str | None = Field(pattern=r"^[A-Z]{3}$")
    continent: str | None
    region: str | None
    profile: Profile | None
    scores: dict[str, ScoreChange]
    ranks: list[Rank]
    sections: list[Section]
    countries: list[str] | None = None  # a region's member countries, as printed
    enact_region: str | None = None  # the African Union region an ENACT page ranks a country in, as printed
    edition: Literal[2019, 2021, 2023, 2025] | None = None  # a workbook row's edition (a page's is the record's)
    source_ref: str | None = None  # a workbook row: `<sheet>!<row>`
    workbook_region: str | None = None  # a workbook row: the region label of its sheet (`region` is the site's)

    @model_validator(mode="after")
    def _known_codes(self):
        unknown = sorted(set(self.scores) - set(INDICATOR_BY_CODE))
        if unknown:
            raise ValueError(f"unknown indicator codes {unknown}")
        if (self.kind == "country") != (self.iso3 is not None):
            raise ValueError("a country has an iso3 code and a region has none")
        return self


class Record(Model):
    source: Source
    edition: Literal[2019, 2021, 2023, 2025] | None
    editions: list[int] | None = None  # a workbook: the editions of its sheets (its entities say theirs)
    complete: bool
    entities: list[Entity]
    issues: list[Issue]

    @model_validator(mode="after")
    def _incomplete_has_error(self):
        has_error = any(i.severity == "error" for i in self.issues)
        if not self.complete and not has_error:
            raise ValueError("an incomplete record must carry an error")
        if self.edition is None and not has_error and not self.editions:
            raise ValueError("a record without an edition must carry an error")
        return self
