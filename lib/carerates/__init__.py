"""Helpers shared by the compendium's notebooks.

Plumbing lives here, once, with unit tests; analysis stays in the notebooks.

Importing ``carerates`` sets one pandas option: text columns (dtype ``str``) keep their
values as Python strings rather than in pyarrow arrays (``mode.string_storage``). The
readers of the releases walk cells and names one at a time, which pyarrow-backed strings
make 15-20% slower; the values, the dtype's name and every result are the same.
"""
import pandas as _pd

_pd.set_option("mode.string_storage", "python")
