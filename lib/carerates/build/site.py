"""Render every LA profile (``make profiles``) and the static site (``make site``).

Profiles: a few Jupyter kernels (:data:`JOBS`, each fed by its own process) run
``notebooks/profile.ipynb``'s cells once per LA (nbclient, the kernel reused, so imports and
the shared precomputation of :mod:`carerates.profile` are paid once per kernel, not per LA);
each executed copy is converted to HTML with the code hidden and written to
``build/profiles/<slug>.html``. Every LA asked for is validated first:
an unknown one stops with a DataError before anything is written, and the HTML files are
staged and moved into place only when all of them rendered.

Site: ``build/site/`` holds a front page (the compendium's summary, generated from the result
files in ``figures/``, and how to cite it), every numbered chapter rendered from its committed
executed notebook with the code hidden, the profiles, and a profile index with a search box.
Pages are rendered by nbconvert's ``HTMLExporter`` with the template in ``site/templates``
(``lab`` without the require.js/MathJax/mermaid blocks, which load from a CDN, plus a
navigation bar); the front page and the profile index are two small Jinja templates.
"""
from __future__ import annotations

import argparse
import copy
import functools
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jinja2
from markupsafe import Markup
import nbformat
import pandas as pd

from .. import paths
from ..errors import DataError
from ..findings import fmt_r
from ..plots import official_name
from .run import private_ipc

PROFILE_NOTEBOOK = paths.NOTEBOOKS / "profile.ipynb"
BUILD = paths.ROOT / "build"
PROFILES = BUILD / "profiles"
SITE = BUILD / "site"
TEMPLATES = paths.ROOT / "site" / "templates"
TITLE = "Children in care across English local authorities"


# ---------------------------------------------------------------------------- HTML export

@functools.lru_cache(maxsize=None)
def exporter(depth: int = 0):
    """An HTMLExporter with the code hidden and the site's template; ``depth`` is how many
    folders below the site root the page sits (for the navigation bar's links)."""
    from nbconvert import HTMLExporter

    exp = HTMLExporter(template_name="compendium", extra_template_basedirs=[str(TEMPLATES)],
                       exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                       embed_images=True)
    exp.environment.globals["site_root"] = "../" * depth
    exp.environment.globals["site_title"] = TITLE
    return exp


_TITLE_CALL = re.compile(r"""(?:set_title|suptitle|title)\(\s*f?(["'])(?P<text>.+?)\1""", re.S)


def figure_alt(source: str, heading: str) -> str:
    """Alt text for a figure output: its title as the code sets it (f-string fields dropped),
    else the figure file it saves, else the section heading."""
    match = _TITLE_CALL.search(source)
    if match:
        text = match.group("text").replace("\\n", " ")
        text = re.sub(r"\([^()]*\{[^{}]*\}[^()]*\)", "", text)  # a parenthesis with a computed field
        text = re.sub(r"[^,.:;]*\{[^{}]*\}[^,.:;]*", "", text)  # a clause with a computed field
        text = re.sub(r"\s*([,.:;])(\s*[,.:;])+", r"\1", re.sub(r"\s+", " ", text)).strip(" ,.:;")
        if text:
            return f"{text} (section: {heading})" if heading else text
    saved = re.search(r"save_figure\([^,]+,\s*[\"'](?P<name>[^\"']+)", source)
    if saved:
        return f"Figure {saved.group('name')} (section: {heading})"
    return f"Figure of the section {heading}" if heading else "Figure"


def add_alt_text(nb) -> int:
    """Give every PNG output without alt text one (see :func:`figure_alt`). Returns how many."""
    heading, count = "", 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
            continue
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                meta = output.setdefault("metadata", {})
                if not meta.get("alt") and not meta.get("image/png", {}).get("alt"):
                    meta["alt"] = figure_alt(cell.source, heading)
                    count += 1
    return count


def notebook_title(nb, number: str | None = None) -> tuple[str, str]:
    """(title, question) from a notebook's first markdown cell. With ``number`` (the chapter's file
    number, "03"), the title is numbered one way whatever its heading says ("3.3 Poverty: ..." ->
    "03 Poverty: ...")."""
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    title = next((l.lstrip("#").strip() for l in first.splitlines() if l.startswith("#")), "")
    if number is not None:
        title = f"{number} " + re.sub(r"^\d+(?:\.\d+)?\.?\s+", "", title)
    question = ""
    match = re.search(r"\*\*Question[.:]\*\*:?(?P<q>.+?)(?:\n\n|$)", first, re.S)
    if match:
        question = re.sub(r"\s+", " ", match.group("q")).strip()
    return title, question


