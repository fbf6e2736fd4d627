"""Reading raw releases and writing derived files, with loud failures.

Every reader names the file in its error; every writer is atomic (a temporary
file in the same folder, renamed into place), so an interrupted run never leaves
a truncated output.
"""
from __future__ import annotations

import csv
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
from .paths import WrittenPath, case_twin, output_path, readable_path

# Text columns (dtype ``str``) keep their values as Python strings rather than in pyarrow
# arrays: the readers of the releases walk cells and names one at a time, which
# pyarrow-backed strings make slower (01_ingest's reading: 2.7 s -> 2.2 s). The values, the
# dtype's name and every result are the same. Set here, where every reader and writer starts.
pd.set_option("mode.string_storage", "python")

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
    if type(value) is str and _NUMBER.match(value):  # a plain number, as most cells: nothing to clean
        return float(value)
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
    """``parse_number`` over a column, failing with the file, line, LA and column.

    The line is the file's own (1-based, header included, as a text editor counts;
    for a workbook the sheet and row as a spreadsheet shows them), found by
    ``locate_value``; the LA is that row's code and name.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        # a column read as numbers: nothing to parse (parse_number would give each as a float)
        return pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=values.index, name=column)
    if len(values) and pd.api.types.infer_dtype(values, skipna=False) == "string":
        # text (and missing values) only, as most columns: each distinct text parsed once (a
        # column repeats its codes and many numbers), the same floats; a bad one is found below
        codes, distinct = pd.factorize(values)
        try:
            parsed = np.array([parse_number(text) for text in distinct], dtype=float)
        except ValueError:
            pass
        else:
            out = np.where(codes < 0, np.nan, parsed[codes] if len(parsed) else np.nan)  # -1: missing
            return pd.Series(out, index=values.index, name=column)
    out = np.empty(len(values), dtype=float)
    for i, value in enumerate(values.tolist()):
        try:
            out[i] = parse_number(value)
        except ValueError as err:
            where = locate_value(path, column, values.index[i], value)
            raise DataError(path, f"{where or f'row label {values.index[i]!r} of the table read'}, "
                                  f"column {column!r}: {err}") from None
    return pd.Series(out, index=values.index, name=column)


_GSS_CELL = re.compile(r"^E(0[6-9]|10|12|92)\d{6}$")
#: LA codes (unitary, district, metropolitan, London, county), preferred over a row's region
#: (E12) or country (E92) code: an EES row holds all three.
_LA_GSS_CELL = re.compile(r"^E(0[6-9]|10)\d{6}$")
_NAME_HEADERS = ("la_name", "geog_n", "area_name", "la name", "local authority", "name")
_CODE_HEADERS = ("new_la_code", "la_code", "gss", "gss_code", "geog_c", "area_code", "la code")


def _la_of(header: list[str], cells: list[str]) -> str:
    """The LA code (and name) in one row, from its LA code column or GSS-like cell and a name column.

    The code is the one in a column named as an LA code, else the row's first LA-level
    code, else (a region or England row) its first region or country code: never
    England's code beside an LA's name.
    """
    stripped = [str(c).strip() for c in cells]
    lowered = [str(h).strip().lower() for h in header]
    code = next((stripped[lowered.index(h)] for h in _CODE_HEADERS
                 if h in lowered and lowered.index(h) < len(stripped)
                 and _GSS_CELL.match(stripped[lowered.index(h)])), "")
    code = code or next((c for c in stripped if _LA_GSS_CELL.match(c)), "") \
        or next((c for c in stripped if _GSS_CELL.match(c)), "")
    name = ""
    for wanted in _NAME_HEADERS:
        if wanted in lowered and lowered.index(wanted) < len(cells):
            name = stripped[lowered.index(wanted)]
            break
    if not header and code:  # a sheet row: the first wordy cell after the code
        after = stripped[stripped.index(code) + 1:]
        name = next((c for c in after if re.search(r"[A-Za-z]{3}", c)), "")
    text = " ".join(t for t in (code, name) if t and t.lower() != "nan")
    return f" (LA {text})" if text else ""


def _csv_records(path: Path) -> list[tuple[int, list[str]]]:
    """Each non-blank record of a CSV with the line it starts on (1-based), as pandas reads them."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""))
    records, start = [], 1
    for record in reader:
        if record and not (len(record) == 1 and not record[0].strip()):  # pandas skips blank lines
            records.append((start, record))
        start = reader.line_num + 1
    return records


