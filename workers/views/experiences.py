"""The catalogue of advanced experiences (先进经验) and the checks of mastery
(掌握程度): the catalogue's list, an experience's page with the workers'
levels, its effect on output and its teachers with their pupils' results
(workers.experience_effect), adding and editing an experience, recording a
check from the experience's page or the worker's.

Access is decided in workers.access: the secretary's side keeps the
catalogue and records checks, a director reads them (their own workshops'
workers only), anyone else gets 403. A check is written by
workers.services.mastery.record_mastery, whichever page records it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workers.access import (
    get_experience_for_user,
    get_worker_for_user,
    may_check_mastery,
    may_manage_experiences,
    require_experience_manage,
    require_experience_view,
    require_mastery_check,
)
from workers.completeness import default_month
from workers.experience_effect import MIN_GROUP, effect_as_of
from workers.forms.experiences import (
    ExperienceCheckForm,
    ExperienceForm,
    WorkerCheckForm,
)
from workers.models import Experience, Mastery, MasteryLevel
from workers.services.mastery import record_mastery

# Workers listed a page on an experience's page.
LEVELS_PAGE_SIZE = 100
# The most able first: who could teach it, then who applies it.
BY_LEVEL = Case(
    When(level=MasteryLevel.TEACHES, then=0),
    When(level=MasteryLevel.APPLIES, then=1),
    default=2,
    output_field=IntegerField(),
)


def levels_of(user):
    """The current levels of the active workers the user may see."""
    return Mastery.objects.visible_to(user).current().filter(worker__active=True)


@login_required
def experience_list(request):
    require_experience_view(request.user)
    experiences = list(Experience.objects.select_related("first_shown_by"))
    counts: dict[int, dict[str, int]] = {}
    for row in (
        levels_of(request.user)
        .order_by()
        .values("experience_id", "level")
        .annotate(workers=Count("pk"))
    ):
        counts.setdefault(row["experience_id"], {})[row["level"]] = row["workers"]
    for experience in experiences:
        found = counts.get(experience.pk, {})
        experience.levels = [
            (code, label, found.get(code, 0)) for code, label in MasteryLevel.choices
        ]
    return render(
        request,
        "workers/experience_list.html",
        {
            "experiences": experiences,
            "levels": MasteryLevel.choices,
            "may_manage": may_manage_experiences(request.user),
            "may_check": may_check_mastery(request.user),
        },
    )


@login_required
def experience_detail(request, pk):
    experience = get_experience_for_user(request.user, pk)
    may_check = may_check_mastery(request.user)
    return _render_detail(
        request, experience, ExperienceCheckForm() if may_check else None
    )


def _render_detail(request, experience, form, status=200):
    levels = (
        levels_of(request.user)
        .filter(experience=experience)
        .select_related("worker__workshop", "checked_by")
        .order_by(BY_LEVEL, "worker__workshop__code", "worker__employee_no")
    )
    page = Paginator(levels, LEVELS_PAGE_SIZE).get_page(request.GET.get("page"))
    # The effect and the pupils' results as of the working month, the
    # default of every page (DESIGN.md, "The month").
    month = default_month()
    return render(
        request,
        "workers/experience_detail.html",
        {
            "experience": experience,
            "page": page,
            "form": form,
            "may_manage": may_manage_experiences(request.user),
            "effect_month": month,
            "effect": effect_as_of(experience, month),
            "min_group": MIN_GROUP,
            # Whoever can teach it now; their pupils' results come from
            # assistance (the teachers_pupils tag): workers never reads it.
            "teachers": list(
                levels_of(request.user)
                .filter(experience=experience, level=MasteryLevel.TEACHES)
                .select_related("worker__workshop")
                .order_by("worker__workshop__code", "worker__employee_no")
            ),
        },
        status=status,
    )


@login_required
def experience_create(request):
    require_experience_manage(request.user)
    form = ExperienceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        experience = form.save()
        messages.success(
            request,
            _("%(name)s added to the catalogue.") % {"name": experience.name},
        )
        return redirect(experience)
    return render(
        request, "workers/experience_form.html", {"form": form, "experience": None}
    )


@login_required
def experience_edit(request, pk):
    experience = get_experience_for_user(request.user, pk)
    require_experience_manage(request.user)
    form = ExperienceForm(request.POST or None, instance=experience)
    if request.method == "POST" and form.is_valid():
        experience = form.save()
        messages.success(request, _("%(name)s saved.") % {"name": experience.name})
        return redirect(experience)
    return render(
        request,
        "workers/experience_form.html",
        {"form": form, "experience": experience},
    )


@login_required
def experience_check(request, pk):
    """Record a check of a worker in this experience (the form is on the
    experience's page too; a refused one comes back here)."""
    experience = get_experience_for_user(request.user, pk)
    require_mastery_check(request.user)
    form = ExperienceCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _record(request, form.check_of(experience), form.worker, experience)
        return redirect(experience)
    return render(
        request,
        "workers/mastery_check.html",
        {"form": form, "experience": experience, "worker": None},
    )


@login_required
def worker_check(request, pk):
    """Record a check of this worker in an experience (the form is on the
    worker's page too; a refused one comes back here)."""
    worker = get_worker_for_user(request.user, pk)
    require_mastery_check(request.user)
    form = WorkerCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _record(request, form.check_of(worker), worker, form.cleaned_data["experience"])
        return redirect(worker.get_absolute_url() + "#worker-mastery")
    return render(
        request,
        "workers/mastery_check.html",
        {"form": form, "experience": None, "worker": worker},
    )


def _record(request, check, worker, experience) -> None:
    counts = record_mastery(rows=[check], by=request.user)
    words = {
        "worker": worker.name,
        "experience": experience.name,
        "level": MasteryLevel(check.level).label,
    }
    if counts.unchanged:
        messages.info(
            request,
            _("%(worker)s: %(experience)s was already checked so that day.") % words,
        )
    else:
        messages.success(request, _("%(worker)s: %(experience)s, %(level)s.") % words)
