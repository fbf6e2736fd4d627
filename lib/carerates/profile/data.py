"""The profiles' data: the LA parameter and the shared precomputation (no words, no plots).

``notebooks/profile.ipynb`` shows one LA; ``make profiles`` renders all 152. Everything a
profile needs that depends on *all* LAs (ranks, the joint model's expected rates, the
dissolved map outlines) is computed once by :func:`precompute` and cached under
``build/profile_cache/``; a profile then only selects its LA's rows.

- :func:`resolve_la`: an LA given as name, DfE number or GSS code -> its row of the 2017 LA
  table, or a :class:`~carerates.errors.DataError` listing close matches.
- :func:`precompute` / :func:`load`: the :class:`ProfileData` bundle (it reads the committed
  result tables in ``figures/`` whatever ``CARERATES_FIGURES`` says: profiles write no figure):

  * ``rates``: each LA's published rate per 10,000, 2012-2017 (``cla_rates``) and 2018-2025
    (``cla_rates_later``), and ``england`` (DfE's national rate, the same releases);
  * ``neighbours``: the DfE statistical neighbours (April 2021 list; the "(Pre LG)" rows and
    Northamptonshire's old row for the 2017 councils; neighbours named by a post-2019 council
    are mapped back to the 2017 council it replaced);
  * ``factors``: each LA's value, rank and fifth on every factor of the study, with the
    study's association (``figures/associations.csv``);
  * ``expected``: the observed rate against the rate expected from chapter 09's joint
    negative binomial model, with a 95% prediction interval (see :func:`expected_rates`);
  * ``ofsted``: every SIF (2014-2018) and ILACS (2018-2025) inspection;
  * ``outlines``: the map of England (2023 districts dissolved to upper tier, drawn in a
    plain equirectangular projection), one entry per 2017 LA.
- :func:`rate_series`, :func:`names`: one LA's rows of the bundle, read by the words and plots.

Imports the analysis library only; :mod:`.words`, :mod:`.plots` and :mod:`.page` import it.
"""
from __future__ import annotations

import difflib
import functools
import hashlib
import json
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths, results
from ..errors import DataError
from ..io import read_csv, read_parquet, read_sheet, require_columns, write_bytes
from ..las import OLD_GSS, normalise_name, NAME_ALIASES
from ..plots import official_name
from ..sources import innovation
from ..sources.neighbours import neighbour_pairs

CACHE = paths.ROOT / "build" / "profile_cache" / "profile_data.pkl"

#: Bumped when the precomputation changes, so an old cache is not reused.
VERSION = 2

# ---------------------------------------------------------------------------- parameters
#: Chapter 09's defaults (its parameters cell): the same joint model for every profile.
MODEL = dict(rate_period=(2012, 2017), predictors=["low_income_pct", "unit_cost", "turnover_pct", "agency_pct"],
             min_share=0.9, reference_region="South East", innovation_threshold="confirmed",
             ofsted_cutoff="2018-10-31")
#: Draws of the simulated prediction interval, and its seed (fixed: profiles repeat exactly).
DRAWS = 4000
SEED = 2018
LEVEL = 0.95

#: The study's factors as profiles show them: panel column, words, unit, the association id
#: whose period the average uses (``figures/associations.csv``), and the number format.
FACTORS = [
    ("low_income_pct", "children under 16 in low-income families", "%", "poverty_level_2012_2015", "{:.1f}%"),
    ("turnover_pct", "social worker turnover (FTE leavers as % of FTE)", "%", "turnover_level_2013_2017", "{:.1f}%"),
    ("agency_pct", "agency social workers (% of FTE)", "%", "agency_level_2013_2017", "{:.1f}%"),
    ("unit_cost", "weekly unit cost of social work per child in need", "GBP a week", "unit_cost_level_2012_2016",
     "£{:,.0f}"),
]

