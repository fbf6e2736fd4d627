"""Every chapter, a new one included, is checked like the others: its result names, its
figures' alt text and its findings test. Each failure says what to do.

These read the committed notebooks and figures/ only (no kernel).
"""
from __future__ import annotations

import json

from carerates import paths, results


from carerates.build import pipeline

NOTEBOOKS = [*pipeline.chapters(), *sorted(paths.NOTEBOOKS.glob("profile.ipynb"))]


def test_every_result_file_has_a_results_md_name():
    problems = [f"figures/{p.name}: {results.name_problem(p.name)}" for p in sorted(paths.FIGURES.iterdir())
                if p.is_file() and not p.name.startswith(".") and results.name_problem(p.name)]
    assert not problems, "\n".join(problems)


def test_a_misnamed_result_is_refused_naming_the_rule():
    for name in ("My Plot final.png", "referee results v2.csv", "table_11a_Referee.csv", "figure_11a_x.PNG"):
        problem = results.name_problem(name)
        assert problem and "figure_NNx_<slug>.png" in problem and "rename it where the notebook writes it" in problem
    for name in ("figure_11a_referee_models.png", "table_05_06_growth.csv", "tests_11_referee.csv",
                 "associations.csv", "associations_sensitivity.csv", "figure_04_regional_average_rate.png"):
        assert results.name_problem(name) is None, name


def figures_without_alt(notebook) -> list[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [f"{notebook.relative_to(paths.ROOT)}, cell {index + 1}"
            for index, cell in enumerate(nb.get("cells", [])) for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
            and not str(output.get("metadata", {}).get("image/png", {}).get("alt", "")).strip()]


def test_every_figure_a_notebook_shows_has_alt_text():
    missing = [where for nb in NOTEBOOKS for where in figures_without_alt(nb)]
    assert not missing, (
        "figures shown without alt text (a reader of the site, or a screen reader, gets nothing): "
        + "; ".join(missing) + ". Save and show each with plots.save_figure(fig, name, alt=...), the alt "
        "text a sentence generated from the results (docs/DEVELOPING.md, Figures), and do not call plt.show()")


def test_figures_without_alt_text_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    nb = tmp_path / "11_x.ipynb"
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}, "metadata": {}}
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [png]},
                                        {"cell_type": "code", "outputs": [{**png, "metadata": {
                                            "image/png": {"alt": "A chart of the rate."}}}]}]}))
    assert figures_without_alt(nb) == ["11_x.ipynb, cell 1"]


def test_every_chapter_has_a_findings_test():
    tests = {p: p.read_text(encoding="utf-8") for p in sorted((paths.ROOT / "tests").glob("test_findings_*.py"))}
    missing = [nb.name for nb in pipeline.chapters() if nb.stem != pipeline.INGEST
               and not any(nb.stem in text for text in tests.values())]
    assert not missing, (
        f"no tests/test_findings_<name>.py checks {', '.join(missing)}: `make notebook` starts one for a new "
        "chapter (carerates.build.new_notebook.findings_test_stub); fill it with the chapter's key results read "
        "from figures/ and its sentences regenerated from them (docs/DEVELOPING.md, Tests)")
