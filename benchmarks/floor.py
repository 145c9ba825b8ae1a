"""The floor for this job in Python: read the pages, one regular-expression pass, one bulk insert.

python benchmarks/floor.py RAW_DIR DB  -> prints the number of tokens found
"""

import re
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

TOKEN = re.compile(rb"(?:10|\d)\.\d\d(?:-?\d\.\d\d| n/a)?")


def main(raw: str, db: str) -> None:
    pages, tokens = [], []
    for n, path in enumerate(sorted(p for p in Path(raw).rglob("*") if p.is_file() and not p.name.endswith(".json"))):
        found = TOKEN.findall(path.read_bytes())
        pages += [n] * len(found)
        tokens += [t.decode() for t in found]
    con = duckdb.connect(db)
    con.execute("CREATE OR REPLACE TABLE tokens (page INTEGER, token VARCHAR)")
    con.from_arrow(pa.table({"page": pages, "token": tokens})).insert_into("tokens")
    con.close()
    print(len(tokens))


if __name__ == "__main__":
    main(*sys.argv[1:3])
