"""The reproduction scorecard: every number the study printed beside its reproduction.

``report_values.csv`` (in ``../shared/spec/``, or wherever ``CARERATES_SPEC`` points)
lists each value the 2018 report printed that this compendium rebuilds, with where
it is printed and at the precision it is printed. It is a *yardstick only*: nothing
here feeds an analysis. :func:`build` reads the result files the chapters wrote to
``figures/`` and returns one row per published value:

``id, where, quantity, published, reproduced, precision, equal_at_precision,
same_sign, same_significance, reason``

- ``precision`` is the number of decimals the report printed (``45.6`` -> 1, ``22`` -> 0);
  ``equal_at_precision`` says whether the reproduction, rounded half away from zero
  to that many decimals, equals the printed value.
- ``same_sign`` compares the signs (empty where a sign means nothing: a U statistic,
  a count, a share, or a value the report did not print).
- ``same_significance`` compares the verdict at p < .05 (test rows only).
- ``reason`` explains a difference by a check that ran, with its value (``check`` names it,
  ``check_value`` is its value as the text writes it: a digit transposition, the readings that
  agree, a unit-cost reading that gives the printed cell, the releases of the rates a share
  depends on), or says "unexplained"; never a bare "differs".

:func:`headline` counts the tests that agree in direction and significance and the
table cells equal at printed precision, from the rows.
"""
from __future__ import annotations

import csv
import math
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from . import paths
from .errors import DataError

SPEC_ENV = "CARERATES_SPEC"
COLUMNS = ["id", "where", "quantity", "published", "reproduced", "precision", "equal_at_precision",
           "same_sign", "same_significance", "reason", "check", "check_value"]
SCORECARD_NAME = "reproduction_scorecard.csv"
PUBLISHED_COLUMNS = ("id", "where", "quantity", "value", "note")
ALPHA = 0.05
AGREES = "agrees"


# --- the published values -----------------------------------------------------------------
def spec_path() -> Path:
    """``report_values.csv``: ``$CARERATES_SPEC`` if set, else ``<root>/../shared/spec/``."""
    env = os.environ.get(SPEC_ENV)
    return Path(env) if env else paths.ROOT.parent / "shared" / "spec" / "report_values.csv"


def read_published(path: str | Path | None = None) -> pd.DataFrame:
    """The published values as text (so the printed precision survives): ``id, where, quantity, value, note``."""
    path = Path(path) if path is not None else spec_path()
    if not path.exists():
        raise DataError(path, f"the published values are not there; set {SPEC_ENV} to the path of "
                              "report_values.csv (see ../shared/spec/RESULTS.md)")
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    header = lines[0] if lines else []
    missing = [c for c in PUBLISHED_COLUMNS if c not in header]
    if missing:
        raise DataError(path, f"column(s) {missing} missing")
    if header[-1] != "note":
        raise DataError(path, f"the last column must be 'note' (free text), not {header[-1]!r}")
    width = len(header)
    records = []
    for number, fields in enumerate(lines[1:], start=2):
        if len(fields) < width:
            raise DataError(path, f"line {number}: {len(fields)} field(s), {width} expected")
        # The note is free text and the file leaves some of its commas unquoted (e.g. "(min -11,
        # max 17)"): the fields past the last column are the rest of the note, joined back.
        records.append(fields[:width - 1] + [",".join(fields[width - 1:])])
    frame = pd.DataFrame(records, columns=header, dtype=str)
    repeated = sorted(frame.loc[frame["id"].duplicated(), "id"])
    if repeated:
        raise DataError(path, f"id(s) listed twice: {repeated}")
    return frame


def published_value(value_id: str, path: str | Path | None = None) -> float:
    """One published number by id, for a notebook that compares with the report."""
    frame = read_published(path).set_index("id")
    if value_id not in frame.index:
        raise DataError(path or spec_path(), f"no published value with id {value_id!r}")
    return float(frame.at[value_id, "value"])


def printed_decimals(text: str) -> int:
    """Decimals of a printed number: ``"45.6"`` -> 1, ``"-0.13"`` -> 2, ``"22"`` -> 0."""
    text = str(text).strip()
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(f"not a printed number: {text!r}")
    return len(text.split(".")[1]) if "." in text else 0


