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


# --- labels, names, log ticks, label placement, alt text --------------------------------------------

def test_label_dictionary_has_no_code_names_for_the_predictors():
    for code in ("low_income_pct", "unit_cost", "turnover_pct", "agency_pct", "negative_binomial"):
        text = plots.label(code)
        assert text != code and "_" not in text
    assert plots.label("unknown_thing") == "unknown_thing"


@pytest.mark.parametrize("raw, official", [
    ("Kingston Upon Hull, City of", "Kingston upon Hull, City of"),
    ("City Of London", "City of London"), ("Isles Of Scilly", "Isles of Scilly"),
    ("Richmond Upon Thames", "Richmond upon Thames"), ("Stoke-On-Trent", "Stoke-on-Trent"),
    ("Southend-On-Sea", "Southend-on-Sea"), ("Bristol, City of", "Bristol, City of"),
    ("Brighton and Hove", "Brighton and Hove"), ("York", "York"),
])
def test_official_name(raw, official):
    assert plots.official_name(raw) == official


@pytest.mark.parametrize("low, high, expected", [
    (0.8, 1.5, [0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]),
    (60, 900, [70, 100, 150, 200, 300, 500, 700]),
    (0.9, 1.12, [0.9, 0.95, 1.0, 1.05, 1.1]),
])
def test_nice_log_ticks(low, high, expected):
    assert plots.nice_log_ticks(low, high) == pytest.approx(expected)


def test_log_axis_labels_are_plain_numbers():
    fig, ax = plt.subplots()
    ax.set_xscale("log")
    ax.set_xlim(0.85, 1.35)
    ticks = plots.log_axis(ax)
    fig.canvas.draw()
    texts = [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)
    assert ticks[0] >= 0.85 and ticks[-1] <= 1.35 and len(ticks) >= 4
    assert "1" in texts and not any("10^" in t or "times" in t for t in texts)


def test_spread_positions_keeps_order_gap_and_centre():
    ys = [5.0, 5.1, 5.05, 9.0]
    out = plots.spread_positions(ys, 1.0)
    ordered = sorted(range(4), key=lambda i: ys[i])
    gaps = np.diff([out[i] for i in ordered])
    assert (gaps >= 1.0 - 1e-9).all()                                  # no two labels closer than the gap
    assert np.mean([out[i] for i in ordered[:3]]) == pytest.approx(np.mean(ys[:3]))  # cluster centred
    assert plots.spread_positions([1.0, 5.0], 1.0) == [1.0, 5.0]         # far apart: untouched
    assert plots.spread_positions(ys, 1.0) == out                       # deterministic


def test_boxplot_labels_do_not_overlap():
    # two outliers one unit apart, as York and North Yorkshire were in Figure 8
    rows = [(f"E06000{300 + i}", 700 + i, name, "North East", v) for i, (name, v) in enumerate(
        [("A", 10), ("B", 11), ("C", 12), ("D", 13), ("E", 14), ("F", 15), ("York", 100), ("North Yorkshire", 101)])]
    las = build_la_table(pd.DataFrame([r[:4] for r in rows], columns=["gss", "la_number", "la_name", "region"]))
    values = pd.Series({r[0]: float(r[4]) for r in rows})
    plots.use_house_style()
    fig, ax = plt.subplots(figsize=(6, 4))
    plots.regional_boxplot(values, las, ax=ax)
    fig.canvas.draw()
    boxes = [plots._text_box(t, fig.canvas.get_renderer()) for t in ax.texts]
    plt.close(fig)
    assert len(boxes) == 2
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j])


def test_save_figure_with_alt_displays_png_with_alt_metadata(las, values, figures, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda data, raw=False, metadata=None: shown.append((data, metadata)))
    fig, _ = draw(las, values)
    path = plots.save_figure(fig, "figure_99_c", alt="Box plots of the rate by region.")
    assert path.exists()
    (data, metadata), = shown
    assert metadata == {"image/png": {"alt": "Box plots of the rate by region."}}
    import base64
    assert base64.b64decode(data["image/png"]) == path.read_bytes()
    assert not plt.fignum_exists(fig.number)  # closed: not shown a second time


def test_boxplot_label_avoids_the_next_regions_whisker():
    # a long-named outlier in region 1 level with region 2's upper whisker goes to the left
    ne = [(f"E06000{400 + i}", 600 + i, n, "North East", v) for i, (n, v) in enumerate(
        [("A", 10), ("B", 11), ("C", 12), ("D", 13), ("E", 14), ("F", 15), ("Kingston upon Hull, City of", 60)])]
    nw = [(f"E06000{500 + i}", 650 + i, n, "North West", v) for i, (n, v) in enumerate(
        [("G", 20), ("H", 30), ("I", 40), ("J", 50), ("K", 62), ("L", 35)])]
    rows = ne + nw
    las = build_la_table(pd.DataFrame([r[:4] for r in rows], columns=["gss", "la_number", "la_name", "region"]))
    values = pd.Series({r[0]: float(r[4]) for r in rows})
    plots.use_house_style()
    fig, ax = plt.subplots(figsize=(4, 4))
    plots.regional_boxplot(values, las, ax=ax)
    (text,) = ax.texts
    align = text.get_horizontalalignment()
    plt.close(fig)
    assert text.get_text() == "Kingston upon Hull, City of"
    assert align == "right"


