"""One run at a time per database: an advisory lock file beside it, released when the process ends."""

from __future__ import annotations

import fcntl
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import DatabaseBusy


class RunLock:
    def __init__(self, db_path: Path, wait: float = 0.0):
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
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps({"pid": os.getpid(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")}).encode(),
            0,
        )
        self.fd = fd
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
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
