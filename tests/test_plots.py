"""carerates.plots: deterministic PNG bytes, and outlying LAs labelled by name."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from carerates import plots  # noqa: E402
from carerates.las import build_la_table  # noqa: E402

NORTH_EAST = [("E06000101", "Aville", 10.0), ("E06000102", "Btown", 11.0), ("E06000103", "Cford", 12.0),
              ("E06000104", "Dbury", 13.0), ("E06000105", "Eham", 14.0), ("E06000106", "Farout", 100.0)]
SOUTH_WEST = [("E06000201", "Gmouth", 5.0), ("E06000202", "Hcombe", 6.0), ("E06000203", "Iton", 7.0),
              ("E06000204", "Jley", 8.0), ("E06000053", "Isles of Scilly", 500.0)]


@pytest.fixture
def las():
    rows = [(g, 800 + i, n, "North East") for i, (g, n, _) in enumerate(NORTH_EAST)]
    rows += [(g, 900 + i, n, "South West") for i, (g, n, _) in enumerate(SOUTH_WEST)]
    return build_la_table(pd.DataFrame(rows, columns=["gss", "la_number", "la_name", "region"]))


@pytest.fixture
def values():
    return pd.Series({g: v for g, _, v in NORTH_EAST + SOUTH_WEST})


@pytest.fixture
def figures(tmp_path, monkeypatch):
    monkeypatch.setenv("CARERATES_FIGURES", str(tmp_path))
    monkeypatch.delenv("CARERATES_STAGE", raising=False)
    return tmp_path


def draw(las, values):
    plots.use_house_style()
    fig, ax = plt.subplots(figsize=(6, 4))
    plots.regional_boxplot(values, las, ax=ax, ylabel="rate per 10,000", title="Average rate")
    return fig, ax


def test_save_figure_same_bytes(las, values, figures):
    fig, _ = draw(las, values)
    a = plots.save_figure(fig, "figure_99_a")
    plt.close(fig)
    fig, _ = draw(las, values)
    b = plots.save_figure(fig, "figure_99_b.png")
    plt.close(fig)
    assert a == figures / "figure_99_a.png" and b == figures / "figure_99_b.png"
    content = a.read_bytes()
    assert content.startswith(b"\x89PNG")
    assert content == b.read_bytes()
    assert b"Matplotlib" not in content  # no software version in the metadata


def test_boxplot_labels_outlier_by_name(las, values):
    fig, ax = draw(las, values)
    labels = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert labels == ["Farout"]


def test_boxplot_excludes_isles_of_scilly(las, values):
    fig, ax = draw(las, values)
    labels = [t.get_text() for t in ax.texts]
    ymax = ax.get_ylim()[1]
    plt.close(fig)
    assert "Isles of Scilly" not in labels
    assert ymax < 500


def test_boxplot_regions_by_ascending_mean(las, values):
    fig, ax = draw(las, values)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)
    assert ticks == ["South West", "North East"]
    assert ax.get_ylabel() == "rate per 10,000"


def test_boxplot_label_outliers_off(las, values):
    plots.use_house_style()
    fig, ax = plt.subplots()
    plots.regional_boxplot(values, las, ax=ax, label_outliers=False, order_by_mean=False)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    texts = list(ax.texts)
    plt.close(fig)
    assert texts == []
    assert ticks == ["North East", "South West"]  # DfE order


def test_outliers_mask():
    mask = plots.outliers(pd.Series([10.0, 11, 12, 13, 14, 100, -80]))
    assert mask.tolist() == [False, False, False, False, False, True, True]
    assert not plots.outliers(pd.Series(np.arange(10.0))).any()
