"""carerates.build.compare: rebuilt results judged at the precision they are written with."""
import numpy as np
import pandas as pd

from carerates import io



from carerates.build import compare


def _csv(tmp_path, name, frame):
    return io.write_csv(frame, tmp_path / name)


def test_values_straddling_a_rounding_boundary_are_the_same_result(tmp_path):
    # 0.04116145 and 0.04116155 round to different 6th digits: one unit apart
    a = _csv(tmp_path, "a.csv", pd.DataFrame({"model": ["nb"], "alpha": [0.041161449]}))
    b = _csv(tmp_path, "b.csv", pd.DataFrame({"model": ["nb"], "alpha": [0.041161451]}))
    assert a.read_bytes() != b.read_bytes()
    assert compare.csv_differences(a, b) == []


def test_a_change_in_the_fifth_digit_is_a_different_result(tmp_path):
    a = _csv(tmp_path, "a.csv", pd.DataFrame({"alpha": [0.041161]}))
    b = _csv(tmp_path, "b.csv", pd.DataFrame({"alpha": [0.041171]}))
    problems = compare.csv_differences(a, b)
    assert problems and "'alpha', data row 1" in problems[0]


def test_text_ids_and_shape_must_match_exactly(tmp_path):
    a = _csv(tmp_path, "a.csv", pd.DataFrame({"id": ["x", "y"], "v": [1.0, 2.0]}))
    b = _csv(tmp_path, "b.csv", pd.DataFrame({"id": ["x", "z"], "v": [1.0, 2.0]}))
    c = _csv(tmp_path, "c.csv", pd.DataFrame({"id": ["x"], "v": [1.0]}))
    d = _csv(tmp_path, "d.csv", pd.DataFrame({"key": ["x", "y"], "v": [1.0, 2.0]}))
    assert "'id', data row 2" in compare.csv_differences(a, b)[0]
    assert "shape" in compare.csv_differences(a, c)[0]
    assert "columns" in compare.csv_differences(a, d)[0]


def test_missing_values_and_numerical_zeros(tmp_path):
    a = _csv(tmp_path, "a.csv", pd.DataFrame({"v": [np.nan, 1e-17, 5.0]}))
    b = _csv(tmp_path, "b.csv", pd.DataFrame({"v": [np.nan, -2e-17, 5.0]}))
    c = _csv(tmp_path, "c.csv", pd.DataFrame({"v": [0.5, 1e-17, 5.0]}))
    assert compare.csv_differences(a, b) == []
    assert compare.csv_differences(a, c)


def _png(tmp_path, name, shift=0.0, text=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from carerates.plots import save_figure  # noqa: F401  (house saving: no metadata)

    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.plot([0, 1], [0, 1 + shift])
    ax.set_ylim(0, 2)
    ax.set_title(text)
    path = tmp_path / name
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
    return path


def test_png_identical_or_nearly_identical_is_the_same_figure(tmp_path):
    a = _png(tmp_path, "a.png")
    b = _png(tmp_path, "b.png")
    assert compare.png_differences(a, b) == []
    c = _png(tmp_path, "c.png", shift=1e-4)  # a move of one line end by a hundredth of a pixel
    assert compare.png_differences(a, c) == []


def test_png_with_visible_change_differs(tmp_path):
    a = _png(tmp_path, "a.png")
    moved = _png(tmp_path, "moved.png", shift=1e-2)  # a line end moved by a pixel
    assert compare.png_differences(a, moved)
    d = _png(tmp_path, "d.png", text="A different title")
    problems = compare.png_differences(a, d)
    assert problems and "pixels differ" in problems[0]


def test_unchanged_result_keeps_committed_results_within_precision(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    committed = _csv(figures, "table_09e_x.csv", pd.DataFrame({"alpha": [0.041161449]}))
    same = _csv(tmp_path, "same.csv", pd.DataFrame({"alpha": [0.041161451]}))
    changed = _csv(tmp_path, "changed.csv", pd.DataFrame({"alpha": [0.0412]}))
    assert compare.unchanged_result(committed, same)
    assert not compare.unchanged_result(committed, changed)
    assert not compare.unchanged_result(figures / "absent.csv", same)
    # outside figures/ (e.g. an executed notebook or a processed table) only equal bytes count
    elsewhere = _csv(tmp_path, "elsewhere.csv", pd.DataFrame({"alpha": [0.041161449]}))
    assert not compare.unchanged_result(elsewhere, same)


def test_a_column_of_text_and_numbers_compares_numbers_as_numbers(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    c = tmp_path / "c.csv"
    a.write_text("id,reproduced\nx,significant\ny,0.0411614\n")
    b.write_text("id,reproduced\nx,significant\ny,0.0411615\n")
    c.write_text("id,reproduced\nx,not significant\ny,0.0411615\n")
    assert compare.csv_differences(a, b) == []
    assert "'reproduced', data row 1" in compare.csv_differences(a, c)[0]


def test_png_whose_words_changed_differs_even_when_few_pixels_move(tmp_path):
    """A title's number 13.3 -> 18.0 moves few pixels; the words stored by save_figure catch it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from carerates import plots

    def saved(name, title):
        fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
        ax.plot([0, 1], [0, 1])
        ax.set_title(title, fontsize=5)
        path = tmp_path / name
        fig.savefig(path, format="png", metadata={"Software": None, "Description": plots.figure_text(fig)})
        plt.close(fig)
        return path

    a, b = saved("a.png", "missed by 13.3% to 20.6%"), saved("b.png", "missed by 18.0% to 20.6%")
    assert "missed by 13.3% to 20.6%" in compare.png_text(a).splitlines()
    assert compare.png_differences(a, b, max_share=1.0)[0].startswith("the figure's text differs")
    assert compare.png_differences(a, saved("c.png", "missed by 13.3% to 20.6%")) == []
