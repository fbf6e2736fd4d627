"""Ofsted: the single inspection framework (SIF) judgements of each LA.

Source: Ofsted, *Children's social care data in England 2023*, underlying data,
sheet ``LA_inspections_2009-2023`` (``data/raw/ofsted/...2023_underlying_data.ods``).
The sheet holds two tables one above the other, each with a header row whose
second cell is "Local authority name":

- Table 10: the LAs as at 31 March 2023;
- Table 11: the councils abolished in the 2019-2021 reorganisations
  (Bournemouth, Dorset (old county), Poole, Northamptonshire).

Each row carries the LA's first SIF inspection and its SIF re-inspection (if
any), each with a publication date, the overall effectiveness and five
sub-judgements. There are no LA codes, so names are matched to the canonical
2017 LA table with an explicit alias table; a name that matches nothing, a 2017
LA that is not found, or an LA found twice stops the ingest.

Dates: Ofsted's dates are *publication* dates of the inspection reports; the
chapter uses them as they are (no mapping onto financial years is needed: the
judgement is a single value per LA, chosen as the latest published on or before
a cut-off date).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import read_sheet

RAW_FILE = ("ofsted", "Childrens_social_care_in_England_2023_underlying_data.ods")
SHEET = "LA_inspections_2009-2023"
PROCESSED_NAME = "ofsted_sif"
ILACS_PROCESSED_NAME = "ofsted_ilacs"

#: The judgements, in the order of RESULTS.md's ids (``ofsted_<j>_...``).
JUDGEMENTS = (
    "overall",
    "help_protection",
    "looked_after_permanence",
    "adoption",
    "care_leavers",
    "leadership",
)

#: Words for each judgement, for tables and plots.
JUDGEMENT_LABELS = {
    "overall": "Overall effectiveness",
    "help_protection": "Children who need help and protection",
    "looked_after_permanence": "Children looked after and achieving permanence",
    "adoption": "Adoption performance",
    "care_leavers": "Experiences and progress of care leavers",
    "leadership": "Leadership, management and governance",
}

#: Ofsted's four grades coded as in the study (ANALYSIS.md): higher is better.
GRADES = {
    "inadequate": 1,
    "requires improvement to be good": 2,
    "good": 3,
    "outstanding": 4,
}
GRADE_LABELS = {1: "Inadequate", 2: "Requires improvement", 3: "Good", 4: "Outstanding"}

#: Ofsted's mark for a sub-judgement not made (e.g. adoption in the City of London).
NOT_JUDGED = "-"

#: The two SIF inspections of each row, and the sheet's header for each column,
#: whitespace-normalised and lower-cased (the sheet's headers carry leading
#: spaces and embedded newlines).
_SIF_HEADERS = {
    "first_sif": {
        "published": "single inspection of la children's services (sif) first sif publication date",
        "overall": "first sif overall judgement (oe)",
        "help_protection": "first sif children who need help and protection",
        "looked_after_permanence": "first sif children looked after and achieving permanence",
        "adoption": "first sif cla sub: adoption performance",
        "care_leavers": "first sif cla sub: experiences and progress of care leavers",
        "leadership": "first sif leadership, management and governance",
    },
    "sif_reinspection": {
        "published": "single inspection of la children's services (sif) sif re-inspection publication date",
        "overall": "sif re-inspection overall judgement (oe)",
        "help_protection": "sif re-inspection children who need help and protection",
        "looked_after_permanence": "sif re-inspection children looked after and achieving permanence",
        "adoption": "sif re-inspection cla sub: adoption performance",
        "care_leavers": "sif re-inspection cla sub: experiences and progress of care leavers",
        "leadership": "sif re-inspection leadership, management and governance",
    },
}
_NAME_HEADER = "local authority name"

#: Ofsted's spelling -> the canonical table's spelling, where they differ.
#: Kept explicit (not fuzzy) so that a new spelling fails loudly.
NAME_ALIASES = {
    "Bristol": "Bristol, City of",
    "Kingston Upon Hull": "Kingston upon Hull, City of",
    "Richmond Upon Thames": "Richmond upon Thames",
}

#: Councils created after 2017 that appear in Table 10 with no SIF inspection
#: (their predecessors' SIFs are in Table 11, or, for Dorset, Table 10's "Dorset"
#: is the new council and the old county's SIF is in Table 11). Dropped, after
#: checking that they indeed carry no SIF.
POST_2017_COUNCILS = frozenset({
    "Bournemouth, Christchurch and Poole",
    "Dorset",
    "North Northamptonshire",
    "West Northamptonshire",
})


def _named_rows(sheet: pd.DataFrame, name_col: int, start: int, end: int):
    """(row index, LA name with its white space folded) for each row of a table that names an LA."""
    for i in range(start, end):
        name = sheet.iat[i, name_col]
        if pd.isna(name) or not str(name).strip():
            continue
        yield i, " ".join(str(name).split())


def raw_path() -> Path:
    return paths.raw(*RAW_FILE)


def _normalise(text) -> str:
    return " ".join(str(text).split()).lower()


def _grade(value, path: Path, where: str) -> float:
    """One judgement cell as 1-4, NaN for "not judged"; anything else stops."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        raise DataError(path, f"{where}: judgement is blank although the inspection has a date")
    text = _normalise(value)
    if text == NOT_JUDGED:
        return np.nan
    if text not in GRADES:
        raise DataError(path, f"{where}: unknown judgement {value!r}")
    return float(GRADES[text])


