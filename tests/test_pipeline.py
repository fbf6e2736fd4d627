"""carerates.build.pipeline: the chapters, their declared dependencies, and which are out of date."""
from __future__ import annotations

import json
import os

import pytest

from carerates import paths

from carerates.build import pipeline
from carerates.errors import DataError


def chapter(folder, name, depends=None):
    metadata = {"kernelspec": {"name": "python3"}}
    if depends is not None:
        metadata["carerates"] = {"depends": depends}
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_the_compendiums_chapters_and_their_order():
    notebooks = pipeline.chapters()
    stems = [p.stem for p in notebooks]
    assert stems[0] == "01_ingest" and "_template" not in stems
    assert all(s[:2].isdigit() and s[2] == "_" for s in stems)
    deps = pipeline.graph(notebooks)
    assert deps["01_ingest"] == []
    single = ["02_describe", "03_poverty", "04_workforce", "05_innovation", "06_finance", "07_ofsted"]
    for stem in single:
        assert deps[stem] == ["01_ingest"]
    assert deps["09_multivariate"] == single
    assert deps["08_conclusions"] == [*single, "09_multivariate"]  # it grades the lists by 09's joint model
    # assembles the study's tests from 03-07's records itself, so it runs beside 09 and 08
    assert deps["10_later_years"] == ["01_ingest", *single[1:]]
    order = pipeline.order(deps)
    assert all(order.index(d) < order.index(s) for s, ds in deps.items() for d in ds)


def test_only_numbered_notebooks_are_chapters(tmp_path):
    for name in ("01_ingest", "02_a", "_template", "profile", "1_short", "10_trends"):
        chapter(tmp_path, name)
    assert [p.stem for p in pipeline.chapters(tmp_path)] == ["01_ingest", "02_a", "10_trends"]


def test_declared_dependencies_default_and_errors(tmp_path):
    ingest = chapter(tmp_path, "01_ingest")
    plain = chapter(tmp_path, "02_a")
    later = chapter(tmp_path, "10_trends", depends=["01_ingest", "09_multivariate.ipynb"])
    assert pipeline.dependencies(ingest) == []
    assert pipeline.dependencies(plain) == ["01_ingest"]
    assert pipeline.dependencies(later) == ["01_ingest", "09_multivariate"]
    with pytest.raises(DataError, match="10_trends.ipynb: depends on '09_multivariate', which is not a notebook"):
        pipeline.graph([ingest, plain, later])
    chapter(tmp_path, "09_multivariate", depends=["10_trends"])
    with pytest.raises(DataError, match="dependency cycle among 09_multivariate, 10_trends"):
        pipeline.graph([ingest, later])
    bad = chapter(tmp_path, "11_bad", depends="01_ingest")
    with pytest.raises(DataError, match="must be a list"):
        pipeline.dependencies(bad)


def test_stale_follows_makes_rule(tmp_path):
    root = tmp_path
    notebooks = root / "notebooks"
    notebooks.mkdir()
    (root / "lib" / "carerates" / "sources").mkdir(parents=True)
    core = root / "lib" / "carerates" / "stats.py"
    source = root / "lib" / "carerates" / "sources" / "cla.py"
    data = root / "data.stamp"
    for path in (core, source, data):
        path.write_text("x")
    nbs = [chapter(notebooks, "01_ingest"), chapter(notebooks, "02_a"), chapter(notebooks, "03_b"),
           chapter(notebooks, "08_end", depends=["02_a", "03_b"])]
    stamps = root / "build" / "stamps"
    kwargs = {"root": root, "data_stamp": data}
    assert pipeline.stale(nbs, stamps, **kwargs) == ["01_ingest", "02_a", "03_b", "08_end"]

    def set_time(path, t):
        os.utime(path, ns=(t * 10**9, t * 10**9))

    stamps.mkdir(parents=True)
    for path in (core, source, data, *nbs):
        set_time(path, 100)
    for i, stem in enumerate(["01_ingest", "02_a", "03_b", "08_end"]):
        (stamps / f"{stem}.done").touch()
        set_time(stamps / f"{stem}.done", 200 + i)
    assert pipeline.stale(nbs, stamps, **kwargs) == []
    set_time(nbs[2], 300)           # 03_b edited: it and what depends on it
    assert pipeline.stale(nbs, stamps, **kwargs) == ["03_b", "08_end"]
    set_time(nbs[2], 100)
    set_time(source, 300)           # a source module: the ingest and everything after it
    assert pipeline.stale(nbs, stamps, **kwargs) == ["01_ingest", "02_a", "03_b", "08_end"]
    set_time(source, 100)
    set_time(stamps / "02_a.done", 400)  # 02_a rerun by hand: 08_end is older than it
    assert pipeline.stale(nbs, stamps, **kwargs) == ["08_end"]
    assert pipeline.stale(nbs[:3], stamps, **kwargs) == []  # asked for 01-03 only


