"""Bad input on the report pages is a 4xx, never a 500."""

import io

import pytest
from openpyxl import load_workbook

from tests.factories import ProductionRecordFactory, WorkerFactory


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/dashboard/workshops/%00/", 404),
        ("/dashboard/workshops/a%00b/", 404),
        # In the query string, factory.query_guard refuses every NUL with a
        # 400 page naming the parameter (tests/security/test_get_parameters.py).
        ("/dashboard/export/ranking.csv?workshop=%00", 400),
        ("/reports/movement.json?workshop=%00", 400),
    ],
)
@pytest.mark.parametrize("persona", ["secretary_client", "manager_client"])
def test_a_nul_in_a_workshop_code_is_not_a_500(request, persona, url, status):
    # PostgreSQL refuses NUL in a string parameter (ValueError): the lookup
    # must not reach the database.
    client = request.getfixturevalue(persona)
    assert client.get(url).status_code == status


def test_a_control_character_in_a_name_does_not_break_the_xlsx(
    secretary_client, workshop
):
    # The roster form and the import accept a vertical tab (pasted from a
    # spreadsheet cell); openpyxl refuses control characters (was a 500).
    worker = WorkerFactory(workshop=workshop, name="甲\x0b乙", trade="车\x01工")
    ProductionRecordFactory(worker=worker)
    response = secretary_client.get(
        "/dashboard/export/ranking.xlsx",
        {"workshop": workshop.code, "month": "1956-03"},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert "甲乙" in row
    assert "车工" in row


def test_a_workshop_table_without_a_workshop_says_so_in_readable_chinese(
    secretary_client,
):
    # The message is Chinese by default: without a charset in the header a
    # browser may show it as mojibake.
    response = secretary_client.get("/dashboard/export/ranking.csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "车间" in response.content.decode("utf-8")
