"""The warehouse against what other programs and odd paths do: a write by another program during a run,
a database reached through a link, names that are glob patterns or SQL, a poisoned cache of the report's
scripts, and a full disk."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import ROOT, SEED, copy_seed, query, run_cli

from pipeline.run import main

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

REVISED = (  # two values changed, the pillar's mean kept
    SEED.read_text(encoding="utf-8")
    .replace("Cocaine trade\n\n    8.000.50", "Cocaine trade\n\n    7.500.00")
    .replace("Cannabis trade\n\n    6.500.00", "Cannabis trade\n\n    7.000.50")
)
COCAINE = "SELECT score FROM scores WHERE iso3 = 'BEL' AND indicator = 'cocaine_trade'"


def run_in(workdir: Path, *extra: str) -> int:
    return main(["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"), *extra])


def db(workdir: Path) -> Path:
    return workdir / "extracted" / "ocindex.duckdb"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name)


# 1. A write made by another program while a run builds its copy

WRITE = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("CREATE TABLE written_by_another_program AS SELECT 42 AS answer")
    con.close()
""")

HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("CREATE TABLE written_by_another_program AS SELECT 42 AS answer")
    print("written", flush=True)
    time.sleep(120)
""")


def _before_publish(monkeypatch, action) -> None:
    """Call `action()` once the run has copied the database and staged the pages, just before it publishes:
    the moment another program's write would be lost."""
    from pipeline.warehouse import load

    publish = load.Build.publish

    def act_then_publish(self, *args, **kwargs):
        action()
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(load.Build, "publish", act_then_publish)


def _kept(database: Path, err: str) -> Path:
    """The build the run set aside, as its message names it."""
    named = [p for p in database.parent.iterdir() if p != database and f"kept aside at {p}" in err]
    assert len(named) == 1, err
    return named[0]


def test_the_new_database_is_on_disk_before_the_rename_that_publishes_it(workdir, monkeypatch):
    """DuckDB does not sync the run's copy at each commit (`load.BUILD_CONFIG`): the run syncs it once it is
    whole, then renames it over the published file, then syncs the folder. A crash before the rename leaves the
    published file as it was; after it, the new file is whole on disk."""
    events: list[tuple] = []
    fsync, replace = os.fsync, os.replace

    def recorded_fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return fsync(fd)

    def recorded_replace(src, dst, *args, **kwargs):
        events.append(("replace", os.fspath(src), os.fspath(dst)))
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    assert run_in(workdir) == 0
    database = str(db(workdir).resolve())
    renames = [i for i, e in enumerate(events) if e[0] == "replace" and e[2] == database]
    assert len(renames) == 1, events
    building = events[renames[0]][1]
    assert ".building-" in building
    synced = [i for i, e in enumerate(events) if e == ("fsync", building)]
    assert synced and synced[-1] < renames[0], events
    assert ("fsync", str(db(workdir).parent.resolve())) in events[renames[0] :], events


@pytest.mark.parametrize("mtime", ["as written", "set back"])
def test_a_write_by_another_program_during_the_run_is_not_swapped_away(workdir, monkeypatch, capsys, mtime):
    page = copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    d = db(workdir)
    before = d.stat()

    def another_program_writes():
        subprocess.run([sys.executable, "-c", WRITE, str(d)], check=True, timeout=60)
        if mtime == "set back":  # a write within the file system's timestamp tick looks the same by its mtime
            os.utime(d, ns=(before.st_atime_ns, before.st_mtime_ns))

    _before_publish(monkeypatch, another_program_writes)
    page.write_text(REVISED, encoding="utf-8")
    capsys.readouterr()
    assert run_in(workdir) == 75
    err = capsys.readouterr().err
    assert "the database changed during the run (another program wrote it); the new build is kept aside at " in err
    kept = _kept(d, err)
    assert query(d, "SELECT answer FROM written_by_another_program") == [(42,)]
    assert query(d, COCAINE) == [(Decimal("8.00"),)]
    assert query(kept, COCAINE) == [(Decimal("7.50"),)]  # the build, whole, for whoever wants it
    assert leftovers(d.parent) == []
    monkeypatch.undo()
    assert run_in(workdir) == 0  # the next run builds on top of that write
    assert query(d, "SELECT answer FROM written_by_another_program") == [(42,)]
    assert query(d, COCAINE) == [(Decimal("7.50"),)]
    assert kept.exists()  # never removed by a run: it is the user's to keep or delete


