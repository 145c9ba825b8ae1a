"""What a run is made of: the files under raw/ (their content hashes and one fingerprint of them all,
with the code), and whether the database already holds exactly that."""

from __future__ import annotations

import hashlib

from pipeline.batch.records import pipeline_version
from pipeline.crawl import store


def is_current(previous: dict, inputs_sha256: str | None, records_current: bool, fetched: bool,
               fetch_failures: list) -> bool:  # fmt: skip
    """Whether the run has nothing to do: the database's latest run was made of these inputs, the
    records in extracted/ are of them too, and no fetch failure is to be added to rejects or cleared
    (a run that does not fetch keeps the last fetch's failures)."""
    fetch_rejects_differ = fetched and (bool(fetch_failures) or bool(previous.get("fetch_rejects")))
    return previous.get("inputs_sha256") == inputs_sha256 and records_current and not fetch_rejects_differ


def readable(refs: list[store.PageRef]) -> list[str]:
    return [ref.rel for ref in refs if ref.problem is None]


def content_hashes(refs: list[store.PageRef]) -> dict[str, str]:
    """The SHA-256 of every readable file under raw/, earlier versions of a page included."""
    hashes = {r.rel: store.sha256_file(r.path) for ref in refs for r in (ref, *ref.older) if r.problem is None}
    return {rel: sha for rel, sha in hashes.items() if sha is not None}  # one that cannot be read is rejected


def inputs_fingerprint(refs: list[store.PageRef], hashes: dict[str, str]) -> str:
    """What the database's tables are made of: every file under raw/ (its content, or why it cannot be
    read, and where and when it came from: its `.meta.json` goes into the rows) and the code that turns
    them into tables. The database keeps it in `runs`: a run whose inputs match the database's latest run
    has nothing to do (decided against the database, not extracted/)."""
    h = hashlib.sha256(pipeline_version().encode())
    for ref in refs:
        for r in (ref, *ref.older):
            state = hashes.get(r.rel, "unreadable") if r.problem is None else f"{r.problem.code}: {r.problem.message}"
            h.update(f"{r.rel}\0{state}\0{r.url}\0{r.fetched_at}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def previous_run(con) -> dict:
    """The latest run of the database open on `con` (its `runs` row by column name, and `fetch_rejects`:
    whether its rejects hold fetch failures); {} when it has no run yet or is of another shape (it is
    then rebuilt)."""
    import duckdb

    try:
        cur = con.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1")
        row = cur.fetchone()
        if row is None:
            return {}
        out = dict(zip([d[0] for d in cur.description], row, strict=True))
        fetch_rejects = con.execute("SELECT count(*) > 0 FROM rejects WHERE stage = 'fetch'").fetchone()
        out["fetch_rejects"] = bool(fetch_rejects and fetch_rejects[0])
        return out
    except duckdb.Error:
        return {}