def round_half_up(value: float, decimals: int) -> float:
    """Round as a printed table does (half away from zero), not to even."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def equal_at_precision(published: str, reproduced: float) -> bool:
    """The reproduction rounded to the printed decimals equals the printed value."""
    if reproduced is None or not math.isfinite(float(reproduced)):
        return False
    decimals = printed_decimals(published)
    return round_half_up(float(reproduced), decimals) == float(published)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


# --- reading the result files ---------------------------------------------------------------
class Figures:
    """The result files of one run, read once each (staged copies first, see ``paths``)."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory is not None else paths.figures_dir()
        self._cache: dict[str | tuple[str, str], pd.DataFrame] = {}

    def _candidates(self, pattern: str) -> list[Path]:
        dirs = [self.directory]
        staged = paths.output_path(self.directory)
        if staged != self.directory.resolve():
            dirs.insert(0, staged)
        for d in dirs:
            found = sorted(d.glob(pattern))
            if found:
                return found
        return []

    def read(self, slug: str) -> pd.DataFrame:
        """``<slug>.csv``, or the one ``table_*_<slug>.csv`` (names survive renumbering)."""
        if slug not in self._cache:
            found = self._candidates(f"{slug}.csv") or self._candidates(f"table_*_{slug}.csv")
            if len(found) != 1:
                raise DataError(self.directory, f"expected one result file for {slug!r}, found "
                                                f"{[p.name for p in found]}: run the chapter that writes it")
            self._cache[slug] = pd.read_csv(found[0])
        return self._cache[slug]

    def indexed(self, slug: str, key: str) -> pd.DataFrame:
        """``read(slug)`` indexed by ``key`` (kept: a published table is looked up cell by cell)."""
        if (slug, key) not in self._cache:
            self._cache[(slug, key)] = self.read(slug).set_index(key)
        return self._cache[(slug, key)]

    def has(self, slug: str) -> bool:
        return bool(self._candidates(f"{slug}.csv") or self._candidates(f"table_*_{slug}.csv"))


# --- the reproduction of each kind of published value ----------------------------------------
def _regional_cell(fig: Figures, table: str, region: str, stat: str) -> tuple[float, dict]:
    frame = fig.indexed(table, "region")
    if region not in frame.index:
        raise DataError(fig.directory / f"{table}.csv", f"no row for region {region!r}")
    return float(frame.at[region, stat]), {"n": int(frame.at[region, "n"])}


def _test(fig: Figures, test_id: str) -> pd.Series:
    frame = fig.indexed("associations", "id")
    if test_id not in frame.index:
        raise DataError(fig.directory / "associations.csv", f"no test {test_id!r}")
    return frame.loc[test_id]


def _national_mean(fig: Figures, table: str) -> float:
    """The mean over LAs, from a regional table (n-weighted mean of the regional means)."""
    frame = fig.read(table)
    return float((frame["n"] * frame["mean"]).sum() / frame["n"].sum())


# Table 7's rows (the report's names) and the measures of 04's table_07_workforce_changes.
WORKFORCE_CHANGE_MEASURES = {"rate_change": "rate per 10,000", "turnover_change": "turnover (%)",
                             "agency_change": "agency workers (%)"}


def _england_growth(first: int, last: int) -> tuple[float, dict]:
    """"Average annual growth" in England's count, first to last year (%).

    Read as the mean of the year-on-year growth rates (the average of the annual growths,
    the words' literal reading); the compound rate ((last / first) ** (1 / years) - 1) is the
    other reading, kept in the context.
    """
    from .io import read_parquet
    counts = read_parquet(paths.processed("england_cla.parquet")).set_index("year")["cla_number"]
    missing = [y for y in range(first, last + 1) if y not in counts.index]
    if missing:
        raise DataError(paths.processed("england_cla.parquet"), f"no England count for {missing}")
    span = counts.loc[first:last].astype(float)
    yearly = 100 * (span / span.shift(1) - 1)
    compound = 100 * ((span.iloc[-1] / span.iloc[0]) ** (1 / (last - first)) - 1)
    return float(yearly.iloc[1:].mean()), {"n": last - first, "compound_pct": float(compound)}


