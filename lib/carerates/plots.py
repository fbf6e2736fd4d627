"""One house style for every figure, deterministic PNG output, human labels and alt text.

Conventions (docs/DEVELOPING.md, "Plots"):

- axis and legend text come from :data:`LABELS` through :func:`label` (never a code name);
- LA names are shown in their official form (:func:`official_name`);
- a figure is saved *and shown* with ``save_figure(fig, name, alt="...")``: the PNG goes
  to ``figures/`` and, in a notebook, the same bytes are displayed as an image output whose
  metadata carries the alt text (``{"image/png": {"alt": ...}}``), which nbconvert's HTML
  templates write into ``<img alt=...>``. The figure is then closed, so it is not shown twice.
"""
from __future__ import annotations

import importlib
import io
import math
import re
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from . import paths
from .io import write_bytes
from .las import REGIONS


class _LazyModule:
    """A module imported on first use: a chapter that only needs ``official_name`` or
    ``label`` (01 ingest) does not pay the ~2 s of importing pyplot and seaborn."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


plt = _LazyModule("matplotlib.pyplot")
sns = _LazyModule("seaborn")


def _tab10(n: int) -> list[tuple[float, float, float]]:
    """The first ``n`` colours of matplotlib's tab10, as ``seaborn.color_palette("tab10", n)``
    gives them (tests/test_plots.py checks the two agree), without importing seaborn."""
    return [tuple(float(x) for x in rgb) for rgb in matplotlib.colormaps["tab10"](np.linspace(0, 1, 10)[:n])[:, :3]]


PALETTE = dict(zip(REGIONS, _tab10(len(REGIONS))))
DPI = 110

#: What a reader sees instead of a column, model or test name (axes, legends, sentences).
LABELS = {
    "low_income_pct": "children in low-income families (%)",
    "unit_cost": "weekly unit cost of social work (£ per child in need)",
    "turnover_pct": "social worker turnover (%)",
    "agency_pct": "agency social workers (%)",
    "imd_score": "IMD 2015 average score",
    "idaci_score": "IDACI 2015 average score (share of children in income-deprived families)",
    "idaci_pct": "children in income-deprived families (IDACI 2015, %)",
    "uasc_share": "unaccompanied asylum-seeking children (% of children looked after)",
    "rate_per_10k": "children looked after per 10,000 children",
    "rate_excl_uasc": "children looked after, excluding UASC, per 10,000 children",
    "average_rate": "average rate of children looked after per 10,000",
    "average_change": "average yearly change in the rate per 10,000",
    "innovation": "Innovation Programme funded",
    "ofsted_overall": "Ofsted overall grade (1 Inadequate to 4 Outstanding)",
    "negative_binomial": "negative binomial",
    "poisson": "Poisson (robust errors)",
    "ols": "ordinary least squares",
    "within": "LA and year fixed effects",
}

#: Short forms for legends and tick labels where space is tight.
SHORT_LABELS = {
    "low_income_pct": "low income (%)",
    "unit_cost": "unit cost (£/week)",
    "turnover_pct": "turnover (%)",
    "agency_pct": "agency workers (%)",
    "imd_score": "IMD 2015 score",
    "idaci_score": "IDACI 2015 score",
}


#: How a sentence names a predictor (no units in brackets).
PROSE_LABELS = {
    "low_income_pct": "children in low-income families",
    "unit_cost": "unit cost of social work",
    "turnover_pct": "social worker turnover",
    "agency_pct": "agency social workers",
    "imd_score": "IMD 2015 score",
    "idaci_score": "IDACI 2015 score",
    "window_population": "child population",
    "window_count": "count of children looked after",
    "window_rate": "rate of children looked after",
    "innovation": "Innovation Programme flag",
    "ofsted_overall": "Ofsted grade",
}


#: A column, model or test name (snake_case with an underscore): never shown to a reader as it is.
_CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
#: Codes :func:`label` was asked for and had no words for, in this process (see ``STRICT_LABELS``).
UNLABELLED: set[str] = set()
#: When True, :func:`label` refuses a code it has no words for (a new chapter's template sets it).
#: Off by default only because some chapters still show a few codes (e.g. ``cla_count`` in 09's
#: coverage table); ``UNLABELLED`` lists those a kernel met.
STRICT_LABELS = False


def label(code: str, short: bool = False, prose: bool = False, strict: bool | None = None) -> str:
    """The human label of a code name: ``short`` for legends and ticks, ``prose`` for sentences.

    Words (``"South East"``, ``"rate"``) come back as they are. A code without a label
    (``"population_0_17"``: snake_case, as columns are) is recorded in ``UNLABELLED`` and,
    with ``strict`` (default ``STRICT_LABELS``), refused with what to do rather than shown to
    readers: add it to ``LABELS`` (and ``SHORT_LABELS`` / ``PROSE_LABELS`` if needed).
    """
    if prose and code in PROSE_LABELS:
        return PROSE_LABELS[code]
    if short and code in SHORT_LABELS:
        return SHORT_LABELS[code]
    if code in LABELS:
        return LABELS[code]
    if isinstance(code, str) and _CODE.match(code):
        UNLABELLED.add(code)
        if STRICT_LABELS if strict is None else strict:
            raise ValueError(f"plots.label: no label for the code {code!r}, which a reader should not see: add it "
                           f"to carerates.plots.LABELS as words with units, e.g. plots.LABELS[{code!r}] = \"...\" "
                           "(in lib/carerates/plots.py, or in the notebook before its first use)")
    return code


#: Words that official LA names write in lower case when not first (ONS/GSS register).
_LOWER = {"upon", "of", "on", "and", "the", "in", "under", "le"}


def official_name(name: str) -> str:
    """An LA name as ONS writes it: 'Kingston Upon Hull, City Of' -> 'Kingston upon Hull, City of',
    'Isles Of Scilly' -> 'Isles of Scilly'; hyphenated parts likewise ('Stoke-On-Trent')."""
    def fix(match: re.Match) -> str:
        word = match.group(0)
        return word.lower() if word.lower() in _LOWER else word

    text = str(name)
    head, _, tail = text.partition(" ")
    if not tail:
        return re.sub(r"(?<=-)[A-Za-z]+", fix, text)
    tail = re.sub(r"(?<=[ -])[A-Za-z]+|^[A-Za-z]+", fix, tail)
    head = re.sub(r"(?<=-)[A-Za-z]+", fix, head)
    # after a comma a new part starts with a capital ('..., City of')
    return re.sub(r", ([a-z])", lambda m: ", " + m.group(1).upper(), f"{head} {tail}")


def use_house_style() -> None:
    """Seaborn's white grid, readable sizes, no fonts that vary by machine."""
    sns.set_theme(style="whitegrid", context="notebook", font="DejaVu Sans")
    plt.rcParams.update({
        "figure.figsize": (8, 4.8),
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "svg.hashsalt": "carerates",
    })


