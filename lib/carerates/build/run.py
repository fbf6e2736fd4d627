"""Execute notebooks, all-or-nothing, several side by side.

    python -m carerates.build.run NOTEBOOK... [-p NAME VALUE]... [--jobs N] [--make]

One process drives every notebook: each runs in its own kernel (independent
ones at the same time, up to ``--jobs``, default the number of cores), after the
chapters it depends on (``carerates.build.pipeline``). The cells are executed by
papermill's ``execute_notebook`` (its nbclient engine), handed the kernel this
driver started, and perhaps warmed, ahead of the notebook's turn. ``--make`` runs only the
notebooks that are out of date (what ``make all`` uses).

**All or nothing.** A kernel runs with ``CARERATES_STAGE`` pointing at a scratch
folder ``build/stage-*``, so every file it writes lands there first. Only when
every cell succeeded are the staged files moved into place and the executed
notebook (volatile metadata stripped, so it repeats byte for byte) written. A
failing notebook leaves everything as it was and says which cell failed; the
full traceback goes to ``build/logs/<notebook>.log``. Ctrl-C stops every kernel
and keeps nothing of the notebooks not finished; stages left by a killed run
are removed at the next start.

**Parameters.** ``-p NAME VALUE`` (VALUE read as JSON when it parses, else as
text) replaces a value of the notebook's ``parameters`` cell; papermill's
convention: an ``injected-parameters`` cell after it. Names the cell does not
assign are refused, and so are values whose type or shape differs from the
default's. A run with parameters never touches ``notebooks/``, ``figures/`` or
``data/processed/``: the executed notebook and everything it wrote go to
``build/runs/<name>/`` (``--name``; default: the notebook and its parameters).
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import difflib
import heapq
import itertools
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from .. import paths

#: Metadata that changes on every run and carries no result.
VOLATILE_CELL_KEYS = ("papermill", "execution", "ExecuteTime", "collapsed", "scrolled")
VOLATILE_NOTEBOOK_KEYS = ("papermill", "widgets")
INJECTED = "injected-parameters"


class RunError(Exception):
    """A notebook could not run; the message says why, in one or two lines.

    ``ename`` / ``evalue``: the exception the failing cell raised (None if no cell did).
    """

    def __init__(self, message: str, ename: str | None = None, evalue: str | None = None):
        super().__init__(message)
        self.ename, self.evalue = ename, evalue


class ParameterError(RunError):
    """A ``-p`` parameter the notebook does not have, or a value of the wrong kind."""


# --- notebook content ---------------------------------------------------------------

def strip_volatile(notebook: dict) -> dict:
    """Remove timings and run-specific metadata; keep outputs and execution counts."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        notebook.get("metadata", {}).pop(key, None)
    for cell in notebook.get("cells", []):
        if "outputs" in cell:
            cell["outputs"] = coalesce_streams(cell["outputs"])
        for key in VOLATILE_CELL_KEYS:
            cell.get("metadata", {}).pop(key, None)
        if INJECTED in cell.get("metadata", {}).get("tags", []) and "id" in cell:
            cell["id"] = INJECTED  # a random id would change on every run
    return notebook


