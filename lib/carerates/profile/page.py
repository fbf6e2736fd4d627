"""What composes a profile page besides its sentences and plots: the tables as a reader sees
them (neighbours, factors, inspections) and :func:`show`, which puts a figure on the page as a
PNG with its alt text. ``notebooks/profile.ipynb`` lays the sections out in this order: opening,
rates, region and neighbours (with the map), factors, observed against expected, Ofsted, caveats.

Imports :mod:`.data` and :mod:`.words`.
"""
from __future__ import annotations

import pandas as pd

from .data import ProfileData
from .words import FACTOR_ORDER, FIFTHS, fmt


def neighbour_table(data: ProfileData, gss: str) -> pd.DataFrame:
    """The LA's statistical neighbours with their region and first and latest rates."""
    near = data.neighbours[data.neighbours["gss"] == gss]
    las = data.las.set_index("gss")
    rates = data.rates.pivot(index="gss", columns="year", values="rate_per_10k")
    first, last = int(rates.columns.min()), int(rates.columns.max())
    return pd.DataFrame({
        "closeness": near["closeness"].str.capitalize().to_numpy(),
        "region": las.loc[near["neighbour_gss"], "region"].to_numpy(),
        f"rate {first}": [fmt(v, "{:.0f}") for v in rates.loc[near["neighbour_gss"], first]],
        f"rate {last}": [fmt(v, "{:.0f}") for v in rates.loc[near["neighbour_gss"], last]],
    }, index=pd.Index(las.loc[near["neighbour_gss"], "la_name"].to_numpy(), name="statistical neighbour"))


def factor_rows(data: ProfileData, gss: str) -> pd.DataFrame:
    """The LA's position on every factor, as a readable table."""
    rows = data.factors[data.factors["gss"] == gss].set_index("factor")
    rows = rows.reindex([o for o in FACTOR_ORDER if o in rows.index])
    def value(r):
        if r.name == "innovation":
            return "not available" if pd.isna(r.value) else ("yes" if r.value else "no")
        if r.name == "ofsted_overall" and pd.notna(r.value):
            from ..sources.ofsted import GRADE_LABELS
            return GRADE_LABELS[int(r.value)]
        return fmt(r.value, r.fmt)
    return pd.DataFrame({
        "factor": rows["label"].to_numpy(),
        "years": rows["years"],
        "this LA": [value(r) for _, r in rows.iterrows()],
        "rank (1 = highest)": [("" if pd.isna(r["rank"]) else f"{int(r['rank'])} of {int(r['n'])}") for _, r in rows.iterrows()],
        "position": [FIFTHS.get(r.fifth, "") if pd.notna(r.fifth) else "" for _, r in rows.iterrows()],
        "median LA": [("" if pd.isna(r["median"]) else fmt(r["median"], r.fmt)) for _, r in rows.iterrows()],
    }).set_index("factor")


def ofsted_table(data: ProfileData, gss: str) -> pd.DataFrame:
    rows = data.ofsted[data.ofsted["gss"] == gss]
    return pd.DataFrame({"framework": rows["framework"].to_numpy(), "inspection": rows["inspection"].to_numpy(),
                         "overall effectiveness": rows["grade"].fillna("-").to_numpy(), "note": rows["note"].to_numpy()},
                        index=pd.Index(rows["published"].dt.strftime("%Y-%m-%d").to_numpy(), name="published"))


def show(fig, alt: str):
    """Display ``fig`` as a PNG with alt text (deterministic bytes), and close it."""
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    from ..plots import DPI

    buffer = io.BytesIO()
    # Fixed margins (set by the plot functions), not bbox_inches="tight", which draws twice.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png", alt=alt))


