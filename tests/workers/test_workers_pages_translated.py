"""Every word of the workers pages is translated: breadcrumbs, labels,
messages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import WorkerFactory


@pytest.mark.django_db
def test_the_breadcrumbs_are_labelled_in_chinese(secretary_client, workshop):
    worker = WorkerFactory(workshop=workshop)
    upload = SimpleUploadedFile("w.csv", "工号,姓名,车间\nE9,甲,jg2\n".encode())
    batch = secretary_client.post("/workers/import/workers/", {"file": upload})
    pages = [
        secretary_client.get(f"/workers/{worker.pk}/"),
        secretary_client.get(f"/workers/{worker.pk}/edit/"),
        secretary_client.get(f"/workers/workshops/{workshop.pk}/edit/"),
        secretary_client.get("/workers/import/workers/"),
        batch,
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        # A screen reader reads the label: 导航路径, not the English word.
        assert 'aria-label="导航路径"' in html, response.templates[0].name