def inline_markdown(text: str) -> Markup:
    """A line of Markdown (``**bold**``, ``*em*``, `` `code` ``, links) as safe inline HTML, for the
    chapter list: the reader sees the emphasis, not the asterisks."""
    import mistune

    html = mistune.html(text).strip()
    html = re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.S)
    return Markup(html)


def to_html(nb, title: str, depth: int) -> str:
    add_alt_text(nb)
    body, _ = exporter(depth).from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


# ---------------------------------------------------------------------------- profiles

def _inject(nb, la_code: str):
    """A copy of the profile notebook with its parameters cell set to one LA."""
    out = copy.deepcopy(nb)
    cells = [c for c in out.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise DataError(PROFILE_NOTEBOOK, "needs exactly one cell tagged 'parameters'")
    cells[0].source = f"la = {la_code!r}"
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return out


def _render_batch(codes: list[str], stage: str) -> tuple[list[tuple[str, float]], str | None]:
    """Run the profile notebook for ``codes`` in one kernel; write ``<slug>.html`` to ``stage``.
    Returns the time each took and the first failure's message (DataError does not pickle)."""
    try:
        return _render(codes, stage), None
    except DataError as error:
        return [], str(error)


def _render(codes: list[str], stage: str) -> list[tuple[str, float]]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from .. import profile

    data = profile.load()
    base = nbformat.read(PROFILE_NOTEBOOK, as_version=4)
    env = {**os.environ, "PYTHONHASHSEED": "0", "TZ": "UTC", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    client = NotebookClient(base, kernel_name="python3", timeout=120, allow_errors=False,
                            resources={"metadata": {"path": str(paths.NOTEBOOKS)}})
    runtime = tempfile.TemporaryDirectory(prefix="carerates-profile-kernel-")
    client.km = client.kernel_manager_class(kernel_name="python3", **private_ipc(runtime.name))
    timings = []
    try:
        client.start_new_kernel(env=env, cwd=str(paths.NOTEBOOKS))
        client.start_new_kernel_client()
        for code in codes:
            started = time.perf_counter()
            row = data.las.set_index("gss").loc[code]
            nb = _inject(base, code)
            client.nb = nb
            for index, cell in enumerate(nb.cells):
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    raise DataError(PROFILE_NOTEBOOK, f"profile of {row.la_name} failed in cell {index}: "
                                                      f"{error.ename}: {error.evalue}") from None
            page = to_html(nb, f"{row.la_name}: local authority profile", depth=1)
            (Path(stage) / f"{row.slug}.html").write_text(page, encoding="utf-8")
            timings.append((code, time.perf_counter() - started))
    finally:
        if client.km is not None:  # nbclient cleans up itself when its client fails to start
            client._cleanup_kernel()
        runtime.cleanup()
    return timings


#: Kernels run side by side: two per core, since each kernel and the process feeding it take turns
#: (measured on 2 cores shared with other work: 2 kernels 167 s, 3 kernels 89 s, 4 kernels 73 s).
JOBS = min(4, 2 * (os.cpu_count() or 1))


def render_profiles(queries: list[str] | None = None, out_dir: Path = PROFILES, jobs: int = JOBS) -> dict:
    """Render the profiles of ``queries`` (names, numbers or codes; default all 152 LAs) to
    ``out_dir``. Validates every query first; writes nothing if one is unknown or a profile
    fails. Returns timing facts."""
    from .. import profile

    started = time.perf_counter()
    las = read_las()  # every LA asked for is checked before anything is computed or written
    codes = sorted(las["gss"]) if not queries else [profile.resolve_la(q, las)["gss"] for q in queries]
    codes = list(dict.fromkeys(codes))
    profile.load()  # builds the cache once, before the kernels read it
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".profiles-", dir=out_dir.parent))
    try:
        jobs = max(1, min(jobs, len(codes)))
        batches = [codes[i::jobs] for i in range(jobs)]
        if jobs == 1:
            results = [_render_batch(codes, str(stage))]
        else:
            with ProcessPoolExecutor(jobs) as pool:
                results = list(pool.map(_render_batch, batches, [str(stage)] * jobs))
        failures = [error for _, error in results if error]
        if failures:
            raise DataError(None, "; ".join(failures))
        timings = [t for part, _ in results for t in part]
        out_dir.mkdir(parents=True, exist_ok=True)
        for page in sorted(stage.glob("*.html")):
            os.chmod(page, 0o644)
            os.replace(page, out_dir / page.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    per_la = [t for _, t in timings]
    return {"profiles": len(codes), "seconds": time.perf_counter() - started, "jobs": jobs,
            "mean_seconds_per_profile_in_kernel": sum(per_la) / len(per_la)}


# ---------------------------------------------------------------------------- front page

def summary_sentences(figures: Path | None = None) -> list[str]:
    """The compendium's headline findings, generated from its result files in ``figures/``."""
    figures = Path(figures or paths.figures_dir())
    out = []
    england = pd.read_csv(figures / "table_02a_england_series.csv").dropna(subset=["rate_per_10k"])
    first, last = england.iloc[0], england.iloc[-1]
    out.append(f"In England the rate of children looked after rose from {first.rate_per_10k:.0f} per 10,000 "
               f"children in {int(first.year)} to {last.rate_per_10k:.0f} in {int(last.year)} "
               f"({int(first.cla_number):,} to {int(last.cla_number):,} children).")
    las = pd.read_csv(figures / "table_02d_la_averages.csv").dropna(subset=["average_rate"])
    shown = las.average_rate.map(lambda v: float(f"{v:.1f}"))  # ties at the precision shown are named together
    lows = " and ".join(official_name(n) for n in las.loc[shown == shown.min(), "la_name"])
    highs = " and ".join(official_name(n) for n in las.loc[shown == shown.max(), "la_name"])
    out.append(f"Across the {len(las)} local authorities the average rate over 2013-2017 ranged from "
               f"{las.average_rate.min():.1f} per 10,000 ({lows}) to {las.average_rate.max():.1f} ({highs}), "
               f"{las.average_rate.max() / las.average_rate.min():.1f} times as high; the median LA's was "
               f"{las.average_rate.median():.1f}.")
    regions = pd.read_csv(figures / "table_02_regional_average_rate.csv")
    lo, hi = regions.loc[regions["mean"].idxmin()], regions.loc[regions["mean"].idxmax()]
    out.append(f"By region, the mean of the LAs' average rates was lowest in {lo.region} ({lo['mean']:.1f}) "
               f"and highest in {hi.region} ({hi['mean']:.1f}).")
    lists = figures / "table_08a_conclusions_lists.csv"
    if lists.exists():
        n = len(pd.read_csv(lists))
        out.append(f"{n} of the study's single-factor tests found an association here; the table below gives each "
                   f"factor, what it went with and how robust chapter 08 grades it.")
    headline = figures / "reproduction_scorecard_headline.csv"
    if headline.exists():
        h = pd.read_csv(headline).set_index("measure")["value"]
        out.append(f"Against the study's published numbers: {h['tests_agree']} of its {h['tests']} tests agree in "
                   f"direction and significance, and {h['table_cells_equal']} of {h['table_cells']} table cells "
                   f"are equal at the printed precision (chapter 08 explains each difference).")
    coefficients = figures / "table_09d_cross_sectional_coefficients.csv"
    if coefficients.exists():
        nb = pd.read_csv(coefficients)
        nb = nb[(nb.model == "negative_binomial") & (nb.term == "low_income_pct")]
        if len(nb):
            r = nb.iloc[0]
            out.append(f"Taken together with the workforce, spending and region (chapter 09), one standard "
                       f"deviation more children in low-income families went with a {100 * (r.rate_ratio - 1):.0f}% "
                       f"higher rate (95% CI {100 * (r.rr_ci_low - 1):.0f}% to {100 * (r.rr_ci_high - 1):.0f}%, "
                       f"{int(r.n)} LAs).")
    return out


def summary_table(figures: Path | None = None) -> list[dict]:
    """One row per factor the study's single-factor tests found associated here (``table_08a``):
    the factor, what it went with, its test and chapter 08's grade; [] if 08 has not run."""
    path = Path(figures or paths.figures_dir()) / "table_08a_conclusions_lists.csv"
    if not path.exists():
        return []
    rows = []
    for r in pd.read_csv(path).itertuples():
        effect = f"r_s = {fmt_r(r.statistic)}" if r.test == "spearman" else f"U = {r.statistic:,.0f}"
        grade = getattr(r, "grade", "")
        rows.append({"factor": r.factor, "went_with": r.list, "period": r.period,
                     "test": f"{effect}, N = {int(r.n)}", "grade": grade if isinstance(grade, str) else ""})
    return rows


def _jinja() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              keep_trailing_newline=True)


