"""Result files under ``figures/`` as ``../shared/spec/RESULTS.md`` specifies."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .io import write_csv
from .las import REGIONS
from .stats import RECORD_COLUMNS, TestResult, ranked_groups, records

SUMMARY_COLUMNS = ["region", "n", "min", "max", "mean", "sd"]

#: The judgements of the Ofsted tests, as named in the association ids.
OFSTED_JUDGEMENTS = ("overall", "help_protection", "looked_after_permanence", "adoption",
                     "care_leavers", "leadership")

#: The study's tests, in the order of ../shared/spec/RESULTS.md; the ids never change meaning.
ASSOCIATION_IDS = (
    "poverty_level_2012_2015", "poverty_change_2012_2015", "poverty_change_2007_2015",
    "turnover_level_2013_2017", "turnover_level_2013_2017_excl_london", "agency_level_2013_2017",
    "turnover_change_2013_2017", "agency_change_2013_2017",
    "innovation_level_2012_2017", "innovation_change_2012_2017",
    "unit_cost_level_2012_2016", "unit_cost_change_2012_2016",
    *(f"ofsted_{j}_{kind}_2012_2017" for j in OFSTED_JUDGEMENTS for kind in ("level", "change")),
)


def regional_summary(values: pd.Series, las: pd.DataFrame) -> pd.DataFrame:
    """Min, max, mean and sample SD of an LA-level summary per region, ascending mean.

    ``values`` is indexed by gss; LAs with a missing value are left out of their
    region's n. The excluded Isles of Scilly never count.
    """
    frame = las.loc[~las["excluded"], ["gss", "region"]].copy()
    frame["value"] = frame["gss"].map(values)
    frame = frame.dropna(subset=["value"])
    grouped = frame.groupby(frame["region"].astype(str))["value"]
    table = pd.DataFrame({
        "n": grouped.size(),
        "min": grouped.min(),
        "max": grouped.max(),
        "mean": grouped.mean(),
        "sd": grouped.std(ddof=1),
    }).reset_index(names="region")
    order = {r: i for i, r in enumerate(REGIONS)}
    table["_order"] = table["region"].map(order)
    table = table.sort_values(["mean", "_order"], ignore_index=True).drop(columns="_order")
    table["n"] = table["n"].astype(int)
    return table[SUMMARY_COLUMNS]


_SLUG = r"[a-z0-9]+(_[a-z0-9]+)*"
#: The file names ../shared/spec/RESULTS.md allows in figures/, with how each is written.
NAME_RULES = (
    ("figure_NNx_<slug>.png", re.compile(rf"^figure_\d{{2}}[a-z]?(_\d{{2}})?_{_SLUG}\.png$")),
    ("table_NNx_<slug>.csv", re.compile(rf"^table_\d{{2}}[a-z]?(_\d{{2}})?_{_SLUG}\.csv$")),
    ("tests_NN_<slug>.csv", re.compile(rf"^tests_\d{{2}}_{_SLUG}\.csv$")),
    ("associations_<slug>.csv", re.compile(rf"^associations(_{_SLUG})?\.csv$")),
    ("reproduction_<slug>.csv", re.compile(rf"^reproduction_{_SLUG}\.csv$")),
)


def name_problem(name: str) -> str | None:
    """What is wrong with a file name in ``figures/`` (None if RESULTS.md allows it).

    NN is the chapter's two-digit number (or the report's figure/table number), x an
    optional letter, <slug> lower-case letters and digits joined by single underscores.
    """
    if any(rule.match(name) for _, rule in NAME_RULES):
        return None
    allowed = ", ".join(shown for shown, _ in NAME_RULES)
    return (f"{name!r} is not a result name RESULTS.md allows ({allowed}; NN: two digits, the chapter's "
            "number; x: an optional letter; <slug>: lower-case letters, digits and single underscores, "
            "no spaces): rename it where the notebook writes it (e.g. table_11a_referee_results.csv), "
            "run `make all`, and `git rm` the old file")


def check_name(name: str) -> None:
    """Refuse a result name RESULTS.md does not allow (``ValueError`` saying the rule)."""
    problem = name_problem(name)
    if problem:
        raise ValueError(problem)


def write_table(frame: pd.DataFrame, name: str) -> Path:
    """A result table ``figures/<name>`` (CSV, full precision, deterministic).

    The name must follow RESULTS.md (:data:`NAME_RULES`, e.g. ``table_11a_referee_models``).
    Returns the path written, which a notebook cell ending in this call does not show.
    """
    if not name.endswith(".csv"):
        name += ".csv"
    check_name(name)
    return write_csv(frame, paths.figure(name))


def write_tests(results: list[TestResult], chapter: str) -> Path:
    """A chapter's test records as ``figures/tests_<chapter>.csv`` (assembled by 08)."""
    ids = [r.id for r in results]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"test id(s) used twice: {duplicated}")
    table = records(results, with_direction=True)
    # the 95% CI of each effect where the test gives one (Spearman's r_s by Fisher's z, the rank-biserial r),
    # so a sentence's interval traces to a result file (the claims check, carerates.build.claims)
    if any("ci_low" in r.details for r in results):
        table["ci_low"] = [r.details.get("ci_low", float("nan")) for r in results]
        table["ci_high"] = [r.details.get("ci_high", float("nan")) for r in results]
    # the group sizes of a two-group test ("n = 30 vs 121" in its sentence)
    if any("n_group" in r.details for r in results):
        table["n_group"] = [r.details.get("n_group", float("nan")) for r in results]
        table["n_other"] = [r.details.get("n_other", float("nan")) for r in results]
    return write_table(table, f"tests_{chapter}")


