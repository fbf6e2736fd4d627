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
