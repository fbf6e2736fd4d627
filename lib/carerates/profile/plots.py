"""The profile's plots: the LA's rate beside England, its region and neighbours, and the map,
each with its alt text generated from the numbers it shows.

Imports :mod:`.data` and :mod:`.words` (number formats); nothing imports it but the package.
"""
from __future__ import annotations

from .data import ProfileData, names, rate_series
from .words import fmt, join_words


def plot_rates(data: ProfileData, gss: str, ax=None):
    """The LA's rate per 10,000 by year beside England and its neighbours' median."""
    import matplotlib.pyplot as plt

    name = data.las.set_index("gss").loc[gss, "la_name"]
    series = rate_series(data, gss)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.plot(series["year"], series["la"], marker="o", color="#c0392b", label=name, zorder=3)
    ax.plot(series["year"], series["england"], color="#222222", linestyle="--", label="England")
    if series["n_neighbours"].gt(0).any():
        ax.plot(series["year"], series["neighbours"], color="#2e86c1", linestyle=":",
                label="statistical neighbours (median)")
    region = data.las.set_index("gss").loc[gss, "region"]
    ax.plot(series["year"], series["region"], color="#7d8c3c", linestyle="-.", label=f"LAs of {region} (median)")
    ax.set_xlabel("year ending 31 March")
    ax.set_ylabel("children looked after per 10,000 under-18s")
    ax.set_title(f"{name}: rate of children looked after, {int(series.year.min())}-{int(series.year.max())}")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(__import__("matplotlib").ticker.MaxNLocator(integer=True))
    ax.legend(loc="lower left", fontsize=9)
    ax.figure.subplots_adjust(left=0.11, right=0.98, bottom=0.14, top=0.9)
    return ax


def rates_alt(data: ProfileData, gss: str) -> str:
    """Alt text of :func:`plot_rates`, with the numbers it shows."""
    name = data.las.set_index("gss").loc[gss, "la_name"]
    series = rate_series(data, gss).dropna(subset=["la"])
    text = (f"Line chart of the rate of children looked after per 10,000 children by year, {name} beside England,"
            f" the median LA of its region and the median of its statistical neighbours.")
    if not series.empty:
        a, b = series.iloc[0], series.iloc[-1]
        text += (f" {name}: {fmt(a.la, '{:.0f}')} in {int(a.year)}, {fmt(b.la, '{:.0f}')} in {int(b.year)};"
                 f" England: {fmt(a.england, '{:.0f}')} and {fmt(b.england, '{:.0f}')}.")
    return text


def map_alt(data: ProfileData, gss: str) -> str:
    """Alt text of :func:`plot_map`."""
    row = data.las.set_index("gss").loc[gss]
    near = data.neighbours.loc[data.neighbours["gss"] == gss, "neighbour_gss"]
    return (f"Map of England's local authorities with {row.la_name} ({row.region}) in red and its statistical "
            f"neighbours in blue: {join_words(names(data, near)) or 'none'}.")


def plot_map(data: ProfileData, gss: str, ax=None):
    """England's 152 LAs, the LA in red and its statistical neighbours in blue."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Patch

    near = set(data.neighbours.loc[data.neighbours["gss"] == gss, "neighbour_gss"])
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 6.2))
    colours = {"la": "#c0392b", "near": "#5dade2", "other": "#e5e5e5"}
    outlines = data.outline_paths
    paths, faces = [], []
    for code in sorted(outlines, key=lambda c: (c == gss, c in near, c)):
        kind = "la" if code == gss else "near" if code in near else "other"
        paths += outlines[code]
        faces += [colours[kind]] * len(outlines[code])
    ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors="white", linewidths=0.3))
    x0, y0, x1, y1 = data.extent
    ax.set_xlim(x0 - 0.1, x1 + 0.1)
    ax.set_ylim(y0 - 0.1, y1 + 0.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    name = data.las.set_index("gss").loc[gss, "la_name"]
    ax.legend(handles=[Patch(color=colours["la"], label=name),
                       Patch(color=colours["near"], label="its statistical neighbours")],
              loc="upper left", fontsize=8, frameon=False)
    ax.set_title(f"{name} and its statistical neighbours")
    ax.figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    return ax
