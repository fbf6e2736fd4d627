"""The library's two wings: the analysis (what notebooks import) never imports the machinery.

``lib/carerates/`` holds the analysis library (its modules, ``sources/``, ``profile/``) and, in
``carerates.build``, the machinery that runs, checks and publishes it. Imports run one way,
machinery -> analysis; these tests read every analysis module's imports (top-level and inside
functions) and every notebook's code cells, and fail naming the file and line of an import of
``carerates.build``.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from carerates import paths

LIB = paths.ROOT / "lib" / "carerates"
ANALYSIS = sorted(p for p in LIB.rglob("*.py") if p.relative_to(LIB).parts[0] != "build")


def _package(path: Path) -> list[str]:
    """The dotted package a module of lib/carerates belongs to: ``["carerates", "sources"]``."""
    return ["carerates", *path.relative_to(LIB).parent.parts]


def machinery_imports(source: str, package: list[str]) -> list[tuple[int, str]]:
    """``(line, module)`` of every import of ``carerates.build`` (absolute or relative) in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        hits = [t for t in targets if t == "carerates.build" or t.startswith("carerates.build.")]
        if hits:
            found.append((node.lineno, hits[0]))
    return found


def test_the_check_sees_every_form_of_import():
    pkg = ["carerates", "sources"]
    assert machinery_imports("import carerates.build.run", ["carerates"]) == [(1, "carerates.build.run")]
    assert machinery_imports("from carerates import build", ["carerates"]) == [(1, "carerates.build")]
    assert machinery_imports("from carerates.build import site", ["carerates"]) == [(1, "carerates.build")]
    assert machinery_imports("from . import build", ["carerates"]) == [(1, "carerates.build")]
    assert machinery_imports("def f():\n    from .build.site import x", ["carerates"]) == [(2, "carerates.build.site")]
    assert machinery_imports("from ..build import pipeline", pkg) == [(1, "carerates.build")]
    assert machinery_imports("from .. import paths, plots\nfrom .cla import x\nimport carerates.io", pkg) == []
    assert machinery_imports("from ..profile.data import SUCCESSOR_NUMBERS", pkg) == []


def test_the_wings_are_where_the_docs_say():
    assert (LIB / "build" / "__init__.py").is_file() and (LIB / "profile" / "__init__.py").is_file()
    assert {p.name for p in ANALYSIS} >= {"paths.py", "models.py", "findings.py", "data.py", "cla.py"}
    assert not {p.stem for p in ANALYSIS} & {"run", "pipeline", "fetch", "compare", "testing", "new_notebook",
                                              "site", "claims"}


@pytest.mark.parametrize("module", ANALYSIS, ids=lambda p: p.relative_to(LIB).as_posix())
def test_no_analysis_module_imports_the_machinery(module):
    found = machinery_imports(module.read_text(encoding="utf-8"), _package(module))
    assert not found, (f"{module.relative_to(paths.ROOT)} imports the machinery "
                       + ", ".join(f"({name}, line {line})" for line, name in found)
                       + ": the analysis library never imports carerates.build; move what it needs "
                       "into the analysis wing")


def test_no_notebook_imports_the_machinery():
    for notebook in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            code = "\n".join(line for line in "".join(cell["source"]).splitlines()
                             if not line.lstrip().startswith(("%", "!")))
            found = machinery_imports(code, ["carerates"])
            assert not found, f"{notebook.name}, cell {index}: imports {found[0][1]}; notebooks import the analysis only"
