"""Builds pipeline/data/countries.csv from the official workbook (run once; the CSV is committed).

python tools/build_countries.py tests/fixtures/workbook/global_oc_index_2025-edition.xlsx
"""

import csv
import sys

import openpyxl

sys.path.insert(0, "tools")
from iso3 import ALIASES, ISO3

wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
rows = {}
for ed in (2021, 2023, 2025):
    for r in list(wb[f"{ed}_dataset"].iter_rows(values_only=True))[1:]:
        cont, region, name = r[0].strip(), r[1].strip(), r[2].strip()
        canon = name.replace(", Dem, Rep,", ", Dem. Rep.").replace(", Rep,", ", Rep.").replace("St, ", "St. ")
        canon = "eSwatini" if canon == "Eswatini" else canon
        iso = ISO3[canon]
        e = rows.setdefault(iso, {"iso3": iso, "name": canon, "continent": cont, "variants": set()})
        e[f"region_{ed}"] = region
        e["variants"].add(name)
        e["variants"].add(canon)
with open("pipeline/data/countries.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["iso3", "name", "continent", "region_2021", "region_2023", "region_2025", "variants"])
    for iso, e in sorted(rows.items(), key=lambda kv: kv[1]["name"].lower()):
        variants = sorted(e["variants"] - {e["name"]}) + ALIASES.get(iso, [])
        w.writerow(
            [iso, e["name"], e["continent"], e["region_2021"], e["region_2023"], e["region_2025"], "|".join(variants)]
        )
print(len(rows), "countries")
