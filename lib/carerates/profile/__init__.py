"""Profiles of each local authority, in four parts a reader can find:

- :mod:`.data`: the LA parameter (:func:`resolve_la`) and the precomputation shared by every
  profile (:func:`load` -> :class:`ProfileData`, cached in ``build/profile_cache/``), and one
  LA's rows of it (:func:`rate_series`);
- :mod:`.words`: each section's generated sentences (:func:`opening`, :func:`rate_sentences`, ...);
- :mod:`.plots`: the rate chart and the map, with their alt texts;
- :mod:`.page`: what composes the page besides those: the tables as shown and :func:`show` (a
  figure as a PNG with its alt text). ``notebooks/profile.ipynb`` lays the sections out.

``words`` imports ``data``; ``plots`` and ``page`` import both; none imports the package (no
circle). ``from carerates import profile as pf`` gives every name below, as the notebook uses them.
"""
from .data import (ABOLISHED, FACTORS, MODEL, MODEL_WORDS, SUCCESSORS, ProfileData,
                   compare_with_chapter, england_outlines, england_rates, expected_rates, factor_table,
                   la_rates, load, names, ofsted_history, positions, precompute, rate_series,
                   read_neighbours, resolve_la, slug)
from .page import factor_rows, neighbour_table, ofsted_table, show
from .plots import map_alt, plot_map, plot_rates, rates_alt
from .words import (FACTOR_ORDER, FIFTHS, caveat_sentences, expected_sentences, factor_sentences, fmt,
                    join_words, neighbour_sentences, ofsted_sentences, opening, rank_words, rate_sentences,
                    study_sentences)

__all__ = [
    "ABOLISHED", "FACTORS", "MODEL", "MODEL_WORDS", "SUCCESSORS", "ProfileData",
    "compare_with_chapter", "england_outlines", "england_rates", "expected_rates", "factor_table",
    "la_rates", "load", "names", "ofsted_history", "positions", "precompute", "rate_series",
    "read_neighbours", "resolve_la", "slug",
    "factor_rows", "neighbour_table", "ofsted_table", "show",
    "map_alt", "plot_map", "plot_rates", "rates_alt",
    "FACTOR_ORDER", "FIFTHS", "caveat_sentences", "expected_sentences", "factor_sentences", "fmt",
    "join_words", "neighbour_sentences", "ofsted_sentences", "opening", "rank_words", "rate_sentences",
    "study_sentences",
]
