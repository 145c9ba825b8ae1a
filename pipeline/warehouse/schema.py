"""The warehouse's tables, keys, types and comments: one definition for the DDL and the data dictionary."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalog import PREVIOUS_EDITION


@dataclass(frozen=True)
class Table:
    name: str
    comment: str
    columns: tuple[tuple[str, str, str], ...]  # (name, type, comment)
    key: tuple[str, ...] = ()


_E = ("edition", "SMALLINT NOT NULL", "Edition of the index: 2019 (ENACT Africa), 2021, 2023 or 2025.")
_KIND = ("entity_kind", "VARCHAR NOT NULL", "'country' or 'region'.")
_ENT = ("entity", "VARCHAR NOT NULL", "Country name as in the catalog (countries.name), or the region's name.")
_ISO = ("iso3", "VARCHAR", "ISO 3166-1 alpha-3 code of the country; NULL for a region.")
_SRC = ("source_sha256", "VARCHAR NOT NULL", "SHA-256 of the raw page the row was read from (sources.sha256).")

TABLES: tuple[Table, ...] = (
    Table("scores", "Every score shown on a profile page, with its printed change: one row per edition, entity and indicator.", (
        _E, _KIND, _ENT, _ISO,
        ("indicator", "VARCHAR NOT NULL", "Indicator code (indicators.indicator); the four composites carry their own code."),
        ("pillar", "VARCHAR NOT NULL", "criminality, criminal_markets, criminal_actors or resilience."),
        ("score", "DECIMAL(4,2) NOT NULL", "Score from 1 to 10 as printed (indicators in steps of 0.5, pillars are means)."),
        ("change", "DECIMAL(4,2)", "Change against the previous edition as printed; NULL when none is printed (n/a, 2019, 2021)."),
        _SRC), ("edition", "entity_kind", "entity", "indicator")),
    Table("ranks", "Rank lines of a profile: one row per edition, entity, metric and scope.", (
        _E, _KIND, _ENT, _ISO,
        ("metric", "VARCHAR NOT NULL", "criminality or resilience."),
        ("scope", "VARCHAR NOT NULL", "world, continent or region."),
        ("area", "VARCHAR NOT NULL", "Area ranked in, as printed: World, a continent or a region."),
        ("rank", "SMALLINT NOT NULL", "Rank (1 = most criminal, or most resilient); ties share a rank."),
        ("of_total", "SMALLINT NOT NULL", "Number of countries (or regions) ranked in the area."),
        ("change_shown", "SMALLINT", "Rank change as printed; its sign convention differs by edition (see previous_rank)."),
        ("previous_rank", "SMALLINT", "Rank in the previous edition derived from the printed change (2023: rank + change; 2025: rank - change)."),
        _SRC), ("edition", "entity_kind", "entity", "metric", "scope")),
    Table("profiles", "Profile facts of a page: one row per edition and entity.", (
        _E, _KIND, _ENT, _ISO,
        ("capital", "VARCHAR", "Capital as printed."),
        ("gdp_usd_million", "DOUBLE", "Gross domestic product in millions of US dollars (a region: GDP total)."),
        ("income_group", "VARCHAR", "World Bank income group as printed; not on 2025 pages."),
        ("population", "BIGINT", "Population."),
        ("area_km2", "DOUBLE", "Area in square kilometres."),
        ("geography_type", "VARCHAR", "Coastal or Landlocked as printed; not on 2025 pages."),
        ("gini", "DOUBLE", "GINI index; not on 2025 pages."),
        _SRC), ("edition", "entity_kind", "entity")),
    Table("sections", "Analysis text of a page: one row per edition, entity and section, in page order.", (
        _E, _KIND, _ENT, _ISO,
        ("ordinal", "SMALLINT NOT NULL", "Position of the section on the page, from 1."),
        ("title", "VARCHAR", "Section title as printed; NULL for untitled text (ENACT 2019)."),
        ("text", "VARCHAR NOT NULL", "Full text, paragraphs separated by a blank line."),
        _SRC), ("edition", "entity_kind", "entity", "ordinal")),
    Table("sources", "Raw pages the current tables were loaded from: one row per page content (SHA-256).", (
        ("sha256", "VARCHAR NOT NULL", "SHA-256 of the page's bytes as stored under raw/."),
        ("path", "VARCHAR NOT NULL", "Path of the page under the raw folder."),
        ("url", "VARCHAR", "URL the page was fetched from; NULL for a page saved by hand."),
        ("format", "VARCHAR NOT NULL", "text or html."),
        ("edition", "SMALLINT", "Edition the page belongs to."),
        ("fetched_at", "TIMESTAMP", "When the page was fetched (UTC); NULL for a page saved by hand."),
        ("entities", "SMALLINT NOT NULL", "Number of country or region blocks on the page."),
        ("first_run", "INTEGER NOT NULL", "Run that first loaded this page content."),
    ), ("sha256",)),
    Table("indicators", "Catalog of the index's indicators and composite scores.", (
        ("indicator", "VARCHAR NOT NULL", "Indicator code used in scores.indicator."),
        ("pillar", "VARCHAR NOT NULL", "Pillar the indicator belongs to; a composite is its own pillar."),
        ("label", "VARCHAR NOT NULL", "Label printed on the pages (2023 wording)."),
        ("description", "VARCHAR NOT NULL", "Description printed under the indicator on the pages."),
        ("first_edition", "SMALLINT NOT NULL", "First edition that scores the indicator."),
        ("position", "SMALLINT NOT NULL", "Position on the profile page (2025 order), for sorting."),
    ), ("indicator",)),
    Table("countries", "Catalog of the 193 UN member states the index covers.", (
        ("iso3", "VARCHAR NOT NULL", "ISO 3166-1 alpha-3 code."),
        ("name", "VARCHAR NOT NULL", "Name as in the official workbook (2025)."),
        ("name_variants", "VARCHAR[] NOT NULL", "Other names seen in the workbooks and on pages."),
        ("continent", "VARCHAR NOT NULL", "Continent."),
        ("region_2021", "VARCHAR NOT NULL", "Region in the 2021 edition (official workbook)."),
        ("region_2023", "VARCHAR NOT NULL", "Region in the 2023 edition (official workbook)."),
        ("region_2025", "VARCHAR NOT NULL", "Region in the 2025 edition (official workbook)."),
        ("slug_2019", "VARCHAR NOT NULL", "URL slug on the ENACT 2019 site."),
        ("slug_2021", "VARCHAR NOT NULL", "URL slug of the 2021 edition."),
        ("slug_2023", "VARCHAR NOT NULL", "URL slug of the 2023 edition."),
        ("slug_2025", "VARCHAR NOT NULL", "URL slug of the 2025 edition."),
    ), ("iso3",)),
    Table("score_history", "Every score value ever loaded, with the runs it was current in; the current ones have replaced_run NULL.", (
        _E, _KIND, _ENT, _ISO,
        ("indicator", "VARCHAR NOT NULL", "Indicator code."),
        ("score", "DECIMAL(4,2) NOT NULL", "Score as loaded."),
        ("change", "DECIMAL(4,2)", "Printed change as loaded."),
        _SRC,
        ("first_run", "INTEGER NOT NULL", "Run that first loaded this value."),
        ("replaced_run", "INTEGER", "Run in which the value was replaced or removed; NULL while current."),
    )),
    Table("checks", "Cross-page checks that failed in the latest run, with the pages involved.", (
        ("run_id", "INTEGER NOT NULL", "Run that made the check."),
        ("check_name", "VARCHAR NOT NULL", "rank_order, change_vs_previous, previous_rank, source_agreement or region_mean."),
        ("edition", "SMALLINT NOT NULL", "Edition checked."),
        ("entity", "VARCHAR NOT NULL", "Entity checked."),
        ("item", "VARCHAR NOT NULL", "Indicator, or metric/scope of a rank."),
        ("expected", "VARCHAR", "What the other pages imply."),
        ("found", "VARCHAR", "What the page shows."),
        ("pages", "VARCHAR[] NOT NULL", "Raw pages involved (sources.path)."),
        ("message", "VARCHAR NOT NULL", "What disagrees, where, and what to look at."),
    )),
    Table("reconciliation", "Scores compared with the official open-data workbook (--workbook): one row per edition, country and indicator.", (
        _E, _ISO,
        ("entity", "VARCHAR NOT NULL", "Country name as in the catalog."),
        ("indicator", "VARCHAR NOT NULL", "Indicator code."),
        ("db_score", "DECIMAL(4,2)", "Score in the database; NULL when the page is not loaded."),
        ("workbook_score", "DECIMAL(4,2)", "Score in the workbook; NULL when the workbook has none."),
        ("status", "VARCHAR NOT NULL", "match, mismatch, missing_in_database or missing_in_workbook."),
        ("workbook", "VARCHAR NOT NULL", "File name of the workbook compared with."),
    )),
    Table("runs", "Ledger of completed runs: one row per run.", (
        ("run_id", "INTEGER NOT NULL", "Run number, increasing by one per completed run."),
        ("started_at", "TIMESTAMP NOT NULL", "When the run started (UTC)."),
        ("finished_at", "TIMESTAMP NOT NULL", "When the run finished (UTC)."),
        ("status", "VARCHAR NOT NULL", "completed, or unchanged when nothing under raw/ had changed."),
        ("pages_seen", "INTEGER NOT NULL", "Pages found under raw/."),
        ("pages_fetched", "INTEGER NOT NULL", "Pages fetched from the site in this run (200 responses)."),
        ("pages_not_modified", "INTEGER NOT NULL", "Fetches answered 304 Not Modified."),
        ("pages_parsed", "INTEGER NOT NULL", "Pages parsed in this run (the rest were unchanged and reused)."),
        ("pages_valid", "INTEGER NOT NULL", "Pages with no error."),
        ("pages_loaded", "INTEGER NOT NULL", "Pages whose rows are in the current tables."),
        ("pages_rejected", "INTEGER NOT NULL", "Pages quarantined in rejects."),
        ("values_changed", "INTEGER NOT NULL", "Score values added, changed or removed against the previous run."),
        ("seconds_fetch", "DOUBLE NOT NULL", "Wall time of the fetch stage."),
        ("seconds_parse", "DOUBLE NOT NULL", "Wall time of parsing and validation."),
        ("seconds_load", "DOUBLE NOT NULL", "Wall time of loading."),
        ("code_version", "VARCHAR NOT NULL", "Version of the pipeline that ran."),
    ), ("run_id",)),
    Table("rejects", "Pages quarantined by the latest run, with the reason and the partial record.", (
        ("run_id", "INTEGER NOT NULL", "Run that rejected the page."),
        ("path", "VARCHAR NOT NULL", "Path of the page under the raw folder."),
        ("sha256", "VARCHAR", "SHA-256 of the page; NULL when it could not be read."),
        ("stage", "VARCHAR NOT NULL", "Stage that rejected it: read, parse, validate or crosscheck."),
        ("code", "VARCHAR NOT NULL", "Code of the first error."),
        ("message", "VARCHAR NOT NULL", "Every error of the page, one per line, with its line number."),
        ("record", "JSON", "The partial record, as pipeline.parse prints it."),
    )),
)
TABLE = {t.name: t for t in TABLES}


def ddl(table: Table) -> list[str]:
    """CREATE TABLE and every COMMENT of a table."""
    cols = ", ".join(f'"{c}" {t}' for c, t, _ in table.columns)
    key = f", PRIMARY KEY ({', '.join(table.key)})" if table.key else ""
    return ([f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}{key})", table_comment(table)]
            + [column_comment(table, c, doc) for c, _, doc in table.columns])


def table_comment(table: Table) -> str:
    return f"COMMENT ON TABLE {table.name} IS {_lit(table.comment)}"


def column_comment(table: Table, column: str, doc: str) -> str:
    return f'COMMENT ON COLUMN {table.name}."{column}" IS {_lit(doc)}'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def previous_edition_sql(edition: str) -> str:
    """SQL for the edition a printed change is measured against (NULL when none is)."""
    return "CASE " + edition + "".join(f" WHEN {e} THEN {p}" for e, p in PREVIOUS_EDITION.items()) + " END"


def region_sql(edition: str, countries: str = "c") -> str:
    """SQL for a country's region in an edition, from the `countries` table (2019 uses 2021's)."""
    return (f"CASE {edition} WHEN 2023 THEN {countries}.region_2023 WHEN 2025 THEN {countries}.region_2025 "
            f"ELSE {countries}.region_2021 END")


def columns(name: str) -> list[str]:
    return [c for c, _, _ in TABLE[name].columns]
