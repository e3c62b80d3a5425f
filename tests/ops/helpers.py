"""Helpers for the fault tests: PostgreSQL-only marks, a port nothing listens on."""

import socket

import pytest
from django.db import connection

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
