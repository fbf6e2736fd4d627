"""carerates.build.fetch on a small fake mirror and a loopback HTTP server built in tmp_path."""
from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import os
import threading
from pathlib import Path

import pytest

from carerates.build import fetch
from carerates.errors import DataError

FILES = {
    "cla/LA_tables.xlsx": b"PK\x03\x04 fake workbook bytes " * 50,
    "cla/underlying/2017_CLA.csv": b"LA,CLA_Mar2017\n805,165\n806,x\n",
    "workforce/with space (1).csv": b"la,fte\n805,12.5\n",
    "lookups/compiled.csv": b"district,county\nE07000001,E10000001\n",
}
COMPILED = "lookups/compiled.csv"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_mirror(root: Path, files: dict[str, bytes] = FILES) -> Path:
    mirror = root / "mirror"
    for rel, data in files.items():
        (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
        (mirror / rel).write_bytes(data)
    sums = "".join(f"{sha(data)}  {rel}\n" for rel, data in sorted(files.items()))
    (mirror / "SHA256SUMS").write_text(sums)
    (mirror / "README.md").write_text("# fake mirror\n")
    (mirror / "ORIGINS.csv").write_text("file,repository,commit,path\n")
    return mirror


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".fetch-tmp")]


@pytest.fixture
def mirror(tmp_path):
    return make_mirror(tmp_path)


@pytest.fixture(autouse=True)
def sources_csv(tmp_path, monkeypatch):
    """A data/sources.csv listing FILES (the default of --sources in these tests)."""
    path = tmp_path / "sources.csv"
    write_sources(path, urls={})
    monkeypatch.setattr(fetch, "SOURCES", path)
    return path


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "raw"


# ----------------------------------------------------------------------------- copy mode

def test_copy_puts_every_file_and_the_docs_in_place(mirror, dest, capsys):
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 0
    for rel, data in FILES.items():
        assert (dest / rel).read_bytes() == data
        assert (dest / rel).stat().st_mode & 0o222 == 0  # read-only, like the mirror
    for name in fetch.MIRROR_DOCS:
        assert (dest / name).read_bytes() == (mirror / name).read_bytes()
    assert leftovers(dest) == []
    assert f"{len(FILES) + 3} written, 0 already up to date" in capsys.readouterr().out


def test_second_run_is_a_no_op_without_hashing(mirror, dest, monkeypatch):
    first = fetch.copy_from_mirror(mirror, dest, sources=None)
    assert sorted(first.written) == sorted([*FILES, *fetch.MIRROR_DOCS])
    mtimes = {rel: (dest / rel).stat().st_mtime_ns for rel in FILES}

    def no_hashing(path):
        raise AssertionError(f"{path} was hashed although unchanged")

    monkeypatch.setattr(fetch, "sha256_of", no_hashing)
    second = fetch.copy_from_mirror(mirror, dest, sources=None)
    assert second.written == [] and second.replaced == [] and second.problems == []
    assert sorted(second.unchanged) == sorted(FILES)
    assert {rel: (dest / rel).stat().st_mtime_ns for rel in FILES} == mtimes


def test_existing_good_files_without_state_are_hashed_not_copied(mirror, dest):
    fetch.copy_from_mirror(mirror, dest, sources=None)
    (dest / fetch.STATE_NAME).unlink()
    report = fetch.copy_from_mirror(mirror, dest, sources=None)
    assert report.written == [] and report.replaced == [] and len(report.unchanged) == len(FILES)
    assert (dest / fetch.STATE_NAME).is_file()


def test_file_missing_in_the_mirror_stops_with_its_name(mirror, dest, capsys):
    (mirror / "cla/underlying/2017_CLA.csv").unlink()
    code = fetch.main(["--mirror", str(mirror), "--dest", str(dest)])
    err = capsys.readouterr().err
    assert code == 1
    assert "2017_CLA.csv" in err and "missing in the mirror" in err
    assert not (dest / "cla/underlying/2017_CLA.csv").exists()
    assert (dest / "cla/LA_tables.xlsx").read_bytes() == FILES["cla/LA_tables.xlsx"]  # the others were copied
    assert leftovers(dest) == []
    with pytest.raises(DataError, match="2017_CLA.csv: missing in the mirror"):
        fetch.copy_from_mirror(mirror, dest, sources=None).raise_problems()


