"""The static site in a real browser (headless Chromium driven by Selenium), and the site
builder's helpers on small fixtures.

The browser tests build a site of every chapter and the profiles of :data:`SAMPLE` (the
same builder as ``make site``, into ``build/test-site``: rendering all 152 profiles would
cost make test about 50 core-seconds to test the same template 152 times), or, with
``CARERATES_SITE_PREBUILT=1``, read the full ``build/site`` that ``make site`` built; they
serve it from a local ``http.server`` on 127.0.0.1 and check what a reader sees. That every
LA's profile builds from the data is checked without a kernel, for all 152
(``test_every_la_has_a_profile``). Screenshots go
to ``build/screenshots/`` for review. Chromium and its driver are Debian's packages
(``.ci/run`` installs them); without them the browser tests are skipped, except in CI, where
they fail.
"""
from __future__ import annotations

import fcntl
import functools
import html.parser
import os
import shutil
import threading
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pandas as pd
import pytest

from carerates import paths


from carerates.build import site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = paths.ROOT / "build" / "screenshots"


# ---------------------------------------------------------------------------- helpers, no browser

def test_figure_alt_from_title_file_or_heading():
    source = 'ax.set_title(f"Figure 9a. Rate ratios,\\n{len(used)} LAs, region effects")\nplots.save_figure(fig, "x")'
    assert site.figure_alt(source, "Models") == "Figure 9a. Rate ratios, region effects (section: Models)"
    source = 'ax.set_title(f"Figure 12: latest grade (N = {n}, by {cutoff})")'
    assert site.figure_alt(source, "") == "Figure 12: latest grade"
    assert site.figure_alt('plots.save_figure(fig, "figure_02_growth")', "Growth") == \
        "Figure figure_02_growth (section: Growth)"
    assert site.figure_alt("plt.show()", "Growth") == "Figure of the section Growth"


def test_alt_text_added_only_where_missing():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Rates by region"),
        nbformat.v4.new_code_cell('ax.set_title("Figure 3: rates")', outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": "iVBO"}),
            nbformat.v4.new_output("display_data", data={"image/png": "iVBO"}, metadata={"image/png": {"alt": "kept"}}),
        ]),
    ])
    assert site.add_alt_text(nb) == 1
    outputs = nb.cells[1].outputs
    assert outputs[0].metadata["alt"] == "Figure 3: rates (section: Rates by region)"
    assert outputs[1].metadata == {"image/png": {"alt": "kept"}}


def test_notebook_title_and_question():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 07 Ofsted\n\n**Question.** Do Ofsted's judgements go\nwith the rate?\n\nMore text.")])
    assert site.notebook_title(nb) == ("07 Ofsted", "Do Ofsted's judgements go with the rate?")
    nb.cells[0].source = "# 3.3 Poverty: low income\n\n**Question.** Do **poorer** LAs look after more?"
    title, question = site.notebook_title(nb, number="03")
    assert title == "03 Poverty: low income"
    assert str(site.inline_markdown(question)) == "Do <strong>poorer</strong> LAs look after more?"


def test_summary_sentences_come_from_the_result_files(tmp_path):
    pd.DataFrame({"year": [2011, 2012, 2017], "cla_number": [1000, 1100, 1300],
                  "rate_per_10k": [None, 50.0, 55.0]}).to_csv(tmp_path / "table_02a_england_series.csv", index=False)
    pd.DataFrame({"la_name": ["A", "B", "C"], "average_rate": [20.0, 40.0, 100.0]}).to_csv(
        tmp_path / "table_02d_la_averages.csv", index=False)
    pd.DataFrame({"region": ["North", "South"], "mean": [80.0, 30.0]}).to_csv(
        tmp_path / "table_02_regional_average_rate.csv", index=False)
    pd.DataFrame({"list": ["associated with lower average rates"] * 2, "factor": ["more x", "less y"],
                  "period": ["2012-2015"] * 2, "test": ["spearman", "mann_whitney"], "n": [151, 151],
                  "statistic": [0.6824, 1876.0], "grade": ["robust", "tentative"]}).to_csv(
        tmp_path / "table_08a_conclusions_lists.csv", index=False)
    words = site.summary_sentences(tmp_path)
    assert words[0] == ("In England the rate of children looked after rose from 50 per 10,000 children in 2012 "
                        "to 55 in 2017 (1,100 to 1,300 children).")
    assert "from 20.0 per 10,000 (A) to 100.0 (C), 5.0 times as high; the median LA's was 40.0." in words[1]
    assert "lowest in South (30.0) and highest in North (80.0)" in words[2]
    assert words[3].startswith("2 of the study's single-factor tests found an association here")
    table = site.summary_table(tmp_path)
    assert [(r["factor"], r["test"], r["grade"]) for r in table] == [
        ("more x", "r_s = .68, N = 151", "robust"), ("less y", "U = 1,876, N = 151", "tentative")]
    assert len(words) == 4  # no scorecard and no chapter 09 table: no sentences about them
    pd.DataFrame({"measure": ["tests", "tests_agree", "table_cells", "table_cells_equal"],
                  "value": [20, 18, 240, 134]}).to_csv(tmp_path / "reproduction_scorecard_headline.csv", index=False)
    assert site.summary_sentences(tmp_path)[4].startswith(
        "Against the study's published numbers: 18 of its 20 tests agree in direction and significance, "
        "and 134 of 240 table cells")


