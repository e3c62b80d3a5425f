"""The quota review page (/workers/quota-reviews/?month=): the month's trade
groups whose share below quota is far above the rest of the factory
(workers.quota_review), each with its workers, and the committee's decision
on it — recorded here by the secretary, read by directors for their
workshops."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from workers.completeness import describe, page_month
from workers.forms.base import attach_error
from workers.forms.quota_reviews import QuotaReviewForm, QuotaReviewMonthForm
from workers.models import QuotaReview, Workshop
from workers.months import month_label, month_str
from workers.quota_review import ReviewGroup, group_records, review_groups
from workers.roles import is_secretary, may_read_reports
from workers.services import StaleReviewError, decide_quota_review


def may_decide_quota_reviews(user) -> bool:
    """The committee decides; a director reads their workshops' groups."""
    return is_secretary(user) and user.has_perms(
        ["workers.add_quotareview", "workers.change_quotareview"]
    )


def require_quota_review_reader(user) -> None:
    """The figures' readers (the secretary's side, directors); helpers 403."""
    if not may_read_reports(user):
        raise PermissionDenied


def quota_reviews_url(month) -> str:
    return f"{reverse('workers:quota_reviews')}?month={month_str(month)}"


@login_required
def quota_reviews(request):
    """The month's groups; a POST records the decision on one of them.

    Queries: the month's completeness (a few), the groups with their
    decisions, the decisions' rows (when there are any), the groups'
    records — and, for a director, their workshops.
    """
    user = request.user
    require_quota_review_reader(user)
    may_decide = may_decide_quota_reviews(user)
    if request.method == "POST" and not may_decide:
        raise PermissionDenied
    workshops = None if is_secretary(user) else list(Workshop.objects.visible_to(user))
    chooser = QuotaReviewMonthForm(request.GET or None)
    chosen = chooser.cleaned_data["month"] if chooser.is_valid() else None
    month, state = page_month(chosen)
    groups = review_groups(month, workshops=workshops)
    posted = None
    if request.method == "POST":
        prefix = request.POST.get("group", "")
        # A group's form is prefixed with its anchor on the page.
        group = next((g for g in groups if g.anchor == prefix), None)
        if group is None:
            messages.error(
                request,
                _(
                    "That group's quota is no longer under review in %(month)s: "
                    "nothing was recorded."
                )
                % {"month": month_label(month)},
            )
            return redirect(quota_reviews_url(month))
        form = QuotaReviewForm(request.POST, prefix=prefix)
        if form.is_valid() and _decide(request, form, group):
            return redirect(f"{quota_reviews_url(month)}#{prefix}")
        posted = (prefix, form)
    # ?show=undecided: the work queue's list, the groups still to decide.
    show = "undecided" if request.GET.get("show") == "undecided" else ""
    if show:
        groups = [group for group in groups if group.decision is None]
    reviews = _reviews(month, groups)
    return render(
        request,
        "workers/quota_review_list.html",
        {
            "chooser": chooser,
            "month": month,
            "month_text": month_str(month),
            "completeness": describe(state),
            "may_mark": is_secretary(user),
            "may_decide": may_decide,
            "show": show,
            "sections": _sections(month, groups, reviews, posted, may_decide),
            # The error summary (base.html) of a refused decision.
            "form": posted[1] if posted else None,
        },
    )


def _decide(request, form, group: ReviewGroup) -> bool:
    """Record the decision; False with the refusal on the form."""
    data = form.cleaned_data
    try:
        review = decide_quota_review(
            workshop=Workshop.objects.get(pk=group.workshop_id),
            trade=group.trade,
            month=group.month,
            decision=data["decision"],
            revise_from=data["revise_from"],
            reason=data["reason"],
            seen_version=data["version"],
            by=request.user,
        )
    except StaleReviewError as stale:
        # Saving again replaces what is shown now, knowingly.
        form.data = form.data.copy()
        form.data[form.add_prefix("version")] = (
            stale.current.version if stale.current else 0
        )
        attach_error(form, stale)
        return False
    except ValidationError as error:
        attach_error(form, error)
        return False
    messages.success(
        request,
        _("Decision recorded for %(trade)s in %(workshop)s, %(month)s: %(decision)s.")
        % {
            "trade": group.trade,
            "workshop": group.workshop_name,
            "month": month_label(group.month),
            "decision": review.get_decision_display(),
        },
    )
    return True


def _reviews(month, groups) -> dict[tuple[int, str], QuotaReview]:
    """The decisions on the groups listed (one query; none when no group
    has one: the groups carry their decision)."""
    if not any(group.decision for group in groups):
        return {}
    return {
        (review.workshop_id, review.trade): review
        for review in QuotaReview.objects.filter(
            month=month, workshop_id__in={g.workshop_id for g in groups}
        ).select_related("decided_by")
    }


def _sections(month, groups, reviews, posted, may_decide) -> list[dict]:
    """Each group with its decision, its workers (lowest attainment first)
    and, for the secretary, its form."""
    rows: dict[tuple[int, str], list] = {group.key: [] for group in groups}
    records = (
        group_records(month, groups)
        .select_related("worker")
        .order_by("attainment", "worker__employee_no")
    )
    for record in records:
        rows[(record.worker.workshop_id, record.worker.trade)].append(record)
    sections = []
    for group in groups:
        prefix = group.anchor
        review = reviews.get(group.key)
        form = None
        if may_decide:
            if posted and posted[0] == prefix:
                form = posted[1]
            else:
                form = QuotaReviewForm(
                    prefix=prefix,
                    initial={
                        "version": review.version if review else 0,
                        "decision": review.decision if review else "",
                        "revise_from": review.revise_from if review else None,
                        "reason": review.reason if review else "",
                    },
                )
        sections.append(
            {
                "group": group,
                "prefix": prefix,
                "review": review,
                "records": rows[group.key],
                "form": form,
                "open": form is not None and (review is None or form.is_bound),
            }
        )
    return sections
