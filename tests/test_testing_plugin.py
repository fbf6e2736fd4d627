"""carerates.build.testing: in CI a skipped test fails unless its file is declared."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def run_pytest(folder, ci: bool, declared: str = ""):
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.pytest.ini_options]
        addopts = "-p no:cacheprovider -p carerates.build.testing -rs"
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


def _one_cell_notebook(folder, name, source, output, depends=None):
    """An executed one-cell notebook with its stored output and, if given, its dependencies."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if depends is not None:
        nb.metadata["carerates"] = {"depends": depends}
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    cell.execution_count = 1
    nb.cells = [cell]
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_nbval_runs_a_notebook_after_those_it_depends_on_even_side_by_side(tmp_path):
    """Two workers: 03 (which reads what 02 writes) must wait for 02, though both start at once."""
    import json as _json


    def write(name, source, output, depends=None):
        _one_cell_notebook(tmp_path / "notebooks", name, source, output, depends)

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-p carerates.build.testing"\n')
    write("02_first", "import time, pathlib\ntime.sleep(3)\npathlib.Path('../written').write_text('2')\nprint('ok')",
          "ok\n", depends=[])
    write("03_second", "import pathlib\nprint(pathlib.Path('../written').read_text())", "2\n",
          depends=["02_first"])
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["CARERATES_ROOT"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                             "--nbval-current-env", "-n", "2", "--dist", "loadfile",
                             "notebooks/02_first.ipynb", "notebooks/03_second.ipynb"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert _json.loads((tmp_path / "notebooks" / "03_second.ipynb").read_text())["cells"]


def test_nbval_hands_out_notebooks_in_dependency_order_not_by_name(tmp_path):
    """08 depends on 09 here: in name order a worker would hold 08 ahead of 09 and wait forever
    (the wait limit is cut to 20 s so the failure shows); in dependency order both pass."""

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-p carerates.build.testing"\n')
    for name, source, output, depends in [
        ("07_a", "print('a')", "a\n", []),
        ("08_reads_09", "import pathlib\nprint(pathlib.Path('../nine').read_text())", "9\n", ["09_writes"]),
        ("09_writes", "import pathlib\npathlib.Path('../nine').write_text('9')\nprint('ok')", "ok\n", []),
    ]:
        _one_cell_notebook(tmp_path / "notebooks", name, source, output, depends)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env.update(CARERATES_ROOT=str(tmp_path), CARERATES_NBVAL_WAIT="20")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                             "--nbval-current-env", "-p", "no:randomly",
                             "notebooks/07_a.ipynb", "notebooks/08_reads_09.ipynb", "notebooks/09_writes.ipynb"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_nbval_kernels_start_on_ipc_sockets_in_a_private_folder():
    """The plugin's kernel manager for nbval: IPC transport, its sockets beside a connection file
    in a folder of its own (no TCP port to collide with a kernel another worker starts)."""
    from pathlib import Path

    from jupyter_client.manager import KernelManager

    from carerates.build import testing

    manager_class = testing._ipc_kernel_manager(KernelManager)
    km = manager_class(kernel_name="python3")
    assert km.transport == "ipc"
    folder = Path(km.connection_file).parent
    assert folder.name.startswith("carerates-nbval-kernel-") and km.ip.startswith(str(folder))
    km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive("1 + 1", timeout=60)
        assert reply["content"]["status"] == "ok"
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    # an explicit transport is kept
    assert manager_class(kernel_name="python3", transport="tcp").transport == "tcp"