_QUOTED = r'"(?:[^"]|"")*"'
#: One whole record on one line: fields either quoted (closed on the line, "" inside) or without quotes.
_ONE_LINE_RECORD = re.compile(rf'(?:{_QUOTED}|[^",]*)(?:,(?:{_QUOTED}|[^",]*))*')
_QUOTED_FIELD = re.compile(_QUOTED)


def _fields_complete(path: Path) -> bool:
    """True if every record of the CSV has at least as many fields as its header (quick check).

    What :func:`require_complete_rows` checks first, in a tenth of the time of ``csv.reader``:
    when every line holding a quote is one whole record (its quoted fields closed on the line),
    the records are the lines (blank ones skipped, as ``_csv_records``) and a record's fields
    are its commas outside quotes plus one. False (a short record, or a line this does not
    cover) sends the caller to the full reading, which also words the error.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    counts = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if '"' in line:
            if not _ONE_LINE_RECORD.fullmatch(line):
                return False
            line = _QUOTED_FIELD.sub("", line)
        if "," in line or line.strip():
            counts.append(line.count(",") + 1)
    return not counts or min(counts) >= counts[0]


def locate_value(path: str | Path, column: str, label, value) -> str | None:
    """Where a bad ``value`` of ``column`` sits in the raw file: "line N (LA code name)".

    Used only to word an error. For a CSV the row with index ``label`` (the frame's
    own numbering, 0 = first record after the header) is checked to hold ``value``
    in ``column``; otherwise the file is searched for the one record holding it.
    For a workbook, every sheet is searched for the one cell holding it. None if it
    cannot be placed with certainty (it is never guessed).
    """
    path = Path(path)
    wanted = str(value).strip()
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            records = _csv_records(path)
            if not records:
                return None
            header = [h.strip() for h in records[0][1]]
            body = records[1:]
            name = str(column).strip()
            col = header.index(name) if name in header else None

            def holds(record: list[str]) -> bool:
                cells = record if col is None else record[col:col + 1]
                return any(c.strip() == wanted for c in cells)

            if (col is not None and isinstance(label, (int, np.integer)) and 0 <= label < len(body)
                    and holds(body[label][1])):
                line, record = body[label]
            else:
                found = [r for r in body if holds(r[1])]
                if len(found) != 1:
                    return None
                line, record = found[0]
            return f"line {line}{_la_of(header, record)}"
        if path.suffix.lower() in (".xls", ".xlsx", ".xlsm", ".ods"):
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=str,
                                   keep_default_na=False, na_values=[])
            hits = [(sheet, r, c) for sheet, frame in sheets.items()
                    for r, c in zip(*np.nonzero(frame.apply(lambda s: s.str.strip()).to_numpy() == wanted))]
            if len(hits) != 1:
                return None
            sheet, r, c = hits[0]
            row = sheets[sheet].iloc[r].tolist()
            letters = ""
            n = int(c) + 1
            while n:
                n, rem = divmod(n - 1, 26)
                letters = chr(65 + rem) + letters
            return f"sheet {sheet!r}, row {int(r) + 1} (cell {letters}{int(r) + 1}){_la_of([], row)}"
    except Exception:  # wording an error must never raise another
        return None
    return None


def missing_file_problem(path: str | Path, fix: str = "run `make data` to fetch the raw files") -> str:
    """The words for a file that is not there: a case-only rename said as such."""
    twin = case_twin(path)
    if twin is not None:
        return (f"file is missing, but {twin} differs from its name only in case (file names are "
                f"case-sensitive): rename it back to {Path(path).name}, or delete it and {fix}")
    return f"file is missing ({fix})"


def require_file(path: str | Path) -> Path:
    """The path, if the file exists; else a DataError telling how to get it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, missing_file_problem(path))
    return path


