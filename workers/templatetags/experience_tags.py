"""The advanced experiences on pages: an experience's trades in words, and
the worker's page's section of their mastery (checks by
workers.services.mastery; the reader's right to record one from
workers.access)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from workers.access import may_check_mastery
from workers.forms.experiences import WorkerCheckForm
from workers.importing.shown import join_list
from workers.models import Experience, Mastery, Worker

register = template.Library()


@register.filter
def trades_text(experience: Experience) -> str:
    """``lathe operator, miller`` (车工、铣工), or "every trade"."""
    return join_list(experience.trades) if experience.trades else _("every trade")


@register.filter
def applies_to(experience: Experience, trade: str) -> bool:
    return experience.applies_to(trade)


@register.inclusion_tag("workers/_worker_mastery.html", takes_context=True)
def worker_mastery(context, worker: Worker) -> dict:
    """The worker's level in each experience (the latest check) and every
    check, newest first (two queries); the form to record one for the
    secretary's side."""
    user = context["request"].user
    checks = Mastery.objects.filter(worker=worker).select_related(
        "experience", "checked_by"
    )
    may_check = may_check_mastery(user)
    return {
        "worker": worker,
        "current": list(checks.current().order_by("experience__name")),
        "checks": list(checks.order_by("-checked_on", "-pk")),
        "form": WorkerCheckForm(auto_id="mastery_%s") if may_check else None,
    }
