"""scripts/set_kernelspec.py: every notebook declares the compendium's kernel, in nbformat 4.5."""
from __future__ import annotations

import importlib.util
import json

import pytest

from carerates import paths

spec = importlib.util.spec_from_file_location("set_kernelspec", paths.ROOT / "scripts" / "set_kernelspec.py")
set_kernelspec = importlib.util.module_from_spec(spec)
spec.loader.exec_module(set_kernelspec)


def test_rewrites_kernelspec_and_format_and_nothing_else(tmp_path):
    old = {"cells": [{"cell_type": "code", "source": "x = 1", "outputs": [{"output_type": "stream", "text": "1"}],
                      "execution_count": 3, "metadata": {}},
                     {"cell_type": "markdown", "source": "# t", "metadata": {}, "id": "cell-001"}],
           "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                        "carerates": {"depends": ["01_ingest"]}},
           "nbformat": 4, "nbformat_minor": 4}
    path = tmp_path / "11_x.ipynb"
    path.write_text(json.dumps(old))
    assert set_kernelspec.rewrite(path) is True
    new = json.loads(path.read_text())
    assert new["metadata"]["kernelspec"] == {"display_name": "Python (carerates)", "language": "python",
                                             "name": "carerates"}
    assert (new["nbformat"], new["nbformat_minor"]) == (4, 5)
    assert [c["id"] for c in new["cells"]] == ["cell-000", "cell-001"]  # unique, from the position
    assert new["cells"][0]["outputs"] == old["cells"][0]["outputs"] and new["metadata"]["carerates"]
    assert set_kernelspec.rewrite(path) is False  # a second run changes nothing


def test_refuses_a_file_that_is_not_a_notebook(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(SystemExit, match=r"bad.ipynb: not a notebook \(invalid JSON at line 1"):
        set_kernelspec.rewrite(path)


def test_the_template_already_declares_the_compendiums_kernel():
    assert set_kernelspec.rewrite.__doc__
    template = paths.NOTEBOOKS / "_template.ipynb"
    before = template.read_bytes()
    nb = json.loads(before)
    assert nb["metadata"]["kernelspec"]["name"] == "carerates" and nb["nbformat_minor"] == 5
    assert json.dumps(set_kernelspec.normalise(json.loads(before)), indent=1, ensure_ascii=False,
                      sort_keys=True) + "\n" == before.decode("utf-8")
