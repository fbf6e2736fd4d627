"""Where things live, as absolute paths from the repository root.

A notebook works whatever directory its kernel starts in (nbval starts kernels in
the notebook's folder, papermill in the caller's).

Two environment variables redirect *writes* (never raw reads):

- ``CARERATES_STAGE``: set by ``python -m carerates.build.run`` while it executes a
  notebook. Every output is written under this folder instead of the
  repository, and moved into place only once the whole notebook succeeded, so a
  failing run leaves no half-written output behind.
- ``CARERATES_FIGURES``: write figures and tables to another folder (``make
  test`` uses it to rebuild them beside the committed ones and compare bytes).

Only the pipeline's default run writes ``figures/``. Any other run (papermill,
nbconvert, JupyterLab, a script: neither variable set) that writes a figure or
table writes it under ``build/runs/outside-make/figures/`` instead, and says so once
on stderr: a run with other parameters never replaces a committed result. (Reads
still come from ``figures/``, except a file this very process wrote.)
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
#: Where a run outside the pipeline puts what it would have written to ``figures/``.
OUTSIDE_RUNS = ROOT / "build" / "runs" / "outside-make"
_redirected: set[Path] = set()


class WrittenPath(type(Path())):
    """The path a writer returns (``io.write_*``, ``results.write_table``, ``plots.save_figure``).

    An ordinary path in code, but a cell ending in a write shows (and so stores) nothing:
    its value would be a temporary stage path, different on every run, that nbval would
    then report as a mismatch.
    """

    def _ipython_display_(self) -> None:
        return None


def figures_dir() -> Path:
    """The folder figures and result tables are read from and written to."""
    env = os.environ.get("CARERATES_FIGURES")
    return Path(env).resolve() if env else FIGURES


def output_path(path: Path) -> Path:
    """Where a write to ``path`` should actually go (the stage, while staging).

    Outside the pipeline (no stage, no ``CARERATES_FIGURES``), a write into ``figures/``
    goes to ``build/runs/outside-make/figures/`` (see the module's docstring).
    """
    stage = os.environ.get("CARERATES_STAGE")
    path = Path(path).resolve()
    if not stage:
        if not os.environ.get("CARERATES_FIGURES") and path.is_relative_to(FIGURES):
            target = OUTSIDE_RUNS / "figures" / path.relative_to(FIGURES)
            if not _redirected:
                import sys

                print(f"carerates: only `make all` writes figures/; this run's figures and tables go to "
                      f"{OUTSIDE_RUNS.relative_to(ROOT)}/figures/", file=sys.stderr)
            _redirected.add(target)
            return target
        return path
    try:
        relative = path.relative_to(ROOT)
    except ValueError:  # outside the repository (e.g. a CARERATES_FIGURES folder)
        relative = Path("_external") / path.relative_to(path.anchor)
    return Path(stage) / relative


def readable_path(path: Path) -> Path:
    """Where to read ``path`` from: its staged (or redirected) copy if this run already wrote one."""
    path = Path(path)
    if os.environ.get("CARERATES_STAGE"):
        staged = output_path(path)
        return staged if staged.exists() else path
    resolved = path.resolve()
    if resolved.is_relative_to(FIGURES):
        target = OUTSIDE_RUNS / "figures" / resolved.relative_to(FIGURES)
        if target in _redirected and target.exists():
            return target
    return path


def case_twin(path: str | Path) -> Path | None:
    """A file beside ``path`` whose name differs from it only in case (None if none, or if ``path`` exists).

    File names are case-sensitive here: such a file was renamed (or unpacked) with other
    capitals, and "missing" alone would not say how to fix it.
    """
    path = Path(path)
    if path.exists():
        return None
    folder = path.parent
    while not folder.is_dir() and folder != folder.parent:  # a folder renamed in case: look above
        folder = folder.parent
    try:
        relative = path.relative_to(folder)
    except ValueError:
        return None
    found = folder
    for part in relative.parts:
        try:
            match = next((child for child in sorted(found.iterdir()) if child.name.lower() == part.lower()), None)
        except OSError:
            return None
        if match is None:
            return None
        found = match
    return found if found != path else None


def raw(*parts: str) -> Path:
    """A raw file under ``data/raw/`` (put there by ``make data``)."""
    return RAW.joinpath(*parts)


def processed(name: str) -> Path:
    """A derived table under ``data/processed/`` (columnar, rebuilt by 01 ingest)."""
    return PROCESSED / name


def figure(name: str) -> Path:
    """A figure or result table under ``figures/``."""
    return figures_dir() / name