def test_a_program_holding_the_file_for_writing_at_the_swap_is_refused(workdir, monkeypatch, capsys):
    page = copy_seed(workdir / "raw")
    assert run_in(workdir) == 0
    d = db(workdir)
    holder: list[subprocess.Popen] = []

    def another_program_writes_and_stays():
        holder.append(subprocess.Popen([sys.executable, "-c", HOLD, str(d)], stdout=subprocess.PIPE, text=True))
        assert holder[0].stdout is not None and holder[0].stdout.readline().strip() == "written"

    _before_publish(monkeypatch, another_program_writes_and_stays)
    page.write_text(REVISED, encoding="utf-8")
    capsys.readouterr()
    try:
        assert run_in(workdir) == 75
    finally:
        for p in holder:
            p.kill()
            p.wait()
    err = capsys.readouterr().err
    assert f"PID {holder[0].pid}" in err
    kept = _kept(d, err)
    assert query(kept, COCAINE) == [(Decimal("7.50"),)]
    assert query(d, "SELECT answer FROM written_by_another_program") == [(42,)]  # its log, replayed


# 2. --db through a symbolic link


def test_a_database_reached_through_a_link_is_updated_where_it_lives(workdir):
    target = workdir / "store" / "ocindex.duckdb"
    target.parent.mkdir()
    link = workdir / "extracted" / "linked.duckdb"
    link.symlink_to(target)  # dangling until the first run
    page = copy_seed(workdir / "raw")
    assert run_in(workdir, "--db", str(link)) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert query(target, COCAINE) == [(Decimal("8.00"),)]
    page.write_text(REVISED, encoding="utf-8")
    assert run_in(workdir, "--db", str(link)) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert query(target, COCAINE) == [(Decimal("7.50"),)]
    assert (target.parent / "ocindex.duckdb.lock").exists()  # the real file's lock: one for both names
    assert not (link.parent / "linked.duckdb.lock").exists()
    assert leftovers(target.parent) == leftovers(link.parent) == []


# 3. A database name that is a glob pattern


@pytest.mark.parametrize("ours, theirs", [("db[1].duckdb", "db1.duckdb"), ("db*.duckdb", "db-two.duckdb"),
                                          ("db?.duckdb", "dbX.duckdb")])  # fmt: skip
def test_a_database_name_with_glob_characters_cleans_only_its_own_leftovers(workdir, ours, theirs):
    folder = workdir / "dbs"
    folder.mkdir()
    their_build = folder / f"{theirs}.building-99999"  # another run's, on another database of the folder
    their_build.write_bytes(b"another run's copy, being built")
    our_left = [folder / f"{ours}.building-99998", folder / f"{ours}.building-99998.wal"]
    for path in our_left:
        path.write_bytes(b"left by a killed run")
    copy_seed(workdir / "raw")
    assert run_in(workdir, "--db", str(folder / ours)) == 0
    assert their_build.read_bytes() == b"another run's copy, being built"
    assert not any(p.exists() for p in our_left)
    assert query(folder / ours, "SELECT count(*) FROM scores") == [(36,)]


# 4. Paths and names that would be SQL