#: Post-2019 councils named in the neighbour lists or Ofsted's ILACS history, mapped to the
#: 2017 council(s) whose area they took over (different areas: a profile says so).
SUCCESSORS = {
    "E06000058": ["E06000028", "E06000029"],  # Bournemouth, Christchurch and Poole
    "E06000059": ["E10000009"],  # Dorset (2019; the old county less Christchurch)
    "E06000060": ["E10000002"],  # Buckinghamshire (same area)
    "E06000061": ["E10000021"],  # North Northamptonshire
    "E06000062": ["E10000021"],  # West Northamptonshire
    "E06000063": ["E10000006"],  # Cumberland
    "E06000064": ["E10000006"],  # Westmorland and Furness
    "E06000065": ["E10000023"],  # North Yorkshire (same area)
    "E06000066": ["E10000027"],  # Somerset (same area)
}
#: The neighbour list's rows for councils abolished since 2017 (their old lists).
OLD_SN_ROWS = {835, 836, 837, 928}
#: Map shapes that are not the 2017 council's own (the 2023 districts cannot rebuild them).
MAP_NOTES = {
    "E06000028": "drawn as Bournemouth, Christchurch and Poole (2019), which includes Christchurch",
    "E06000029": "drawn as Bournemouth, Christchurch and Poole (2019), which includes Christchurch",
    "E10000009": "drawn as the 2019 Dorset council, which excludes Christchurch",
}

#: The 2017 councils abolished since (Bournemouth, Poole, Dorset, Northamptonshire, Cumbria).
ABOLISHED = {"E06000028", "E06000029", "E10000009", "E10000021", "E10000006"}
#: The joint model's variables in words (for "not in the model: it lacks ...").
MODEL_WORDS = {"window_count": "a count of children looked after", "window_population": "an ONS child population",
               "window_rate": "a rate", "low_income_pct": "a low-income figure", "unit_cost": "a unit cost of social work",
               "turnover_pct": "a social worker turnover figure", "agency_pct": "an agency worker figure",
               "region": "a region"}

_GSS = re.compile(r"^[EeWw]\d{8}$")


def slug(name: str) -> str:
    """A file-name form of an LA name: ``"Bristol, City of"`` -> ``"bristol-city-of"``."""
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")


# ---------------------------------------------------------------------------- the parameter

def resolve_la(query, las: pd.DataFrame) -> pd.Series:
    """The row of ``las`` (2017 LA table) for an LA given as name, DfE number or GSS code.

    Names are matched after :func:`carerates.las.normalise_name` and the usual aliases
    ("Bristol", "County Durham"); file-name slugs also match. Anything else raises
    :class:`DataError` naming the query and listing the closest names, numbers or codes.
    """
    text = str(query).strip()
    if not text:
        raise DataError(None, "no local authority given (parameter `la` is empty)")
    table = las.reset_index(drop=True)
    hit = None
    if re.fullmatch(r"\d{3}", text):
        hit = table.index[table["la_number"].astype(int) == int(text)]
    elif _GSS.match(text):
        code = OLD_GSS.get(text.upper(), text.upper())
        successors = SUCCESSORS.get(code, [code])
        hit = table.index[table["gss"].isin(successors)]
        if len(hit) > 1:  # BCP replaced two 2017 councils
            raise DataError(None, f"{text!r} is a council created in 2019 from more than one 2017 LA; choose one of: "
                                  + "; ".join(f"{r.la_name} ({int(r.la_number)}, {r.gss})"
                                              for r in table.loc[hit].itertuples()))
    else:
        key = normalise_name(text)
        names = table["la_name"].map(normalise_name)
        aliases = {normalise_name(k): normalise_name(v) for k, v in NAME_ALIASES.items()}
        key = key if key in set(names) else aliases.get(key, key)
        hit = table.index[(names == key) | (table["la_name"].map(slug) == text.lower())]
    if len(hit) == 1:
        return table.loc[hit[0]]
    labels = [f"{n} ({int(num)}, {g})" for n, num, g in zip(table["la_name"], table["la_number"], table["gss"])]
    keys = table["la_name"].map(normalise_name).tolist()
    probe = normalise_name(text)
    if re.fullmatch(r"\d+|[EeWw]\d+", text):  # a mistyped number or code
        ids = [f"{int(num)} {g.lower()}" for num, g in zip(table["la_number"], table["gss"])]
        score = [max(difflib.SequenceMatcher(None, text.lower(), part).ratio() for part in i.split()) for i in ids]
        ranked = sorted(range(len(labels)), key=lambda i: (-score[i], labels[i]))
        close = [labels[i] for i in ranked if score[i] >= 0.66][:5]
    else:
        within = [labels[i] for i, k in enumerate(keys) if probe and probe in k]
        similar = difflib.get_close_matches(probe, keys, n=5, cutoff=0.6)
        close = list(dict.fromkeys(within + [labels[keys.index(k)] for k in similar]))[:5]
    labels = close
    hint = f" Close matches: {'; '.join(labels)}." if labels else " No close match."
    raise DataError(None, f"unknown local authority {text!r}: not a name, DfE number or GSS code of the "
                          f"152 English LAs of 2017.{hint}")


# ---------------------------------------------------------------------------- the bundle

@dataclass
class ProfileData:
    """Everything the profiles need, for all LAs (see the module docstring)."""
    las: pd.DataFrame
    rates: pd.DataFrame
    england: pd.DataFrame
    neighbours: pd.DataFrame
    factors: pd.DataFrame
    expected: pd.DataFrame
    model: dict
    ofsted: pd.DataFrame
    outlines: dict
    extent: tuple
    notes: dict = field(default_factory=dict)

    def la(self, query) -> pd.Series:
        return resolve_la(query, self.las)

    @functools.cached_property
    def rates_wide(self) -> pd.DataFrame:
        """The rates with a row per year and a column per LA (each profile reads it four times)."""
        return self.rates.pivot(index="year", columns="gss", values="rate_per_10k")

    @functools.cached_property
    def outline_paths(self) -> dict:
        """Each LA's outline rings as closed matplotlib paths, made once (every profile's map
        draws all 152 LAs: making 181 polygon patches for each map cost 11 ms)."""
        from matplotlib.path import Path as MplPath

        def closed(ring):  # as matplotlib's Polygon(ring, closed=True) closes it
            ring = np.asarray(ring, dtype=float)
            return MplPath(ring if np.array_equal(ring[0], ring[-1]) else np.vstack([ring, ring[:1]]), closed=True)

        return {code: [closed(ring) for ring in rings] for code, rings in self.outlines.items()}


def england_rates() -> pd.DataFrame:
    """England's published rate per 10,000 at 31 March: 2012-2017 from the LA tables
    (``cla_area_rates``), 2018-2025 from the explore-education-statistics editions (each year
    from the latest edition that has it, as ``cla_rates_later`` does for LAs)."""
    from ..sources.cla import LATER_EDITIONS

    early = read_parquet(paths.processed("cla_area_rates.parquet"))
    early = early.loc[early["area"] == "England", ["year", "rate_per_10k"]]
    later = []
    for edition, name in LATER_EDITIONS.items():
        path = paths.raw(name)
        raw = read_csv(path, encoding="utf-8-sig")
        kind = "population_type" if "population_type" in raw.columns else "population_count"
        require_columns(raw, ["time_period", "geographic_level", kind, "rate_per_10000"], path)
        rows = raw[(raw["geographic_level"] == "National") & raw[kind].str.contains("31 March", regex=False)]
        later.append(pd.DataFrame({"year": rows["time_period"].astype(int),
                                   "rate_per_10k": pd.to_numeric(rows["rate_per_10000"]), "edition": edition}))
    later = pd.concat(later).sort_values(["year", "edition"]).groupby("year", as_index=False).last()
    later = later.loc[later["year"] > early["year"].max(), ["year", "rate_per_10k"]]
    return pd.concat([early, later], ignore_index=True).sort_values("year", ignore_index=True)


def la_rates(las: pd.DataFrame) -> pd.DataFrame:
    """``gss, year, rate_per_10k`` for 2012-2025 (NaN where suppressed or abolished)."""
    early = read_parquet(paths.processed("cla_rates.parquet"))[["gss", "year", "rate_per_10k"]]
    later = read_parquet(paths.processed("cla_rates_later.parquet"))[["gss", "year", "rate_per_10k"]]
    rates = pd.concat([early, later], ignore_index=True)
    grid = pd.MultiIndex.from_product([sorted(las["gss"]), range(2012, int(rates["year"].max()) + 1)],
                                      names=["gss", "year"]).to_frame(index=False)
    return grid.merge(rates, on=["gss", "year"], how="left", validate="one_to_one")


def read_neighbours(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """The April 2021 statistical neighbours from the workbook (sheet "LA SN Groups", data from row
    4) on the 2017 geography: ``gss, order, neighbour_gss, closeness``, by the rules of
    :func:`carerates.sources.neighbours.neighbour_pairs` (chapter 09 reads the CSV edition of the
    same list with them)."""
    sheet = read_sheet(path, "LA SN Groups")
    if sheet.shape[1] < 25 or str(sheet.iloc[2, 0]).strip() != "LA num" or str(sheet.iloc[2, 5]).strip() != "SN1":
        raise DataError(path, "sheet 'LA SN Groups': row 3 should be the header 'LA num ... SN1, SNP, ...'")
    return neighbour_pairs(sheet.iloc[3:], las, path, row_word="row")


def positions(values: pd.Series) -> pd.DataFrame:
    """Rank (1 = highest, ties share the best rank), number ranked and fifth of each value."""
    valid = values.dropna()
    rank = valid.rank(ascending=False, method="min")
    fifth = np.ceil(valid.rank(ascending=True, method="average", pct=True) * 5).clip(1, 5)
    return pd.DataFrame({"value": values, "rank": rank.reindex(values.index),
                         "n": len(valid), "fifth": fifth.reindex(values.index)})


def factor_table(panel: pd.DataFrame, la_table: pd.DataFrame, associations: pd.DataFrame,
                 averages: pd.DataFrame) -> pd.DataFrame:
    """Long table ``gss, factor, label, unit, years, value, rank, n, fifth, median, fmt`` and
    the study's test (``statistic, p_value, significant, test``), one row per LA and factor."""
    from ..summaries import average_level, level_years

    tests = associations.set_index("id")
    frames = []

    def add(factor, label, unit, years, values, fmt, test_id):
        frame = positions(values.astype(float)).rename_axis("gss").reset_index()
        frame["median"] = values.median()
        test = tests.loc[test_id] if test_id in tests.index else None
        frame = frame.assign(factor=factor, label=label, unit=unit, years=years, fmt=fmt, test_id=test_id,
                             test=None if test is None else test["test"],
                             statistic=np.nan if test is None else float(test["statistic"]),
                             p_value=np.nan if test is None else float(test["p_value"]),
                             significant=None if test is None else str(test["significant"]).lower() == "true")
        frames.append(frame)

    averages = averages.set_index("gss")
    add("average_rate", "average rate of children looked after per 10,000", "per 10,000", "2013-2017",
        averages["average_rate"], "{:.1f}", None)
    add("average_change", "average yearly change in the rate per 10,000", "per 10,000 a year", "2013-2017",
        averages["average_change"], "{:+.1f}", None)
    for column, label, unit, test_id, fmt in FACTORS:
        start, end = (int(y) for y in re.findall(r"\d{4}", str(tests.loc[test_id, "period"]))[:2])
        years = level_years(start, end)
        values = average_level(panel, column, start, end)
        add(column, label, unit, f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0]),
            values.reindex(la_table.index), fmt, test_id)
    add("ofsted_overall", "latest Ofsted SIF overall grade (1 Inadequate to 4 Outstanding)", "grade",
        f"published by {MODEL['ofsted_cutoff']}", la_table["ofsted_overall"], "{:.0f}", "ofsted_overall_level_2012_2017")
    ofsted_rows = frames[-1]
    ofsted_rows[["rank", "fifth"]] = np.nan  # four grades: a rank among ties says little
    innov = la_table["innovation"].astype(float)
    frame = pd.DataFrame({"gss": la_table.index, "value": innov.to_numpy(), "rank": np.nan,
                          "n": int(innov.notna().sum()), "fifth": np.nan, "median": np.nan})
    test = tests.loc["innovation_level_2012_2017"]
    frames.append(frame.assign(factor="innovation", label="took part in the Innovation Programme, round 1 "
                               f"({innovation.THRESHOLD_LABELS[MODEL['innovation_threshold']]})", unit="yes/no",
                               years="2014-2016", fmt="{:.0f}", test_id="innovation_level_2012_2017",
                               test=test["test"], statistic=float(test["statistic"]),
                               p_value=float(test["p_value"]),
                               significant=str(test["significant"]).lower() == "true"))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["gss", "factor"], ignore_index=True)