def require_text(path: str | Path, encoding: str = "utf-8") -> None:
    """Stop naming the line if ``path`` is not valid ``encoding`` (a byte offset helps nobody).

    Called when a decoder failed: re-reads the file line by line to find where.
    """
    raw = Path(path).read_bytes()
    for number, line in enumerate(raw.splitlines(keepends=True), start=1):
        try:
            line.decode(encoding.replace("-sig", "") if number > 1 else encoding)
        except UnicodeDecodeError as err:
            bad = line[err.start:err.end]
            raise DataError(path, f"line {number}, character {len(line[:err.start].decode(encoding, 'replace')) + 1}: "
                                  f"byte {bad.hex(' ')} is not {encoding.upper().replace('-SIG', '')} text; "
                                  "the file was saved in another encoding (Windows-1252?): get the release "
                                  "again with `make data`, or re-save it as UTF-8") from None


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
    if path.stat().st_size == 0:
        raise DataError(path, "is empty (0 bytes): get the release again with `make data`")
    try:
        return pd.read_csv(path, **kwargs)
    except UnicodeDecodeError:
        require_text(path, kwargs["encoding"])
        raise DataError(path, f"cannot be read as {kwargs['encoding']} text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise DataError(path, f"cannot be read as CSV ({err})") from None


def require_complete_rows(path: str | Path) -> None:
    """Stop if a record of a CSV has fewer fields than its header.

    pandas fills the missing fields of a short record with empty text, so a file cut
    inside a row, or a row that lost its last cells, would read as suppressed
    values; this re-reads the file's records and names the line and LA of the first
    short one. Only for files without footnote lines (such as DfE's underlying data).
    """
    path = Path(path)
    if _fields_complete(path):
        return
    records = _csv_records(path)
    if not records:
        return
    header = records[0][1]
    short = [(line, record) for line, record in records[1:] if len(record) < len(header)]
    if short:
        line, record = short[0]
        more = f" ({len(short)} such rows)" if len(short) > 1 else ""
        raise DataError(path, f"line {line}{_la_of(header, record)} has {len(record)} fields, the header "
                              f"{len(header)}{more}: the file ends inside a row or a row is cut short (truncated?)")


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


def sheet_table(path: str | Path, sheet: str) -> pd.DataFrame:
    """One worksheet as calamine's own cell values, every column of dtype object.

    For a large sheet a reader only walks by position: no type inference, no
    conversion (Table A1's six workbooks: 0.6 s instead of 1.2 s). Cells are ``str`` (``""`` when
    empty) or ``float`` (``int``, ``bool`` or a date where the format says so);
    rows and columns are those ``read_sheet`` gives (an empty row kept, all
    ``""``). A missing sheet stops with the sheets the workbook has.
    """
    from python_calamine import CalamineWorkbook

    path = require_file(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
        if sheet not in names:
            raise DataError(path, f"sheet {sheet!r} not found; sheets are {names}")
        rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except DataError:
        raise
    except Exception as err:  # calamine raises its own error types on corrupt files
        raise DataError(path, f"cannot be read as a spreadsheet ({type(err).__name__}: {err})") from None
    return pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(dtype=object)


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
    target = WrittenPath(output_path(Path(path)))
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
        elif out[column].dtype == object:  # numbers among text (e.g. "significant" or 0.682472)
            out[column] = [format_float(v, digits) if isinstance(v, float) else v for v in out[column]]
    text = out.to_csv(index=False, lineterminator="\n")
    return write_bytes(text.encode("utf-8"), path)
