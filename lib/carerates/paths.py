"""Where things live, as absolute paths from the repository root.

A notebook works whatever directory its kernel starts in (nbval starts kernels in
the notebook's folder, papermill in the caller's).

Two environment variables redirect *writes* (never raw reads):

- ``CARERATES_STAGE``: set by ``python -m carerates.run`` while it executes a
  notebook. Every output is written under this folder instead of the
  repository, and moved into place only once the whole notebook succeeded, so a
  failing run leaves no half-written output behind.
- ``CARERATES_FIGURES``: write figures and tables to another folder (``make
  test`` uses it to rebuild them beside the committed ones and compare bytes).
"""
from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("CARERATES_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "notebooks").is_dir():
            return parent
    raise RuntimeError(f"cannot find the compendium's root above {here}")


ROOT = _find_root()
DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
FIGURES = ROOT / "figures"
NOTEBOOKS = ROOT / "notebooks"


def figures_dir() -> Path:
    """The folder figures and result tables are read from and written to."""
    env = os.environ.get("CARERATES_FIGURES")
    return Path(env).resolve() if env else FIGURES


def output_path(path: Path) -> Path:
    """Where a write to ``path`` should actually go (the stage, while staging)."""
    stage = os.environ.get("CARERATES_STAGE")
    path = Path(path).resolve()
    if not stage:
        return path
    try:
        relative = path.relative_to(ROOT)
    except ValueError:  # outside the repository (e.g. a CARERATES_FIGURES folder)
        relative = Path("_external") / path.relative_to(path.anchor)
    return Path(stage) / relative


def readable_path(path: Path) -> Path:
    """Where to read ``path`` from: its staged copy if this run already wrote one."""
    staged = output_path(path)
    return staged if staged.exists() else Path(path)


def raw(*parts: str) -> Path:
    """A raw file under ``data/raw/`` (put there by ``make data``)."""
    return RAW.joinpath(*parts)


def processed(name: str) -> Path:
    """A derived table under ``data/processed/`` (columnar, rebuilt by 01 ingest)."""
    return PROCESSED / name


def figure(name: str) -> Path:
    """A figure or result table under ``figures/``."""
    return figures_dir() / name
