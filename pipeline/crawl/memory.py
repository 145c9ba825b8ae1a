"""What the crawler remembers between runs (`raw/.crawl/state.json`), and what it decides from it: which documents
are due (`schedule`), and how complete the raw store is (`summary_lines`, the `coverage` rows).

One entry per expected document, kept across crawls of a subset: its URL, the status of its last request and
since when, when it was last requested and last fetched fine, the version held, and the sitemap's `<lastmod>` when
it was fetched. A document is due when it is new, newer in the sitemap than the copy held, not requested within
`--revalidate-after` days (0: every one), or when the workbook changed upstream. A known 404 is tried again after
1 day, then 2, 4... up to 30 (every time with `--revalidate-after 0`).

The file is hidden (the raw store lists no dot file), so it is not an input of the database: a run whose only
news is that a page was requested again changes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline import catalog
from pipeline.crawl.targets import ENACT_REGIONS, Target
from pipeline.files import write_atomic

log = logging.getLogger("pipeline.crawl.fetch")

STATE = Path(".crawl") / "state.json"
GONE = {"http_404", "http_410"}
OK = {"200", "304", "same_text"}
MAX_BACKOFF_DAYS = 30


def now() -> datetime:
    return datetime.now(UTC)


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _when(text: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def key_text(target: Target) -> str:
    return "|".join(map(str, target.key))


class Memory:
    """The crawl state of a raw folder: entries by document key."""

    def __init__(self, raw_dir: Path):
        self.path = raw_dir / STATE
        self.entries: dict[str, dict] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("documents"), dict):
                self.entries = {k: v for k, v in data["documents"].items() if _sound(v)}
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:  # a damaged state costs a full crawl, not the run
            log.warning("%s cannot be read (%s); every document is due", self.path, exc)

    def of(self, target: Target) -> dict:
        return self.entries.get(key_text(target), {})

    def note(self, target: Target, **facts: object) -> dict:
        """The target's entry, made when new, with its identity (and its URL: a sitemap's may replace the
        catalog's) and `facts`."""
        entry = self.entries.setdefault(key_text(target), {})
        entry.update(site=target.site, document=target.document, edition=target.edition, entity=target.entity,
                     iso3=target.iso3, url=target.url, **facts)  # fmt: skip
        return entry

    def record(self, target: Target, status: str, when: datetime, sha256: str | None, lastmod: str | None) -> dict:
        """The outcome of a request for the target."""
        entry = self.note(target)
        if entry.get("status") != status:
            entry["since"] = stamp(when)
        entry.update(status=status, checked_at=stamp(when))
        entry["fails"] = 0 if status in OK else int(entry.get("fails") or 0) + 1
        if status in OK:
            entry["ok_at"] = stamp(when)
            entry["lastmod"] = lastmod
        if sha256:
            entry["sha256"] = sha256
        return entry

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "documents": dict(sorted(self.entries.items()))}
        write_atomic(self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())


@dataclass(frozen=True)
class Decision:
    target: Target
    due: bool
    reason: str  # new, newer in the sitemap, stale, workbook changed, every page, known 404, fresh...


def schedule(target: Target, entry: dict, held: dict, at: datetime, revalidate_days: float, lastmod: str | None,
             workbook_changed: bool) -> Decision:  # fmt: skip
    """Whether the target is requested in this run, and why. `held`: the metadata of its newest stored copy."""
    checked = _when(entry.get("checked_at")) or _when(held.get("fetched_at"))
    if checked is None:
        return Decision(target, True, "new")
    status = entry.get("status", "200")
    if status in GONE and not held:
        if revalidate_days == 0:
            return Decision(target, True, f"known {status[5:]}, tried again (--revalidate-after 0)")
        wait = timedelta(days=min(MAX_BACKOFF_DAYS, 2 ** max(0, int(entry.get("fails") or 1) - 1)))
        if at >= checked + wait:
            return Decision(target, True, f"known {status[5:]}, tried again after {wait.days} day(s)")
        return Decision(target, False, f"known {status[5:]} since {entry.get('since', '?')[:10]}; next try "
                                       f"{(checked + wait).date()}")  # fmt: skip
    if status not in OK and status not in GONE:
        return Decision(target, True, f"failed last time ({status})")
    if lastmod and lastmod != entry.get("lastmod") and (entry.get("lastmod") or _newer(lastmod, checked)):
        return Decision(target, True, f"newer in the sitemap ({lastmod})")
    if workbook_changed:
        return Decision(target, True, "the workbook changed upstream")
    age = (at - checked).total_seconds() / 86400
    if revalidate_days == 0:
        return Decision(target, True, "every page (--revalidate-after 0)")
    if age >= revalidate_days:
        return Decision(target, True, f"stale (requested {age:.0f} day(s) ago)")
    return Decision(target, False, f"fresh (requested {age:.1f} day(s) ago)")


def _newer(lastmod: str, checked: datetime) -> bool:
    when = _when(lastmod)
    return when is not None and when > checked


def expected_count(site: str, document: str, edition: int | None) -> int:
    """How many documents of a family the index has (the catalog's count, not what was asked)."""
    if site == "enact":
        return len(ENACT_REGIONS) if document == "region" else sum(c.continent == "Africa" for c in catalog.countries())
    return 1 if document == "workbook" else len(catalog.countries())


def summary_lines(entries: list[dict]) -> list[str]:
    """Per site and edition: `2023: 190 of 193 country pages; missing: Côte d'Ivoire (CIV, http_404 since ...)`."""
    groups: dict[tuple, list[dict]] = {}
    for e in entries:
        groups.setdefault((e.get("site"), e.get("document"), e.get("edition") or 0), []).append(e)
    order = {"country": 0, "region": 1, "undated": 2, "workbook": 3}
    lines = []
    for site, document, edition in sorted(groups, key=lambda k: (k[0] != "global", order.get(k[1], 9), k[2])):
        group = groups[(site, document, edition)]
        held = sum(bool(e.get("sha256")) for e in group)
        missing = [e for e in group if not e.get("sha256") and e.get("status") not in OK]
        what = {"country": "country pages", "region": "region pages", "undated": "undated country pages",
                "workbook": "workbook"}.get(document, document)  # fmt: skip
        head = ("ENACT " if site == "enact" else "") + (f"{edition}: " if edition else "")
        line = f"{head}{held} of {expected_count(site, document, edition or None)} {what}"
        if len(group) < expected_count(site, document, edition or None):
            line += f" ({len(group)} asked so far)"
        if missing:
            named = [f"{e['entity']} ({e['iso3'] + ', ' if e.get('iso3') else ''}{e.get('status')} since "
                     f"{str(e.get('since', '?'))[:10]})" for e in missing[:10]]  # fmt: skip
            line += "; missing: " + ", ".join(named) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        lines.append(line)
    return lines


# An entry's fields and their types: an entry with any of them of another type (a hand edit, a damaged file) is
# dropped, and its document is due again; a damaged state costs a crawl, never the run.
_TEXT = ("site", "document", "entity", "url", "status", "since", "checked_at", "ok_at", "lastmod", "sha256", "iso3")
_REQUIRED = ("site", "document", "entity", "url")


def _sound(entry: object) -> bool:
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in _REQUIRED):
        return False
    if any(entry.get(k) is not None and not isinstance(entry[k], str) for k in _TEXT):
        return False
    fails, edition = entry.get("fails"), entry.get("edition")
    return (fails is None or type(fails) is int) and (edition is None or type(edition) is int)
