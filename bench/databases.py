"""The bench's own PostgreSQL databases: named, created, cloned, dropped.

The bench never writes to the database a developer works in: it takes the
server (host, port, user, password) from BENCH_DATABASE_URL or DATABASE_URL
and always uses databases of its own name on it (catchup_bench,
catchup_bench_x10, and short-lived clones for the imports).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# BENCH_DATABASE_NAME: another name, so that two checkouts on one server
# (two people, two branches) do not measure or regenerate each other's data.
BENCH_NAME = os.environ.get("BENCH_DATABASE_NAME", "catchup_bench")


def server_url() -> str:
    for variable in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(variable, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return DEFAULT_SERVER


def name_for(scale: int) -> str:
    return BENCH_NAME if scale == 1 else f"{BENCH_NAME}_x{scale}"


def url_for(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path=f"/{name}", query=""))


@contextmanager
def cursor_on(dbname: str = "postgres"):
    """A cursor on one database of the bench's server, in autocommit."""
    parts = urlsplit(server_url())
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=dbname,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def exists(name: str) -> bool:
    with cursor_on() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def create(name: str, *, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with cursor_on() as cursor:
        cursor.execute(statement)


def drop(name: str) -> None:
    with cursor_on() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def read_meta(name: str) -> dict | None:
    """What bench/generate.py recorded in the database, or None."""
    if not exists(name):
        return None
    with cursor_on(name) as cursor:
        cursor.execute("SELECT to_regclass('bench_meta')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'spec'")
        row = cursor.fetchone()
        return row[0] if row else None


def server_version() -> str:
    with cursor_on() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]
