"""The Makefile works in a copy of the compendium whose path holds a space.

Each test copies the Makefile (and what the targets it runs need) into
``tmp_path/"with space"``, links the real ``.venv`` in so nothing is installed,
and runs a real target there. A kernel starts for each notebook executed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from carerates import paths

REPO = paths.ROOT
VENV = Path(sys.prefix)


def copy_compendium(tmp_path: Path, *extra: str) -> Path:
    """A minimal compendium in a folder whose path holds a space, with the real environment."""
    root = tmp_path / "with space" / "compendium"
    root.mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "requirements.txt", "tests/nbval_sanitize.cfg", *extra):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, target)
    # The environment stamp must be newer than its prerequisites: they get an old date.
    for name in ("requirements.txt", "pyproject.toml"):
        os.utime(root / name, (1_000_000_000, 1_000_000_000))
    (root / ".venv").symlink_to(VENV, target_is_directory=True)
    assert (root / ".venv" / ".installed").is_file(), "the real .venv is not a `make env` one"
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / ".fetch-state.json").write_text("{}\n", encoding="utf-8")
    (root / "notebooks").mkdir(exist_ok=True)
    return root


def make(root: Path, *targets: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CARERATES_", "MAKE", "PYTEST_")) and k not in ("MFLAGS", "CI")}
    env["CARERATES_ROOT"] = str(root)
    result = subprocess.run(["make", "--no-print-directory", *targets], cwd=root, env=env,
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, f"make {' '.join(targets)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_nbval_target_works_in_a_path_with_a_space(tmp_path):
    root = copy_compendium(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(
        "import os\nprint(os.environ['CARERATES_FIGURES'].endswith('with space/compendium/build/test-figures'))")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="True\n")]
    cell.execution_count = 1
    nb.cells = [cell]
    nbformat.write(nb, root / "notebooks" / "01_check.ipynb")
    result = make(root, "nbval")
    assert "1 passed" in result.stdout
    assert (root / "build" / "test-figures").is_dir()
    assert json.loads((root / "notebooks" / "01_check.ipynb").read_text())["cells"][0]["outputs"]


def test_make_notebook_passes_name_safely(tmp_path):
    root = copy_compendium(tmp_path, "notebooks/_template.ipynb")
    result = make(root, "notebook", 'NAME=x"; touch pwned; echo "', check=False)
    assert result.returncode != 0
    assert "notebook name" in result.stderr
    assert not (root / "pwned").exists() and not (root / "notebooks" / "pwned").exists()
    assert sorted(p.name for p in (root / "notebooks").iterdir()) == ["_template.ipynb"]
    result = make(root, "notebook", "NAME=it's", check=False)
    assert result.returncode != 0 and "notebook name" in result.stderr
    make(root, "notebook", "NAME=care_models")
    assert (root / "notebooks" / "01_care_models.ipynb").is_file()
