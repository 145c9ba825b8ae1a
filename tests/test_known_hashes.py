"""The hashes a run keeps of files it read (pipeline/batch/known_hashes.py): reused only while the file system
says the file is the one hashed, and only for a file that had settled when it was hashed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

from pipeline.batch.known_hashes import FILE, KnownHashes


class Hasher:
    """The real hash, counting the files it reads."""

    def __init__(self):
        self.read: list[Path] = []

    def __call__(self, path: Path) -> str | None:
        self.read.append(path)
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None


def test_a_settled_file_is_not_read_again_until_it_changes(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(b"Criminality 5.17\n")
    first = Hasher()
    assert KnownHashes(tmp_path, settled_ns=0).sha256(page, first) == hashlib.sha256(page.read_bytes()).hexdigest()
    known = KnownHashes(tmp_path, settled_ns=0)
    known.sha256(page, first)
    known.save()
    again = Hasher()
    known = KnownHashes(tmp_path, settled_ns=0)
    assert known.sha256(page, again) == hashlib.sha256(b"Criminality 5.17\n").hexdigest()
    assert again.read == []
    time.sleep(0.05)  # past the tick of the file system's clock in which it was read
    before = page.stat()
    page.write_bytes(b"Criminality 5.71\n")  # the same size, and the same modification time put back
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert KnownHashes(tmp_path, settled_ns=0).sha256(page, again) == hashlib.sha256(b"Criminality 5.71\n").hexdigest()
    assert again.read == [page]


def test_a_file_replaced_by_another_is_read(tmp_path):
    """Another file renamed over it (as a crawler saves a page) has another inode, whatever its times."""
    page, new = tmp_path / "page.txt", tmp_path / "new.txt"
    page.write_bytes(b"one")
    known = KnownHashes(tmp_path, settled_ns=0)
    known.sha256(page, Hasher())
    known.save()
    new.write_bytes(b"two")
    stat = page.stat()
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(new, page)
    hasher = Hasher()
    assert KnownHashes(tmp_path, settled_ns=0).sha256(page, hasher) == hashlib.sha256(b"two").hexdigest()
    assert hasher.read == [page]


def test_a_file_changed_within_the_settling_time_is_hashed_by_every_run(tmp_path):
    """A change in the same clock tick as the hashing could keep the file's times: such a file is not kept."""
    page = tmp_path / "page.txt"
    page.write_bytes(b"just written")
    for _ in range(2):
        known = KnownHashes(tmp_path)  # the default: 2 s
        hasher = Hasher()
        assert known.sha256(page, hasher) == hashlib.sha256(b"just written").hexdigest()
        assert hasher.read == [page]
        known.save()
    assert not (tmp_path / FILE).exists()  # nothing kept, nothing written


def test_only_the_files_looked_up_are_kept(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    known = KnownHashes(tmp_path, settled_ns=0)
    known.sha256(a, Hasher())
    known.sha256(b, Hasher())
    known.save()
    known = KnownHashes(tmp_path, settled_ns=0)
    known.sha256(a, Hasher())
    known.save()
    kept = [json.loads(line)[0] for line in (tmp_path / FILE).read_text(encoding="utf-8").splitlines()]
    assert kept == [str(a)]


def test_a_damaged_cache_costs_a_read_and_nothing_else(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(b"page")
    st = page.stat()
    good = [str(page), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, "0" * 64]
    (tmp_path / FILE).write_text(
        "\n".join(["not json", json.dumps([str(page), "1", 2]), json.dumps({"a": 1}), json.dumps(good[:-1] + [7])]),
        encoding="utf-8",
    )
    hasher = Hasher()
    assert KnownHashes(tmp_path, settled_ns=0).sha256(page, hasher) == hashlib.sha256(b"page").hexdigest()
    assert hasher.read == [page]
    (tmp_path / FILE).write_bytes(b"\xff\xfe binary")
    assert KnownHashes(tmp_path, settled_ns=0).sha256(page, Hasher()) == hashlib.sha256(b"page").hexdigest()


def test_a_cache_that_cannot_be_written_is_logged(tmp_path, caplog):
    page = tmp_path / "page.txt"
    page.write_bytes(b"page")
    not_a_folder = tmp_path / "a file"
    not_a_folder.write_bytes(b"")
    known = KnownHashes(not_a_folder, settled_ns=0)
    known.sha256(page, Hasher())
    with caplog.at_level(logging.WARNING):
        known.save()
    assert "could not be written" in caplog.text and "hashes every file again" in caplog.text


def test_a_file_that_cannot_be_read_has_no_hash(tmp_path):
    hasher = Hasher()
    assert KnownHashes(tmp_path, settled_ns=0).sha256(tmp_path / "gone.txt", hasher) is None
    assert hasher.read == [tmp_path / "gone.txt"]
