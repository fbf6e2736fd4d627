"""The study's two tests, each returning one record of ``figures/associations.csv``.

- Spearman's rank correlation, two-sided, pairs with a missing value dropped.
- Mann-Whitney U, two-sided, asymptotic normal approximation with the tie
  correction and no continuity correction, U reported as min(U1, U2): what SPSS
  reports (ANALYSIS.md, "Statistics").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

ALPHA = 0.05

#: Columns of figures/associations.csv (RESULTS.md, "Associations").
RECORD_COLUMNS = ["id", "section", "outcome", "predictor", "period", "test", "n",
                  "statistic", "p_value", "significant"]


@dataclass
class TestResult:
    """One test: the association record plus details a notebook may show."""

    id: str
    section: str
    outcome: str
    predictor: str
    period: str
    test: str
    n: int
    statistic: float
    p_value: float
    details: dict = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return bool(self.p_value < ALPHA)

    @property
    def direction(self) -> int:
        """+1 if higher predictor values (or the group) go with higher outcomes, -1 if lower, 0 if neither.

        For Spearman the sign of r_s; for Mann-Whitney the sign of U1 - n1*n2/2,
        i.e. whether the group's values tend to rank above the others'.
        """
        if self.test == "spearman":
            value = self.statistic
        else:
            value = self.details["u_group"] - self.details["n_group"] * self.details["n_other"] / 2
        return int(np.sign(value)) if np.isfinite(value) else 0

    def record(self) -> dict:
        row = {k: v for k, v in asdict(self).items() if k != "details"}
        row["significant"] = self.significant
        return {c: row[c] for c in RECORD_COLUMNS}

    def __str__(self) -> str:
        name = "r_s" if self.test == "spearman" else "U"
        return (f"{self.id}: {name} = {self.statistic:.3f}, p = {self.p_value:.4f}, "
                f"N = {self.n}{' (significant)' if self.significant else ''}")


def _aligned(x: pd.Series, y: pd.Series) -> pd.DataFrame:
    frame = pd.concat({"x": x, "y": y}, axis=1, join="outer")
    return frame.dropna()


def spearman(x: pd.Series, y: pd.Series, *, id: str, section: str, outcome: str,
             predictor: str, period: str) -> TestResult:
    """Spearman's r_s between two series aligned on their index (e.g. gss)."""
    pairs = _aligned(x, y)
    n = len(pairs)
    if n < 3:
        raise ValueError(f"{id}: only {n} complete pairs")
    result = sps.spearmanr(pairs["x"], pairs["y"])
    rho, p = float(result.statistic), float(result.pvalue)
    low, high = spearman_ci(rho, n)
    details = {"ci_low": low, "ci_high": high}
    return TestResult(id, section, outcome, predictor, period, "spearman", n, rho, p, details)


def ranked_groups(values: pd.Series, in_group: pd.Series, label: str):
    """``values`` split by ``in_group`` (aligned on their index, missing dropped), with the
    Mann-Whitney U of the True group from mid-ranks: ``(data, group, n1, n2, u1)``, ``group``
    a boolean mask of ``data``. ValueError (starting with ``label``) if a group is empty."""
    frame = _aligned(values, in_group.astype("boolean").astype(float))
    group = frame["y"].astype(bool).to_numpy()
    data = frame["x"].to_numpy(dtype=float)
    n1, n2 = int(group.sum()), int((~group).sum())
    if n1 == 0 or n2 == 0:
        raise ValueError(f"{label}: one group is empty (n1={n1}, n2={n2})")
    u1 = sps.rankdata(data)[group].sum() - n1 * (n1 + 1) / 2
    return data, group, n1, n2, u1


