"""carerates.testing: in CI a skipped test fails unless its file is declared."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def run_pytest(folder, ci: bool, declared: str = ""):
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.pytest.ini_options]
        addopts = "-p no:cacheprovider -p carerates.testing -rs"
        declared_skips = [{declared}]
        """), encoding="utf-8")
    (folder / "test_skips.py").write_text(textwrap.dedent("""
        import pytest

        def test_runs():
            assert True

        @pytest.mark.skipif(True, reason="raw files absent")
        def test_needs_data():
            assert False
        """), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "test_skips.py"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_skip_outside_ci_is_reported(tmp_path):
    result = run_pytest(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout and "raw files absent" in result.stdout


def test_an_undeclared_skip_fails_in_ci(tmp_path):
    result = run_pytest(tmp_path, ci=True)
    assert result.returncode == 1, result.stdout
    assert "undeclared skip in CI (raw files absent)" in result.stdout
    # A skip in setup (skipif) is reported as an error, a skip in the test as a failure.
    assert "1 passed, 1 error" in result.stdout


def test_a_declared_skip_passes_in_ci(tmp_path):
    result = run_pytest(tmp_path, ci=True, declared='"test_skips.py: needs the data of another step"')
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout
