"""Schema checks run on every derived table before it is written."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import DataError


@dataclass(frozen=True)
class Column:
    """What a column must hold: a kind ("int", "float", "str", "bool"), a range, missingness."""

    kind: str
    min: float | None = None
    max: float | None = None
    nullable: bool = True


_KINDS = {
    "int": pd.api.types.is_integer_dtype,
    "float": pd.api.types.is_float_dtype,
    "str": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s)
    or isinstance(s.dtype, pd.CategoricalDtype),
    "bool": pd.api.types.is_bool_dtype,
}


def check_table(frame: pd.DataFrame, name: str, key: list[str], columns: dict[str, Column],
                las: pd.DataFrame | None = None, expected_missing: dict[str, str] | None = None) -> pd.DataFrame:
    """Check a derived table and return it; any violation raises DataError naming the table.

    - every listed column present, of its kind, within its range, non-null if so declared;
    - the key unique;
    - with ``las``: every gss is a canonical code, and every LA (Isles of Scilly
      aside) is present, unless ``expected_missing`` maps its gss to a reason.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(name, f"missing column(s) {missing}")
    for col, spec in columns.items():
        series = frame[col]
        if not _KINDS[spec.kind](series):
            raise DataError(name, f"column {col!r} should be {spec.kind}, is {series.dtype}")
        if not spec.nullable and series.isna().any():
            raise DataError(name, f"column {col!r} has {int(series.isna().sum())} missing values")
        if spec.min is not None and (series.dropna() < spec.min).any():
            raise DataError(name, f"column {col!r} has values below {spec.min}: {series[series < spec.min].head().tolist()}")
        if spec.max is not None and (series.dropna() > spec.max).any():
            raise DataError(name, f"column {col!r} has values above {spec.max}: {series[series > spec.max].head().tolist()}")
    dup = frame.duplicated(key)
    if dup.any():
        raise DataError(name, f"key {key} not unique: {frame.loc[dup, key].head().to_dict('records')}")
    if las is not None and "gss" in frame.columns:
        unknown = sorted(set(frame["gss"]) - set(las["gss"]))
        if unknown:
            raise DataError(name, f"unknown LA code(s) {unknown[:10]}")
        expected = set(las.loc[~las["excluded"], "gss"])
        absent = sorted(expected - set(frame["gss"]) - set(expected_missing or {}))
        if absent:
            raise DataError(name, f"LA(s) absent without an explanation: {absent}")
    return frame


@dataclass(frozen=True)
class Gap:
    """A known, legitimate hole in a source: these LAs have no value in these years, and why.

    ``years=None`` means every year of the file. Declared where the source is read,
    so each accepted gap is visible next to the code that handles it.
    """

    gss: tuple[str, ...]
    years: tuple[int, ...] | None
    reason: str

    @classmethod
    def of(cls, gss, years, reason: str) -> "Gap":
        codes = (gss,) if isinstance(gss, str) else tuple(gss)
        span = None if years is None else tuple(int(y) for y in years)
        return cls(codes, span, reason)

    def covers(self, gss: str, year: int | None) -> bool:
        return gss in self.gss and (self.years is None or year is None or year in self.years)


def _la_list(codes, names: dict[str, str], show: int = 5) -> str:
    shown = [f"{names.get(c, '?')} ({c})" for c in codes[:show]]
    more = f" and {len(codes) - show} more" if len(codes) > show else ""
    return ", ".join(shown) + more


def require_coverage(frame: pd.DataFrame, path, las: pd.DataFrame, *, years=None,
                     year: str | None = "year", gss: str = "gss", value: str | None = None,
                     gaps=(), include_excluded: bool = True) -> pd.DataFrame:
    """Stop unless ``frame`` (read from ``path``) covers every LA in every expected year.

    - ``years``: the years the file must hold, exactly (None: whatever it holds; a
      file with one year per row set can pass ``year=None`` to check LAs only);
    - every LA of ``las`` (the Isles of Scilly too, unless ``include_excluded`` is
      False) must have a row in each year, and with ``value`` a non-missing value in
      that column, except where one of ``gaps`` (``Gap``) declares the hole.

    A violation raises DataError naming the file, the year(s), how many LAs are
    missing and the first few by name and code, so a truncated or partial release
    cannot pass as a smaller one. Returns ``frame``.
    """
    names = dict(zip(las["gss"], (las["la_name"] if "la_name" in las else las["gss"]).astype(str)))
    expected = list(las["gss"] if include_excluded else las.loc[~las["excluded"], "gss"])
    present = frame if value is None else frame[frame[value].notna()]
    if year is None:
        groups = {None: set(present[gss])}
    else:
        found_years = sorted(int(y) for y in pd.unique(frame[year].dropna()))
        if years is not None:
            wanted = sorted(int(y) for y in years)
            lacking = [y for y in wanted if y not in found_years]
            extra = [y for y in found_years if y not in wanted]
            if lacking or extra:
                problem = []
                if lacking:
                    problem.append(f"year(s) {lacking} missing")
                if extra:
                    problem.append(f"unexpected year(s) {extra}")
                raise DataError(path, f"{' and '.join(problem)}: expected {wanted[0]}-{wanted[-1]}, "
                                      f"found {found_years or 'none'}")
        else:
            wanted = found_years
        by_year = present.groupby(year)[gss].agg(set)
        groups = {y: by_year.get(y, set()) for y in wanted}
    what = "with a value in " + repr(value) if value else ""
    lines = []
    for y, codes in groups.items():
        absent = [c for c in expected if c not in codes and not any(g.covers(c, y) for g in gaps)]
        if absent:
            where = f"{y}: " if y is not None else ""
            lines.append(f"{where}{len(absent)} of {len(expected)} LAs missing{' ' + what if what else ''}: "
                         f"{_la_list(absent, names)}")
    if lines:
        shown = lines[:5] + ([f"... and {len(lines) - 5} more year(s)"] if len(lines) > 5 else [])
        raise DataError(path, "incomplete coverage (truncated or partial file?): " + "; ".join(shown))
    return frame