def expected_rates(la_table: pd.DataFrame, draws: int = DRAWS, seed: int = SEED,
                   all_las=None) -> tuple[pd.DataFrame, dict]:
    """Observed against expected rate per LA from chapter 09's joint negative binomial model.

    The model (:func:`carerates.models.fit_count_models`, as in 09): mean count of children
    looked after over the overlap window, offset log mean child population, the four
    predictors standardised, region fixed effects (reference ``MODEL['reference_region']``).
    The expected rate is the fitted mean per 10,000. The 95% prediction interval is
    simulated: ``draws`` coefficient vectors from their estimated (HC1) sampling
    distribution, then a count from the NB2 distribution (dispersion ``alpha``) at each
    vector's mean; the interval's ends are the 2.5% and 97.5% quantiles of the simulated
    rates, so it covers both the model's uncertainty and the LA-to-LA variation the model
    leaves unexplained. An LA missing a variable gets no expectation (``reason`` says which).
    """
    from .. import models

    predictors = MODEL["predictors"]
    columns = ["window_count", "window_population", "window_rate", *predictors, "region"]
    used, _ = models.complete_cases(la_table, columns)
    z = models.standardise(used, predictors)
    fit = models.fit_count_models(z, "window_count", "window_population", predictors,
                                  {"region": MODEL["reference_region"]})["negative_binomial"]
    result, alpha = fit.result, fit.extra["alpha"]
    exog = np.asarray(result.model.exog, dtype=float)
    offset = np.log(fit.data["window_population"].to_numpy(dtype=float))
    params = np.asarray(result.params, dtype=float)
    rng = np.random.default_rng(seed)
    betas = rng.multivariate_normal(params, np.asarray(result.cov_params(), dtype=float), size=draws)
    mu = np.exp(exog @ betas.T + offset[:, None])  # LAs x draws
    size = 1.0 / alpha
    counts = rng.negative_binomial(size, size / (size + mu))
    per10k = 10_000 / fit.data["window_population"].to_numpy(dtype=float)
    tail = (1 - LEVEL) / 2
    low, high = np.quantile(counts, [tail, 1 - tail], axis=1)
    observed = fit.data["window_count"].to_numpy(dtype=float)
    expected = np.exp(exog @ params + offset)
    out = pd.DataFrame({
        "observed_rate": observed * per10k,
        "expected_rate": expected * per10k,
        "pi_low": low * per10k,
        "pi_high": high * per10k,
        "share_below": (counts < observed[:, None]).mean(axis=1),
    }, index=fit.data.index)
    out["position"] = np.where(out["observed_rate"] > out["pi_high"], "above",
                               np.where(out["observed_rate"] < out["pi_low"], "below", "within"))
    out = out.reindex(la_table.index)
    reasons = {}
    for gss in la_table.index.difference(fit.data.index):
        missing = [c for c in columns if pd.isna(la_table.loc[gss, c])]
        reasons[gss] = ", ".join(missing)
    if all_las is not None:  # the LAs the analysis excludes (the Isles of Scilly)
        out = out.reindex(sorted(all_las))
    out["reason"] = pd.Series(reasons, dtype=object).reindex(out.index)
    window = la_table.attrs.get("window")
    info = {"n": fit.n, "alpha": float(alpha), "formula": fit.formula, "window": window,
            "window_years": list(range(window[0] + 1, window[1] + 1)) if window else None,
            "rate_ratios": {t: float(np.exp(result.params[t])) for t in predictors},
            "draws": draws, "seed": seed, "level": LEVEL}
    return out.rename_axis("gss").reset_index(), info


