"""PostgreSQL through psycopg 3: a connection pool per process, the schema migrated by Alembic."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def check_url(url: str) -> str:
    """The database URL, refused unless it is a postgresql:// URL."""
    if not url.startswith(("postgresql://", "postgres://")):
        from .errors import InvalidInput

        raise InvalidInput("the database must be a URL like postgresql://user@host:5432/onewindow")
    return url


def _alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", "postgresql+psycopg://" + url.split("://", 1)[1])
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to *revision* (Alembic)."""
    from alembic import command

    command.upgrade(_alembic_config(check_url(url)), revision)


def current_revision(url: str) -> str | None:
    with psycopg.connect(check_url(url)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return row[0] if row else None


class Database:
    """A pool of connections to one PostgreSQL database; every request and job borrows one."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        self.url = check_url(url)
        self.pool = ConnectionPool(self.url, min_size=min_size, max_size=max_size, open=True,
                                   kwargs={"row_factory": dict_row, "autocommit": False}, name="onewindow-region")

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """A connection in one transaction: committed when the block ends, rolled back on an exception."""
        with self.pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self.pool.close()
