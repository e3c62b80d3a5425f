"""Every named route × every persona: who gets in, who does not.

MATRIX below is the one table. Each line is a route (a URL name, with an
optional [variant] when one route is checked with two kinds of objects), a
method, and the expected result for the personas in the order of
tests.security.conftest.PERSONAS:

    L    302 to the login page (anonymous and inactive users)

The last two personas are the roster and the roles changing under a user
who is still logged in: ``left`` helped on the case and then left the
factory (their worker record is inactive; docs/ARCHITECTURE.md: access follows the
roster), ``demo`` uploaded the batch and then lost the secretary's role.
    302  a redirect elsewhere (the action was done or the page sends on)
    200 / 403 / 404 / 405 / 400  that status

The URL of each line is built from the objects of the ``world`` fixture (a
case of the helper's, a worker of the manager's workshop…) by URLS.
test_every_route_is_in_the_matrix fails when a route is added without a
line here, so a new page cannot ship without a decision about who may see
it. The sentinel tests then fetch every page and every download as each
persona and look for private notes where they must not be.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import (
    FORBIDDEN,
    PERSONAS,
    SENTINEL,
    SENTINEL_OTHER,
)

# The personas and worlds are built once for the module (tests/conftest.py).
pytestmark = pytest.mark.world_per_module

L = "L"

# Routes left out of the matrix, on purpose. The Django admin is for staff
# (IT) only and is checked as a whole by test_the_admin_is_closed_to_every_persona.
SKIPPED_PREFIXES = ("admin:",)

# fmt: off
MATRIX = """
# route                               verb  anon sec  help ohlp mgr  omgr inac left demo
home                                  GET   L    200  200  200  200  200  L    200  200
home                                  POST  L    200  200  200  200  200  L    200  200
healthz                               GET   200  200  200  200  200  200  200  200  200
healthz                               POST  405  405  405  405  405  405  405  405  405
login                                 GET   200  200  200  200  200  200  200  200  200
login                                 POST  200  200  200  200  200  200  200  200  200
logout                                GET   405  405  405  405  405  405  405  405  405
logout                                POST  L    L    L    L    L    L    L    L    L
password_change                       GET   L    200  200  200  200  200  L    200  200
password_change                       POST  L    200  200  200  200  200  L    200  200
password_change_done                  GET   L    200  200  200  200  200  L    200  200
password_change_done                  POST  L    405  405  405  405  405  L    405  405
password_reset                        GET   200  200  200  200  200  200  200  200  200
password_reset                        POST  200  200  200  200  200  200  200  200  200
password_reset_done                   GET   200  200  200  200  200  200  200  200  200
password_reset_done                   POST  405  405  405  405  405  405  405  405  405
password_reset_confirm                GET   200  200  200  200  200  200  200  200  200
password_reset_confirm                POST  200  200  200  200  200  200  200  200  200
password_reset_complete               GET   200  200  200  200  200  200  200  200  200
password_reset_complete               POST  405  405  405  405  405  405  405  405  405
set_language                          GET   302  302  302  302  302  302  302  302  302
set_language                          POST  302  302  302  302  302  302  302  302  302
workers:worker_list                   GET   L    200  403  403  200  200  L    403  403
workers:worker_list                   POST  L    200  403  403  200  200  L    403  403
workers:worker_create                 GET   L    200  403  403  403  403  L    403  403
workers:worker_create                 POST  L    200  403  403  403  403  L    403  403
workers:worker_detail                 GET   L    200  403  403  200  404  L    403  403
workers:worker_detail                 POST  L    200  403  403  200  404  L    403  403
workers:worker_detail[other_workshop] GET   L    200  403  403  404  200  L    403  403
workers:worker_detail[other_workshop] POST  L    200  403  403  404  200  L    403  403
workers:worker_edit                   GET   L    200  403  403  403  404  L    403  403
workers:worker_edit                   POST  L    200  403  403  403  404  L    403  403
workers:worker_check                  GET   L    200  403  403  403  404  L    403  403
workers:worker_check                  POST  L    200  403  403  403  404  L    403  403
workers:workshop_list                 GET   L    200  403  403  200  200  L    403  403
workers:workshop_list                 POST  L    200  403  403  200  200  L    403  403
workers:workshop_create               GET   L    200  403  403  403  403  L    403  403
workers:workshop_create               POST  L    200  403  403  403  403  L    403  403
workers:workshop_edit                 GET   L    200  403  403  403  404  L    403  403
workers:workshop_edit                 POST  L    200  403  403  403  404  L    403  403
workers:import_index                  GET   L    200  403  403  403  403  L    403  403
workers:import_index                  POST  L    200  403  403  403  403  L    403  403
workers:import_upload                 GET   L    200  403  403  403  403  L    403  403
workers:import_upload                 POST  L    200  403  403  403  403  L    403  403
workers:import_batch                  GET   L    200  404  404  404  404  L    404  404
workers:import_batch                  POST  L    200  404  404  404  404  L    404  404
workers:import_confirm                GET   L    405  405  405  405  405  L    405  405
workers:import_confirm                POST  L    302  404  404  404  404  L    404  404
workers:import_failed_rows            GET   L    200  404  404  404  404  L    404  404
workers:import_failed_rows            POST  L    200  404  404  404  404  L    404  404
workers:import_template               GET   L    200  403  403  403  403  L    403  403
workers:import_template               POST  L    200  403  403  403  403  L    403  403
workers:import_progress               GET   L    200  404  404  404  404  L    404  404
workers:import_progress               POST  L    200  404  404  404  404  L    404  404
workers:import_columns                GET   L    405  405  405  405  405  L    405  405
workers:import_columns                POST  L    302  404  404  404  404  L    404  404
workers:import_retry                  GET   L    405  405  405  405  405  L    405  405
workers:import_retry                  POST  L    302  404  404  404  404  L    404  404
workers:records_entry                 GET   L    200  403  403  403  403  L    403  403
workers:records_entry                 POST  L    200  403  403  403  403  L    403  403
workers:ranking                       GET   L    200  403  403  200  200  L    403  403
workers:ranking                       POST  L    200  403  403  200  200  L    403  403
workers:ranking[workshop]             GET   L    200  403  403  200  404  L    403  403
workers:standard                      GET   L    200  403  403  403  403  L    403  403
workers:standard                      POST  L    200  403  403  403  403  L    403  403
workers:disqualification_list         GET   L    200  403  403  403  403  L    403  403
workers:disqualification_list         POST  L    200  403  403  403  403  L    403  403
workers:disqualification_withdraw     GET   L    405  405  405  405  405  L    405  405
workers:disqualification_withdraw     POST  L    302  403  403  403  403  L    403  403
workers:quota_reviews                 GET   L    200  403  403  200  200  L    403  403
workers:quota_reviews                 POST  L    302  403  403  403  403  L    403  403
experiences:experience_list           GET   L    200  403  403  200  200  L    403  403
experiences:experience_list           POST  L    200  403  403  200  200  L    403  403
experiences:experience_create         GET   L    200  403  403  403  403  L    403  403
experiences:experience_create         POST  L    200  403  403  403  403  L    403  403
experiences:experience_detail         GET   L    200  403  403  200  200  L    403  403
experiences:experience_detail         POST  L    200  403  403  200  200  L    403  403
experiences:experience_edit           GET   L    200  403  403  403  403  L    403  403
experiences:experience_edit           POST  L    200  403  403  403  403  L    403  403
experiences:experience_check          GET   L    200  403  403  403  403  L    403  403
experiences:experience_check          POST  L    200  403  403  403  403  L    403  403
experiences:experience_matrix         GET   L    200  403  403  200  404  L    403  403
experiences:experience_matrix         POST  L    200  403  403  200  404  L    403  403
experiences:experience_matrix[xlsx]   GET   L    200  403  403  200  404  L    403  403
assistance:case_list                  GET   L    200  403  403  403  403  L    403  403
assistance:case_list                  POST  L    200  403  403  403  403  L    403  403
assistance:case_list[reached]         GET   L    200  403  403  403  403  L    403  403
assistance:case_list[reached]         POST  L    200  403  403  403  403  L    403  403
assistance:case_export                GET   L    200  403  403  403  403  L    403  403
assistance:case_export                POST  L    200  403  403  403  403  L    403  403
assistance:my_cases                   GET   L    200  200  200  403  403  L    200  403
assistance:my_cases                   POST  L    200  200  200  403  403  L    200  403
assistance:overview                   GET   L    200  403  403  200  200  L    403  403
assistance:overview                   POST  L    200  403  403  200  200  L    403  403
assistance:overview_export            GET   L    200  403  403  200  200  L    403  403
assistance:overview_export            POST  L    200  403  403  200  200  L    403  403
assistance:case_detail                GET   L    200  200  404  403  404  L    404  404
assistance:case_detail                POST  L    200  200  404  403  404  L    404  404
assistance:case_detail[closed]        GET   L    200  404  200  403  404  L    404  404
assistance:case_detail[closed]        POST  L    200  404  200  403  404  L    404  404
assistance:case_edit                  GET   L    200  403  404  403  404  L    404  404
assistance:case_edit                  POST  L    200  403  404  403  404  L    404  404
assistance:case_experience            GET   L    405  405  405  405  405  L    405  405
assistance:case_experience            POST  L    200  403  404  403  404  L    404  404
assistance:case_rediagnose            GET   L    200  403  404  403  404  L    404  404
assistance:case_rediagnose            POST  L    200  403  404  403  404  L    404  404
assistance:case_close                 GET   L    200  403  404  403  404  L    404  404
assistance:case_close                 POST  L    200  403  404  403  404  L    404  404
assistance:case_reopen                GET   L    200  404  403  403  404  L    404  404
assistance:case_reopen                POST  L    200  404  403  403  404  L    404  404
assistance:case_propose_closure       GET   L    405  405  405  405  405  L    405  405
assistance:case_propose_closure       POST  L    403  302  404  403  404  L    404  404
assistance:followup_add               GET   L    200  200  404  403  404  L    404  404
assistance:followup_add               POST  L    200  200  404  403  404  L    404  404
assistance:followup_add[closed]       GET   L    302  404  302  403  404  L    404  404
assistance:classification_queue       GET   L    200  403  403  403  403  L    403  403
assistance:classification_queue       POST  L    302  403  403  403  403  L    403  403
assistance:classification_history     GET   L    200  403  403  403  403  L    403  403
assistance:classification_history     POST  L    200  403  403  403  403  L    403  403
assistance:cases_open                 GET   L    302  403  403  403  403  L    403  403
assistance:cases_open                 POST  L    302  403  403  403  403  L    403  403
assistance:classify_as_last_month     GET   L    405  405  405  405  405  L    405  405
assistance:classify_as_last_month     POST  L    302  403  403  403  403  L    403  403
assistance:cases_open_with_helper     GET   L    200  403  403  403  403  L    403  403
assistance:cases_open_with_helper     POST  L    302  403  403  403  403  L    403  403
assistance:helper_move_cases          GET   L    200  403  403  403  403  L    403  403
assistance:helper_move_cases          POST  L    200  403  403  403  403  L    403  403
assistance:demonstration_list         GET   L    200  403  403  200  200  L    403  403
assistance:demonstration_list         POST  L    200  403  403  200  200  L    403  403
assistance:demonstration_create       GET   L    200  403  403  403  403  L    403  403
assistance:demonstration_create       POST  L    200  403  403  403  403  L    403  403
assistance:demonstration_detail       GET   L    200  404  404  200  404  L    404  404
assistance:demonstration_detail       POST  L    200  404  404  200  404  L    404  404
assistance:demonstration_attendance   GET   L    405  405  405  405  405  L    405  405
assistance:demonstration_attendance   POST  L    302  404  404  403  404  L    404  404
assistance:demonstration_mastery      GET   L    200  404  404  403  404  L    404  404
assistance:demonstration_mastery      POST  L    200  404  404  403  404  L    404  404
assistance:machine_checks             GET   L    200  200  200  200  200  L    200  403
assistance:machine_checks             POST  L    200  200  200  200  200  L    200  403
assistance:machine_check              GET   L    200  200  403  403  403  L    403  403
assistance:machine_check              POST  L    200  200  403  403  403  L    403  403
assistance:aid_totals                 GET   L    200  403  403  403  403  L    403  403
assistance:aid_totals                 POST  L    200  403  403  403  403  L    403  403
assistance:slipping                   GET   L    200  403  403  200  200  L    403  403
assistance:slipping                   POST  L    200  403  403  200  200  L    403  403
assistance:stuck_cases                GET   L    200  403  403  200  200  L    403  403
assistance:stuck_cases                POST  L    200  403  403  200  200  L    403  403
assistance:helper_loads               GET   L    200  403  403  403  403  L    403  403
assistance:helper_loads               POST  L    200  403  403  403  403  L    403  403
assistance:helper_effect              GET   L    200  403  403  403  403  L    403  403
assistance:helper_effect              POST  L    200  403  403  403  403  L    403  403
assistance:helper_effect_csv          GET   L    200  403  403  403  403  L    403  403
assistance:helper_effect_csv          POST  L    200  403  403  403  403  L    403  403
reports:dashboard                     GET   L    200  403  403  200  200  L    403  403
reports:dashboard                     POST  L    200  403  403  200  200  L    403  403
reports:workshop_dashboard            GET   L    200  403  403  200  404  L    403  403
reports:workshop_dashboard            POST  L    200  403  403  200  404  L    403  403
reports:export                        GET   L    200  403  403  200  200  L    403  403
reports:export                        POST  L    200  403  403  200  200  L    403  403
reports:export[workshop_ranking]      GET   L    200  403  403  200  404  L    403  403
reports:movement_json                 GET   L    200  403  403  200  200  L    403  403
reports:movement_json                 POST  L    200  403  403  200  200  L    403  403
reports:movement_json[workshop]       GET   L    200  403  403  200  404  L    403  403
reports:campaigns                     GET   L    200  403  403  200  200  L    403  403
reports:campaigns                     POST  L    200  403  403  403  403  L    403  403
reports:bulletin_index                GET   L    200  403  403  200  200  L    403  403
reports:bulletin_index                POST  L    200  403  403  200  200  L    403  403
reports:bulletin                      GET   L    200  403  403  200  200  L    403  403
reports:bulletin                      POST  L    200  403  403  200  200  L    403  403
reports:publish                       GET   L    200  403  403  403  403  L    403  403
reports:publish                       POST  L    400  403  403  403  403  L    403  403
reports:bulletin_revision             GET   L    404  403  403  404  404  L    403  403
reports:bulletin_revision             POST  L    404  403  403  404  404  L    403  403
reports:month_completion              GET   L    405  405  405  405  405  L    405  405
reports:month_completion              POST  L    302  403  403  403  403  L    403  403
"""
# fmt: on


def _parse(text: str) -> dict[tuple[str, str], dict[str, str]]:
    table = {}
    for line in text.strip().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        route, method, *results = line.split()
        assert len(results) == len(PERSONAS), line
        assert (route, method) not in table, f"twice in the matrix: {line}"
        table[(route, method)] = dict(zip(PERSONAS, results, strict=True))
    return table


EXPECTED = _parse(MATRIX)


def URLS(w) -> dict[str, str]:  # noqa: N802 - a table, read like MATRIX
    """The URL of every matrix line, built from the world's objects."""
    case, closed, month = w["case"], w["closed"], w["month"]
    worker, other = w["failing"], w["other_worker"]
    code = w["workshop"].code
    return {
        "home": reverse("home"),
        "healthz": reverse("healthz"),
        "login": reverse("login"),
        "logout": reverse("logout"),
        "password_change": reverse("password_change"),
        "password_change_done": reverse("password_change_done"),
        "password_reset": reverse("password_reset"),
        "password_reset_done": reverse("password_reset_done"),
        # A link that is not valid: the page says so, for everyone.
        "password_reset_confirm": reverse(
            "password_reset_confirm", args=["MQ", "set-password"]
        ),
        "password_reset_complete": reverse("password_reset_complete"),
        "set_language": reverse("set_language"),
        "workers:worker_list": reverse("workers:worker_list"),
        "workers:worker_create": reverse("workers:worker_create"),
        "workers:worker_detail": reverse("workers:worker_detail", args=[worker.pk]),
        "workers:worker_detail[other_workshop]": reverse(
            "workers:worker_detail", args=[other.pk]
        ),
        "workers:worker_edit": reverse("workers:worker_edit", args=[worker.pk]),
        "workers:worker_check": reverse("workers:worker_check", args=[worker.pk]),
        "workers:workshop_list": reverse("workers:workshop_list"),
        "workers:workshop_create": reverse("workers:workshop_create"),
        "workers:workshop_edit": reverse(
            "workers:workshop_edit", args=[w["workshop"].pk]
        ),
        "workers:import_index": reverse("workers:import_index"),
        "workers:import_upload": reverse("workers:import_upload", args=["records"]),
        "workers:import_batch": reverse("workers:import_batch", args=[w["batch"].pk]),
        "workers:import_confirm": reverse(
            "workers:import_confirm", args=[w["batch"].pk]
        ),
        "workers:import_failed_rows": reverse(
            "workers:import_failed_rows", args=[w["batch"].pk]
        ),
        "workers:import_template": reverse(
            "workers:import_template", args=["records", "xlsx"]
        ),
        "workers:import_progress": reverse(
            "workers:import_progress", args=[w["batch"].pk]
        ),
        "workers:import_columns": reverse(
            "workers:import_columns", args=[w["batch"].pk]
        ),
        "workers:import_retry": reverse("workers:import_retry", args=[w["batch"].pk]),
        "workers:records_entry": reverse("workers:records_entry")
        + f"?workshop={code}&month={month}",
        "workers:ranking": reverse("workers:ranking") + f"?month={month}",
        "workers:ranking[workshop]": reverse("workers:ranking")
        + f"?month={month}&workshop={code}",
        "workers:standard": reverse("workers:standard"),
        "workers:disqualification_list": reverse("workers:disqualification_list"),
        "workers:disqualification_withdraw": reverse(
            "workers:disqualification_withdraw", args=[w["disqualification"].pk]
        ),
        # No group of this world's: the page says so; a decision posted for
        # none is refused with a message (302 back to the page).
        "workers:quota_reviews": reverse("workers:quota_reviews") + f"?month={month}",
        "experiences:experience_list": reverse("experiences:experience_list"),
        "experiences:experience_create": reverse("experiences:experience_create"),
        "experiences:experience_detail": w["experience"].get_absolute_url(),
        "experiences:experience_edit": reverse(
            "experiences:experience_edit", args=[w["experience"].pk]
        ),
        "experiences:experience_check": reverse(
            "experiences:experience_check", args=[w["experience"].pk]
        ),
        # jg2's matrix: the other workshop's director is not told it exists.
        "experiences:experience_matrix": reverse("experiences:experience_matrix")
        + f"?workshop={code}",
        "experiences:experience_matrix[xlsx]": reverse("experiences:experience_matrix")
        + f"?workshop={code}&format=xlsx",
        "assistance:case_list": reverse("assistance:case_list"),
        "assistance:case_list[reached]": reverse("assistance:case_list")
        + "?status=reached_quota",
        "assistance:case_export": reverse("assistance:case_export"),
        "assistance:my_cases": reverse("assistance:my_cases"),
        "assistance:overview": reverse("assistance:overview"),
        "assistance:overview_export": reverse("assistance:overview_export"),
        "assistance:case_detail": case.get_absolute_url(),
        "assistance:case_detail[closed]": closed.get_absolute_url(),
        "assistance:case_edit": reverse("assistance:case_edit", args=[case.pk]),
        # The case page's form of the experience to learn: an empty POST is
        # refused on the case page (no version).
        "assistance:case_experience": reverse(
            "assistance:case_experience", args=[case.pk]
        ),
        "assistance:case_rediagnose": reverse(
            "assistance:case_rediagnose", args=[case.pk]
        ),
        "assistance:case_close": reverse("assistance:case_close", args=[case.pk]),
        "assistance:case_reopen": reverse("assistance:case_reopen", args=[closed.pk]),
        "assistance:case_propose_closure": reverse(
            "assistance:case_propose_closure", args=[case.pk]
        ),
        "assistance:followup_add": reverse("assistance:followup_add", args=[case.pk]),
        "assistance:followup_add[closed]": reverse(
            "assistance:followup_add", args=[closed.pk]
        ),
        "assistance:classification_queue": reverse("assistance:classification_queue")
        + f"?month={month}",
        "assistance:classification_history": reverse(
            "assistance:classification_history", args=[worker.pk]
        ),
        # The worker has a case already: the secretary is sent back.
        "assistance:cases_open": reverse("assistance:cases_open")
        + f"?month={month}&worker={worker.pk}",
        "assistance:classify_as_last_month": reverse(
            "assistance:classify_as_last_month"
        ),
        # The worker has a case already: the page says so and offers nothing.
        "assistance:cases_open_with_helper": reverse(
            "assistance:cases_open_with_helper"
        )
        + f"?month={month}&worker={worker.pk}",
        "assistance:helper_move_cases": reverse(
            "assistance:helper_move_cases",
            args=[case.helpers.order_by("pk").first().pk],
        ),
        "assistance:demonstration_list": reverse("assistance:demonstration_list"),
        "assistance:demonstration_create": reverse("assistance:demonstration_create"),
        "assistance:demonstration_detail": w["demonstration"].get_absolute_url(),
        "assistance:demonstration_attendance": reverse(
            "assistance:demonstration_attendance", args=[w["demonstration"].pk]
        ),
        "assistance:demonstration_mastery": reverse(
            "assistance:demonstration_mastery", args=[w["demonstration"].pk]
        ),
        # Everyone's list shows what they may read (a helper: their cases'
        # workers); the check of the helper's worker after the world's
        # demonstration: the secretary and that helper record it.
        "assistance:machine_checks": reverse("assistance:machine_checks"),
        "assistance:machine_check": reverse(
            "assistance:machine_check",
            args=[w["demonstration"].pk, w["failing"].pk],
        ),
        "assistance:aid_totals": reverse("assistance:aid_totals")
        + f"?year=1956&month={month}",
        "assistance:slipping": reverse("assistance:slipping") + f"?month={month}",
        "assistance:stuck_cases": reverse("assistance:stuck_cases") + f"?month={month}",
        "assistance:helper_loads": reverse("assistance:helper_loads"),
        "assistance:helper_effect": reverse("assistance:helper_effect")
        + f"?month={month}",
        "assistance:helper_effect_csv": reverse("assistance:helper_effect_csv")
        + f"?month={month}",
        "reports:dashboard": reverse("reports:dashboard") + f"?month={month}",
        "reports:workshop_dashboard": reverse("reports:workshop_dashboard", args=[code])
        + f"?month={month}",
        "reports:export": reverse("reports:export", args=["workshops", "csv"])
        + f"?month={month}",
        "reports:export[workshop_ranking]": reverse(
            "reports:export", args=["ranking", "xlsx"]
        )
        + f"?month={month}&workshop={code}",
        "reports:movement_json": reverse("reports:movement_json") + f"?month={month}",
        "reports:movement_json[workshop]": reverse("reports:movement_json")
        + f"?month={month}&workshop={code}",
        # The world's two campaigns (jg2's, the factory's); an empty POST
        # sets none and shows the page again.
        "reports:campaigns": reverse("reports:campaigns"),
        "reports:bulletin_index": reverse("reports:bulletin_index"),
        "reports:bulletin": reverse("reports:bulletin", args=[month]),
        # An empty POST lacks the acknowledgements of unfinished work: 400.
        "reports:publish": reverse("reports:publish", args=[month]),
        # Nothing is published in this world: no revision to read.
        "reports:bulletin_revision": reverse(
            "reports:bulletin_revision", args=[month, 1]
        ),
        "reports:month_completion": reverse("reports:month_completion", args=[month]),
    }