# ---------------------------------------------------------------------------- every LA, no kernel

@pytest.mark.parametrize("part", range(4))  # four quarters of the LAs, for pytest-xdist to spread
def test_every_la_has_a_profile(part):
    """What each cell of notebooks/profile.ipynb computes, for all 152 LAs, in this process: the
    sentences, tables, alt texts and both plots (artists made, not drawn). The browser tests
    render only :data:`SAMPLE`; `make site` renders all 152 (and stops, naming the LA, if one fails)."""
    from matplotlib.figure import Figure

    from carerates import profile as pf

    data = pf.load()
    axes = Figure().subplots(1, 2)
    problems = []
    las = site.read_las()
    assert len(las) == 152
    for row in las.sort_values("gss").iloc[part::4].itertuples():
        gss, name = row.gss, row.la_name
        for ax in axes:
            ax.clear()
        try:
            pf.plot_rates(data, gss, ax=axes[0])
            pf.plot_map(data, gss, ax=axes[1])
            facts = {
                "a rate sentence naming it": pf.rate_sentences(data, gss)[0].startswith(name),
                "alt texts naming it": name in pf.rates_alt(data, gss) and name in pf.map_alt(data, gss),
                "8-10 statistical neighbours": 8 <= len(pf.neighbour_table(data, gss)) <= 10,
                "a neighbour sentence": bool(pf.neighbour_sentences(data, gss)),
                "factor ranks (unless excluded)": bool(len(pf.factor_rows(data, gss))) != row.excluded,
                "an expected-rate sentence": bool(pf.expected_sentences(data, gss)),
                "an Ofsted sentence and table": bool(pf.ofsted_sentences(data, gss)) and len(pf.ofsted_table(data, gss)) > 0,
                "its rate and England's drawn": len(axes[0].lines) >= 2,
                "a map": len(axes[1].patches) + len(axes[1].collections) > 0,
            }
            pf.caveat_sentences(data, gss)
        except Exception as error:  # every LA is tried; the failures are listed together
            problems.append(f"{name}: {type(error).__name__}: {error}")
            continue
        problems += [f"{name}: no {what}" for what, ok in facts.items() if not ok]
    assert not problems, problems[:20]


# ---------------------------------------------------------------------------- the site in a browser

#: The profiles in the test site, one of each kind of page a reader can meet: the exemplar (the
#: front page links to it), a London borough (the index search clicks it), the smallest LAs
#: (rates of 0, years suppressed) and councils that the 2019 reorganisation replaced (caveats).
SAMPLE = ("Leeds", "Barnet", "Isles of Scilly", "City of London", "Dorset", "Poole")
PREBUILT = os.environ.get("CARERATES_SITE_PREBUILT") == "1"
#: Under ``pytest -n --dist loadgroup`` (make test) the tests of the built site share one worker,
#: so the site is built and Chromium started once.
IN_ONE_WORKER = pytest.mark.xdist_group("site")
TEST_SITE = paths.ROOT / "build" / "test-site"


