"""The raw store: every page as fetched, with where and when it came from.

Layout under `raw/`:
- any page file dropped in by hand (`raw/000_fdcefce654b14ab5.txt`): a page with no metadata;
- fetched pages: `raw/<host>/<path of the URL>/<sha256[:16]>.<html|txt>` with a sidecar
  `<same name>.meta.json` (url, final_url, status, headers, fetched_at, sha256). Every version fetched
  is kept; the parse stage serves the newest version of each URL that parses (the last good copy wins
  over a bad newer download, which is rejected with its reason).

Reading never leaves the raw folder: a symlink (or `..`) leading outside it is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from pipeline.errors import RunError
from pipeline.files import MAX_PAGE_BYTES, TMP_SUFFIX, sniff_format, write_atomic

META_SUFFIX = ".meta.json"
SKIP_NAMES = {".gitkeep", ".gitignore", "README.md", ".DS_Store"}


class Problem(NamedTuple):
    """Why a file under raw/ cannot be read as a page: `code` is `outside_raw` or `unreadable`."""

    code: str
    message: str


@dataclass(frozen=True)
class PageRef:
    path: Path  # absolute path of the page file
    rel: str  # path relative to the raw folder, with forward slashes
    url: str | None
    fetched_at: str | None
    problem: Problem | None = None  # why the page cannot be read
    older: tuple[PageRef, ...] = ()  # the earlier versions of the same URL, newest first


def list_pages(raw_dir: Path) -> list[PageRef]:
    """Every page to parse, sorted by relative path: the newest version of each fetched URL (with its
    earlier versions in `older`, to fall back on when it does not parse), and every page without
    metadata."""
    root = raw_dir.resolve()
    versions: dict[str, list[PageRef]] = {}
    loose: list[PageRef] = []
    for path, problem, has_meta in _walk(raw_dir, root, top=True):
        rel = _utf8(path.relative_to(raw_dir).as_posix())
        if rel is None:  # shown with its bytes escaped; the database and the records hold UTF-8 only
            rel = os.fsencode(path.relative_to(raw_dir).as_posix()).decode("utf-8", errors="backslashreplace")
            problem = Problem("unreadable", "its name is not UTF-8 text; rename the file (its bytes are shown escaped)")
        meta, bad = read_meta(path) if has_meta and not problem else ({}, None)
        if bad:  # loaded without it, the page would lose where and when it came from without a word
            problem = Problem("bad_metadata", bad)
        if meta.get("usable") is False:
            continue  # an error page the crawler kept for inspection; never a copy to serve
        url, fetched_at = meta.get("url"), meta.get("fetched_at")
        ref = PageRef(
            path=path,
            rel=rel,
            url=url if isinstance(url, str) and url else None,
            fetched_at=fetched_at if isinstance(fetched_at, str) else None,
            problem=problem,
        )
        if ref.url and not problem:
            versions.setdefault(ref.url, []).append(ref)
        else:
            loose.append(ref)
    served = []
    for refs in versions.values():
        newest, *older = sorted(refs, key=lambda r: (r.fetched_at or "", r.rel), reverse=True)
        served.append(replace(newest, older=tuple(older)))
    if any(ref.path.suffix == ".xlsx" for ref in served):  # a fetched workbook: the shipped copy is only the default
        loose = [ref for ref in loose if ref.problem is not None or ref.path.suffix.lower() != ".xlsx"]
    return sorted([*served, *loose], key=lambda r: r.rel)


def _walk(folder: Path, root: Path, top: bool = False):
    """(path, problem, whether its .meta.json is beside it) of every candidate page file under folder.
    Links are not followed: a linked file is read only when it resolves inside the raw folder, a linked
    folder is reported when it leads outside. A file that is not a link lies inside the raw folder, since
    no linked folder is walked, so only links are resolved."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        why = f"cannot be read ({exc.strerror or exc}); check its permissions"
        if top:
            raise RunError(f"the raw folder {folder} {why}") from None
        yield folder, Problem("unreadable", f"the folder {why}"), False
        return
    names = {e.name for e in entries}
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        path = folder / name
        has_meta = name + META_SUFFIX in names
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, root)
        elif entry.is_symlink():
            if entry.is_dir():
                problem = _outside(path, root, folder=True)
                if problem:
                    yield path, problem, False
            elif not _skipped(name):
                yield path, _outside(path, root), has_meta
        elif not _skipped(name):
            regular = entry.is_file(follow_symlinks=False)
            yield path, None if regular else Problem("unreadable", "is not a regular file"), has_meta


def _utf8(name: str) -> str | None:
    """A file name as UTF-8 text, whatever the locale's file system encoding (under `LC_ALL=C` a UTF-8 name
    comes as escaped bytes); None when its bytes are not UTF-8."""
    try:
        return os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _skipped(name: str) -> bool:
    return name in SKIP_NAMES or name.endswith((META_SUFFIX, TMP_SUFFIX))