def outliers(values: pd.Series) -> pd.Series:
    """Boolean mask of values beyond 1.5 IQR from the quartiles (the box plot's whiskers)."""
    q1, q3 = values.quantile([0.25, 0.75])
    spread = 1.5 * (q3 - q1)
    return (values < q1 - spread) | (values > q3 + spread)


def spread_positions(positions, min_gap: float) -> list[float]:
    """Label positions moved apart so that neighbours are at least ``min_gap`` apart.

    Deterministic and order-preserving: positions are sorted, clusters closer than
    ``min_gap`` are spaced evenly around their mean (the cluster's centre stays where
    the points are), and clusters that then touch are merged and re-spaced. Returns
    the new positions in the order of the input.
    """
    values = [float(v) for v in positions]
    if not values:
        return []
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    # each cluster: [indices in sorted order]; its labels sit at centre + (k - (n-1)/2) * gap
    clusters: list[list[int]] = []
    for i in order:
        clusters.append([i])
        while len(clusters) > 1:
            a, b = clusters[-2], clusters[-1]
            top_a = _centre(a, values) + (len(a) - 1) / 2 * min_gap
            bottom_b = _centre(b, values) - (len(b) - 1) / 2 * min_gap
            if bottom_b - top_a >= min_gap - 1e-12:
                break
            clusters[-2:] = [a + b]
    out = [0.0] * len(values)
    for cluster in clusters:
        centre = _centre(cluster, values)
        for k, i in enumerate(cluster):
            out[i] = centre + (k - (len(cluster) - 1) / 2) * min_gap
    return out


