"""carerates.run: a notebook's outputs appear only if every cell succeeded.

Each test builds a throwaway compendium root in tmp_path. The kernel finds it
through ``CARERATES_ROOT`` (read by ``carerates.paths`` at import, in the kernel);
this process uses ``carerates.paths.ROOT`` (monkeypatched) to place the stage and
move the staged files. Each execution starts a kernel (a few seconds).
"""
from __future__ import annotations

import json
import os

import nbformat
import pytest

from carerates import paths, run

SETUP = "from carerates import io, paths"


def notebook(path, cells, parameters="value = 1"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# A test notebook"))
    nb.cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def root(tmp_path, monkeypatch):
    saved = dict(os.environ)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.setenv("CARERATES_ROOT", str(tmp_path))
    monkeypatch.delenv("CARERATES_FIGURES", raising=False)
    monkeypatch.delenv("CARERATES_STAGE", raising=False)
    yield tmp_path
    # execute() sets the deterministic environment for good: undo it for the other tests.
    os.environ.clear()
    os.environ.update(saved)


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


OK_CELLS = [
    SETUP,
    "target = io.write_bytes(f'value {value}\\n'.encode(), paths.figure('table_99_ok.csv'))\n"
    "print('staged under', target.relative_to(paths.ROOT).parts[0])",
    "import pandas as pd\n"
    "io.write_parquet(pd.DataFrame({'v': [value]}), paths.processed('p99.parquet'))\n"
    "print(io.read_parquet(paths.processed('p99.parquet'))['v'].tolist())",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The OK notebook executed once with value = 7 (one kernel for several tests)."""
    root = tmp_path_factory.mktemp("compendium")
    saved = dict(os.environ)
    with pytest.MonkeyPatch.context() as mp:
        (root / "notebooks").mkdir()
        mp.setattr(paths, "ROOT", root)
        mp.setenv("CARERATES_ROOT", str(root))
        mp.delenv("CARERATES_FIGURES", raising=False)
        mp.delenv("CARERATES_STAGE", raising=False)
        source = notebook(root / "notebooks" / "99_ok.ipynb", OK_CELLS)
        written = run.execute(source, {"value": 7}, quiet=True)
    os.environ.clear()
    os.environ.update(saved)
    return root, source, written, source.read_bytes()


def test_success_moves_outputs_and_strips_metadata(executed):
    root, source, written, _ = executed
    figure = root / "figures" / "table_99_ok.csv"
    assert figure.read_text() == "value 7\n"
    assert (root / "data" / "processed" / "p99.parquet").is_file()
    assert sorted(written) == sorted([figure, root / "data" / "processed" / "p99.parquet"])
    # No stage left behind.
    assert files_under(root / "build") == []

    executed_nb = json.loads(source.read_text(encoding="utf-8"))
    assert "papermill" not in executed_nb["metadata"]
    for cell in executed_nb["cells"]:
        assert "papermill" not in cell["metadata"]
        assert "execution" not in cell["metadata"]
    code = [c for c in executed_nb["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code)
    printed = "".join("".join(o.get("text", "")) for c in code for o in c["outputs"])
    # The kernel sees the compendium's root, its writes go to the stage under build/,
    # and a file it wrote reads back from the stage.
    assert "staged under build" in printed
    assert "[7]" in printed
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in code)


def test_rerun_gives_same_bytes_and_keeps_unchanged_outputs(executed, root):
    """Re-executing the notebook with the same parameters changes nothing."""
    _, _, _, content = executed
    source = root / "notebooks" / "99_ok.ipynb"
    source.write_bytes(content)
    figure = root / "figures" / "table_99_ok.csv"
    figure.parent.mkdir()
    figure.write_text("value 7\n")
    os.utime(figure, ns=(10**18, 10**18))
    written = run.execute(source, {"value": 7}, quiet=True)
    assert written == [root / "data" / "processed" / "p99.parquet"]
    assert figure.stat().st_mtime_ns == 10**18
    assert source.read_bytes() == content


def test_rerun_with_same_parameters_gives_same_bytes(executed, root):
    _, _, _, content = executed
    source = root / "notebooks" / "99_ok.ipynb"
    source.write_bytes(content)
    run.execute(source, {"value": 7}, quiet=True)
    assert source.read_bytes() == content


def test_failure_leaves_nothing_behind(root, capsys):
    source = notebook(root / "notebooks" / "99_fail.ipynb", [
        SETUP + "\nio.write_bytes(b'half\\n', paths.figure('table_99_fail.csv'))",
        "raise RuntimeError('second cell fails')",
        "io.write_bytes(b'never\\n', paths.figure('table_99_never.csv'))",
    ])
    before = source.read_bytes()
    assert run.main([str(source)]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "second cell fails" in err
    assert not (root / "figures").exists()
    assert files_under(root / "build") == []
    assert source.read_bytes() == before
    assert files_under(root) == ["notebooks/99_fail.ipynb"]


def test_strip_volatile():
    nb = {"metadata": {"papermill": {"duration": 1.2}, "widgets": {}, "kernelspec": {"name": "python3"}},
          "cells": [{"metadata": {"papermill": {}, "execution": {"a": 1}, "ExecuteTime": 1, "tags": ["x"]}}]}
    out = run.strip_volatile(nb)
    assert out["metadata"] == {"kernelspec": {"name": "python3"}}
    assert out["cells"][0]["metadata"] == {"tags": ["x"]}


def test_coalesce_streams_merges_consecutive_text_of_one_stream():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": ["16 tables:"]},
        {"output_type": "stream", "name": "stdout", "text": ["\n", "a, b\n"]},
        {"output_type": "stream", "name": "stderr", "text": ["warning\n"]},
        {"output_type": "display_data", "data": {}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "after\n"},
    ]
    merged = run.coalesce_streams(outputs)
    assert [o["output_type"] for o in merged] == ["stream", "stream", "display_data", "stream"]
    assert merged[0]["text"] == ["16 tables:\n", "a, b\n"]
    assert merged[1]["name"] == "stderr"
    assert merged[3]["text"] == ["after\n"]
