"""Execute a notebook with papermill, all-or-nothing.

``python -m carerates.run notebooks/02_describe.ipynb [-p name value ...]``

The notebook runs with ``CARERATES_STAGE`` pointing at a scratch folder, so
every file it writes lands there first. Only when every cell succeeded are the
staged files moved into place and the executed notebook (volatile metadata
stripped) written over the source. A failing notebook leaves the repository as
it was and says which cell failed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import paths
from .io import atomic_write

#: Metadata that changes on every run and carries no result.
VOLATILE_CELL_KEYS = ("papermill", "execution", "ExecuteTime", "collapsed", "scrolled")
VOLATILE_NOTEBOOK_KEYS = ("papermill", "widgets")


def strip_volatile(notebook: dict) -> dict:
    """Remove timings and run-specific metadata; keep outputs and execution counts."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        notebook.get("metadata", {}).pop(key, None)
    for cell in notebook.get("cells", []):
        if "outputs" in cell:
            cell["outputs"] = coalesce_streams(cell["outputs"])
        for key in VOLATILE_CELL_KEYS:
            cell.get("metadata", {}).pop(key, None)
        # papermill gives its injected-parameters cell a random id on every run
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []) and "id" in cell:
            cell["id"] = "injected-parameters"
    return notebook


def coalesce_streams(outputs: list[dict]) -> list[dict]:
    """Merge consecutive stdout (or stderr) outputs into one.

    How the kernel splits printed text into messages depends on timing, so the
    same cell can store one stream output or several; merged, they repeat byte
    for byte (nbval merges them the same way before comparing).
    """
    merged: list[dict] = []
    for output in outputs:
        if (output.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream" and merged[-1].get("name") == output.get("name")):
            text = "".join(merged[-1]["text"]) + "".join(output["text"])
            merged[-1]["text"] = text.splitlines(keepends=True)
        else:
            if output.get("output_type") == "stream":
                output = {**output, "text": "".join(output["text"]).splitlines(keepends=True)}
            merged.append(output)
    return merged


def deterministic_env() -> dict:
    """Environment settings that make kernels' outputs repeatable."""
    return {"PYTHONHASHSEED": "0", "TZ": "UTC", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _move_staged(stage: Path) -> list[Path]:
    moved = []
    for staged in sorted(p for p in stage.rglob("*") if p.is_file()):
        relative = staged.relative_to(stage)
        if relative.parts[0] == "_external":
            target = Path("/").joinpath(*relative.parts[1:])
        else:
            target = paths.ROOT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file() and target.read_bytes() == staged.read_bytes():
            continue  # unchanged: keep its modification time for make
        shutil.move(str(staged), str(target))
        moved.append(target)
    return moved


def execute(notebook: Path, parameters: dict | None = None, quiet: bool = False) -> list[Path]:
    """Run ``notebook`` in place; return the files it wrote. Raises on failure."""
    import papermill as pm

    notebook = notebook.resolve()
    build = paths.ROOT / "build"
    build.mkdir(exist_ok=True)
    os.environ.update(deterministic_env())
    with tempfile.TemporaryDirectory(dir=build, prefix=f"stage-{notebook.stem}-") as tmp:
        stage = Path(tmp) / "files"
        stage.mkdir()
        executed = Path(tmp) / notebook.name
        # A previous run's injected parameters would silently override the defaults:
        # execute from a copy without them, so the parameters are exactly those given.
        source = Path(tmp) / f"source-{notebook.name}"
        content = json.loads(notebook.read_text(encoding="utf-8"))
        content["cells"] = [c for c in content["cells"]
                            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
        source.write_text(json.dumps(content), encoding="utf-8")
        os.environ["CARERATES_STAGE"] = str(stage)
        try:
            pm.execute_notebook(str(source), str(executed), parameters=parameters or {},
                                cwd=str(notebook.parent), progress_bar=False, log_output=not quiet,
                                kernel_name="python3")
        finally:
            os.environ.pop("CARERATES_STAGE", None)
        moved = _move_staged(stage)
        content = strip_volatile(json.loads(executed.read_text(encoding="utf-8")))
        with atomic_write(notebook, "w") as handle:
            handle.write(json.dumps(content, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"), help="papermill parameter (value parsed as JSON if it can be)")
    args = parser.parse_args(argv)
    parameters = {}
    for name, value in args.parameter:
        try:
            parameters[name] = json.loads(value)
        except json.JSONDecodeError:
            parameters[name] = value
    for notebook in args.notebooks:
        try:
            written = execute(notebook, parameters, quiet=True)
        except Exception as err:  # papermill's PapermillExecutionError names the cell
            print(f"FAILED {notebook}: {type(err).__name__}: {err}", file=sys.stderr)
            print("Nothing was written: outputs stay as they were.", file=sys.stderr)
            return 1
        print(f"executed {notebook} ({len(written)} output file(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