def named_routes() -> list[str]:
    """Every URL name of the project, with its namespace, walking the resolver.

    An unnamed pattern outside the admin is reported as ``<unnamed: path>``
    so that it fails the coverage test too (it could not be in the table).
    """
    found: list[str] = []

    def walk(resolver, namespace, prefix):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = (
                        f"{namespace}:{pattern.namespace}"
                        if namespace
                        else pattern.namespace
                    )
                walk(pattern, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                path = prefix + str(pattern.pattern)
                if pattern.name is None:
                    if not path.startswith("admin/"):
                        found.append(f"<unnamed: {path}>")
                    continue
                found.append(
                    f"{namespace}:{pattern.name}" if namespace else pattern.name
                )

    walk(get_resolver(), "", "")
    return [name for name in found if not name.startswith(SKIPPED_PREFIXES)]


def _base(route: str) -> str:
    return route.split("[", 1)[0]


def test_every_route_is_in_the_matrix():
    routes = named_routes()
    assert len(routes) > 40  # the walk itself works
    in_table = {_base(route) for route, _method in EXPECTED}
    missing = sorted(set(routes) - in_table)
    assert not missing, (
        "routes without a line in MATRIX (tests/security/test_access_matrix.py):"
        f" {missing}"
    )
    stale = sorted(in_table - set(routes))
    assert not stale, f"MATRIX lines for routes that no longer exist: {stale}"
    for route in routes:
        assert (route, "GET") in EXPECTED, f"{route}: no GET line"


def test_every_matrix_line_has_a_url(world):
    assert {route for route, _method in EXPECTED} == set(URLS(world))


USERNAMES = {
    "secretary": "alice",
    "manager": "bob",
    "other_manager": "charlie",
    "helper": "dora",
    "other_helper": "erin",
    "inactive": "frank",
    "left_helper": "gina",
    "demoted": "hank",
}


def _client(persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=USERNAMES[persona]))
    return client


