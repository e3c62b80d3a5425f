"""axe-core on every page each role reaches.

The pages come from the access matrix (tests/security/test_access_matrix.py):
every GET line where the persona gets 200 and the answer is HTML, with the
URLs built from the same ``world`` of objects. A route added to the matrix
is checked here without a line of this file; a few pages that the matrix
reaches only as redirects (opening a case for a worker who has none) are
added by extra_pages(). The admin's pages are enumerated from its registry.

One live server, one browser, one page per persona and part: each URL is
loaded once and checked at 1366 px and again at 390 px (a resize, no
reload), in Chinese or English by turns (both with A11Y_ALL_LANGUAGES=1, see
plan()). A persona's loads are split in parts (PARTS), separate tests that
pytest-xdist runs side by side. A test fails on any serious or critical
violation and lists them all, one line per rule and page, with the elements
it found.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import PHONE
from tests.security.conftest import demoted, left_helper, world  # noqa: F401
from tests.security.test_access_matrix import EXPECTED, URLS, USERNAMES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
WIDTHS = {"1366px": DESKTOP, "390px": PHONE}
LANGUAGES = ("zh-hans", "en")
FAILING_IMPACTS = {"serious", "critical"}
# Downloads and data, not pages: the matrix lists them, axe has nothing to read.
NOT_PAGES = {"healthz", "logout", "set_language"}
ADMIN = "root"
PERSONAS = ("anonymous", "secretary", "manager", "helper", "admin")


def extra_pages(w) -> dict[str, list[str]]:
    """Pages the matrix reaches only through a redirect or a second object."""
    return {
        "secretary": [
            # A worker below quota without a case: the case-opening form.
            reverse("assistance:cases_open")
            + f"?month={w['month']}&worker={w['other_worker'].pk}",
            reverse("assistance:case_list") + "?status=closed",
        ],
    }


def matrix_pages(persona: str, w) -> list[str]:
    urls = URLS(w)
    return [
        urls[route]
        for (route, method), results in sorted(EXPECTED.items())
        if method == "GET" and results[persona] == "200" and route not in NOT_PAGES
    ]


def admin_pages() -> list[str]:
    """The admin's index and each registered model's list; a change form for
    the project's own models (auth's and axes' are Django's, met once in
    the list)."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if meta.app_label not in ("workers", "assistance"):
            continue
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(
                reverse(
                    f"admin:{meta.app_label}_{meta.model_name}_change",
                    args=[first.pk],
                )
            )
    return pages


def pages_for(persona: str, w) -> list[str]:
    if persona == "admin":
        return admin_pages()
    return matrix_pages(persona, w) + extra_pages(w).get(persona, [])


