"""The light frame: base.html's fragments drawn once per process, per language
and role ({% once %}, factory/templatetags/frame.py); what is the request's own
drawn for each request."""

import re

from django.template import engines
from django.test import Client, override_settings
from django.utils import translation

from factory.templatetags import frame

COUNTED = "{% load frame %}{% once flag %}{{ counter.next }}{% endonce %}"


class Counter:
    def __init__(self):
        self.calls = 0

    def next(self):
        self.calls += 1
        return self.calls


def _render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_a_fragment_is_drawn_once_per_language_and_value():
    counter = Counter()
    template = engines["django"].from_string(COUNTED)
    with translation.override("zh-hans"):
        assert template.render({"counter": counter, "flag": True}) == "1"
        assert template.render({"counter": counter, "flag": True}) == "1"
        assert template.render({"counter": counter, "flag": False}) == "2"
    with translation.override("en"):
        assert template.render({"counter": counter, "flag": True}) == "3"
    assert counter.calls == 3


def test_with_debug_every_request_draws_it():
    counter = Counter()
    template = engines["django"].from_string(COUNTED)
    with override_settings(DEBUG=True):
        template.render({"counter": counter, "flag": True})
        template.render({"counter": counter, "flag": True})
    assert counter.calls == 2


def test_a_changed_setting_forgets_what_was_drawn():
    frame._rendered[("key",)] = "old"
    with override_settings(FACTORY_NAME="其它厂"):
        assert ("key",) not in frame._rendered


def _token(content: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)


def test_the_requests_own_values_stay_out_of_the_fragments(secretary):
    from factory.roles import SECRETARY
    from tests.factories import UserFactory

    colleague = UserFactory(
        username="carol", first_name="卡", last_name="罗", groups=[SECRETARY]
    )
    pages = []
    for user, path in ((secretary, "/?a=1"), (colleague, "/?b=2")):
        client = Client()
        client.force_login(user)
        pages.append(client.get(path).content.decode())
    first, second = pages
    # The same navigation for the same role, drawn once ...
    assert first.count('id="nav-import"') == second.count('id="nav-import"') == 1
    # ... but each request's own token, path and name.
    assert _token(first) != _token(second)
    assert 'name="next" type="hidden" value="/?a=1"' in first
    assert 'name="next" type="hidden" value="/?b=2"' in second
    assert 'id="current-user">alice<' in first
    assert 'id="current-user">卡 罗<' in second
