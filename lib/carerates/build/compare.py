"""Is a rebuilt result the same result? Tables compared as numbers, figures as pixels.

Result files keep numbers at 6 significant digits (``io.SIGNIFICANT_DIGITS``); the
fits behind them converge far beyond that, so on another processor or BLAS kernel
a rebuilt value can differ from the committed one only where it straddles a
rounding boundary: by one unit in its 6th significant digit, i.e. by at most 1e-5
of its value (when the leading digit is 1). ``RTOL`` is that bound. ``ATOL``
covers numbers that are zero up to rounding (1e-17 on one machine, -2e-17 on
another), far below any precision the compendium reports. Text and ids must be
equal to the letter; the set of rows and columns too.

PNG figures are compared byte for byte first (they are saved without metadata,
so the same pixels give the same bytes), else pixel by pixel: a figure counts
as the same if at most ``PNG_MAX_SHARE`` of its pixels differ by more than
``PNG_PIXEL_THRESHOLD``, which allows anti-aliased edges drawn a fraction of a
pixel apart and nothing a reader could see. The figure's words (``plots.save_figure`` stores
every visible text in the PNG's "Description" chunk) must be equal to the letter, so a title
whose number changed is a changed figure even when few pixels move.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

RTOL = 1e-5
ATOL = 1e-9
PNG_MAX_SHARE = 1e-3
#: A pixel differs when a channel moves by more than a tenth of its range: below that an
#: anti-aliased edge drawn a hundredth of a pixel apart, not anything a reader could see.
PNG_PIXEL_THRESHOLD = 0.1


def _numeric(column: pd.Series) -> pd.Series | None:
    """The column as floats if every non-empty cell is a number, else None."""
    values = pd.to_numeric(column.replace("", np.nan), errors="coerce")
    if values.isna().equals(column.replace("", np.nan).isna()):
        return values.astype(float)
    return None


def csv_differences(committed: str | Path, rebuilt: str | Path, rtol: float = RTOL,
                    atol: float = ATOL) -> list[str]:
    """What differs between two result tables beyond the stated precision (empty: same result)."""
    a = pd.read_csv(committed, dtype=str, keep_default_na=False)
    b = pd.read_csv(rebuilt, dtype=str, keep_default_na=False)
    if list(a.columns) != list(b.columns):
        return [f"columns differ: {list(a.columns)} vs {list(b.columns)}"]
    if a.shape != b.shape:
        return [f"shape differs: {a.shape} vs {b.shape}"]
    problems = []
    for column in a.columns:
        x, y = _numeric(a[column]), _numeric(b[column])
        if x is not None and y is not None:
            same = np.isclose(x.to_numpy(), y.to_numpy(), rtol=rtol, atol=atol, equal_nan=True)
        else:  # a column of text and numbers: numbers as numbers, text to the letter
            xs = pd.to_numeric(a[column], errors="coerce").to_numpy(dtype=float)
            ys = pd.to_numeric(b[column], errors="coerce").to_numpy(dtype=float)
            both = ~np.isnan(xs) & ~np.isnan(ys)
            same = (a[column] == b[column]).to_numpy().copy()
            same[both] = np.isclose(xs[both], ys[both], rtol=rtol, atol=atol)
        for row in np.flatnonzero(~same)[:3]:
            problems.append(f"{column!r}, data row {row + 1}: {a[column].iloc[row]!r} vs {b[column].iloc[row]!r}")
        if (~same).sum() > 3:
            problems.append(f"{column!r}: {int((~same).sum()) - 3} more differing row(s)")
    return problems


def png_differences(committed: str | Path, rebuilt: str | Path, max_share: float = PNG_MAX_SHARE) -> list[str]:
    """What differs between two PNG figures beyond a few anti-aliased pixels (empty: same figure)."""
    committed, rebuilt = Path(committed), Path(rebuilt)
    if committed.read_bytes() == rebuilt.read_bytes():
        return []
    from matplotlib import image

    words = png_text(committed), png_text(rebuilt)
    if words[0] != words[1]:
        return [f"the figure's text differs: {_first_difference(*words)}"]
    a, b = image.imread(committed), image.imread(rebuilt)
    if a.shape != b.shape:
        return [f"image size differs: {a.shape} vs {b.shape}"]
    gap = np.abs(a.astype(float) - b.astype(float))
    differing = (gap.max(axis=-1) if gap.ndim == 3 else gap) > PNG_PIXEL_THRESHOLD
    share = float(differing.mean())
    if share > max_share:
        return [f"{share:.2%} of the pixels differ (at most {max_share:.2%} allowed)"]
    return []


def png_text(path: str | Path) -> str:
    """The figure's words as ``plots.save_figure`` stores them (its "Description" chunk; "" if none)."""
    from PIL import Image

    with Image.open(path) as image:
        return str(image.info.get("Description", ""))


def _first_difference(a: str, b: str) -> str:
    for old, new in zip(a.splitlines() + [""] * len(b.splitlines()), b.splitlines() + [""] * len(a.splitlines())):
        if old != new:
            return f"{old!r} vs {new!r}"
    return "(order)"


def differences(committed: str | Path, rebuilt: str | Path) -> list[str]:
    """Differences between two result files of any kind the compendium writes."""
    committed, rebuilt = Path(committed), Path(rebuilt)
    if committed.suffix == ".csv":
        return csv_differences(committed, rebuilt)
    if committed.suffix == ".png":
        return png_differences(committed, rebuilt)
    return [] if committed.read_bytes() == rebuilt.read_bytes() else ["contents differ"]


def same_result(committed: str | Path, rebuilt: str | Path) -> bool:
    return not differences(committed, rebuilt)


def unchanged_result(existing: str | Path, new: str | Path) -> bool:
    """Should a rebuilt result file leave the existing one in place?

    Yes when the bytes are equal, or when a table or figure is the same result at
    the precision it is written with (see the module notes): then a rebuild on
    another processor or BLAS kernel, where a value can straddle a rounding
    boundary of its 6th significant digit, leaves the committed file, and
    `git status`, untouched. Only results in figures/ (CSV, PNG) are judged this
    way; anything else must be byte-identical.
    """
    existing, new = Path(existing), Path(new)
    if not existing.is_file():
        return False
    if existing.read_bytes() == new.read_bytes():
        return True
    if existing.suffix not in (".csv", ".png") or existing.parent.name != "figures":
        return False
    try:
        return same_result(existing, new)
    except (ValueError, OSError, SyntaxError):  # unreadable either side: not the same result
        return False
