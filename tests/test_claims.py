"""The claims check: every number in a notebook's prose traces to a result (``carerates.build.claims``).

Runs over every chapter ``notebooks/NN_*.ipynb`` (whoever adds or changes one): each number in a
Markdown cell or a generated sentence must equal, at the precision shown, a value of a result
file the chapter names in ``figures/`` or of a table it displays. A number that does not trace
fails the test, listed with its notebook, cell and context, unless ``tests/claims_exemptions.csv``
names it with a reason. The profile (``notebooks/profile.ipynb``) is not a chapter: its sentences
are built per LA from ``data/processed`` and checked for all 152 LAs by ``tests/test_profile.py``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from carerates import paths


from carerates.build import claims

ROOT = Path(__file__).resolve().parents[1]
EXEMPTIONS = ROOT / "tests" / "claims_exemptions.csv"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _exempt() -> set[tuple[str, int, str]]:
    return {(row["notebook"], int(row["cell"]), row["number"]) for row in claims.read_exemptions(EXEMPTIONS)}


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_number_in_prose_traces_to_a_result(notebook):
    figures = paths.figures_dir()
    if not any(figures.glob("*.csv")):
        pytest.skip("figures/ not built (run make all)")
    exempt = _exempt()
    missing = [c for c in claims.untraceable(notebook, figures) if (c.notebook, c.cell, c.number) not in exempt]
    assert not missing, ("numbers in prose that trace to no result in figures/ or a displayed table "
                         "(fix the sentence or write the value; see docs/DEVELOPING.md, 'Claims'):\n"
                         + claims.report(missing))


def test_every_exemption_is_still_needed_and_explained():
    rows = claims.read_exemptions(EXEMPTIONS)  # refuses a row without a reason
    figures = paths.figures_dir()
    if not any(figures.glob("*.csv")):
        pytest.skip("figures/ not built (run make all)")
    found = {(c.notebook, c.cell, c.number) for nb in CHAPTERS for c in claims.untraceable(nb, figures)}
    stale = [r for r in rows if (r["notebook"], int(r["cell"]), r["number"]) not in found]
    assert not stale, f"exemptions no longer needed (remove them from {EXEMPTIONS.name}): {stale}"


# --- the checker itself, on notebooks built here ------------------------------------------------------

def _notebook(tmp_path, markdown: list[str], outputs: list[str] = (), code: str = "", html: str = "") -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": text} for text in markdown]
    cells.append({"cell_type": "code", "metadata": {}, "source": code, "execution_count": 1, "outputs": [
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": text}} for text in outputs]
        + ([{"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}] if html else [])})
    path = tmp_path / "03_x.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_numbers_trace_at_the_precision_shown(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "table_03z_values.csv").write_text("measure,value\nmean,65.4349\nshare,0.571\nr,-0.2823\n")
    nb = _notebook(tmp_path, ["# 03 Title\n\nIn 2017 (Figure 4, Table 2) the rate per 10,000 was as below."],
                   ["Mean 65.4 (or 65.43), 57% rose, r_s = -.28, 95% CI, p < .05.", "Mean 65.5 and 66.0 and r_s = .27."],
                   code='write_table(frame, "table_03z_values")')
    found = [c.number for c in claims.untraceable(nb, figures)]
    assert found == ["65.5", "66.0", ".27"]  # 65.4349 is 65.4 or 65, never 65.5; 66.0 claims one decimal


def test_a_file_the_notebook_does_not_name_does_not_count(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "table_09z_other.csv").write_text("value\n12.5\n")
    nb = _notebook(tmp_path, [], ["The value is 12.5."], html="<table><td>7.25</td></table>")
    assert [c.number for c in claims.untraceable(nb, figures)] == ["12.5"]
    nb = _notebook(tmp_path, [], ["The value is 7.3."], html="<table><td>7.26</td></table>")
    assert claims.untraceable(nb, figures) == []  # a displayed table counts


def test_skips_references_years_dates_and_names():
    text = ("Figures 5-7 and Table 3 (section 3.3, chapter 09) in 2012-2017, 2015-16, 31 March, 2018-10-31, "
            "SFR50, LAA4, `code 12.5`, per 10,000 children aged 0-17, 6th of 10 regions.")
    assert [n for n, _, _ in claims.numbers(text)] == ["10"]
    entries = ("3.5 entries per 100,000 children aged 0-15, by age band (under 1, 1-4, 5-9, 10-15, 16 and over): "
               "254 in 2015")
    assert [n for n, _, _ in claims.numbers(entries)] == ["3.5", "254"]


def test_an_exemption_needs_a_reason(tmp_path):
    path = tmp_path / "ex.csv"
    path.write_text("notebook,cell,number,reason\n08_x,3,12,\n")
    with pytest.raises(ValueError, match="without a reason"):
        claims.read_exemptions(path)