def reproduce(value_id: str, fig: Figures) -> tuple[float, dict]:
    """The reproduced number for one published id and what the reason rules need to know."""
    parts = value_id.split(":")
    if parts[0] == "table_07_workforce_changes" and len(parts) == 3:
        measure = WORKFORCE_CHANGE_MEASURES[parts[1]]
        frame = fig.indexed("workforce_changes", "measure")
        if measure not in frame.index:
            raise DataError(fig.directory / "table_07_workforce_changes.csv", f"no row for {measure!r}")
        return float(frame.at[measure, parts[2]]), {"n": int(frame.at[measure, "n"])}
    if value_id.startswith("table_0") and len(parts) == 3:
        return _regional_cell(fig, *parts)
    if len(parts) == 2 and parts[1] in ("statistic", "significance"):
        row = _test(fig, parts[0])
        context = {"n": int(row["n"]), "p": float(row["p_value"]), "period": str(row["period"]),
                   "significant": bool(row["significant"]), "test": row["test"]}
        return float(row["statistic"]), context
    if parts[0] == "national_average_change_2012_2017":
        frame = fig.read("national_average_change")
        row = frame[frame["period"] == "2012-2017"].iloc[0]
        return float(row[parts[1]]), {"n": int(row["n"])}
    if parts[0] == "direction_2012_2017":
        frame = fig.read("direction_shares").set_index("direction")
        key = parts[1].replace("_", " ")
        return 100 * float(frame.at[key, "share"]), {"n": int(frame["n"].sum())}
    if value_id in ("national_rate_change_2012_2015", "national_low_income_change_2012_2015"):
        frame = fig.read("national_average_changes").set_index("measure")
        measure = ("average change in rate per 10,000" if "rate" in value_id
                   else "average change in % low-income")
        return float(frame.at[measure, "mean"]), {"n": int(frame.at[measure, "n"])}
    if value_id == "national_turnover_2013_2017":
        return _national_mean(fig, "table_05_regional_turnover"), {}
    if value_id == "national_agency_2013_2017":
        return _national_mean(fig, "table_06_regional_agency"), {}
    if value_id == "innovation_funded_las":
        frame = fig.read("innovation_thresholds")
        main = _test(fig, "innovation_level_2012_2017")
        used = frame[(frame["outcome"] == "average rate") & (frame["u"] == main["statistic"])]
        return float(used["n_funded"].iloc[0]), {"counted_as_funded": used["counted_as_funded"].iloc[0]}
    if parts[0] == "ofsted_latest_overall":
        frame = fig.read("ofsted_judgements")
        frame = frame[frame["judgement"] == "Overall effectiveness"].set_index("grade")
        grade = parts[1].replace("_", " ").capitalize()
        return 100 * float(frame.at[grade, "share"]), {"n": int(frame["n_las"].sum())}
    if parts[0] == "unit_cost_2013_2017":
        frame = fig.indexed("unit_cost_sensitivity", "variant")
        return (float(frame.at["chosen", f"{parts[1]}_unit_cost"]), {"n": int(frame.at["chosen", "n_level"])})
    match = re.fullmatch(r"england_cla_growth_(\d{4})_(\d{4})", value_id)
    if match:
        return _england_growth(int(match.group(1)), int(match.group(2)))
    match = re.fullmatch(r"england_cla_(\d{4})", value_id)
    if match:
        year = int(match.group(1))
        frame = fig.read("england_series").set_index("year")
        if year in frame.index:
            return float(frame.at[year, "cla_number"]), {"source": "figures"}
        # Years before the chapters' series (1994): DfE's England time series as ingested.
        from .io import read_parquet
        series = read_parquet(paths.processed("england_cla.parquet")).set_index("year")
        return float(series.at[year, "cla_number"]), {"source": "data/processed/england_cla.parquet"}
    raise DataError(spec_path(), f"no rule reproduces the published value {value_id!r}")