def read_tests(chapter_glob: str = "*", folder: Path | None = None) -> pd.DataFrame:
    """Every chapter's test records from ``figures/tests_<chapter>.csv``, in chapter order.

    The columns are those of ``associations.csv`` plus ``direction``. ``folder``: where
    to read them (default ``paths.figures_dir()``). A ``tests_*.csv`` file in another layout (a
    chapter's own checks, e.g. ``tests_11_fe_check.csv``) holds no test records and is not read.
    """
    files = sorted((folder or paths.figures_dir()).glob(f"tests_{chapter_glob}.csv"))
    text = {c: str for c in ("id", "section", "outcome", "predictor", "period", "test")}
    frames = [pd.read_csv(f, dtype=text) for f in files]  # a section of "3.3" stays text, not 3.3
    frames = [f for f in frames if set(RECORD_COLUMNS) <= set(f.columns)]
    if not frames:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table["significant"] = table["significant"].astype(bool)
    return table


def assemble_associations(tests: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split chapter test records into the study's tests (in RESULTS.md order) and the rest.

    Raises ValueError if a study id is missing or appears more than once, so
    ``figures/associations.csv`` always holds every id exactly once.
    """
    tests = tests.reset_index(drop=True)
    counts = tests["id"].value_counts()
    missing = [i for i in ASSOCIATION_IDS if i not in counts.index]
    repeated = sorted(counts[counts > 1].index)
    if missing or repeated:
        raise ValueError(f"associations: missing ids {missing}; repeated ids {repeated}")
    order = {i: k for k, i in enumerate(ASSOCIATION_IDS)}
    is_study = tests["id"].isin(order)
    study = tests[is_study].assign(_order=tests["id"].map(order)).sort_values("_order")
    study = study.drop(columns="_order").reset_index(drop=True)
    return study, tests[~is_study].reset_index(drop=True)


def rounded(frame: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """A copy for display: floats rounded (files keep full precision)."""
    out = frame.copy()
    floats = out.select_dtypes(include=[np.floating]).columns
    out[floats] = out[floats].round(digits)
    return out


# --- effect sizes -----------------------------------------------------------------------------
def rank_biserial_effect(values: pd.Series, in_group: pd.Series, level: float = 0.95) -> dict:
    """Rank-biserial correlation of a two-group comparison, with a CI, beside Mann-Whitney's U.

    r = 2 * U_group / (n_group * n_other) - 1 (Kerby 2014): the share of (group, other)
    pairs in which the group's value is higher minus the share in which it is lower (ties
    count half), so -1 to 1 and comparable across group sizes, unlike U. The CI is
    analytic and machine-independent: Hanley and McNeil's (1982) standard error of the
    common-language effect A = U_group / (n_group * n_other), mapped to r = 2A - 1 and
    clipped to [-1, 1]. ``values`` and ``in_group`` are aligned on their index; missing
    values are dropped.

    Returns ``{"r": ..., "ci_low": ..., "ci_high": ..., "n_group": ..., "n_other": ..., "u_group": ...}``.
    """
    from scipy import stats as sps

    _, _, n1, n2, u1 = ranked_groups(values, in_group, "rank_biserial_effect")
    u1 = float(u1)
    a = u1 / (n1 * n2)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt(max(a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n2 - 1) * (q2 - a * a), 0.0) / (n1 * n2))
    half = sps.norm.ppf(0.5 + level / 2) * se
    low, high = max(a - half, 0.0), min(a + half, 1.0)
    return {"r": 2 * a - 1, "ci_low": 2 * low - 1, "ci_high": 2 * high - 1,
            "n_group": n1, "n_other": n2, "u_group": u1}


# --- multiplicity -----------------------------------------------------------------------------
def adjust_p(p_values: pd.Series) -> pd.DataFrame:
    """Holm and Benjamini-Hochberg adjusted p-values of one family of tests (statsmodels).

    Returns a frame indexed like ``p_values`` with ``p_holm`` and ``p_bh``.
    """
    from statsmodels.stats.multitest import multipletests

    p = pd.Series(p_values, dtype=float)
    if p.isna().any():
        raise ValueError(f"adjust_p: missing p-values for {list(p.index[p.isna()])}")
    holm = multipletests(p.to_numpy(), method="holm")[1]
    bh = multipletests(p.to_numpy(), method="fdr_bh")[1]
    return pd.DataFrame({"p_holm": holm, "p_bh": bh}, index=p.index)


# --- tables a reader reads ---------------------------------------------------------------------
class StyledTable:
    """A styled table for a notebook: HTML from a pandas Styler, plain text from the frame.

    Jupyter shows the HTML; the plain-text form (what a Styler would show as its object
    address) is the table as text, so a committed notebook repeats byte for byte.
    """

    def __init__(self, styler, frame: pd.DataFrame, caption: str | None):
        self.styler, self.frame, self.caption = styler, frame, caption

    def _repr_html_(self) -> str:
        return self.styler.to_html()

    def __repr__(self) -> str:
        text = self.frame.to_string(index=self._index)
        return f"{self.caption}\n{text}" if self.caption else text

    _index = False


def styled(frame: pd.DataFrame, name: str, formats: dict | None = None, caption: str | None = None,
           index: bool = False) -> StyledTable:
    """A table for a notebook: a pandas Styler with per-column formats and deterministic HTML.

    ``name`` fixes the Styler's uuid (so the HTML repeats byte for byte); ``formats`` maps a
    column to a format string or a function (e.g. ``carerates.findings.fmt_p``). Missing
    values show as blanks. The result's ``.styler`` is the Styler itself.
    """
    import html

    # Callables' output is not escaped by the Styler: escape it here ("p < .001" is text, not a tag).
    html_formats = {c: ((lambda v, f=f: html.escape(f(v))) if callable(f) else f) for c, f in (formats or {}).items()}
    styler = frame.style.set_uuid(re.sub(r"[^A-Za-z0-9_]", "_", name)).format(html_formats, na_rep="", escape="html")
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    text = frame.copy()
    for column, fmt in (formats or {}).items():
        if column in text.columns:
            render = fmt if callable(fmt) else fmt.format
            text[column] = [("" if (not isinstance(v, str) and pd.isna(v)) else render(v)) for v in text[column]]
    table = StyledTable(styler, text, caption)
    table._index = index
    return table


# --- robustness of a finding -------------------------------------------------------------------
#: The grades of an entry of the study's lists (docs/analysis_plan.md, "Grades of the two lists"),
#: besides "not significant" for a test that is not significant here.
GRADES = ("supported", "mixed", "not supported", "single test only")


def agreement_with_alternatives(main: pd.DataFrame, variants: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """How many alternative readings of each test agree with its main run.

    ``main``: one row per test with ``id``, ``p_value`` and ``direction`` (+1/-1/0);
    ``variants``: the alternatives only (never the main run again) with ``id``, ``p_value``
    and ``direction``. An alternative agrees when it is on the same side of ``alpha`` and,
    if significant, points the same way. Returns ``id, alternatives, agree`` for every main id
    (0 alternatives where none was run).
    """
    main = main.set_index("id")
    merged = variants.merge(main[["p_value", "direction"]], left_on="id", right_index=True,
                            suffixes=("", "_main"), how="inner")
    same_side = (merged["p_value"] < alpha) == (merged["p_value_main"] < alpha)
    same_way = (merged["p_value"] >= alpha) | (np.sign(merged["direction"]) == np.sign(merged["direction_main"]))
    merged["agrees"] = same_side & same_way
    counts = merged.groupby("id").agg(alternatives=("agrees", "size"), agree=("agrees", "sum"))
    counts = counts.reindex(main.index, fill_value=0).astype(int)
    return counts.reset_index()


def list_grade(p_value: float, survives_bh: bool, agrees: list[bool], alpha: float = 0.05) -> str:
    """The grade of a significant finding from the results of chapter 09 that bear on it.

    ``agrees``: one flag per 09 result (it points the test's way and its 95% CI excludes 0, or 1
    for a ratio). ``supported``: every result agrees and the test survives Benjamini-Hochberg;
    ``not supported``: none agrees; ``mixed``: anything between; ``single test only``: no 09
    result bears on it; ``not significant``: p >= alpha.
    """
    if p_value >= alpha:
        return "not significant"
    if not agrees:
        return "single test only"
    n_agree = sum(bool(a) for a in agrees)
    if n_agree == 0:
        return "not supported"
    return "supported" if n_agree == len(agrees) and survives_bh else "mixed"