def _expected_profiles() -> int:
    return len(site.read_las()) if PREBUILT else len(SAMPLE)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The test site, built once per test run, also when pytest-xdist runs this file in several
    workers (they share PYTEST_XDIST_TESTRUNUID; a lock makes the others wait for the first)."""
    if PREBUILT:
        target = site.SITE
    else:
        target = TEST_SITE / "site"
        run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
        marker = TEST_SITE / "built-by-test-run"
        TEST_SITE.mkdir(parents=True, exist_ok=True)
        with open(TEST_SITE / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (marker.exists() and marker.read_text() == run_id):
                site.render_profiles(list(SAMPLE), out_dir=TEST_SITE / "profiles", jobs=1)
                site.build_site(out_dir=target, profiles_dir=TEST_SITE / "profiles")
                marker.write_text(run_id)
    assert (target / "index.html").exists(), f"the site builder did not write {target}/index.html"
    return target


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="session")
def server(built_site):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built_site)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are not installed (.ci/run installs them)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,1000", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


IMAGES = """return Array.from(document.images).map(i => ({
    loaded: i.complete && i.naturalWidth > 0, alt: i.getAttribute('alt') || '', width: i.naturalWidth}));"""


def _text(driver, css):
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, css)]


@IN_ONE_WORKER
def test_front_page(browser, server):
    browser.get(f"{server}/index.html")
    assert browser.title == site.TITLE
    assert _text(browser, "h1")[0].startswith(site.TITLE)
    shown = _text(browser, "ul.summary li")
    assert shown == site.summary_sentences()  # generated from figures/, as the reader sees it
    assert any("per 10,000" in s for s in shown)
    chapters = _text(browser, ".chapter-list dt a")
    assert len(chapters) == len(site.chapters()) and chapters[0].startswith("01")
    assert "Wijedasa" in " ".join(_text(browser, ".cite"))
    browser.save_screenshot(str(SCREENSHOTS / "front_page.png"))


@IN_ONE_WORKER
def test_front_page_links_open(browser, server):
    browser.get(f"{server}/index.html")
    links = browser.execute_script("return Array.from(document.links).map(a => a.href);")
    internal = sorted({l.split("#")[0] for l in links if l.startswith(server)})
    assert len(internal) >= len(site.chapters()) + 2
    for link in internal:
        browser.get(link)
        assert browser.title and "Error response" not in browser.title, link


@IN_ONE_WORKER
def test_chapter_page(browser, server):
    browser.get(f"{server}/chapters/02_describe.html")
    assert _text(browser, "h1")[0].startswith("02 Describe")
    images = browser.execute_script(IMAGES)
    assert len(images) >= 3
    assert all(i["loaded"] for i in images), images
    assert all(i["alt"] and i["alt"] != "Figure" for i in images)
    # code hidden, nothing fetched from a CDN
    assert browser.execute_script("return document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-CodeCell .highlight').length;") == 0
    assert browser.execute_script(
        "return Array.from(document.scripts).filter(s => s.src && !s.src.startsWith(location.origin)).length;") == 0
    browser.save_screenshot(str(SCREENSHOTS / "chapter_02.png"))


@IN_ONE_WORKER
def test_profile_page(browser, server):
    browser.get(f"{server}/profiles/leeds.html")
    assert "Leeds" in browser.title
    assert "Leeds" in _text(browser, "h2")
    body = browser.find_element("tag name", "body").text
    assert "95% prediction interval" in body and "statistical neighbours" in body
    assert "forecast to have" in body  # chapter 12's projection section
    images = browser.execute_script(IMAGES)
    # the rates, the map and chapter 12's forecast
    assert len(images) == 3 and all(i["loaded"] and i["width"] > 300 for i in images), images
    assert all("Leeds" in i["alt"] for i in images)
    browser.save_screenshot(str(SCREENSHOTS / "profile_leeds.png"))


@IN_ONE_WORKER
def test_profile_index_search(browser, server):
    from selenium.webdriver.common.by import By

    las = site.read_las()
    browser.get(f"{server}/profiles/index.html")
    visible = "return Array.from(document.querySelectorAll('#la-list li')).filter(li => !li.hidden).map(li => li.innerText);"
    shown = las if PREBUILT else las[las["la_name"].isin(SAMPLE)]
    assert len(browser.execute_script(visible)) == len(shown) == _expected_profiles()
    box = browser.find_element(By.ID, "la-filter")
    box.send_keys("leed")
    assert [t.split("\n")[0].split(" Yorkshire")[0] for t in browser.execute_script(visible)] == ["Leeds"]
    box.clear()
    box.send_keys("E09")
    assert len(browser.execute_script(visible)) == int(shown["gss"].str.startswith("E09").sum()) >= 2
    browser.save_screenshot(str(SCREENSHOTS / "profile_index.png"))
    browser.find_element(By.LINK_TEXT, "Barnet").click()
    assert "Barnet" in browser.title


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and tag in ("a", "img", "link", "script"):
                self.refs.append(attrs[name])


@IN_ONE_WORKER
def test_no_broken_internal_link(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) == 1 + len(site.chapters()) + 1 + _expected_profiles()  # front, chapters, index, profiles
    parsed = {}
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page.resolve()] = parser
    broken = []
    for page, parser in parsed.items():
        for ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith(("data:", "mailto:")):
                continue
            target = (page.parent / parts.path).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site.resolve())}: {ref}")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else set()
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(built_site.resolve())}: {ref} (no such anchor)")
    assert not broken, broken[:20]
