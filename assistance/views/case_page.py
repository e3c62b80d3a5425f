"""The case page, and what is changed on it: the experience a technique
case's worker is to learn (DESIGN.md, "Advanced experience")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance import selectors
from assistance.access import get_case_for_secretary, get_case_for_user, is_case_helper
from assistance.experience_suggestions import experience_choices
from assistance.forms import CaseExperienceForm
from assistance.models import AssistanceCase, CaseStatus
from assistance.services import StaleEditError, change_experience
from assistance.views.shared import with_current
from workers.forms.base import attach_error
from workers.models import Cause, Experience, ShortfallClassification

# Who changes a case (assistance.views.cases.case_edit's rule).
EDIT_PERM = "assistance.change_assistancecase"


@login_required
def case_detail(request, pk):
    """The secretary and the case's helpers (assistance.access)."""
    return _case_page(request, get_case_for_user(request.user, pk))


def _case_page(request, case: AssistanceCase, experience_form=None):
    """The case page; ``experience_form``: the experience's form as it was
    sent, when it was refused."""
    user = request.user
    classification = ShortfallClassification.objects.filter(
        worker_id=case.worker_id, month=case.month
    ).first()
    helper_of_case = is_case_helper(user, case)
    if experience_form is None and _may_change_experience(user, case):
        experience_form = CaseExperienceForm(
            initial={"experience": case.experience_id, "version": case.version},
            choices=_experiences_to_learn(case),
        )
    return render(
        request,
        "assistance/case_detail.html",
        {
            "case": case,
            "helpers": list(case.helpers.select_related("workshop")),
            "classification": classification,
            "timeline": selectors.case_timeline(case, user),
            "may_edit": user.has_perm(EDIT_PERM),
            "may_close": user.has_perm("assistance.close_case"),
            "may_follow_up": case.status != CaseStatus.CLOSED
            and user.has_perm("assistance.add_followup"),
            "may_propose": helper_of_case
            and case.status != CaseStatus.CLOSED
            and case.closure_proposed_at is None,
            "experience_form": experience_form,
            # base.html's error summary, when it was refused.
            "form": experience_form,
        },
    )


def _may_change_experience(user, case: AssistanceCase) -> bool:
    """Whoever changes the case, while it is active; a technique case's, or
    one that names an experience still (a re-diagnosed case: to clear it)."""
    return (
        user.has_perm(EDIT_PERM)
        and case.status != CaseStatus.CLOSED
        and (case.cause == Cause.TECHNIQUE or case.experience_id is not None)
    )


def _experiences_to_learn(case: AssistanceCase) -> list[tuple[int, str]]:
    """The experiences the opening offers the worker (his trade's he has not
    mastered, the suggested first), and the case's own if it is not among
    them (he has mastered it since)."""
    choices = []
    if case.cause == Cause.TECHNIQUE:
        found = experience_choices([case.worker], case.month).get(case.worker_id)
        choices = found.choices if found else []
    if case.experience_id and case.experience_id not in {pk for pk, _l in choices}:
        choices = [(case.experience_id, case.experience.name), *choices]
    return choices


@login_required
@require_POST
def case_experience(request, pk):
    """The experience to learn, changed or cleared from the case page."""
    case = get_case_for_secretary(request.user, pk, EDIT_PERM)
    form = CaseExperienceForm(request.POST, choices=_experiences_to_learn(case))
    if form.is_valid():
        try:
            change_experience(
                case=case,
                experience=_chosen(form),
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEditError:
            case = get_case_for_user(request.user, pk)
            form = with_current(form, case, choices=_experiences_to_learn(case))
        except ValidationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The case was changed."))
            return redirect(case)
    return _case_page(request, case, experience_form=form)


def _chosen(form: CaseExperienceForm) -> Experience | None:
    """The experience chosen, or none; one removed from the catalogue since
    the choices were read is refused as any choice not offered."""
    chosen = form.cleaned_data["experience"]
    if chosen is None:
        return None
    experience = Experience.objects.filter(pk=chosen).first()
    if experience is None:
        field = form.fields["experience"]
        raise ValidationError(
            {
                "experience": ValidationError(
                    field.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": chosen},
                )
            }
        )
    return experience
