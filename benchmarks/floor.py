"""The floor for this job in Python: read the pages, one regular-expression pass for the score tokens, and
two bulk inserts through Arrow: the tokens, and each page's analysis text (everything after its "Analysis"
heading; the product keeps both). No search index.

python benchmarks/floor.py RAW_DIR DB  -> prints the number of tokens found and the analysis bytes kept
"""

import re
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

TOKEN = re.compile(rb"(?:10|\d)\.\d\d(?:-?\d\.\d\d| n/a)?")


def main(raw: str, db: str) -> None:
    pages, tokens, texts = [], [], []
    for n, path in enumerate(sorted(p for p in Path(raw).rglob("*") if p.is_file() and not p.name.endswith(".json"))):
        data = path.read_bytes()
        found = TOKEN.findall(data)
        pages += [n] * len(found)
        tokens += [t.decode() for t in found]
        texts.append(data[data.find(b"Analysis") :].decode("utf-8", "replace"))
    con = duckdb.connect(db)
    con.execute("CREATE OR REPLACE TABLE tokens (page INTEGER, token VARCHAR)")
    con.execute("CREATE OR REPLACE TABLE analysis (page INTEGER, text VARCHAR)")
    con.from_arrow(pa.table({"page": pages, "token": tokens})).insert_into("tokens")
    con.from_arrow(pa.table({"page": list(range(len(texts))), "text": texts})).insert_into("analysis")
    con.close()
    print(len(tokens), sum(map(len, texts)))


if __name__ == "__main__":
    main(*sys.argv[1:3])
