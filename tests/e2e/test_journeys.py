"""The three users' journeys in Chromium.

One long journey follows a month of the movement from the secretary's
upload to the manager's dashboard, each user in their own browser context
(the League member's on a phone-sized screen); a few short tests cover what
the journey does not. Screenshots of the key pages, in Chinese and in
English, go to test-artifacts/screenshots/journey-*.png.

Figures are read from data attributes and element ids, not from wording, so
the tests hold in both languages before and after the translations merge.
"""

from __future__ import annotations

import pytest

from assistance.models import AssistanceCase, CaseStatus, FollowUp, FollowUpKind
from tests.e2e.conftest import PHONE, SCREENSHOTS
from workers.models import (
    ImportBatch,
    ImportStatus,
    ProductionRecord,
    ShortfallClassification,
    Worker,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
# A private matter: written by the helper, never shown to the manager.
PRIVATE = "到家里谈了夫妻关系，爱人答应不再吵架"
CAUSE_NOTE = "常和爱人闹口角"

ROSTER = """工号,姓名,车间,工种,政治面貌,积极分子
J101,胡维亮,jg2,车工,群众,否
J102,王培胜,jg2,铣工,群众,否
J103,马六孩,jg2,车工,中共党员,否
J104,李秀英,jg2,钳工,共青团员,是
Z101,刘铸,zz,铸工,群众,否
"""
MARCH = """工号,月份,定额,实际完成,单位
J101,1956-03,100,80,件
J102,1956-03,100,70,件
J103,1956-03,100,130,件
J104,1956-03,100,110,件
Z101,1956-03,100,90,件
"""
# Row 3: an unknown worker; row 4: not a number.
BAD_MARCH = """工号,月份,定额,实际完成
J101,1956-03,100,80
X999,1956-03,100,80
J102,1956-03,100,N/A
"""
APRIL = """工号,月份,定额,实际完成,单位
J101,1956-04,100,105,件
J102,1956-04,100,75,件
J103,1956-04,100,128,件
J104,1956-04,100,112,件
Z101,1956-04,100,101,件
"""


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


def log_in(context, base_url: str, username: str):
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
    return page


def switch_language(page) -> None:
    button = page.locator("#language-switch button[type=submit]")
    toggler = page.locator("button.navbar-toggler")
    if not button.is_visible() and toggler.is_visible():
        # On a phone the switch is in the collapsed menu, as for a person.
        toggler.click()
        # Until Bootstrap's opening transition ends (the menu is "collapsing",
        # growing from zero height) the button can be "visible" yet clipped or
        # moving: a click then may land beside it and submit nothing (seen
        # once, under load, on PostgreSQL). "collapse show" is set at the end.
        page.locator("#main-nav.collapse.show").wait_for()
        button.wait_for(state="visible")
    with page.expect_navigation():
        button.click()


def upload(page, base_url: str, kind: str, path) -> int:
    """Upload a file, check its preview; returns the batch id."""
    page.goto(f"{base_url}/workers/import/{kind}/")
    page.set_input_files("#import-form input[name=file]", str(path))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    # The preview is the answer to the POST (no redirect): the batch is the
    # newest one.
    batch = ImportBatch.objects.order_by("-pk").first()
    return batch.pk if batch else 0


def confirm(page, *, double_click=False) -> None:
    button = page.locator("#confirm-form button[type=submit]")
    with page.expect_navigation():
        if double_click:
            button.dblclick()
        else:
            button.click()
    page.wait_for_selector("#batch-applied")


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').first.get_attribute("data-value")


def test_a_month_of_the_movement_from_upload_to_dashboard(
    browser,
    live_server,
    tmp_path,
    secretary,
    manager,
    helper,
    other_helper,
    other_workshop,
):
    base = live_server.url
    for name, text in {
        "roster.csv": ROSTER,
        "march.csv": MARCH,
        "march-bad.csv": BAD_MARCH,
        "april.csv": APRIL,
    }.items():
        # GBK, as Chinese Excel saves CSV.
        (tmp_path / name).write_bytes(text.replace("\n", "\r\n").encode("gbk"))

    # --- the secretary: roster, records, a bad file, classification, cases ---
    desk = browser.new_context(locale="zh-CN")
    sec = log_in(desk, base, "alice")

    upload(sec, base, "workers", tmp_path / "roster.csv")
    assert sec.locator("#count-created").inner_text().strip() == "5", sec.locator(
        "main"
    ).inner_text()
    assert sec.locator("#batch-preview tbody tr").count() == 5
    shot(sec, "01-secretary-roster-preview-zh")
    confirm(sec)
    assert Worker.objects.filter(employee_no__in=["J101", "Z101"]).count() == 2

    upload(sec, base, "records", tmp_path / "march-bad.csv")
    errors = sec.locator("#batch-errors tbody tr")
    assert errors.count() == 2
    assert errors.nth(0).locator("td").nth(0).inner_text().strip() == "3"
    assert errors.nth(0).locator("td").nth(1).inner_text().strip() == "工号"
    assert errors.nth(1).locator("td").nth(1).inner_text().strip() == "实际完成"
    assert "N/A" in errors.nth(1).inner_text()
    assert sec.locator("#confirm-form").count() == 0
    shot(sec, "02-secretary-bad-file-zh")

    batch = upload(sec, base, "records", tmp_path / "march.csv")
    assert sec.locator("#batch-preview tbody tr").count() == 5
    shot(sec, "03-secretary-records-preview-zh")
    # A double click on "confirm" imports once (form[data-once] and the
    # batch's status both see to it).
    confirm(sec, double_click=True)
    assert ImportBatch.objects.get(pk=batch).status == ImportStatus.APPLIED
    assert ProductionRecord.objects.count() == 5
    assert ProductionRecord.history.count() == 5

    sec.goto(f"{base}/cases/classify/?month=1956-03")
    rows = sec.locator("tr.queue-row")
    assert sorted(rows.nth(i).get_attribute("data-worker") for i in range(3)) == [
        "J101",
        "J102",
        "Z101",
    ]
    sec.select_option("tr[data-worker=J101] select", "ideology")
    sec.fill("tr[data-worker=J101] input[name^=note-]", CAUSE_NOTE)
    sec.select_option("tr[data-worker=J102] select", "technique")
    sec.select_option("tr[data-worker=Z101] select", "other")
    with sec.expect_navigation():
        sec.click("#classify-save")
    progress = sec.locator("[role=progressbar]")
    assert progress.get_attribute("aria-valuenow") == "3"
    assert progress.get_attribute("aria-valuemax") == "3"
    assert ShortfallClassification.objects.get(worker__employee_no="J101").note == (
        CAUSE_NOTE
    )
    shot(sec, "04-secretary-classified-zh")

    sec.check("tr[data-worker=J101] input[name=worker]")
    sec.check("tr[data-worker=J102] input[name=worker]")
    with sec.expect_navigation():
        sec.click("#open-selected")
    legends = sec.locator("fieldset.open-row legend")
    assert "胡维亮" in legends.nth(0).inner_text()
    # The cause chosen in the queue comes with the worker, and its measure.
    assert sec.input_value("select[name=form-0-cause]") == "ideology"
    assert sec.input_value("select[name=form-0-measure]") == "individual_help"
    sec.select_option("select[name=form-0-helpers]", str(helper.worker.pk))
    sec.select_option("select[name=form-1-helpers]", str(other_helper.worker.pk))
    shot(sec, "05-secretary-open-cases-zh")
    with sec.expect_navigation():
        sec.click("#open-form button[type=submit]")
    case = AssistanceCase.objects.get(worker__employee_no="J101")
    assert list(case.helpers.all()) == [helper.worker]
    assert AssistanceCase.objects.count() == 2

    # --- the League member, on a phone: only her own case; a home visit ---
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    dora = log_in(phone, base, "dora")
    dora.goto(f"{base}/cases/mine/")
    cards = dora.locator("article.my-case")
    assert cards.count() == 1
    assert cards.first.get_attribute("data-case") == str(case.pk)
    assert "王培胜" not in dora.content()
    shot(dora, "06-helper-my-cases-phone-zh")
    # Nothing is wider than the phone's screen.
    assert dora.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    other_case = AssistanceCase.objects.get(worker__employee_no="J102")
    response = dora.goto(f"{base}/cases/{other_case.pk}/")
    assert response.status == 404
    dora.goto(f"{base}/cases/mine/")
    with dora.expect_navigation():
        cards.first.locator("a.followup-add").click()
    # The kinds are big buttons (labels of hidden radios): tap the label.
    kind = dora.locator("input[name=kind][value=home_visit]")
    dora.click(f"label[for={kind.get_attribute('id')}]")
    assert kind.is_checked()
    dora.fill("textarea[name=text]", PRIVATE)
    shot(dora, "07-helper-follow-up-phone-zh")
    with dora.expect_navigation():
        dora.click("#followup-form button[type=submit]")
    assert dora.url.endswith("/cases/mine/")
    visit = FollowUp.objects.get(case=case)
    assert (visit.kind, visit.text, visit.is_private) == (
        FollowUpKind.HOME_VISIT,
        PRIVATE,
        True,
    )
    switch_language(dora)
    assert dora.locator("html").get_attribute("lang") == "en"
    assert dora.url.endswith("/cases/mine/")
    shot(dora, "08-helper-my-cases-phone-en")

    # --- next month: the case reaches quota; the secretary closes it ---
    upload(sec, base, "records", tmp_path / "april.csv")
    confirm(sec)
    case.refresh_from_db()
    assert case.status == CaseStatus.REACHED_QUOTA
    sec.goto(f"{base}/cases/{case.pk}/")
    assert "1956年4月" in sec.locator("#case-facts").inner_text()
    assert PRIVATE in sec.locator("#case-timeline").inner_text()
    shot(sec, "09-secretary-case-reached-quota-zh")
    with sec.expect_navigation():
        sec.click("#case-close")
    assert sec.is_checked("input[name=outcome][value=reached_quota]")
    with sec.expect_navigation():
        sec.click("#case-close-form button[type=submit]")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    switch_language(sec)
    assert sec.url.endswith(f"/cases/{case.pk}/")
    shot(sec, "10-secretary-case-closed-en")
    sec.goto(f"{base}/cases/classify/?month=1956-04")
    shot(sec, "11-secretary-classification-en")

    # --- the manager: the workshop's new figures, and no note ---
    office = browser.new_context(locale="zh-CN")
    bob = log_in(office, base, "bob")
    url = f"{base}/dashboard/workshops/jg2/?month=1956-04"
    bob.goto(url)
    # April in jg2: J101 105%, J103, J104 advanced; J102 below (J101 and
    # J102 were below in March). The helpers' own workers have no records.
    assert figure(bob, "report.workers_on_quota") == "4"
    assert figure(bob, "report.advanced") == "3"
    assert figure(bob, "report.failing") == "1"
    assert figure(bob, "report.compare.failing") == "2"
    assert figure(bob, "report.advanced_share") in {"75.0", "75", "75.00"}
    page_text = bob.content()
    for private in (PRIVATE, CAUSE_NOTE):
        assert private not in page_text
    shot(bob, "12-manager-workshop-dashboard-zh")
    bob.goto(f"{base}/cases/overview/")
    assert PRIVATE not in bob.content() and CAUSE_NOTE not in bob.content()
    assert bob.goto(f"{base}/cases/{case.pk}/").status == 403

    # --- the language switch keeps the page, there and back ---
    bob.goto(url)
    switch_language(bob)
    assert bob.url == url
    assert bob.locator("html").get_attribute("lang") == "en"
    assert figure(bob, "report.failing") == "1"
    shot(bob, "13-manager-workshop-dashboard-en")
    switch_language(bob)
    assert bob.url == url
    assert bob.locator("html").get_attribute("lang") == "zh-hans"

    for context in (desk, phone, office):
        context.close()


def test_a_program_renamed_csv_is_refused_on_the_page(
    page, login, live_server, secretary, tmp_path
):
    """The upload form says what is wrong with the file, keeps the user on
    the page, and nothing is stored."""
    program = tmp_path / "records.csv"
    program.write_bytes(b"MZ\x90\x00" + bytes(2000))
    login("alice")
    page.goto(f"{live_server.url}/workers/import/records/")
    page.set_input_files("#import-form input[name=file]", str(program))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    feedback = page.locator("#import-form .invalid-feedback, #import-form .errorlist")
    assert feedback.count() >= 1
    assert "records.csv" in feedback.first.inner_text()
    assert not ImportBatch.objects.exists()


def test_the_language_switch_keeps_the_query_string(
    page, login, live_server, secretary
):
    login("alice")
    url = f"{live_server.url}/cases/classify/?month=1956-03"
    page.goto(url)
    switch_language(page)
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "en"
    switch_language(page)
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_no_script_or_style_is_blocked_by_the_csp(
    page, login, live_server, secretary, workshop, other_workshop
):
    """The browser reports CSP violations to the console: a page that needs
    an inline script, a style attribute or a <style> element would log one
    (style-src is 'self' only). The main page of every kind, with data."""
    from tests.factory.test_report_data import build_small_factory

    small = build_small_factory(workshop, other_workshop)
    case = next(iter(small.cases.values()))
    worker = small.workers["b1"]
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    login("alice")
    paths = [
        "/",
        "/dashboard/?month=1956-03",
        "/dashboard/workshops/jg2/?month=1956-03",
        "/reports/1956-03/",
        "/cases/",
        "/cases/classify/?month=1956-03",
        "/cases/aid/",
        "/cases/demonstrations/",
        f"/workers/{worker.pk}/",
        "/workers/",
        "/workers/records/entry/?workshop=jg2&month=1956-03",
        "/workers/import/workers/",
    ]
    paths.append(f"/cases/{case.pk}/")
    # The helper picker (Tom Select) builds its list from the page's markup.
    paths.append(f"/cases/{case.pk}/edit/")
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        if path.startswith("/cases/classify/"):
            # The progress bar's width is set from catchup.js (CSSOM), not
            # from a style attribute the policy would block.
            width = page.locator("#classify-progress .progress-bar").evaluate(
                "bar => bar.style.width"
            )
            assert width.endswith("%"), width
    assert not [m for m in messages if "Content Security Policy" in m], messages
    # And the Permissions-Policy names only features the browser knows.
    assert not [m for m in messages if "Permissions-Policy" in m], messages
    # And the browser does enforce it: an injected inline script is refused
    # (what an HTML injection would try), and reported as looked for above.
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.injected = 1";
            document.body.appendChild(s);
        }"""
    )
    assert page.evaluate("window.injected") is None
    assert [m for m in messages if "Content Security Policy" in m]
