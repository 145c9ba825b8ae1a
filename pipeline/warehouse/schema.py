"""The warehouse's tables, keys, types and comments: one definition for the DDL and the data dictionary."""

from __future__ import annotations

from pipeline.catalog import PREVIOUS_EDITION
from pipeline.warehouse.columns import _E, _ENT, _ISO, _KIND, _REF, _SRC, Column, Table
from pipeline.warehouse.run_tables import RUN_TABLES

# The data: what the index says, where it came from, and its catalogs; then what the runs keep about themselves.
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
                "Change against the previous edition (2023 vs 2021, 2025 vs 2023), + = the score rose. As printed "
                "when a page printed it (from unrounded scores: it can differ by 0.01 from the difference of the "
                "printed scores); else (workbook rows) derived: score minus the previous edition's score of the same "
                "entity and indicator. NULL for 2019, 2021, an indicator new in 2023 (n/a), or no previous edition.",
            ),
            Column(
                "derived",
                "BOOLEAN NOT NULL",
                "True when change was computed (see change); false when the page printed it, or there is none (NULL).",
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
                "Rank change as printed, with the sign convention of its edition: 2023 pages print previous minus "
                "current (127th to 129th prints -2), 2025 pages print current minus previous (97th to 91st prints "
                "-6); NULL when none is printed. Use places_moved, which means the same in every edition.",
            ),
            Column(
                "derived",
                "BOOLEAN",
                "True for a rank computed from the workbook's scores (competition ranking), not printed on a page.",
            ),
            Column(
                "previous_rank",
                "SMALLINT",
                "Rank in the previous edition: from the printed change (2023: rank + change; 2025: rank - change), "
                "or, for a derived rank, the derived rank of the previous edition's sheet.",
            ),
            Column(
                "places_moved",
                "SMALLINT",
                "Places moved since the previous edition (previous_rank - rank), one sign in every edition: positive "
                "= moved up toward rank 1 (more criminal, or more resilient), negative = down; NULL: no previous_rank.",
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
            # zstd: prose is most of the file's bytes; DuckDB's own choice (a dictionary with FSST) writes
            # it larger and slower (docs/PERFORMANCE.md)
            Column("text", "VARCHAR NOT NULL", "Full text, paragraphs separated by a blank line.", "zstd"),
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
            Column("format", "VARCHAR NOT NULL", "text, html or xlsx (the official workbook)."),
            Column(
                "site",
                "VARCHAR",
                "global (ocindex.net) or enact (the ENACT Africa site), as the page and its URL say; NULL: workbook.",
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
            Column("change", "DECIMAL(4,2)", "Change as loaded, printed or derived (scores.derived)."),
            Column(
                "source_sha256",
                "VARCHAR NOT NULL",
                "SHA-256 of the raw page that first gave this value (first_run); a later copy of that page with the "
                "same value (its analysis edited, say) keeps the row, so that content may be gone from sources.",
            ),
            Column("first_run", "INTEGER NOT NULL", "Run that first loaded this value."),
            Column("replaced_run", "INTEGER", "Run in which the value was replaced or removed; NULL while current."),
        ),
    ),
) + RUN_TABLES
TABLE = {t.name: t for t in TABLES}


def ddl(table: Table) -> list[str]:
    """CREATE TABLE and every COMMENT of a table."""
    cols = ", ".join(
        f'"{c.name}" {c.type}' + (f" USING COMPRESSION {c.compression}" if c.compression else "") for c in table.columns
    )
    # The current tables hold one row per key because the load picks one (`picking.py`, held by the tests); a
    # declared key would add an index as large as the tables themselves to the file, built at every load and
    # read back by every run after a few pages changed (docs/PERFORMANCE.md).
    key = f", PRIMARY KEY ({', '.join(table.key)})" if table.key and table.name not in CURRENT else ""
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
