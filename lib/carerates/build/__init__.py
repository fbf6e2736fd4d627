"""The machinery: what runs, checks and publishes the analysis; no notebook imports it.

- ``run``: ``python -m carerates.build.run``, the notebook runner (``make all``);
  ``pipeline``: the chapters, their declared dependencies and which are out of date;
- ``fetch``: ``python -m carerates.build.fetch``, copy and verify the raw data (``make data``);
- ``compare``: rebuilt results against the committed ones, at their written precision;
- ``testing``: the pytest plugin (``-p carerates.build.testing`` in ``pyproject.toml``);
- ``claims``: every number in a chapter's prose traces to a result (``tests/test_claims.py``);
- ``new_notebook``: ``make notebook NAME=...``, a chapter from the template;
- ``site``: ``python -m carerates.build.site``, the LA profiles and the static site.

Imports run one way: these modules use the analysis library (``carerates.paths``,
``findings``, ``plots``, ``profile``, ...); no analysis module imports ``carerates.build``.
Like ``carerates`` itself, this package imports nothing, so the driver starts without pandas.
"""
