"""The hardening settings, each proven through the real pages.

Each test names the setting it proves (factory/settings.py):

- AXES_FAILURE_LIMIT, AXES_USERNAME_CALLABLE, AXES_IPWARE_META_PRECEDENCE_ORDER
  — lockout after five failed logins, not bypassed by the username's case or
  a forged X-Forwarded-For;
- CONTENT_SECURITY_POLICY — no inline or eval'd script, on every kind of page,
  and no template that would need one;
- SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, SECURE_HSTS_SECONDS,
  SECURE_SSL_REDIRECT — on in production (HTTPS=1, the default without DEBUG);
- SESSION_COOKIE_AGE, SESSION_EXPIRE_AT_BROWSER_CLOSE — sessions end;
- AUTH_PASSWORD_VALIDATORS — weak passwords refused on the password page;
- workers.spreadsheet_safety.safe_cell — formula escaping in every CSV/XLSX
  download (every payload: tests/security/test_spreadsheet_payloads.py);
- the "catchup.audit" log (factory/audit.py) — logins, failed logins, 403 and
  404 logged with user id and path, and no personal data in any log;
- factory.security's deploy checks (catchup.W001–W005) — `check --deploy`
  fails when the lockout or the script policy is weakened.

Uploads limited in size and type, zip and XML bombs: tests/workers/
test_import_tables.py and test_import_views.py (the roster helper's), and
tests/security/test_bad_input.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistance.models import Demonstration, Measure
from assistance.services import open_case
from tests.factories import ProductionRecordFactory, WorkerFactory
from tests.security.conftest import SENTINEL
from tests.security.test_access_matrix import URLS
from workers.models import Cause

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
LOGIN = "/accounts/login/"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- django-axes -----------------------------------------------------------


def test_five_failed_logins_lock_the_account_even_for_the_right_password(
    secretary,
):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    for _ in range(4):
        assert _login(client, "alice", "wrong").status_code == 200
    # The fifth failure locks; from then on even the right password is refused.
    assert _login(client, "alice", "wrong").status_code == 429
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not _logged_in(client)


def test_four_failures_then_the_right_password_logs_in_and_resets(secretary):
    client = Client()
    for _ in range(4):
        _login(client, "alice", "wrong")
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)
    # AXES_RESET_ON_SUCCESS: the count starts again.
    other = Client()
    for _ in range(4):
        _login(other, "alice", "wrong")
    assert _login(other, "alice", PASSWORD).status_code == 302


def test_changing_the_usernames_case_does_not_reset_the_count(secretary):
    """AXES_USERNAME_CALLABLE = factory.security.axes_username lower-cases."""
    client = Client()
    for username in ("Alice", "ALICE", "aLiCe", " alice ", "alicE"):
        _login(client, username, "wrong")
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)


def test_a_forged_x_forwarded_for_does_not_reset_the_count(secretary):
    """AXES_IPWARE_META_PRECEDENCE_ORDER = REMOTE_ADDR: the header a client
    writes itself is not the address that is counted."""
    client = Client()
    for n in range(5):
        _login(
            client,
            "alice",
            "wrong",
            REMOTE_ADDR="10.0.0.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            HTTP_X_REAL_IP=f"198.51.100.{n}",
        )
    response = _login(
        client,
        "alice",
        PASSWORD,
        REMOTE_ADDR="10.0.0.7",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429
    assert not _logged_in(client)


def test_the_lockout_is_per_socket_address(secretary):
    """The counterpart of the test above: the address that counts is the
    socket's, so a colleague at another machine can still log in."""
    attacker = Client()
    for _ in range(5):
        _login(attacker, "alice", "wrong", REMOTE_ADDR="10.0.0.7")
    colleague = Client()
    response = _login(colleague, "alice", PASSWORD, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302


def test_an_inactive_user_cannot_log_in(inactive_user):
    client = Client()
    response = _login(client, "frank", PASSWORD)
    assert response.status_code == 200
    assert not _logged_in(client)


# --- Content-Security-Policy -----------------------------------------------


def _directives(header: str) -> dict[str, list[str]]:
    result = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


def _check_csp(response):
    header = response.get("Content-Security-Policy")
    assert header, f"no CSP on {response.request['PATH_INFO']}"
    directives = _directives(header)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts == ["'self'"], header
    assert "'unsafe-inline'" not in header.split("style-src")[0]
    assert "'unsafe-eval'" not in header
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]


