"""Bad input on the report pages is a 4xx, never a 500 (review findings)."""

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/workshops/%00/",
        "/dashboard/workshops/a%00b/",
        "/dashboard/export/ranking.csv?workshop=%00",
        "/reports/movement.json?workshop=%00",
    ],
)
@pytest.mark.parametrize("persona", ["secretary_client", "manager_client"])
def test_a_nul_in_a_workshop_code_is_404_not_500(request, persona, url):
    # PostgreSQL refuses NUL in a string parameter (ValueError): the lookup
    # must not reach the database.
    client = request.getfixturevalue(persona)
    assert client.get(url).status_code == 404
