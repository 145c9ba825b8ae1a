"""Who may write the database. One run at a time: an advisory lock file beside it, released when the process
ends (`RunLock`). No other program's write lost: the published file is copied and later replaced only while
no DuckDB writer holds it (DuckDB locks its file with fcntl: a writer exclusively, a reader shared), and
replaced only if it is still the file that was copied (`copy_shared`, `replace_if_unchanged`).

fcntl locks belong to the process and the file: closing any descriptor of the file drops all of them,
so each step below opens the file once and does everything it must under that one descriptor.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import struct
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import DatabaseBusy, DatabaseChanged, stop_if_interrupted

# DuckDB's file begins with its main header and two database headers of 4 KiB each; every checkpoint writes
# one of the database headers anew (with an iteration count), so a write that reached the file changes them.
HEADER_BYTES = 3 * 4096
COPY_CHUNK = 4 * 1024 * 1024


class RunLock:
    def __init__(self, db_path: Path, wait: float = 0.0):
        db_path = Path(os.path.realpath(db_path))  # the real file's lock, whichever link names it
        self.db = db_path
        self.path = db_path.with_name(db_path.name + ".lock")
        self.wait = wait  # seconds to wait for another run to end before giving up
        self.fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._refuse(fd)
                time.sleep(0.1)
        # a program holding the file for writing (a DuckDB CLI, a notebook) is waited for too, within the same
        # time; past it, opening the file says who holds it
        while write_lock_holder(self.db) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps({"pid": os.getpid(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")}).encode(),
            0,
        )
        self.fd = fd
        _HELD.add(fd)
        return self

    def _refuse(self, fd: int) -> None:
        """Another run holds the lock: name it, and give up (exit 75 at the command line)."""
        holder = os.pread(fd, 512, 0).decode("utf-8", "replace")
        os.close(fd)
        pid = None
        try:
            who = json.loads(holder)
            pid = int(who["pid"])
            holder = f"pid {pid}, started {who['started_at']}"
        except (ValueError, KeyError, TypeError):
            holder = "unknown process"
        raise DatabaseBusy(
            f"another run is using {self.path.with_suffix('')} ({holder}); wait for it to "
            f"finish, or stop it, then run again",
            pid,
        ) from None

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            _HELD.discard(self.fd)
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


# The descriptors of the run locks this process holds. A process forked from it (a parse worker) closes its
# copies at once: the lock is the open file's (flock), held while any descriptor of it is open, so the run's
# own lock stands, and a run killed with SIGKILL leaves no worker holding it. Never released there: a release
# through a copy would release the run's lock.
_HELD: set[int] = set()


def _forget_in_child() -> None:
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def write_lock_holder(path: Path) -> int | None:
    """The PID of a process holding a write lock on the file (DuckDB locks its file with fcntl), or None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return lock_holder(fd)
    finally:
        os.close(fd)


def lock_holder(fd: int) -> int | None:
    """The PID of a process holding a write lock on the open file `fd` (a DuckDB writer), or None."""
    try:
        query = struct.pack("hhqqi4x", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        kind, _, _, _, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, query))
    except OSError:
        return None
    return None if kind == fcntl.F_UNLCK else pid


@dataclass(frozen=True)
class FileState:
    """The published file as a run copied it. Another file under the same name has another inode; the same
    file written has another size, mtime or DuckDB header (a write within one tick of a coarse clock keeps
    the mtime, not the headers)."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    headers: bytes


def file_state(fd: int) -> FileState:
    st = os.fstat(fd)
    return FileState(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, os.pread(fd, HEADER_BYTES, 0))


def copy_shared(path: Path, building: Path) -> tuple[FileState | None, int | None]:
    """Copy the published file to `building` under a shared lock of its own (as a DuckDB reader holds it: no
    DuckDB writer changes it meanwhile), and return what it was; (None, pid) without copying when a writer holds
    it. The lock goes with the descriptor, once the copy is taken."""
    with open(path, "rb") as src:
        holder = _share(src.fileno())
        if holder is not None:
            return None, holder
        with open(building, "wb") as dst:
            state = file_state(src.fileno())
            shutil.copyfileobj(src, dst, COPY_CHUNK)
    return state, None


def replace_if_unchanged(building: Path, path: Path, copied: FileState | None) -> None:
    """Rename `building` over `path` if `path` is still the file copied (`copied`; None: there was none then).
    The file is held with a shared lock from the check to the rename, as a DuckDB reader holds it, so no
    DuckDB writer can open it in between. Another program wrote it, or holds it for writing: `building` is
    set aside, not renamed over that write, and DatabaseChanged says where it is."""
    try:
        fd: int | None = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = None
    try:
        holder = None if fd is None else _share(fd)
        now = None if fd is None else file_state(fd)
        if holder is not None or now != copied or os.path.lexists(f"{path}.wal"):
            raise _changed(building, path, _what_happened(copied, now, holder), holder)
        stop_if_interrupted()
        os.replace(building, path)
    finally:
        if fd is not None:
            os.close(fd)


def _share(fd: int) -> int | None:
    """Take a shared lock on the open file; None when taken, else the PID of the writer that holds it."""
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EAGAIN):
            raise
    return lock_holder(fd) or -1


def _what_happened(copied: FileState | None, now: FileState | None, holder: int | None) -> str:
    """What another program did to the published file since it was copied, as the message says it."""
    if holder is not None:
        return f"another program has it open for writing: {f'PID {holder}' if holder > 0 else 'a process'}"
    if copied is not None and now is None:
        return "another program removed it"
    if copied is not None and now is not None and (now.device, now.inode) != (copied.device, copied.inode):
        return "another program replaced it"
    return "another program wrote it"


def _changed(building: Path, path: Path, why: str, holder: int | None) -> DatabaseChanged:
    """Set the build aside under a name no run removes (`.building-*` is what a killed run left), and say so."""
    kept = path.with_name(f"{path.name}.unpublished-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    os.replace(building, kept)
    first = "close that program (or open the database read-only), then " if holder is not None else ""
    return DatabaseChanged(
        f"the database changed during the run ({why}); the new build is kept aside at {kept}. To publish this "
        f"run's input, {first}run again (it builds on what {path} holds now), then delete {kept}",
        holder if holder is not None and holder > 0 else None,
    )