def test_every_kind_of_page_has_a_strict_csp(world):
    """Login, home, a list, a form, a case, a dashboard, JSON, a download,
    a 403 and a 404: the policy is on all of them."""
    anonymous = Client()
    _check_csp(anonymous.get(LOGIN))
    secretary = Client()
    secretary.force_login(get_user_model().objects.get(username="alice"))
    urls = URLS(world)
    for name in (
        "home",
        "workers:worker_list",
        "workers:import_upload",
        "assistance:case_detail",
        "assistance:classification_queue",
        "reports:dashboard",
        "reports:workshop_dashboard",
        "reports:movement_json",
        "reports:export",
    ):
        response = secretary.get(urls[name])
        assert response.status_code == 200, name
        _check_csp(response)
    _check_csp(secretary.get("/no/such/page/"))
    manager = Client()
    manager.force_login(get_user_model().objects.get(username="bob"))
    denied = manager.get(urls["assistance:case_detail"])
    assert denied.status_code == 403
    _check_csp(denied)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?P<attrs>[^>]*)>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def _template_files() -> list[Path]:
    folders = [ROOT / "templates"] + [
        path
        for path in ROOT.glob("*/templates")
        if ".venv" not in path.parts and path.is_dir()
    ]
    return sorted(p for folder in folders for p in folder.rglob("*.html"))


def _inline_scripts(text: str) -> list[str]:
    return [
        match.group(0)
        for match in INLINE_SCRIPT.finditer(text)
        if 'type="application/json"' not in match.group("attrs")
    ]


def test_no_template_has_an_inline_script_or_event_handler():
    """CSP would block them in the browser; this finds them before it does.
    Data for scripts goes through json_script (type="application/json")."""
    files = _template_files()
    assert len(files) > 20
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for tag in _inline_scripts(text):
            problems.append(f"{path.relative_to(ROOT)}: {tag}")
        for match in EVENT_HANDLER.finditer(text):
            problems.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        if "javascript:" in text.lower():
            problems.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert not problems, problems


def test_the_scanner_finds_inline_scripts():
    assert _inline_scripts("<script>alert(1)</script>")
    assert _inline_scripts('<script type="module">x()</script>')
    assert not _inline_scripts('<script src="/static/js/a.js"></script>')
    assert not _inline_scripts('<script id="d" type="application/json">{}</script>')
    assert EVENT_HANDLER.search('<button onclick="go()">')


def test_rendered_pages_carry_no_inline_script(world):
    """The same rule on what is actually served (json_script data allowed)."""
    secretary = Client()
    secretary.force_login(get_user_model().objects.get(username="alice"))
    urls = URLS(world)
    for name in (
        "home",
        "assistance:case_detail",
        "assistance:cases_open",
        "reports:dashboard",
        "reports:workshop_dashboard",
        "reports:bulletin",
        "workers:worker_detail",
    ):
        response = secretary.get(urls[name], follow=True)
        text = response.content.decode()
        assert not _inline_scripts(text), name
        assert not EVENT_HANDLER.search(text), name


# --- secure cookies, HSTS, headers -------------------------------------------