def _date(value, path: Path, where: str):
    """A publication date cell as a Timestamp (NaT if blank)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NaT
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "year"):
        return pd.Timestamp(value).normalize()
    text = str(value).strip()
    if not text:
        return pd.NaT
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return pd.to_datetime(text, format=fmt)
        except ValueError:
            continue
    raise DataError(path, f"{where}: not a date: {value!r}")


def _table_starts(sheet: pd.DataFrame, path: Path) -> list[int]:
    starts = [i for i, v in enumerate(sheet.iloc[:, 1].tolist()) if _normalise(v) == _NAME_HEADER]
    if len(starts) != 2:
        raise DataError(
            path,
            f"sheet {SHEET!r}: expected two tables (header 'Local authority name' in column B), "
            f"found {len(starts)}",
        )
    return starts


def _read_table(sheet: pd.DataFrame, header_row: int, end_row: int, table: str, path: Path) -> pd.DataFrame:
    headers = {_normalise(v): j for j, v in enumerate(sheet.iloc[header_row].tolist()) if pd.notna(v)}
    missing = [h for cols in _SIF_HEADERS.values() for h in cols.values() if h not in headers]
    if missing:
        raise DataError(path, f"sheet {SHEET!r}, {table}: expected column(s) not found: {missing}")
    name_col = headers[_NAME_HEADER]
    rows = []
    for i, name in _named_rows(sheet, name_col, header_row + 1, end_row):
        for inspection, cols in _SIF_HEADERS.items():
            where = f"sheet {SHEET!r}, {table}, {name}, {inspection}"
            published = _date(sheet.iat[i, headers[cols["published"]]], path, where)
            cells = {j: sheet.iat[i, headers[cols[j]]] for j in JUDGEMENTS}
            if pd.isna(published):
                graded = [j for j, v in cells.items() if pd.notna(v) and str(v).strip()]
                if graded:
                    raise DataError(path, f"{where}: judgements {graded} without a publication date")
                continue
            record = {"ofsted_table": table, "ofsted_name": name, "inspection": inspection,
                      "published": published}
            for j, v in cells.items():
                record[j] = _grade(v, path, f"{where}, {j}")
            if np.isnan(record["overall"]):
                raise DataError(path, f"{where}: overall effectiveness is 'not judged'")
            rows.append(record)
    return pd.DataFrame(rows)


def read_sif_inspections(path: str | Path, sheet: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every SIF inspection in the sheet, one row per LA name and inspection.

    Columns: ``ofsted_table`` ("table_10" = LAs of 2023, "table_11" = former
    councils), ``ofsted_name``, ``inspection`` ("first_sif" or
    "sif_reinspection"), ``published`` (publication date), and the six
    judgements coded 1 (inadequate) to 4 (outstanding), NaN = not judged.
    Names with no SIF at all (the post-2019 councils) have no rows. ``sheet``: the
    sheet already read (``read_sheet(path, SHEET)``), else it is read here.
    """
    path = Path(path)
    sheet = read_sheet(path, SHEET) if sheet is None else sheet
    first, second = _table_starts(sheet, path)
    # Table 10 ends at the first blank name before Table 11's title row.
    table10 = _read_table(sheet, first, second, "table_10", path)
    table11 = _read_table(sheet, second, len(sheet), "table_11", path)
    if table10.empty or table11.empty:
        raise DataError(path, f"sheet {SHEET!r}: a table holds no SIF inspection")
    frame = pd.concat([table10, table11], ignore_index=True)
    frame["published"] = pd.to_datetime(frame["published"]).astype("datetime64[ns]")
    return frame


