"""Helpers for the fault tests: PostgreSQL-only marks, a port nothing listens
on, a second connection, and a real worker held at a chosen step."""

import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, connections

# Decided when the module is collected: the test settings are loaded by then
# and the vendor does not need a connection.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the fault is PostgreSQL's (pg_terminate_backend, pg_dump, a server "
    "that is down); CI runs the suite on PostgreSQL too",
)


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def second_cursor():
    """A cursor on a connection of its own (autocommit), beside Django's."""
    import psycopg2

    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            yield cursor
    finally:
        other.close()


def terminate_backend(pid: int, timeout: float = 30.0) -> None:
    """pg_terminate_backend(pid) from another connection, and wait until gone."""
    deadline = time.monotonic() + timeout
    with second_cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} did not go away")


def wait_until_blocked_on_a_lock(timeout: float = 30.0) -> None:
    """Until another backend of this database waits for a lock."""
    deadline = time.monotonic() + timeout
    with second_cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                "current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("nobody waited for a lock")


# pg_advisory_lock(bigint): a key space of its own, apart from the app's
# two-key locks (batches, months).
HOLD_KEY = 1_956_000_014


@contextmanager
def held_by_trigger(table: str, event: str, *, row: bool, condition: str = "true"):
    """Another process that writes ``table`` blocks at ``event`` (a trigger's
    "BEFORE UPDATE", say; per row or per statement) where ``condition``
    holds, until the ``release`` yielded is called: the trigger waits on a
    lock this holds.

    A test so stops a real worker at a chosen step, whatever the machine's
    speed, instead of hoping to catch it there.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_held_by_trigger() RETURNS trigger AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock_shared({HOLD_KEY});
                RETURN {"NEW" if row else "NULL"};
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_held_by_trigger {event}
                ON {table} {"FOR EACH ROW" if row else "FOR EACH STATEMENT"}
                WHEN ({condition}) EXECUTE FUNCTION test_held_by_trigger();
            """
        )
    try:
        with second_cursor() as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", [HOLD_KEY])
            released = False

            def release():
                nonlocal released
                if not released:
                    holder.execute("SELECT pg_advisory_unlock(%s)", [HOLD_KEY])
                    released = True

            try:
                yield release
            finally:
                release()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DROP TRIGGER test_held_by_trigger ON {table}; "
                "DROP FUNCTION test_held_by_trigger();"
            )


def in_thread(function):
    """Run ``function`` in a thread (its own connection); (thread, outcome)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except Exception as exc:  # handed to the test, which asserts on it
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome
