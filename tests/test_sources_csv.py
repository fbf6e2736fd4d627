"""data/sources.csv (committed) agrees with the data mirror's SHA256SUMS and ORIGINS.csv."""
from __future__ import annotations

import csv
from urllib.parse import quote

import pytest

from carerates.build import fetch
from carerates.paths import ROOT

MIRROR = (ROOT.parent / "shared" / "data").resolve()
SOURCES = ROOT / "data" / "sources.csv"

needs_mirror = pytest.mark.skipif(
    not (MIRROR / "SHA256SUMS").is_file(),
    reason=f"data mirror {MIRROR} is absent: cannot compare data/sources.csv with its SHA256SUMS",
)


def rows() -> list[dict[str, str]]:
    with SOURCES.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == fetch.SOURCE_COLUMNS
        return list(reader)


def test_sources_csv_is_well_formed():
    table = rows()
    files = [r["file"] for r in table]
    assert files == sorted(files) and len(set(files)) == len(files)
    entries = fetch.read_sources(SOURCES)  # checks paths, sha256 and bytes
    assert len(entries) == len(table)
    for r in table:
        for column in ("publisher", "release", "holds", "licence", "sha256", "bytes"):
            assert r[column].strip(), f"{r['file']}: empty {column}"
        if r["url"]:
            assert r["url"] == (f"{fetch.DEFAULT_DOWNLOAD_BASE}/{r['repository']}/{r['commit']}/"
                                f"{quote(r['path'])}"), r["file"]
            assert len(r["commit"]) == 40
        # the official page of the release beside the copy: an official address, or a title
        # and publisher said to be unconfirmed, never a made-up address
        page = r["official_page"]
        official = ("https://www.gov.uk/", "https://explore-education-statistics.service.gov.uk/",
                    "https://www.ons.gov.uk/", "https://www.nomisweb.co.uk/", "https://geoportal.statistics.gov.uk/",
                    "https://fingertips.phe.org.uk/")
        assert page.startswith(official) or "address not confirmed" in page or page.startswith("none: compiled"), \
            r["file"]
        if page.startswith("none: compiled"):
            assert "compiled" in r["publisher"], r["file"]
        if not r["url"]:  # only the two files compiled for the mirror lack a public address
            assert r["file"].split("/")[0] in {"innovation", "lookups"}, r["file"]
            assert "compiled" in r["publisher"] and "compiled" in r["licence"]


@needs_mirror
def test_sources_csv_lists_exactly_the_mirror_files_with_their_checksums():
    expected = {e.file: e.sha256 for e in fetch.read_sha256sums(MIRROR / "SHA256SUMS")}
    listed = {r["file"]: r["sha256"] for r in rows()}
    assert sorted(listed) == sorted(expected)
    wrong = {f: (listed[f], expected[f]) for f in expected if listed[f] != expected[f]}
    assert wrong == {}


@needs_mirror
def test_sources_csv_sizes_and_origins_match_the_mirror():
    with (MIRROR / "ORIGINS.csv").open(newline="", encoding="utf-8") as handle:
        origins = {r["file"]: r for r in csv.DictReader(handle)}
    for r in rows():
        assert int(r["bytes"]) == (MIRROR / r["file"]).stat().st_size, r["file"]
        origin = origins[r["file"]]
        if r["url"]:
            assert (r["repository"], r["commit"], r["path"]) == (
                origin["repository"], origin["commit"], origin["path"]), r["file"]
        else:
            assert origin["commit"] == "", r["file"]
