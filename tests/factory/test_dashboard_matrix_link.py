"""The workshop dashboard links to the workshop's matrix of who has
mastered what, for whoever may read it (the matrix's own rule,
workers.access.require_experience_view); the link is in the page's cached
blocks, so whether the reader may follow it is part of the page's key."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.world_per_module

MONTH = {"month": "1956-03"}
LINK = 'id="workshop-matrix"'


@pytest.fixture
def dashboard(small, workshop):
    return reverse("reports:workshop_dashboard", args=[workshop.code])


@pytest.fixture
def matrix_url(workshop):
    return reverse("experiences:experience_matrix") + f"?workshop={workshop.code}"


@pytest.fixture
def reader_without_the_matrix(workshop):
    """Directs the workshop and reads its figures, but not the catalogue of
    experiences (a permission given by hand, not the director's group)."""
    user = UserFactory(username="dirk")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="workers", codename="view_workshop"
        )
    )
    workshop.managers.add(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["secretary_client", "manager_client"])
def test_the_dashboard_links_to_the_workshops_matrix(
    request, persona, dashboard, matrix_url
):
    client = request.getfixturevalue(persona)
    html = client.get(dashboard, MONTH).content.decode()
    assert f'<a href="{matrix_url}" {LINK}>技术掌握情况表</a>' in html
    assert client.get(matrix_url).status_code == 200


def test_no_link_for_a_reader_who_may_not_open_the_matrix_even_when_cached(
    dashboard, matrix_url, manager_client, reader_without_the_matrix
):
    # The director's page is rendered and kept first; the other reader of
    # the same workshop, scope and naming gets a page of their own.
    assert LINK in manager_client.get(dashboard, MONTH).content.decode()
    page = reader_without_the_matrix.get(dashboard, MONTH)
    assert page.status_code == 200
    assert LINK not in page.content.decode()
    assert reader_without_the_matrix.get(matrix_url).status_code == 403
    # And the other way round: the director's cached page keeps the link.
    assert LINK in manager_client.get(dashboard, MONTH).content.decode()
