"""One house style for every figure, and deterministic PNG output."""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from . import paths
from .io import write_bytes
from .las import REGIONS

PALETTE = dict(zip(REGIONS, sns.color_palette("tab10", len(REGIONS))))
DPI = 110


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


def regional_boxplot(values: pd.Series, las: pd.DataFrame, ax=None, ylabel: str = "",
                     title: str = "", order_by_mean: bool = True, label_outliers: bool = True):
    """Box plots of an LA-level summary by region, outlying LAs labelled by name.

    Regions are ordered by ascending mean, as the report's tables are.
    """
    frame = las.loc[~las["excluded"], ["gss", "la_name", "region"]].copy()
    frame["value"] = frame["gss"].map(values)
    frame = frame.dropna(subset=["value"])
    frame["region"] = frame["region"].astype(str)
    order = (frame.groupby("region")["value"].mean().sort_values().index.tolist()
             if order_by_mean else [r for r in REGIONS if r in set(frame["region"])])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    sns.boxplot(data=frame, x="region", y="value", order=order, hue="region",
                palette=PALETTE, legend=False, ax=ax, fliersize=3, width=0.6)
    if label_outliers:
        for position, region in enumerate(order):
            group = frame[frame["region"] == region]
            for _, row in group[outliers(group["value"])].iterrows():
                ax.annotate(row["la_name"], (position, row["value"]), xytext=(5, 0),
                            textcoords="offset points", fontsize=7, va="center")
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=35)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


def save_figure(fig, name: str) -> Path:
    """``figures/<name>.png`` with fixed metadata, so equal data give equal bytes."""
    if not name.endswith(".png"):
        name += ".png"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight",
                metadata={"Software": None})
    return write_bytes(buffer.getvalue(), paths.figure(name))
