import pytest
from django.urls import reverse


def test_anonymous_is_sent_to_login(anonymous_client):
    response = anonymous_client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "title"),
    [
        ("secretary_client", "党委书记"),
        ("manager_client", "车间主任"),
    ],
)
def test_each_role_sees_its_home_in_chinese_by_default(request, persona, title):
    client = request.getfixturevalue(persona)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert title in response.content.decode()


def test_login_page_renders_in_both_languages(anonymous_client):
    chinese = anonymous_client.get(reverse("login")).content.decode()
    assert "登录" in chinese
    english = anonymous_client.get(
        reverse("login"), headers={"accept-language": "en"}
    ).content.decode()
    anonymous_client.cookies.load({"django_language": "en"})
    english = anonymous_client.get(reverse("login")).content.decode()
    assert "Log in to Catch Up" in english


def test_unknown_page_is_a_styled_translated_404(secretary_client):
    response = secretary_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_language_switch_keeps_the_page(secretary_client):
    response = secretary_client.post(
        reverse("set_language"), {"language": "en", "next": "/workers/"}
    )
    assert response.status_code == 302
    assert response.url == "/workers/"
    assert "Roster" in secretary_client.get("/workers/").content.decode()


def test_a_director_reaches_their_workshop_from_the_start_page(
    manager_client, workshop, other_workshop
):
    page = manager_client.get(reverse("home")).content.decode()
    assert reverse("reports:workshop_dashboard", args=[workshop.code]) in page
    assert reverse("reports:workshop_dashboard", args=[other_workshop.code]) not in page
