"""Small display helpers for the help-case templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assistance.models import CaseStatus, Demonstration
from workers.experience_effect import Lesson, PupilResults, pupil_results

register = template.Library()

STATUS_BADGES = {
    CaseStatus.OPEN: "text-bg-warning",
    CaseStatus.REACHED_QUOTA: "text-bg-success",
    CaseStatus.CLOSED: "text-bg-secondary",
}


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap badge class for a case status."""
    return STATUS_BADGES.get(status, "text-bg-light")


@register.simple_tag
def trend(latest, previous):
    """An arrow for the change in attainment since the previous record."""
    if latest is None or previous is None:
        return ""
    change = latest - previous
    if change > 0:
        return format_html(
            '<span class="text-success" title="{}">▲ {}</span>',
            _("up on the month before"),
            f"{change:+.1f}",
        )
    if change < 0:
        return format_html(
            '<span class="text-danger" title="{}">▼ {}</span>',
            _("down on the month before"),
            f"{change:+.1f}",
        )
    return mark_safe('<span class="text-muted">＝</span>')  # a constant


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("assistance/_my_case_cards.html", takes_context=True)
def my_cases_panel(context):
    """The helper's own cases, for the home page (same cards as /cases/mine/)."""
    from assistance.selectors import my_cases

    request = context["request"]
    return {"cases": my_cases(request.user), "request": request, "compact": True}


@register.inclusion_tag("assistance/_worker_help.html", takes_context=True)
def worker_help(context, worker):
    """The worker's page's help cases and classifications
    (templates/workers/worker_detail.html): the roster's view knows nothing
    of assistance (workers never imports it), so its section comes from here."""
    from assistance.selectors import worker_help as read_worker_help

    user = context["request"].user
    return {
        "worker": worker,
        "help": read_worker_help(user, worker),
        # The page of every classification with who changed it and when
        # (assistance.views.classification.classification_history).
        "may_read_history": user.has_perm("workers.change_shortfallclassification"),
    }


@register.simple_tag
def teachers_pupils(experience, teachers, month) -> list:
    """The experience's page's teachers (their Mastery rows at level
    teaches: templates/workers/experience_detail.html), each with their
    pupils' results as of ``month`` (workers.experience_effect): the
    attendees of their demonstrations of it. The roster's view knows nothing
    of demonstrations, so they are read here (one query; two for the
    results)."""
    if not teachers:
        return []
    attended = Demonstration.attendees.through.objects.filter(
        demonstration__experience=experience,
        demonstration__demonstrator__in=[teacher.worker_id for teacher in teachers],
    ).values_list("demonstration__demonstrator_id", "worker_id", "demonstration__date")
    results = pupil_results(
        experience_id=experience.pk,
        lessons=[Lesson(*row) for row in attended],
        month=month,
    )
    return [
        (teacher, results.get(teacher.worker_id, PupilResults()))
        for teacher in teachers
    ]
