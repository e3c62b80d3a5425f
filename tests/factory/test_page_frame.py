"""The frame of every page (base.html) is drawn for each request: what is
the request's own — its CSRF token, its path, the user's name — is never
another request's."""

import re

from django.test import Client


def _token(content: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)


def test_each_request_draws_its_own_token_path_and_name(secretary):
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
    # The same navigation for the same role ...
    assert first.count('id="nav-import"') == second.count('id="nav-import"') == 1
    # ... but each request's own token, path and name.
    assert _token(first) != _token(second)
    assert 'name="next" type="hidden" value="/?a=1"' in first
    assert 'name="next" type="hidden" value="/?b=2"' in second
    assert 'id="current-user">alice<' in first
    assert 'id="current-user">卡 罗<' in second


def test_the_frame_draws_without_a_requests_context():
    """A template drawn without the context processors (no role, no frame
    addresses) gets no navigation, never an error."""
    from django.template.loader import render_to_string

    html = render_to_string("403.html")
    assert 'id="main-nav"' in html
    assert 'class="nav-link"' not in html
