"""The extracted folder: one record JSON per page, and a manifest that lets re-runs skip work.

`extracted/<raw path, percent-encoded>.record.json` holds a page's record
(`2023%2Fbelgium.txt.record.json`); a page with errors is written as `<name>.rejected.json` beside the
good ones. `extracted/manifest.json` maps each raw page to its content hash, its record file and the
parser version that wrote it: a page whose hash and parser version are unchanged is not parsed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from pipeline.files import write_atomic

MANIFEST = "manifest.json"
log = logging.getLogger(__name__)


# What turns a page into a record: the extract package, and the shared modules and data it reads.
PARSER_SOURCES = ("extract", "catalog.py", "errors.py", "files.py", "data")


@cache
def parser_version() -> str:
    """A hash of the code and data that turn a page into a record: it changes when the parser does."""
    return _sources_hash(PARSER_SOURCES)


@cache
def pipeline_version() -> str:
    """A hash of all the code and data: it changes when anything that makes the tables does."""
    return _sources_hash((".",))


def _sources_hash(sources: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    root = Path(str(resources.files("pipeline")))
    for source in sources:
        path = root / source
        files = sorted(f for f in path.rglob("*") if f.suffix in (".py", ".csv")) if path.is_dir() else [path]
        for file in files:
            h.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return h.hexdigest()[:16]


def record_name(rel: str, rejected: bool) -> str:
    """The record's file name: the page's path under raw/ with `/`, `%`, control characters and every character
    beyond ASCII percent-encoded (`/` as `%2F`, `é` as `%C3%A9`: a name any file system and locale can hold),
    then `.record.json` or `.rejected.json`. One name per path and state, and one path per name:
    `2023/belgium.txt`, `2023__belgium.txt` and `2023/belgium.html` have a record each. A name that would be
    over 255 bytes (the limit of most file systems) keeps its start and ends with a hash of the whole path."""
    suffix = ".rejected.json" if rejected else ".record.json"
    name = "".join(_escaped(c) for c in rel)
    if len(name) + len(suffix) > MAX_NAME:
        digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        name = f"{name[: MAX_NAME - len(suffix) - 17]}~{digest}"
    return name + suffix


MAX_NAME = 255


def _escaped(c: str) -> str:
    if c.isascii() and c not in "%/\\" and c.isprintable():
        return c
    return "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogateescape"))


def write_record(folder: Path, rel: str, data: bytes, rejected: bool) -> tuple[str, str]:
    """Write a page's record (`data`: its compact JSON, a line; replaced atomically) unless the file already
    holds exactly that (a re-parse after a parser change mostly gives the same records: no new file, no
    rewrite); returns its file name and the SHA-256 of its bytes (the manifest keeps it: an edited record is
    not reused)."""
    name = record_name(rel, rejected)
    path = folder / name
    try:
        same = path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        same = False
    if not same:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    (folder / record_name(rel, not rejected)).unlink(missing_ok=True)
    return name, hashlib.sha256(data).hexdigest()


def safe_name(folder: Path, name: object) -> bool:
    """Whether a record file name read from the manifest names a record inside the folder: a plain
    `*.json` name, never a path (`/tmp/x`, `../x`), never the manifest itself."""
    if not isinstance(name, str) or not name.endswith(".json") or name == MANIFEST or name.startswith("."):
        return False
    # no separator, no leading dot: a name inside the folder (a link there is removed, never followed,
    # and what it leads to is hashed before it is trusted)
    return "/" not in name and "\\" not in name and "\0" not in name


@dataclass(frozen=True)
class Entry:
    sha256: str  # of the page
    file: str  # the record's file name in the folder
    rejected: bool
    record_sha256: str = ""  # of the record file's bytes as written


class RecordStore:
    def __init__(self, folder: Path):
        self.folder = folder
        self.previous = self._read_manifest()
        self.current: dict[str, Entry] = {}

    def _read_manifest(self) -> dict[str, Entry]:
        """The previous run's entries; `self.fresh` says whether the same parser version wrote them."""
        self.fresh = False
        try:
            data = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or not isinstance(data.get("pages"), dict):
            return {}  # a manifest of another shape is no manifest: everything is parsed again
        self.fresh = data.get("parser_version") == parser_version()
        out = {}
        for rel, e in data["pages"].items():
            if not (isinstance(e, dict) and isinstance(e.get("sha256"), str) and safe_name(self.folder, e.get("file"))):
                log.warning("%s: ignoring a malformed manifest entry for %r (its file is never touched)", MANIFEST, rel)
                continue
            out[rel] = Entry(e["sha256"], e["file"], bool(e.get("rejected")), str(e.get("record_sha256") or ""))
        return out

    def cached(self, rel: str, sha256: str) -> Entry | None:
        """The record written for this page content by this parser version, if any."""
        entry = self.previous.get(rel)
        if not self.fresh or entry is None or entry.sha256 != sha256 or not entry.record_sha256:
            return None
        return entry

    def covers(self, hashes: dict[str, str], pages: list[str]) -> bool:
        """True when this parser version wrote a record for each of `pages` and every record the manifest
        lists is of a file under raw/ as it is now (`hashes`: by path)."""
        return (
            self.fresh
            and all(hashes.get(rel) == e.sha256 for rel, e in self.previous.items())
            and all(rel in self.previous for rel in pages)
        )

    def add(self, rel: str, sha256: str, file: str, record_sha256: str) -> None:
        self.current[rel] = Entry(sha256, file, file.endswith(".rejected.json"), record_sha256)

    def keep(self, rels: Iterable[str]) -> None:
        """The records of these pages (not staged by this run: unchanged) stay listed."""
        for rel in rels:
            if rel in self.previous:
                self.current[rel] = self.previous[rel]

    def keep_all(self) -> None:
        self.current = dict(self.previous)

    def finish(self) -> None:
        """Remove record files of pages no longer under raw/, and write the manifest."""
        live = {e.file for e in self.current.values()}
        for entry in self.previous.values():
            if entry.file not in live:
                (self.folder / entry.file).unlink(missing_ok=True)
        # a page a line, each encoded by the C encoder (json.dumps with `indent` is pure Python)
        pages = ",\n".join(
            f" {json.dumps(rel)}: "
            + json.dumps({"sha256": e.sha256, "file": e.file, "rejected": e.rejected, "record_sha256": e.record_sha256})
            for rel, e in sorted(self.current.items())
        )
        text = f'{{"parser_version": {json.dumps(parser_version())},\n"pages": {{\n{pages}\n}}}}\n'
        data = text.encode("utf-8")
        try:
            if (self.folder / MANIFEST).read_bytes() == data:
                return  # a run with nothing new: the manifest says the same
        except OSError:
            pass
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / MANIFEST, data)
