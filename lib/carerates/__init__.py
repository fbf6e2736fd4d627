"""Helpers shared by the compendium's notebooks.

Plumbing lives here, once, with unit tests; analysis stays in the notebooks.
"""