def _production_settings(extra_env=None) -> dict:
    """The settings a production process gets: no DEBUG, so HTTPS is on."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "HTTPS", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "SECRET_KEY": "Zq3" + "x9Lm2Pw8Rt5Vb7Nc4Hd6Jf1Gk0Sa" * 2,
            "ALLOWED_HOSTS": "catchup.example.org",
            "DJANGO_SETTINGS_MODULE": "factory.settings",
            **(extra_env or {}),
        }
    )
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "AXES_ENABLED",
        "AXES_FAILURE_LIMIT",
        "AXES_IPWARE_META_PRECEDENCE_ORDER",
    ]
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_sets_secure_cookies_hsts_and_https():
    values = _production_settings()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SESSION_COOKIE_AGE"] <= 8 * 3600
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["AXES_ENABLED"] is True
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ["REMOTE_ADDR"]


def test_plain_http_demo_turns_secure_cookies_off_explicitly():
    """Only HTTPS=0 (the local demo) turns them off; it is never implied."""
    values = _production_settings({"HTTPS": "0"})
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def test_over_https_the_cookies_are_secure_and_hsts_is_sent(settings, secretary):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()
    page = client.get(LOGIN, secure=True)
    assert "max-age=31536000" in page["Strict-Transport-Security"]
    assert client.cookies["csrftoken"]["secure"]
    response = _login(client, "alice", PASSWORD, secure=True)
    assert response.status_code == 302
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["secure"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"


def test_security_headers_on_every_response(world):
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))
    for url in (LOGIN, reverse("home"), URLS(world)["reports:movement_json"]):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


# --- sessions ----------------------------------------------------------------


def test_the_session_cookie_dies_with_the_browser_and_the_session_in_8_hours(
    secretary,
):
    client = Client()
    response = _login(client, "alice", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    # SESSION_EXPIRE_AT_BROWSER_CLOSE: a browser-session cookie.
    assert not cookie["expires"]
    assert not cookie["max-age"]
    # SESSION_COOKIE_AGE: the server forgets it after at most 8 hours.
    session = Session.objects.get(session_key=cookie.value)
    assert session.expire_date <= timezone.now() + dt.timedelta(hours=8, minutes=1)


def test_an_expired_session_is_sent_back_to_the_login_page(secretary):
    client = Client()
    _login(client, "alice", PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logging_out_ends_the_session_on_the_server(secretary):
    client = Client()
    _login(client, "alice", PASSWORD)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()


# --- passwords ---------------------------------------------------------------


@pytest.mark.parametrize(
    "weak",
    [
        "short1",  # MinimumLengthValidator
        "12345678901",  # NumericPasswordValidator (and common)
        "password123",  # CommonPasswordValidator
        "alice1956",  # UserAttributeSimilarityValidator (username alice)
    ],
)
def test_weak_passwords_are_refused_on_the_password_page(secretary, weak):
    client = Client()
    client.force_login(secretary)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    secretary.refresh_from_db()
    assert secretary.check_password(PASSWORD)


def test_a_strong_password_is_accepted(secretary):
    client = Client()
    client.force_login(secretary)
    strong = "铁水奔流 1956 Taiyuan"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.check_password(strong)


# --- formula escaping in every download ---------------------------------------

FORMULAS = (
    '=HYPERLINK("http://evil.example","点这里")',
    "+SUM(1+1)",
    "-2+3",
    "@cmd",
    "=1+1",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


@pytest.fixture
def formula_world(world, secretary, helper):
    """Every text a download shows, written as a formula: worker names,
    trades, a workshop's name, a demonstration's technique and place."""
    month = dt.date(1956, 3, 1)
    workshop = world["workshop"]
    workshop.name = "=WORKSHOP()"
    workshop.save()
    workers = []
    for n, text in enumerate(FORMULAS):
        worker = WorkerFactory(
            name=text, trade="+车工", workshop=workshop, employee_no=f"=F{n}"
        )
        ProductionRecordFactory(
            worker=worker,
            month=month,
            quota=Decimal(100),
            output=Decimal(60 + 30 * n),
            unit="@件",
        )
        workers.append(worker)
    open_case(
        worker=workers[0],
        month=month,
        cause=Cause.TECHNIQUE,
        measure=Measure.MENTORING,
        helpers=[helper.worker],
        opened_by=secretary,
    )
    Demonstration.objects.create(
        technique="=cmd|' /C calc'!A0",
        demonstrator=workers[-1],
        workshop=workshop,
        date=month,
        place="@SUM(A1)",
    )
    return world


def _cells(response) -> list[str]:
    body = response.content
    if response["Content-Type"].startswith("text/csv"):
        text = body.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    workbook = openpyxl.load_workbook(io.BytesIO(body))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}"
                if cell.value is not None:
                    cells.append(str(cell.value))
    return cells


def _download_urls(w) -> list[str]:
    month, code = w["month"], w["workshop"].code
    urls = []
    for table in ("workshops", "causes", "trend", "outcomes", "cases"):
        for fmt in ("csv", "xlsx"):
            urls.append(
                reverse("reports:export", args=[table, fmt]) + f"?month={month}"
            )
    for table in ("ranking", "movers", "demonstrations", "cases"):
        for fmt in ("csv", "xlsx"):
            urls.append(
                reverse("reports:export", args=[table, fmt])
                + f"?month={month}&workshop={code}"
            )
    return urls


def test_every_download_escapes_formulas(formula_world):
    """Every CSV and XLSX the matrix's routes serve to the secretary, and the
    report downloads in both formats: no cell starts a formula."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))
    urls = list(URLS(formula_world).values()) + _download_urls(formula_world)
    downloads = 0
    escaped_seen = set()
    problems = []
    for url in urls:
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.status_code != 200 or not (
            content_type.startswith("text/csv") or "spreadsheetml" in content_type
        ):
            continue
        downloads += 1
        for cell in _cells(response):
            if cell.startswith(FORMULA_START) and not NUMBER.match(cell):
                problems.append(f"{url}: {cell!r}")
            if cell.startswith("'") and cell[1:] in FORMULAS:
                escaped_seen.add(cell[1:])
    assert not problems, problems
    # Every route serving CSV/XLSX was reached, and the names were in them.
    assert downloads >= len(_download_urls(formula_world)) + 3
    assert escaped_seen == set(FORMULAS)


