"""The files the pipeline keeps between runs never steer it outside its folders, and are checked, not
trusted: a malicious or malformed manifest, and a record edited by hand."""

from __future__ import annotations

import json

import pytest
from conftest import copy_seed, query

from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop


def run_in(workdir) -> int:
    return main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted")])


def manifest(workdir) -> dict:
    return json.loads((workdir / "extracted" / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(workdir, data) -> None:
    (workdir / "extracted" / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("file", ["ABSOLUTE", "../../victim.txt", "../victim.json", "sub/../../victim.json"],
                         ids=["absolute", "dot-dot", "dot-dot-json", "nested-dot-dot"])  # fmt: skip
def test_a_manifest_entry_pointing_outside_the_folder_touches_nothing(workdir, tmp_path_factory, file):
    victim_dir = tmp_path_factory.mktemp("victim")
    victim = victim_dir / ("victim.txt" if file != "../victim.json" else "victim.json")
    victim.write_text("keep me")
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    data = manifest(workdir)
    name = str(victim) if file == "ABSOLUTE" else file
    data["pages"]["gone.txt"] = {"sha256": "0" * 64, "file": name, "rejected": False}  # a page no longer in raw/
    (seed,) = [k for k in data["pages"] if k != "gone.txt"]
    data["pages"][seed]["file"] = name
    write_manifest(workdir, data)
    if file.startswith(".."):  # the relative names, placed so that they reach the victim
        (workdir / "extracted" / "sub").mkdir()
        victim.rename(workdir.parent / victim.name)
        victim = workdir.parent / victim.name
    assert run_in(workdir) == 0
    assert victim.read_text() == "keep me"
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT count(*) FROM scores") == [(36,)]


@pytest.mark.parametrize(
    "data",
    [pytest.param({"parser_version": "x", "pages": []}, id="pages-a-list"),
     pytest.param({"parser_version": "x", "pages": None}, id="pages-null"),
     pytest.param([], id="a-list"),
     pytest.param({"pages": {"000_fdcefce654b14ab5.txt": {"sha256": None, "file": None, "rejected": "no"}}},
                  id="nulls"),
     pytest.param({"pages": {"000_fdcefce654b14ab5.txt": "not an entry"}}, id="entry-a-string")],
)  # fmt: skip
def test_a_malformed_manifest_is_re_derived_from_raw(workdir, data):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    write_manifest(workdir, data)
    assert run_in(workdir) == 0
    assert query(workdir / "extracted" / "ocindex.duckdb", "SELECT count(*) FROM scores") == [(36,)]
    assert isinstance(manifest(workdir)["pages"], dict)


@pytest.mark.parametrize("edit", ["score", "iso3", "empty-list", "no-issues"])
def test_a_record_edited_by_hand_is_parsed_again_not_loaded(workdir, edit):
    copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    (path,) = [p for p in (workdir / "extracted").glob("*.json") if p.name != "manifest.json"]
    record = json.loads(path.read_text(encoding="utf-8"))
    if edit == "score":
        record["entities"][0]["scores"]["cocaine_trade"]["score"] = 99
    elif edit == "iso3":
        record["entities"][0]["iso3"] = "ZZZ"
    elif edit == "no-issues":
        del record["issues"]
    path.write_text(json.dumps([] if edit == "empty-list" else record), encoding="utf-8")
    (workdir / "raw" / "000_fdcefce654b14ab5.txt").touch()  # a re-run that looks at the pages again
    data = manifest(workdir)
    data["parser_version"] = data["parser_version"]  # the same parser: the record would be reused
    write_manifest(workdir, data)
    put_other = workdir / "raw" / "other.txt"
    put_other.write_text("not a page")  # something changed under raw/: not a no-op run
    assert run_in(workdir) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    assert query(db, "SELECT score FROM scores WHERE indicator = 'cocaine_trade'")[0][0] == 8
    assert query(db, "SELECT DISTINCT iso3 FROM scores") == [("BEL",)]


def test_a_record_edited_with_its_manifest_hash_is_checked_again_not_trusted(workdir):
    """Issue 21: a cocaine score of 9.50 written into a reused record, and the record's hash written into the
    manifest too, loaded although it breaks the markets mean. A reused record is held to the models and the
    index's arithmetic again: this one is parsed again from its page."""
    import hashlib

    copy_seed(workdir / "raw")
    (workdir / "raw" / "note.txt").write_text("a file that changes, so that the next run is not a no-op")
    assert run_in(workdir) == 0
    data = manifest(workdir)
    (rel,) = [k for k, e in data["pages"].items() if not e["rejected"] and k.startswith("000_")]
    path = workdir / "extracted" / data["pages"][rel]["file"]
    record = json.loads(path.read_text(encoding="utf-8"))
    record["entities"][0]["scores"]["cocaine_trade"]["score"] = 9.5
    path.write_text(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    data["pages"][rel]["record_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    write_manifest(workdir, data)
    (workdir / "raw" / "note.txt").write_text("changed")
    assert run_in(workdir) == 0
    db = workdir / "extracted" / "ocindex.duckdb"
    assert query(db, "SELECT score FROM scores WHERE indicator = 'cocaine_trade' AND edition = 2023") == [(8,)]
    assert json.loads(path.read_text(encoding="utf-8"))["entities"][0]["scores"]["cocaine_trade"]["score"] == 8.0
