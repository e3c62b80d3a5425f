"""Helpers' results against their cases' causes (assistance.helper_effect):
the secretary's table, sortable, and its CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assistance import helper_effect
from assistance.evidence import MIN_CLOSED
from assistance.views.shared import month_param
from workers.completeness import describe, page_month
from workers.numbers import number_text
from workers.roles import is_secretary
from workers.spreadsheet_safety import csv_response

# The ?sort= keys, in the columns' order; "-" before one sorts the other
# way round. Text reads A→Z first, a figure largest first.
SORT_KEYS = {
    "name": lambda effect: effect.helper.name,
    "employee_no": lambda effect: effect.helper.employee_no,
    "workshop": lambda effect: effect.helper.workshop.name,
    "closed": lambda effect: effect.closed,
    "actual": lambda effect: effect.actual,
    "expected": lambda effect: effect.expected,
    "difference": lambda effect: effect.difference,
    "median": lambda effect: effect.median_months,
}
TEXT_COLUMNS = {"name", "employee_no", "workshop"}
# Who did better than the factory's record predicts, first.
DEFAULT_SORT = "-difference"


def _labels() -> dict[str, str]:
    """The columns' words: the page's headers and the CSV's alike."""
    return {
        "name": pgettext("person", "Name"),
        "employee_no": _("Employee number"),
        "workshop": _("Workshop"),
        "closed": _("Closed cases"),
        "actual": _("Reached quota"),
        "expected": _("Expected"),
        "difference": _("Reached − expected"),
        "median": _("Median months to quota"),
    }


def sort_param(request) -> str:
    """The ?sort= asked for; anything else is the default order."""
    sort = request.GET.get("sort", "")
    return sort if sort.removeprefix("-") in SORT_KEYS else DEFAULT_SORT


def sorted_effects(effects, sort: str) -> list:
    """``effects`` in the ``sort`` order, ties by employee number; a helper
    with no median (none reached quota) comes last either way."""
    key = SORT_KEYS[sort.removeprefix("-")]
    ordered = sorted(effects, key=lambda effect: effect.helper.employee_no)
    known = [effect for effect in ordered if key(effect) is not None]
    unknown = [effect for effect in ordered if key(effect) is None]
    return sorted(known, key=key, reverse=sort.startswith("-")) + unknown


def _cells(effect) -> list:
    """One row, in the columns' order: the page shows it (None as "—") and
    the CSV writes it (None as an empty cell)."""
    helper = effect.helper
    median = effect.median_months
    return [
        helper.name,
        helper.employee_no,
        helper.workshop.name,
        effect.closed,
        effect.actual,
        effect.expected_shown,
        effect.difference,
        number_text(median) if median is not None else None,
    ]


def _row(effect, labels: dict[str, str]) -> dict:
    return {
        "helper": effect.helper,
        "cells": [
            {
                "key": key,
                "label": label,
                "value": value,
                "numeric": key not in TEXT_COLUMNS,
            }
            for (key, label), value in zip(labels.items(), _cells(effect), strict=True)
        ],
    }


def _headers(request, sort: str) -> list[dict]:
    """Each column's header: its words, the link that sorts by it (the
    other way round when it is the order already) and its aria-sort."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    headers = []
    for key, label in _labels().items():
        if key == current:
            link = key if descending else f"-{key}"
            state = "descending" if descending else "ascending"
        else:
            link = key if key in TEXT_COLUMNS else f"-{key}"
            state = ""
        query = request.GET.copy()
        query["sort"] = link
        headers.append(
            {
                "key": key,
                "label": label,
                "query": query.urlencode(),
                "aria_sort": state,
                "numeric": key not in TEXT_COLUMNS,
            }
        )
    return headers


def _effects(request):
    """The secretary's rows of the month asked for, sorted as asked."""
    if not is_secretary(request.user):
        raise PermissionDenied
    month, state = page_month(month_param(request))
    sort = sort_param(request)
    return month, state, sort, sorted_effects(helper_effect.helper_effects(month), sort)


@login_required
def helper_effect_list(request):
    month, state, sort, effects = _effects(request)
    labels = _labels()
    return render(
        request,
        "assistance/helper_effect.html",
        {
            "month": month,
            "completeness": describe(state),
            "rows": [_row(effect, labels) for effect in effects],
            "headers": _headers(request, sort),
            "sort": sort,
            "sort_choices": [
                (key if key in TEXT_COLUMNS else f"-{key}", label)
                for key, label in labels.items()
            ],
            # The month asked for, kept by the phone's sort form.
            "month_asked": f"{month:%Y-%m}" if "month" in request.GET else "",
            "query": request.GET.urlencode(),
            "min_cases": helper_effect.MIN_CASES,
            "min_closed": MIN_CLOSED,
        },
    )


@login_required
def helper_effect_csv(request):
    month, _state, _sort, effects = _effects(request)
    return csv_response(
        f"helper-effect-{month:%Y-%m}",
        list(_labels().values()),
        (_cells(effect) for effect in effects),
    )
