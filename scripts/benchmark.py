"""Wall time and peak memory of the pipeline, as multiples of the kernel floor (`make benchmark`).

    .venv/bin/python scripts/benchmark.py [--skip-test] [--repeat N] [--rounds N]

The floor is what no pipeline of separate kernels can avoid: starting a kernel
(as the pipeline starts it: ``carerates.build.run.Kernel``, so a faster start
lowers the floor too) and importing the stack (pandas, numpy, scipy.stats,
statsmodels, seaborn, matplotlib, carerates), measured here in the same run (median of ``--repeat``
starts, one at a time), before, between and after the clean runs: the machine's
speed drifts, so each clean run is set against the floors measured just before
and just after it. For n notebooks (the chapters and the exemplar profile, all
that `make all` executes) it is n x floor run one at a time and n x floor / k
with k at a time (the ideal split; the chain 01 -> 02-07 -> 09 -> 08 leaves
cores idle at the start, so the real bound is a little higher).

Also measured before and after the runs: the standard floor, papermill with its defaults
running a notebook whose one cell imports the stack (a fresh kernel started, waited for and
shut down the standard way), the floor as the developers' guide words it ("about 3 s per
notebook here"); each clean run is set against it too (the ``x standard floor`` column).

Measured, each from clean (derived data and stamps removed; environment, raw
data and committed outputs kept): `make all JOBS=1`, `make all JOBS=2` (and
`JOBS=<cores>` if more), ``--rounds`` times each, a no-op `make all`, `make test`,
`make profiles` if the Makefile has it. Peak memory, sampled every 0.1 s: the
largest single process and the whole process tree (kernels side by side add up).
Ends with a Markdown table for the README, and whether the outputs in git changed
(they must not).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACK = ("import pandas, numpy, scipy.stats, statsmodels.api, seaborn, matplotlib\n"
         "import matplotlib.pyplot\nimport carerates.plots, carerates.io")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def notebooks() -> list[Path]:
    """What `make all` executes: the chapters and the exemplar profile (each its own kernel)."""
    found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    exemplar = ROOT / "notebooks" / "profile.ipynb"
    return found + ([exemplar] if exemplar.is_file() else [])


class TreeMemory(threading.Thread):
    """Samples the summed resident memory of a process and its descendants."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.largest, self.done = pid, 0, 0, threading.Event()

    def run(self) -> None:
        import psutil

        try:
            parent = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.is_set():
            total = 0
            try:
                for proc in [parent, *parent.children(recursive=True)]:
                    try:
                        rss = proc.memory_info().rss
                        total += rss
                        self.largest = max(self.largest, rss)
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self.done.wait(0.1)


LOGS = Path(os.environ.get("TMPDIR", "/tmp")) / "carerates-benchmark"