def compare_with_chapter(info: dict, coefficients: Path) -> float | None:
    """Largest relative difference between our rate ratios and 09's (``table_09d``), or None."""
    if not Path(coefficients).exists():
        return None
    table = pd.read_csv(coefficients)
    nb = table[(table["model"] == "negative_binomial")].set_index("term")["rate_ratio"]
    diffs = [abs(info["rate_ratios"][t] / nb[t] - 1) for t in info["rate_ratios"] if t in nb.index]
    return float(max(diffs)) if diffs else None


def ofsted_history(las: pd.DataFrame, sif: pd.DataFrame, ilacs_path: Path) -> pd.DataFrame:
    """Every inspection of each 2017 LA: ``gss, framework, inspection, published, overall, note``.

    SIF (2014-2018) from the processed ``ofsted_sif``; ILACS (2018-2025) from Ofsted's
    "ILACS_inspection_history" sheet (header in row 3, GSS codes). A successor council's
    inspection is listed under the 2017 council(s) it replaced, with a note naming it.
    """
    from ..sources.ofsted import GRADE_LABELS, GRADES

    sif = sif.assign(framework="SIF", note="",
                     inspection=sif["inspection"].map({"first_sif": "first SIF inspection",
                                                       "sif_reinspection": "SIF re-inspection"}))
    rows = []
    if Path(ilacs_path).exists():
        sheet = read_sheet(ilacs_path, "ILACS_inspection_history")
        header = [str(h).strip() for h in sheet.iloc[2]]
        needed = ["Local authority area code", "Local authority name", "Publication date", "Inspection type",
                  "Overall effectiveness"]
        missing = [h for h in needed if h not in header]
        if missing:
            raise DataError(ilacs_path, f"sheet ILACS_inspection_history: header row 3 lacks {missing}")
        body = sheet.iloc[3:].set_axis(header, axis=1)
        body = body[body["Local authority area code"].astype(str).str.match(r"^E\d{8}$")]
        known = set(las["gss"])
        for _, r in body.iterrows():
            code = OLD_GSS.get(r["Local authority area code"], r["Local authority area code"])
            targets = SUCCESSORS.get(code, [code])
            grade = GRADES.get(str(r["Overall effectiveness"]).strip().lower())
            for target in targets:
                if target not in known:
                    continue
                note = "" if target == code or code in ("E06000060", "E06000065", "E06000066") else \
                    f"inspection of {r['Local authority name']}, the council that replaced it"
                rows.append((target, "ILACS", str(r["Inspection type"]).replace("ILACS ", "").lower(),
                             pd.Timestamp(r["Publication date"]), grade, note))
    ilacs = pd.DataFrame(rows, columns=["gss", "framework", "inspection", "published", "overall", "note"])
    out = pd.concat([sif[["gss", "framework", "inspection", "published", "overall", "note"]], ilacs],
                    ignore_index=True)
    out["grade"] = out["overall"].map(GRADE_LABELS)
    return out.sort_values(["gss", "published", "framework"], ignore_index=True)


