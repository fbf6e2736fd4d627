"""Wall time and peak memory of the pipeline on this machine (a report, not a timed test).

    .venv/bin/python scripts/benchmark.py [--skip-test]

Measures `make all` from clean (derived data, stamps and outputs rebuilt; the
environment and raw data kept), a no-op `make all`, and `make test`, next to
the floor no pipeline of separate notebooks can beat: one kernel start plus the
imports of the stack, times the number of notebooks.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def timed(command: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time (s) and the peak RSS of its largest child (MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def kernel_floor() -> float:
    """Seconds to start one kernel and import the stack, via papermill on a one-cell notebook."""
    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import pandas, numpy, scipy.stats, seaborn, statsmodels.api, matplotlib.pyplot\nimport carerates.plots")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.ipynb"
        nbformat.write(nb, path)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            pm.execute_notebook(str(path), str(path), progress_bar=False, kernel_name="python3")
            times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-test", action="store_true", help="do not time make test")
    args = parser.parse_args()
    for folder in ("data/processed", "build"):
        shutil.rmtree(ROOT / folder, ignore_errors=True)
    results = {}
    results["make all (clean)"] = timed(["make", "all"])
    results["make all (no-op)"] = timed(["make", "all"])
    if not args.skip_test:
        results["make test"] = timed(["make", "test"])
    floor = kernel_floor()
    print(f"floor: one kernel start + imports = {floor:.1f} s; x {len(NOTEBOOKS)} notebooks = {floor * len(NOTEBOOKS):.1f} s")
    for name, (wall, peak) in results.items():
        ratio = f" ({wall / (floor * len(NOTEBOOKS)):.2f} x floor)" if "clean" in name else ""
        print(f"{name:<18} {wall:7.1f} s{ratio}   peak memory of one process {peak:6.0f} MiB")
    print(json.dumps({k: {"seconds": round(v[0], 2), "peak_mib": round(v[1])} for k, v in results.items()}
                     | {"floor_seconds_per_notebook": round(floor, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