# --- why a value differs: checks that ran, or "unexplained" ---------------------------------
UNEXPLAINED = "unexplained"


class Reason(str):
    """A reason's text, with the check it names and that check's value as written in the text.

    ``check`` is empty for "agrees" and for "unexplained"; otherwise the text must contain
    ``value`` (tests/test_scorecard.py checks this for every row)."""

    def __new__(cls, text: str, check: str = "", value: str = ""):
        obj = super().__new__(cls, text)
        obj.check, obj.value = check, value
        return obj


def _ofsted_main(fig: Figures) -> str:
    """The main Ofsted reading in words, e.g. "SIF by 2018-10-31", from 07's readings file."""
    if not fig.has("ofsted_readings"):
        return "as of the chapter's cut-off"
    readings = fig.read("ofsted_readings")
    return str(readings.loc[readings["main"].astype(bool), "reading"].iloc[0])


def _workforce_period(fig: Figures) -> str:
    return str(_test(fig, "turnover_level_2013_2017")["period"])


def adjacent_transposition(printed: str, reproduced: float) -> tuple[int, int] | None:
    """The positions (i, i+1) whose swap turns the reproduced whole number into the printed one, or None."""
    if reproduced is None or not math.isfinite(float(reproduced)) or float(reproduced) != int(reproduced):
        return None
    ours, theirs = str(int(reproduced)), str(printed).strip()
    if len(ours) != len(theirs) or ours == theirs:
        return None
    for i in range(len(ours) - 1):
        if ours[:i] + ours[i + 1] + ours[i] + ours[i + 2:] == theirs:
            return i, i + 1
    return None


def _readings_check(readings: pd.DataFrame | None, test_id: str, published: str, quantity: str) -> Reason:
    """For a test: how many of the readings run agree with the report, and the nearest printed r_s."""
    if readings is None or test_id not in set(readings["test"]):
        return Reason(UNEXPLAINED)
    rows = readings[readings["test"] == test_id]
    agree = int(rows["agrees"].fillna(False).astype(bool).sum())
    value = f"{agree} of {len(rows)}"
    text = f"{value} readings run agree with the report's verdict (figures/reproduction_readings.csv)"
    if quantity == "r_s" and published not in ("", None):
        target = float(published)
        nearest = rows.iloc[(rows["statistic"] - target).abs().argsort()].iloc[0]
        equal = equal_at_precision(published, nearest["statistic"])
        text += (f"; nearest r_s {nearest['statistic']:.3f} under {nearest['reading']}"
                 + (", equal at the printed precision" if equal else f": no reading gives {published}, unexplained"))
    elif agree == 0:
        text += ": unexplained"
    return Reason(text, "readings", value)


_UNIT_COST_CACHE: dict = {}


def _unit_cost_readings() -> dict[str, pd.DataFrame]:
    """Table 8 under the unit-cost readings computable from data/processed: net or gross spend,
    every year required or one missing year allowed (regional min, max, mean, SD)."""
    if not _UNIT_COST_CACHE:
        from .io import read_parquet
        from .las import load_las
        from .results import regional_summary
        from .sources import finance
        las = load_las()
        unit = read_parquet(paths.processed("unit_cost.parquet"))
        rates = read_parquet(paths.processed("cla_rates.parquet"))
        for measure in ("net", "gross"):
            panel = unit.rename(columns={f"unit_cost_{measure}": "unit_cost"})[["gss", "year", "unit_cost"]]
            for rule, min_years in (("every year required", None), ("one missing year allowed", 3)):
                level = finance.period_summaries(panel, rates, 2012, 2016, min_years)["average_unit_cost"]
                _UNIT_COST_CACHE[f"{measure} spend, {rule}"] = regional_summary(level, las).set_index("region")
    return _UNIT_COST_CACHE


