"""Every GET parameter of every route, with hostile values: never a 500.

The parameters are not a hand list that would rot: the first pass requests
every page of the access matrix (every named route, tests/security/
test_access_matrix.py, which fails when a route has no line) and every
download, as the secretary, a director and a helper, and records which
query-string keys the views and their forms read. The second pass sends each
of those keys, on each URL that reads it, with

- a NUL byte (PostgreSQL refuses it in a string: "A string literal cannot
  contain NUL characters", once a 500),
- a lone UTF-16 surrogate, as the bytes a client sends for one (%ED%A0%80),
- a value of 10,000 characters, all digits (past Python's limit for int(),
  and past every column's length),
- 2^63 and 2^64, ids past what a database key can hold,

keeping the URL's other parameters. Run on PostgreSQL in CI; on SQLite too.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils.functional import cached_property

from tests.security.test_access_matrix import URLS, USERNAMES

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

# Already URL-encoded: sent as they are.
PAYLOADS = {
    "nul": "%00",
    "lone surrogate": "%ED%A0%80",
    # Long for every text column, and past Python's 4,300-digit limit of
    # int() for every number.
    "10,000 digits": "9" * 10_000,
    # An id no database key can hold (SQLite: OverflowError).
    "2^63": str(2**63),
    "2^64": str(2**64),
}
PERSONAS = ("secretary", "manager", "helper")


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes every key it is asked for."""

    asked: set[str] | None = None

    def _note(self, key):
        if RecordingQueryDict.asked is not None:
            RecordingQueryDict.asked.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)


@pytest.fixture
def recording_get(monkeypatch):
    def get(request):
        from django.core.handlers.wsgi import get_bytes_from_wsgi

        raw = get_bytes_from_wsgi(request.environ, "QUERY_STRING", "")
        return RecordingQueryDict(raw, encoding=request._encoding)

    prop = cached_property(get)
    prop.__set_name__(WSGIRequest, "GET")
    monkeypatch.setattr(WSGIRequest, "GET", prop)


def _urls(w) -> list[str]:
    month, code = w["month"], w["workshop"].code
    urls = list(URLS(w).values())
    for table in ("workshops", "causes", "trend", "outcomes", "cases", "ranking"):
        urls.append(
            reverse("reports:export", args=[table, "xlsx"])
            + f"?month={month}&workshop={code}"
        )
    urls += [
        reverse("assistance:case_list") + "?status=open&page=1",
        reverse("workers:worker_list") + "?q=胡&page=1",
        reverse("assistance:overview") + "?page=1",
    ]
    return sorted(set(urls))


def _client(persona: str) -> Client:
    # A view's exception becomes the 500 page, as in production, so that one
    # failure does not hide the others.
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=USERNAMES[persona]))
    return client


def _with(url: str, key: str, raw_value: str) -> str:
    """The URL with ``key`` set to the raw (already encoded) value."""
    parts = urlsplit(url)
    pairs = [
        f"{quote(k)}={quote(v)}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k != key
    ]
    pairs.append(f"{quote(key)}={raw_value}")
    return f"{parts.path}?{'&'.join(pairs)}"


def _parameters_read(clients, urls) -> dict[tuple[str, str], set[str]]:
    """(persona, url) → the GET keys read while answering it."""
    read = {}
    for persona, client in clients.items():
        for url in urls:
            RecordingQueryDict.asked = set()
            with transaction.atomic():
                client.get(url)
                transaction.set_rollback(True)
            # Only what was read: a page refused to this persona reads
            # nothing, and is tried with the personas it is for.
            read[(persona, url)] = RecordingQueryDict.asked
    RecordingQueryDict.asked = None
    return read


# What each persona's pages are known to read: the discovery must find it.
KNOWN_READ = {
    "secretary": ("assistance:demonstration_create", {"trade"}),
    "manager": ("reports:dashboard", {"month", "compare", "live"}),
    "helper": ("assistance:my_cases", set()),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_get_parameter_gives_a_500(world, recording_get, persona):
    # One persona a test, so that the personas' walks run side by side.
    client = _client(persona)
    urls = _urls(world)
    read = _parameters_read({persona: client}, urls)
    route, keys = KNOWN_READ[persona]
    assert keys <= read[(persona, URLS(world).get(route) or reverse(route))]
    failures, sent = [], 0
    for (_persona, url), keys in sorted(read.items()):
        for key in sorted(keys):
            for name, value in PAYLOADS.items():
                target = _with(url, key, value)
                with transaction.atomic():
                    response = client.get(target)
                    transaction.set_rollback(True)
                sent += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{persona} {url} {key}={name}: {response.status_code}"
                    )
    routes = len({url.split("?")[0] for url in urls})
    print(f"{persona}: {sent} requests, {routes} paths")
    assert sent > 100  # the persona's pages' parameters were tried
    assert not failures, "\n".join(failures)


def test_a_nul_is_refused_with_a_page_that_names_the_parameter(secretary_client):
    response = secretary_client.get(
        reverse("assistance:demonstration_create") + "?trade=%00&x=1"
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "“trade”" in text and "无法读取的字符" in text
    english = Client()
    english.force_login(get_user_model().objects.get(username="alice"))
    english.cookies.load({"django_language": "en"})
    response = english.get(reverse("reports:dashboard") + "?month=1956-03%00")
    assert response.status_code == 400
    assert "cannot be read (NUL) in “month”" in response.content.decode()
