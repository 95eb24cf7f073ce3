"""One file per schema revision, oldest first (``0001_initial`` is the schema of 2026-11)."""