def _outside(path: Path, root: Path, folder: bool = False) -> Problem | None:
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return Problem("unreadable", f"cannot be resolved ({exc.__class__.__name__}: a broken or looping link)")
    if not real.is_relative_to(root):
        return Problem("outside_raw", f"leads outside the raw folder (to {real}); only files inside {root} are read")
    if not folder and not real.is_file():
        return Problem("unreadable", "is not a regular file")
    return None


def read_meta(path: Path) -> tuple[dict, str | None]:
    """The metadata beside a page, and what is wrong with it (None: nothing): it cannot be read, it is not a JSON
    object, or its `url` or `fetched_at` is not text."""
    meta = path.with_name(path.name + META_SUFFIX)
    fix = f"; fix {meta.name} or remove it (the page is then read as one dropped in by hand)"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except OSError as exc:
        return {}, f"its metadata file {meta.name} cannot be read ({exc.strerror or exc}){fix}"
    except ValueError as exc:
        return {}, f"its metadata file {meta.name} is not valid JSON ({exc}){fix}"
    if not isinstance(data, dict):
        return {}, f"its metadata file {meta.name} is not a JSON object{fix}"
    wrong = [key for key in ("url", "fetched_at") if key in data and not isinstance(data[key], str | None)]
    if wrong:
        return {}, f"its metadata file {meta.name} has a {' and a '.join(wrong)} that is not text{fix}"
    return data, None


def sha256_file(path: Path) -> str | None:
    """The SHA-256 of the file's bytes; None when it cannot be read (the parse stage then rejects it
    as unreadable, with the reason). A file over the size of a page is never read whole: its hash is of what
    is read of it (`MAX_PAGE_BYTES` + 1 bytes) and of its size, enough to tell when it changes."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_PAGE_BYTES + 1)
            if len(data) <= MAX_PAGE_BYTES:
                return hashlib.sha256(data).hexdigest()
            size = os.fstat(f.fileno()).st_size
        return hashlib.sha256(data + f"\0size={size}".encode()).hexdigest()
    except OSError:
        return None


def page_dir(raw_dir: Path, url: str) -> Path:
    """raw/<host>/<path of the URL>: deterministic, and safe whatever the URL holds."""
    u = urlsplit(url)
    host = _safe(u.netloc.replace(":", "_")) or "unknown-host"
    parts = [_safe(p) for p in u.path.split("/") if p and p not in (".", "..")]
    return raw_dir.joinpath(host, *[p for p in parts if p] or ["index"])


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", part).strip(".")


def save_page(raw_dir: Path, url: str, body: bytes, meta: dict) -> Path:
    """Store a fetched version under its content hash; an unchanged page is not stored twice (its
    metadata is refreshed so that it counts as the newest version)."""
    sha = hashlib.sha256(body).hexdigest()
    folder = page_dir(raw_dir, url)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = {"html": ".html", "xlsx": ".xlsx"}.get(sniff_format(body), ".txt")
    path = folder / f"{sha[:16]}{suffix}"
    if not path.exists():
        write_atomic(path, body)
    meta = {**meta, "sha256": sha, "bytes": len(body)}
    write_atomic(path.with_name(path.name + META_SUFFIX), (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
    return path


def latest_meta(raw_dir: Path, url: str) -> dict:
    """Metadata of the newest usable stored version of a URL ({} when none)."""
    folder = page_dir(raw_dir, url)
    best: dict = {}
    for meta_path in folder.glob(f"*{META_SUFFIX}") if folder.is_dir() else ():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            meta.get("url") == url
            and meta.get("usable", True)
            and meta.get("fetched_at", "") >= best.get("fetched_at", "")
        ):
            best = meta
    return best


def held_copy(raw_dir: Path, url: str, meta: dict) -> bytes | None:
    """The bytes of the stored version `meta` describes (latest_meta's); None when it cannot be read."""
    sha = meta.get("sha256")
    if not isinstance(sha, str) or len(sha) < 16:
        return None
    for path in page_dir(raw_dir, url).glob(f"{sha[:16]}.*"):
        if not path.name.endswith((META_SUFFIX, TMP_SUFFIX)):
            try:
                return path.read_bytes()
            except OSError:
                return None
    return None


def note_seen_again(raw_dir: Path, url: str, meta: dict, when: str, sha256: str) -> None:
    """The held version was served again with the same text (other bytes, such as a per-request token): noted in
    its metadata, nothing stored; `fetched_at` stays, so the raw store's inputs do not change."""
    sha = meta.get("sha256")
    for meta_path in page_dir(raw_dir, url).glob(f"{str(sha)[:16]}.*{META_SUFFIX}"):
        noted = {**meta, "seen_again_at": when, "seen_again_sha256": sha256}
        write_atomic(meta_path, (json.dumps(noted, indent=1, sort_keys=True) + "\n").encode())
