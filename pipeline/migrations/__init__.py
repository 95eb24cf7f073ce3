"""Alembic migrations of the store of record; ``pipeline.migrate`` runs them."""
