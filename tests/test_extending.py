"""docs/EXTENDING.md's worked example runs, and a chapter started from the template passes every check.

Both read data/processed/ (built by 01_ingest), so they run with the data tests, not the
pipeline's own. The template test starts one kernel.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from carerates import paths, results


from carerates.build import new_notebook, run

GUIDE = paths.ROOT / "docs" / "EXTENDING.md"

pytestmark = pytest.mark.skipif(not (paths.PROCESSED / "las.parquet").is_file(),
                                reason="needs data/processed (make all, or 01_ingest under make test)")


def test_the_guides_worked_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 2
    monkeypatch.setenv("CARERATES_FIGURES", str(tmp_path))  # its tables go to a scratch folder
    monkeypatch.delenv("CARERATES_STAGE", raising=False)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - the guide's own code
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table_11a_negative_binomial.csv",
                                                          "table_11b_within_between.csv"]
    assert namespace["count_finding"].startswith("One standard deviation more children in low-income families went")
    assert "95% CI" in namespace["count_finding"] and "N = " in namespace["count_finding"]
    assert "within an LA" in namespace["within_finding"] and "more more" not in namespace["within_finding"]
    terms = namespace["within_between"]["term"].tolist()
    assert terms[:3] == ["Intercept", "low_income_within", "low_income_mean"] and "Group Var" not in terms


def test_a_chapter_from_the_template_passes_the_chapter_checks(tmp_path, monkeypatch):
    """`make notebook`'s chapter, executed by the pipeline on the real data: RESULTS.md names,
    alt text on every figure, generated findings, and its findings test passes."""
    from test_chapters import figures_without_alt

    root = tmp_path / "a compendium"
    (root / "notebooks").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "data").mkdir()
    (root / "data" / "processed").symlink_to(paths.PROCESSED, target_is_directory=True)
    chapter = new_notebook.create_notebook("referee_models", number=11, notebooks_dir=root / "notebooks",
                                           template=paths.NOTEBOOKS / "_template.ipynb")
    stub = new_notebook.findings_test_stub(chapter)
    saved = dict(os.environ)
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setenv("CARERATES_ROOT", str(root))
    monkeypatch.delenv("CARERATES_FIGURES", raising=False)
    monkeypatch.delenv("CARERATES_STAGE", raising=False)
    try:
        run.execute(chapter)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    written = sorted(p.name for p in (root / "figures").iterdir())
    assert written == ["figure_11a_example_regional_rate.png", "figure_11b_example_coefficients.png",
                       "table_11a_example_regional_rate.csv", "table_11b_example_ols.csv"]
    assert [results.name_problem(n) for n in written] == [None] * 4
    assert figures_without_alt(chapter) == []
    outputs = [o for c in json.loads(chapter.read_text())["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if "PosixPath" in json.dumps(o)]
    env = {**saved, "CARERATES_ROOT": str(root)}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(stub)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
