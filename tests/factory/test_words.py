"""The words on the screen are the GLOSSARY's, in both languages.

The committee's words (docs: the GLOSSARY of the project's brief): a help
case is 帮扶 and opening one 确定帮扶, a follow-up 帮扶记录, a person's name
姓名, the ranking 完成情况排名 — and 排队 only inside 分类排队. English reads
in sentence case; dates and months in each language's own style; the admin
is titled "Catch Up 赶先进" and the lockout page is in Chinese by default.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from tests.conftest import in_english
from tests.factories import ProductionRecordFactory, UserFactory, WorkerFactory
from tests.security.test_form_text import _project_forms

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MARCH = dt.date(1956, 3, 1)


def _h1(response) -> str:
    html = response.content.decode()
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "the page has an <h1>"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# --- the catalogue ----------------------------------------------------------


def test_no_translation_uses_the_words_the_glossary_replaced():
    """帮助对象 / 帮助记录 / 立案 were the old words for cases and follow-ups;
    排队 alone was the ranking. None is left in any msgstr."""
    stale = []
    for entry in polib.pofile(str(CATALOGUE)):
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        for text in texts:
            if re.search("帮助对象|帮助记录|立案|帮助中", text):
                stale.append((entry.msgid, text))
            if "排队" in text.replace("分类排队", ""):
                stale.append((entry.msgid, text))
    assert stale == []


# --- page headings in both languages ----------------------------------------


def _below_quota_worker(workshop):
    worker = WorkerFactory(name="李明", workshop=workshop)
    ProductionRecordFactory(worker=worker, month=MARCH, output=Decimal("80"))
    return worker


def test_the_case_opening_page_is_headed_open_help_cases(secretary_client, workshop):
    worker = _below_quota_worker(workshop)
    url = reverse("assistance:cases_open") + f"?month=1956-03&worker={worker.pk}"
    assert _h1(secretary_client.get(url)) == "确定帮扶 1956年3月"
    assert _h1(in_english(secretary_client).get(url)) == "Open help cases March 1956"


def test_the_ranking_is_the_ranking_and_only_the_classification_queues(
    secretary_client, workshop
):
    _below_quota_worker(workshop)
    url = reverse("workers:ranking") + "?month=1956-03"
    response = secretary_client.get(url)
    assert _h1(response) == "1956年3月 完成情况排名"
    nav = response.content.decode().split('id="nav-ranking"')[1].split("</a>")[0]
    assert nav.endswith("完成情况排名")
    html = response.content.decode().replace("分类排队", "")
    assert "排队" not in html
    assert _h1(in_english(secretary_client).get(url)) == "Ranking, March 1956"


def test_the_roster_heads_a_persons_name_as_such(secretary_client, workshop):
    WorkerFactory(workshop=workshop)
    html = secretary_client.get(reverse("workers:worker_list")).content.decode()
    assert '<th scope="col">姓名</th>' in html
    assert "名称" not in html
    english = in_english(secretary_client).get(reverse("workers:worker_list"))
    assert '<th scope="col">Name</th>' in english.content.decode()


def test_the_dashboard_tile_counts_cases_in_progress_not_the_opening(
    secretary_client, workshop
):
    _below_quota_worker(workshop)
    html = secretary_client.get(reverse("reports:dashboard")).content.decode()
    assert 'id="tile-open-cases-title">帮扶中</h2>' in html


# --- English in sentence case -------------------------------------------------


def test_every_form_label_starts_with_a_capital_in_english():
    """Django capitalises a model field's verbose_name for a ModelForm; a
    label written in the form is shown as it is, so it is capfirst'ed."""
    lower = []
    with translation.override("en"):
        for cls in _project_forms():
            for name, field in cls.base_fields.items():
                if field.widget.is_hidden:
                    continue
                label = str(field.label) if field.label is not None else name
                if label[:1].isascii() and label[:1].islower():
                    lower.append(f"{cls.__module__}.{cls.__name__}.{name}: {label}")
    assert lower == []