def session_cookie(live_server, user) -> list[dict]:
    """A logged-in session, made once per persona (no login form, no lockout
    counter), handed to the browser."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    return [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]


def describe(violation: dict) -> str:
    nodes = violation["nodes"]
    shown = []
    for node in nodes[:4]:
        target = " ".join(str(part) for part in node["target"])
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        shown.append(f"      {target}: {summary[:300]}")
    more = f"\n      … and {len(nodes) - 4} more" if len(nodes) > 4 else ""
    return (
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        f" [{len(nodes)} element(s)]\n" + "\n".join(shown) + more
    )


# Django's own admin, not this project's markup: its breadcrumb links are
# white on light blue without underline, its filter_horizontal widget puts
# aria-label on a bare span (SelectFilter2.js), and its split date/time
# widget leaves the two inputs without a label of their own. Only these
# elements, only on /admin/ pages, are let through; anything else there fails.
DJANGO_ADMIN_KNOWN = {
    "link-in-text-block": (".breadcrumbs > a",),
    "aria-prohibited-attr": ("help-tooltip",),
    "label": ('name="last_login_', 'name="date_joined_'),
}


def is_known_admin_issue(url: str, rule: str, node: dict) -> bool:
    if not url.startswith("/admin/"):
        return False
    where = node.get("html", "") + " " + " ".join(map(str, node.get("target", [])))
    return any(mark in where for mark in DJANGO_ADMIN_KNOWN.get(rule, ()))


def run_axe(page, url: str) -> list[dict]:
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    serious = []
    for violation in result:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        violation["nodes"] = [
            node
            for node in violation["nodes"]
            if not is_known_admin_issue(url, violation["id"], node)
        ]
        if violation["nodes"]:
            serious.append(violation)
    return serious


def plan(urls: list[str]) -> list[tuple[str, str]]:
    """(language, URL) pairs to load. Every URL at both widths; by default
    in one language, taking turns (zh-hans, en, zh-hans…) so that each
    language covers half the pages and the whole test stays short; with
    A11Y_ALL_LANGUAGES=1, every URL in both (four times the views)."""
    if os.environ.get("A11Y_ALL_LANGUAGES") == "1":
        return [(language, url) for language in LANGUAGES for url in urls]
    return [(LANGUAGES[i % len(LANGUAGES)], url) for i, url in enumerate(urls)]


def check_pages(page, base_url: str, planned: list[tuple[str, str]]) -> tuple:
    """Each planned load, checked at both widths: (problems, views checked)."""
    found: dict[str, list[str]] = defaultdict(list)
    checked = 0
    # axe-core injected into every page the context loads, by the browser
    # itself (an init script is not bound by the page's CSP): a script tag
    # per page went through Playwright's routing, which turns the HTTP cache
    # off, so 500 KB crossed from Python to the browser at every load.
    page.context.add_init_script(AXE_SCRIPT)
    for language, url in planned:
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": base_url}]
        )
        page.set_viewport_size(DESKTOP)
        try:
            response = page.goto(base_url + url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # an export: no page to read
            raise
        assert response is not None and response.ok, (url, response)
        if not page.evaluate("document.doctype?.name === 'html'"):
            continue  # JSON, or an htmx fragment of a page checked whole
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            checked += 1
            for violation in run_axe(page, url):
                found[f"{url} ({language}, {width})"].append(describe(violation))
    return found, checked


# The sweep in parts that run side by side (pytest-xdist): each persona's
# planned loads, taken every ``parts``-th from the ``part``-th on.
PARTS = {"anonymous": 1, "secretary": 4, "manager": 1, "helper": 1, "admin": 2}
SWEEP = [
    (persona, part, parts) for persona, parts in PARTS.items() for part in range(parts)
]


@pytest.mark.parametrize(
    ("persona", "part", "parts"),
    SWEEP,
    ids=[f"{persona}-{part + 1}of{parts}" for persona, part, parts in SWEEP],
)
def test_no_serious_or_critical_axe_violation(
    world,  # noqa: F811
    live_server,
    browser,
    persona,
    part,
    parts,
):
    """The persona in its own browser context (one page, one session)."""
    # A11Y_PERSONAS=admin,helper checks only those (while fixing a page).
    chosen = os.environ.get("A11Y_PERSONAS", "")
    if chosen and persona not in chosen.split(","):
        pytest.skip(f"A11Y_PERSONAS={chosen}")
    get_user_model().objects.create_superuser(ADMIN, password="x" * 20)
    usernames = {**USERNAMES, "admin": ADMIN}
    context = browser.new_context(locale="zh-CN")
    if persona != "anonymous":
        user = get_user_model().objects.get(username=usernames[persona])
        context.add_cookies(session_cookie(live_server, user))
    page = context.new_page()
    started = time.perf_counter()
    planned = plan(pages_for(persona, world))[part::parts]
    found, checked = check_pages(page, live_server.url, planned)
    context.close()
    print(
        f"axe: {persona} part {part + 1} of {parts}, {len(planned)} loads,"
        f" {checked} page views in {time.perf_counter() - started:.1f}s"
    )
    assert planned, f"{persona}: nothing to check"
    assert checked >= len(planned), f"{persona}: too few pages were checked"
    report = [
        f"  {persona} · {where}:\n    " + "\n    ".join(lines)
        for where, lines in found.items()
    ]
    assert not report, (
        f"axe-core: serious or critical violations on {len(report)} of {checked}"
        " page views:\n" + "\n".join(report)
    )
