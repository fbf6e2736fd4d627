"""Findings in words: a result record turned into a sentence a reader can quote.

Numbers in a notebook's prose come from here, never from the keyboard (STYLE.md,
"Numbers in prose come from code"). A notebook shows a finding with
``show(sentence(record))``, which renders it as Markdown output; a test can
regenerate the same sentence from the result file.

Formatting follows APA habits: correlations without a leading zero (``r_s = .68``),
``p < .001`` below one in a thousand, otherwise three decimals (``p = .035``),
U as a whole number with a thousands separator.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

ALPHA = 0.05

#: How an outcome of the study reads in a sentence.
OUTCOME_PHRASES = {
    "average rate": "higher average rates of children looked after",
    "average change": "larger average yearly changes in the rate",
}
OUTCOME_PHRASES_LOW = {
    "average rate": "lower average rates of children looked after",
    "average change": "smaller average yearly changes in the rate",
}
OUTCOME_NOUNS = {
    "average rate": "the average rate of children looked after",
    "average change": "the average yearly change in the rate",
}


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fmt_p(p) -> str:
    """``p < .001``, ``p = .035``, ``p = .350``; ``p not available`` when missing."""
    if not _finite(p):
        return "p not available"
    p = float(p)
    if p < 0.001:
        return "p < .001"
    text = f"{p:.3f}"
    if text == "1.000":
        return "p = 1"
    return "p = " + text.lstrip("0")


def fmt_r(r, digits: int = 2) -> str:
    """A correlation-like number without its leading zero: ``.68``, ``-.28``."""
    if not _finite(r):
        return "n/a"
    text = f"{float(r):.{digits}f}"
    if text.startswith("-0."):
        text = "-" + text[2:]
    elif text.startswith("0."):
        text = text[1:]
    if text in ("-." + "0" * digits,):
        text = text[1:]
    return text


def fmt_num(value, digits: int = 2) -> str:
    """A plain number with thousands separators at ``digits`` decimals (0 for whole numbers)."""
    if not _finite(value):
        return "n/a"
    return f"{float(value):,.{digits}f}"


def fmt_ci(low, high, fmt=fmt_r, level: int = 95) -> str:
    if not (_finite(low) and _finite(high)):
        return ""
    return f"{level}% CI {fmt(low)} to {fmt(high)}"


def rank_biserial(u_group: float, n_group: int, n_other: int) -> float:
    """Rank-biserial correlation of a Mann-Whitney test, positive when the group ranks higher.

    r = 2 * U_group / (n_group * n_other) - 1 (Kerby 2014), the share of pairs in
    which the group's value is higher minus the share in which it is lower.
    """
    return 2.0 * float(u_group) / (n_group * n_other) - 1.0


def _get(record: Mapping, key: str, default=None):
    value = record.get(key, default) if hasattr(record, "get") else getattr(record, key, default)
    return default if value is None else value


def multiplicity_clause(record: Mapping, n_tests: int | None = None) -> str:
    """Whether a result survives Holm and Benjamini-Hochberg adjustment, if the record says."""
    p_holm, p_bh = _get(record, "p_holm"), _get(record, "p_bh")
    if not (_finite(p_holm) and _finite(p_bh)):
        return ""
    across = f" across the study's {n_tests} tests" if n_tests else ""
    holm, bh = float(p_holm) < ALPHA, float(p_bh) < ALPHA
    raw = _finite(_get(record, "p_value")) and float(_get(record, "p_value")) < ALPHA
    if holm and bh:
        return f"It remains significant after Holm and Benjamini-Hochberg adjustment{across}."
    if bh:
        return (f"It survives the Benjamini-Hochberg adjustment (adjusted {fmt_p(p_bh)}) but not "
                f"Holm's (adjusted {fmt_p(p_holm)}){across}.")
    if raw:
        return (f"It does not survive adjustment for multiple testing{across} "
                f"(Holm {fmt_p(p_holm)}, Benjamini-Hochberg {fmt_p(p_bh)}).")
    return ""


def sentence(record: Mapping, n_tests: int | None = None, subject: str = "LAs") -> str:
    """One test record (a row of ``associations.csv`` or a ``tests_<chapter>.csv``) in words.

    Uses ``ci_low``/``ci_high`` (r_s, or the rank-biserial r for Mann-Whitney),
    ``n_group``/``n_other``/``u_group`` and ``p_holm``/``p_bh`` when the record has them.
    """
    test = _get(record, "test")
    outcome = str(_get(record, "outcome", "the outcome"))
    predictor = str(_get(record, "predictor", "the predictor"))
    period = _get(record, "period")
    p = _get(record, "p_value")
    n = _get(record, "n")
    significant = _finite(p) and float(p) < ALPHA
    over = f" over {period}" if period else ""
    statistic = _get(record, "statistic")
    if test == "spearman":
        ci = fmt_ci(_get(record, "ci_low"), _get(record, "ci_high"))
        numbers = ", ".join(x for x in (f"r_s = {fmt_r(statistic)}", ci, f"N = {int(n)}", fmt_p(p)) if x)
        if significant:
            higher = float(statistic) > 0
            phrases = OUTCOME_PHRASES if higher else OUTCOME_PHRASES_LOW
            text = f"{subject} with a higher {predictor} had {phrases.get(outcome, outcome)}{over} ({numbers})."
        else:
            noun = OUTCOME_NOUNS.get(outcome, outcome)
            text = (f"There was no clear association between {predictor} and {noun}{over} "
                    f"({numbers}).")
    elif test == "mann_whitney":
        n_group, n_other, u_group = _get(record, "n_group"), _get(record, "n_other"), _get(record, "u_group")
        parts = [f"U = {fmt_num(statistic, 0)}"]
        effect = None
        if _finite(n_group) and _finite(n_other):
            parts.append(f"n = {int(n_group)} vs {int(n_other)}")
            if _finite(u_group):
                effect = rank_biserial(float(u_group), int(n_group), int(n_other))
        else:
            parts.append(f"N = {int(n)}")
        effect = _get(record, "effect", effect)
        if _finite(effect):
            ci = fmt_ci(_get(record, "ci_low"), _get(record, "ci_high"))
            parts.append(f"rank-biserial r = {fmt_r(effect)}" + (f", {ci}" if ci else ""))
        parts.append(fmt_p(p))
        numbers = ", ".join(parts)
        direction = _get(record, "direction")
        if significant and _finite(direction) and int(direction) != 0:
            phrases = OUTCOME_PHRASES if int(direction) > 0 else OUTCOME_PHRASES_LOW
            text = f"{subject} in the group '{predictor}' had {phrases.get(outcome, outcome)}{over} than the others ({numbers})."
        else:
            noun = OUTCOME_NOUNS.get(outcome, outcome)
            text = (f"{subject} in the group '{predictor}' did not differ clearly from the others in {noun}"
                    f"{over} ({numbers}).")
    else:
        raise ValueError(f"sentence: unknown test {test!r} in record {_get(record, 'id')!r}")
    extra = multiplicity_clause(record, n_tests)
    return text + (" " + extra if extra else "")


def ratio_sentence(label: str, estimate: float, ci_low: float, ci_high: float, p: float,
                   unit: str = "one standard deviation", outcome: str = "the rate of children looked after",
                   n: int | None = None) -> str:
    """A rate ratio from a count model in words: size, direction, CI, p and N."""
    if not _finite(estimate):
        return f"The model could not estimate {label}."
    change = (float(estimate) - 1.0) * 100.0
    direction = "higher" if change > 0 else "lower"
    ci = fmt_ci(ci_low, ci_high, fmt=lambda v: fmt_num(v, 2))
    numbers = ", ".join(x for x in (f"rate ratio {fmt_num(estimate, 2)}", ci, fmt_p(p),
                                     f"N = {int(n)}" if n is not None else "") if x)
    clear = _finite(ci_low) and _finite(ci_high) and (float(ci_low) > 1 or float(ci_high) < 1)
    if clear:
        return f"{unit[0].upper() + unit[1:]} more {label} went with {abs(change):.0f}% {direction} {outcome} ({numbers})."
    return (f"{label[0].upper() + label[1:]} had no clear association with {outcome} once the other factors "
            f"were held constant ({numbers}).")


def show(text: str):
    """Render a finding as Markdown output in a notebook (plain text outside IPython)."""
    from IPython.display import Markdown

    return Markdown(text)


# --- model rows and rankings ------------------------------------------------------------------------

def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def ci_excludes(low, high, null: float) -> bool:
    """Whether a finite interval lies wholly on one side of ``null``."""
    return _finite(low) and _finite(high) and (float(low) > null or float(high) < null)


def rate_ratio_row_sentence(row: Mapping, label: str, per: str = "one standard deviation",
                            outcome: str = "rate of children looked after", n=None) -> str:
    """One term of a count model (a row of ``models.tidy``) in words.

    ``label``: the predictor as a reader says it; ``per``: the step the ratio refers to
    (e.g. "one standard deviation (5.6 percentage points)"); ``outcome`` without its
    article. Says the % difference, the rate ratio with its 95% CI, p and N; a CI that
    includes 1 is said to go with no clear difference, whatever the point estimate.
    """
    rr, low, high = _get(row, "rate_ratio"), _get(row, "rr_ci_low"), _get(row, "rr_ci_high")
    n = n if n is not None else _get(row, "n")
    if not _finite(rr):
        return f"The model could not estimate {label}."
    numbers = ", ".join(x for x in (f"rate ratio {fmt_num(rr, 2)}", fmt_ci(low, high, fmt=lambda v: fmt_num(v, 2)),
                                     fmt_p(_get(row, "p_value")), f"N = {int(n)}" if _finite(n) else "") if x)
    change = (float(rr) - 1.0) * 100.0
    if ci_excludes(low, high, 1.0):
        direction = "higher" if change > 0 else "lower"
        return f"{_cap(per)} more {label} went with a {abs(change):.0f}% {direction} {outcome} ({numbers})."
    return (f"{_cap(per)} more {label} went with no clear difference in the {outcome} ({numbers}): "
            f"the interval includes a ratio of 1.")


def rate_ratio_ci(row: Mapping) -> str:
    """``1.06 (95% CI 1.02 to 1.11)`` from a tidy row of a count model."""
    return (f"{fmt_num(_get(row, 'rate_ratio'), 2)} "
            f"({fmt_ci(_get(row, 'rr_ci_low'), _get(row, 'rr_ci_high'), fmt=lambda v: fmt_num(v, 2))})")


def lower_first(text: str) -> str:
    """The sentence with its first letter in lower case (to continue another sentence)."""
    return text[:1].lower() + text[1:]


def slope_sentence(row: Mapping, label: str, unit: str, outcome: str = "children looked after per 10,000",
                   digits: int = 2) -> str:
    """One term of a linear model in words: ``unit`` more ``label`` went with ``estimate`` more
    (fewer) ``outcome``, with its 95% CI and p; a CI that includes 0 is said to be no clear slope."""
    est, low, high = _get(row, "estimate"), _get(row, "ci_low"), _get(row, "ci_high")
    if not _finite(est):
        return f"The model could not estimate {label}."
    signed = lambda v: f"{float(v):+.{digits}f}".replace("-", "\u2212")  # noqa: E731
    numbers = ", ".join(x for x in (f"{signed(est)}", fmt_ci(low, high, fmt=signed), fmt_p(_get(row, "p_value"))) if x)
    # "one percentage point" -> "One percentage point more ..."; a unit that says "more" itself
    # ("a percentage point more") is not given a second one
    step = _cap(unit) if re.search(r"\bmore\b", unit) else f"{_cap(unit)} more"
    if ci_excludes(low, high, 0.0):
        more = "more" if float(est) > 0 else "fewer"
        return f"{step} {label} went with {abs(float(est)):.{digits}f} {more} {outcome} ({numbers})."
    return f"{step} {label} went with no clear change in {outcome} ({numbers})."


def ordinal(k: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th'."""
    k = int(k)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def rank_sentence(table, name_column: str, value_column: str, names, what: str, unit: str = "",
                  digits: int = 1, low_is_first: bool = True) -> str:
    """Where each of ``names`` ranks in ``table`` by ``value_column``, counted from the lowest
    (``low_is_first``) or the highest: 'Outer London ranks lowest of 10 regions (45.6 per
    10,000); Inner London ranks 6th lowest of 10 (62.2 per 10,000).'"""
    ordered = table.sort_values(value_column, ascending=low_is_first, kind="mergesort").reset_index(drop=True)
    end = "lowest" if low_is_first else "highest"
    parts = []
    total = len(ordered)
    for name in names:
        hit = ordered.index[ordered[name_column] == name]
        if len(hit) != 1:
            raise ValueError(f"rank_sentence: {name!r} not found once in {name_column!r}")
        k = int(hit[0]) + 1
        place = end if k == 1 else f"{ordinal(k)} {end}"
        value = f"{fmt_num(ordered.loc[hit[0], value_column], digits)}{(' ' + unit) if unit else ''}"
        parts.append(f"{name} ranks {place} of {total} {what} ({value})")
    return "; ".join(parts) + "."


