"""carerates.build.run: a notebook's outputs appear only if every cell succeeded.

Each test builds a throwaway compendium root in tmp_path. The kernel finds it
through ``CARERATES_ROOT`` (read by ``carerates.paths`` at import, in the kernel);
this process uses ``carerates.paths.ROOT`` (monkeypatched) to place the stage and
move the staged files. Each execution starts a kernel (a few seconds); bad
parameters are refused before any kernel starts.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from carerates import paths


from carerates.build import run

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


class Interrupts:
    """Counts interrupts sent to kernels (a successful run must send none)."""

    def __init__(self, monkeypatch):
        from jupyter_client.manager import AsyncKernelManager
        self.calls = 0
        original = AsyncKernelManager.interrupt_kernel

        async def counting(manager, *args, **kwargs):
            self.calls += 1
            return await original(manager, *args, **kwargs)
        monkeypatch.setattr(AsyncKernelManager, "interrupt_kernel", counting)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The OK notebook executed once with its default value = 7 (one kernel for several tests)."""
    root = tmp_path_factory.mktemp("compendium")
    saved = dict(os.environ)
    with pytest.MonkeyPatch.context() as mp:
        (root / "notebooks").mkdir()
        mp.setattr(paths, "ROOT", root)
        mp.setenv("CARERATES_ROOT", str(root))
        mp.delenv("CARERATES_FIGURES", raising=False)
        mp.delenv("CARERATES_STAGE", raising=False)
        interrupts = Interrupts(mp)
        source = notebook(root / "notebooks" / "99_ok.ipynb", OK_CELLS, parameters="value = 7\nlabel = \"a\"")
        written = run.execute(source)
    os.environ.clear()
    os.environ.update(saved)
    return root, source, written, source.read_bytes(), interrupts.calls


def test_success_moves_outputs_and_strips_metadata(executed):
    root, source, written, _, interrupts = executed
    figure = root / "figures" / "table_99_ok.csv"
    assert figure.read_text() == "value 7\n"
    assert (root / "data" / "processed" / "p99.parquet").is_file()
    assert sorted(written) == sorted([figure, root / "data" / "processed" / "p99.parquet"])
    # No stage left behind; the stamp make reads records the run.
    assert not list((root / "build").glob("stage-*"))
    assert (root / "build" / "stamps" / "99_ok.done").is_file()
    # The kernel was asked to exit, not interrupted ("KeyboardInterrupt caught in kernel").
    assert interrupts == 0
    assert "KeyboardInterrupt" not in (root / "build" / "logs" / "99_ok.log").read_text()

    # executed through papermill's execute_notebook (its nbclient engine, on the kernel started here)
    assert run._PAPERMILL is not None and run._PAPERMILL.__name__ == "papermill"
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
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in code)


def test_rerun_gives_same_bytes_and_keeps_unchanged_outputs(executed, root):
    """Re-executing the notebook changes nothing, not even modification times."""
    _, _, _, content, _ = executed
    source = root / "notebooks" / "99_ok.ipynb"
    source.write_bytes(content)
    os.utime(source, ns=(10**18, 10**18))
    figure = root / "figures" / "table_99_ok.csv"
    figure.parent.mkdir()
    figure.write_text("value 7\n")
    os.utime(figure, ns=(10**18, 10**18))
    written = run.execute(source)
    assert written == [root / "data" / "processed" / "p99.parquet"]
    assert figure.stat().st_mtime_ns == 10**18
    assert source.read_bytes() == content
    assert source.stat().st_mtime_ns == 10**18


