"""Headers and logs, from a scan with sqlmap and nikto.

- PERMISSIONS_POLICY (django-permissions-policy): camera, microphone,
  geolocation and the other powerful features are off on every page.
- A Host-header probe (DisallowedHost) is logged as one line, without a
  traceback, at WARNING: nikto's probes wrote 36 full tracebacks at ERROR.
- CONTENT_SECURITY_POLICY's style-src is 'self' only, without
  'unsafe-inline': no template carries a style attribute or a <style>
  element (widths are classes in static/css/catchup.css; a progress bar's
  width is set from static/js/catchup.js through the CSSOM, which the
  policy allows). The browser check is tests/e2e/test_journeys.py's
  test_no_script_or_style_is_blocked_by_the_csp.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.security.test_access_matrix import URLS
from tests.security.test_hardening import _directives, _template_files

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

ROOT_FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb")


def _policy(response) -> dict[str, str]:
    header = response.get("Permissions-Policy", "")
    return dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)


def test_every_kind_of_page_switches_the_powerful_features_off(world):
    anonymous = Client()
    secretary = Client()
    secretary.force_login(get_user_model().objects.get(username="alice"))
    urls = URLS(world)
    responses = [
        anonymous.get(reverse("login")),
        secretary.get(urls["home"]),
        secretary.get(urls["reports:dashboard"]),
        secretary.get(urls["reports:movement_json"]),
        secretary.get(urls["reports:export"]),
        secretary.get("/no/such/page/"),
    ]
    for response in responses:
        policy = _policy(response)
        for feature in ROOT_FEATURES_OFF:
            assert policy.get(feature) == "()", (response.request["PATH_INFO"], policy)


def test_a_host_header_probe_is_one_line_without_a_traceback(db, caplog):
    caplog.set_level(logging.INFO)
    response = Client().get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and not record.exc_text
    # Through the handlers of production's LOGGING, it is one line.
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    line = formatter.format(record)
    assert "\n" not in line
    assert "evil.example" in line
    assert "Traceback" not in line


def test_a_forged_host_header_with_a_line_break_stays_one_line(db, caplog):
    caplog.set_level(logging.INFO)
    Client().get(reverse("login"), HTTP_HOST="evil.example\nERROR forged")
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert records
    assert all("\n" not in r.getMessage() for r in records)


def test_a_refused_request_is_one_line_naming_who_and_where_without_a_traceback(
    world, caplog
):
    caplog.set_level(logging.INFO)
    user = get_user_model().objects.get(username="bob")
    client = Client()
    client.force_login(user)
    url = world["case"].get_absolute_url()
    assert client.get(url).status_code == 403
    assert not [r for r in caplog.records if r.exc_info or r.exc_text]
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    lines = [formatter.format(r) for r in caplog.records if url in r.getMessage()]
    assert len(lines) == 1, lines
    (line,) = lines
    assert "\n" not in line
    assert "status=403" in line
    assert f"user_id={user.pk} username=bob" in line


def test_the_style_policy_allows_no_inline_style():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["style-src"] == ["'self'"]


STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


def test_no_template_has_a_style_attribute_or_element():
    problems = []
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for pattern in (STYLE_ATTRIBUTE, STYLE_ELEMENT):
            problems += [f"{path.name}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not problems, problems


def test_the_scanner_finds_inline_styles():
    assert STYLE_ATTRIBUTE.search('<div class="x" style="width:5em">')
    assert STYLE_ELEMENT.search("<style>p{}</style>")
    assert not STYLE_ATTRIBUTE.search('<div data-style="x">')


@pytest.mark.parametrize("persona", ["alice", "bob", "dora"])
def test_served_pages_carry_no_inline_style(world, persona):
    client = Client()
    client.force_login(get_user_model().objects.get(username=persona))
    problems = []
    for route, url in URLS(world).items():
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        text = response.content.decode()
        if STYLE_ATTRIBUTE.search(text) or STYLE_ELEMENT.search(text):
            problems.append(route)
        header = response.get("Content-Security-Policy", "")
        assert "'unsafe-inline'" not in _directives(header).get("style-src", [])
    assert not problems, problems


def test_the_deploy_check_catches_inline_styles_coming_back(settings):
    from factory.security import check_script_policy

    assert check_script_policy() == []
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["style-src"] = ["'self'", "'unsafe-inline'"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    assert [w.id for w in check_script_policy()] == ["catchup.W006"]
