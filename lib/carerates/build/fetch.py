"""Put the raw files in ``data/raw/``, each checked against its published SHA-256.

Run as ``python -m carerates.build.fetch`` (what ``make data`` calls):

- default: copy every file listed in the mirror's ``SHA256SUMS`` (the mirror is
  ``../shared/data`` beside the repository, or ``$CARERATES_DATA_MIRROR``, or
  ``--mirror DIR``) into ``data/raw/``, plus the mirror's ``README.md``,
  ``ORIGINS.csv`` and ``SHA256SUMS`` (its documentation);
- ``--download``: without the mirror, fetch each file from the public copy named in
  the committed ``data/sources.csv`` (``$CARERATES_DOWNLOAD_BASE`` replaces
  ``https://raw.githubusercontent.com``, for tests or another host);
- ``--verify``: hash every file in ``data/raw/`` and report each one that is
  missing or differs, against the mirror's ``SHA256SUMS`` (or, without a mirror or
  with ``--download``, against ``data/sources.csv``); copies nothing;
- ``--if-changed`` (what ``make`` runs before the ingest, every time): fetch again
  only if the origin (mirror folder or download host), the mirror's ``SHA256SUMS``,
  ``data/sources.csv`` or a raw file changed since the last verified fetch; takes
  milliseconds when nothing did (see ``stale_reason``).

The mirror's ``SHA256SUMS`` must list exactly the files of ``data/sources.csv``
with the same checksums: a file in one list only, or with another checksum, stops
the copy naming it (a mirror missing a file, or holding a different release).

Every file is written to a temporary file in its destination folder, its size and
SHA-256 are checked, and only then is it renamed into place: a failure leaves the
previous file (if any) untouched and no temporary file behind. A file already in
``data/raw/`` with the right checksum is not copied again; a small state file
(``data/raw/.fetch-state.json``: size, modification time and verified checksum of
each file, plus the origin and the checksums of the lists) lets a second run skip
hashing unchanged files, so it takes milliseconds. A file whose size or modification time changed since it was verified
is hashed again, and replaced from the source if it no longer matches.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable

from ..errors import DataError
from ..paths import DATA, RAW, ROOT, case_twin

#: Where the public copies live; ``$CARERATES_DOWNLOAD_BASE`` replaces it.
DEFAULT_DOWNLOAD_BASE = "https://raw.githubusercontent.com"
#: The mirror's own documentation, copied verbatim beside the raw files.
MIRROR_DOCS = ("README.md", "ORIGINS.csv", "SHA256SUMS")
#: Committed list of the raw files, their origin and checksum (for ``--download``).
SOURCES = DATA / "sources.csv"
#: ``official_page``: the publisher's page for the release, or (where the release's own address
#: could not be confirmed) the official series or site page that lists it, followed by the words
#: "address not confirmed"; or, for a file compiled for the mirror, "none: compiled ...". The
#: ``repository``/``commit``/``path``/``url`` columns name the public copy actually fetched.
SOURCE_COLUMNS = [
    "file", "publisher", "release", "holds", "licence", "official_page",
    "repository", "commit", "path", "url", "sha256", "bytes",
]
STATE_NAME = ".fetch-state.json"
_TMP_SUFFIX = ".fetch-tmp"
_CHUNK = 1 << 20
_SHA = re.compile(r"^[0-9a-f]{64}$")
#: The checksum of zero bytes: a list giving it for a release lists an empty file.
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class Entry:
    """One raw file: its path under ``data/raw/``, checksum and (if known) size and URL."""

    file: str
    sha256: str
    size: int | None = None
    url: str = ""


@dataclass
class Report:
    """What a run did: files written, files already up to date, problems met."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # were present but differed
    problems: list[DataError] = field(default_factory=list)

    def raise_problems(self) -> None:
        """Raise the one problem, or one DataError listing them all.

        Files that failed for the very same reason (e.g. a host that did not answer)
        are listed on one line, so the summary stays short.
        """
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            groups: dict[str, list[DataError]] = {}
            for problem in self.problems:
                groups.setdefault(problem.problem, []).append(problem)
            lines = []
            for text, members in groups.items():
                if len(members) > 3:
                    names = ", ".join(Path(str(m.path)).name for m in members[:3])
                    lines.append(f"  - {len(members)} files ({names}, ...): {text}")
                else:
                    lines.extend(f"  - {m}" for m in members)
            body = "\n".join(lines)
            raise DataError(None, f"{len(self.problems)} raw files failed:\n{body}")