def coalesce_streams(outputs: list[dict]) -> list[dict]:
    """Merge consecutive stdout (or stderr) outputs into one.

    How the kernel splits printed text into messages depends on timing, so the
    same cell can store one stream output or several; merged, they repeat byte
    for byte (nbval merges them the same way before comparing).
    """
    merged: list[dict] = []
    for output in outputs:
        if (output.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream" and merged[-1].get("name") == output.get("name")):
            text = "".join(merged[-1]["text"]) + "".join(output["text"])
            merged[-1]["text"] = text.splitlines(keepends=True)
        else:
            if output.get("output_type") == "stream":
                output = {**output, "text": "".join(output["text"]).splitlines(keepends=True)}
            merged.append(output)
    return merged


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def declared_parameters(notebook: dict) -> dict[str, object]:
    """``{name: default}`` assigned at top level of the cell tagged ``parameters``.

    A default that is not a literal (e.g. a call) is given as ``Ellipsis``: any
    value is accepted for it.
    """
    cells = [c for c in notebook.get("cells", []) if "parameters" in _tags(c)]
    if not cells:
        return {}
    found: dict[str, object] = {}
    for node in ast.parse(_source(cells[0])).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _literal(value)
            elif isinstance(target, (ast.Tuple, ast.List)):
                values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [None] * len(target.elts)
                for element, element_value in zip(target.elts, values):
                    if isinstance(element, ast.Name):
                        found[element.id] = _literal(element_value) if element_value is not None else ...
    return found


def _literal(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return ...


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text (give it as JSON: '\"...\"')"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def data_years(folder: Path | None = None) -> tuple[int, int] | None:
    """First and last year in the ``year`` columns of ``data/processed/`` (None if not built)."""
    folder = Path(folder) if folder is not None else paths.PROCESSED
    found: list[int] = []
    files = sorted(folder.glob("*.parquet"))
    if not files:
        return None
    import pyarrow.parquet as pq  # only for runs with year parameters

    for path in files:
        try:
            if "year" in pq.read_schema(path).names:
                years = pq.read_table(path, columns=["year"]).column("year").drop_null().to_pylist()
                found += [int(min(years)), int(max(years))] if years else []
        except Exception:  # an unreadable table is the notebook's problem, not the parameters'
            continue
    return (min(found), max(found)) if found else None


def check_parameters(notebook: dict, given: dict[str, object], name: str = "the notebook",
                     years: tuple[int, int] | None = None) -> None:
    """Refuse a parameter the notebook does not declare, or a value unlike its default.

    ``years``: the first and last year of the data; a year parameter outside them is refused.
    """
    declared = declared_parameters(notebook)
    problems = []
    for key, value in given.items():
        if key not in declared:
            close = difflib.get_close_matches(key, declared, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            valid = ", ".join(declared) or "none: it has no cell tagged 'parameters'"
            problems.append(f"{name} has no parameter {key!r}{hint}; its parameters are: {valid}")
            continue
        problem = _check_value(key, value, declared[key])
        if problem is None and years is not None:
            problem = _check_years(key, value, declared[key], years)
        if problem:
            problems.append(problem)
    if problems:
        raise ParameterError("\n".join(problems))


def _check_value(key: str, value: object, default: object) -> str | None:
    if default is ... or default is None:
        return None
    shown = json.dumps(default if not isinstance(default, tuple) else list(default))
    if isinstance(default, (list, tuple)) and len(default) == 2 and all(_is_year(v) for v in default):
        if not (isinstance(value, list) and len(value) == 2 and all(_is_year(v) for v in value)):
            return (f"{key}: a period is two years as a JSON list, e.g. -p {key} '{shown}' "
                    f"(start and end, years ending 31 March), not {json.dumps(value)}")
        if value[0] >= value[1]:
            return f"{key}: the period must end after it starts, not {value[0]}-{value[1]}"
        return None
    if isinstance(default, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) and isinstance(default, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float))
    elif isinstance(default, (list, tuple)):
        ok = isinstance(value, list)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        return f"{key}: expected {_kind(default)} like the default {shown}, not {json.dumps(value)}"
    if _is_year(default) and not _is_year(value):
        return f"{key}: expected a year (e.g. the default {default}), not {value}"
    return None


def _check_years(key: str, value: object, default: object, years: tuple[int, int]) -> str | None:
    values = list(value) if isinstance(default, (list, tuple)) and isinstance(value, list) else [value]
    looks_like_years = (all(_is_year(v) for v in default) if isinstance(default, (list, tuple)) and default
                        else _is_year(default))
    if not looks_like_years:
        return None
    outside = [v for v in values if _is_year(v) and not years[0] <= v <= years[1]]
    if outside:
        return (f"{key}: {', '.join(map(str, outside))} is outside the years of the data "
                f"({years[0]}-{years[1]} in data/processed/); valid years lie within {years[0]}-{years[1]}")
    return None


def inject_parameters(notebook: dict, parameters: dict[str, object], kernel_name: str = "python3") -> dict:
    """Add papermill's ``injected-parameters`` cell after the ``parameters`` cell."""
    from papermill.translators import translate_parameters  # only for runs with parameters

    language = notebook.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    source = translate_parameters(kernel_name, language, parameters, "Parameters")
    cell = {"cell_type": "code", "execution_count": None, "id": INJECTED,
            "metadata": {"tags": [INJECTED]}, "outputs": [], "source": source}
    cells = notebook["cells"]
    at = next((i + 1 for i, c in enumerate(cells) if "parameters" in _tags(c)), 0)
    notebook["cells"] = cells[:at] + [cell] + cells[at:]
    return notebook


#: Kernels that mean "this environment's Python": the compendium's registered kernel is one.
LOCAL_KERNELS = ("carerates", "python3")


def run_name(notebook: Path, parameters: dict[str, object]) -> str:
    """``05_innovation-threshold=confirmed``: a folder name for a run with parameters."""
    parts = [notebook.stem]
    for key, value in sorted(parameters.items()):
        text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        parts.append(f"{key}={text}")
    return re.sub(r"[^A-Za-z0-9_.=,+-]+", "_", "-".join(parts))[:120]


# --- stages ---------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_stages(build: Path) -> list[Path]:
    """Remove ``build/stage-*`` folders whose run is no longer alive (killed, e.g. SIGKILL)."""
    removed = []
    for stage in sorted(Path(build).glob("stage-*")):
        match = re.search(r"-pid(\d+)-", stage.name)
        if match and _alive(int(match.group(1))):
            continue
        shutil.rmtree(stage, ignore_errors=True)
        removed.append(stage)
    return removed


def unchanged_result(target: Path, staged: Path) -> bool:
    if not target.is_file():
        return False
    if target.read_bytes() == staged.read_bytes():
        return True
    from .compare import unchanged_result as same  # numpy and pandas only when a file differs in bytes

    return same(target, staged)


def _staged_targets(stage: Path, destination: Path) -> list[tuple[Path, Path]]:
    """``(staged file, its place)`` for every file of a stage."""
    pairs = []
    for staged in sorted(p for p in stage.rglob("*") if p.is_file()):
        relative = staged.relative_to(stage)
        if relative.parts[0] == "_external":
            target = Path("/").joinpath(*relative.parts[1:])
        else:
            target = destination / relative
        pairs.append((staged, target))
    return pairs


def _move_staged(stage: Path, destination: Path) -> list[Path]:
    """Move every staged file to its place under ``destination``; keep identical ones untouched."""
    moved = []
    for staged, target in _staged_targets(stage, destination):
        target.parent.mkdir(parents=True, exist_ok=True)
        if unchanged_result(target, staged):
            # unchanged, or in figures/ the same result at its stated precision (a value
            # straddling a rounding boundary on another processor): keep the file and its time
            continue
        shutil.move(str(staged), str(target))
        moved.append(target)
    return moved


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def deterministic_env() -> dict:
    """Environment settings that make kernels' outputs repeatable."""
    return {"PYTHONHASHSEED": "0", "TZ": "UTC", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# --- execution ------------------------------------------------------------------------

def _quiet_imports() -> None:
    # jsonschema (via nbformat) compiles an IRI grammar at import, 2-3 s, that
    # notebook validation never uses: skip that optional module.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


#: Imported in a kernel started ahead of its turn (a "warm" kernel), so the notebook's own
#: imports are instant. Importing prints nothing, so the notebook's outputs do not change.
WARM_IMPORTS = ("import numpy, pandas, scipy.stats, seaborn, matplotlib.pyplot\n"
                "import carerates.io, carerates.plots")  # what every chapter imports (not statsmodels)


_PAPERMILL = None


def _papermill():
    """papermill, imported once per build (the first notebook to run pays for it)."""
    global _PAPERMILL
    if _PAPERMILL is None:
        _quiet_imports()
        import papermill

        _PAPERMILL = papermill
    return _PAPERMILL


def private_ipc(folder: str | Path) -> dict:
    """Keyword arguments for a jupyter_client kernel manager: IPC sockets beside a connection file
    in ``folder`` (a folder of its own), not TCP ports. Ports picked free by one process can be
    taken by a kernel another starts at the same moment ("Address already in use": seen with the
    site's four kernels on 2026-12-04); the driver, the site and nbval's kernels all use this."""
    return {"transport": "ipc", "connection_file": str(Path(folder) / "kernel.json")}


_READY_CLIENT = None


def ready_client_class():
    """jupyter_client's asynchronous kernel client with a ``wait_for_ready`` that does not idle.

    jupyter_client's own ends by reading IOPub until 0.2 s pass with no message: 0.2 s with
    nothing to do, twice per notebook (this driver's client, then the one nbclient makes for
    papermill), 5 s over a serial build. This one is ready as soon as the kernel has answered
    ``kernel_info`` on the shell channel and a message has arrived on IOPub (the check
    jupyter_client makes that IOPub is connected: a subscriber joining late misses messages,
    so it asks again). Messages left on IOPub are harmless: nbclient and ``execute_interactive``
    skip every message that is not for the request they sent.
    """
    global _READY_CLIENT
    if _READY_CLIENT is None:
        from queue import Empty

        from jupyter_client.asynchronous import AsyncKernelClient

        class ReadyClient(AsyncKernelClient):
            async def wait_for_ready(self, timeout: float | None = None) -> None:
                deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
                while True:
                    self.kernel_info()
                    try:
                        reply = await self.shell_channel.get_msg(timeout=1)
                    except Empty:
                        reply = None
                    if reply is not None and reply["msg_type"] == "kernel_info_reply":
                        try:  # the kernel publishes its status for every request
                            await self.iopub_channel.get_msg(timeout=0.2)
                        except Empty:
                            pass  # IOPub not connected yet: ask again
                        else:
                            self._handle_kernel_info_reply(reply)
                            return
                    if not await self._async_is_alive():
                        raise RuntimeError("Kernel died before replying to kernel_info")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

        _READY_CLIENT = ReadyClient
    return _READY_CLIENT


class Kernel:
    """One kernel for one notebook: started (and warmed) first, then runs the cells, then stops."""

    def __init__(self, notebook: Path, env: dict, log_path: Path):
        self.notebook, self.env, self.log_path = notebook, env, log_path
        self.km = self.kc = self.log = self.runtime = None

    async def start(self, kernel_name: str = "python3", warm: bool = False) -> None:
        _quiet_imports()
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import ensure_async

        self.runtime = tempfile.TemporaryDirectory(prefix="carerates-kernel-")
        self.log = open(self.log_path, "w", encoding="utf-8")
        # IPC sockets in a private folder: no TCP ports, no "running over TCP" warning.
        self.km = AsyncKernelManager(kernel_name=kernel_name, **private_ipc(self.runtime.name),
                                     client_factory=ready_client_class())
        await self.km.start_kernel(env=self.env, cwd=str(self.notebook.parent), stdout=self.log, stderr=self.log)
        _papermill()  # imported (once, 0.4 s) while the first kernel boots, not after it is ready
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        await self.kc.wait_for_ready(timeout=120)
        if warm:
            reply = await self.kc.execute_interactive(WARM_IMPORTS, silent=True, store_history=False,
                                                      allow_stdin=False, output_hook=lambda msg: None)
            if reply["content"].get("status") != "ok":  # harmless: the notebook imports what it needs
                self.log.write(f"warm-up imports failed: {reply['content'].get('evalue')}\n")

    async def execute(self, content: dict) -> dict:
        """Run every cell of ``content`` with papermill's ``execute_notebook`` on this (started,
        perhaps warmed) kernel; return the executed notebook (a dict). Raises RunError.

        papermill's nbclient engine takes the kernel manager (``km=``) and, not owning it, leaves
        the kernel running for :meth:`stop`. It runs in a worker thread (its API is synchronous),
        with ``cwd=None`` (the kernel started in the notebook's folder; papermill's ``cwd`` would
        change the whole driver's directory) and the input and output in the stage folder.
        """
        papermill = _papermill()
        work = Path(tempfile.mkdtemp(dir=self.log_path.parent, prefix=f".{self.notebook.stem}-"))
        source, target = work / "input.ipynb", work / "output.ipynb"
        source.write_text(json.dumps(content), encoding="utf-8")
        try:
            try:
                nb = await asyncio.to_thread(
                    papermill.execute_notebook, str(source), str(target), km=self.km, kernel_name="python3",
                    progress_bar=False, request_save_on_cell_execute=False, record_timing=False,
                    execution_timeout=None)
            except papermill.PapermillExecutionError as err:
                self.log.write(f"\ncell {err.cell_index + 1} failed:\n{err}\n")
                first = str(err.source).strip().splitlines()[:1]
                raise RunError(f"cell {err.cell_index + 1} ({first[0][:60] if first else 'empty'}...) raised "
                               f"{err.ename}: {err.evalue}", err.ename, err.evalue) from None
            # As nbformat.writes stores it (multi-line text as lists of lines, no transient
            # keys), without its second validation and a JSON round trip (0.05 s a notebook).
            from nbformat.v4.rwbase import split_lines, strip_transient

            return strip_transient(split_lines(nb))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def stop(self) -> None:
        """End the kernel at once (SIGKILL), as nbclient's ``shutdown_kernel="immediate"``.

        Nothing is lost: every cell has replied, so its outputs are received and the
        files it wrote are closed (``carerates.io`` writes whole files, then renames). A
        polite shutdown would cost 0.3-0.5 s per notebook: the interpreter tearing down
        pandas, matplotlib and IPython's history. No interrupt is sent first (jupyter_client's
        ``shutdown_kernel`` does, and the kernel may log "KeyboardInterrupt caught in kernel").
        """
        from jupyter_core.utils import ensure_async

        try:
            if self.kc is not None:
                await ensure_async(self.kc.stop_channels())
            if self.km is not None and self.km.has_kernel:
                await self.km.signal_kernel(signal.SIGKILL)
                await self.km.finish_shutdown(waittime=5, pollinterval=0.005)
                await self.km.cleanup_resources()
        finally:
            if self.log is not None:
                self.log.close()
            if self.runtime is not None:
                self.runtime.cleanup()
            self.km = self.kc = self.log = self.runtime = None


class Job:
    """One notebook to run: where it comes from, its parameters and where its results go."""

    def __init__(self, notebook: Path, parameters: dict | None = None, name: str | None = None,
                 stamps: Path | None = None):
        self.notebook = Path(notebook).resolve()
        self.parameters = dict(parameters or {})
        root = paths.ROOT
        if self.parameters:
            self.destination = root / "build" / "runs" / (name or run_name(self.notebook, self.parameters))
            self.output = self.destination / self.notebook.name
            self.stamp = None
        else:
            self.destination = root
            self.output = self.notebook
            self.stamp = (stamps or root / "build" / "stamps") / f"{self.notebook.stem}.done"
        self.content: dict | None = None
        self.kernel: Kernel | None = None
        self.stage_root: Path | None = None
        #: result files its last run wrote but this one did not (stale, left in place)
        self.dropped: list[str] = []

    def load(self) -> dict:
        """The notebook to execute: stored outputs' injected parameters removed, ours added."""
        from .pipeline import read_notebook

        content = read_notebook(self.notebook)
        # A previous run's injected parameters would silently override the defaults.
        content["cells"] = [c for c in content["cells"] if INJECTED not in _tags(c)]
        if self.parameters:
            check_parameters(content, self.parameters, self.notebook.name, years=data_years())
            inject_parameters(content, self.parameters, "python3")
        self.content = content
        return content

    async def start(self, warm: bool = False) -> None:
        """Make the stage and start the kernel (``warm``: import the stack too)."""
        build = paths.ROOT / "build"
        (build / "logs").mkdir(parents=True, exist_ok=True)
        self.stage_root = Path(tempfile.mkdtemp(dir=build, prefix=f"stage-{self.notebook.stem}-pid{os.getpid()}-"))
        stage = self.stage_root / "files"
        stage.mkdir()
        env = {**os.environ, **deterministic_env(), "CARERATES_STAGE": str(stage),
               "CARERATES_ROOT": str(paths.ROOT)}
        if self.parameters:  # figures go to the stage, then to build/runs/<name>/figures
            env.pop("CARERATES_FIGURES", None)
        self.kernel = Kernel(self.notebook, env, build / "logs" / f"{self.notebook.stem}.log")
        kernel_name = (self.content or {}).get("metadata", {}).get("kernelspec", {}).get("name", "python3")
        # The compendium's kernel is this environment's Python: no registration needed to build.
        await self.kernel.start("python3" if kernel_name in LOCAL_KERNELS else kernel_name, warm=warm)

    async def finish(self) -> list[Path]:
        """Run the cells in the started kernel; on success move the staged files and write the notebook."""
        content = self.content if self.content is not None else self.load()
        try:
            executed = await self.kernel.execute(content)
            await self.kernel.stop()
            produced = [target for _, target in _staged_targets(self.stage_root / "files", self.destination)]
            moved = _move_staged(self.stage_root / "files", self.destination)
            text = json.dumps(strip_volatile(executed), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
            if not (self.output.is_file() and self.output.read_text(encoding="utf-8") == text):
                _write_atomic(self.output, text)
            if self.stamp is not None:
                from . import pipeline

                self.stamp.parent.mkdir(parents=True, exist_ok=True)
                self.stamp.touch()
                self.dropped = pipeline.record_results(self.notebook.stem, self.stamp.parent, produced)
            return moved
        finally:
            await self.abandon()

    async def abandon(self) -> None:
        """Stop the kernel if it runs and remove the stage (nothing is kept)."""
        kernel, self.kernel = self.kernel, None
        try:
            if kernel is not None:
                await kernel.stop()
        finally:
            stage_root, self.stage_root = self.stage_root, None
            if stage_root is not None:
                shutil.rmtree(stage_root, ignore_errors=True)

    async def run(self) -> list[Path]:
        """Start a kernel and run the notebook (see :meth:`finish`). Raises RunError."""
        if self.content is None:
            self.load()
        try:
            await self.start()
        except BaseException:
            await self.abandon()
            raise
        return await self.finish()


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def lock_results(build: Path, echo=print):
    """Hold ``build/run.lock`` while this process may write ``notebooks/`` and ``figures/``.

    Two default runs at once in one clone (two ``make all``) would each do the whole work
    and race on the stamps: the second waits, saying so, until the first is done, and then
    finds what is still out of date (usually nothing). Runs with parameters write only
    their own ``build/runs/`` folder and take no lock. Returns the open lock file (keep it).
    """
    import fcntl

    handle = open(build / "run.lock", "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        echo(f"Waiting: {holder} is already executing notebooks in this clone (a second `make all`?); "
             "this run continues when it ends (Ctrl-C to stop waiting).", file=sys.stderr, flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    handle.seek(0)
    handle.truncate()
    handle.write(f"process {os.getpid()}\n")
    handle.flush()
    return handle


def _critical_first(jobs: list[Job], deps: dict[str, list[str]]) -> dict[str, tuple]:
    """Each notebook's rank for a free core: the longest chain of work it heads first.

    The work of a notebook is guessed as a kernel start (worth about ten cells) plus its
    code cells; a notebook's chain is its own work plus the longest chain among the
    notebooks that depend on it. Starting the longest chains first keeps the last
    notebooks from running alone on one core (list scheduling by "bottom level").
    Ties: the order given.
    """
    own = {}
    for job in jobs:
        cells = (job.content or {}).get("cells", [])
        own[job.notebook.stem] = 10 + sum(1 for c in cells if c.get("cell_type") == "code")
    dependents: dict[str, list[str]] = {stem: [] for stem in own}
    for stem, before in deps.items():
        for dep in before:
            if dep in dependents and stem in own:
                dependents[dep].append(stem)
    chain: dict[str, int] = {}

    def length(stem: str) -> int:
        if stem not in chain:
            chain[stem] = own[stem] + max((length(d) for d in dependents[stem]), default=0)
        return chain[stem]

    return {stem: (-length(stem), k) for k, stem in enumerate(own)}


class Cores:
    """Cores for kernels that compute, handed out by priority (lowest first, then first come).

    A kernel holds one while it starts and imports, and while it runs its cells; a warmed
    kernel waiting for its dependencies holds none.
    """

    def __init__(self, n: int):
        self._heap: list = []
        self._free, self._order = n, itertools.count()

    async def acquire(self, priority) -> None:
        if self._free > 0 and not self._heap:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (priority, next(self._order), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a core just as it was cancelled
                self.release()
            raise

    def release(self) -> None:
        while self._heap:
            waiter = heapq.heappop(self._heap)[2]
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


async def run_all(jobs: list[Job], deps: dict[str, list[str]], parallel: int, echo=print,
                  stopping: asyncio.Event | None = None, errors: dict | None = None) -> dict[str, str]:
    """Run ``jobs`` (each after those it depends on), ``parallel`` at a time.

    Returns ``{stem: "ok" | "failed" | "not run"}``; prints one line per notebook
    (nothing more once ``stopping`` is set: the run was interrupted). ``errors``, if
    given, receives ``{stem: exception}`` for each notebook that failed.
    """
    errors = errors if errors is not None else {}
    stopping = stopping or asyncio.Event()
    shout = echo

    def echo(*args, **kwargs):  # noqa: F811 - silenced once interrupted
        if not stopping.is_set():
            shout(*args, **kwargs)

    by_stem = {job.notebook.stem: job for job in jobs}
    rank = _critical_first(jobs, deps)
    status: dict[str, str] = {}
    finished = {stem: asyncio.Event() for stem in by_stem}
    cores = Cores(max(1, parallel))
    # Kernels warmed ahead of their turn and waiting: as many as run at once (bounds memory).
    warm_waiting = asyncio.Semaphore(max(1, parallel))
    width = max(len(stem) for stem in by_stem)
    tail_shared = parallel < 2

    def share_the_tail() -> None:
        """The last stretch: once no notebook left waits for another, one kernel more than
        cores may run, so the last ones share the cores and end together (their lengths are
        not known ahead: otherwise one core idles while the longest runs alone)."""
        nonlocal tail_shared
        if tail_shared:
            return
        left = [s for s in by_stem if not finished[s].is_set()]
        if left and all(finished[d].is_set() for s in left for d in deps.get(s, []) if d in finished):
            tail_shared = True
            cores.release()

    def failed_line(stem: str, err: BaseException) -> None:
        status[stem] = "failed"
        errors[stem] = err
        if isinstance(err, RunError):
            echo(f"  {stem:<{width}}  FAILED: {err}\n  {'':<{width}}  nothing written; "
                 f"full log: {_shown(paths.ROOT / 'build' / 'logs' / (stem + '.log'))}", file=sys.stderr)
        else:  # e.g. the kernel did not start
            echo(f"  {stem:<{width}}  FAILED: {type(err).__name__}: {err}\n  {'':<{width}}  nothing written",
                 file=sys.stderr)

    async def one(stem: str) -> None:
        job = by_stem[stem]
        mine = [d for d in deps.get(stem, []) if d in finished]
        ready = lambda: all(finished[d].is_set() for d in mine)  # noqa: E731
        core = warmed = False
        busy = 0.0
        try:
            # A core free while this notebook's dependencies still run is spent starting its
            # kernel and importing the stack; the kernel then waits, holding no core, and runs
            # its cells as soon as they finish. A core goes to a notebook that can run before
            # one that would only warm up, and to the longest chain of work first (rank).
            await cores.acquire((0 if ready() else 1, rank[stem]))
            core = True
            try:
                if not ready():
                    if not warm_waiting.locked():  # else: no warm-up, the kernel starts when it can run
                        await warm_waiting.acquire()
                        warmed = True
                        clock = time.perf_counter()
                        await job.start(warm=True)
                        busy += time.perf_counter() - clock
                    if not ready():  # else keep the core and run at once
                        cores.release()
                        core = False
                    for dep in mine:
                        await finished[dep].wait()
                    if warmed:
                        warm_waiting.release()
                        warmed = False
                failed = [d for d in mine if status.get(d) != "ok"]
                if failed:
                    await job.abandon()
                    status[stem] = "not run"
                    echo(f"  {stem:<{width}}  not run: {', '.join(failed)} failed", file=sys.stderr)
                    return
                if not core:
                    await cores.acquire((0, rank[stem]))
                    core = True
                clock = time.perf_counter()
                if job.kernel is None:
                    await job.start()
                moved = await job.finish()
                busy += time.perf_counter() - clock
            except (RunError, Exception) as err:
                await job.abandon()
                failed_line(stem, err)
                return
            except BaseException:
                await job.abandon()
                raise
            status[stem] = "ok"
            changed = f", {len(moved)} output file(s) changed" if moved else ""
            echo(f"  {stem:<{width}}  {busy:5.1f} s{changed}")
            for name in getattr(job, "dropped", []):
                echo(f"  {'':<{width}}  {name}: {stem} wrote it last time but no longer does; if that is "
                     f"intended, delete it (`git rm {name}`)", file=sys.stderr)
        finally:
            if warmed:
                warm_waiting.release()
            finished[stem].set()
            if core:  # after the notebooks waiting for this one have woken and asked for a core
                asyncio.get_running_loop().call_soon(cores.release)
            asyncio.get_running_loop().call_soon(share_the_tail)

    await asyncio.gather(*(one(stem) for stem in by_stem))
    return status


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _parse_parameters(pairs: list[list[str]]) -> dict[str, object]:
    parameters = {}
    for name, value in pairs:
        try:
            parameters[name] = json.loads(value)
        except json.JSONDecodeError:
            parameters[name] = value
    return parameters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carerates.build.run", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="notebook parameter (VALUE parsed as JSON if it can be)")
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="notebooks run side by side (default: the number of cores)")
    parser.add_argument("--make", action="store_true",
                        help="run only the notebooks that are out of date (build/stamps)")
    parser.add_argument("--data-stamp", type=Path, help="file that changes when the raw data change")
    parser.add_argument("--name", help="folder under build/runs/ of a run with parameters")
    args = parser.parse_args(argv)
    parameters = _parse_parameters(args.parameter)
    if parameters and (len(args.notebooks) != 1 or args.make):
        parser.error("parameters apply to one notebook at a time, outside --make")
    if (args.name is not None) and not parameters:
        parser.error("--name is for runs with parameters (a default run writes notebooks/ and figures/)")
    if args.name is not None and not re.fullmatch(r"[A-Za-z0-9_.=,+-]+", args.name):
        parser.error("--name: letters, digits and _ . = , + - only")
    missing = [str(nb) for nb in args.notebooks if not nb.is_file()]
    if missing:
        print(f"run: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    build = paths.ROOT / "build"
    build.mkdir(exist_ok=True)
    _lock = None if parameters else lock_results(build)  # held until this process ends
    clean_stale_stages(build)

    from . import pipeline
    from ..errors import DataError

    start = time.perf_counter()
    try:
        if args.make:
            deps = pipeline.graph(args.notebooks)
            todo = pipeline.stale(args.notebooks, build / "stamps", data_stamp=args.data_stamp)
            todo = _results_changed_outside(deps, todo, build / "stamps")
            if not todo:
                print("Up to date: notebooks/ and figures/ hold the results.")
                return 0
            folder = Path(args.notebooks[0]).parent
            selected = [folder / f"{stem}.ipynb" for stem in todo]
        else:  # the notebooks named, in the order their dependencies among them allow
            selected = list(args.notebooks)
            deps = {Path(nb).stem: pipeline.dependencies(nb) for nb in selected}
        jobs = [Job(nb, parameters, args.name) for nb in selected]
        contents = {job.notebook.stem: job.load() for job in jobs}  # refuses bad parameters before any run
    except (ParameterError, DataError) as err:
        print(f"run: {err}", file=sys.stderr)
        return 2
    deps = {stem: [d for d in deps.get(stem, []) if d in contents] for stem in contents}
    parallel = args.jobs or default_jobs()
    parallel = min(parallel, len(jobs))
    if len(jobs) > 1:
        print(f"Running {len(jobs)} notebooks, {parallel} at a time:")
    errors: dict[str, BaseException] = {}
    status = asyncio.run(_main_task(jobs, deps, parallel, errors))
    if status is None:
        print("\nInterrupted: the notebooks that had not finished wrote nothing.", file=sys.stderr)
        return 130
    failed = [stem for stem, s in status.items() if s != "ok"]
    elapsed = time.perf_counter() - start
    if failed:
        print(failure_summary(status, errors, {job.notebook.stem: job.notebook for job in jobs}, elapsed),
              file=sys.stderr)
        return 1
    if parameters:
        print(f"Done in {elapsed:.1f} s. Results of this run: {_shown(jobs[0].destination)}/ "
              "(notebooks/ and figures/ untouched).")
    else:
        print(f"Done in {elapsed:.1f} s. Results: notebooks/ (executed), figures/ (figures and tables), "
              "data/processed/ (derived data).")
    return 0


def _results_changed_outside(deps: dict[str, list[str]], todo: list[str], stamps: Path) -> list[str]:
    """``todo`` plus each chapter whose results in figures/ something else changed, said so.

    A run with other parameters outside the pipeline, or an edit, may have replaced a
    committed result: its chapter re-runs, restoring it (its dependants then follow
    Make's rule). A file in figures/ that no chapter wrote is named, with what to do.
    """
    from . import pipeline

    done = [s for s in deps if s not in todo]
    changed = pipeline.changed_results(done, stamps)
    for stem, names in changed.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        print(f"{shown}: changed since {stem} wrote it (by a run outside `make all`?); "
              f"re-running {stem} restores it.", file=sys.stderr)
    for name in pipeline.unowned_results(list(deps), stamps):
        print(f"{name}: no chapter writes this file (left over, or copied in?); delete it "
              f"(`git rm {name}` if it is committed), or let a chapter write it.", file=sys.stderr)
    if not changed:
        return todo
    wanted = set(todo) | set(changed)
    for stem in pipeline.order(deps):  # the chapters that read a re-run one follow it
        if any(d in wanted for d in deps[stem]):
            wanted.add(stem)
    return [s for s in pipeline.order(deps) if s in wanted]


def failure_summary(status: dict[str, str], errors: dict[str, BaseException], where: dict[str, Path],
                    elapsed: float) -> str:
    """The last lines of a failed build: what failed, in which file, and what to do.

    They repeat each failure (which may have scrolled away above the notebooks that
    were then not run), say how many notebooks completed (none, some), and end with
    the next step: fix the input file an ingest error names, or the notebook's cell.
    """
    done = [s for s, v in status.items() if v == "ok"]
    skipped = [s for s, v in status.items() if v == "not run"]
    lines = [""]
    for stem, err in errors.items():
        notebook = _shown(where.get(stem, Path(f"{stem}.ipynb")))
        lines.append(f"FAILED: {notebook}: {err}")
    if skipped:
        lines.append(f"Not run, because a notebook they depend on failed: {', '.join(skipped)}.")
    if done:
        lines.append(f"{len(done)} of {len(status)} notebook(s) completed; their results are in place. "
                     f"The failed ones changed nothing ({elapsed:.1f} s).")
    else:
        lines.append(f"No notebook completed; nothing was changed ({elapsed:.1f} s).")
    for stem, err in errors.items():
        log = _shown(paths.ROOT / "build" / "logs" / f"{stem}.log")
        ename = getattr(err, "ename", None)
        evalue = getattr(err, "evalue", None) or ""
        if ename == "DataError":
            named = evalue.split(": ", 1)[0] if ": " in evalue else "the input file"
            lines.append(f"What to do: {stem} stopped on the file {named} (the problem is given after its name "
                         "above). If it is a raw file, `make data` restores the releases (`make verify-data` "
                         f"lists every altered one); then run `make all` again. Full traceback: {log}")
        elif ename is not None:
            lines.append(f"What to do: fix that cell of {_shown(where.get(stem, Path(stem)))} (open it with "
                         f"`make lab`; full traceback: {log}), then run `make all` again.")
        else:
            lines.append(f"What to do: see {log}, then run `make all` again.")
    return "\n".join(lines)


async def _main_task(jobs: list[Job], deps: dict[str, list[str]], parallel: int,
                     errors: dict | None = None) -> dict | None:
    """Run the jobs; on Ctrl-C or SIGTERM cancel them (each stops its kernel and stage)."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    task = asyncio.ensure_future(run_all(jobs, deps, parallel, stopping=stopping, errors=errors))

    def stop() -> None:
        stopping.set()
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        status = await task
    except asyncio.CancelledError:
        if stopping.is_set():
            return None
        raise
    return None if stopping.is_set() else status


def execute(notebook: Path, parameters: dict | None = None, quiet: bool = True, name: str | None = None) -> list[Path]:
    """Run one notebook (in place, or under build/runs/ with parameters); return the files it changed.

    ``quiet`` is kept for callers of the papermill-based version: nothing is printed anyway.

    Raises ``RunError`` (``ParameterError`` for a bad parameter) on failure.
    """
    job = Job(notebook, parameters, name)
    return asyncio.run(job.run())


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C before any kernel started: nothing was written
        print("\nInterrupted: nothing was written.", file=sys.stderr)
        sys.exit(130)