def test_file_renamed_only_in_case_in_the_mirror_says_so(mirror, dest, capsys):
    (mirror / "cla/underlying/2017_CLA.csv").rename(mirror / "cla/underlying/2017_cla.csv")
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "2017_cla.csv differs from its name only in case" in err
    assert "rename it back to 2017_CLA.csv in the mirror" in err


def test_verify_names_a_raw_file_renamed_only_in_case(mirror, dest, capsys):
    fetch.copy_from_mirror(mirror, dest, sources=fetch.SOURCES)
    (dest / "cla/LA_tables.xlsx").rename(dest / "cla/la_tables.xlsx")
    assert fetch.main(["--verify", "--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "LA_tables.xlsx: missing, but la_tables.xlsx differs from its name only in case" in err
    assert "run `make data`" in err  # the other fix, once the copy is deleted
    reason, _ = fetch.stale_reason(dest, sources=fetch.SOURCES, mirror=mirror)
    assert "la_tables.xlsx beside it differs only in case" in reason


def test_zero_byte_file_with_its_checksum_rehashed_is_called_empty(tmp_path, dest, capsys):
    """An emptied release whose SHA256SUMS line was updated: "empty", not "a different release?"."""
    rel = "cla/underlying/2017_CLA.csv"
    mirror = make_mirror(tmp_path, {**FILES, rel: b""})
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert f"{rel}: is empty (0 bytes) in the mirror" in err and f"expects {len(FILES[rel])} bytes" in err
    assert "different release" not in err


def test_verify_calls_an_emptied_raw_file_empty(mirror, dest, capsys):
    fetch.copy_from_mirror(mirror, dest, sources=None)
    target = dest / "cla/underlying/2017_CLA.csv"
    target.chmod(0o644)
    target.write_bytes(b"")
    assert fetch.main(["--verify", "--mirror", str(mirror), "--dest", str(dest)]) == 1
    assert "2017_CLA.csv: is empty (0 bytes)" in capsys.readouterr().err


def test_truncated_file_in_the_mirror_reports_checksum_expected_and_got(mirror, dest):
    rel = "cla/LA_tables.xlsx"
    (mirror / rel).write_bytes(FILES[rel][:100])
    report = fetch.copy_from_mirror(mirror, dest, sources=None)
    [problem] = report.problems
    message = str(problem)
    assert rel in message and "checksum differs" in message
    assert f"expected sha256 {sha(FILES[rel])}" in message and f"got {sha(FILES[rel][:100])}" in message
    assert not (dest / rel).exists()
    assert leftovers(dest) == []


def test_truncated_file_reports_size_when_sources_csv_knows_it(mirror, dest, tmp_path):
    rel = "cla/LA_tables.xlsx"
    sources = tmp_path / "sources.csv"
    write_sources(sources, urls={})
    (mirror / rel).write_bytes(FILES[rel][:100])
    [problem] = fetch.copy_from_mirror(mirror, dest, sources=sources).problems
    assert f"size differs from SHA256SUMS: expected {len(FILES[rel])} bytes, got 100" in str(problem)
    assert rel in str(problem)


def test_altered_file_in_the_mirror_is_refused_and_previous_copy_kept(mirror, dest):
    rel = "workforce/with space (1).csv"
    fetch.copy_from_mirror(mirror, dest, sources=None)
    altered = FILES[rel].replace(b"12.5", b"99.9")
    (mirror / rel).write_bytes(altered)
    # the copy in data/raw is still right, so it is kept and nothing is reported
    assert fetch.copy_from_mirror(mirror, dest, sources=None).problems == []
    # once data/raw's copy is gone, the altered mirror file is refused
    (dest / rel).unlink()
    [problem] = fetch.copy_from_mirror(mirror, dest, sources=None).problems
    assert rel in str(problem) and "checksum differs" in str(problem)
    assert f"got {sha(altered)}" in str(problem)
    assert not (dest / rel).exists() and leftovers(dest) == []


def test_altered_destination_is_detected_by_make_data_and_replaced(mirror, dest, capsys):
    rel = "cla/underlying/2017_CLA.csv"
    fetch.copy_from_mirror(mirror, dest, sources=None)
    target = dest / rel
    target.chmod(0o644)
    target.write_bytes(FILES[rel].replace(b"165", b"999"))
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 0
    assert f"replaced {rel}" in capsys.readouterr().out
    assert target.read_bytes() == FILES[rel]


def test_verify_detects_an_altered_destination_even_with_its_old_mtime(mirror, dest, capsys):
    rel = "cla/underlying/2017_CLA.csv"
    fetch.copy_from_mirror(mirror, dest, sources=None)
    target = dest / rel
    before = target.stat()
    target.chmod(0o644)
    target.write_bytes(FILES[rel].replace(b"165", b"999"))  # same size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # and same mtime: the state is fooled
    assert fetch.main(["--verify", "--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert rel in err and "checksum differs" in err and f"expected sha256 {sha(FILES[rel])}" in err
    assert target.read_bytes() != FILES[rel]  # --verify copies nothing
    # after --verify the state no longer vouches for the file: make data repairs it
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 0
    assert target.read_bytes() == FILES[rel]
    assert fetch.main(["--verify", "--mirror", str(mirror), "--dest", str(dest)]) == 0


def test_verify_reports_missing_files_and_docs(mirror, dest, capsys):
    fetch.copy_from_mirror(mirror, dest, sources=None)
    (dest / "cla/LA_tables.xlsx").unlink()
    (dest / "README.md").unlink()
    assert fetch.main(["--verify", "--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "2 raw files failed" in err
    assert "LA_tables.xlsx: missing" in err and "README.md: missing" in err


def test_failure_while_renaming_leaves_no_temporary_file(mirror, dest, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fetch.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        fetch.copy_from_mirror(mirror, dest, sources=None)
    assert leftovers(dest) == []
    assert not (dest / "cla/LA_tables.xlsx").exists()


def test_missing_mirror_and_bad_checksum_list(tmp_path, dest):
    with pytest.raises(DataError, match="data mirror not found"):
        fetch.copy_from_mirror(tmp_path / "nowhere", dest)
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("not a checksum line\n")
    with pytest.raises(DataError, match="line 1 is not"):
        fetch.read_sha256sums(sums)
    sums.write_text(f"{'0' * 64}  ../outside.csv\n")
    with pytest.raises(DataError, match="unsafe"):
        fetch.read_sha256sums(sums)
    sums.write_text(f"{'0' * 64}  a.csv\n{'1' * 64}  a.csv\n")
    with pytest.raises(DataError, match="listed twice"):
        fetch.read_sha256sums(sums)


def test_mirror_can_come_from_the_environment(mirror, dest, monkeypatch):
    monkeypatch.setenv("CARERATES_DATA_MIRROR", str(mirror))
    assert fetch.default_mirror() == mirror.resolve()
    assert fetch.main(["--dest", str(dest)]) == 0
    assert (dest / "cla/LA_tables.xlsx").is_file()


# ----------------------------------------------------------------------------- download mode

REPO, COMMIT = "someone/copies", "0123456789abcdef0123456789abcdef01234567"


def url_for(rel: str) -> str:
    from urllib.parse import quote
    return f"{fetch.DEFAULT_DOWNLOAD_BASE}/{REPO}/{COMMIT}/{quote('published/' + rel)}"


def write_sources(path: Path, urls: dict[str, str] | None = None) -> None:
    urls = {rel: url_for(rel) for rel in FILES if rel != COMPILED} if urls is None else urls
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fetch.SOURCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rel, data in sorted(FILES.items()):
            writer.writerow({"file": rel, "publisher": "DfE", "release": "test", "holds": "test",
                             "licence": "OGL", "repository": REPO if rel in urls else "",
                             "commit": COMMIT if rel in urls else "",
                             "path": "published/" + rel if rel in urls else "",
                             "url": urls.get(rel, ""), "sha256": sha(data), "bytes": len(data)})


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A loopback server publishing FILES at /<repo>/<commit>/published/<file>."""
    root = tmp_path / "www"
    for rel, data in FILES.items():
        if rel == COMPILED:
            continue
        target = root / REPO / COMMIT / "published" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("CARERATES_DOWNLOAD_BASE", f"http://127.0.0.1:{httpd.server_address[1]}")
    try:
        yield root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_download_fetches_verifies_and_names_what_has_no_url(server, dest, tmp_path, capsys):
    sources = tmp_path / "sources.csv"
    write_sources(sources)
    code = fetch.main(["--download", "--dest", str(dest), "--sources", str(sources)])
    err = capsys.readouterr().err
    assert code == 1  # the compiled file has no public address
    assert COMPILED in err and "no public download address" in err and "mirror" in err
    for rel, data in FILES.items():
        if rel != COMPILED:
            assert (dest / rel).read_bytes() == data
    assert not (dest / COMPILED).exists() and leftovers(dest) == []
    # second run: nothing downloaded again
    report = fetch.download(dest, sources)
    assert report.written == [] and len(report.unchanged) == len(FILES) - 1


def test_download_with_wrong_bytes_is_refused(server, dest, tmp_path):
    sources = tmp_path / "sources.csv"
    write_sources(sources)
    rel = "cla/underlying/2017_CLA.csv"
    served = server / REPO / COMMIT / "published" / rel
    served.write_bytes(FILES[rel].replace(b"165", b"999"))  # same size, other bytes
    (server / REPO / COMMIT / "published" / "cla/LA_tables.xlsx").write_bytes(b"short")
    report = fetch.download(dest, sources)
    messages = {Path(str(p.path)).name: str(p) for p in report.problems}
    assert "checksum differs from sources.csv" in messages["2017_CLA.csv"]
    assert "downloaded from http://127.0.0.1:" in messages["2017_CLA.csv"]
    assert f"expected {len(FILES['cla/LA_tables.xlsx'])} bytes, got 5" in messages["LA_tables.xlsx"]
    assert not (dest / rel).exists() and not (dest / "cla/LA_tables.xlsx").exists()
    assert leftovers(dest) == []
    assert (dest / "workforce/with space (1).csv").read_bytes() == FILES["workforce/with space (1).csv"]


def test_download_http_error_names_file_and_url(server, dest, tmp_path):
    sources = tmp_path / "sources.csv"
    write_sources(sources)
    (server / REPO / COMMIT / "published" / "cla/LA_tables.xlsx").unlink()
    problems = [str(p) for p in fetch.download(dest, sources).problems]
    [message] = [m for m in problems if "LA_tables.xlsx" in m]
    assert "HTTP 404" in message and "/published/cla/LA_tables.xlsx" in message
    assert leftovers(dest) == []


def test_download_url_uses_base_override_only_for_the_default_host(monkeypatch):
    entry = fetch.Entry("a.csv", "0" * 64, 1, url_for("a b.csv"))
    monkeypatch.delenv("CARERATES_DOWNLOAD_BASE", raising=False)
    assert fetch._download_url(entry, None) == url_for("a b.csv")
    assert fetch._download_url(entry, "http://127.0.0.1:9/") == (
        f"http://127.0.0.1:9/{REPO}/{COMMIT}/published/a%20b.csv")


def test_verify_without_mirror_uses_sources_csv(mirror, dest, tmp_path, capsys):
    sources = tmp_path / "sources.csv"
    write_sources(sources)
    fetch.copy_from_mirror(mirror, dest, sources=None)
    args = ["--verify", "--mirror", str(tmp_path / "nowhere"), "--dest", str(dest), "--sources", str(sources)]
    assert fetch.main(args) == 0
    assert "match" in capsys.readouterr().out
    (dest / "cla/LA_tables.xlsx").chmod(0o644)
    (dest / "cla/LA_tables.xlsx").write_bytes(b"x")
    assert fetch.main(args) == 1
    assert "size differs from sources.csv" in capsys.readouterr().err


# ----------------------------------------------------------------------------- mirror vs sources.csv

def test_file_removed_from_mirror_and_its_sha256sums_fails_naming_it(tmp_path, dest, capsys):
    rel = "cla/underlying/2017_CLA.csv"
    mirror = make_mirror(tmp_path, {k: v for k, v in FILES.items() if k != rel})
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert rel in err and "listed in" in err and "sources.csv" in err and "incomplete" in err
    assert (dest / "cla/LA_tables.xlsx").is_file()  # the others are copied


def test_file_in_sha256sums_but_not_in_sources_csv_fails(tmp_path, dest, capsys):
    extra = {**FILES, "cla/extra.csv": b"a,b\n1,2\n"}
    mirror = make_mirror(tmp_path, extra)
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "cla/extra.csv" in err and "not listed in" in err
    assert not (dest / "cla/extra.csv").exists()


def test_mirror_file_and_checksum_both_changed_fails_against_sources_csv(tmp_path, dest, capsys):
    """A release truncated with its SHA256SUMS line updated no longer passes `make data`."""
    rel = "cla/underlying/2017_CLA.csv"
    mirror = make_mirror(tmp_path, {**FILES, rel: FILES[rel][:20]})
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 1
    err = capsys.readouterr().err
    assert rel in err and f"gives {sha(FILES[rel])}" in err
    assert not (dest / rel).exists()


# ----------------------------------------------------------------------------- quick check (make's stamp)

def test_quick_check_after_a_fetch_hashes_nothing_and_leaves_the_stamp(mirror, dest, monkeypatch, capsys):
    assert fetch.main(["--mirror", str(mirror), "--dest", str(dest)]) == 0
    stamp = (dest / fetch.STATE_NAME).stat().st_mtime_ns

    def no_hashing(path):
        raise AssertionError(f"{path} was hashed although unchanged")

    monkeypatch.setattr(fetch, "sha256_of", no_hashing)
    capsys.readouterr()
    assert fetch.main(["--if-changed", "--mirror", str(mirror), "--dest", str(dest)]) == 0
    assert capsys.readouterr().out == ""
    assert (dest / fetch.STATE_NAME).stat().st_mtime_ns == stamp


def test_quick_check_touched_file_is_rehashed_but_the_stamp_kept(mirror, dest):
    fetch.copy_from_mirror(mirror, dest, sources=fetch.SOURCES)
    stamp = (dest / fetch.STATE_NAME).stat().st_mtime_ns
    target = dest / "cla/LA_tables.xlsx"
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 5_000_000_000))
    assert fetch.stale_reason(dest, fetch.SOURCES, mirror) == (None, False)
    assert (dest / fetch.STATE_NAME).stat().st_mtime_ns == stamp


def test_quick_check_edited_raw_file_is_named_and_recopied(mirror, dest, capsys):
    rel = "cla/underlying/2017_CLA.csv"
    fetch.copy_from_mirror(mirror, dest, sources=fetch.SOURCES)
    target = dest / rel
    target.chmod(0o644)
    target.write_bytes(FILES[rel].replace(b"165", b"999"))
    reason, _ = fetch.stale_reason(dest, fetch.SOURCES, mirror)
    assert rel in reason and "changed after it was verified" in reason
    assert fetch.main(["--if-changed", "--mirror", str(mirror), "--dest", str(dest)]) == 0
    out = capsys.readouterr().out
    assert rel in out and f"replaced {rel}" in out
    assert target.read_bytes() == FILES[rel]
    assert fetch.stale_reason(dest, fetch.SOURCES, mirror) == (None, False)


def test_quick_check_new_mirror_or_new_lists_fetch_again(mirror, dest, tmp_path, monkeypatch, capsys):
    import shutil
    fetch.copy_from_mirror(mirror, dest, sources=fetch.SOURCES)
    other = tmp_path / "other mirror"
    shutil.copytree(mirror, other)
    monkeypatch.setenv("CARERATES_DATA_MIRROR", str(other))
    reason, _ = fetch.stale_reason(dest, fetch.SOURCES)
    assert "data source changed" in reason and str(other) in reason
    stamp = (dest / fetch.STATE_NAME).stat().st_mtime_ns
    assert fetch.main(["--if-changed", "--dest", str(dest)]) == 0
    assert "fetching again" in capsys.readouterr().out
    assert (dest / fetch.STATE_NAME).stat().st_mtime_ns != stamp  # make re-runs the ingest
    assert fetch.stale_reason(dest, fetch.SOURCES) == (None, False)
    # the mirror's list changes in place: noticed too
    (other / "SHA256SUMS").write_text((other / "SHA256SUMS").read_text() + "\n")
    assert "SHA256SUMS changed" in fetch.stale_reason(dest, fetch.SOURCES)[0]


def test_quick_check_without_a_state_or_with_the_old_format_fetches(mirror, dest):
    assert fetch.stale_reason(dest, fetch.SOURCES, mirror)[0] == "no record of a verified fetch"
    fetch.copy_from_mirror(mirror, dest, sources=fetch.SOURCES)
    import json
    state = json.loads((dest / fetch.STATE_NAME).read_text())
    (dest / fetch.STATE_NAME).write_text(json.dumps(state["files"]))  # the first format
    assert fetch.stale_reason(dest, fetch.SOURCES, mirror)[0] == "no record of a verified fetch"


def test_make_rechecks_the_raw_files_before_the_ingest(mirror, tmp_path):
    """The Makefile's stamp rule: a no-op build runs nothing, an edit re-copies and re-runs 01."""
    import shutil
    import subprocess
    import sys

    if shutil.which("make") is None:
        pytest.skip("make not installed")
    repo = Path(__file__).resolve().parents[1]
    venv = Path(sys.prefix)
    if not (venv / ".installed").is_file():
        pytest.skip("needs the project's .venv")
    root = tmp_path / "new user" / "clone"  # a path with a space, as a clone may have
    (root / "notebooks").mkdir(parents=True)
    (root / "data").mkdir()
    shutil.copy(repo / "Makefile", root / "Makefile")
    for name in ("requirements.txt", "pyproject.toml"):  # older than the environment's stamp
        (root / name).write_text("")
        os.utime(root / name, ns=(0, 0))
    (root / "notebooks" / "01_ingest.ipynb").write_text("{}")
    # The real environment linked in (as tests/test_makefile.py does), never passed as VENV=:
    # make splits a value with a space (a clone under "new user/" failed here).
    (root / ".venv").symlink_to(venv, target_is_directory=True)
    write_sources(root / "data" / "sources.csv", urls={})
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(CARERATES_ROOT=str(root), CARERATES_DATA_MIRROR=str(mirror))

    stamp = root / "data" / "raw" / ".fetch-state.json"

    def make():
        # the raw-data stamp is what `make all` hands the driver (--data-stamp): 01_ingest is
        # out of date exactly when the stamp is newer than its last run
        done = subprocess.run(["make", "-s", "data/raw/.fetch-state.json"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    make()
    first = stamp.stat().st_mtime_ns
    assert make() == ""  # nothing changed: nothing printed, the stamp untouched
    assert stamp.stat().st_mtime_ns == first
    rel = "cla/underlying/2017_CLA.csv"
    target = root / "data" / "raw" / rel
    target.chmod(0o644)
    target.write_bytes(FILES[rel].replace(b"165", b"999"))
    out = make()
    assert f"{rel} was changed after it was verified" in out and f"replaced {rel}" in out
    assert stamp.stat().st_mtime_ns > first  # so the driver re-runs 01_ingest
    assert target.read_bytes() == FILES[rel]


def test_download_from_a_host_that_never_answers_is_short_and_summarised(dest, tmp_path, monkeypatch, capsys):
    """A server on 127.0.0.1 that accepts connections and never sends a byte."""
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept_and_hold():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    monkeypatch.setenv("CARERATES_DOWNLOAD_BASE", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("CARERATES_DOWNLOAD_TIMEOUT", "0.5")
    sources = tmp_path / "sources.csv"
    write_sources(sources)  # three files with a URL, one without
    try:
        started = time.monotonic()
        code = fetch.main(["--download", "--dest", str(dest), "--sources", str(sources)])
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()
    out, err = capsys.readouterr()
    assert code == 1
    assert elapsed < 5  # two waits of 0.5 s, then the host is given up
    assert "times out after 0.5 s" in out
    assert out.count(": FAILED (") == len(FILES)  # one progress line per file
    assert out.count("no answer within 0.5 s") == fetch.GIVE_UP_AFTER
    assert "not tried: 127.0.0.1:" in out
    summary = [line for line in out.splitlines() if line.startswith(str(dest)[:0]) and "written" in line]
    assert len(summary) == 1 and f"0 written, 0 already up to date, {len(FILES)} failed" in summary[0]
    assert f"{len(FILES)} raw files failed" in err
    assert leftovers(dest) == []


def test_quick_check_without_the_default_mirror_still_checks_the_files(mirror, dest, tmp_path, monkeypatch):
    """Fetched from the default mirror, which later went away: the files are still vouched for."""
    monkeypatch.delenv("CARERATES_DATA_MIRROR", raising=False)
    monkeypatch.setattr(fetch, "default_mirror", lambda: mirror.resolve())
    fetch.copy_from_mirror(None, dest, sources=fetch.SOURCES)
    gone = tmp_path / "gone"
    mirror.rename(gone)
    assert fetch.stale_reason(dest, fetch.SOURCES) == (None, False)
    rel = "cla/underlying/2017_CLA.csv"
    (dest / rel).chmod(0o644)
    (dest / rel).write_bytes(b"edited")
    reason, _ = fetch.stale_reason(dest, fetch.SOURCES)
    assert rel in reason
    monkeypatch.setenv("CARERATES_DATA_MIRROR", str(mirror))  # an explicit mirror must be there
    assert "has no SHA256SUMS" in fetch.stale_reason(dest, fetch.SOURCES)[0]
