"""Reading raw releases and writing derived files, with loud failures.

Every reader names the file in its error; every writer is atomic (a temporary
file in the same folder, renamed into place), so an interrupted run never leaves
a truncated output.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from .errors import DataError
from .paths import output_path, readable_path

#: Codes the releases use for suppressed, not applicable or missing values
#: (../shared/data/README.md, "Conventions"; "NA" in Fingertips, "NULL" in S251
#: 2011-12). Matched case-insensitively.
SUPPRESSION_CODES = frozenset({"x", "..", ".", "-", "c", "z", "u", "low", ":", "*", "#value!", "",
                               "na", "n/a", "null"})

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value) -> float:
    """One published cell as a float: NaN for a suppression code, else the number.

    Thousands separators and surrounding spaces are removed. Anything else that
    is not a number raises ``ValueError`` (callers turn it into a ``DataError``
    naming the file), so an unexpected code is never silently read as missing.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", "")
    if text.lower() in SUPPRESSION_CODES:
        return np.nan
    if text.endswith("%"):
        text = text[:-1]
    if not _NUMBER.match(text):
        raise ValueError(f"not a number or a known suppression code: {value!r}")
    return float(text)


def parse_numbers(values: pd.Series, path: str | Path, column: str) -> pd.Series:
    """``parse_number`` over a column, failing with the file, column and row."""
    out = np.empty(len(values), dtype=float)
    for i, value in enumerate(values.tolist()):
        try:
            out[i] = parse_number(value)
        except ValueError as err:
            raise DataError(path, f"column {column!r}, row {i}: {err}") from None
    return pd.Series(out, index=values.index, name=column)


def require_file(path: str | Path) -> Path:
    """The path, if the file exists; else a DataError telling how to get it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file is missing (run `make data` to fetch the raw files)")
    return path


def require_columns(frame: pd.DataFrame, columns: Iterable[str], path: str | Path) -> None:
    """Stop if any expected column is absent (e.g. renamed in a new release)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            path,
            f"expected column(s) {missing} not found; columns are {list(map(str, frame.columns))}",
        )


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """A raw CSV, every column as text (parse numbers explicitly with parse_numbers)."""
    path = require_file(path)
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("encoding", "latin-1")
    try:
        return pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as err:
        raise DataError(path, f"cannot be read as CSV ({err})") from None


def read_sheet(path: str | Path, sheet: str | int, header=None, **kwargs) -> pd.DataFrame:
    """One worksheet of an .xls/.xlsx/.ods release, read with the calamine engine.

    calamine reads these releases 10-60 times faster than openpyxl/odfpy.
    """
    path = require_file(path)
    # Every cell's text must reach parse_number, which knows the releases' codes
    # (SUPPRESSION_CODES) and fails loudly on anything else, rather than pandas'
    # default missing-value markers deciding silently what counts as missing.
    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("na_values", [])
    try:
        return pd.read_excel(path, sheet_name=sheet, header=header, engine="calamine", **kwargs)
    except ValueError as err:
        if "not found" in str(err).lower() or "worksheet" in str(err).lower():
            raise DataError(path, f"sheet {sheet!r} not found ({err})") from None
        raise DataError(path, f"cannot be read as a spreadsheet ({err})") from None
    except Exception as err:  # calamine raises its own error types on corrupt files
        raise DataError(path, f"cannot be read as a spreadsheet ({type(err).__name__}: {err})") from None


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of a workbook."""
    path = require_file(path)
    try:
        return list(pd.ExcelFile(path, engine="calamine").sheet_names)
    except Exception as err:
        raise DataError(path, f"cannot be read as a spreadsheet ({type(err).__name__}: {err})") from None


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[io.IOBase]:
    """Open a temporary file beside ``path``; rename it into place on success."""
    target = output_path(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(content: bytes, path: str | Path) -> Path:
    """Write ``content`` atomically, leaving an identical existing file untouched.

    Untouched files keep their modification time, so ``make`` does not rebuild
    what depends on an output that did not change.
    """
    target = output_path(Path(path))
    if target.is_file() and target.stat().st_size == len(content) and target.read_bytes() == content:
        return target
    with atomic_write(path) as handle:
        handle.write(content)
    return target


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """A derived table as Parquet (index dropped, so equal frames give equal bytes)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow", compression="zstd")
    return write_bytes(buffer.getvalue(), path)


def read_parquet(path: str | Path) -> pd.DataFrame:
    """A derived table; a clear message if the ingest has not been run."""
    path = readable_path(Path(path))
    if not path.is_file():
        raise DataError(path, "derived table is missing (run notebooks/01_ingest.ipynb, or `make all`)")
    return pd.read_parquet(path, engine="pyarrow")


#: Significant digits of the numbers in result files (../shared/spec/RESULTS.md): enough for
#: any reported statistic, and far coarser than the last digits in which model fits differ
#: between processors and BLAS kernels, so a rebuilt file repeats the committed bytes.
SIGNIFICANT_DIGITS = 6


def format_float(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """A float as result files write it: whole numbers as integers, others to ``digits`` significant digits.

    Missing values are empty; ``-0`` is written ``0``.
    """
    if value is None or not np.isfinite(value):
        return "" if value is None or np.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def write_csv(frame: pd.DataFrame, path: str | Path, digits: int = SIGNIFICANT_DIGITS) -> Path:
    """A result table as CSV with Unix line endings, floats at ``digits`` significant digits."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            out[column] = [format_float(v, digits) for v in out[column].to_numpy(dtype=float)]
    text = out.to_csv(index=False, lineterminator="\n")
    return write_bytes(text.encode("utf-8"), path)