# --- the audit log -------------------------------------------------------------


@pytest.fixture
def audit_log(caplog):
    caplog.set_level(logging.INFO, logger="catchup.audit")
    return caplog


def _audit_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "catchup.audit"]


def test_a_login_is_logged_with_user_id_username_and_address(secretary, audit_log):
    _login(Client(), "alice", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert f"login user_id={secretary.pk} username=alice ip=10.1.2.3" in (
        _audit_lines(audit_log)
    )


def test_a_failed_login_is_logged_without_the_password(secretary, audit_log):
    _login(Client(), "alice", "hunter2-secret", REMOTE_ADDR="10.1.2.3")
    lines = _audit_lines(audit_log)
    assert "login_failed username=alice ip=10.1.2.3" in lines
    assert not any("hunter2" in line for line in lines)


def test_a_username_cannot_forge_a_log_line(db, audit_log):
    _login(Client(), "mallory\nlogin user_id=1 username=alice", "x")
    lines = _audit_lines(audit_log)
    assert all("\n" not in line for line in lines)
    assert any(line.startswith("login_failed username=mallory?login") for line in lines)


def test_403_and_404_are_logged_with_user_and_path_not_the_query(world, audit_log):
    manager = Client()
    user = get_user_model().objects.get(username="bob")
    manager.force_login(user)
    case_url = world["case"].get_absolute_url()
    assert manager.get(case_url + "?q=胡维亮").status_code == 403
    other = world["closed"].get_absolute_url()
    helper = Client()
    helper.force_login(get_user_model().objects.get(username="dora"))
    assert helper.get(other).status_code == 404
    lines = _audit_lines(audit_log)
    assert (
        f"denied status=403 user_id={user.pk} username=bob method=GET "
        f"path={case_url} ip=127.0.0.1"
    ) in lines
    assert any(
        line.startswith("denied status=404") and f"path={other}" in line
        for line in lines
    )
    assert not any("胡维亮" in line for line in lines)


def test_a_403_answered_by_a_view_itself_is_logged_too(world, audit_log):
    """The JSON report answers 403 without raising PermissionDenied."""
    helper = Client()
    helper.force_login(get_user_model().objects.get(username="dora"))
    url = reverse("reports:movement_json")
    assert helper.get(url).status_code == 403
    assert any(
        line.startswith("denied status=403") and f"path={url}" in line
        for line in _audit_lines(audit_log)
    )


def test_a_refused_csrf_token_is_logged(secretary, audit_log):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary)
    url = reverse("workers:worker_create")
    assert client.post(url, {"name": "x"}).status_code == 403
    assert (
        f"denied status=403 user_id={secretary.pk} username=alice method=POST "
        f"path={url} ip=127.0.0.1"
    ) in _audit_lines(audit_log)


