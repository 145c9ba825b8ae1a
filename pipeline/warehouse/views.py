"""Views users reach for, laid over the current tables (recreated on every run that reloads)."""

from __future__ import annotations

from pipeline.catalog import EDITIONS, workbook_columns
from pipeline.warehouse.schema import _lit


def view_statements() -> list[str]:
    out: list[str] = []
    for edition in EDITIONS:
        cols = ",\n       ".join(
            f"max(s.score) FILTER (WHERE s.indicator = '{code}') AS {code}" for code in workbook_columns(edition)
        )
        out.append(f"""CREATE OR REPLACE VIEW scores_wide_{edition} AS
SELECT c.continent, c.region, c.name AS country, c.iso3,
       {cols}
FROM scores s JOIN countries c ON c.iso3 = s.iso3
WHERE s.edition = {edition} AND s.entity_kind = 'country'
GROUP BY ALL ORDER BY continent, region, country""")
        out.append(
            f"COMMENT ON VIEW scores_wide_{edition} IS "
            + _lit(
                f"The {edition} scores laid out like the official workbook's {edition}_dataset sheet: one row "
                "per country, one column per indicator in the workbook's order."
            )
        )
    out.append("""CREATE OR REPLACE VIEW country_series AS
SELECT s.iso3, s.entity AS country, s.indicator, s.pillar, s.edition, s.score,
       CASE WHEN NOT s.derived THEN s.change END AS change_printed,
       lag(s.edition) OVER w AS previous_edition,
       s.score - lag(s.score) OVER w AS change_since_previous
FROM scores s WHERE s.entity_kind = 'country'
WINDOW w AS (PARTITION BY s.iso3, s.indicator ORDER BY s.edition)""")
    out.append(
        "COMMENT ON VIEW country_series IS "
        + _lit(
            "Each country's indicators across the loaded editions, with the difference to the previous loaded "
            "edition (change_since_previous) beside the change the page printed (change_printed)."
        )
    )
    out.append("""CREATE OR REPLACE VIEW latest_scores AS
SELECT * FROM scores WHERE edition = (SELECT max(edition) FROM scores)""")
    out.append("COMMENT ON VIEW latest_scores IS " + _lit("The scores of the latest edition loaded."))
    return out