def _table_8_check(value_id: str, published: str) -> Reason:
    _, region, stat = value_id.split(":")
    found = []
    for name, table in _unit_cost_readings().items():
        if region in table.index and equal_at_precision(published, float(table.at[region, stat])):
            found.append((name, float(table.at[region, stat])))
    if not found:
        near = min(((n, float(t.at[region, stat])) for n, t in _unit_cost_readings().items() if region in t.index),
                   key=lambda x: abs(x[1] - float(published)))
        value = f"{near[1]:.1f}"
        return Reason(f"unexplained: none of the 4 unit-cost readings computed here (net/gross spend x every year "
                      f"required/one missing year allowed) gives the printed {published}; nearest {value} "
                      f"({near[0]})", "unit-cost readings", value)
    name, number = found[0]
    value = f"{number:.1f}"
    kept = " (with the LAs the all-years rule drops kept)" if "missing" in name else ""
    return Reason(f"with {name}{kept}, the {region} {stat} is {value}, equal to the printed {published}",
                  "unit-cost readings", value)


def _national_rate_change_check(fig: Figures, published: str) -> Reason:
    """Candidate national figures for 2012-2015, each computed; one equal at the printed precision is named."""
    from .io import read_parquet
    frame = fig.read("national_average_changes").set_index("measure")
    areas = read_parquet(paths.processed("cla_area_rates.parquet"))
    england = areas[areas["area"] == "England"].set_index("year")["rate_per_10k"]
    candidates = {
        "England's published rate, (2015 - 2012) / 3": float((england[2015] - england[2012]) / 3),
        "the size of the LAs' mean yearly change in % low-income 2012-2015":
            abs(float(frame.at["average change in % low-income", "mean"])),
    }
    for name, number in candidates.items():
        if equal_at_precision(published, number):
            value = f"{number:.2f}"
            return Reason(f"{name} is {value}, equal to the printed {published}: the printed figure may be that "
                          f"quantity; the LAs' mean yearly rate change 2012-2015 is "
                          f"{float(frame.at['average change in rate per 10,000', 'mean']):.2f}", "candidates", value)
    values = "; ".join(f"{n} = {v:.2f}" for n, v in candidates.items())
    return Reason(f"unexplained: no candidate computed gives {published} ({values})", "candidates",
                  f"{list(candidates.values())[0]:.2f}")


def _direction_check() -> Reason:
    """Direction 2012-2017 needs only the 2012 and 2017 rates: were either revised in the releases here?"""
    from .io import read_parquet
    revisions = read_parquet(paths.processed("cla_rate_revisions.parquet"))
    rates = read_parquet(paths.processed("cla_rates.parquet"))
    both = revisions[revisions["year"].isin([2012, 2017])]
    columns = [c for c in both.columns if c not in ("gss", "year")]
    revised = int((both[columns].nunique(axis=1) > 1).sum()) if len(both) else 0
    releases = ", ".join(f"{y}: {rates.loc[rates['year'] == y, 'release'].iloc[0]}" for y in (2012, 2017))
    value = str(revised)
    return Reason(f"unexplained: the direction depends only on the 2012 and 2017 rates ({releases}, both released "
                  f"before the report); {value} LA-years of 2012 or 2017 differ between releases here, so revision "
                  "is not shown to be the cause", "revisions 2012/2017", value)


