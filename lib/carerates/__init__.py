"""The compendium's library, in two wings.

- The analysis library (this package's modules and ``sources/``, ``profile/``): what the
  notebooks import. Loaders and their checks (``sources``, ``io``, ``schema``, ``las``,
  ``geography``), period summaries, tests and models (``summaries``, ``stats``, ``models``,
  ``panel``, ``later``, ``withinbetween``, ``careentries``, ``projections``, ``readings``),
  results, findings in words, figures (``results``, ``findings``, ``plots``), the reproduction
  scorecard and the LA profiles' data, words and plots (``profile``); ``paths`` and ``errors``
  under all of them.
- The machinery (``carerates.build``): what runs, checks and publishes the analysis (the
  notebook runner, the pipeline graph, the data fetch, the rebuild comparison, the pytest
  plugin, the new-chapter template, the claims check, the site). It imports the analysis; the
  analysis never imports it (``tests/test_layout.py`` fails if it does).

The package itself imports nothing: the pipeline's driver (``carerates.build.run``) and the
data check before each build (``carerates.build.fetch``) start in a fraction of a second
because they never load pandas. ``carerates.io``, which every reader and writer goes
through, sets pandas' text storage (see there).
"""
