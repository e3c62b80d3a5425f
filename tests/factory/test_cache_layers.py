"""Every cache layer can be switched off (make bench's measure of what each
buys, CACHE_LAYERS_OFF) and the pages are the same bytes without it: a
layer only ever saves work, it never changes what is shown."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from factory.figures import summaries

# The personas and the small factory are built once (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
LAYERS = ("summaries", "figures", "pages", "roles")


def pages_of(client) -> list:
    query = {"month": "1956-03", "compare": "1956-02"}
    shown = []
    for url in (
        reverse("reports:dashboard"),
        reverse("reports:workshop_dashboard", args=["jg2"]),
        reverse("reports:bulletin", args=["1956-03"]),
    ):
        response = client.get(url, query)
        assert response.status_code == 200
        shown.append(CSRF_TOKEN.sub("", response.content.decode()))
    shown.append(client.get(reverse("reports:movement_json"), query).json())
    return shown


@pytest.mark.parametrize("layer", LAYERS)
def test_a_page_is_the_same_without_a_cache_layer(
    small, secretary_client, settings, layer
):
    with_every_layer = pages_of(secretary_client)
    cache.clear()
    settings.CACHE_LAYERS_OFF = frozenset({layer})
    assert pages_of(secretary_client) == with_every_layer


def test_without_the_summary_tables_the_figures_are_counted_from_the_records(
    small, settings
):
    """The readers' live path counts what the tables hold: emptied, the
    tables would give zeros, the records do not."""
    from factory.models import MonthCaseSummary, MonthSummary

    kept = summaries.case_counts(summaries.data_span().last)
    MonthSummary.objects.all().delete()
    MonthCaseSummary.objects.all().delete()
    settings.CACHE_LAYERS_OFF = frozenset({"summaries"})
    assert summaries.case_counts(summaries.data_span().last) == kept
    assert sum(kept.values()) > 0
