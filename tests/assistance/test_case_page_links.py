"""Links on the case page lead only to pages the reader may open."""

from assistance.models import Demonstration
from tests.assistance.conftest import MAR
from tests.factories import WorkerFactory


def _attended(worker):
    demonstration = Demonstration.objects.create(
        technique="高速切削",
        demonstrator=WorkerFactory(workshop=worker.workshop),
        workshop=worker.workshop,
        date=MAR.replace(day=15),
    )
    demonstration.attendees.add(worker)
    return demonstration


def test_helper_sees_the_demonstration_without_a_dead_link(
    helper_client, case, failing_worker
):
    demonstration = _attended(failing_worker)
    url = demonstration.get_absolute_url()
    # The demonstration pages are the secretary's and the directors': a
    # link on the helper's case page would only lead to a 404.
    assert helper_client.get(url).status_code == 404
    page = helper_client.get(case.get_absolute_url()).content.decode()
    assert "高速切削" in page
    assert f'href="{url}"' not in page


def test_secretary_keeps_the_demonstration_link(secretary_client, case, failing_worker):
    demonstration = _attended(failing_worker)
    page = secretary_client.get(case.get_absolute_url()).content.decode()
    assert f'href="{demonstration.get_absolute_url()}"' in page