def _centre(cluster, values) -> float:
    return sum(values[i] for i in cluster) / len(cluster)


def regional_boxplot(values: pd.Series, las: pd.DataFrame, ax=None, ylabel: str = "",
                     title: str = "", order_by_mean: bool = True, label_outliers: bool = True,
                     fontsize: float = 7):
    """Box plots of an LA-level summary by region, outlying LAs labelled by name.

    Regions are ordered by ascending mean, as the report's tables are. Labels are first
    moved apart vertically where they would overprint (:func:`spread_positions`); each then
    takes the first free place, right of its point or else left, at that height or one, two...
    lines up or down, where it crosses no other region's box, whisker or outlier and no other
    label (a thin line joins a moved label to its point; a white backing is the last resort).
    """
    frame = las.loc[~las["excluded"], ["gss", "la_name", "region"]].copy()
    frame["value"] = frame["gss"].map(values)
    frame = frame.dropna(subset=["value"])
    frame["region"] = frame["region"].astype(str)
    order = (frame.groupby("region")["value"].mean().sort_values().index.tolist()
             if order_by_mean else [r for r in REGIONS if r in set(frame["region"])])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    # matplotlib's own boxplot with orientation= (seaborn 0.13 still passes the deprecated vert=)
    data = [frame.loc[frame["region"] == region, "value"].to_numpy() for region in order]
    parts = ax.boxplot(data, positions=range(len(order)), widths=0.6, whis=1.5, orientation="vertical",
                       patch_artist=True, tick_labels=order,
                       medianprops=dict(color="0.15", linewidth=1.2),
                       whiskerprops=dict(color="0.3"), capprops=dict(color="0.3"),
                       flierprops=dict(marker="o", markersize=3, markerfacecolor="0.3", markeredgecolor="0.3"))
    for patch, region in zip(parts["boxes"], order):
        patch.set_facecolor(PALETTE.get(region, "0.7"))
        patch.set_edgecolor("0.3")
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=35)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    if label_outliers:
        _label_outliers(ax, frame, order, fontsize, parts)
    return ax