def test_the_profile_module_reruns_the_exemplar_profile_and_no_chapter(tmp_path):
    """profile/ is code of notebooks/profile.ipynb only; build/site.py of no notebook; the rest of
    the machinery (build/run.py) of every notebook, as the library is."""
    root = tmp_path
    notebooks = root / "notebooks"
    notebooks.mkdir()
    for folder in ("profile", "build"):
        (root / "lib" / "carerates" / folder).mkdir(parents=True)
    modules = {name: root / "lib" / "carerates" / name
               for name in ("stats.py", "profile/data.py", "build/site.py", "build/run.py")}
    for path in modules.values():
        path.write_text("x")
    nbs = [chapter(notebooks, "01_ingest"), chapter(notebooks, "02_a"),
           chapter(notebooks, "profile", depends=["01_ingest", "02_a"])]
    stamps = root / "build" / "stamps"
    stamps.mkdir(parents=True)
    for path in (*modules.values(), *nbs):
        os.utime(path, ns=(100 * 10**9, 100 * 10**9))
    for i, stem in enumerate(["01_ingest", "02_a", "profile"]):
        (stamps / f"{stem}.done").touch()
        os.utime(stamps / f"{stem}.done", ns=((200 + i) * 10**9,) * 2)
    assert pipeline.stale(nbs, stamps, root=root) == []
    os.utime(modules["build/site.py"], ns=(300 * 10**9,) * 2)
    assert pipeline.stale(nbs, stamps, root=root) == []
    os.utime(modules["profile/data.py"], ns=(300 * 10**9,) * 2)
    assert pipeline.stale(nbs, stamps, root=root) == ["profile"]
    os.utime(modules["build/run.py"], ns=(300 * 10**9,) * 2)
    assert pipeline.stale(nbs, stamps, root=root) == ["01_ingest", "02_a", "profile"]
    os.utime(modules["build/run.py"], ns=(100 * 10**9,) * 2)
    os.utime(modules["stats.py"], ns=(300 * 10**9,) * 2)
    assert pipeline.stale(nbs, stamps, root=root) == ["01_ingest", "02_a", "profile"]


def test_paths_root_is_the_compendium():
    assert (paths.ROOT / "Makefile").is_file()


def test_developer_docs_name_no_machine_path():
    import re

    for doc in ("docs/DEVELOPING.md", "README.md"):
        text = (paths.ROOT / doc).read_text(encoding="utf-8")
        assert not re.findall(r"(?<![\w.])/(?:work|home|Users|root|tmp|mnt)/", text), doc


def test_the_driver_and_the_data_check_do_not_load_pandas():
    # `make all` starts both on every run: a no-op must stay well under a second
    import subprocess
    import sys

    code = ("import sys, carerates.build.run, carerates.build.pipeline, carerates.build.fetch; "
            "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_results_changed_outside_the_pipeline_are_noticed(tmp_path, monkeypatch, capsys):
    """A figures/ file something else changed re-runs its chapter (not "Up to date"); its dependants follow."""
    from carerates.build import run

    monkeypatch.setattr(paths, "ROOT", tmp_path)
    stamps = tmp_path / "build" / "stamps"
    figures = tmp_path / "figures"
    figures.mkdir()
    table = figures / "table_03a_x.csv"
    table.write_text("v\n1\n")
    other = figures / "figure_02_y.png"
    other.write_bytes(b"png")
    assert pipeline.record_results("03_poverty", stamps, [table], root=tmp_path) == []
    assert pipeline.record_results("02_describe", stamps, [other], root=tmp_path) == []
    stems = ["02_describe", "03_poverty"]
    assert pipeline.changed_results(stems, stamps, root=tmp_path) == {}
    os.utime(table, ns=(10**18, 10**18))  # touched, same bytes: no change
    assert pipeline.changed_results(stems, stamps, root=tmp_path) == {}
    table.write_text("v\n2\n")  # e.g. papermill -p before this was prevented
    assert pipeline.changed_results(stems, stamps, root=tmp_path) == {"03_poverty": ["figures/table_03a_x.csv"]}
    deps = {"01_ingest": [], "02_describe": ["01_ingest"], "03_poverty": ["01_ingest"],
            "08_conclusions": ["02_describe", "03_poverty"]}
    assert run._results_changed_outside(deps, [], stamps) == ["03_poverty", "08_conclusions"]
    err = capsys.readouterr().err
    assert "figures/table_03a_x.csv: changed since 03_poverty wrote it" in err
    assert "re-running 03_poverty restores it" in err
    # a file no chapter writes is named, with what to do (once every chapter has a record)
    (figures / "My Plot final.png").write_bytes(b"x")
    for stem in ("01_ingest", "08_conclusions"):
        pipeline.record_results(stem, stamps, [], root=tmp_path)
    assert pipeline.unowned_results(list(deps), stamps, root=tmp_path) == ["figures/My Plot final.png"]
    run._results_changed_outside(deps, [], stamps)
    assert "figures/My Plot final.png: no chapter writes this file" in capsys.readouterr().err
    # a file a chapter stopped writing is returned, to be named
    assert pipeline.record_results("02_describe", stamps, [], root=tmp_path) == ["figures/figure_02_y.png"]


@pytest.mark.parametrize("text, problem", [
    ('{"cells": [', "is not a notebook: invalid JSON at line 1, column 12"),
    ('{"metadata": {}}', 'is not a notebook: the JSON has no list of "cells"'),
    ('{"cells": [], "nbformat": 3}', "is not a notebook in format 4"),
])
def test_an_invalid_notebook_is_refused_naming_the_file(tmp_path, capsys, text, problem):
    from carerates.build import run

    bad = tmp_path / "11_referee.ipynb"
    bad.write_text(text)
    with pytest.raises(DataError, match=problem) as err:
        pipeline.dependencies(bad)
    assert str(bad) in str(err.value)
    assert run.main(["--make", str(bad)]) == 2
    assert f"run: {bad}: {problem}" in capsys.readouterr().err
