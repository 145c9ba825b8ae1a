"""Files every stage writes or sniffs: atomic replacement, and what kind of document some bytes are."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MAX_PAGE_BYTES = 8 * 1024 * 1024  # the largest page read: a larger one is rejected (too_large), never read whole
TMP_SUFFIX = ".tmp"  # a file being written; the raw store and the record folder skip such names


def temporary_name(path: Path) -> Path:
    """Where `path` is written before it replaces the old file: hidden, beside it, one per process and target,
    and within the 255 bytes a file name may hold (a long name keeps its start and a hash of the whole)."""
    name = path.name
    if len(name.encode("utf-8", "surrogateescape")) > 200:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        name = f"{name.encode('utf-8', 'surrogateescape')[:180].decode('utf-8', 'ignore')}~{digest}"
    return path.with_name(f".{name}.{os.getpid()}{TMP_SUFFIX}")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Write to the temporary path this yields; on success it replaces `path` in one rename, so a
    reader sees the old file or the new one, never half of one. On failure it is removed."""
    tmp = temporary_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    with replacing(path) as tmp:
        tmp.write_bytes(data)


def write_with(path: Path, write: Callable[[Path], object]) -> None:
    """`write(tmp)` writes the file (a database COPY, say); it then replaces `path` atomically."""
    with replacing(path) as tmp:
        write(tmp)


_UTF16 = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


def sniff_format(data: bytes) -> str:
    """`xlsx` for a workbook (a zip archive), `html` for an HTML document, else `text`: decided from the
    first bytes, not from a file name."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:2048]
    utf16 = _UTF16.get(head[:2]) or ("utf-16-le" if head[1:2] == b"\0" else "utf-16-be" if head[:1] == b"\0" else None)
    if utf16:  # a page served as UTF-16: its markup is read as such
        head = head.decode(utf16, errors="replace").encode("utf-8")
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<!--")) or b"<html" in head:
        return "html"
    return "text"


def read_capped(path: Path, limit: int) -> bytes:
    """The file's bytes, never more than `limit` + 1 of them (a file over the limit shows it by its
    length, and is never read whole: a huge file, or /dev/zero, costs no memory)."""
    with path.open("rb") as f:
        return f.read(limit + 1)