def names_in_sheet(path: str | Path, sheet: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every LA name in the two tables (with or without a SIF): ``ofsted_table, ofsted_name``."""
    path = Path(path)
    sheet = read_sheet(path, SHEET) if sheet is None else sheet
    first, second = _table_starts(sheet, path)
    out = []
    for table, (start, end) in {"table_10": (first, second), "table_11": (second, len(sheet))}.items():
        for v in sheet.iloc[start + 1:end, 1].tolist():
            if pd.notna(v) and str(v).strip() and not str(v).lower().startswith("table"):
                out.append({"ofsted_table": table, "ofsted_name": " ".join(str(v).split())})
    return pd.DataFrame(out)


def match_names(names: pd.DataFrame, las: pd.DataFrame, path: str | Path) -> pd.Series:
    """Canonical GSS code of each Ofsted name (NaN for a dropped post-2017 council).

    ``names`` has ``ofsted_table`` and ``ofsted_name``. Table 10's post-2017
    councils map to nothing; every other name must match exactly one LA of the
    canonical table (after the explicit aliases), or a DataError names it.
    """
    from ..las import gss_from_name

    drop = (names["ofsted_table"] == "table_10") & names["ofsted_name"].isin(POST_2017_COUNCILS)
    gss = pd.Series(np.nan, index=names.index, dtype=object)
    kept = names.loc[~drop, "ofsted_name"]
    if len(kept):
        gss.loc[~drop] = list(gss_from_name(kept, path, las=las, aliases=NAME_ALIASES))
    return gss


def sif_table(path: str | Path, las: pd.DataFrame, sheet: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every SIF inspection of the 2017 LAs, keyed by canonical ``gss`` and ``inspection``.

    Checks that the post-2017 councils dropped from Table 10 carry no SIF, that
    no 2017 LA is found twice, and that every 2017 LA has at least one SIF.
    ``sheet``: the sheet already read (``read_sheet(path, SHEET)``), else it is read here.
    """
    path = Path(path)
    sheet = read_sheet(path, SHEET) if sheet is None else sheet  # read once for both tables of it
    inspections = read_sif_inspections(path, sheet)
    names = names_in_sheet(path, sheet)
    names["gss"] = match_names(names, las, path)

    dropped = names.loc[names["gss"].isna(), "ofsted_name"]
    with_sif = sorted(set(dropped) & set(inspections.loc[inspections["ofsted_table"] == "table_10", "ofsted_name"]))
    if with_sif:
        raise DataError(path, f"post-2017 council(s) {with_sif} carry a SIF inspection: the layout has changed")

    matched = names.dropna(subset=["gss"]).copy()
    matched["gss"] = matched["gss"].astype(str)
    twice = matched.loc[matched["gss"].duplicated(keep=False)]
    if len(twice):
        raise DataError(path, f"LA(s) found more than once: {sorted(twice['ofsted_name'])}")
    absent = sorted(set(las["la_name"][~las["gss"].isin(matched["gss"])]))
    if absent:
        raise DataError(path, f"LA(s) of the canonical table not found in the sheet: {absent}")

    table = inspections.merge(matched, on=["ofsted_table", "ofsted_name"], how="inner", validate="many_to_one")
    no_sif = sorted(set(las["la_name"][~las["gss"].isin(table["gss"])]))
    if no_sif:
        raise DataError(path, f"LA(s) with no SIF inspection: {no_sif}")
    columns = ["gss", "inspection", "published", *JUDGEMENTS, "ofsted_name", "ofsted_table"]
    return table[columns].sort_values(["gss", "published", "inspection"], ignore_index=True)


def latest_judgements(sif: pd.DataFrame, cutoff, start=None) -> pd.DataFrame:
    """Each LA's most recent SIF judgements published on or before ``cutoff``.

    All six judgements come from the same inspection (the latest one), so a
    sub-judgement that the latest inspection did not make stays missing rather
    than being filled from an earlier inspection. ``start`` (optional) drops
    inspections published before it. LAs with no SIF in the window are absent.
    Two inspections of one LA on the same date are an error (which is latest
    would be undefined).

    Returns ``gss, inspection, published`` and the six judgements, sorted by gss.
    """
    cutoff = pd.Timestamp(cutoff)
    window = sif["published"] <= cutoff
    if start is not None:
        window &= sif["published"] >= pd.Timestamp(start)
    chosen = sif.loc[window]
    same_day = chosen.duplicated(["gss", "published"], keep=False)
    if same_day.any():
        raise DataError(None, f"two SIF inspections on the same date for {sorted(set(chosen.loc[same_day, 'gss']))}")
    # The whole latest row (groupby.last would fill a "not judged" from an older row).
    idx = chosen.sort_values(["gss", "published"]).groupby("gss")["published"].idxmax()
    latest = chosen.loc[idx.values, ["gss", "inspection", "published", *JUDGEMENTS]]
    return latest.sort_values("gss", ignore_index=True)


def build_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The processed tables for 01 ingest, both from the one sheet (read once):
    ``{"ofsted_sif": every SIF of every 2017 LA, "ofsted_ilacs": their ILACS inspections}``
    (07 and 09 read the ILACS table rather than the spreadsheet again).

    Columns: ``gss, inspection, published`` (datetime), the six judgements
    (float 1-4, NaN = not judged), ``ofsted_name, ofsted_table``.
    """
    from ..schema import Column, check_table

    path = raw_path()
    sheet = read_sheet(path, SHEET)
    built = {PROCESSED_NAME: sif_table(path, las, sheet), ILACS_PROCESSED_NAME: ilacs_table(path, las, sheet)}
    columns = {
        "gss": Column("str", nullable=False),
        "inspection": Column("str", nullable=False),
        **{j: Column("float", min=1, max=4, nullable=(j != "overall")) for j in JUDGEMENTS},
    }
    for name, table in built.items():
        if not pd.api.types.is_datetime64_dtype(table["published"]) or table["published"].isna().any():
            raise DataError(name, "column 'published' must be a complete date column")
        # every 2017 LA has a SIF; an LA may have no ILACS yet (its codes come from ``las`` regardless)
        built[name] = check_table(table, name, key=["gss", "inspection"], columns=columns,
                                  las=las if name == PROCESSED_NAME else None)
    return built


# --- ILACS: the framework that replaced the SIF (inspections published from 2018) ----------
#
# The same sheet carries each LA's first and second inspection under the inspection of
# local authority children's services (ILACS) framework. ILACS grades on the same
# four-point scale but with different judgements; they map onto the study's as follows
# (ILACS_TO_STUDY), by what each judgement covers:
#
# - overall effectiveness              -> overall effectiveness
# - impact of leaders on social work practice with children and families
#                                      -> leadership, management and governance
# - experiences and progress of children who need help and protection
#                                      -> children who need help and protection
# - experiences and progress of children in care and care leavers (first ILACS; the
#   second ILACS splits it into "children in care" and "care leavers")
#                                      -> children looked after and achieving permanence
#                                         (and, for the second ILACS, care leavers)
# - ILACS has no adoption judgement, and the first ILACS no separate care-leavers one:
#   those stay missing (not judged), never filled from an earlier SIF.

#: ILACS judgement header (normalised, without the "first/second ilacs framework" prefix)
#: -> the study's judgement.
ILACS_TO_STUDY = {
    "overall effectiveness": "overall",
    "impact of leaders": "leadership",
    "experiences and progress of children who need help and protection": "help_protection",
    "experiences and progress of children in care and care leavers": "looked_after_permanence",
    "experiences and progress of children in care": "looked_after_permanence",
    "experiences and progress of care leavers": "care_leavers",
}
#: Column prefixes of each ILACS in the sheet (Table 11, the former councils, has one
#: ILACS, headed "ILACS framework ...").
ILACS_INSPECTIONS = {"first_ilacs": ("first ilacs framework", "ilacs framework"),
                     "second_ilacs": ("second ilacs framework",)}
ILACS_TYPES = ("ilacs standard inspection", "ilacs short inspection")


def _ilacs_columns(headers: dict[str, int], prefix: str, path: Path, table: str) -> dict[str, int]:
    """Column index of ``published``, ``type`` and each mapped judgement for one ILACS."""
    cols = {}
    for header, j in headers.items():
        if not header.startswith(prefix + " "):
            continue
        rest = header[len(prefix) + 1:]
        if rest == "publication date":
            cols["published"] = j
        elif rest == "inspection type":
            cols["type"] = j
        elif rest in ILACS_TO_STUDY:
            cols[ILACS_TO_STUDY[rest]] = j
    for needed in ("published", "type", "overall", "leadership", "help_protection", "looked_after_permanence"):
        if needed not in cols:
            raise DataError(path, f"sheet {SHEET!r}, {table}: no '{prefix} ... {needed}' column for ILACS")
    return cols


def _read_ilacs_table(sheet: pd.DataFrame, header_row: int, end_row: int, table: str, path: Path) -> pd.DataFrame:
    headers = {_normalise(v): j for j, v in enumerate(sheet.iloc[header_row].tolist()) if pd.notna(v)}
    name_col = headers[_NAME_HEADER]
    layouts = {}
    for insp, prefixes in ILACS_INSPECTIONS.items():
        present = [p for p in prefixes if f"{p} publication date" in headers]
        if present:
            layouts[insp] = _ilacs_columns(headers, present[0], path, table)
    if "first_ilacs" not in layouts:
        raise DataError(path, f"sheet {SHEET!r}, {table}: no ILACS publication date column")
    rows = []
    for i, name in _named_rows(sheet, name_col, header_row + 1, end_row):
        for inspection, cols in layouts.items():
            where = f"sheet {SHEET!r}, {table}, {name}, {inspection}"
            published = _date(sheet.iat[i, cols["published"]], path, where)
            kind = sheet.iat[i, cols["type"]]
            if pd.isna(published):
                graded = [j for j in JUDGEMENTS if j in cols and pd.notna(sheet.iat[i, cols[j]])
                          and str(sheet.iat[i, cols[j]]).strip()]
                if graded:
                    raise DataError(path, f"{where}: judgements {graded} without a publication date")
                continue
            if _normalise(kind) not in ILACS_TYPES:
                raise DataError(path, f"{where}: unknown ILACS inspection type {kind!r}")
            record = {"ofsted_table": table, "ofsted_name": name, "inspection": inspection,
                      "published": published}
            for j in JUDGEMENTS:
                value = sheet.iat[i, cols[j]] if j in cols else None
                # A blank sub-judgement: not part of the framework when this inspection was made
                # (the second ILACS judged care leavers separately only from 2023).
                blank = value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip()
                record[j] = np.nan if (blank and j != "overall") else _grade(value, path, f"{where}, {j}")
            if np.isnan(record["overall"]):
                raise DataError(path, f"{where}: overall effectiveness is 'not judged'")
            rows.append(record)
    return pd.DataFrame(rows, columns=["ofsted_table", "ofsted_name", "inspection", "published", *JUDGEMENTS])


def read_ilacs_inspections(path: str | Path, sheet: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every ILACS inspection in the sheet, judgements mapped onto the study's (``ILACS_TO_STUDY``).

    Same columns as :func:`read_sif_inspections`; ``inspection`` is "first_ilacs" or
    "second_ilacs"; adoption (and, for a first ILACS, care leavers) is NaN. ``sheet``: the
    sheet already read, else it is read here.
    """
    path = Path(path)
    sheet = read_sheet(path, SHEET) if sheet is None else sheet
    first, second = _table_starts(sheet, path)
    frame = pd.concat([_read_ilacs_table(sheet, first, second, "table_10", path),
                       _read_ilacs_table(sheet, second, len(sheet), "table_11", path)], ignore_index=True)
    frame["published"] = pd.to_datetime(frame["published"]).astype("datetime64[ns]")
    return frame


def ilacs_table(path: str | Path, las: pd.DataFrame, sheet: pd.DataFrame | None = None) -> pd.DataFrame:
    """ILACS inspections of the 2017 LAs, keyed by ``gss`` and ``inspection`` (as :func:`sif_table`).

    The post-2017 councils' ILACS (from 2019) belong to no 2017 LA and are dropped.
    An LA may have no ILACS in the sheet (none is required). ``sheet`` as :func:`sif_table`.
    """
    path = Path(path)
    sheet = read_sheet(path, SHEET) if sheet is None else sheet
    inspections = read_ilacs_inspections(path, sheet)
    names = names_in_sheet(path, sheet)
    names["gss"] = match_names(names, las, path)
    matched = names.dropna(subset=["gss"]).copy()
    matched["gss"] = matched["gss"].astype(str)
    table = inspections.merge(matched, on=["ofsted_table", "ofsted_name"], how="inner", validate="many_to_one")
    columns = ["gss", "inspection", "published", *JUDGEMENTS, "ofsted_name", "ofsted_table"]
    return table[columns].sort_values(["gss", "published", "inspection"], ignore_index=True)


def with_frameworks(sif: pd.DataFrame, ilacs: pd.DataFrame | None) -> pd.DataFrame:
    """SIF and (optionally) ILACS inspections in one frame, with a ``framework`` column."""
    frames = [sif.assign(framework="SIF")]
    if ilacs is not None:
        frames.append(ilacs.assign(framework="ILACS"))
    return pd.concat(frames, ignore_index=True).sort_values(["gss", "published"], ignore_index=True)


# --- a cross-check of the ILACS name matching against Ofsted's 2025 file with GSS codes ---------
ILACS_2025_FILE = ("ofsted", "LA_Inspection_Outcomes_as_at_31_March_2025.ods")
ILACS_2025_SHEET = "ILACS_inspection_history"
_ILACS_2025_COLUMNS = {
    "local authority area code": "gss",
    "publication date": "published",
    "overall effectiveness": "overall",
}


def read_ilacs_history_2025(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """Every ILACS inspection in Ofsted's 2025 outcomes file (sheet ``ILACS_inspection_history``).

    Keyed by GSS code, so it checks the name matching of the 2023 sheet. Rows of councils
    created after 2017 (codes not in the 2017 LA table) are left out. Returns
    ``gss, published, overall`` (overall coded 1-4).
    """
    path = Path(path)
    sheet = read_sheet(path, ILACS_2025_SHEET)
    header_rows = ([i for i, v in enumerate(sheet.iloc[:, 1].tolist()) if _normalise(v) == "local authority area code"]
                   if sheet.shape[1] > 1 else [])
    if len(header_rows) != 1:
        raise DataError(path, f"sheet {ILACS_2025_SHEET!r}: expected one header row with 'Local authority area code'")
    header = header_rows[0]
    columns = {_normalise(v): j for j, v in enumerate(sheet.iloc[header].tolist())}
    missing = [c for c in _ILACS_2025_COLUMNS if c not in columns]
    if missing:
        raise DataError(path, f"sheet {ILACS_2025_SHEET!r}: column(s) {missing} not found")
    rows = []
    for i in range(header + 1, len(sheet)):
        code = str(sheet.iat[i, columns["local authority area code"]]).strip()
        if not code or code == "nan":
            continue
        where = f"sheet {ILACS_2025_SHEET!r}, row {i + 1}, {code}"
        rows.append({"gss": code,
                     "published": _date(sheet.iat[i, columns["publication date"]], path, where),
                     "overall": _grade(sheet.iat[i, columns["overall effectiveness"]], path, f"{where}, overall")})
    frame = pd.DataFrame(rows)
    frame = frame[frame["gss"].isin(set(las["gss"]))]
    frame["published"] = pd.to_datetime(frame["published"]).astype("datetime64[ns]")
    return frame.sort_values(["gss", "published"], ignore_index=True)


def cross_check_ilacs(ilacs: pd.DataFrame, history: pd.DataFrame, tolerance_days: int = 31) -> pd.DataFrame:
    """Each ILACS of the name-matched 2023 sheet beside the 2025 file's inspection of the same
    LA code published nearest in time (within ``tolerance_days``; the two files date a few
    reports differently): ``gss, published, overall, published_2025, overall_2025, found, same_grade``."""
    left = ilacs[["gss", "published", "overall"]].sort_values("published")
    right = history.rename(columns={"overall": "overall_2025"}).assign(published_2025=history["published"])
    merged = pd.merge_asof(left, right.sort_values("published"), on="published", by="gss", direction="nearest",
                           tolerance=pd.Timedelta(days=tolerance_days))
    merged["found"] = merged["overall_2025"].notna()
    merged["same_grade"] = merged["found"] & (merged["overall"] == merged["overall_2025"])
    return merged.sort_values(["gss", "published"], ignore_index=True)