def _result(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        return L if location.startswith(reverse("login")) else "302"
    return str(response.status_code)


ROUTES = sorted({route for route, _method in EXPECTED})


@pytest.mark.parametrize("route", ROUTES)
def test_access(world, route):
    """The lines of one route: every persona gets exactly what the table says,
    for GET and for POST.

    Each request runs in a transaction that is rolled back, so what one
    persona's POST changed (a month published, a closure proposed) does not
    change what the next persona meets.
    """
    url = URLS(world)[route]
    wrong = []
    # A session per persona, logged in once; each request gets a fresh client
    # carrying it (a logout's deletion is rolled back with the request).
    sessions = {persona: _client(persona).cookies for persona in PERSONAS}
    for method in ("GET", "POST"):
        expected = EXPECTED.get((route, method))
        if expected is None:
            continue
        for persona in PERSONAS:
            client = Client()
            client.cookies.update(sessions[persona])
            with transaction.atomic():
                response = getattr(client, method.lower())(url)
                transaction.set_rollback(True)
            got = _result(response)
            if got != expected[persona]:
                wrong.append(
                    f"{method} {persona}: expected {expected[persona]}, got {got}"
                )
    assert not wrong, f"{url}: " + "; ".join(wrong)


def test_the_admin_is_closed_to_every_persona(world):
    """Nobody of the committee is staff: the admin sends them to its login."""
    urls = [
        reverse("admin:index"),
        reverse("admin:workers_worker_changelist"),
        reverse("admin:workers_worker_change", args=[world["failing"].pk]),
        reverse("admin:workers_worker_history", args=[world["failing"].pk]),
    ]
    for persona in PERSONAS:
        client = _client(persona)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, (persona, url)
            assert response["Location"].startswith(reverse("admin:login")), (
                persona,
                url,
            )


def _admin_urls(w) -> list[str]:
    worker, other = w["failing"], w["other_worker"]
    return [
        reverse("admin:index"),
        reverse("admin:workers_worker_changelist"),
        reverse("admin:workers_worker_change", args=[other.pk]),
        reverse("admin:workers_worker_history", args=[other.pk]),
        reverse("admin:workers_productionrecord_changelist")
        + f"?worker__workshop__id__exact={w['other_workshop'].pk}",
        reverse("admin:workers_worker_change", args=[worker.pk]),
    ]


@pytest.mark.parametrize("persona", ["manager", "other_manager", "helper"])
def test_a_director_or_helper_made_staff_is_refused_by_the_admin(world, persona):
    """The admin shows every row of a model to whoever holds a permission on
    it; it knows nothing of workshops or of a helper's own cases. So staff
    status does not open it to anyone whose role limits what they see
    (README, "Roles"): a director made staff would browse every workshop's
    workers, records and their history."""
    user = get_user_model().objects.get(username=USERNAMES[persona])
    user.is_staff = True
    user.save()
    client = _client(persona)
    for url in _admin_urls(world):
        response = client.get(url)
        assert response.status_code == 302, (persona, url)
        assert response["Location"].startswith(reverse("admin:login")), url
    # Nor does the navigation offer the admin.
    assert not client.get(reverse("home")).context["nav"]["admin"]


def test_it_staff_and_superusers_use_the_admin(world):
    """IT staff who manage accounts only, the secretary's side and
    superusers see every row anyway: the admin is theirs."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    it = UserFactory(username="it-staff", is_staff=True)
    it.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="auth", codename__in=["view_user", "change_user"]
        )
    )
    secretary = get_user_model().objects.get(username="alice")
    secretary.is_staff = True
    secretary.save()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for user, url in [
        (it, reverse("admin:auth_user_changelist")),
        (secretary, reverse("admin:workers_worker_changelist")),
        (root, reverse("admin:workers_worker_history", args=[world["failing"].pk])),
    ]:
        client = Client()
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == 200, user
        assert client.get(url).status_code == 200, (user, url)


# --- the sentinel: private notes never reach who may not read them ---------


def _leak_urls(w) -> list[str]:
    """Every page of the matrix, and every download and data view in every
    format, for the month and the workshop that hold the private matter."""
    month, code = w["month"], w["workshop"].code
    urls = list(URLS(w).values())
    for table in ("workshops", "causes", "trend", "outcomes", "cases"):
        for fmt in ("csv", "xlsx"):
            base = reverse("reports:export", args=[table, fmt])
            urls.append(f"{base}?month={month}")
            urls.append(f"{base}?month={month}&workshop={code}")
    for table in ("ranking", "movers", "demonstrations"):
        for fmt in ("csv", "xlsx"):
            base = reverse("reports:export", args=[table, fmt])
            urls.append(f"{base}?month={month}&workshop={code}")
    urls += [
        reverse("reports:movement_json") + f"?month={month}&live=1",
        reverse("reports:bulletin", args=[month]) + "?live=1",
        reverse("assistance:case_list") + "?status=closed",
        reverse("assistance:cases_open") + f"?month={month}&worker={w['failing'].pk}",
        reverse("assistance:classification_history", args=[w["closed"].worker.pk]),
        reverse("workers:worker_detail", args=[w["closed"].worker.pk]),
        reverse("assistance:case_close", args=[w["closed"].pk]),
        reverse("assistance:followup_add", args=[w["case"].pk]) + "?next=mine",
    ]
    return urls


def response_text(response) -> str:
    """Everything a response carries, readable: an XLSX is unzipped and its
    XML parts joined; streamed responses are read to the end."""
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
            )
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + body.decode("utf-8", "replace")


@pytest.mark.parametrize("persona", list(FORBIDDEN))
def test_private_notes_leak_nowhere(world, persona):
    client = _client(persona)
    leaks = []
    for url in _leak_urls(world):
        response = client.get(url, follow=True)
        assert response.status_code != 500, url
        text = response_text(response)
        leaks += [
            f"{url} ({marker})" for marker in FORBIDDEN[persona] if marker in text
        ]
    assert not leaks, f"{persona} received private notes: {leaks}"


def test_the_sentinels_are_there_for_those_who_may_read_them(world):
    """Without this, the leak test would pass on pages that show no notes at
    all: the secretary finds both sentinels, the helper their own, and the
    secretary's download of the failed rows carries the uploaded note."""
    secretary, helper = _client("secretary"), _client("helper")
    case_page = response_text(secretary.get(world["case"].get_absolute_url()))
    closed_page = response_text(secretary.get(world["closed"].get_absolute_url()))
    assert SENTINEL in case_page
    assert SENTINEL_OTHER in closed_page
    assert SENTINEL in response_text(helper.get(world["case"].get_absolute_url()))
    failed = secretary.get(
        reverse("workers:import_failed_rows", args=[world["batch"].pk])
    )
    assert SENTINEL in response_text(failed)


def test_an_xlsx_download_is_searched_inside(world):
    """The XLSX reader of the leak test sees the cells (shared strings or
    inline), so a note in a workbook would be found."""
    response = _client("secretary").get(
        reverse("reports:export", args=["ranking", "xlsx"])
        + f"?month={world['month']}&workshop={world['workshop'].code}"
    )
    assert response.status_code == 200
    assert "胡维亮" in response_text(response)


# --- CSRF: a POST without the token is refused everywhere -------------------


@pytest.mark.parametrize("persona", ["anonymous", "secretary", "helper", "manager"])
def test_posts_without_a_csrf_token_are_refused(world, persona):
    client = Client(enforce_csrf_checks=True)
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=USERNAMES[persona]))
    wrong = []
    for route, url in URLS(world).items():
        with transaction.atomic():
            response = client.post(url, {})
            transaction.set_rollback(True)
        if response.status_code != 403:
            wrong.append(f"{route}: {response.status_code}")
    assert not wrong, f"{persona} POSTed without a CSRF token: {wrong}"


