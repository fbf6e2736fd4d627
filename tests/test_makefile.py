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
    # A tiny data mirror where the Makefile looks by default (../shared/data), listed in the
    # copy's data/sources.csv, so the raw-data check before every build runs for real.
    from test_fetch import make_mirror, write_sources

    shared = root.parent / "shared"
    shared.mkdir()
    make_mirror(shared).rename(shared / "data")
    (root / "data").mkdir()
    write_sources(root / "data" / "sources.csv", urls={})
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


INGEST_STUB = [
    "from carerates import io, paths",
    "io.write_bytes(b'rows 3\\n', paths.processed('stub.txt'))\nprint('ingested')",
]
TEMPLATE_CELLS = [
    ("markdown", "# {{NUMBER}} {{TITLE}}"),
    ("code", "factor = 2"),
    ("code", "from carerates import io, paths\n"
             "rows = int(paths.readable_path(paths.processed('stub.txt')).read_text().split()[1])\n"
             "io.write_bytes(f'{rows * factor}\\n'.encode(), paths.figure('table_{{NUMBER}}_stub.csv'))\n"
             "print(rows * factor)"),
]


def write_notebook(path, cells, metadata=None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.update(metadata or {})
    for kind, source in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        nb.cells.append(cell)
    nb.cells[1].metadata["tags"] = ["parameters"] if len(nb.cells) > 1 else []
    nbformat.write(nb, path)


def test_a_new_chapter_joins_make_all_and_nbval_without_a_makefile_edit(tmp_path):
    """`make notebook` in a copy (path with a space); `make all` and `make nbval` pick it up."""
    root = copy_compendium(tmp_path)
    makefile = (root / "Makefile").read_bytes()
    write_notebook(root / "notebooks" / "01_ingest.ipynb", [("code", c) for c in INGEST_STUB])
    write_notebook(root / "notebooks" / "_template.ipynb", TEMPLATE_CELLS,
                   metadata={"carerates": {"depends": ["01_ingest"]}})
    make(root, "notebook", "NAME=extra_chapter")
    chapter = root / "notebooks" / "02_extra_chapter.ipynb"
    assert chapter.is_file()

    result = make(root, "all", "JOBS=2")
    assert "01_ingest" in result.stdout and "02_extra_chapter" in result.stdout
    assert "Results: notebooks/" in result.stdout
    assert "TCP" not in result.stdout + result.stderr
    assert (root / "figures" / "table_02_stub.csv").read_text() == "6\n"
    assert (root / "build" / "stamps" / "02_extra_chapter.done").is_file()
    executed = json.loads(chapter.read_text())
    assert "".join(executed["cells"][2]["outputs"][0]["text"]) == "6\n"
    # Nothing changed: nothing runs (which chapter reruns when is tested in test_pipeline.py).
    assert "Up to date" in make(root, "all").stdout

    result = make(root, "nbval", "JOBS=2")
    assert result.stdout.count("2 passed") == 2 and "failed" not in result.stdout  # 01, then 02
    assert (root / "build" / "test-figures" / "table_02_stub.csv").read_text() == "6\n"
    assert (root / "Makefile").read_bytes() == makefile


def test_help_lists_every_target(tmp_path):
    root = copy_compendium(tmp_path)
    text = (root / "Makefile").read_text()
    phony = [line for line in text.replace("\\\n", " ").splitlines() if line.startswith(".PHONY:")]
    targets = [t for line in phony for t in line.split(":", 1)[1].split()]
    listed = [line.split()[0] for line in make(root, "help").stdout.splitlines() if line.strip()]
    assert sorted(listed) == sorted(targets)


def test_python_older_than_3_11_gets_a_clear_message(tmp_path):
    root = copy_compendium(tmp_path)
    (root / ".venv").unlink()
    fake = tmp_path / "python3.10"
    fake.write_text("#!/bin/sh\n"
                    "if [ \"$1\" = --version ]; then echo 'Python 3.10.12'; exit 0; fi\n"
                    "exec python3 -c 'import sys; sys.exit(1)'\n")
    fake.chmod(0o755)
    result = make(root, "env", f"PYTHON={fake}", check=False)
    assert result.returncode != 0
    assert "needs Python 3.11 or newer" in result.stderr and "Python 3.10.12" in result.stderr
    assert not (root / ".venv").exists()


def test_make_kernel_registers_the_carerates_kernel_in_the_environment(tmp_path):
    root = copy_compendium(tmp_path)
    # The copy shares this compendium's .venv (a link), so registering re-points the real
    # kernel at the copy's path, which is deleted after the test: put the real spec back.
    shared = root / ".venv" / "share" / "jupyter" / "kernels" / "carerates" / "kernel.json"
    before = shared.read_bytes() if shared.is_file() else None
    try:
        make(root, "kernel")
        spec = json.loads(shared.read_text())
        assert spec["display_name"] == "Python (carerates)"
        assert Path(spec["argv"][0]).is_file() and spec["argv"][2:4] == ["-m", "ipykernel_launcher"]
        assert str(root) in spec["argv"][0]  # registered from the copy, so this test did the work
    finally:
        if before is not None:
            shared.write_bytes(before)
    assert "$(PY) -m jupyterlab" in (root / "Makefile").read_text()


def test_make_test_fetches_the_data_before_any_test(tmp_path):
    """On a fresh clone (no data/raw yet) the fetch comes first, then the tests (dry run)."""
    root = copy_compendium(tmp_path)
    assert not (root / "data" / "raw").exists()
    for target in ("test", "unit"):
        lines = make(root, "-n", target).stdout.splitlines()
        fetch = next(i for i, line in enumerate(lines) if "carerates.build.fetch" in line)
        tests = [i for i, line in enumerate(lines) if "pytest" in line or "$(MAKE)" in line or "make " in line]
        assert tests and fetch < min(tests), lines


def test_make_lab_takes_a_port_and_no_browser_and_works_as_root(tmp_path):
    """`make lab PORT=8890 BROWSER=no` (dry run: the command, not JupyterLab)."""
    root = copy_compendium(tmp_path)
    result = make(root, "-n", "lab", "PORT=8890", "BROWSER=no")
    line = next(x for x in result.stdout.splitlines() if "-m jupyterlab" in x)
    assert "--notebook-dir=notebooks --port=8890 --no-browser" in line
    assert 'test "$(id -u)" = 0 && echo --allow-root' in result.stdout  # as root (e.g. in a container)
    default = make(root, "-n", "lab")
    line = next(x for x in default.stdout.splitlines() if "-m jupyterlab" in x)
    assert "--port=8888" in line and "--no-browser" not in line