# --------------------------------------------------------------------------- manifests

def default_mirror() -> Path:
    """``$CARERATES_DATA_MIRROR`` or ``../shared/data`` beside the repository."""
    env = os.environ.get("CARERATES_DATA_MIRROR")
    return Path(env).resolve() if env else (ROOT.parent / "shared" / "data").resolve()


def _check_relpath(rel: str, where: Path) -> str:
    """A manifest path must stay inside ``data/raw/`` (no absolute path, no ``..``)."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or ".." in pure.parts or "\\" in rel:
        raise DataError(where, f"unsafe or empty file path {rel!r}")
    if (len(pure.parts) == 1 and pure.name in MIRROR_DOCS) or pure.name == STATE_NAME:
        raise DataError(where, f"file path {rel!r} clashes with the mirror's own files")
    return str(pure)


def read_sha256sums(path: str | Path) -> list[Entry]:
    """Entries of a ``sha256sum``-format file (``<hex>  <path>`` or ``<hex> *<path>``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "checksum list is missing (is the mirror there? see --mirror, --download)")
    entries: dict[str, Entry] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        match = re.match(r"^([0-9a-fA-F]{64}) [ *](.+)$", line)
        if not match:
            raise DataError(path, f"line {number} is not '<sha256>  <file>': {line!r}")
        rel = _check_relpath(match.group(2), path)
        if rel in entries:
            raise DataError(path, f"line {number}: {rel} is listed twice")
        entries[rel] = Entry(rel, match.group(1).lower())
    if not entries:
        raise DataError(path, "lists no files")
    return sorted(entries.values(), key=lambda e: e.file)


