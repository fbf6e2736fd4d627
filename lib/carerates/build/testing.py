"""pytest plugin of the compendium (loaded by ``-p carerates.build.testing`` in pyproject.toml).

- **No silent skips in CI.** When ``CI`` is set (``.ci/run`` sets it), a skipped
  test fails the run unless its file is listed under ``declared_skips`` in
  ``[tool.pytest.ini_options]`` (``"path: why"``), so a test that quietly did not
  run (data not fetched, figures not built) cannot pass for a checked one.
- **nbval in dependency order.** Under ``pytest --nbval`` (with or without
  pytest-xdist), a notebook's first cell waits until the notebooks it depends on
  (its ``carerates.depends`` metadata, see ``carerates.build.pipeline``) have finished
  in the same session; each finished notebook leaves a marker in
  ``$CARERATES_FIGURES/.nbval-done/``.
- **Kernels on IPC sockets.** nbval's kernels use IPC sockets in a private folder, as the
  pipeline's driver: TCP ports picked by one worker can be taken by a kernel another starts.
- **Quick start.** ``jsonschema`` builds an IRI grammar at import (2-3 s per
  process) that nbformat never uses; blocking that optional module before nbval
  loads makes every pytest process start seconds faster.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# Must happen before nbval (an entry-point plugin, loaded after ``-p`` plugins) imports nbformat.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import pytest  # noqa: E402

#: How long a notebook waits for its dependencies under nbval before failing (s).
WAIT_LIMIT = float(os.environ.get("CARERATES_NBVAL_WAIT", "1800"))


def pytest_addoption(parser):
    parser.addini("declared_skips", type="linelist", default=[],
                  help="'path: reason' of test files allowed to skip when CI is set")


def _declared(config) -> dict[str, str]:
    declared = {}
    for line in config.getini("declared_skips"):
        path, _, reason = line.partition(":")
        declared[path.strip()] = reason.strip()
    return declared


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not os.environ.get("CI"):
        return
    if getattr(report, "wasxfail", None) is not None:
        return
    path = Path(str(item.path)).resolve()
    try:
        relative = path.relative_to(Path(str(item.config.rootpath)).resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    if relative in _declared(item.config):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = (f"undeclared skip in CI ({reason}). A test that did not run must not pass: "
                       f"provide what it needs, or declare {relative} under declared_skips in pyproject.toml.")


# --- nbval in dependency order ---------------------------------------------------------

def _is_nbval_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"  # nbval's item class


def _marker_dir(config) -> Path:
    """Where this session's finished notebooks are marked (shared by the xdist workers)."""
    workerinput = getattr(config, "workerinput", None)
    run = workerinput["testrunuid"] if workerinput else f"pid{os.getpid()}"
    from .. import paths

    return paths.ROOT / "build" / "nbval-done" / run


def pytest_collection_modifyitems(session, config, items):
    """Remember, per notebook, its first and last cell and the dependencies collected here."""
    notebooks = {}
    for item in items:
        if _is_nbval_cell(item):
            notebooks.setdefault(Path(str(item.path)), []).append(item)
    if not notebooks:
        return
    from . import pipeline

    stems = {path.stem for path in notebooks}
    deps = {}
    for path, cells in notebooks.items():
        try:
            depends = pipeline.dependencies(path)
        except Exception:  # a broken notebook fails in nbval itself
            depends = []
        deps[path.stem] = [d for d in depends if d in stems]
        cells[0]._carerates_wait_for = deps[path.stem]
        cells[-1]._carerates_last = path.stem
    # Run (and, under xdist's --dist loadfile --no-loadscope-reorder, hand out) the notebooks in
    # dependency order, not by name: every worker takes files in that order, so a notebook waiting
    # for another can never sit ahead of it in a queue (08 depends on 09, so by name the two could
    # deadlock). xdist's default reorders files by their number of cells, largest first: the
    # Makefile turns that off.
    try:
        rank = {stem: i for i, stem in enumerate(pipeline.order(deps))}
    except Exception:  # a cycle: nbval's own order; the waits then fail with their limit
        return
    position = {id(item): k for k, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(Path(str(item.path)).stem, -1) if _is_nbval_cell(item) else -1,
                                 position[id(item)]))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    waits = getattr(item, "_carerates_wait_for", None)
    if not waits:
        return
    markers = _marker_dir(item.config)
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        if all((markers / f"{d}.done").exists() for d in waits):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {', '.join(waits)}", pytrace=False)
        time.sleep(0.05)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell (passed or not: its dependants then fail on their own if
    what it writes is missing), let the notebooks waiting for it start."""
    stem = getattr(item, "_carerates_last", None)
    if stem is None:
        return
    markers = _marker_dir(item.config)
    markers.mkdir(parents=True, exist_ok=True)
    (markers / f"{stem}.done").touch()


# --- nbval's kernels on IPC sockets -----------------------------------------------------------

_IPC_DIRS: list = []


def _ipc_kernel_manager(base):
    """``base`` (jupyter_client's KernelManager) on IPC sockets in a private folder
    (:func:`carerates.build.run.private_ipc`), as the pipeline's driver starts kernels: pytest-xdist
    workers start nbval's kernels at the same moments."""
    import tempfile

    from .run import private_ipc

    class IPCKernelManager(base):
        def __init__(self, **kwargs):
            if "transport" not in kwargs and "connection_file" not in kwargs:
                folder = tempfile.TemporaryDirectory(prefix="carerates-nbval-kernel-")
                _IPC_DIRS.append(folder)  # removed when the session ends
                kwargs.update(private_ipc(folder.name))
            super().__init__(**kwargs)

    return IPCKernelManager


def pytest_configure(config):
    if config.getoption("nbval", default=False) or config.getoption("nbval_lax", default=False):
        import nbval.kernel

        if not getattr(nbval.kernel.KernelManager, "_carerates_ipc", False):
            nbval.kernel.KernelManager = _ipc_kernel_manager(nbval.kernel.KernelManager)
            nbval.kernel.KernelManager._carerates_ipc = True


def pytest_unconfigure(config):
    while _IPC_DIRS:
        _IPC_DIRS.pop().cleanup()
