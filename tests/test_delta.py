"""A run after a few pages changed stages those pages alone and brings the database up to date around them
(pipeline/batch/delta.py, publish.DELTA). Users cannot tell it from a run that reloads every page: the same
sequence of changes to raw/, run once with the delta allowed and once with every run reloading everything
(the reference: the path every other test exercises), leaves the same database, table by table, the history,
the first runs, the rejects' first sightings, the change counts and the `staging` schema included, and the same
search results."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import WORKBOOK, WORKBOOK_2023, put, query, table_contents
from corpus import Corpus, Variant, header_length, indented, write_corpus

import pipeline
from pipeline import catalog
from pipeline.batch import delta, known_hashes
from pipeline.run import main

ISO3S = ("BEL", "NLD", "KEN", "MEX", "COL", "FRA", "NGA", "JPN")
SPARE = ("BRA", "IND", "ZAF", "CAN")  # countries a step may add
# what a reload and a delta run may differ in: how long they took, and how many pages each parsed
RUN_SPECIFIC = {"runs": {"started_at", "finished_at", "seconds_parse", "seconds_load", "pages_parsed"},
                "search_index": {"file", "built_at"}}  # fmt: skip
QUERIES = ("criminal markets", '"human trafficking"', "cocaine OR heroin", "corruption NOT arms")


def run(root: Path, extracted: str, whole: bool, monkeypatch) -> int:
    """One run over root/raw into root/<extracted>; `whole`: as if no delta were ever possible."""
    with monkeypatch.context() as m:
        if whole:
            m.setattr(delta, "DELTA_UP_TO", -1.0)
        return main(["--raw-dir", str(root / "raw"), "--extracted-dir", str(root / extracted), "-q"])


def deltas_taken(monkeypatch) -> list[bool]:
    """Whether each run after this call took the delta (a spy on `delta.choose`)."""
    taken: list[bool] = []
    choose = delta.choose

    def spy(*args):
        found = choose(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr("pipeline.batch.flow.choose", spy)
    return taken


def one_row_per_key(db: Path) -> None:
    """The current tables hold one row per key (the load picks one: no constraint in the file says so)."""
    from pipeline.warehouse.schema import CURRENT, TABLE

    for name in CURRENT:
        key = ", ".join(TABLE[name].key)
        assert query(db, f"SELECT {key}, count(*) FROM {name} GROUP BY ALL HAVING count(*) > 1") == [], name


def same_database(root: Path) -> None:
    a, b = root / "delta" / "ocindex.duckdb", root / "whole" / "ocindex.duckdb"
    one_row_per_key(a)
    one_row_per_key(b)
    mine, reference = table_contents(a, RUN_SPECIFIC), table_contents(b, RUN_SPECIFIC)
    assert mine.keys() == reference.keys()
    for table in reference:
        assert mine[table] == reference[table], f"{table} differs from a reload's"
    for q in QUERIES:
        found = [(h.edition, h.entity, h.title) for h in pipeline.search_analysis(q, db=a)]
        assert found == [(h.edition, h.entity, h.title) for h in pipeline.search_analysis(q, db=b)], q


@pytest.fixture
def trusted_hashes(monkeypatch) -> None:
    """Every hash kept, however recently its file changed (`known_hashes.SETTLED_NS`, 2 s, keeps a test's files
    out of the cache): the runs below read again only the files whose stat changed."""
    monkeypatch.setattr(known_hashes, "SETTLED_NS", 0)


@pytest.fixture
def corpus_root(tmp_path, workbook_rows) -> Path:
    """Eight countries in three editions, and the official workbook, which covers the other countries (its
    rows lose to the pages' and derive the changes it does not print)."""
    write_corpus(tmp_path / "raw", workbook_rows, iso3s=ISO3S)
    shutil.copy(WORKBOOK, tmp_path / "raw" / WORKBOOK.name)
    return tmp_path


class Changes:
    """Changes to raw/ a scheduled run meets, on pages picked by a seeded random generator."""

    def __init__(self, root: Path, rows: dict, rng: random.Random):
        self.raw, self.rows, self.rng = root / "raw", rows, rng
        self.corpus = Corpus(rows)
        self.originals = {p: p.read_bytes() for p in self.pages()}

    def pages(self) -> list[Path]:
        return sorted(p for p in self.raw.rglob("*.txt") if p.is_file())

    def pick(self, showing: str = "") -> Path:
        """A page (one whose text shows `showing`)."""
        return self.rng.choice([p for p in self.pages() if showing in p.read_text(encoding="utf-8")])

    def new_score(self) -> str:
        """A printed score changed: the page's arithmetic may no longer hold (then it is rejected)."""
        page = self.pick("Criminal markets")
        text = page.read_text(encoding="utf-8")
        at = text.index("Criminal markets")
        old = text[text.index("\n", at) + 1 :].split("\n", 2)[1].strip()
        page.write_text(text.replace(old, f"{self.rng.randint(1, 9)}.{self.rng.randint(0, 99):02d}", 1), "utf-8")
        return f"score {old} changed on {page.name}"

    def new_text(self) -> str:
        page = self.pick("Analysis")
        text = page.read_text(encoding="utf-8")
        at = text.index("\n", text.index("Analysis") + 40)
        page.write_text(text[:at] + f" Added sentence {self.rng.randint(0, 10**6)}." + text[at:], "utf-8")
        return f"analysis changed on {page.name}"

    def remove(self) -> str:
        page = self.pick()
        page.unlink()
        page.with_name(page.name + ".meta.json").unlink(missing_ok=True)
        return f"{page.name} removed"

    def add(self) -> str:
        iso3, edition = self.rng.choice(SPARE), self.rng.choice((2021, 2023, 2025))
        lines = self.corpus.country_page(Variant(edition), iso3)
        slug = catalog.country_by_iso3(iso3).slug(edition)
        put(self.raw, f"{edition}/{slug}.txt", indented(lines, header_length(lines)),
            url=f"https://ocindex.net/{edition}/country/{slug}")  # fmt: skip
        return f"{edition}/{slug} added"

    def copy(self) -> str:
        """The same content at a second path: the two stage the same rows, one is kept."""
        page = self.pick()
        put(self.raw, f"refetch/{page.stem} (copy {self.rng.randint(0, 99)}).txt", page.read_bytes())
        return f"{page.name} copied"

    def comparison(self) -> str:
        """A page of two countries: each single page outranks it."""
        edition = self.rng.choice((2021, 2023, 2025))
        a, b = self.rng.sample(ISO3S, 2)
        lines = self.corpus.comparison_page(Variant(edition), a, b)
        put(self.raw, f"compare/{edition}-{a}-{b}.txt", indented(lines, header_length(lines)))
        return f"comparison {edition} {a} {b} added"

    def bad_new_version(self) -> str:
        """A newer fetch of a page that does not parse: the older copy is served, the new one rejected."""
        page = self.pick()
        meta = page.with_name(page.name + ".meta.json")
        if not meta.exists():
            return "no URL to fetch again"
        url = json.loads(meta.read_text(encoding="utf-8"))["url"]
        put(self.raw, f"{page.parent.name}/{page.stem}-refetched.txt", "Not a profile page at all.\n")
        (page.parent / f"{page.stem}-refetched.txt.meta.json").write_text(
            json.dumps({"url": url, "fetched_at": "2026-12-01T00:00:00+00:00"}), encoding="utf-8"
        )
        return f"a bad newer version of {url}"

    def refetched(self) -> str:
        """The same content fetched again later: where and when a page came from is part of its rows."""
        page = self.pick()
        meta = page.with_name(page.name + ".meta.json")
        if not meta.exists():
            return "no fetch time to change"
        data = json.loads(meta.read_text(encoding="utf-8"))
        data["fetched_at"] = f"2026-11-{self.rng.randint(2, 28):02d}T00:00:00+00:00"
        meta.write_text(json.dumps(data), encoding="utf-8")
        return f"{page.name} fetched again"

    def other_workbook(self) -> str:
        """The workbook replaced by another edition's: its rows change under every country it covers."""
        (self.raw / WORKBOOK.name).write_bytes(self.rng.choice((WORKBOOK, WORKBOOK_2023)).read_bytes())
        return "another workbook"

    def enact_page(self) -> str:
        """An ENACT Africa page: a region's means and one of its countries."""
        lines = self.corpus.region_country_page(2023, "East Africa", "KEN")
        put(self.raw, "africa/east_africa_kenya.txt", indented(lines, header_length(lines)),
            url="https://africa.ocindex.net/2023/region/east_africa/kenya")  # fmt: skip
        return "an ENACT page"

    def restore(self) -> str:
        """A page changed earlier is put back as it first was."""
        changed = [p for p, data in self.originals.items() if not p.exists() or p.read_bytes() != data]
        if not changed:
            return "nothing to restore"
        page = self.rng.choice(changed)
        page.write_bytes(self.originals[page])
        return f"{page.name} restored"

    def apply(self) -> str:
        return self.rng.choice([self.new_score, self.new_text, self.new_text, self.remove, self.add, self.copy,
                                self.comparison, self.bad_new_version, self.refetched, self.restore,
                                self.other_workbook, self.enact_page])()  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("seed", [int(s) for s in __import__("os").environ.get("DELTA_SEEDS", "1,2,3").split(",")])
def test_a_delta_run_leaves_the_database_a_reload_leaves(corpus_root, workbook_rows, monkeypatch, seed,
                                                         trusted_hashes):  # fmt: skip
    changes = Changes(corpus_root, workbook_rows, random.Random(seed))
    taken = deltas_taken(monkeypatch)
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    done = []
    for _ in range(8):
        done.append(changes.apply())
        assert run(corpus_root, "delta", False, monkeypatch) == 0, done
        assert run(corpus_root, "whole", True, monkeypatch) == 0, done
        try:
            same_database(corpus_root)
        except AssertionError as exc:
            raise AssertionError(f"after {done}: {exc}") from None
    assert sum(taken[::2]) >= 4, f"the delta was taken in {sum(taken[::2])} of 9 runs: {done}"


def test_one_page_changed_is_a_delta_and_matches_a_reload(corpus_root, workbook_rows, monkeypatch, trusted_hashes):
    """The everyday case, in the fast loop: one score and one analysis changed, one page removed, one added."""
    changes = Changes(corpus_root, workbook_rows, random.Random(7))
    taken = deltas_taken(monkeypatch)
    for step in (None, changes.new_text, changes.remove, changes.add):
        if step is not None:
            step()
        assert run(corpus_root, "delta", False, monkeypatch) == 0
        assert run(corpus_root, "whole", True, monkeypatch) == 0
        same_database(corpus_root)
    assert taken[::2] == [False, True, True, True]


def test_a_change_that_keeps_size_and_times_is_seen(corpus_root, monkeypatch, trusted_hashes):
    """A page rewritten with other bytes of the same size and its modification time put back (as `touch -r`
    or a copy that keeps times does), and an edited record likewise: the change time gives them away, and the
    run reads both again, whatever the hashes kept say."""
    import os
    import time

    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    assert (corpus_root / "delta" / known_hashes.FILE).is_file()
    page = sorted((corpus_root / "raw" / "2023").glob("*.txt"))[0]
    record = sorted((corpus_root / "delta").glob("2021%2F*.record.json"))[0]
    lines = page.read_text(encoding="utf-8").split("\n")
    heading = [line.strip() for line in lines].index("Analysis")
    at = next(i for i in range(heading, len(lines)) if len(lines[i].strip()) > 40)  # the first paragraph
    paragraph = lines[at].strip()
    lines[at] = lines[at].replace(paragraph, paragraph[0].swapcase() + paragraph[1:])
    record_as_written = record.read_bytes()
    text_at = record_as_written.index(b'"text":"') + len(b'"text":"')
    edited_record = record_as_written[:text_at] + record_as_written[text_at : text_at + 1].swapcase() + (
        record_as_written[text_at + 1 :])  # fmt: skip
    time.sleep(0.05)  # past the tick of the file system's clock in which the run read them
    for path, data in ((page, "\n".join(lines).encode("utf-8")), (record, edited_record)):
        before = path.stat()
        assert len(data) == before.st_size and data != path.read_bytes()
        path.write_bytes(data)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_mtime_ns == before.st_mtime_ns
    taken = deltas_taken(monkeypatch)
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert taken == [True]
    assert record.read_bytes() == record_as_written  # parsed again, and written as it was
    found = query(corpus_root / "delta" / "ocindex.duckdb", "SELECT count(*) FROM sections WHERE contains(text, ?)",
                  [paragraph[0].swapcase() + paragraph[1:40]])  # fmt: skip
    assert found == [(1,)]
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    same_database(corpus_root)


def test_a_database_without_the_list_of_pages_is_reloaded(corpus_root, monkeypatch):
    """A database made before this version (no `staging` schema): the next run reloads every page."""
    import duckdb

    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    con = duckdb.connect(str(corpus_root / "delta" / "ocindex.duckdb"))
    con.execute("DROP SCHEMA staging CASCADE")
    con.close()
    page = sorted((corpus_root / "raw" / "2023").glob("*.txt"))[0]
    page.write_text(page.read_text(encoding="utf-8").replace("Analysis", "Analysis", 1) + "\n", "utf-8")
    taken = deltas_taken(monkeypatch)
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    assert taken[0] is False
    same_database(corpus_root)


def test_a_page_whose_record_is_gone_is_parsed_again(corpus_root, monkeypatch):
    """An unchanged page whose record was deleted from extracted/ is parsed again, and its record written."""
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    records = sorted((corpus_root / "delta").glob("2023%2F*.record.json"))
    records[0].unlink()
    changed = sorted((corpus_root / "raw" / "2021").glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", "utf-8")
    taken = deltas_taken(monkeypatch)
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert taken == [True] and records[0].exists()
    assert run(corpus_root, "whole", True, monkeypatch) == 0
    same_database(corpus_root)


def test_the_same_bytes_at_two_urls_are_two_pages(corpus_root, monkeypatch):
    """A page that prints no name takes its country from its URL: the same bytes saved from two URLs are two
    countries' pages. Removing one, then changing the other, leaves what a reload leaves."""
    raw = corpus_root / "raw"
    text = (raw / "2023" / "belgium.txt").read_text(encoding="utf-8")
    nameless = "\n".join(line for line in text.split("\n") if line.strip() != "Belgium")
    put(raw, "x/brazil.txt", nameless, url="https://ocindex.net/2023/country/brazil")
    put(raw, "x/india.txt", nameless, url="https://ocindex.net/2023/country/india")
    taken = deltas_taken(monkeypatch)
    for change in (None, "remove india", "change brazil"):
        if change == "remove india":
            (raw / "x" / "india.txt").unlink()
            (raw / "x" / "india.txt.meta.json").unlink()
        elif change == "change brazil":
            (raw / "x" / "brazil.txt").write_text(nameless.replace("Analysis", "Analysis", 1) + "\nMore.\n", "utf-8")
        assert run(corpus_root, "delta", False, monkeypatch) == 0
        assert run(corpus_root, "whole", True, monkeypatch) == 0
        same_database(corpus_root)
    assert taken[::2] == [False, True, True]
    countries = {e for (e,) in query(corpus_root / "delta" / "ocindex.duckdb",
                                     "SELECT entity FROM sources JOIN scores ON source_sha256 = sha256 "
                                     "WHERE path LIKE 'x/%'")}  # fmt: skip
    assert countries == {"Brazil"}


def test_a_run_of_another_version_in_between_makes_the_next_reload_everything(corpus_root, monkeypatch):
    """Another version's run (it rebuilds the tables and knows nothing of the `staging` schema) came after the
    run that wrote it: the next run does not trust it."""
    import duckdb

    assert run(corpus_root, "delta", False, monkeypatch) == 0
    con = duckdb.connect(str(corpus_root / "delta" / "ocindex.duckdb"))
    con.execute(
        "INSERT INTO runs SELECT * REPLACE (run_id + 1 AS run_id, 'another version' AS inputs_sha256) FROM runs"
    )
    con.close()
    page = corpus_root / "raw" / "2021" / "kenya.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore.\n", "utf-8")
    taken = deltas_taken(monkeypatch)
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert taken == [False]


def test_a_stale_search_index_is_built_again_by_the_run_search_asks_for(corpus_root, monkeypatch):
    """The index file replaced by an older one: search says to run again, and that run (with nothing else
    changed) writes an index of the sections as they are."""
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    page = corpus_root / "raw" / "2023" / "kenya.txt"
    text = page.read_text(encoding="utf-8")
    at = text.index("\n", text.index("Analysis") + 40)
    page.write_text(text[:at] + " Zanzibarian smugglers were seen." + text[at:], "utf-8")
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    db = corpus_root / "delta" / "ocindex.duckdb"
    (current,) = query(db, "SELECT file FROM search_index")[0]
    older = [p for p in db.parent.glob("ocindex.duckdb.search-*.sqlite") if p.name != current]
    assert len(older) == 1
    shutil.copyfile(older[0], db.parent / current)
    from pipeline.warehouse.fulltext import SearchUnavailable

    with pytest.raises(SearchUnavailable):
        pipeline.search_analysis("Zanzibarian", db=db)
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    assert [h.entity for h in pipeline.search_analysis("Zanzibarian", db=db)] == ["Kenya"]


def test_an_edited_record_is_written_again(corpus_root, monkeypatch):
    """A record edited by hand in extracted/ is not the page's: the next run that stages anything parses that
    page again and writes its record as a reload does."""
    import hashlib

    assert run(corpus_root, "delta", False, monkeypatch) == 0
    folder = corpus_root / "delta"
    record = folder / "2023%2Fkenya.txt.record.json"
    written = record.read_bytes()
    record.write_bytes(written.replace(b'"criminality"', b'"criminality" ', 1))
    page = corpus_root / "raw" / "2021" / "kenya.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore.\n", "utf-8")
    assert run(corpus_root, "delta", False, monkeypatch) == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["pages"]["2023/kenya.txt"]
    assert record.read_bytes() == written
    assert manifest["record_sha256"] == hashlib.sha256(written).hexdigest()