def _label_outliers(ax, frame: pd.DataFrame, order: list[str], fontsize: float, parts=None) -> None:
    fig = ax.figure
    # Reading the limits autoscales them, so the data -> points conversion below is final
    # (no layout pass: the axes' place in the figure is fixed until it is saved).
    ymin, ymax = ax.get_ylim()
    height_points = ax.get_window_extent().height * 72 / fig.dpi
    per_point = (ymax - ymin) / height_points  # data units per typographic point
    gap = fontsize * 1.25 * per_point
    # what each region occupies: its box-and-whisker column and its outlying points
    columns, points = [], []
    for position, region in enumerate(order):
        values = frame.loc[frame["region"] == region, "value"]
        inside = values[~outliers(values)]
        if len(inside):
            columns.append((position - 0.32, position + 0.32, inside.min(), inside.max()))
        points += [(position, v) for v in values[outliers(values)]]
    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    placed = []  # display-space boxes of the labels already placed

    # labels on one line keep a clear gap (three characters), so two names never read as one
    pad = 3 * fontsize * 0.6 * fig.dpi / 72

    def free(text) -> bool:
        box = _text_box(text, renderer)
        (_, y0), (_, y1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
        wide = box.expanded(1.0, 1.0)
        wide.x0, wide.x1 = box.x0 - pad, box.x1 + pad
        return (ymin <= y0 and y1 <= ymax and not _collides(text, renderer, to_data, columns, points, position)
                and not any(wide.overlaps(other) for other in placed))

    def crosses_other_column(text) -> bool:
        box = _text_box(text, renderer)
        (x0, _), (x1, _) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
        return any(x0 < p < x1 for p in range(len(order)) if p != position)

    def try_place(name, value, y):
        # a label across another region's column reads as that region's: first a place that crosses none, on
        # one line and then broken over lines of about 10 characters, and only then one that crosses
        import textwrap

        wrapped = "\n".join(textwrap.wrap(name, 10, break_long_words=False, break_on_hyphens=False))
        attempts = [(name, True)] + ([(wrapped, True)] if wrapped != name else []) + [(name, False)]
        for label_text, strict in attempts:
            for side in (1, -1):
                text = _annotate(ax, label_text, position, value, y, side, fontsize)
                if free(text) and not (strict and crosses_other_column(text)):
                    return text
                _remove(text)
        return None

    steps = [0] + [k for step in range(1, 9) for k in (-step, step)]
    for position, region in enumerate(order):
        group = frame[frame["region"] == region]
        flagged = group[outliers(group["value"])].sort_values(["value", "la_name"])
        if flagged.empty:
            continue
        ys = spread_positions(flagged["value"].tolist(), gap)
        labels = [(official_name(row["la_name"]), row["value"], y) for (_, row), y in zip(flagged.iterrows(), ys)]
        # labels within a few lines of each other form a cluster, which moves as one
        clusters = []
        for item in labels:
            if clusters and item[2] - clusters[-1][-1][2] <= gap * 2.5:
                clusters[-1].append(item)
            else:
                clusters.append([item])
        for cluster in clusters:
            _place_cluster(cluster, steps, gap, try_place, placed, renderer,
                           lambda name, value, y: _annotate(ax, name, position, value, y, 1, fontsize))  # noqa: B023 (used at once)
    # a label put to the left of the first region may stick out of the axes: widen them to fit
    # (the labels' boxes follow the limits at once: no layout pass is needed to measure them)
    for _ in range(3):
        left_edge = min((ax.transData.inverted().transform(_text_box(t, renderer))[0][0] for t in ax.texts),
                        default=ax.get_xlim()[0])
        if left_edge >= ax.get_xlim()[0]:
            break
        ax.set_xlim(left_edge - 0.08, ax.get_xlim()[1])


def _place_cluster(labels, steps, gap, try_place, placed, renderer, fallback) -> None:
    """Place a cluster of labels: first all moved together by the same number of lines (keeps
    them in the order of their points), else each on its own, else where it is (backed)."""
    for k in steps:
        texts = []
        for name, value, y in labels:
            text = try_place(name, value, y + k * gap)
            if text is None:
                break
            texts.append(text)
            placed.append(_text_box(text, renderer))
        if len(texts) == len(labels):
            return
        for text in texts:
            placed.pop()
            _remove(text)
    for name, value, y in labels:
        text = next((t for t in (try_place(name, value, y + k * gap) for k in steps) if t is not None), None)
        if text is None:
            text = fallback(name, value, y)
        placed.append(_text_box(text, renderer))


def _text_box(text, renderer):
    """The display-space box of a label."""
    return text.get_window_extent(renderer)


def _annotate(ax, name: str, position: float, value: float, y: float, side: int, fontsize: float):
    """A label at (position + side * 0.12, y); a thin line back to the point when moved off its height."""
    x = position + side * 0.12
    text = ax.text(x, y, name, fontsize=fontsize, va="center", ha="left" if side > 0 else "right", zorder=5,
                   bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.85))
    text.connector = None
    if abs(y - value) > 1e-9:
        from matplotlib.lines import Line2D

        text.connector = ax.add_artist(Line2D([position, x], [value, y], color="0.4", lw=0.5, zorder=4))
    return text


def _remove(text) -> None:
    if getattr(text, "connector", None) is not None:
        text.connector.remove()
    text.remove()


