"""The computed 2010 LA rate (count at 31 March 2010 / mid-2009 population aged 0-17)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources import cla


def frames():
    counts = pd.DataFrame({"gss": ["A", "B", "C", "A"], "year": [2010, 2010, 2010, 2011],
                           "cla_unrounded": [125.0, np.nan, 37.0, 999.0]})
    population = pd.DataFrame({"gss": ["A", "B", "C", "A"], "mid_year": [2009, 2009, 2009, 2012],
                               "population_0_17": [20_000.0, 10_000.0, 7_400.0, 1.0]})
    return counts, population


def test_rate_uses_the_2010_count_and_mid_2009_population_rounded_half_up():
    rate = cla.computed_rate_2010(*frames()).set_index("gss")["rate_per_10k"]
    assert rate["A"] == 63.0                      # 62.5 rounds up (not to even)
    assert rate["C"] == 50.0                      # 37 / 7,400 * 10,000 = 50
    assert "B" not in rate.index                  # suppressed count: left out
    unrounded = cla.computed_rate_2010(*frames(), whole_numbers=False).set_index("gss")["rate_per_10k"]
    assert unrounded["A"] == pytest.approx(62.5)


def test_rate_without_a_2010_count_fails():
    counts, population = frames()
    with pytest.raises(DataError, match="2010"):
        cla.computed_rate_2010(counts[counts["year"] != 2010], population)
