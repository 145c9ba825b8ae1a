"""The SHA-256 of files hashed by an earlier run, reused while the file system says the file is the same.

A scheduled run hashes every page under raw/ (to know what changed) and every record in extracted/ that it
keeps (to know it is as written): some 40 ms on 579 pages as large as the real ones, most of a run where
nothing or one page changed. A file whose device, inode, size, modification time and change time (ctime, which
no program can set) are those seen when it was hashed has the same bytes, with one exception that git calls
"racily clean": a file changed again within the same tick of the file system's clock as the change before
keeps its times. So a hash is kept only for a file that had not changed for `SETTLED_NS` when it was hashed
(its stat taken first): a later change cannot share that tick, and gives it a new ctime. A file changed
within that time is hashed again by every run until it has settled.

Kept in `extracted/known-hashes.jsonl`, a file a line: `[path, device, inode, size, mtime_ns, ctime_ns, sha256]`.
It is a cache: lost or unreadable (a line of another shape is skipped), its files are hashed again, and nothing
else changes. Only the files looked up by the last run are kept, so removed files drop out.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.files import write_atomic

FILE = "known-hashes.jsonl"
SETTLED_NS = 2_000_000_000  # a file unchanged this long when hashed: longer than any file system's clock tick
log = logging.getLogger(__name__)

Signature = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns


class KnownHashes:
    def __init__(self, folder: Path, settled_ns: int | None = None):
        self.path = folder / FILE
        self.settled_ns = SETTLED_NS if settled_ns is None else settled_ns
        self.previous = _read(self.path)
        self.now: dict[str, list] = {}

    def sha256(self, path: Path | str, hasher: Callable[[Path], str | None]) -> str | None:
        """The file's SHA-256: the one known, when its stat is the one seen when it was hashed; else `hasher`'s
        (None: it cannot be read)."""
        key = os.fspath(path)
        try:
            st = os.stat(key)
        except OSError:
            return hasher(Path(key))
        signature = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        known = self.previous.get(key)
        if known is not None and known[:5] == signature:
            self.now[key] = known
            return known[5]
        settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) >= self.settled_ns
        sha = hasher(Path(key))
        if sha is not None and settled:
            self.now[key] = [*signature, sha]
        return sha

    def save(self) -> None:
        """Write what this run knows (unchanged: not written again); a cache that cannot be written costs the
        next run its hashing, nothing else: logged, not raised."""
        data = "".join(json.dumps([k, *v]) + "\n" for k, v in sorted(self.now.items())).encode()
        try:
            if self.path.read_bytes() == data:
                return
        except OSError:
            if not data:
                return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data)
        except OSError as exc:
            log.warning("%s could not be written (%s): the next run hashes every file again", self.path,
                        exc.strerror or exc)  # fmt: skip


def _read(path: Path) -> dict[str, list]:
    """The entries of the cache, by path: its lines of the right shape (none when it cannot be read)."""
    try:
        lines = path.read_bytes().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if _valid(entry):
            out[entry[0]] = entry[1:]
    return out


def _valid(entry: object) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 7
        and isinstance(entry[0], str)
        and all(type(n) is int for n in entry[1:6])
        and isinstance(entry[6], str)
        and len(entry[6]) == 64
    )
