"""Make notebooks declare the compendium's kernel and one nbformat version.

    .venv/bin/python scripts/set_kernelspec.py [NOTEBOOK ...]   (default: every notebooks/*.ipynb)

Sets each notebook's ``metadata.kernelspec`` to the kernel ``make lab`` registers
(``carerates``, "Python (carerates)") and its format to nbformat 4.5 (cells get ids,
derived from their position so that a re-run gives the same bytes). Nothing else
changes: outputs, execution counts and the other metadata stay as they are, and the file is
written as the pipeline writes executed notebooks (``json.dumps(indent=1, sort_keys=True)``),
so a notebook already in that form only differs where the kernelspec or format did.

``carerates.build.run`` starts the kernel of the current environment for a notebook that declares
``carerates`` (or ``python3``), so `make all` needs no registered kernel; papermill and
JupyterLab use the one `make env` / `make kernel` register in ``.venv``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

KERNELSPEC = {"display_name": "Python (carerates)", "language": "python", "name": "carerates"}
NBFORMAT, NBFORMAT_MINOR = 4, 5


def normalise(notebook: dict) -> dict:
    """The notebook with the compendium's kernelspec and nbformat 4.5 (cell ids added where missing)."""
    notebook.setdefault("metadata", {})["kernelspec"] = dict(KERNELSPEC)
    notebook["nbformat"], notebook["nbformat_minor"] = NBFORMAT, NBFORMAT_MINOR
    taken = {c.get("id") for c in notebook.get("cells", []) if c.get("id")}
    for index, cell in enumerate(notebook.get("cells", [])):
        if not cell.get("id"):
            new = f"cell-{index:03d}"
            while new in taken:
                new += "x"
            cell["id"] = new
            taken.add(new)
    return notebook


def rewrite(path: Path) -> bool:
    """Normalise one notebook file in place; True if it changed. Refuses a file that is not notebook JSON."""
    text = path.read_text(encoding="utf-8")
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        raise SystemExit(f"{path}: not a notebook (invalid JSON at line {err.lineno}, column {err.colno}: {err.msg})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SystemExit(f"{path}: not a notebook (no list of cells)")
    new = json.dumps(normalise(notebook), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(__file__).resolve().parents[1]
    targets = [Path(a) for a in args] or sorted((root / "notebooks").glob("*.ipynb"))
    for path in targets:
        print(f"{path}: {'updated' if rewrite(path) else 'already so'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
