from django.urls import path

from assistance.views import (
    aid,
    bulk,
    case_page,
    cases,
    checks,
    classification,
    demonstrations,
    helper_effect,
    stuck,
    worklists,
)

app_name = "assistance"
urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("export.csv", cases.case_export, name="case_export"),
    path("mine/", cases.my_cases, name="my_cases"),
    path("overview/", cases.overview, name="overview"),
    path("overview.csv", cases.overview_export, name="overview_export"),
    path("<int:pk>/", case_page.case_detail, name="case_detail"),
    path("<int:pk>/experience/", case_page.case_experience, name="case_experience"),
    path("<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("<int:pk>/close/", cases.case_close, name="case_close"),
    path("<int:pk>/reopen/", cases.case_reopen, name="case_reopen"),
    path("<int:pk>/rediagnose/", stuck.case_rediagnose, name="case_rediagnose"),
    path(
        "<int:pk>/propose-closure/",
        cases.case_propose_closure,
        name="case_propose_closure",
    ),
    path("<int:pk>/follow-up/", cases.follow_up_add, name="followup_add"),
    path(
        "classify/",
        classification.classification_queue,
        name="classification_queue",
    ),
    path(
        "classify/history/<int:worker_pk>/",
        classification.classification_history,
        name="classification_history",
    ),
    path("open/", classification.cases_open, name="cases_open"),
    # Bulk actions (assistance.views.bulk).
    path(
        "classify/as-last-month/",
        bulk.classify_workshop_as_last_month,
        name="classify_as_last_month",
    ),
    path("open/one-helper/", bulk.open_with_helper, name="cases_open_with_helper"),
    path("helpers/<int:pk>/move/", bulk.move_helper_cases, name="helper_move_cases"),
    path(
        "demonstrations/",
        demonstrations.demonstration_list,
        name="demonstration_list",
    ),
    path(
        "demonstrations/new/",
        demonstrations.demonstration_create,
        name="demonstration_create",
    ),
    path(
        "demonstrations/<int:pk>/",
        demonstrations.demonstration_detail,
        name="demonstration_detail",
    ),
    path(
        "demonstrations/<int:pk>/attendance/",
        demonstrations.demonstration_attendance,
        name="demonstration_attendance",
    ),
    path(
        "demonstrations/<int:pk>/mastery/",
        demonstrations.demonstration_mastery,
        name="demonstration_mastery",
    ),
    # The checks at the worker's own machine after a demonstration.
    path("checks/", checks.check_list, name="machine_checks"),
    path(
        "checks/<int:demonstration_pk>/<int:worker_pk>/",
        checks.check_record,
        name="machine_check",
    ),
    path("aid/", aid.aid_totals, name="aid_totals"),
    path("slipping/", worklists.slipping, name="slipping"),
    path("stuck/", stuck.stuck_case_list, name="stuck_cases"),
    path("helpers/", worklists.helper_loads_list, name="helper_loads"),
    path("helpers/effect/", helper_effect.helper_effect_list, name="helper_effect"),
    path(
        "helpers/effect.csv", helper_effect.helper_effect_csv, name="helper_effect_csv"
    ),
]