def timed(command: list[str]) -> dict:
    """Run a command; its wall time (s), the peak RSS of its largest process and of the tree (MiB)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / ("_".join(command).replace("/", "_") + ".log")
    with open(log, "w", encoding="utf-8") as handle:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
        sampler = TreeMemory(process.pid)
        sampler.start()
        process.wait()
        wall = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed; its output: {log}\n{log.read_text()[-3000:]}")
    return {"seconds": round(wall, 2), "largest_process_mib": round(sampler.largest / 2**20),
            "tree_peak_mib": round(sampler.peak / 2**20)}


async def _start_and_import() -> None:
    """Start one kernel as the pipeline does (``carerates.build.run.Kernel``: the same kernel
    manager, client and environment, ready without idling), import the stack in it, stop it."""
    import tempfile

    from carerates.build import run

    env = {**os.environ, **run.deterministic_env()}
    with tempfile.TemporaryDirectory(prefix="carerates-floor-") as scratch:
        kernel = run.Kernel(ROOT / "notebooks" / "01_ingest.ipynb", env, Path(scratch) / "kernel.log")
        try:
            await kernel.start()
            reply = await kernel.kc.execute_interactive(STACK, store_history=False, timeout=300,
                                                        output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise SystemExit(f"the floor's imports failed: {reply['content']}")
        finally:
            await kernel.stop()


def papermill_floor(repeat: int) -> list[float]:
    """Seconds to run with papermill's defaults (its own fresh kernel, started, waited for and shut
    down the standard way) a notebook whose one cell imports the stack, ``repeat`` times: the floor
    as the developers' guide words it ("starting a kernel and importing the stack, about 3 s per
    notebook here"). Higher than :func:`kernel_floor` by what the driver saves on every notebook
    (jupyter_client's idle waits, a polite shutdown, TCP sockets)."""
    import tempfile
    from unittest import mock

    sys.modules.setdefault("rfc3987_syntax", None)  # as the driver: skip an unused slow import
    import nbformat
    import papermill

    from carerates.build import run

    times = []
    # papermill's kernel inherits this process's environment: the pipeline's settings for its duration
    with mock.patch.dict(os.environ, run.deterministic_env()), \
            tempfile.TemporaryDirectory(prefix="carerates-floor-") as scratch:
        notebook = nbformat.v4.new_notebook()
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.cells.append(nbformat.v4.new_code_cell(STACK))
        source, target = Path(scratch) / "floor.ipynb", Path(scratch) / "out.ipynb"
        nbformat.write(notebook, source)
        for _ in range(repeat):
            start = time.perf_counter()
            papermill.execute_notebook(str(source), str(target), progress_bar=False, log_output=False,
                                       stdout_file=None, stderr_file=None)
            times.append(time.perf_counter() - start)
    return times


def kernel_floor(repeat: int, at_once: int = 1) -> list[float]:
    """Seconds per kernel to start ``at_once`` kernels together and import the stack in each
    (the time until the last is ready, divided by ``at_once``), ``repeat`` times."""
    import asyncio

    async def together() -> None:
        await asyncio.gather(*(_start_and_import() for _ in range(at_once)))

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        asyncio.run(together())
        times.append((time.perf_counter() - start) / at_once)
    return times


def clean() -> None:
    for folder in ("data/processed", "build"):
        shutil.rmtree(ROOT / folder, ignore_errors=True)


def has_target(name: str) -> bool:
    return subprocess.run(["make", "-n", name], cwd=ROOT, capture_output=True).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-test", action="store_true", help="do not time make test")
    parser.add_argument("--repeat", type=int, default=3, help="kernel starts per floor measurement (median)")
    parser.add_argument("--rounds", type=int, default=1, help="times each clean make all is timed")
    args = parser.parse_args()
    n, k = len(notebooks()), cores()
    before = subprocess.run(["git", "status", "--porcelain", "notebooks", "figures"], cwd=ROOT,
                            capture_output=True, text=True).stdout

    # The machine's speed drifts (a shared virtual machine: the same kernel start took 2.4 s
    # and 2.8 s an hour apart), so the floor is measured again between the clean runs and each
    # run is set against the mean of the floors measured just before and just after it.
    # With k kernels at once the floor is also measured as such (k started together, sharing the
    # machine's caches and memory), to check the ideal split n x floor / k, which assumes k
    # cores give k times the speed of one (on 2026-12-03: 0.91-1.03 s a kernel against 0.92 s).
    parallel = sorted({j for j in (2, k) if 1 < j <= k})
    standard = [papermill_floor(args.repeat)]
    floors = [kernel_floor(args.repeat)]
    together = {j: [kernel_floor(args.repeat, j)] for j in parallel}
    results: dict[str, dict] = {}
    bounds: dict[str, float] = {}
    measured: dict[str, float] = {}
    for round_ in range(1, args.rounds + 1):
        for jobs in sorted({1, *parallel}):
            clean()
            name = f"make all, clean, JOBS={jobs}" + (f" (round {round_})" if args.rounds > 1 else "")
            results[name] = timed(["make", "all", f"JOBS={jobs}"])
            floors.append(kernel_floor(args.repeat))
            around = (statistics.median(floors[-2]) + statistics.median(floors[-1])) / 2
            bounds[name] = n * around / jobs
            if jobs > 1:
                together[jobs].append(kernel_floor(args.repeat, jobs))
                measured[name] = n * (statistics.median(together[jobs][-2])
                                      + statistics.median(together[jobs][-1])) / 2
    standard.append(papermill_floor(args.repeat))
    floor = statistics.median([t for batch in floors for t in batch])
    standard_floor = statistics.median([t for batch in standard for t in batch])
    results["make all, no-op"] = timed(["make", "all"])
    bounds["make all, no-op"] = floor
    if not args.skip_test:
        results["make test"] = timed(["make", "test"])
        bounds["make test"] = n * floor / k
    if has_target("profiles"):
        results["make profiles"] = timed(["make", "profiles"])
        bounds["make profiles"] = floor
    after = subprocess.run(["git", "status", "--porcelain", "notebooks", "figures"], cwd=ROOT,
                           capture_output=True, text=True).stdout

    today = datetime.date.today().isoformat()
    print(f"{today}, {k} core(s), {n} notebooks. Floor (kernel start + imports): median {floor:.2f} s; "
          f"measured before, between and after the clean runs (median of {args.repeat} each): "
          f"{', '.join(f'{statistics.median(b):.2f}' for b in floors)} s")
    for jobs, batches in together.items():
        print(f"Floor with {jobs} kernels started together, per kernel: "
              f"{', '.join(f'{statistics.median(b):.2f}' for b in batches)} s "
              f"(against {floor / jobs:.2f} s for the ideal split)")
    print(f"Standard floor (papermill's defaults on a notebook that only imports the stack): median "
          f"{standard_floor:.2f} s; before and after the runs: "
          f"{', '.join(f'{statistics.median(b):.2f}' for b in standard)} s")
    print()
    print("| run | wall (s) | floor for it (s) | x floor | x floor measured k at once | x standard floor | "
          "largest process (MiB) | whole tree (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        bound = bounds[name]
        what = "1 kernel" if name.endswith("no-op") or name == "make profiles" else f"{bound:.1f}"
        at_once = f"{r['seconds'] / measured[name]:.2f}" if name in measured else ""
        jobs = int(name.split("JOBS=")[1].split()[0]) if "JOBS=" in name else None
        versus = f"{r['seconds'] / (n * standard_floor / jobs):.2f}" if jobs else ""
        print(f"| `{name}` | {r['seconds']:.1f} | {what} | {r['seconds'] / bound:.2f} | {at_once} | {versus} | "
              f"{r['largest_process_mib']} | {r['tree_peak_mib']} |")
    if "make test" in results:
        fastest = min(v["seconds"] for key, v in results.items() if key.startswith("make all, clean"))
        print(f"\nmake test / fastest clean make all: {results['make test']['seconds'] / fastest:.2f}")
    print("\noutputs in git " + ("unchanged" if before == after else f"CHANGED:\n{after}"))
    print(json.dumps({"date": today, "cores": k, "notebooks": n, "floor_seconds": round(floor, 3),
                      "standard_floor_seconds": round(standard_floor, 3),
                      "standard_floors": [[round(t, 3) for t in b] for b in standard],
                      "floors": [[round(t, 3) for t in b] for b in floors],
                      "floors_together": {j: [[round(t, 3) for t in b] for b in v] for j, v in together.items()},
                      "bounds_together": {key: round(v, 2) for key, v in measured.items()},
                      "bounds": {key: round(v, 2) for key, v in bounds.items()}, "runs": results}))
    return 0 if before == after else 1


if __name__ == "__main__":
    sys.exit(main())
