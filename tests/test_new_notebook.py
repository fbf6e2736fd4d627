"""Tests of carerates.build.new_notebook (starting a chapter from the template) in a temporary folder."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from carerates import paths

from carerates.build import new_notebook
from carerates.errors import DataError

REAL_TEMPLATE = paths.NOTEBOOKS / "_template.ipynb"


def write_template(folder):
    """A minimal template with the placeholders, a tagged parameters cell and a stale output."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# {{NUMBER}} {{TITLE}}\n\nQuestion."),
        nbformat.v4.new_code_cell("period = (2012, 2017)"),
        nbformat.v4.new_code_cell('CHAPTER = "{{NUMBER}}"\nname = "{{NAME}}"'),
    ])
    notebook.cells[1].metadata["tags"] = ["parameters"]
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="stale\n")]
    notebook.cells[2].execution_count = 7
    path = folder / "_template.ipynb"
    nbformat.write(notebook, str(path))
    return path


def touch_chapters(folder, *names):
    for name in names:
        (folder / name).write_text("{}", encoding="utf-8")


def test_copies_the_template_to_the_next_free_number_with_title_and_chapter_filled_in(tmp_path):
    write_template(tmp_path)
    touch_chapters(tmp_path, "01_ingest.ipynb", "02_describe.ipynb", "09_multivariate.ipynb", "notes.ipynb")
    path = new_notebook.create_notebook("poverty_models", notebooks_dir=tmp_path)
    assert path == tmp_path / "10_poverty_models.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    sources = [cell.source for cell in notebook.cells]
    assert sources[0].startswith("# 10 Poverty models\n")
    assert sources[2] == 'CHAPTER = "10"\nname = "poverty_models"'
    assert not any("{{" in s for s in sources)
    assert notebook.cells[1].metadata["tags"] == ["parameters"]
    assert notebook.cells[2].outputs == [] and notebook.cells[2].execution_count is None
    # The template itself is untouched.
    assert "{{TITLE}}" in (tmp_path / "_template.ipynb").read_text(encoding="utf-8")


def test_numbering_title_and_explicit_number(tmp_path):
    write_template(tmp_path)
    assert new_notebook.next_number(tmp_path) == 1
    first = new_notebook.create_notebook("first_look", title="A first look", notebooks_dir=tmp_path)
    assert first.name == "01_first_look.ipynb"
    assert nbformat.read(str(first), as_version=4).cells[0].source.startswith("# 01 A first look")
    assert new_notebook.create_notebook("later", number=12, notebooks_dir=tmp_path).name == "12_later.ipynb"
    # Gaps are not filled: the next chapter follows the highest number.
    assert new_notebook.next_number(tmp_path) == 13


def test_refuses_to_overwrite_or_reuse_a_name_or_number(tmp_path):
    write_template(tmp_path)
    path = new_notebook.create_notebook("models", notebooks_dir=tmp_path)
    path.write_text("my work", encoding="utf-8")
    with pytest.raises(FileExistsError, match="models"):
        new_notebook.create_notebook("models", notebooks_dir=tmp_path)
    with pytest.raises(FileExistsError, match="taken"):
        new_notebook.create_notebook("other", number=1, notebooks_dir=tmp_path)
    assert path.read_text(encoding="utf-8") == "my work"
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == ["01_models.ipynb", "_template.ipynb"]


@pytest.mark.parametrize("name", ["", "My_Model", "10_models", "models.ipynb", "poverty-models", "../escape"])
def test_rejects_bad_names(tmp_path, name):
    write_template(tmp_path)
    with pytest.raises(ValueError, match="name"):
        new_notebook.create_notebook(name, notebooks_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["_template.ipynb"]


def test_missing_or_broken_template_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="template is missing"):
        new_notebook.create_notebook("models", notebooks_dir=tmp_path)
    (tmp_path / "_template.ipynb").write_text("not json", encoding="utf-8")
    with pytest.raises(DataError, match="not a notebook"):
        new_notebook.create_notebook("models", notebooks_dir=tmp_path)
    assert not (tmp_path / "01_models.ipynb").exists()


def test_command_line(tmp_path, monkeypatch, capsys):
    write_template(tmp_path)
    monkeypatch.setattr(paths, "NOTEBOOKS", tmp_path)
    assert new_notebook.main(["care_models", "--title", "Care models"]) == 0
    out = capsys.readouterr().out
    assert "01_care_models.ipynb" in out and "part of `make all` and `make test` already" in out
    assert "Makefile" not in out
    assert new_notebook.main(["care_models"]) == 1
    assert "exists already" in capsys.readouterr().err


def test_the_real_template_starts_a_chapter_in_the_house_style(tmp_path):
    shutil.copy(REAL_TEMPLATE, tmp_path / "_template.ipynb")
    path = new_notebook.create_notebook("my_model", notebooks_dir=tmp_path)
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# 01 My model\n")
    assert "**Question.**" in cells[0].source
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    for needed in ("plots.use_house_style()", "pn.load_panel(", "pn.build_la_table(", 'paths.processed("las.parquet")',
                   "plots.save_figure(", "results.write_table(", 'CHAPTER = "01"'):
        assert needed in code
    assert cells[-1].cell_type == "markdown" and "## What we found" in cells[-1].source
    assert "## Caveats" in cells[-1].source
    assert all(c.outputs == [] for c in cells if c.cell_type == "code")
    assert not any("{{" in c.source for c in cells)
    # Every code cell is valid Python.
    for cell in cells:
        if cell.cell_type == "code":
            compile(cell.source, "<cell>", "exec")
    stored = json.loads(REAL_TEMPLATE.read_text(encoding="utf-8"))
    assert stored["metadata"]["kernelspec"]["name"] == "carerates"  # the kernel make lab registers
    assert (stored["nbformat"], stored["nbformat_minor"]) == (4, 5)  # as the executed chapters
    # The new chapter says what it depends on (the pipeline reads it; see carerates.build.pipeline).
    assert notebook.metadata["carerates"] == {"depends": ["01_ingest"]}


def test_make_notebook_starts_a_findings_test_and_never_overwrites_one(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests").mkdir()
    write_template(tmp_path / "notebooks")
    monkeypatch.setattr(paths, "NOTEBOOKS", tmp_path / "notebooks")
    assert new_notebook.main(["referee_models", "--number", "11"]) == 0
    test = tmp_path / "tests" / "test_findings_referee_models.py"
    assert "its findings test, to fill in" in capsys.readouterr().out
    text = test.read_text()
    assert 'NOTEBOOK = paths.NOTEBOOKS / "11_referee_models.ipynb"' in text and 'CHAPTER = "11"' in text
    compile(text, str(test), "exec")
    test.write_text("# mine\n")
    (tmp_path / "notebooks" / "11_referee_models.ipynb").unlink()
    assert new_notebook.main(["referee_models", "--number", "11"]) == 0
    assert test.read_text() == "# mine\n"
