"""Figures and result tables rebuilt by `make test` must equal the committed ones byte for byte.

nbval compares text outputs but skips images, so `make nbval` re-executes every
notebook with CARERATES_FIGURES pointing at build/test-figures and this test
compares that folder with figures/.
"""
import hashlib
import os
from pathlib import Path

import pytest

from carerates import paths

REBUILT = os.environ.get("CARERATES_REBUILT_FIGURES")

pytestmark = pytest.mark.skipif(not REBUILT, reason="run by `make test` after `make nbval`")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_same_files_rebuilt():
    rebuilt = _digests(paths.ROOT / REBUILT)
    committed = _digests(paths.FIGURES)
    assert sorted(rebuilt) == sorted(committed), (
        f"only rebuilt: {sorted(set(rebuilt) - set(committed))}; "
        f"only committed: {sorted(set(committed) - set(rebuilt))}")


def test_same_bytes_rebuilt():
    rebuilt = _digests(paths.ROOT / REBUILT)
    committed = _digests(paths.FIGURES)
    differing = sorted(name for name in set(rebuilt) & set(committed) if rebuilt[name] != committed[name])
    assert not differing, f"rebuilt files differ from the committed ones: {differing}"