def test_anonymous_refusals_are_logged_as_such(db, audit_log):
    Client().get("/no/such/page/")
    assert any(
        line.startswith("denied status=404 user_id=- username=-")
        for line in _audit_lines(audit_log)
    )


def test_no_personal_data_in_any_log(world, caplog, tmp_path):
    """Go through the private pages, a failed import with names, refusals
    with names in the query string, and capture every log record of every
    logger at INFO and above (more than production writes): no worker's name
    and no note appear. (A failed login logs the username as typed: that is
    what an audit of attacks needs; usernames are accounts, not people.)"""
    caplog.set_level(logging.INFO)
    names = ["胡维亮", "王培胜", "马六孩", "铸工甲"]
    secretary = Client()
    secretary.force_login(get_user_model().objects.get(username="alice"))
    for url in URLS(world).values():
        secretary.get(url + ("&" if "?" in url else "?") + "q=胡维亮")
    helper = Client()
    helper.force_login(get_user_model().objects.get(username="dora"))
    helper.post(
        reverse("assistance:followup_add", args=[world["case"].pk]),
        {"kind": "talk", "date": "1956-03-20", "text": f"王培胜 {SENTINEL}"},
    )
    manager = Client()
    manager.force_login(get_user_model().objects.get(username="bob"))
    for url in URLS(world).values():
        manager.get(url + ("&" if "?" in url else "?") + "q=马六孩")
    upload = io.BytesIO(
        "工号,月份,定额,实际完成\r\nJ0001,1956-13,100,铸工甲\r\n".encode()
    )
    upload.name = "胡维亮.csv"
    secretary.post(reverse("workers:import_upload", args=["records"]), {"file": upload})
    text = "\n".join(
        record.getMessage() + (record.exc_text or "") for record in caplog.records
    )
    assert "denied status=403" in text  # the log was captured
    leaked = [name for name in [*names, SENTINEL] if name in text]
    assert not leaked, leaked


# --- deploy checks (factory.security) -----------------------------------------


def _warnings():
    from factory.security import check_login_lockout, check_script_policy

    return [w.id for w in check_login_lockout() + check_script_policy()]


def test_the_deploy_checks_pass_on_the_project_settings():
    assert _warnings() == []


@pytest.mark.parametrize(
    ("name", "value", "warning"),
    [
        ("AXES_ENABLED", False, "catchup.W001"),
        ("AXES_FAILURE_LIMIT", 50, "catchup.W002"),
        (
            "AXES_IPWARE_META_PRECEDENCE_ORDER",
            ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
            "catchup.W003",
        ),
    ],
)
def test_the_deploy_checks_catch_a_weakened_lockout(settings, name, value, warning):
    setattr(settings, name, value)
    assert warning in _warnings()


@pytest.mark.parametrize(
    ("scripts", "warning"),
    [
        (["'self'", "'unsafe-inline'"], "catchup.W005"),
        (["'self'", "'unsafe-eval'"], "catchup.W005"),
        (None, "catchup.W004"),
    ],
)
def test_the_deploy_checks_catch_unsafe_scripts(settings, scripts, warning):
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives.pop("default-src")
    if scripts is None:
        directives.pop("script-src")
    else:
        directives["script-src"] = scripts
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    assert warning in _warnings()


def test_check_deploy_fails_when_the_lockout_is_switched_off():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "HTTPS", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "SECRET_KEY": "Zq3" + "x9Lm2Pw8Rt5Vb7Nc4Hd6Jf1Gk0Sa" * 2,
            "ALLOWED_HOSTS": "catchup.example.org",
            "AXES_ENABLED": "0",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "catchup.W001" in result.stdout + result.stderr


# --- redirects and hosts -----------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example"]
)
def test_the_login_and_language_pages_never_redirect_off_site(secretary, target):
    client = Client()
    response = client.post(
        LOGIN + f"?next={target}",
        {"username": "alice", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert "evil.example" not in response["Location"]


def test_a_forged_host_header_is_refused(db):
    response = Client().get(LOGIN, HTTP_HOST="evil.example")
    assert response.status_code == 400
