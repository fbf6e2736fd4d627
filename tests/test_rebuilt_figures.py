"""Figures and result tables rebuilt by `make test` must be the committed results.

nbval compares text outputs but skips images, so `make nbval` re-executes every
notebook with CARERATES_FIGURES pointing at build/test-figures and this test
compares that folder with figures/: the same files; tables equal as numbers at
the precision they are written with, and text to the letter; figures equal in
bytes or, on another processor, in all but a few anti-aliased pixels
(tolerances and their justification in `carerates.build.compare`).
"""
import os
from pathlib import Path

import pytest

from carerates import paths


from carerates.build import compare

REBUILT = os.environ.get("CARERATES_REBUILT_FIGURES")

pytestmark = pytest.mark.skipif(not REBUILT, reason="run by `make test` after `make nbval`")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def test_same_files_rebuilt():
    rebuilt, committed = _files(paths.ROOT / REBUILT), _files(paths.FIGURES)
    new, stale = sorted(set(rebuilt) - set(committed)), sorted(set(committed) - set(rebuilt))
    problems = []
    if stale:
        problems.append(f"in figures/ but no notebook writes them any more: {stale}; if that is intended, "
                        f"delete them: git rm {' '.join('figures/' + n for n in stale)}")
    if new:
        problems.append(f"written by a notebook but not in figures/: {new}; run `make all` and commit them")
    assert not problems, "\n".join(problems)


def test_same_results_rebuilt():
    rebuilt = paths.ROOT / REBUILT
    differing = {}
    for name in sorted(set(_files(rebuilt)) & set(_files(paths.FIGURES))):
        problems = compare.differences(paths.FIGURES / name, rebuilt / name)
        if problems:
            differing[name] = problems
    assert not differing, f"rebuilt results differ from the committed ones: {differing}"
