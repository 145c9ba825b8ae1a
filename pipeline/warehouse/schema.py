"""The warehouse's tables, keys, types and comments: one definition for the DDL and the data dictionary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from pipeline.catalog import PREVIOUS_EDITION
from pipeline.extract.issues import STAGES


class Column(NamedTuple):
    name: str
    type: str  # SQL type, with NOT NULL where the column has no nulls
    comment: str

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

TABLES: tuple[Table, ...] = (
    Table(
        "scores",
        "Every score shown on a profile page, with its printed change: one row per edition, entity and indicator.",
        (
            _E,
            _KIND,
            _ENT,
            _ISO,
            Column(
                "indicator",
                "VARCHAR NOT NULL",
                "Indicator code (indicators.indicator); the four composites carry their own code.",
            ),
            Column("pillar", "VARCHAR NOT NULL", "criminality, criminal_markets, criminal_actors or resilience."),
            Column(
                "score",
                "DECIMAL(4,2) NOT NULL",
                "Score from 1 to 10 as printed (indicators in steps of 0.5, pillars are means).",
            ),
            Column(
                "change",
                "DECIMAL(4,2)",
                "Change against the previous edition as printed; NULL when none is printed (n/a, 2019, 2021).",
            ),
            _SRC,
            _REF,
        ),
        ("edition", "entity_kind", "entity", "indicator"),
    ),
    Table(
        "ranks",
        "Rank lines of a profile: one row per edition, entity, metric and scope.",
        (
            _E,
            _KIND,
            _ENT,
            _ISO,
            Column("metric", "VARCHAR NOT NULL", "criminality or resilience."),
            Column("scope", "VARCHAR NOT NULL", "world, continent or region."),
            Column("area", "VARCHAR NOT NULL", "Area ranked in, as printed: World, a continent or a region."),
            Column("rank", "SMALLINT NOT NULL", "Rank (1 = most criminal, or most resilient); ties share a rank."),
            Column("of_total", "SMALLINT NOT NULL", "Number of countries (or regions) ranked in the area."),
            Column(
                "change_shown",
                "SMALLINT",
                "Rank change as printed; its sign convention differs by edition (see previous_rank).",
            ),
            Column(
                "derived",
                "BOOLEAN",
                "True for a rank computed from the workbook's scores (competition ranking), not printed on a page.",
            ),
            Column(
                "previous_rank",
                "SMALLINT",
                "Rank in the previous edition derived from the printed change "
                "(2023: rank + change; 2025: rank - change).",
            ),
            _SRC,
            _REF,
        ),
        ("edition", "entity_kind", "entity", "metric", "scope"),
    ),
    Table(
        "profiles",
        "Profile facts of a page: one row per edition and entity.",
        (
            _E,
            _KIND,
            _ENT,
            _ISO,
            Column("capital", "VARCHAR", "Capital as printed."),
            Column(
                "gdp_usd_million", "DOUBLE", "Gross domestic product in millions of US dollars (a region: GDP total)."
            ),
            Column("income_group", "VARCHAR", "World Bank income group as printed; not on 2025 pages."),
            Column("population", "BIGINT", "Population."),
            Column("area_km2", "DOUBLE", "Area in square kilometres."),
            Column("geography_type", "VARCHAR", "Coastal or Landlocked as printed; not on 2025 pages."),
            Column("gini", "DOUBLE", "GINI index; not on 2025 pages."),
            Column("gdp_per_capita_usd", "DOUBLE", "GDP per capita in US dollars; ENACT pages only."),
            _SRC,
            _REF,
        ),
        ("edition", "entity_kind", "entity"),
    ),
    Table(
        "sections",
        "Analysis text of a page: one row per edition, entity and section, in page order.",
        (
            _E,
            _KIND,
            _ENT,
            _ISO,
            Column("ordinal", "SMALLINT NOT NULL", "Position of the section on the page, from 1."),
            Column("title", "VARCHAR", "Section title as printed; NULL for untitled text (ENACT 2019)."),
            Column("text", "VARCHAR NOT NULL", "Full text, paragraphs separated by a blank line."),
            _SRC,
            _REF,
        ),
        ("edition", "entity_kind", "entity", "ordinal"),
    ),
    Table(
        "sources",
        "Raw pages the current tables were loaded from: one row per page content (SHA-256).",
        (
            Column("sha256", "VARCHAR NOT NULL", "SHA-256 of the page's bytes as stored under raw/."),
            Column("path", "VARCHAR NOT NULL", "Path of the page under the raw folder."),
            Column("url", "VARCHAR", "URL the page was fetched from; NULL for a page saved by hand."),
            Column("format", "VARCHAR NOT NULL", "text or html."),
            Column(
                "site", "VARCHAR", "global (ocindex.net) or enact (the ENACT Africa site), as the page and its URL say."
            ),
            Column("edition", "SMALLINT", "Edition the page belongs to."),
            Column("fetched_at", "TIMESTAMP", "When the page was fetched (UTC); NULL for a page saved by hand."),
            Column("entities", "SMALLINT NOT NULL", "Number of country or region blocks on the page."),
            Column("first_run", "INTEGER NOT NULL", "Run that first loaded this page content."),
        ),
        ("sha256",),
    ),
    Table(
        "indicators",
        "Catalog of the index's indicators and composite scores.",
        (
            Column("indicator", "VARCHAR NOT NULL", "Indicator code used in scores.indicator."),
            Column("pillar", "VARCHAR NOT NULL", "Pillar the indicator belongs to; a composite is its own pillar."),
            Column("label", "VARCHAR NOT NULL", "Label printed on the pages (2023 wording)."),
            Column("description", "VARCHAR NOT NULL", "Description printed under the indicator on the pages."),
            Column("first_edition", "SMALLINT NOT NULL", "First edition that scores the indicator."),
            Column("position", "SMALLINT NOT NULL", "Position on the profile page (2025 order), for sorting."),
        ),
        ("indicator",),
    ),
    Table(
        "countries",
        "Catalog of the 193 UN member states the index covers.",
        (
            Column("iso3", "VARCHAR NOT NULL", "ISO 3166-1 alpha-3 code."),
            Column("name", "VARCHAR NOT NULL", "Name as in the official workbook (2025)."),
            Column("name_variants", "VARCHAR[] NOT NULL", "Other names seen in the workbooks and on pages."),
            Column("continent", "VARCHAR NOT NULL", "Continent."),
            Column(
                "region",
                "VARCHAR NOT NULL",
                "Region as the site's pages print it, the same in every edition (22 regions); ranks are in it.",
            ),
            Column("region_2021", "VARCHAR NOT NULL", "Region label of the official workbook's 2021_dataset sheet."),
            Column(
                "region_2023",
                "VARCHAR NOT NULL",
                "Region label of the official workbook's 2023_dataset sheet (it merges the Caribbean and Central "
                "America as `Caribbean & Central`).",
            ),
            Column("region_2025", "VARCHAR NOT NULL", "Region label of the official workbook's 2025_dataset sheet."),
            Column("slug_2019", "VARCHAR NOT NULL", "URL slug on the ENACT 2019 site."),
            Column("slug_2021", "VARCHAR NOT NULL", "URL slug of the 2021 edition."),
            Column("slug_2023", "VARCHAR NOT NULL", "URL slug of the 2023 edition."),
            Column("slug_2025", "VARCHAR NOT NULL", "URL slug of the 2025 edition."),
        ),
        ("iso3",),
    ),
    Table(
        "score_history",
        "Every score value ever loaded, with the runs it was current in; the current ones have replaced_run NULL.",
        (
            _E,
            _KIND,
            _ENT,
            _ISO,
            Column("indicator", "VARCHAR NOT NULL", "Indicator code."),
            Column("score", "DECIMAL(4,2) NOT NULL", "Score as loaded."),
            Column("change", "DECIMAL(4,2)", "Printed change as loaded."),
            _SRC,
            Column("first_run", "INTEGER NOT NULL", "Run that first loaded this value."),
            Column("replaced_run", "INTEGER", "Run in which the value was replaced or removed; NULL while current."),
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
)
TABLE = {t.name: t for t in TABLES}


def ddl(table: Table) -> list[str]:
    """CREATE TABLE and every COMMENT of a table."""
    cols = ", ".join(f'"{c.name}" {c.type}' for c in table.columns)
    key = f", PRIMARY KEY ({', '.join(table.key)})" if table.key else ""
    return [f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}{key})", table_comment(table)] + [
        column_comment(table, c.name, c.comment) for c in table.columns
    ]


def table_comment(table: Table) -> str:
    return f"COMMENT ON TABLE {table.name} IS {_lit(table.comment)}"


def column_comment(table: Table, column: str, doc: str) -> str:
    return f'COMMENT ON COLUMN {table.name}."{column}" IS {_lit(doc)}'


def _lit(text: str) -> str:
    """A string literal for the few statements that take no parameter (COMMENT ON, LOAD)."""
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A name quoted as an identifier (`"` doubled), whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def previous_edition_sql(edition: str) -> str:
    """SQL for the edition a printed change is measured against (NULL when none is)."""
    return "CASE " + edition + "".join(f" WHEN {e} THEN {p}" for e, p in PREVIOUS_EDITION.items()) + " END"


def columns(name: str) -> tuple[str, ...]:
    return TABLE[name].names


# The current tables are staged first, each row with its source's priority (rows.py): the load keeps,
# for each key, the row of the page ranked first.
CURRENT = ("scores", "ranks", "profiles", "sections", "sources")
PRIORITY = (
    Column("prio_workbook", "BOOLEAN", "Whether the row comes from the workbook (a page's row wins)."),
    Column("prio_entities", "SMALLINT", "Entities on the page (fewer first)."),
    Column("prio_fetched", "VARCHAR", "When the page was fetched (newest first)."),
    Column("prio_path", "VARCHAR", "Path of the page under raw/ (first in order first)."),
)


# Which staged row of a key is kept: a page's over the workbook's, then the page with the fewest
# entities, the newest fetch, the first path.
PRIORITY_ORDER = "prio_workbook, prio_entities, prio_fetched DESC, prio_path"


def staged_columns(name: str) -> tuple[Column, ...]:
    """The columns of a current table's staging table: the table's own, then the source priority."""
    return TABLE[name].columns + PRIORITY