def reason(value_id: str, published: str, reproduced: float, context: dict, fig: Figures,
           agrees: bool, readings: pd.DataFrame | None = None) -> Reason:
    """Why a reproduced value differs from the printed one: a check that ran, with its value, or "unexplained"."""
    if agrees:
        return Reason(AGREES)
    if published == "":
        return Reason("not printed by the report (only its significance is compared)")
    stem = value_id.split(":")[0]
    quantity = context.get("quantity", "")
    if stem.startswith("england_cla_growth_"):
        value = f"{context['compound_pct']:.2f}%"
        return Reason(f"mean of the year-on-year growth rates; the compound annual rate is {value}",
                      "compound rate", value)
    if re.fullmatch(r"england_cla_\d{4}", stem):
        swap = adjacent_transposition(published, reproduced)
        if swap:
            value = f"{int(reproduced):,}"
            return Reason(f"DfE's series gives {value} for {stem[-4:]}: the printed {int(published):,} transposes two "
                          f"adjacent digits", "digit transposition", value)
        return Reason(f"{UNEXPLAINED}: DfE's current series gives {reproduced:,.0f}")
    if len(value_id.split(":")) == 2 and value_id.split(":")[1] in ("statistic", "significance"):
        check = _readings_check(readings, stem, published if quantity == "r_s" else "", quantity)
        if stem.startswith(("turnover_", "agency_")):
            period = str(context.get("period") or _workforce_period(fig))
            return Reason(f"workforce years {period} instead of 2013-2017 (no LA figures for September 2013 and "
                          f"2014 in the raw files); " + check, check.check or "period", check.value or period)
        return check
    if stem.startswith(("table_05", "table_06", "table_07", "national_turnover", "national_agency")):
        period = _workforce_period(fig)
        if stem.startswith("table_07") and "rate_change" in value_id:
            return Reason(UNEXPLAINED + ": the rate row is the study's average change 2013-2017 over all LAs")
        return Reason(f"workforce years {period} instead of 2013-2017: LA figures for September 2013 and 2014 are "
                      "not in the raw files", "period", period)
    if stem == "innovation_funded_las":
        funded = fig.read("innovation_thresholds")
        counts = funded[funded["outcome"] == "average rate"].set_index("threshold")["n_funded"].astype(int)
        value = str(int(reproduced))
        return Reason(f"{value} LAs counted as funded at the default threshold; the compiled list's thresholds give "
                      + ", ".join(f"{counts[t]} ({t})" for t in counts.index)
                      + f", none {published}: the grant letters' list is not public", "thresholds", value)
    if stem.startswith("table_08"):
        return _table_8_check(value_id, published)
    if stem.startswith("unit_cost_2013_2017"):
        variants = fig.indexed("unit_cost_sensitivity", "variant")
        column = "mean_unit_cost" if value_id.endswith("mean") else "sd_unit_cost"
        equal = [v for v in variants.index if equal_at_precision(published, float(variants.at[v, column]))]
        if equal:
            value = f"{float(variants.at[equal[0], column]):.2f}"
            return Reason(f"under the unit-cost reading '{equal[0]}' it is {value}, equal to the printed {published}",
                          "unit-cost readings", value)
        return Reason(f"{UNEXPLAINED}: no unit-cost reading of 06 gives {published}")
    if stem == "national_rate_change_2012_2015":
        return _national_rate_change_check(fig, published)
    if stem.startswith("direction_"):
        return _direction_check()
    if stem == "ofsted_latest_overall" and fig.has("overall_distribution_by_reading"):
        shares = fig.read("overall_distribution_by_reading")
        grade = value_id.split(":")[1].replace("_", " ").capitalize()
        rows = shares[shares["grade"] == grade]
        equal = rows[[equal_at_precision(published, v) for v in rows["share_pct"]]]
        if len(equal):
            r = equal.iloc[0]
            value = f"{r.share_pct:.1f}%"
            return Reason(f"under {r.frameworks} by {r.cutoff} the share is {value}, equal to the printed {published}% "
                          f"({len(equal)} of {len(rows)} Ofsted readings give it)", "Ofsted readings", value)
        near = rows.iloc[(rows["share_pct"] - float(published)).abs().argsort()].iloc[0]
        value = f"{near.share_pct:.1f}%"
        return Reason(f"unexplained: none of the {len(rows)} Ofsted readings gives {published}%; nearest {value} "
                      f"({near.frameworks} by {near.cutoff})", "Ofsted readings", value)
    return Reason(UNEXPLAINED)


