import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("persona", "username", "home_title"),
    [
        ("secretary", "alice", "党委书记"),
        ("manager", "bob", "车间主任"),
        ("helper", "dora", "帮助人"),
    ],
)
def test_each_role_logs_in_and_sees_its_home(
    request, page, login, screenshot, persona, username, home_title
):
    request.getfixturevalue(persona)
    login(username)
    assert page.locator("#home-title").inner_text().strip() == home_title
    screenshot(f"login-home-{persona}-zh")


def test_a_wrong_password_keeps_the_user_on_the_login_page(page, login, secretary):
    login("alice", "wrong password")
    assert "/accounts/login/" in page.url
    assert page.locator(".alert, .invalid-feedback, .errorlist").count() > 0