INJECTION = "X' (FORMAT csv); COPY (SELECT 'injected') TO 'pwned.csv' (FORMAT csv); --"
ODD = "bob's; data\nand more"


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("out", [INJECTION, ODD])
def test_an_export_folder_is_never_sql(first_db, tmp_path, out):
    import shutil

    folder = tmp_path / ODD
    folder.mkdir()
    database = Path(shutil.copy(first_db, folder / "ocindex.duckdb"))
    done = run_cli("pipeline.export", "--db", str(database), "--out", out, "--format", "csv,parquet",
                   "--tables", "countries", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _files(tmp_path) == {f"{ODD}/ocindex.duckdb", f"{out}/countries.csv", f"{out}/countries.parquet"}
    assert query(database, "SELECT count(*) FROM read_csv(?)", [str(tmp_path / out / "countries.csv")]) == [(193,)]
    assert not (ROOT / "pwned.csv").exists()


def test_a_run_into_folders_named_like_sql_writes_where_asked(workdir, monkeypatch):
    monkeypatch.chdir(workdir)  # anything written by a relative name lands here, and is seen
    copy_seed(workdir / "raw")
    extracted = workdir / f"out {ODD}"
    database = workdir / f"db {ODD}" / f"{INJECTION}.duckdb"
    argv = ["--raw-dir", str(workdir / "raw"), "--extracted-dir", str(extracted), "--db", str(database)]
    assert main([*argv, "--export", "csv"]) == 0
    assert query(database, COCAINE) == [(Decimal("8.00"),)]
    tables = {t for (t,) in query(database, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")}
    exported = {p.stem for p in (extracted / "export").glob("*.csv")}
    assert tables <= exported
    outside = {f for f in _files(workdir) if not f.startswith(("raw/", f"out {ODD}/"))}
    (index,) = query(database, "SELECT file FROM search_index")[0]  # the search index file, beside the database
    assert outside == {f"db {ODD}/{INJECTION}.duckdb", f"db {ODD}/{INJECTION}.duckdb.lock", f"db {ODD}/{index}"}
    assert index.startswith(f"{INJECTION}.duckdb.search-")
    assert not (ROOT / "pwned.csv").exists()


# 5. The cache of the report's scripts


@pytest.fixture(scope="module")
def real_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle(None)  # type: ignore[arg-type]


def _cache_file(cache_home: Path) -> Path:
    return cache_home / "ocindex-pipeline" / f"vega-bundle-{version('vl-convert-python')}.js"


def test_the_pinned_digest_is_the_bundle_of_the_installed_vl_convert(real_bundle):
    from pipeline.warehouse.report_page import BUNDLE_SHA256

    assert BUNDLE_SHA256.get(version("vl-convert-python")) == hashlib.sha256(real_bundle.encode()).hexdigest(), (
        "vl-convert-python was upgraded: pin its bundle's SHA-256 in pipeline/warehouse/report_page.BUNDLE_SHA256"
    )


def _poison(cache: Path, kind: str, real_bundle: str, tmp_path: Path) -> Path | None:
    """Put something that is not the bundle at the cache's path; returns the file a link points to."""
    cache.parent.mkdir(parents=True)
    if kind == "foreign script":
        cache.write_text("window.FOREIGN_SCRIPT_RAN = true;", encoding="utf-8")
    elif kind == "truncated":
        cache.write_text(real_bundle[: len(real_bundle) // 2] + "FOREIGN_CUT_HERE", encoding="utf-8")
    elif kind == "symlink":
        secret = tmp_path / "secret.txt"
        secret.write_text("FOREIGN_SECRET do not publish", encoding="utf-8")
        cache.symlink_to(secret)
        return secret
    elif kind == "fifo":
        os.mkfifo(cache)
    return None


def _assert_real_bundle(report: Path, cache: Path, real_bundle: str) -> None:
    text = report.read_text(encoding="utf-8")
    assert "FOREIGN" not in text
    assert real_bundle.replace("</script", "<\\/script") in text
    assert stat.S_ISREG(cache.lstat().st_mode)  # rebuilt: a regular file, the bundle itself
    assert cache.read_text(encoding="utf-8") == real_bundle


@pytest.mark.parametrize("kind", ["foreign script", "truncated", "symlink", "fifo"])
def test_a_cache_that_is_not_the_bundle_is_never_inlined(first_db, tmp_path, real_bundle, kind):
    cache = _cache_file(tmp_path / "cache")
    secret = _poison(cache, kind, real_bundle, tmp_path)
    out = tmp_path / "report.html"
    done = run_cli("pipeline.report", "--db", str(first_db), "--out", str(out),
                   env={"XDG_CACHE_HOME": str(tmp_path / "cache")}, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _assert_real_bundle(out, cache, real_bundle)
    if secret is not None:
        assert secret.read_text(encoding="utf-8") == "FOREIGN_SECRET do not publish"


def test_a_fifo_in_the_cache_does_not_hang_a_run(workdir, real_bundle):
    cache = _cache_file(workdir / "cache")
    _poison(cache, "fifo", real_bundle, workdir)
    copy_seed(workdir / "raw")
    done = run_cli("pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"),
                   env={"XDG_CACHE_HOME": str(workdir / "cache")}, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _assert_real_bundle(workdir / "extracted" / "report.html", cache, real_bundle)


# 6. A full disk


@pytest.fixture
def small_disk(tmp_path, request):
    """A small file system of its own (a tmpfs): the database outgrows it."""
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={request.param}", "tmpfs", str(folder)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        pytest.skip(f"a small tmpfs cannot be mounted here ({done.stderr.strip()}): the disk-full test needs one")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("small_disk", ["1m", "2m", "4m"], indirect=True)
def test_a_full_disk_is_named_in_one_line(workdir, small_disk):
    for name in ("000_fdcefce654b14ab5.txt", "global_oc_index_2025-edition.xlsx"):
        (workdir / "raw" / name).write_bytes((ROOT / "raw" / name).read_bytes())
    done = run_cli("pipeline.run", "--raw-dir", str(workdir / "raw"), "--extracted-dir", str(workdir / "extracted"),
                   "--db", str(small_disk / "ocindex.duckdb"))  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert f"the disk holding {small_disk} is full" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Out of Memory" not in done.stderr and "threads" not in done.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["ocindex.duckdb.lock"]