def test_a_post_with_the_token_passes_the_csrf_check(world):
    """The 403s above come from the missing token, not from the route."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="alice"))
    client.get(reverse("home"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("assistance:followup_add", args=[world["case"].pk]),
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200


# --- causes: a manager gets counts by cause, never a named worker's cause ----

# Cause labels naming a private matter, in both languages ("other" is left
# out: the same word labels outcomes and measures). A measure names its cause
# as plainly (hardship aid is a family's money trouble, individual help an
# ideological one), so the measures count as causes here.
PRIVATE_CAUSES = ("technique", "ideology", "family")
CAUSE_REVEALING_MEASURES = (
    "demonstration",
    "mentoring",
    "individual_help",
    "hardship_aid",
)


def _cause_labels() -> list[str]:
    from django.utils import translation

    from assistance.models import Measure
    from workers.models import Cause

    labels = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            labels += [str(Cause(code).label) for code in PRIVATE_CAUSES]
            labels += [str(Measure(code).label) for code in CAUSE_REVEALING_MEASURES]
    return labels


def _rows(response) -> list[str]:
    """A response cut into its rows: CSV lines, XLSX <row>s, HTML table rows
    and list items — a name and a cause in one row is a named cause."""
    body = response.content
    content_type = response.get("Content-Type", "")
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            xml = "".join(
                archive.read(name).decode("utf-8")
                for name in archive.namelist()
                if name.startswith("xl/worksheets/")
            )
            shared = (
                archive.read("xl/sharedStrings.xml").decode("utf-8")
                if "xl/sharedStrings.xml" in archive.namelist()
                else ""
            )
        strings = re.findall(r"<si>(.*?)</si>", shared, flags=re.S)

        def text_of(row: str) -> str:
            # Shared strings are referenced by index (t="s"): put them back.
            return re.sub(
                r'<c [^>]*t="s"[^>]*><v>(\d+)</v>',
                lambda m: strings[int(m.group(1))],
                row,
            )

        return [text_of(row) for row in re.findall(r"<row.*?</row>", xml, re.S)]
    text = body.decode("utf-8", "replace")
    if content_type.startswith("text/csv"):
        return text.splitlines()
    return re.findall(r"<tr[\s>].*?</tr>|<li[\s>].*?</li>", text, flags=re.S)


@pytest.mark.parametrize(
    ("persona", "language"),
    [("manager", "zh-hans"), ("manager", "en"), ("other_manager", "zh-hans")],
)
def test_a_manager_never_gets_a_named_workers_cause(world, persona, language):
    client = _client(persona)
    client.cookies.load({"django_language": language})
    names = [world["failing"].name, world["closed"].worker.name]
    labels = _cause_labels()
    named = []
    for url in _leak_urls(world):
        response = client.get(url, follow=True)
        for row in _rows(response):
            if any(name in row for name in names) and any(
                label in row for label in labels
            ):
                named.append(f"{url}: {row[:200]!r}")
    assert not named, f"{persona} got named causes: {named}"


def test_the_scan_for_named_causes_sees_them_where_the_secretary_reads_them(world):
    """The secretary's case export does name causes: the scan above finds
    them, in a CSV and in an XLSX, so its silence for managers means something."""
    client = _client("secretary")
    names, labels = [world["failing"].name], _cause_labels()
    month = world["month"]
    for fmt in ("csv", "xlsx"):
        url = reverse("reports:export", args=["cases", fmt]) + f"?month={month}"
        rows = _rows(client.get(url))
        assert any(
            any(n in row for n in names) and any(label in row for label in labels)
            for row in rows
        ), fmt