def test_run_with_parameters_writes_only_under_build_runs(executed, root, capsys):
    """A run with non-default parameters leaves notebooks/, figures/ and data/processed/ alone."""
    _, _, _, content, _ = executed
    source = root / "notebooks" / "99_ok.ipynb"
    source.write_bytes(content)
    assert run.main([str(source), "-p", "value", "8", "-p", "label", '"x"']) == 0
    out = capsys.readouterr()
    assert "unknown parameter" not in (out.out + out.err).lower()
    assert files_under(root) == ["build/logs/99_ok.log",
                                 "build/runs/99_ok-label=x-value=8/99_ok.ipynb",
                                 "build/runs/99_ok-label=x-value=8/data/processed/p99.parquet",
                                 "build/runs/99_ok-label=x-value=8/figures/table_99_ok.csv",
                                 "notebooks/99_ok.ipynb"]
    assert source.read_bytes() == content
    run_dir = root / "build" / "runs" / "99_ok-label=x-value=8"
    assert (run_dir / "figures" / "table_99_ok.csv").read_text() == "value 8\n"
    assert "build/runs/99_ok-label=x-value=8/" in out.out
    cells = json.loads((run_dir / "99_ok.ipynb").read_text())["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    assert cells.index(injected[0]) == 2  # right after the parameters cell, as papermill puts it
    assert "".join(injected[0]["source"]) == '# Parameters\nvalue = 8\nlabel = "x"\n'


@pytest.mark.parametrize("args, message", [
    (["-p", "valeu", "8"], "has no parameter 'valeu' (did you mean 'value'?); its parameters are: value, label, period"),
    (["-p", "period", "2015"], "period: a period is two years as a JSON list, e.g. -p period '[2012, 2017]'"),
    (["-p", "period", "[2017, 2012]"], "period: the period must end after it starts, not 2017-2012"),
    (["-p", "value", '"eight"'], "value: expected a whole number like the default 7"),
])
def test_bad_parameters_are_refused_before_anything_runs(root, capsys, args, message):
    source = notebook(root / "notebooks" / "99_p.ipynb", ["raise SystemExit('must not run')"],
                      parameters="value = 7\nlabel: str = 'a'\nperiod = (2012, 2017)")
    before = source.read_bytes()
    assert run.main([str(source), *args]) == 2
    assert message in capsys.readouterr().err
    assert source.read_bytes() == before
    assert not (root / "build" / "runs").exists() and not (root / "build" / "stamps").exists()


def test_years_outside_the_data_are_refused_naming_the_valid_ones(root, capsys):
    import pandas as pd

    (root / "data" / "processed").mkdir(parents=True)
    pd.DataFrame({"gss": ["E1", "E1"], "year": [2011, 2017]}).to_parquet(root / "data" / "processed" / "r.parquet")
    monkey_processed = root / "data" / "processed"
    assert run.data_years(monkey_processed) == (2011, 2017)
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": "start, end = 2012, 2017\nperiod = (2012, 2017)\nn = 5\n"}]}
    with pytest.raises(run.ParameterError, match=r"end: 2030 is outside the years of the data \(2011-2017"):
        run.check_parameters(nb, {"end": 2030}, years=(2011, 2017))
    with pytest.raises(run.ParameterError, match="period: 2008 is outside"):
        run.check_parameters(nb, {"period": [2008, 2015]}, years=(2011, 2017))
    run.check_parameters(nb, {"period": [2013, 2016], "n": 9000, "start": 2011}, years=(2011, 2017))


def test_declared_parameters_reads_tuples_and_annotations():
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": "a, b = 2012, 2017\nc: float = 0.5\nd = f(1)\nif a:\n    e = 1\n"}]}
    assert run.declared_parameters(nb) == {"a": 2012, "b": 2017, "c": 0.5, "d": ...}


def test_failure_leaves_nothing_behind(root, capsys):
    source = notebook(root / "notebooks" / "99_fail.ipynb", [
        SETUP + "\nio.write_bytes(b'half\\n', paths.figure('table_99_fail.csv'))",
        "raise RuntimeError('second cell fails')",
        "io.write_bytes(b'never\\n', paths.figure('table_99_never.csv'))",
    ])
    before = source.read_bytes()
    assert run.main([str(source)]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "second cell fails" in err and "cell 4" in err
    assert "Traceback" not in err
    assert not (root / "figures").exists()
    assert source.read_bytes() == before
    assert files_under(root) == ["build/logs/99_fail.log", "build/run.lock", "notebooks/99_fail.ipynb"]
    assert "RuntimeError" in (root / "build" / "logs" / "99_fail.log").read_text()
    # the last lines say what failed, where, and what to do; none completed, so no "others' results"
    last = err.strip().splitlines()[-3:]
    assert last[0].startswith("FAILED: notebooks/99_fail.ipynb: cell 4")
    assert last[1].startswith("No notebook completed; nothing was changed")
    assert last[2].startswith("What to do: fix that cell of notebooks/99_fail.ipynb")
    assert "others' results" not in err


def test_a_failed_ingest_ends_with_the_file_and_what_to_do():
    evalue = "/repo/data/raw/cla/2017_CLA.csv: line 4 (LA E06000001 Hartlepool), column 'CLA': not a number"
    err = run.RunError(f"cell 5 (tables = ...) raised DataError: {evalue}", "DataError", evalue)
    status = {"01_ingest": "failed", "02_describe": "not run", "03_poverty": "not run"}
    text = run.failure_summary(status, {"01_ingest": err}, {}, 3.2)
    lines = text.strip().splitlines()
    assert lines[0] == f"FAILED: 01_ingest.ipynb: cell 5 (tables = ...) raised DataError: {evalue}"
    assert lines[1] == "Not run, because a notebook they depend on failed: 02_describe, 03_poverty."
    assert lines[2] == "No notebook completed; nothing was changed (3.2 s)."
    assert lines[3].startswith("What to do: 01_ingest stopped on the file /repo/data/raw/cla/2017_CLA.csv")
    assert "`make data`" in lines[3] and lines[3].endswith("build/logs/01_ingest.log")
    # some completed: then, and only then, their results are said to be in place
    some = run.failure_summary({**status, "02_describe": "ok"}, {"01_ingest": err}, {}, 1.0)
    assert "1 of 3 notebook(s) completed; their results are in place" in some


def test_a_second_default_run_waits_for_the_first(tmp_path):
    """Two `make all` in one clone: the second waits (saying so) until the first releases the lock."""
    held = run.lock_results(tmp_path, echo=lambda *a, **k: None)
    code = ("import sys; from pathlib import Path; from carerates.build import run; "
            "run.lock_results(Path(sys.argv[1])); print('ran', flush=True)")
    second = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert second.poll() is None  # still waiting
        held.close()  # the first run ends
        out, err = second.communicate(timeout=60)
    finally:
        if second.poll() is None:
            second.kill()
    assert out == "ran\n"
    assert f"Waiting: process {os.getpid()} is already executing notebooks in this clone" in err


def test_a_run_with_parameters_takes_no_lock(executed, root):
    _, _, _, content, _ = executed
    source = root / "notebooks" / "99_ok.ipynb"
    source.write_bytes(content)
    (root / "build").mkdir()
    held = run.lock_results(root / "build", echo=lambda *a, **k: None)
    try:
        assert run.main([str(source), "-p", "value", "9"]) == 0  # would wait forever if it locked
    finally:
        held.close()


def test_papermill_with_a_parameter_leaves_figures_alone(root):
    """papermill (or any run outside the pipeline) writes results under build/runs/, never figures/;
    a cell ending in a write stores no path."""
    source = notebook(root / "notebooks" / "99_pm.ipynb", [
        "import pandas as pd\nfrom carerates import results, plots",
        "results.write_table(pd.DataFrame({'v': [value]}), 'table_99_pm')",
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nplots.save_figure(fig, 'figure_99_pm')",
    ])
    (root / "figures").mkdir()
    (root / "figures" / "table_99_pm.csv").write_text("v\n1\n")
    out = root / "out.ipynb"
    env = {**os.environ, "CARERATES_ROOT": str(root)}
    done = subprocess.run([sys.executable, "-m", "papermill", "--log-level", "ERROR", str(source), str(out),
                           "-p", "value", "2"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (root / "figures" / "table_99_pm.csv").read_text() == "v\n1\n"  # the committed result
    assert files_under(root / "figures") == ["table_99_pm.csv"]
    runs = root / "build" / "runs" / "outside-make" / "figures"
    assert (runs / "table_99_pm.csv").read_text() == "v\n2\n"
    assert (runs / "figure_99_pm.png").is_file()
    cells = json.loads(out.read_text())["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "execute_result"]  # no PosixPath stored
    notice = "".join("".join(o.get("text", "")) for o in outputs)
    assert "only `make all` writes figures/" in notice and "build/runs/outside-make/figures/" in notice


def test_ctrl_c_stops_quietly_and_keeps_nothing(root):
    """SIGINT (Ctrl-C) to the driver: a short message, exit 130, no stage, notebook untouched."""
    source = notebook(root / "notebooks" / "99_slow.ipynb", [
        SETUP + "\nio.write_bytes(b'x\\n', paths.figure('table_99_slow.csv'))\nprint('started', flush=True)",
        "import time\nopen(paths.ROOT / 'running', 'w').close()\ntime.sleep(60)",
    ])
    before = source.read_bytes()
    env = {**os.environ, "CARERATES_ROOT": str(root)}
    process = subprocess.Popen([sys.executable, "-m", "carerates.build.run", str(source)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (root / "running").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert len(err.strip().splitlines()) <= 3
    assert not list((root / "build").glob("stage-*"))
    assert not (root / "figures").exists()
    assert source.read_bytes() == before


def test_stages_of_a_killed_run_are_removed_at_the_next_start(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    killed = tmp_path / f"stage-02_describe-pid{dead}-abc"
    (killed / "files" / "figures").mkdir(parents=True)
    (killed / "files" / "figures" / "half.csv").write_text("half")
    alive = tmp_path / f"stage-03_poverty-pid{os.getpid()}-def"
    alive.mkdir()
    old_style = tmp_path / "stage-04_workforce-xyz"
    old_style.mkdir()
    assert run.clean_stale_stages(tmp_path) == [killed, old_style]
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]


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


# --- scheduling: which notebook gets a free core ---------------------------------------

class _FakeJob:
    def __init__(self, stem, n_cells):
        self.notebook = paths.ROOT / "notebooks" / f"{stem}.ipynb"
        self.content = {"cells": [{"cell_type": "code"}] * n_cells + [{"cell_type": "markdown"}] * 5}


def test_longest_chain_first():
    # 01 -> a -> c (long) and 01 -> b (short, more cells than a): a heads the longer chain
    jobs = [_FakeJob("01", 3), _FakeJob("b", 8), _FakeJob("a", 2), _FakeJob("c", 20)]
    deps = {"01": [], "a": ["01"], "b": ["01"], "c": ["a"]}
    rank = run._critical_first(jobs, deps)
    assert rank["01"] == (-(13 + 12 + 30), 0)  # its own work (10 + cells) plus a's chain
    assert sorted(rank, key=rank.get) == ["01", "a", "c", "b"]
    assert rank["b"] == (-18, 1)


def test_cores_go_to_the_best_waiter_and_never_exceed_their_number():
    import asyncio

    async def scenario():
        cores, got = run.Cores(1), []
        await cores.acquire((0, 0))  # busy

        async def want(name, priority):
            await cores.acquire(priority)
            got.append(name)

        waiting = [asyncio.ensure_future(want(n, p)) for n, p in
                   [("warm-up", (1, 0)), ("late run", (0, 5)), ("early run", (0, 1))]]
        await asyncio.sleep(0)
        assert got == []  # one core, held
        for expected in (["early run"], ["early run", "late run"], ["early run", "late run", "warm-up"]):
            cores.release()
            await asyncio.sleep(0)
            assert got == expected
        await asyncio.gather(*waiting)
        cores.release()
        await cores.acquire((9, 9))  # the core is free again: taken without waiting

    asyncio.run(scenario())


def test_identical_outputs_are_kept_without_loading_pandas(tmp_path):
    """The driver compares a rebuilt file with the one in place byte for byte first; only a file
    that differs in bytes loads carerates.build.compare (numpy, pandas): after 01_ingest that import
    held up the next chapters by 0.3 s."""
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "same.csv").write_text("x\n1\n")
    (tmp_path / "other.csv").write_text("x\n2\n")
    code = ("import sys; from pathlib import Path; from carerates.build import run; d = Path(sys.argv[1]); "
            "print(run.unchanged_result(d / 'a.csv', d / 'same.csv'), run.unchanged_result(d / 'new.csv', d / 'a.csv'), "
            "'pandas' in sys.modules, run.unchanged_result(d / 'a.csv', d / 'other.csv'), 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "False", "False", "True"]


class _TimedJob(_FakeJob):
    """A job whose kernel start and cells take simulated time; records what runs at once."""

    def __init__(self, stem, seconds, log):
        super().__init__(stem, 1)
        self.seconds, self.log, self.kernel = seconds, log, None

    async def start(self, warm=False):
        import asyncio

        await asyncio.sleep(0.01)
        self.kernel = object()

    async def finish(self):
        import asyncio

        self.log.append(("start", self.notebook.stem))
        await asyncio.sleep(self.seconds)
        self.log.append(("end", self.notebook.stem))
        return []

    async def abandon(self):
        pass


def _most_at_once(log):
    running = most = 0
    for what, _ in log:
        running += 1 if what == "start" else -1
        most = max(most, running)
    return most


@pytest.mark.parametrize("parallel, most", [(1, 1), (2, 3)])
def test_the_last_notebooks_share_the_cores(parallel, most):
    """01 -> a -> c, e and 01 -> d (long). While c and e wait for a, at most `parallel` run;
    once nothing waits, one more may start: c and e run beside d instead of one after the other."""
    import asyncio

    log = []
    durations = {"01": 0.05, "a": 0.05, "d": 0.3, "c": 0.15, "e": 0.15}
    jobs = [_TimedJob(stem, t, log) for stem, t in durations.items()]
    deps = {"01": [], "a": ["01"], "d": ["01"], "c": ["a"], "e": ["a"]}
    status = asyncio.run(run.run_all(jobs, deps, parallel, echo=lambda *a, **k: None))
    assert set(status.values()) == {"ok"}
    assert _most_at_once(log[:log.index(("end", "a"))]) <= parallel
    assert _most_at_once(log) == most
    if parallel == 2:  # c and e both started before d ended
        assert log.index(("start", "e")) < log.index(("end", "d")) > log.index(("start", "c"))


def test_kernels_are_ready_without_idling(tmp_path):
    """The driver's client (and the one papermill's nbclient makes from the same manager) is
    ready once the kernel answers, not after jupyter_client's 0.2 s of listening to a quiet IOPub."""
    import asyncio
    import time

    async def scenario():
        kernel = run.Kernel(tmp_path / "x.ipynb", {**os.environ, **run.deterministic_env()}, tmp_path / "k.log")
        try:
            await kernel.start()
            assert isinstance(kernel.kc, run.ready_client_class())
            second = kernel.km.client()  # as nbclient makes it
            second.start_channels()
            try:
                clock = time.perf_counter()
                await second.wait_for_ready(timeout=30)
                waited = time.perf_counter() - clock
                reply = await second.execute_interactive("x = 6 * 7\nprint(x)", output_hook=seen.append)
            finally:
                second.stop_channels()
        finally:
            await kernel.stop()
        return waited, reply

    seen = []
    waited, reply = asyncio.run(scenario())
    assert waited < 0.2, f"wait_for_ready took {waited:.3f} s: it idles"
    assert reply["content"]["status"] == "ok"
    # nothing of this request lost, nothing of another request taken for it
    printed = [m["content"]["text"] for m in seen if m["msg_type"] == "stream"]
    assert printed == ["42\n"]