# --- the scorecard --------------------------------------------------------------------------
def build(published: pd.DataFrame | None = None, figures_dir: str | Path | None = None,
          readings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published value (see the module docstring). ``readings``: the rows of
    :func:`carerates.readings.collect`, which the reasons of the test rows count."""
    published = read_published() if published is None else published
    fig = Figures(figures_dir)
    rows = []
    for rec in published.itertuples(index=False):
        value = str(rec.value).strip()
        reproduced, context = reproduce(rec.id, fig)
        if "innovation_funded_las" in set(published["id"]):
            funded_text = published.loc[published["id"] == "innovation_funded_las", "value"].iloc[0]
            context["study_funded"] = int(float(funded_text)) if str(funded_text).strip() else None
        row = {"id": rec.id, "where": rec.where, "quantity": rec.quantity, "published": value,
               "reproduced": reproduced, "precision": pd.NA, "equal_at_precision": pd.NA,
               "same_sign": pd.NA, "same_significance": pd.NA}
        if rec.quantity == "significance":
            ours = "significant" if context["significant"] else "not significant"
            row["reproduced"] = ours
            row["same_significance"] = ours == value
            agrees = bool(row["same_significance"])
        else:
            if value != "":
                row["precision"] = printed_decimals(value)
                row["equal_at_precision"] = equal_at_precision(value, reproduced)
                signed = rec.quantity in ("r_s", "mean", "min", "max") or "change" in rec.quantity
                if signed and _sign(float(value)) != 0:
                    row["same_sign"] = _sign(float(value)) == _sign(reproduced)
            if ":" in rec.id and rec.id.endswith(":statistic"):
                pub_sig = published.loc[published["id"] == rec.id.replace(":statistic", ":significance"), "value"]
                if len(pub_sig):
                    row["same_significance"] = (pub_sig.iloc[0] == "significant") == context["significant"]
            agrees = bool(row["equal_at_precision"]) if value != "" else False
        context["quantity"] = rec.quantity
        why = reason(rec.id, value, reproduced, context, fig, agrees, readings)
        row["reason"], row["check"], row["check_value"] = str(why), why.check, why.value
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def test_rows(card: pd.DataFrame) -> pd.DataFrame:
    """One row per published test: ``test_id, printed, same_sign, same_significance, agrees``.

    A test agrees when its significance at p < .05 is the same and, where the report
    printed a signed statistic (r_s), its sign is the same too.
    """
    is_test = card["id"].str.endswith((":statistic", ":significance"))
    tests = card[is_test].assign(test_id=card["id"].str.rsplit(":", n=1).str[0])
    out = []
    for test_id, rows in tests.groupby("test_id", sort=False):
        stat = rows[rows["id"].str.endswith(":statistic")]
        sig = rows[rows["id"].str.endswith(":significance")]
        printed = bool(len(stat)) and stat["published"].iloc[0] != ""
        sign = stat["same_sign"].iloc[0] if len(stat) else pd.NA
        same_sig = bool(sig["same_significance"].iloc[0]) if len(sig) else False
        agrees = same_sig and (pd.isna(sign) or bool(sign))
        out.append({"test_id": test_id, "printed": printed, "same_sign": sign,
                    "same_significance": same_sig, "agrees": agrees})
    return pd.DataFrame(out)


def headline(card: pd.DataFrame) -> dict:
    """The scorecard's headline counts, computed from its rows."""
    tests = test_rows(card)
    cells = card[card["id"].str.startswith("table_")]
    valued = card[card["published"].astype(str) != ""]
    numeric = valued[valued["precision"].notna()]
    return {
        "published_values": len(card),
        "tests": len(tests),
        "tests_agree": int(tests["agrees"].sum()),
        "tests_same_significance": int(tests["same_significance"].sum()),
        "tests_signed": int(tests["same_sign"].notna().sum()),
        "tests_same_sign": int(tests["same_sign"].fillna(False).astype(bool).sum()),
        "table_cells": len(cells),
        "table_cells_equal": int(cells["equal_at_precision"].fillna(False).astype(bool).sum()),
        "numbers": len(numeric),
        "numbers_equal": int(numeric["equal_at_precision"].fillna(False).astype(bool).sum()),
    }


def headline_sentence(counts: dict) -> str:
    """The headline in words (for 08's opening and the README)."""
    return (f"Of the study's {counts['tests']} published tests, {counts['tests_agree']} agree with the "
            f"reproduction in direction (where the report printed r_s) and in significance at p < .05; "
            f"{counts['table_cells_equal']} of the {counts['table_cells']} cells of its Tables 2-6 and 8 "
            f"are equal at the precision the report printed, and {counts['numbers_equal']} of all "
            f"{counts['numbers']} printed numbers.")