def _collides(text, renderer, to_data, columns, points, own: int) -> bool:
    """Whether a label's box crosses another region's box-and-whisker column or outlying point."""
    box = _text_box(text, renderer)
    (x0, y0), (x1, y1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
    for left, right, low, high in columns:
        if abs((left + right) / 2 - own) < 1e-9:
            continue
        if x0 < right and x1 > left and y0 < high and y1 > low:
            return True
    return any(abs(px - own) > 1e-9 and x0 <= px <= x1 and y0 <= py <= y1 for px, py in points)


def log_axis(ax, axis: str = "x", max_ticks: int = 8) -> list[float]:
    """Readable ticks on a log-scaled axis: plain numbers (0.9, 1, 1.25; 100, 200, 500),
    chosen from the coarsest of 1-2-5, 1-1.5-2-3-5-7, 1-9, tenth and twentieth steps that
    gives at least four ticks within the axis limits; no minor tick labels. Returns the ticks."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    ticks = nice_log_ticks(low, high, max_ticks)
    target.set_major_locator(FixedLocator(ticks))
    target.set_major_formatter(FuncFormatter(lambda v, _: _plain(v)))
    target.set_minor_locator(NullLocator())
    target.set_minor_formatter(NullFormatter())
    return ticks


def nice_log_ticks(low: float, high: float, max_ticks: int = 8) -> list[float]:
    """Tick values for a log axis from ``low`` to ``high`` (see :func:`log_axis`)."""
    if not (low > 0 and high > low):
        raise ValueError(f"log axis limits must be positive and increasing, got {low}, {high}")
    tenths = tuple(round(1 + k / 10, 1) for k in range(10)) + (2, 2.5, 3, 4, 5, 6, 7, 8, 9)
    twentieths = (tuple(round(1 + k / 20, 2) for k in range(20)) + tuple(round(2 + k / 10, 1) for k in range(30))
                  + tuple(round(5 + k / 2, 1) for k in range(10)))
    mantissas = [(1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 2, 3, 4, 5, 6, 7, 8, 9), tenths, twentieths]
    best: list[float] = []
    for mant in mantissas:
        ticks = []
        for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
            for m in mant:
                value = float(f"{m * 10.0 ** exponent:.6g}")
                if low <= value <= high and value not in ticks:
                    ticks.append(value)
        ticks.sort()
        if len(ticks) > max_ticks:
            break
        best = ticks
        if len(ticks) >= 4:
            break
    return best


def _plain(value: float) -> str:
    return f"{value:,.6g}"


#: The source lines of the compendium's figures (STYLE.md: "Source: <publisher>, <release>").
SOURCES = {
    "cla": "Source: DfE, Children looked after in England including adoption, 2016 and 2017 releases (SFR41/2016, SFR50/2017)",
    "cla_number": ("Source: DfE, Children looked after in England, national tables 1994-2017 (revised series); LA "
        "tables of the 2016 and 2017 releases"),
    "cla_population": "Source: DfE, Children looked after in England, 2017 release; ONS, mid-year population estimates",
    "cla_uasc": "Source: DfE, Children looked after in England, 2012-2017 releases (underlying data and table LAA4)",
    "low_income": ("Source: HMRC, Children in low-income families local measure, 2011-2016; PHE Fingertips "
        "(2006-2010); DfE, Children looked after, 2016 and 2017 releases"),
    "workforce": "Source: DfE, Children's social work workforce, 2015 and 2016 releases; DfE, Children looked after, 2017 release",
    "innovation": ("Source: compiled list of Innovation Programme round 1 projects (2014-2015 awards); DfE, "
        "Children looked after, 2017 release"),
    "finance": ("Source: DfE, section 251 outturn (Table A1) 2011-12 to 2015-16; DfE, Characteristics of "
        "children in need, 2012-2016; DfE, Children looked after, 2017 release"),
    "ofsted": "Source: Ofsted, Children's social care data in England 2023 (inspection history); DfE, Children looked after, 2017 release",
    "later": ("Source: DfE, Children looked after in England, 2016 and 2017 releases and "
        "explore-education-statistics editions 2018-2022 to 2021-2025; DfE, LAIT (UASC)"),
    "later_tests": ("Source: this compendium's tests of the 2017 study (chapters 03-07); DfE "
        "explore-education-statistics, DWP/ONS, DfE LAIT, Ofsted (later windows)"),
}


def figure_number(name: str) -> str:
    """How a figure is named in its title, from its file name: the compendium's own figures by
    chapter ('figure_10b_rate_trends' -> 'Figure 10.2'), the report's figures as the report's
    ('figure_04_regional_average_rate' -> "The report's Figure 4", 'figure_05_06_...' ->
    "The report's Figures 5 and 6")."""
    stem = Path(name).stem
    own = re.fullmatch(r"figure_(\d{2})([a-z])(?:_.*)?", stem)
    if own:
        return f"Figure {int(own.group(1))}.{ord(own.group(2)) - ord('a') + 1}"
    pair = re.fullmatch(r"figure_(\d{2})_(\d{2})_.*", stem)
    if pair:
        return f"The report's Figures {int(pair.group(1))} and {int(pair.group(2))}"
    report = re.fullmatch(r"figure_(\d{2})_.*", stem)
    if report:
        return f"The report's Figure {int(report.group(1))}"
    raise ValueError(f"figure_number: {name!r} is not a figure file name (figure_NN[x]_slug)")


def headline(fig, name: str, finding: str, subtitle: str, source: str, layout: bool = True) -> None:
    """The house headline of a figure (afcharts): a bold title that states the finding, numbered
    by :func:`figure_number`; a subtitle saying what is plotted; a source line under the plot.
    Placed in points outside the axes so it never overprints them (``save_figure`` crops tight)."""
    from matplotlib.transforms import offset_copy

    if layout:
        fig.tight_layout()
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    to_fig = fig.transFigure.inverted()
    top = max([to_fig.transform((0, b.y1))[1] for b in boxes if b is not None] + [1.0])
    bottom = min([to_fig.transform((0, b.y0))[1] for b in boxes if b is not None] + [0.0])
    left = min([to_fig.transform((b.x0, 0))[0] for b in boxes if b is not None] + [0.0])
    title = f"{figure_number(name)}: {finding}"
    width_chars = int(fig.get_figwidth() * 72 / 7.2)  # ~characters of 12 pt bold per line
    import textwrap

    title = "\n".join(textwrap.wrap(title, width_chars))
    subtitle = "\n".join(textwrap.wrap(subtitle, int(width_chars * 1.25)))
    sub = fig.text(left, top, subtitle, ha="left", va="bottom", fontsize=9.5, color="0.25",
                   transform=offset_copy(fig.transFigure, fig=fig, y=6, units="points"))
    sub_height = sub.get_window_extent(renderer).height * 72 / fig.dpi
    fig.text(left, top, title, ha="left", va="bottom", fontsize=12, fontweight="bold",
             transform=offset_copy(fig.transFigure, fig=fig, y=10 + sub_height, units="points"))
    source = "\n".join(textwrap.wrap(source, int(width_chars * 1.45)))
    fig.text(left, bottom, source, ha="left", va="top", fontsize=7.5, color="0.35",
             transform=offset_copy(fig.transFigure, fig=fig, y=-6, units="points"))


def figure_text(fig) -> str:
    """Every visible text of a figure (titles, labels, ticks, notes), one per line, in drawing order.

    Saved in the PNG's "Description" chunk, so a rebuilt figure whose words or numbers changed
    is a changed result even where its pixels differ by less than ``compare``'s tolerance.
    """
    from matplotlib.text import Text

    return "\n".join(t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip())


def save_figure(fig, name: str, alt: str | None = None, show: bool | None = None) -> Path:
    """``figures/<name>.png`` with fixed metadata, so equal data give equal bytes.

    With ``alt`` (a sentence saying what the figure shows), the PNG is also displayed as
    the cell's output with ``{"image/png": {"alt": alt}}`` metadata, and the figure
    is closed (``show=False`` to only save). The name must follow RESULTS.md
    (``results.NAME_RULES``: ``figure_NNx_<slug>``). Returns the path (a cell ending in this
    call shows nothing more).
    """
    if not name.endswith(".png"):
        name += ".png"
    from .results import check_name  # the names RESULTS.md allows

    check_name(name)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight",
                metadata={"Software": None, "Description": figure_text(fig)})
    content = buffer.getvalue()
    path = write_bytes(content, paths.figure(name))
    if show is None:
        show = alt is not None
    if show:
        display_png(content, alt or "")
        plt.close(fig)
    return path


def display_png(content: bytes, alt: str) -> None:
    """Show PNG bytes as a notebook output carrying its alt text in the output metadata."""
    import base64

    from IPython.display import display

    data = base64.b64encode(content).decode("ascii")
    display({"image/png": data, "text/plain": f"[figure: {alt}]"}, raw=True,
            metadata={"image/png": {"alt": alt}})
