"""Forged submissions of the case-opening page never give a 500."""

import pytest
from django.urls import reverse

from assistance.models import AssistanceCase


@pytest.mark.parametrize(
    "management",
    [
        # An extra (not initial) row left empty: Django would accept it as
        # "unchanged" and hand it over with no cleaned data.
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0"},
        # No row at all.
        {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"},
    ],
)
def test_an_empty_or_missing_row_opens_nothing_and_is_no_500(
    secretary_client, case, management
):
    response = secretary_client.post(
        reverse("assistance:cases_open"), {"month": "1956-03", **management}
    )
    assert response.status_code in (200, 302)
    assert AssistanceCase.objects.count() == 1
    if response.status_code == 302:
        # Not the success message "0 help cases opened".
        messages = [m.level_tag for m in response.wsgi_request._messages]
        assert "success" not in messages