def top_with_ties(frame, column: str, k: int, largest: bool = True, digits: int = 1):
    """The ``k`` rows with the largest (smallest) ``column``, plus every row tied with the k-th at
    the precision shown (``digits``): a superlative or a 'top three' never drops one of a tie.
    Rows sorted from the most extreme; ties in the order of ``frame``."""
    shown = frame[column].map(lambda v: float(f"{float(v):.{digits}f}"))
    ordered = frame.assign(_shown=shown).sort_values("_shown", ascending=not largest, kind="mergesort")
    if len(ordered) <= k:
        return ordered.drop(columns="_shown")
    cut = ordered["_shown"].iloc[k - 1]
    keep = ordered["_shown"] >= cut if largest else ordered["_shown"] <= cut
    return ordered[keep].drop(columns="_shown")


def tie_note(rows, column: str, digits: int = 1, k: int | None = None) -> str:
    """'' or ' (3 tied at 118.6)': what a reader must know when a ranked list holds a tie at the
    precision shown (or more rows than the ``k`` asked for)."""
    shown = [fmt_num(v, digits) for v in rows[column]]
    counts = {v: shown.count(v) for v in shown}
    tied = [(v, c) for v, c in counts.items() if c > 1]
    if not tied:
        return ""
    return " (" + "; ".join(f"{c} tied at {v}" for v, c in tied) + ")"


def markdown_outputs(notebook) -> list[str]:
    """The Markdown outputs (``show(...)``) of an executed notebook, in order: what a reader
    reads as findings, and what the findings tests compare with sentences regenerated
    from ``figures/``."""
    import json
    from pathlib import Path

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    out = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text is not None:
                out.append("".join(text) if isinstance(text, list) else text)
    return out


def image_alts(notebook) -> list[str]:
    """The alt text of every PNG output of an executed notebook ('' where it has none)."""
    import json
    from pathlib import Path

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return [output.get("metadata", {}).get("image/png", {}).get("alt", "")
            for cell in nb.get("cells", []) for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})]
