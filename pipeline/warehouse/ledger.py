"""What a run reports: its figures (the `runs` row), the pages it rejected, what it changed.

Plain data, light to import: the batch fills these before DuckDB is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple


@dataclass
class Reject:
    path: str
    sha256: str | None
    stage: str
    code: str
    message: str
    record: dict | None


@dataclass
class RunStats:
    started_at: str
    finished_at: str = ""
    status: str = "completed"
    pages_seen: int = 0
    pages_fetched: int = 0
    pages_not_modified: int = 0
    pages_parsed: int = 0
    pages_valid: int = 0
    pages_loaded: int = 0
    pages_rejected: int = 0
    values_changed: int = 0
    seconds_fetch: float = 0.0
    seconds_parse: float = 0.0
    seconds_load: float = 0.0
    code_version: str = ""
    inputs_sha256: str | None = None  # what the tables are made of (batch.inputs_fingerprint)


class EntityKey(NamedTuple):
    edition: int
    entity_kind: str
    entity: str


class ChangedValue(NamedTuple):
    """A current score whose value differs from the previous run's."""

    edition: int
    entity_kind: str
    entity: str
    indicator: str
    old_score: Decimal
    old_change: Decimal | None
    new_score: Decimal
    new_change: Decimal | None


@dataclass
class Changes:
    """What a run changed in the current scores against the previous run."""

    added_entities: list[EntityKey] = field(default_factory=list)
    removed_entities: list[EntityKey] = field(default_factory=list)
    changed_values: list[ChangedValue] = field(default_factory=list)
    added_values: int = 0
    removed_values: int = 0

    @property
    def count(self) -> int:
        return len(self.changed_values) + self.added_values + self.removed_values
