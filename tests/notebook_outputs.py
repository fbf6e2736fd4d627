"""What an executed notebook *says*: its Markdown outputs (the generated finding sentences)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from carerates import paths


def result_table(name: str, notebook: str, **read_csv) -> pd.DataFrame:
    """``figures/<name>`` as a frame, or the test skipped naming the notebook that writes it."""
    path = paths.figure(name)
    if not path.is_file():
        pytest.skip(f"{name} not built (run notebooks/{notebook}.ipynb)")
    return pd.read_csv(path, **read_csv)


def markdown_outputs(notebook: str) -> str:
    """Every ``text/markdown`` output of ``notebooks/<notebook>.ipynb``, joined by blank lines."""
    path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    cells = json.loads(path.read_text())["cells"]
    texts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text:
                texts.append("".join(text))
    if not texts:
        pytest.skip(f"{path.name} has no Markdown outputs (not executed yet)")
    return "\n\n".join(texts)


def markdown_sources(notebook: str) -> str:
    """The notebook's own Markdown cells (the prose a reader reads)."""
    path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


BANNED_PHRASES = ("as printed", "the first printed line gives", "unless the table says otherwise",
                  "printed above", "the lines above give", "p = 0.0000")