def test_table_headers_of_the_roster_read_in_sentence_case(secretary_client, workshop):
    WorkerFactory(workshop=workshop)
    html = in_english(secretary_client).get(reverse("workers:worker_list"))
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html.content.decode())
    assert headers
    assert [h for h in headers if h != capfirst(h)] == []


# --- dates and months ----------------------------------------------------------

FORMATS = (
    '{{ d|date:"YEAR_MONTH_FORMAT" }}|{{ d|date:"DATE_FORMAT" }}|'
    '{{ d|date:"SHORT_DATE_FORMAT" }}|{{ t|date:"DATETIME_FORMAT" }}|'
    '{{ t|date:"SHORT_DATETIME_FORMAT" }}'
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            "1956年3月|1956年3月5日|1956年3月5日|1956年3月5日 18:23|1956年3月5日 18:23",
        ),
        (
            "en",
            "March 1956|5 March 1956|5 Mar 1956|5 March 1956, 18:23|5 Mar 1956, 18:23",
        ),
    ],
)
def test_dates_and_months_read_in_each_languages_style(language, expected):
    moment = dt.datetime(1956, 3, 5, 18, 23)
    with translation.override(language):
        text = Template(FORMATS).render(
            Context({"d": dt.date(1956, 3, 5), "t": moment})
        )
    assert text == expected
    assert "a.m." not in text and "p.m." not in text


def test_the_month_label_filter_and_messages_share_the_format():
    from factory.templatetags.report_tags import month_label
    from workers.months import month_label as label

    with translation.override("zh-hans"):
        assert month_label("1956-03") == label(MARCH) == "1956年3月"
    with translation.override("en"):
        assert month_label(MARCH) == label(MARCH) == "March 1956"


def test_a_case_page_dates_its_month_in_words(secretary_client, workshop, secretary):
    from assistance.models import Measure
    from assistance.services import open_case
    from workers.models import Cause

    worker = _below_quota_worker(workshop)
    helper = WorkerFactory(workshop=workshop, political_status="party_member")
    case = open_case(
        worker=worker,
        month=MARCH,
        cause=Cause.TECHNIQUE,
        measure=Measure.MENTORING,
        helpers=[helper],
        opened_by=secretary,
    )
    html = secretary_client.get(case.get_absolute_url()).content.decode()
    assert ">1956年3月</dd>" in html
    english = in_english(secretary_client).get(case.get_absolute_url())
    assert ">March 1956</dd>" in english.content.decode()


def test_the_json_keeps_iso_months(secretary_client, workshop):
    _below_quota_worker(workshop)
    data = secretary_client.get(reverse("reports:movement_json") + "?month=1956-03")
    assert data.json()["month"] == "1956-03"


# --- the admin and the lockout page ---------------------------------------------


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_is_titled_catch_up_in_both_languages(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Catch Up 赶先进" in html
    assert "Django" not in html
    # Every app, the packages' too, under a translated name.
    for name in ("系统管理", "工人与产量记录", "帮扶名单", "登录保护", "后台任务"):
        assert name in html
    english = in_english(admin_client).get(reverse("admin:index")).content.decode()
    assert "Catch Up 赶先进" in english and "Login protection" in english


def test_the_admin_lists_axes_attempts_in_chinese(admin_client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="alice",
        ip_address="127.0.0.1",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=2,
    )
    html = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    text = html.content.decode()
    for words in ("登录尝试", "IP 地址", "尝试时间", "状态", "次尝试机会"):
        assert words in text
    # (the rows themselves are named by axes in English: "Attempted Access: …")
    assert "Attempt Remaining" not in text and ">Status<" not in text


def test_the_lockout_page_is_in_chinese_by_default(secretary):
    client = Client()
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"username": "alice", "password": "wrong"}
        )
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录失败次数过多" in html
    assert "Too many failed logins" not in html