def chapters() -> list[Path]:
    return sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def write_profile_index(folder: Path, las: pd.DataFrame, depth: int = 1) -> Path:
    """``folder/index.html``: every LA with a profile in ``folder``, with a search box."""
    rows = [dict(name=r.la_name, href=f"{r.slug}.html", region=r.region, number=int(r.la_number), gss=r.gss)
            for r in las.sort_values("la_name").itertuples() if (folder / f"{r.slug}.html").exists()]
    page = _jinja().get_template("profiles_index.html.j2").render(
        rows=rows, site_root="../" * depth, site_title=TITLE)
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def build_site(out_dir: Path = SITE, profiles_dir: Path = PROFILES) -> dict:
    """Write the site to ``out_dir`` (staged, then swapped into place)."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".site-", dir=out_dir.parent))
    try:
        (stage / "chapters").mkdir()
        entries = []
        for path in chapters():
            nb = nbformat.read(path, as_version=4)
            title, question = notebook_title(nb, number=path.stem[:2])
            name = f"{path.stem}.html"
            (stage / "chapters" / name).write_text(to_html(nb, title, depth=1), encoding="utf-8")
            entries.append(dict(href=f"chapters/{name}", title=title, question=inline_markdown(question),
                                file=path.name))
        las = read_las()
        (stage / "profiles").mkdir()
        for page in sorted(Path(profiles_dir).glob("*.html")):
            if page.name != "index.html":
                shutil.copyfile(page, stage / "profiles" / page.name)
        write_profile_index(stage / "profiles", las)
        n_profiles = len(list((stage / "profiles").glob("*.html"))) - 1
        index = _jinja().get_template("index.html.j2").render(
            site_title=TITLE, site_root="", summary=summary_sentences(), factors=summary_table(), chapters=entries,
            n_profiles=n_profiles, example=_example_profile(stage / "profiles", las))
        (stage / "index.html").write_text(index, encoding="utf-8")
        shutil.copyfile(TEMPLATES / "site.css", stage / "site.css")
        for f in stage.rglob("*"):
            os.chmod(f, 0o755 if f.is_dir() else 0o644)
        os.chmod(stage, 0o755)
        old = out_dir.with_name(out_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(stage, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return {"chapters": len(entries), "profiles": n_profiles, "seconds": time.perf_counter() - started}


def read_las() -> pd.DataFrame:
    from ..io import read_parquet
    from ..profile import slug

    las = read_parquet(paths.processed("las.parquet"))
    las["region"] = las["region"].astype(str)
    las["la_name"] = las["la_name"].map(official_name)  # as the profiles name them ("Isles of Scilly")
    las["slug"] = las["la_name"].map(slug)
    return las


def _example_profile(folder: Path, las: pd.DataFrame) -> dict | None:
    """The profile of the notebook's default LA, for the front page's link."""
    from ..profile import resolve_la

    nb = nbformat.read(PROFILE_NOTEBOOK, as_version=4)
    source = next(c.source for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
    match = re.search(r"la\s*=\s*[\"'](?P<la>[^\"']+)", source)
    if not match:
        return None
    row = resolve_la(match.group("la"), las)
    return dict(name=row.la_name, href=f"profiles/{row.slug}.html") if (folder / f"{row.slug}.html").exists() else None


# ---------------------------------------------------------------------------- command line

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m carerates.build.site", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("profiles", help="render LA profiles to build/profiles/")
    p.add_argument("--la", action="append", help="an LA (name, DfE number or GSS code); repeat; default all")
    p.add_argument("--jobs", type=int, default=JOBS, help=f"kernels run side by side (default {JOBS})")
    sub.add_parser("site", help="build the static site in build/site/ from the notebooks and build/profiles/")
    args = parser.parse_args(argv)
    try:
        if args.command == "profiles":
            facts = render_profiles(args.la, jobs=args.jobs)
            write_profile_index(PROFILES, read_las())
            print(f"{facts['profiles']} profile(s) in {PROFILES.relative_to(paths.ROOT)}/ in {facts['seconds']:.1f} s "
                  f"({facts['jobs']} kernel(s); {facts['mean_seconds_per_profile_in_kernel']:.2f} s per profile in a kernel)")
        else:
            facts = build_site()
            print(f"site in {SITE.relative_to(paths.ROOT)}/: {facts['chapters']} chapters, {facts['profiles']} profiles, "
                  f"{facts['seconds']:.1f} s")
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
