"""Unit tests of carerates.profile (the LA parameter and the shared precomputation) and of the
profile rendering's failure path, on small fixtures built here."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from carerates import profile as pf
from carerates.build import site
from carerates.errors import DataError


@pytest.fixture
def las():
    return pd.DataFrame({
        "gss": ["E06000001", "E08000035", "E08000037", "E06000023", "E06000028", "E06000029", "E10000009"],
        "la_number": [805, 383, 390, 801, 837, 836, 835],
        "la_name": ["Hartlepool", "Leeds", "Gateshead", "Bristol, City of", "Bournemouth", "Poole", "Dorset"],
        "la_type": ["Unitary authority", "Metropolitan district", "Metropolitan district", "Unitary authority",
                    "Unitary authority", "Unitary authority", "County council"],
        "region": ["North East", "Yorkshire and The Humber", "North East", "South West", "South West",
                   "South West", "South West"],
        "excluded": [False] * 7,
    })


# ---------------------------------------------------------------------------- resolve_la

@pytest.mark.parametrize("query, gss", [
    ("Leeds", "E08000035"), ("  leeds ", "E08000035"), ("383", "E08000035"), ("E08000035", "E08000035"),
    ("Bristol", "E06000023"), ("bristol-city-of", "E06000023"), ("City of Bristol", "E06000023"),
    ("E08000020", "E08000037"),  # Gateshead's old code
    ("E06000059", "E10000009"),  # the 2019 Dorset council -> the 2017 county
])
def test_resolve_la_by_name_number_and_code(las, query, gss):
    assert pf.resolve_la(query, las)["gss"] == gss


def test_unknown_la_lists_close_matches(las):
    with pytest.raises(DataError) as error:
        pf.resolve_la("Hartlepol", las)
    message = str(error.value)
    assert "unknown local authority 'Hartlepol'" in message
    assert "Hartlepool (805, E06000001)" in message
    assert "Leeds" not in message


def test_unknown_number_and_code_say_so(las):
    with pytest.raises(DataError, match="unknown local authority '384'.*Leeds"):
        pf.resolve_la("384", las)
    with pytest.raises(DataError, match="unknown local authority 'E99999999'"):
        pf.resolve_la("E99999999", las)
    with pytest.raises(DataError, match="empty"):
        pf.resolve_la(" ", las)


def test_a_council_that_replaced_two_asks_which(las):
    with pytest.raises(DataError, match="Bournemouth.*Poole"):
        pf.resolve_la("E06000058", las)


def test_slug():
    assert pf.slug("Bristol, City of") == "bristol-city-of"
    assert pf.slug("Stockton-On-Tees") == "stockton-on-tees"


# ---------------------------------------------------------------------------- neighbours

def _sn_workbook(path, rows):
    header = [["A", "B", "C", "D", "E"] + [str(i) for i in range(3, 23)],
              [str(i) for i in range(1, 26)],
              ["LA num", "LA Name", "LA number", "GOInd", "GOReg"] + [x for k in range(1, 11) for x in (f"SN{k}", "SNP")]]
    frame = pd.DataFrame(header + rows)
    frame.to_excel(path, sheet_name="LA SN Groups", header=False, index=False)
    return path


def _row(number, name, neighbours):
    cells = []
    for n in neighbours:
        cells += [n, "Close"]
    return [number, name, number, 1, "Region"] + cells


def test_neighbours_map_successors_and_use_old_rows(tmp_path, las):
    def ten(*ns):  # 999: not an LA of 2017, left out
        return list(ns) + [999] * (10 - len(ns))
    rows = [
        _row(805, "Hartlepool", ten(383, 390, 838)),  # 838 = the 2019 Dorset -> 835
        _row(383, "Leeds", ten(805, 390)),
        _row(390, "Gateshead", ten(805, 383)),
        _row(801, "Bristol, City of", ten(805, 839)),  # 839 = BCP: replaced two, left out
        _row(838, "Dorset", ten(805)),  # the new council's row: not a 2017 LA
        ["", "", "", "", ""] + [""] * 20,
        ["", "Old SNs:", "", "", ""] + [""] * 20,
        _row(835, "Dorset (Pre LG)", ten(836, 837, 940)),
        _row(836, "Poole (Pre LG)", ten(837, 835)),
        _row(837, "Bournemouth (Pre LG)", ten(836, 835)),
    ]
    path = _sn_workbook(tmp_path / "sn.xlsx", rows)
    out = pf.read_neighbours(path, las)
    hartlepool = out[out.gss == "E06000001"]
    assert hartlepool.neighbour_gss.tolist() == ["E08000035", "E08000037", "E10000009"]
    assert hartlepool.order.tolist() == [1, 2, 3]
    assert out[out.gss == "E06000023"].neighbour_gss.tolist() == ["E06000001"]
    assert out[out.gss == "E10000009"].neighbour_gss.tolist() == ["E06000029", "E06000028"]
    assert set(out.closeness) == {"Close"}


def test_neighbours_bad_header_is_an_error(tmp_path, las):
    path = tmp_path / "sn.xlsx"
    pd.DataFrame([["x"] * 25] * 5).to_excel(path, sheet_name="LA SN Groups", header=False, index=False)
    with pytest.raises(DataError, match="row 3 should be the header"):
        pf.read_neighbours(path, las)


def test_neighbours_missing_la_is_an_error(tmp_path, las):
    rows = [_row(805, "Hartlepool", [383] * 10)]
    path = _sn_workbook(tmp_path / "sn.xlsx", rows)
    with pytest.raises(DataError, match="no neighbour row"):
        pf.read_neighbours(path, las)


# ---------------------------------------------------------------------------- positions

def test_positions_rank_from_highest_and_fifths():
    values = pd.Series([10.0, 30.0, 20.0, np.nan, 30.0, 0.0], index=list("abcdef"))
    out = pf.positions(values)
    assert out.loc["b", "rank"] == 1 and out.loc["e", "rank"] == 1  # ties share the best rank
    assert out.loc["c", "rank"] == 3 and out.loc["f", "rank"] == 5
    assert np.isnan(out.loc["d", "rank"]) and (out["n"] == 5).all()
    assert out.loc["f", "fifth"] == 1 and out.loc["b", "fifth"] == 5


def test_rank_words():
    assert pf.rank_words(1, 151) == "1st highest of 151"
    assert pf.rank_words(151, 151) == "1st lowest of 151"
    assert pf.rank_words(149, 151) == "3rd lowest of 151"
    assert pf.rank_words(12, 151) == "12th highest of 151"


# ---------------------------------------------------------------------------- expected rates

def _synthetic_la_table(n=120, seed=1):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "low_income_pct": rng.normal(20, 6, n), "unit_cost": rng.normal(100, 20, n),
        "turnover_pct": rng.normal(15, 4, n), "agency_pct": rng.normal(15, 5, n),
        "region": rng.choice(["South East", "North East", "London"], n),
    }, index=pd.Index([f"E0600{i:04d}" for i in range(n)], name="gss"))
    frame["window_population"] = rng.integers(20_000, 200_000, n).astype(float)
    z = (frame["low_income_pct"] - 20) / 6
    mu = frame["window_population"] * 0.006 * np.exp(0.3 * z)
    alpha = 0.05
    frame["window_count"] = rng.negative_binomial(1 / alpha, (1 / alpha) / (1 / alpha + mu)).astype(float)
    frame["window_rate"] = frame["window_count"] / frame["window_population"] * 10_000
    frame.loc[frame.index[0], "agency_pct"] = np.nan  # one LA the model cannot use
    frame.attrs["window"] = (2015, 2016)
    return frame


def test_expected_rates_interval_covers_and_repeats():
    table = _synthetic_la_table()
    out, info = pf.expected_rates(table, draws=2000)
    again, _ = pf.expected_rates(table, draws=2000)
    pd.testing.assert_frame_equal(out, again)  # seeded: a profile repeats exactly
    used = out.dropna(subset=["expected_rate"])
    assert len(used) == len(table) - 1 and info["n"] == len(table) - 1
    assert (used.pi_low < used.expected_rate).all() and (used.expected_rate < used.pi_high).all()
    coverage = (used.position == "within").mean()
    assert 0.88 <= coverage <= 1.0  # a 95% prediction interval of data from the model
    assert set(used.position) <= {"within", "above", "below"}
    assert (used.position == "above").eq(used.observed_rate > used.pi_high).all()
    first = out.set_index("gss").iloc[0]
    assert np.isnan(first.expected_rate) and first.reason == "agency_pct"
    assert info["rate_ratios"]["low_income_pct"] == pytest.approx(np.exp(0.3), rel=0.15)
    assert info["window_years"] == [2016]


def test_compare_with_chapter(tmp_path):
    info = {"rate_ratios": {"low_income_pct": 1.3, "unit_cost": 1.0}}
    table = pd.DataFrame({"model": ["negative_binomial", "negative_binomial", "poisson"],
                          "term": ["low_income_pct", "unit_cost", "low_income_pct"],
                          "rate_ratio": [1.3, 1.01, 2.0]})
    table.to_csv(tmp_path / "t.csv", index=False)
    assert pf.compare_with_chapter(info, tmp_path / "t.csv") == pytest.approx(1 - 1 / 1.01)
    assert pf.compare_with_chapter(info, tmp_path / "missing.csv") is None


# ---------------------------------------------------------------------------- map outlines

def _square(x, y, size=0.5):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def test_outlines_dissolve_districts_to_2017_councils(tmp_path, las):
    features = [("E06000001", _square(0, 50)), ("E07000001", _square(1, 50)), ("E07000002", _square(1.5, 50)),
                ("E06000058", _square(3, 50)), ("E06000059", _square(4, 50)), ("W06000001", _square(9, 50))]
    features += [(code, _square(5 + i, 52)) for i, code in enumerate(["E08000035", "E08000037", "E06000023"])]
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD23CD": code}, "geometry": geometry} for code, geometry in features]}
    (tmp_path / "d.geojson").write_text(json.dumps(geojson))
    lookup = pd.DataFrame({"LTLA23CD": [c for c, _ in features],
                           "UTLA23CD": [c if c not in ("E07000001", "E07000002") else "E10000009" for c, _ in features]})
    lookup.to_csv(tmp_path / "lookup.csv", index=False)
    outlines, extent = pf.england_outlines(tmp_path / "d.geojson", tmp_path / "lookup.csv", las)
    assert set(outlines) == set(las.gss)
    # two adjacent districts of one county dissolve into one ring; the 2019 Dorset joins them
    dorset = outlines["E10000009"]
    assert len(dorset) == 2
    widths = sorted(np.ptp(ring[:, 0]) / np.cos(np.radians(52.5)) for ring in dorset)
    assert widths == pytest.approx([0.5, 1.0])
    # BCP is drawn for both Bournemouth and Poole
    assert np.allclose(outlines["E06000028"][0], outlines["E06000029"][0])
    assert extent[0] == pytest.approx(0) and extent[2] < 9 * np.cos(np.radians(52.5))  # Wales left out


def test_outlines_district_missing_from_lookup(tmp_path, las):
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD23CD": "E06000001"}, "geometry": _square(0, 50)}]}
    (tmp_path / "d.geojson").write_text(json.dumps(geojson))
    pd.DataFrame({"LTLA23CD": ["E06000002"], "UTLA23CD": ["E06000002"]}).to_csv(tmp_path / "l.csv", index=False)
    with pytest.raises(DataError, match="E06000001.*not in the lookup"):
        pf.england_outlines(tmp_path / "d.geojson", tmp_path / "l.csv", las)


# ---------------------------------------------------------------------------- sentences

@pytest.fixture
def bundle(las):
    years = range(2012, 2016)
    base = {"E06000001": 100, "E08000035": 50, "E08000037": 80}
    rates = pd.DataFrame([(g, y, base[g] + step if g in base else np.nan)
                          for g in las.gss for y, step in zip(years, [0, 5, 10, 20])],
                         columns=["gss", "year", "rate_per_10k"])
    england = pd.DataFrame({"year": list(years), "rate_per_10k": [60.0, 60.0, 61.0, 62.0]})
    neighbours = pd.DataFrame({"gss": ["E06000001"] * 2, "order": [1, 2], "neighbour_gss": ["E08000035", "E08000037"],
                               "closeness": ["very close", "close"]})
    las = las.assign(slug=las.la_name.map(pf.slug))
    factors = pd.DataFrame(columns=["gss", "factor", "value"])
    return pf.ProfileData(las=las, rates=rates, england=england, neighbours=neighbours, factors=factors,
                          expected=pd.DataFrame(), model={}, ofsted=pd.DataFrame(), outlines={}, extent=(0, 0, 1, 1))


def test_rate_sentences(bundle):
    words = " ".join(pf.rate_sentences(bundle, "E06000001"))
    assert "Hartlepool had 100 per 10,000 children in 2012, above England's 59" not in words
    assert "Hartlepool had 100 per 10,000 children in 2012, above England's 60 (1.67 times England's rate)" in words
    assert "latest published rate is 120 per 10,000 children in 2015, above England's 62" in words
    assert "the rate rose by 20 per 10,000, while England's rose by 2." in words
    leeds = " ".join(pf.rate_sentences(bundle, "E08000035"))
    assert "below England's 60" in leeds
    assert pf.rate_sentences(bundle, "E06000023") == [
        "No rate of children looked after is published for Bristol, City of in these years."]


def test_neighbour_series_and_sentences(bundle):
    series = pf.rate_series(bundle, "E06000001").set_index("year")
    assert series.loc[2015, "neighbours"] == pytest.approx((70 + 100) / 2)
    assert series.loc[2015, "n_neighbours"] == 2
    assert series.loc[2015, "region"] == pytest.approx((120 + 100) / 2)  # Hartlepool and Gateshead, North East
    words = " ".join(pf.neighbour_sentences(bundle, "E06000001"))
    assert "neighbours on DfE's April 2021 list are Leeds and Gateshead" in words
    assert "in the North East region (median LA rate 110 per 10,000 in 2015)" in words
    assert "In 2015 its rate (120) was higher than the median of the 2 neighbours" in words
    table = pf.neighbour_table(bundle, "E06000001")
    assert table.index.tolist() == ["Leeds", "Gateshead"] and table["rate 2015"].tolist() == ["70", "100"]


# ---------------------------------------------------------------------------- rendering

def test_unknown_la_writes_nothing(tmp_path, monkeypatch, las, capsys):
    monkeypatch.setattr(site, "read_las", lambda: las.assign(slug=las.la_name.map(pf.slug)))
    monkeypatch.setattr(site, "PROFILES", tmp_path / "profiles")
    loaded = []
    monkeypatch.setattr(pf, "load", lambda *a, **k: loaded.append(1))
    assert site.main(["profiles", "--la", "Leeds", "--la", "Leedz"]) == 2
    err = capsys.readouterr().err
    assert "unknown local authority 'Leedz'" in err and "Leeds (383, E08000035)" in err
    assert not loaded  # validated before anything was computed
    assert not any(tmp_path.iterdir())


def test_missing_years_say_why(bundle):
    rates = bundle.rates.copy()
    rates.loc[(rates.gss == "E08000037") & (rates.year == 2013), "rate_per_10k"] = np.nan
    rates.loc[rates.gss == "E10000009", "rate_per_10k"] = [40.0, 45.0, np.nan, np.nan]  # Dorset, abolished
    bundle.rates = rates
    assert pf.rate_sentences(bundle, "E08000037")[-1] == "No rate for 2013 (suppressed or not published)."
    dorset = pf.rate_sentences(bundle, "E10000009")
    assert dorset[-1] == "No rate for 2014 and 2015 (the council was abolished in a reorganisation)."
    assert "latest published rate is 45 per 10,000 children in 2013" in dorset[0]
