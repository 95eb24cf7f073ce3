"""Alembic's entry point: migrate the store on the connection ``pipeline.migrate`` hands over.

Run from code (``Store`` and ``labourwatch db upgrade``), not from an ``alembic.ini``: the
connection arrives in ``config.attributes["connection"]``, already inside the transaction that
holds the migration lock. Without one, ``sqlalchemy.url`` from the config is used (so the
``alembic`` command works with an ini file), and offline (``--sql``) mode writes the SQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from pipeline.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Autogenerate leaves tables of others alone (APScheduler's job table shares the URL)."""
    return not (type_ == "table" and reflected and compare_to is None)


def _configure(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from pipeline.store import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _configure(connection)
            connection.commit()
    finally:
        engine.dispose()


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
