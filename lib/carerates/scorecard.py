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
- ``reason`` explains every difference from the data (a shorter period, another
  list, an estimate, a revised release), computed by rule from the result files,
  never a bare "differs".

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
           "same_sign", "same_significance", "reason"]
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


# --- why a value differs: rules from known causes ------------------------------------------
def _ofsted_main(fig: Figures) -> str:
    """The main Ofsted reading in words, e.g. "SIF+ILACS by 2018-10-31", from 07's readings file."""
    if not fig.has("ofsted_readings"):
        return "as of the chapter's cut-off"
    readings = fig.read("ofsted_readings")
    return str(readings.loc[readings["main"].astype(bool), "reading"].iloc[0])


def _readings(fig: Figures, test_id: str) -> pd.DataFrame:
    """Every alternative reading of one test the chapters ran: ``reading, statistic, significant``."""
    frames = []
    tests = fig.read("associations_additional") if fig.has("associations_additional") else pd.DataFrame()
    if len(tests):
        extra = tests[tests["id"].str.startswith(test_id + "_")]
        frames.append(pd.DataFrame({"reading": extra["period"], "statistic": extra["statistic"],
                                    "significant": extra["significant"]}))
    if test_id.startswith("ofsted_") and fig.has("ofsted_readings"):
        readings = fig.read("ofsted_readings")
        rows = readings[(readings["id"] == test_id) & ~readings["main"].astype(bool)]
        frames.append(pd.DataFrame({"reading": rows["reading"], "statistic": rows["statistic"],
                                    "significant": rows["significant"]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["reading", "statistic"])


def _nearest_reading(fig: Figures, test_id: str, published: str) -> str:
    """"; nearest reading: ..." when an alternative reading comes closer to the printed value."""
    try:
        value = float(published)
    except ValueError:
        return ""
    readings = _readings(fig, test_id)
    if readings.empty:
        return ""
    main = float(_test(fig, test_id)["statistic"])
    best = readings.iloc[(readings["statistic"] - value).abs().argsort()].iloc[0]
    if abs(best["statistic"] - value) >= abs(main - value):
        return ""
    equal = " (equal at the printed precision)" if equal_at_precision(published, best["statistic"]) else ""
    return f"; nearest reading: {best['reading']}, r_s = {best['statistic']:.3f}{equal}"


def _workforce_period(fig: Figures) -> str:
    return str(_test(fig, "turnover_level_2013_2017")["period"])


def reason(value_id: str, published: str, reproduced: float, context: dict, fig: Figures,
           agrees: bool) -> str:
    """Why a reproduced value differs from the printed one, named from the data."""
    if agrees:
        return AGREES
    if published == "":
        return "not printed by the report (only its significance is compared)"
    stem = value_id.split(":")[0]
    if stem.startswith("england_cla_growth_"):
        return (f"mean of the year-on-year growth rates; the compound annual rate is "
                f"{context['compound_pct']:.2f}%")
    if stem.startswith(("table_05", "table_06", "table_07", "turnover_", "agency_", "national_turnover", "national_agency")):
        return (f"workforce years {_workforce_period(fig)} instead of 2013-2017: LA figures for "
                "September 2013 and 2014 are not published anywhere reachable")
    if stem.startswith("innovation_") or stem == "innovation_funded_las":
        funded = fig.read("innovation_thresholds")
        main = _test(fig, "innovation_level_2012_2017")
        used = funded[(funded["outcome"] == "average rate") & (funded["u"] == main["statistic"])].iloc[0]
        text = (f"Innovation list: {int(used['n_funded'])} LAs counted as funded ({used['counted_as_funded']}) "
                f"vs the study's {published if stem == 'innovation_funded_las' else 'list from the grant letters'}; "
                f"the grant letters' list is not public and U depends on the group sizes "
                f"({int(used['n_funded'])}/{int(used['n_not_funded'])} here)")
        study_funded = context.get("study_funded")
        if stem != "innovation_funded_las" and study_funded and "rank_biserial" in funded.columns:
            n = int(context["n"])
            ours = funded[(funded["u"] == reproduced)]["rank_biserial"]
            study_r = 1 - 2 * float(published) / (study_funded * (n - study_funded))
            if len(ours):
                text += (f"; as effect sizes, the study's U with {study_funded}/{n - study_funded} LAs is "
                         f"|rank-biserial r| = {study_r:.2f}, the reproduction's {abs(float(ours.iloc[0])):.2f}")
        return text
    if stem.startswith(("table_08", "unit_cost_")):
        n = context.get("n")
        return (f"unit cost rebuilt from S251 outturn and children-in-need counts, not LAIT's published "
                f"indicator; unit-cost N = {n} LAs{' in this region' if stem.startswith('table_08') else ''} "
                "(LAs missing a year's count dropped)")
    if stem == "poverty_change_2007_2015":
        return (f"care-rate span: {context.get('period', '')} (the study's span is not stated; published LA "
                "rates begin in 2012, the 2010 rate is computed from the 2010 underlying file); county low "
                "income 2007-2010 estimated from districts" + _nearest_reading(fig, stem, published))
    if stem.startswith(("table_04", "poverty_", "national_low_income")):
        return ("low-income measure: HMRC under-16s series with the August snapshot paired with the "
                "March of the same year; the study's snapshot years and measure are not stated")
    if stem == "national_rate_change_2012_2015":
        return (f"the report does not define its national figure; reproduced as the mean of the "
                f"{context.get('n')} LAs' average yearly change 2012-2015")
    if stem.startswith(("ofsted_", "ofsted_latest")):
        main = _ofsted_main(fig)
        return (f"Ofsted reading: latest judgement {main} (the study's extraction date and framework are "
                "not stated; 07 runs SIF and SIF+ILACS at every cut-off through 2018)"
                + (_nearest_reading(fig, stem, published) if not stem.startswith("ofsted_latest") else ""))
    if stem.startswith("england_cla_"):
        return "revised release: DfE's current time series revises the first-published count the report quoted"
    if stem.startswith(("table_02", "table_03", "national_average_change", "direction_")):
        return ("DfE's latest release of each year's rates (a few LAs' rates revised since the "
                "report) and rounding of the rates to whole numbers")
    return "cause not identified by the rules; see the chapter that writes the value"


# --- the scorecard --------------------------------------------------------------------------
def build(published: pd.DataFrame | None = None, figures_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per published value (see the module docstring)."""
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
        row["reason"] = reason(rec.id, value, reproduced, context, fig, agrees)
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
