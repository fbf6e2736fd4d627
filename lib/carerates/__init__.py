"""Helpers shared by the compendium's notebooks.

Plumbing lives here, once, with unit tests; analysis stays in the notebooks.

The package itself imports nothing: the pipeline's driver (``carerates.run``) and the
data check before each build (``carerates.fetch``) start in a fraction of a second
because they never load pandas. ``carerates.io``, which every reader and writer goes
through, sets pandas' text storage (see there).
"""