def mann_whitney(values: pd.Series, in_group: pd.Series, *, id: str, section: str,
                 outcome: str, predictor: str, period: str) -> TestResult:
    """Mann-Whitney U of ``values`` between ``in_group`` True and False.

    Computed directly from mid-ranks so the convention is visible: U1 from the
    rank sum of the True group, U = min(U1, U2), z with the tie-corrected
    variance and no continuity correction.
    """
    data, group, n1, n2, u1 = ranked_groups(values, in_group, id)
    u2 = n1 * n2 - u1
    n = n1 + n2
    _, tie_counts = np.unique(data, return_counts=True)
    tie_term = ((tie_counts ** 3 - tie_counts).sum()) / (n * (n - 1))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    u = min(u1, u2)
    z = (u - n1 * n2 / 2) / np.sqrt(variance) if variance > 0 else np.nan
    p = float(2 * sps.norm.sf(abs(z))) if np.isfinite(z) else np.nan
    details = {
        "n_group": n1, "n_other": n2, "u_group": float(u1), "u_other": float(u2), "z": float(z),
        "median_group": float(np.median(data[group])), "median_other": float(np.median(data[~group])),
    }
    return TestResult(id, section, outcome, predictor, period, "mann_whitney", n, float(u), p, details)


def records(results: list[TestResult], with_direction: bool = False) -> pd.DataFrame:
    """Test results as a frame with the associations columns, in the given order.

    ``with_direction`` adds the ``direction`` column (see ``TestResult.direction``),
    which chapters store so that 08 conclusions can tell lower from higher.
    """
    columns = RECORD_COLUMNS + (["direction"] if with_direction else [])
    rows = [{**r.record(), **({"direction": r.direction} if with_direction else {})} for r in results]
    return pd.DataFrame(rows, columns=columns)


def spearman_ci(r: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Approximate CI of Spearman's r_s by Fisher's z with SE sqrt(1.06 / (n - 3)) (Fieller et al. 1957)."""
    if n <= 3 or not np.isfinite(r):
        return (np.nan, np.nan)
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    half = sps.norm.ppf(0.5 + level / 2) * np.sqrt(1.06 / (n - 3))
    return (float(np.tanh(z - half)), float(np.tanh(z + half)))


def _spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's r_s of each row of ``x`` and ``y`` (NaN = left out of that row), mid-ranks for ties."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x = np.where(keep, x, np.nan)
    y = np.where(keep, y, np.nan)
    rx = sps.rankdata(x, axis=-1, nan_policy="omit")
    ry = sps.rankdata(y, axis=-1, nan_policy="omit")
    rx = rx - np.nanmean(rx, axis=-1, keepdims=True)
    ry = ry - np.nanmean(ry, axis=-1, keepdims=True)
    return np.nansum(rx * ry, axis=-1) / np.sqrt(np.nansum(rx ** 2, axis=-1) * np.nansum(ry ** 2, axis=-1))


def spearman_drop_difference(x: pd.Series, y: pd.Series, dropped: pd.Series, n_resamples: int = 2000,
                             seed: int = 2018, level: float = 0.95) -> dict:
    """How much r_s(x, y) moves when a group of units is left out: r_s without the group minus r_s
    over all units, with a percentile bootstrap CI (units resampled with their group membership, both
    correlations recomputed on each resample; fixed seed, so the result repeats). The two r_s share
    most units, so their CIs cannot be compared one with the other; this interval is of the difference."""
    frame = pd.DataFrame({"x": x, "y": y, "drop": dropped.reindex(x.index).fillna(False).astype(bool)}).dropna()
    xs, ys, drop = frame["x"].to_numpy(float), frame["y"].to_numpy(float), frame["drop"].to_numpy()
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(frame), size=(n_resamples, len(frame)))
    bx, by, bd = xs[index], ys[index], drop[index]
    r_all = _spearman_rows(bx, by)
    r_kept = _spearman_rows(np.where(bd, np.nan, bx), by)
    diffs = r_kept - r_all
    alpha = (1 - level) / 2
    full = float(sps.spearmanr(xs, ys).statistic)
    kept = float(sps.spearmanr(xs[~drop], ys[~drop]).statistic)
    return {"r_all": full, "r_without": kept, "difference": kept - full,
            "ci_low": float(np.quantile(diffs, alpha)), "ci_high": float(np.quantile(diffs, 1 - alpha)),
            "n_all": int(len(frame)), "n_without": int((~drop).sum()), "n_resamples": n_resamples}