def test_boxplot_labels_stay_inside_the_axes():
    # the first region's outlier is blocked on the right, so it goes left: the axes widen to hold it
    ne = [(f"E06000{400 + i}", 600 + i, n, "North East", v) for i, (n, v) in enumerate(
        [("A", 10), ("B", 11), ("C", 12), ("D", 13), ("E", 14), ("F", 15), ("Barking and Dagenham", 60)])]
    nw = [(f"E06000{500 + i}", 650 + i, n, "North West", v) for i, (n, v) in enumerate(
        [("G", 20), ("H", 30), ("I", 40), ("J", 50), ("K", 62), ("L", 35)])]
    rows = ne + nw
    las = build_la_table(pd.DataFrame([r[:4] for r in rows], columns=["gss", "la_number", "la_name", "region"]))
    values = pd.Series({r[0]: float(r[4]) for r in rows})
    plots.use_house_style()
    fig, ax = plt.subplots(figsize=(4, 4))
    plots.regional_boxplot(values, las, ax=ax)
    fig.canvas.draw()
    (text,) = ax.texts
    inside = ax.get_window_extent().x0 <= text.get_window_extent().x0
    plt.close(fig)
    assert inside


def test_boxplot_label_blocked_on_both_sides_moves_up_or_down():
    # North West's outlier is level with both neighbours' whiskers: it must move off that line
    specs = {"North East": [50, 52, 54, 56, 58, 60, 62], "North West": [10, 11, 12, 13, 14, 15, 60],
             "Yorkshire and The Humber": [50, 53, 56, 59, 62, 65]}
    rows, k = [], 0
    for region, vals in specs.items():
        for v in vals:
            name = "Kingston upon Hull, City of" if (region == "North West" and v == 60) else f"LA{k}"
            rows.append((f"E06000{600 + k}", 500 + k, name, region, float(v)))
            k += 1
    las = build_la_table(pd.DataFrame([r[:4] for r in rows], columns=["gss", "la_number", "la_name", "region"]))
    values = pd.Series({r[0]: r[4] for r in rows})
    plots.use_house_style()
    fig, ax = plt.subplots(figsize=(4, 4))
    plots.regional_boxplot(values, las, ax=ax, order_by_mean=False)
    fig.canvas.draw()
    (hull,) = ax.texts
    box = plots._text_box(hull, fig.canvas.get_renderer())
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([(box.x0, box.y0), (box.x1, box.y1)])
    plt.close(fig)
    for centre, low, high in ((0, 50, 62), (2, 50, 65)):  # the neighbours' box-and-whisker columns
        crosses = x0 < centre + 0.32 and x1 > centre - 0.32 and y0 < high and y1 > low
        assert not crosses, (centre, x0, x1, y0, y1)


def test_palette_is_seaborns_tab10():
    import seaborn as sns

    expected = sns.color_palette("tab10", len(plots.PALETTE))
    assert list(plots.PALETTE.values()) == [tuple(c) for c in expected]
    assert [type(v) for c in plots.PALETTE.values() for v in c] == [type(v) for c in expected for v in c]


def test_importing_plots_does_not_import_seaborn():
    import subprocess
    import sys

    code = "import sys, carerates.plots; print('seaborn' in sys.modules, 'matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_label_flags_a_code_without_words_and_refuses_it_when_strict(monkeypatch):
    monkeypatch.setattr(plots, "UNLABELLED", set())
    assert plots.label("South East") == "South East"  # words pass
    assert plots.label("low_income_pct", prose=True) == "children in low-income families"
    assert plots.label("population_0_17") == "population_0_17"  # the default: flagged, not refused
    assert plots.UNLABELLED == {"population_0_17"}
    with pytest.raises(ValueError, match=r"no label for the code 'population_0_17'.*add it to carerates.plots.LABELS"):
        plots.label("population_0_17", strict=True)
    monkeypatch.setattr(plots, "STRICT_LABELS", True)  # what a new chapter's template sets
    with pytest.raises(ValueError, match="population_0_17"):
        plots.label("population_0_17")
    monkeypatch.setitem(plots.LABELS, "population_0_17", "children aged 0-17")
    assert plots.label("population_0_17") == "children aged 0-17"


def test_save_figure_refuses_a_name_results_md_does_not_allow(figures):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match=r"'My Plot final.png' is not a result name RESULTS.md allows"):
        plots.save_figure(fig, "My Plot final")
    plt.close(fig)
    assert not list(figures.iterdir())
