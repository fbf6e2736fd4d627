"""Start a new chapter from ``notebooks/_template.ipynb``.

``python -m carerates.build.new_notebook NAME [--title TITLE] [--number NN]``
(or ``make notebook NAME=...``) copies the template to ``notebooks/NN_NAME.ipynb``,
``NN`` being the next free chapter number (one more than the highest in use), with
its title and chapter number filled in. It never overwrites a notebook and refuses
a name or number already taken. The new chapter joins ``make all`` and ``make
test`` as it is (the Makefile takes every ``notebooks/NN_*.ipynb``); it depends on
``01_ingest`` unless its metadata says otherwise (``carerates.build.pipeline``).

The template holds three placeholders, replaced in every cell: ``{{NUMBER}}`` (two
digits, also the prefix of the chapter's figures and tables), ``{{NAME}}`` and
``{{TITLE}}``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .. import paths
from ..errors import DataError

TEMPLATE_NAME = "_template.ipynb"
PLACEHOLDERS = ("{{NUMBER}}", "{{NAME}}", "{{TITLE}}")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CHAPTER = re.compile(r"^(\d\d)_([a-z0-9_]+)\.ipynb$")


def chapters(notebooks_dir: Path) -> dict[int, str]:
    """``{number: file name}`` of the numbered notebooks ``NN_name.ipynb`` in a folder."""
    found = {}
    for path in sorted(Path(notebooks_dir).glob("*.ipynb")):
        match = _CHAPTER.match(path.name)
        if match:
            found[int(match.group(1))] = path.name
    return found


def next_number(notebooks_dir: Path) -> int:
    """One more than the highest chapter number in use (1 in an empty folder).

    Gaps are not filled: chapter numbers follow the order chapters were added.
    """
    numbers = chapters(notebooks_dir)
    return max(numbers, default=0) + 1


def default_title(name: str) -> str:
    """``"my_model"`` -> ``"My model"``."""
    return name.replace("_", " ").strip().capitalize()


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def create_notebook(name: str, title: str | None = None, number: int | None = None,
                    notebooks_dir: Path | None = None, template: Path | None = None) -> Path:
    """Copy the template to ``notebooks_dir/NN_name.ipynb`` and return its path.

    ``name``: lower-case letters, digits and underscores, starting with a letter.
    ``number``: the chapter number (default :func:`next_number`). Raises
    ``ValueError`` for a bad name or number, ``FileExistsError`` if the target
    exists, the name is already used by another chapter or the number is taken,
    and ``DataError`` if the template is missing or not a notebook.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS
    template = Path(template) if template is not None else notebooks_dir / TEMPLATE_NAME
    if not _NAME.match(name):
        raise ValueError(f"notebook name {name!r}: use lower-case letters, digits and _ (e.g. 'poverty_models')")
    existing = chapters(notebooks_dir)
    same_name = [f for f in existing.values() if _CHAPTER.match(f).group(2) == name]
    if same_name:
        raise FileExistsError(f"a chapter named {name!r} exists already: {same_name[0]}")
    number = next_number(notebooks_dir) if number is None else int(number)
    if not 1 <= number <= 99:
        raise ValueError(f"chapter number must be 1-99, not {number}")
    if number in existing:
        raise FileExistsError(f"chapter number {number:02d} is taken by {existing[number]}")
    target = notebooks_dir / f"{number:02d}_{name}.ipynb"

    if not template.is_file():
        raise DataError(template, "notebook template is missing")
    try:
        notebook = json.loads(template.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise DataError(template, f"is not a notebook ({err})") from None

    values = {"{{NUMBER}}": f"{number:02d}", "{{NAME}}": name, "{{TITLE}}": title or default_title(name)}
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        cell["source"] = _fill(source, values).splitlines(keepends=True)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    # Mode "x": fails if the file appeared meanwhile, so nothing is ever overwritten.
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(text)
    return target


FINDINGS_TEST = '''"""Key findings of chapter {number} ({stem}.ipynb): started by `make notebook`, to fill in.

What a findings test does (docs/DEVELOPING.md, Tests): read the chapter's key results from
figures/, assert what the chapter reports (direction, size, N), and regenerate each sentence
the notebook shows from those files with carerates.findings, so a sentence and its table
can never disagree. The last test checks the template's worked example: replace it with
your own findings once you have replaced the example.
"""
import re

import pandas as pd

from carerates import findings, paths, plots

NOTEBOOK = paths.NOTEBOOKS / "{stem}.ipynb"
CHAPTER = "{number}"


def test_the_chapter_writes_its_results_under_its_number():
    mine = [p.name for p in paths.FIGURES.iterdir() if re.match(rf"^(figure|table|tests)_{{CHAPTER}}", p.name)]
    assert mine, f"nothing in figures/ starts with figure_{{CHAPTER}}, table_{{CHAPTER}} or tests_{{CHAPTER}}: run `make all`"


def test_the_findings_are_generated_sentences():
    shown = findings.markdown_outputs(NOTEBOOK)
    assert any(text.startswith("**Finding.**") for text in shown), (
        f"{{NOTEBOOK.name}} shows no generated finding: end each analysis cell with show(f'**Finding.** ...')")


def test_the_worked_example_finding():  # replace with your chapter's findings
    coefs = pd.read_csv(paths.figure(f"table_{{CHAPTER}}b_example_ols.csv")).set_index("term")
    term = "low_income_pct"  # predictors[0] in the parameters cell
    sentence = findings.slope_sentence(coefs.loc[term], plots.label(term, prose=True), "one standard deviation")
    expected = f"**Finding.** {{sentence}} OLS with region effects, N = {{int(coefs.loc[term, 'n'])}} LAs."
    assert expected in findings.markdown_outputs(NOTEBOOK)
'''


def findings_test_stub(notebook: Path, tests_dir: Path | None = None) -> Path | None:
    """Start ``tests/test_findings_<name>.py`` for a new chapter; None if one exists (never
    overwritten) or there is no ``tests/`` folder beside ``notebooks/`` (default ``tests_dir``)."""
    match = _CHAPTER.match(Path(notebook).name)
    if not match:
        raise ValueError(f"{notebook}: not a chapter name NN_name.ipynb")
    tests_dir = Path(tests_dir) if tests_dir is not None else Path(notebook).resolve().parent.parent / "tests"
    if not tests_dir.is_dir():
        return None
    target = tests_dir / f"test_findings_{match.group(2)}.py"
    text = FINDINGS_TEST.format(number=match.group(1), stem=Path(notebook).stem)
    try:
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        return None
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start a new chapter notebook from notebooks/_template.ipynb.")
    parser.add_argument("name", help="short name in lower case, e.g. poverty_models")
    parser.add_argument("--title", help="title of the chapter (default: from the name)")
    parser.add_argument("--number", type=int, help="chapter number (default: the next free one)")
    args = parser.parse_args(argv)
    try:
        path = create_notebook(args.name, args.title, args.number)
    except (ValueError, FileExistsError, DataError) as err:
        print(f"new_notebook: {err}", file=sys.stderr)
        return 1
    try:
        shown = path.relative_to(paths.ROOT)
    except ValueError:
        shown = path
    print(f"created {shown}")
    test = findings_test_stub(path)
    if test is not None:
        print(f"created {test.relative_to(paths.ROOT) if test.is_relative_to(paths.ROOT) else test}: "
              "its findings test, to fill in as the results settle (`make test` runs it)")
    print("It is part of `make all` and `make test` already. Next: write the question and the analysis;")
    print('if it reads the results of other chapters, list them in its metadata: "carerates": {"depends": '
          '["01_ingest", ...]} (default: 01_ingest).')
    print(f"Run it with `make all` (or `.venv/bin/python -m carerates.build.run {shown}`), "
          "then commit the executed notebook and its figures.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
