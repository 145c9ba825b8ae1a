"""The tables a run keeps about itself and its inputs: the ledger (`runs`), the documents refused (`rejects`),
the cross-page checks that failed, the comparison with the official workbook, what the crawl expects
(`coverage`), and the search index beside the database. Part of `schema.TABLES`."""

from __future__ import annotations

from pipeline.extract.issues import STAGES
from pipeline.warehouse.columns import _E, _ISO, Column, Table

RUN_TABLES: tuple[Table, ...] = (
    Table(
        "search_index",
        "The full-text index of the sections: a file beside the database (SQLite FTS5), written with it. "
        "Search it with `ocindex search`, or open the file with sqlite3 (its table `sections`).",
        (
            Column("file", "VARCHAR NOT NULL", "Name of the index file, in the database's folder."),
            Column("engine", "VARCHAR NOT NULL", "How the index was made: engine and tokenizer."),
            Column("sections", "INTEGER NOT NULL", "Number of sections indexed."),
            Column(
                "sections_digest",
                "VARCHAR NOT NULL",
                "Digest of the sections indexed; a run whose sections have the same digest keeps the file.",
            ),
            Column("built_at", "TIMESTAMP NOT NULL", "When the index file was written (UTC)."),
        ),
    ),
    Table(
        "checks",
        "Cross-page checks that failed in the latest run, with the pages involved.",
        (
            Column("run_id", "INTEGER NOT NULL", "Run that made the check."),
            Column(
                "check_name",
                "VARCHAR NOT NULL",
                "rank_order, change_vs_previous, previous_rank, source_agreement or region_mean.",
            ),
            Column("edition", "SMALLINT NOT NULL", "Edition checked."),
            Column("entity", "VARCHAR NOT NULL", "Entity checked."),
            Column("item", "VARCHAR NOT NULL", "Indicator, or metric/scope of a rank."),
            Column("expected", "VARCHAR", "What the other pages imply."),
            Column("found", "VARCHAR", "What the page shows."),
            Column("pages", "VARCHAR[] NOT NULL", "Raw pages involved (sources.path)."),
            Column("message", "VARCHAR NOT NULL", "What disagrees, where, and what to look at."),
        ),
    ),
    Table(
        "reconciliation",
        "Scores compared with the official open-data workbook (--workbook): "
        "one row per edition, country and indicator.",
        (
            Column("run_id", "INTEGER", "Run that made the comparison."),
            _E,
            _ISO,
            Column("entity", "VARCHAR NOT NULL", "Country name as in the catalog."),
            Column("indicator", "VARCHAR NOT NULL", "Indicator code."),
            Column("db_score", "DECIMAL(4,2)", "Score in the database; NULL when the page is not loaded."),
            Column("workbook_score", "DECIMAL(4,2)", "Score in the workbook; NULL when the workbook has none."),
            Column("status", "VARCHAR NOT NULL", "match, mismatch, missing_in_database or missing_in_workbook."),
            Column("workbook", "VARCHAR NOT NULL", "File name of the workbook compared with."),
        ),
    ),
    Table(
        "runs",
        "Ledger of completed runs: one row per run.",
        (
            Column("run_id", "INTEGER NOT NULL", "Run number, increasing by one per completed run."),
            Column("started_at", "TIMESTAMP NOT NULL", "When the run started (UTC)."),
            Column("finished_at", "TIMESTAMP NOT NULL", "When the run finished (UTC)."),
            Column("status", "VARCHAR NOT NULL", "completed, or unchanged when nothing under raw/ had changed."),
            Column("pages_seen", "INTEGER NOT NULL", "Pages found under raw/."),
            Column("pages_fetched", "INTEGER NOT NULL", "Pages fetched from the site in this run (200 responses)."),
            Column("pages_not_modified", "INTEGER NOT NULL", "Fetches answered 304 Not Modified."),
            Column(
                "pages_parsed", "INTEGER NOT NULL", "Pages parsed in this run (the rest were unchanged and reused)."
            ),
            Column("pages_valid", "INTEGER NOT NULL", "Pages with no error."),
            Column("pages_loaded", "INTEGER NOT NULL", "Pages whose rows are in the current tables."),
            Column(
                "pages_rejected",
                "INTEGER NOT NULL",
                "Documents in rejects after the run: pages that could not be read, parsed or validated, and pages "
                "that could not be fetched.",
            ),
            Column(
                "values_changed", "INTEGER NOT NULL", "Score values added, changed or removed against the previous run."
            ),
            Column("seconds_fetch", "DOUBLE NOT NULL", "Wall time of the fetch stage."),
            Column("seconds_parse", "DOUBLE NOT NULL", "Wall time of parsing and validation."),
            Column("seconds_load", "DOUBLE NOT NULL", "Wall time of loading."),
            Column("code_version", "VARCHAR NOT NULL", "Version of the pipeline that ran."),
            Column(
                "inputs_sha256",
                "VARCHAR",
                "SHA-256 of what the tables were made of: every file under the raw folder and the code. A run "
                "whose inputs match the latest run's changes no table but this one (status unchanged).",
            ),
        ),
        ("run_id",),
    ),
    Table(
        "rejects",
        "Raw documents rejected now, with the reason and the partial record; pages that could not be fetched "
        "stay listed until the next run that fetches.",
        (
            Column("run_id", "INTEGER NOT NULL", "Latest run that found the document rejected (as last_seen_run)."),
            Column("path", "VARCHAR NOT NULL", "Path of the page under the raw folder."),
            Column("sha256", "VARCHAR", "SHA-256 of the page; NULL when it could not be read."),
            Column("stage", "VARCHAR NOT NULL", f"Stage that rejected it: {', '.join(STAGES[:-1])} or {STAGES[-1]}."),
            Column("code", "VARCHAR NOT NULL", "Code of the first error."),
            Column("message", "VARCHAR NOT NULL", "Every error of the page, one per line, with its line number."),
            Column("record", "JSON", "The partial record, as pipeline.parse prints it."),
            Column(
                "first_seen_run",
                "INTEGER NOT NULL",
                "First run that found this document (this path with this content) rejected, in an unbroken series.",
            ),
            Column(
                "last_seen_run",
                "INTEGER NOT NULL",
                "Latest run that read the raw folder and found it still rejected (a run with nothing new reads "
                "nothing again and changes no table but runs).",
            ),
        ),
    ),
    Table(
        "coverage",
        "Every document the crawl expects (site × edition × entity, the undated pages, the workbook) and how the "
        "last request for it went; kept across crawls of a subset. docs/CRAWLING.md tells how to read it.",
        (
            Column("site", "VARCHAR NOT NULL", "global (--base-url) or enact (ENACT Africa, --africa-base-url)."),
            Column("document", "VARCHAR NOT NULL", "country, region, undated (/country/<slug>) or workbook."),
            Column("edition", "SMALLINT", "Edition of the page; NULL for the undated pages and the workbook."),
            Column("entity", "VARCHAR NOT NULL", "Country name as in the catalog, region, or 'official workbook'."),
            _ISO,
            Column("url", "VARCHAR NOT NULL", "URL requested: the sitemap's when it lists one, else the catalog's."),
            Column("last_status", "VARCHAR", "Last request: 200, 304, same_text (same text), or a fetch code."),
            Column("status_since_run", "INTEGER", "First run of the unbroken series with this last_status."),
            Column("last_checked", "TIMESTAMP", "When it was last requested (UTC)."),
            Column("last_ok_run", "INTEGER", "Latest run that fetched it fine (200, 304 or same_text)."),
            Column("sha256", "VARCHAR", "SHA-256 of the version served; NULL when none was ever fetched."),
            Column("in_sitemap", "BOOLEAN", "Whether the site's sitemap lists it; NULL when it declares none."),
        ),
    ),
)