def england_outlines(geojson: Path, lookup: Path, las: pd.DataFrame) -> tuple[dict, tuple]:
    """``{2017 gss: [ring arrays]}`` of the 2023 districts dissolved to the 2017 councils
    (via the 2023 upper-tier lookup and :data:`SUCCESSORS`), in an equirectangular projection
    (x = longitude x cos 52.5 degrees, y = latitude), and the map's extent."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    lookup_table = read_csv(lookup, encoding="utf-8-sig")
    require_columns(lookup_table, ["LTLA23CD", "UTLA23CD"], lookup)
    upper = dict(zip(lookup_table["LTLA23CD"], lookup_table["UTLA23CD"]))
    data = json.loads(Path(geojson).read_text())
    by_upper: dict[str, list] = {}
    for feature in data["features"]:
        code = feature["properties"].get("LAD23CD", "")
        if not code.startswith("E"):
            continue
        if code not in upper:
            raise DataError(lookup, f"district {code} of {geojson.name} is not in the lookup")
        by_upper.setdefault(upper[code], []).append(shape(feature["geometry"]).buffer(0))
    to_2017: dict[str, list[str]] = {}
    for code in by_upper:
        for target in SUCCESSORS.get(OLD_GSS.get(code, code), [OLD_GSS.get(code, code)]):
            to_2017.setdefault(target, []).append(code)
    scale = np.cos(np.radians(52.5))
    outlines = {}
    for gss in sorted(las["gss"]):
        parts = [g for code in to_2017.get(gss, []) for g in by_upper[code]]
        if not parts:
            raise DataError(geojson, f"no boundary for LA {gss}")
        merged = unary_union(parts)
        polygons = getattr(merged, "geoms", [merged])
        outlines[gss] = [np.column_stack([np.asarray(p.exterior.xy[0]) * scale, np.asarray(p.exterior.xy[1])])
                         for p in polygons if p.area > 0]
    everything = np.vstack([ring for rings in outlines.values() for ring in rings])
    extent = (*everything.min(axis=0), *everything.max(axis=0))
    return outlines, tuple(float(v) for v in extent)


# ---------------------------------------------------------------------------- build and cache

def _inputs() -> list[Path]:
    names = ["las", "cla_rates", "cla_rates_later", "cla_area_rates", "ofsted_sif", *[
        "cla_counts", "population", "low_income", "workforce", "unit_cost", "innovation_round1"]]
    from ..sources.cla import LATER_EDITIONS
    return ([paths.processed(f"{n}.parquet") for n in names]
            + [(paths.FIGURES / "table_02d_la_averages.csv")] + sorted(paths.FIGURES.glob("tests_*.csv"))
            + [paths.raw(p) for p in LATER_EDITIONS.values()]
            + [paths.raw("stat_neighbours", "sn_april_2021.xlsx"),
               paths.raw("ofsted", "LA_Inspection_Outcomes_as_at_31_March_2025.ods"),
               paths.raw("boundaries", "local_authority_districts_boundaries_LAD23.geojson"),
               paths.raw("boundaries", "LTLA-UTLA_Apr23_Lookup_England-Wales.csv")])


def cache_key() -> str:
    """Hash of every input's bytes and of this module's source (a changed input rebuilds)."""
    digest = hashlib.sha256(f"v{VERSION}".encode())
    digest.update(Path(__file__).read_bytes())
    for path in _inputs():
        if not path.exists():
            raise DataError(path, "missing: run `make all` (processed data and figures) first")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def precompute() -> ProfileData:
    """Compute the bundle for every LA from the processed data, figures/ and raw files."""
    from .. import panel as pn

    las = read_parquet(paths.processed("las.parquet"))
    las["region"] = las["region"].astype(str)
    las["la_name"] = las["la_name"].map(official_name)  # 'Isles of Scilly', 'Stockton-on-Tees' (ONS's case)
    las["slug"] = las["la_name"].map(slug)
    if las["slug"].duplicated().any():
        raise DataError(paths.processed("las.parquet"), "two LA names give the same file name")
    panel, tables = pn.load_panel(*MODEL["rate_period"])
    window = pn.overlap_window(panel, MODEL["predictors"], MODEL["min_share"])
    la_table = pn.build_la_table(panel, tables, las, MODEL["rate_period"], window,
                                 MODEL["innovation_threshold"], MODEL["ofsted_cutoff"])
    expected, info = expected_rates(la_table, all_las=las["gss"])
    info["max_relative_difference_from_09"] = compare_with_chapter(
        info, (paths.FIGURES / "table_09d_cross_sectional_coefficients.csv"))
    # what 08 writes to figures/associations.csv, from the chapters' records (no wait for 08)
    associations = results.assemble_associations(results.read_tests(folder=paths.FIGURES))[0]
    averages = pd.read_csv((paths.FIGURES / "table_02d_la_averages.csv"))
    factors = factor_table(panel, la_table, associations, averages)
    outlines, extent = england_outlines(
        paths.raw("boundaries", "local_authority_districts_boundaries_LAD23.geojson"),
        paths.raw("boundaries", "LTLA-UTLA_Apr23_Lookup_England-Wales.csv"), las)
    return ProfileData(
        las=las, rates=la_rates(las), england=england_rates(),
        neighbours=read_neighbours(paths.raw("stat_neighbours", "sn_april_2021.xlsx"), las),
        factors=factors, expected=expected, model=info,
        ofsted=ofsted_history(las, tables["ofsted_sif"],
                              paths.raw("ofsted", "LA_Inspection_Outcomes_as_at_31_March_2025.ods")),
        outlines=outlines, extent=extent, notes=dict(MAP_NOTES))


_LOADED: dict[str, ProfileData] = {}


def load(cache: Path | None = None, rebuild: bool = False) -> ProfileData:
    """The bundle: from memory, else from the cache if its inputs are unchanged, else computed
    (and cached). One kernel rendering many profiles computes it at most once."""
    cache = Path(cache or CACHE)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in _inputs() if p.exists())
    if not rebuild and stamp in _LOADED:
        return _LOADED[stamp]
    key = cache_key()
    data = None
    if not rebuild and cache.exists():
        try:
            stored_key, data = pickle.loads(cache.read_bytes())
            data = data if stored_key == key else None
        except Exception:  # an unreadable cache is rebuilt
            data = None
    if data is None:
        data = precompute()
        write_bytes(pickle.dumps((key, data)), cache)
    _LOADED.clear()
    _LOADED[stamp] = data
    return data


# ---------------------------------------------------------------------------- one LA: its rows

def names(data: ProfileData, codes) -> list[str]:
    lookup = dict(zip(data.las["gss"], data.las["la_name"]))
    return [lookup[c] for c in codes]


def rate_series(data: ProfileData, gss: str) -> pd.DataFrame:
    """``year, la, england, region, neighbours``: region is the median rate of the LAs of the
    LA's region (the analysis LAs, with a published rate that year), neighbours the median of
    its statistical neighbours with a published rate that year (``n_neighbours`` of them)."""
    rates = data.rates_wide
    near = data.neighbours.loc[data.neighbours["gss"] == gss, "neighbour_gss"].tolist()
    las = data.las.set_index("gss")
    excluded = las["excluded"].astype(bool) if "excluded" in las else pd.Series(False, index=las.index)
    same_region = las.index[(las["region"] == las.loc[gss, "region"]) & ~excluded]
    out = pd.DataFrame({"la": rates[gss],
                        "england": data.england.set_index("year")["rate_per_10k"].reindex(rates.index),
                        "region": rates[[g for g in same_region if g in rates.columns]].median(axis=1),
                        "neighbours": rates[near].median(axis=1) if near else np.nan,
                        "n_neighbours": rates[near].notna().sum(axis=1) if near else 0})
    return out.rename_axis("year").reset_index()
