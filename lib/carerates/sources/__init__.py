"""One module per raw source; each exposes ``build_tables(las)`` for 01 ingest."""