def read_sources(path: str | Path = SOURCES) -> list[Entry]:
    """Entries of ``data/sources.csv`` (file, sha256, bytes, url)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "list of sources is missing")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("file", "sha256", "bytes", "url") if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(path, f"expected column(s) {missing} not found; columns are {reader.fieldnames}")
        entries: dict[str, Entry] = {}
        for number, row in enumerate(reader, start=2):
            rel = _check_relpath(row["file"], path)
            sha = row["sha256"].strip().lower()
            if not _SHA.match(sha):
                raise DataError(path, f"line {number} ({rel}): sha256 {row['sha256']!r} is not 64 hex digits")
            try:
                size = int(row["bytes"]) if row["bytes"].strip() else None
            except ValueError:
                raise DataError(path, f"line {number} ({rel}): bytes {row['bytes']!r} is not a whole number") from None
            if rel in entries:
                raise DataError(path, f"line {number}: {rel} is listed twice")
            entries[rel] = Entry(rel, sha, size, row["url"].strip())
    if not entries:
        raise DataError(path, "lists no files")
    return sorted(entries.values(), key=lambda e: e.file)


def _known_sizes(sources: str | Path | None) -> dict[tuple[str, str], int]:
    """Sizes from ``sources.csv`` keyed by (file, sha256), to say "size differs" on truncation."""
    if sources is None or not Path(sources).is_file():
        return {}
    try:
        return {(e.file, e.sha256): e.size for e in read_sources(sources) if e.size is not None}
    except DataError:
        return {}


# --------------------------------------------------------------------------- hashing and state

def sha256_of(path: str | Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _mismatch(entry: Entry, sha: str, size: int, manifest: str) -> str | None:
    """What is wrong with bytes of this checksum and size, or None if they are right."""
    if size == 0 and sha != entry.sha256:
        return f"is empty (0 bytes); {manifest} expects {entry.size if entry.size is not None else 'some'} bytes"
    if entry.size is not None and size != entry.size:
        return (f"size differs from {manifest}: expected {entry.size} bytes, got {size} "
                f"(sha256 expected {entry.sha256}, got {sha})")
    if sha != entry.sha256:
        return f"checksum differs from {manifest}: expected sha256 {entry.sha256}, got {sha} ({size} bytes)"
    return None


class _State:
    """``data/raw/.fetch-state.json``: where the files came from, and what was verified.

    ``{"origin": "mirror:<folder>" or "download:<base>", "manifests": {name: sha256},
    "files": {file: [size, mtime_ns, verified sha256]}}``. ``manifests`` holds the
    checksums of the lists the files were checked against (the mirror's SHA256SUMS,
    data/sources.csv), so a changed list or origin is noticed without hashing data.
    """

    def __init__(self, dest: Path):
        self.path = dest / STATE_NAME
        self.origin, self.manifests = None, {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            files = data.get("files", data)  # the first format held the files only
            self.files = {k: list(v) for k, v in files.items() if isinstance(v, list) and len(v) == 3}
            if "files" in data:
                self.origin = data.get("origin")
                self.manifests = dict(data.get("manifests") or {})
        except (OSError, ValueError, AttributeError, TypeError):
            self.files = {}
        self.dirty = False

    def set_origin(self, origin: str, manifests: dict[str, str]) -> None:
        if origin != self.origin or manifests != self.manifests:
            self.origin, self.manifests = origin, dict(manifests)
            self.dirty = True

    def is_current(self, target: Path, entry: Entry) -> bool:
        """True if the file was verified with this checksum and has not changed since."""
        record = self.files.get(entry.file)
        if record is None or record[2] != entry.sha256:
            return False
        try:
            st = target.stat()
        except OSError:
            return False
        return [st.st_size, st.st_mtime_ns] == record[:2]

    def remember(self, target: Path, entry: Entry) -> None:
        st = target.stat()
        record = [st.st_size, st.st_mtime_ns, entry.sha256]
        if self.files.get(entry.file) != record:
            self.files[entry.file] = record
            self.dirty = True

    def forget(self, entry: Entry) -> None:
        if self.files.pop(entry.file, None) is not None:
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        text = json.dumps({"origin": self.origin, "manifests": self.manifests, "files": self.files},
                          indent=0, sort_keys=True)
        _atomic_bytes(self.path, text.encode("utf-8"), mode=0o644)
        self.dirty = False


# --------------------------------------------------------------------------- atomic writes

def _atomic_bytes(target: Path, data: bytes, mode: int = 0o444) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=_TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _install(source: BinaryIO, target: Path, entry: Entry, manifest: str,
             where: Path, what: str = "") -> None:
    """Stream ``source`` into a temporary file beside ``target``; verify; rename into place.

    The bytes are hashed as they are written; if their size or checksum is wrong the
    temporary file is removed, ``target`` is left as it was, and a DataError names
    ``where`` (the mirror's file, or the target of a download), prefixed by ``what``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=_TMP_SUFFIX)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as handle:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
        problem = _mismatch(entry, digest.hexdigest(), size, manifest)
        if problem:
            raise DataError(where, f"{what}{problem}; {entry.file} not copied")
        os.chmod(tmp, 0o444)  # raw inputs are read-only, like the mirror
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- the three modes

def _sync(entries: Iterable[Entry], dest: Path, fetch_one: Callable[[Entry, Path], None],
          manifest: str, origin: str | None = None, manifests: dict[str, str] | None = None,
          report: Report | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Bring every entry up to date in ``dest``, calling ``fetch_one`` where needed.

    ``origin`` and ``manifests`` are recorded in the state file (``manifests`` only
    if every file is in place, so a failed run is retried by the next quick check).
    ``progress``, if given, is called with one line per file fetched or failed.
    """
    report = report if report is not None else Report()
    state = _State(dest)
    entries = list(entries)
    try:
        for number, entry in enumerate(entries, start=1):
            target = dest / entry.file
            if state.is_current(target, entry):
                report.unchanged.append(entry.file)
                continue
            present = target.is_file()
            if present:
                sha, size = sha256_of(target)
                if _mismatch(entry, sha, size, manifest) is None:
                    state.remember(target, entry)
                    report.unchanged.append(entry.file)
                    continue
            state.forget(entry)
            started = time.monotonic()
            try:
                fetch_one(entry, target)
            except DataError as err:
                report.problems.append(err)
                if progress:
                    progress(f"[{number}/{len(entries)}] {entry.file}: FAILED ({err.problem})")
                continue
            state.remember(target, entry)
            (report.replaced if present else report.written).append(entry.file)
            if progress:
                progress(f"[{number}/{len(entries)}] {entry.file}: ok "
                         f"({target.stat().st_size:,} bytes, {time.monotonic() - started:.1f} s)")
    finally:
        if origin is not None:
            state.set_origin(origin, (manifests or {}) if not report.problems else {})
        state.save()
    return report


def _sha_of_file(path: Path) -> str:
    """The checksum of a small list (SHA256SUMS, sources.csv); "" if it is absent."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _cross_check(listed: list[Entry], sources: Path, mirror: Path) -> tuple[list[DataError], set[str]]:
    """The mirror's SHA256SUMS against data/sources.csv: the same files with the same checksums.

    Returns one problem per file that is in only one list or whose checksums differ,
    and the set of those files (not to be copied).
    """
    known = {e.file: e for e in read_sources(sources)}
    mirrored = {e.file: e for e in listed}
    sums, name = mirror / "SHA256SUMS", _display(sources)
    problems = []
    for rel in sorted(set(known) - set(mirrored)):
        where = "absent from the mirror and from" if not (mirror / rel).exists() else "not listed in"
        problems.append(DataError(mirror / rel, f"listed in {name} but {where} the mirror's SHA256SUMS "
                                                f"({sums}): the mirror is incomplete"))
    for rel in sorted(set(mirrored) - set(known)):
        problems.append(DataError(mirror / rel, f"in the mirror's SHA256SUMS but not listed in {name} "
                                                "(add it there with its origin and checksum, or remove it)"))
    for rel in sorted(set(known) & set(mirrored)):
        if known[rel].sha256 != mirrored[rel].sha256 and (mirrored[rel].sha256 == EMPTY_SHA256
                                                           or (mirror / rel).is_file()
                                                           and (mirror / rel).stat().st_size == 0):
            problems.append(DataError(mirror / rel, f"is empty (0 bytes) in the mirror, and the mirror's SHA256SUMS "
                                                    f"gives the checksum of an empty file; {name} expects "
                                                    f"{known[rel].size if known[rel].size is not None else 'some'} "
                                                    "bytes: restore the file in the mirror (and its line in "
                                                    "SHA256SUMS), or use --download"))
        elif known[rel].sha256 != mirrored[rel].sha256:
            problems.append(DataError(mirror / rel, f"the mirror's SHA256SUMS gives sha256 {mirrored[rel].sha256}, "
                                                    f"{name} gives {known[rel].sha256}: a different release?"))
    return problems, {Path(str(p.path)).relative_to(mirror).as_posix() for p in problems}


def mirror_origin(mirror: Path) -> str:
    return f"mirror:{Path(mirror).resolve()}"


def download_origin(base: str | None = None) -> str:
    base = base if base is not None else os.environ.get("CARERATES_DOWNLOAD_BASE")
    return f"download:{(base or DEFAULT_DOWNLOAD_BASE).rstrip('/')}"


def copy_from_mirror(mirror: str | Path | None = None, dest: str | Path = RAW,
                     sources: str | Path | None = SOURCES) -> Report:
    """Copy every file of the mirror's SHA256SUMS (and its documentation) into ``dest``.

    Problems (a file missing in the mirror, a size or checksum that differs) are
    collected in the returned report, one per file; call ``report.raise_problems()``.
    ``sources`` (``data/sources.csv``; None to skip) must list exactly the mirror's
    files with the same checksums: a file in one list only, or with another checksum,
    is a problem naming it and is not copied. It also supplies expected sizes.
    """
    mirror = Path(mirror).resolve() if mirror is not None else default_mirror()
    dest = Path(dest)
    if not mirror.is_dir():
        raise DataError(mirror, "data mirror not found (set CARERATES_DATA_MIRROR or --mirror, "
                                "or use --download to fetch the public copies)")
    sizes = _known_sizes(sources)
    entries = [Entry(e.file, e.sha256, sizes.get((e.file, e.sha256)))
               for e in read_sha256sums(mirror / "SHA256SUMS")]
    report = Report()
    manifests = {"SHA256SUMS": _sha_of_file(mirror / "SHA256SUMS")}
    if sources is not None:
        sources = Path(sources)
        report.problems, disagree = _cross_check(entries, sources, mirror)
        entries = [e for e in entries if e.file not in disagree]
        manifests["sources.csv"] = _sha_of_file(sources)

    def copy_one(entry: Entry, target: Path) -> None:
        origin = mirror / entry.file
        if not origin.is_file():
            twin = case_twin(origin)
            if twin is not None:
                raise DataError(origin, f"missing in the mirror, but {twin.name} differs from its name only in "
                                        "case (file names are case-sensitive): rename it back to "
                                        f"{origin.name} in the mirror")
            raise DataError(origin, f"missing in the mirror (listed in {mirror / 'SHA256SUMS'})")
        with origin.open("rb") as handle:
            _install(handle, target, entry, "SHA256SUMS", origin)

    report = _sync(entries, dest, copy_one, "SHA256SUMS", mirror_origin(mirror), manifests, report)
    for name in MIRROR_DOCS:
        origin, target = mirror / name, dest / name
        if not origin.is_file():
            report.problems.append(DataError(origin, "missing in the mirror"))
            continue
        data = origin.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        _atomic_bytes(target, data)
        report.written.append(name)
    return report


def _download_url(entry: Entry, base: str | None) -> str:
    base = base if base is not None else os.environ.get("CARERATES_DOWNLOAD_BASE")
    if base and entry.url.startswith(DEFAULT_DOWNLOAD_BASE + "/"):
        return base.rstrip("/") + entry.url[len(DEFAULT_DOWNLOAD_BASE):]
    return entry.url


#: Seconds to wait for a host to connect or send the next bytes (``$CARERATES_DOWNLOAD_TIMEOUT``).
DOWNLOAD_TIMEOUT = 15.0
#: After this many consecutive timeouts or refused connections, a host's other files are skipped.
GIVE_UP_AFTER = 2


def download(dest: str | Path = RAW, sources: str | Path = SOURCES, base: str | None = None,
             timeout: float | None = None, progress: Callable[[str], None] | None = None) -> Report:
    """Fetch every file of ``sources.csv`` from its public URL into ``dest``, verified.

    ``base`` (default ``$CARERATES_DOWNLOAD_BASE``) replaces
    ``https://raw.githubusercontent.com`` at the start of each URL. Each request
    waits at most ``timeout`` seconds (default ``$CARERATES_DOWNLOAD_TIMEOUT`` or
    ``DOWNLOAD_TIMEOUT``) for the connection and for each block of data; once a host
    has failed to answer ``GIVE_UP_AFTER`` times in a row, its remaining files are
    reported as not tried instead of each waiting in turn. ``progress`` gets one
    line per file fetched or failed.
    """
    import http.client
    import socket
    import urllib.error
    import urllib.parse
    import urllib.request

    dest = Path(dest)
    entries = read_sources(sources)
    if timeout is None:
        timeout = float(os.environ.get("CARERATES_DOWNLOAD_TIMEOUT") or DOWNLOAD_TIMEOUT)
    silent: dict[str, int] = {}  # host -> consecutive failures to answer

    def download_one(entry: Entry, target: Path) -> None:
        if not entry.url:
            raise DataError(target, "has no public download address (it was compiled for the "
                                    "data mirror; get it from the mirror: set CARERATES_DATA_MIRROR "
                                    "or --mirror and run without --download)")
        url = _download_url(entry, base)
        host = urllib.parse.urlsplit(url).netloc
        if silent.get(host, 0) >= GIVE_UP_AFTER:
            raise DataError(target, f"not tried: {host} did not answer the last {silent[host]} requests")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                _install(response, target, entry, Path(sources).name, target,
                         f"downloaded from {url}: ")
        except urllib.error.HTTPError as err:
            silent[host] = 0
            raise DataError(target, f"download from {url} failed: HTTP {err.code} {err.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, (socket.timeout, TimeoutError, ConnectionError)) or "timed out" in str(reason):
                silent[host] = silent.get(host, 0) + 1
                reason = f"no answer within {timeout:g} s ({reason})"
            raise DataError(target, f"download from {url} failed: {reason}") from None
        silent[host] = 0

    return _sync(entries, dest, download_one, Path(sources).name, download_origin(base),
                 {"sources.csv": _sha_of_file(Path(sources))}, progress=progress)


def verify(dest: str | Path = RAW, entries: Iterable[Entry] | None = None,
           manifest: str = "SHA256SUMS", mirror: str | Path | None = None) -> Report:
    """Hash every listed file in ``dest`` (ignoring the state file); copy nothing.

    Each missing or differing file is a problem in the report. If ``mirror`` is
    given, the copied documentation files are also compared with the mirror's.
    """
    dest = Path(dest)
    report = Report()
    state = _State(dest)
    for entry in entries or []:
        target = dest / entry.file
        if not target.is_file():
            twin = case_twin(target)
            report.problems.append(DataError(target, "missing (run `make data`)" if twin is None else
                                             f"missing, but {twin.name} differs from its name only in case "
                                             f"(file names are case-sensitive): rename it back to {target.name}, "
                                             "or delete it and run `make data`"))
            continue
        sha, size = sha256_of(target)
        problem = _mismatch(entry, sha, size, manifest)
        if problem:
            state.forget(entry)
            report.problems.append(DataError(target, f"{problem} (run `make data` to restore it)"))
        else:
            state.remember(target, entry)
            report.unchanged.append(entry.file)
    if mirror is not None:
        for name in MIRROR_DOCS:
            target = dest / name
            if not target.is_file():
                report.problems.append(DataError(target, "missing (run `make data`)"))
            elif (Path(mirror) / name).is_file() and target.read_bytes() != (Path(mirror) / name).read_bytes():
                report.problems.append(DataError(target, f"differs from the mirror's {name} (run `make data`)"))
    state.save()
    return report


# --------------------------------------------------------------------------- quick check

def stale_reason(dest: str | Path = RAW, sources: str | Path = SOURCES,
                 mirror: str | Path | None = None) -> tuple[str | None, bool]:
    """Why ``dest`` needs fetching again, or None; and whether its files were downloaded.

    Cheap enough to run before every ``make all`` (milliseconds): compares the origin
    (the mirror's folder, or the download host) and the checksums of the two small
    lists (the mirror's SHA256SUMS, data/sources.csv) with those recorded by the last
    fetch, then each listed file's size and modification time with the state; only a
    file whose size or time differs is hashed. A file touched without a change is
    re-recorded without changing the state file's own time (make's stamp).
    """
    dest, sources = Path(dest), Path(sources)
    state = _State(dest)
    if not state.files or state.origin is None:
        return "no record of a verified fetch", False
    downloaded = state.origin.startswith("download:") and mirror is None \
        and not os.environ.get("CARERATES_DATA_MIRROR")
    manifests = {"sources.csv": _sha_of_file(sources)}
    if downloaded:
        origin, entries = download_origin(), read_sources(sources)
    else:
        folder = Path(mirror).resolve() if mirror is not None else default_mirror()
        origin = mirror_origin(folder)
        manifests["SHA256SUMS"] = _sha_of_file(folder / "SHA256SUMS")
        if not manifests["SHA256SUMS"]:
            if mirror is not None or os.environ.get("CARERATES_DATA_MIRROR"):
                return f"the data mirror {folder} has no SHA256SUMS", False
            # The default mirror is gone (moved or never there): the files fetched before
            # are still checked, against data/sources.csv, and used if they are unchanged.
            origin, entries = state.origin, read_sources(sources)
            manifests = {"sources.csv": manifests["sources.csv"],
                         **{k: v for k, v in state.manifests.items() if k != "sources.csv"}}
        else:
            entries = read_sha256sums(folder / "SHA256SUMS")
    if origin != state.origin:
        return f"the data source changed from {state.origin.split(':', 1)[1]} to {origin.split(':', 1)[1]}", downloaded
    if manifests != state.manifests:
        changed = sorted(k for k in manifests if manifests[k] != state.manifests.get(k))
        return f"{' and '.join(changed)} changed since the last fetch", downloaded
    for entry in entries:
        target = dest / entry.file
        if state.is_current(target, entry):
            continue
        if not target.is_file():
            twin = case_twin(target)
            renamed = f" ({twin.name} beside it differs only in case: a renamed copy)" if twin is not None else ""
            return f"{entry.file} is missing from {_display(dest)}{renamed}", downloaded
        sha, size = sha256_of(target)
        if sha != entry.sha256:
            return (f"{entry.file} was changed after it was verified (sha256 {sha}, {size} bytes; "
                    f"expected {entry.sha256})", downloaded)
        state.remember(target, entry)  # touched, same bytes
    if state.dirty:
        before = state.path.stat()
        state.save()
        os.utime(state.path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return None, downloaded


# --------------------------------------------------------------------------- command line

def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carerates.build.fetch", description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", type=Path, default=None,
                        help="folder holding SHA256SUMS and the raw files "
                             "(default $CARERATES_DATA_MIRROR or ../shared/data)")
    parser.add_argument("--dest", type=Path, default=RAW, help="where the raw files go (default data/raw)")
    parser.add_argument("--download", action="store_true",
                        help="fetch the public copies listed in data/sources.csv instead of copying the mirror")
    parser.add_argument("--verify", action="store_true",
                        help="hash every file in --dest and report the missing or altered ones; copy nothing")
    parser.add_argument("--sources", type=Path, default=SOURCES, help="the list of sources (default data/sources.csv)")
    parser.add_argument("--if-changed", action="store_true",
                        help="quick check (what make runs before the ingest): fetch only if the origin, "
                             "the lists or a file changed since the last verified fetch; else do nothing")
    args = parser.parse_args(argv)
    dest = args.dest
    try:
        if args.if_changed:
            reason, downloaded = stale_reason(dest, args.sources, args.mirror)
            if reason is None:
                return 0
            print(f"{_display(dest)}: {reason}; fetching again")
            args.download = args.download or downloaded
        if args.verify:
            mirror = args.mirror.resolve() if args.mirror else default_mirror()
            if not args.download and (mirror / "SHA256SUMS").is_file():
                entries, against = read_sha256sums(mirror / "SHA256SUMS"), mirror / "SHA256SUMS"
                report = verify(dest, entries, "SHA256SUMS", mirror=mirror)
                report.problems[:0] = _cross_check(entries, args.sources, mirror)[0]
            else:
                entries, against = read_sources(args.sources), args.sources
                report = verify(dest, entries, args.sources.name)
            report.raise_problems()
            print(f"{_display(dest)}: all {len(entries)} raw files match {_display(against)}")
            return 0
        if args.download:
            def progress(line: str) -> None:
                print(line, flush=True)
            print(f"downloading the public copies listed in {_display(args.sources)} "
                  f"(each request times out after "
                  f"{float(os.environ.get('CARERATES_DOWNLOAD_TIMEOUT') or DOWNLOAD_TIMEOUT):g} s)", flush=True)
            report = download(dest, args.sources, progress=progress)
            origin = "public copies (data/sources.csv)"
        else:
            report = copy_from_mirror(args.mirror, dest, args.sources)
            origin = _display(args.mirror.resolve() if args.mirror else default_mirror())
            for name in report.replaced:
                print(f"replaced {name} (it differed from its checksum)")
            for name in report.written:
                print(f"wrote {name}")
        failed = f", {len(report.problems)} failed" if report.problems else ""
        print(f"{_display(dest)}: {len(report.written) + len(report.replaced)} written, "
              f"{len(report.unchanged)} already up to date{failed} (from {origin})", flush=True)
        report.raise_problems()
        return 0
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
