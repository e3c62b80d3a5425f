"""The committee's decision on a quota review group (workers.quota_review):
the quota kept, or to be revised from a month on, with a reason."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workers.models import QuotaDecision, QuotaReview, Workshop
from workers.months import first_of_month, month_label
from workers.quota_review import review_groups


class StaleReviewError(ValidationError):
    """Someone else decided on the group since the form was drawn: nothing
    was written. ``current`` is the decision now stored."""

    def __init__(self, current: QuotaReview | None) -> None:
        self.current = current
        super().__init__(
            {
                NON_FIELD_ERRORS: _(
                    "Someone else recorded a decision on this group meanwhile: "
                    "read it below, then decide again if you still want to."
                )
            },
            code="stale",
        )


@transaction.atomic
def decide_quota_review(
    *,
    workshop: Workshop,
    trade: str,
    month: dt.date,
    decision: str,
    reason: str,
    revise_from: dt.date | None = None,
    seen_version: int,
    by: AbstractBaseUser | None,
) -> QuotaReview:
    """Record the decision on ``workshop``'s ``trade`` in ``month``, which
    must be a quota review group then.

    ``seen_version`` is the version of the decision the form showed (0:
    none): a later decision replaces the current one only if the person saw
    it (StaleReviewError otherwise). The history keeps every decision with
    who and when; saving announces it (workers.changes: the pages of the
    month show it). Refusals are ValidationErrors naming the field.
    """
    month = first_of_month(month)
    if not any(
        group.trade == trade for group in review_groups(month, workshops=[workshop])
    ):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "%(trade)s in %(workshop)s is not a group whose quota is "
                    "reviewed in %(month)s."
                )
                % {
                    "trade": trade or "—",
                    "workshop": workshop.name,
                    "month": month_label(month),
                }
            },
            code="not_a_group",
        )
    current = (
        QuotaReview.objects.select_for_update()
        .filter(workshop=workshop, trade=trade, month=month)
        .first()
    )
    if (current.version if current else 0) != seen_version:
        raise StaleReviewError(current)
    review = current or QuotaReview(workshop=workshop, trade=trade, month=month)
    review.decision = decision
    review.revise_from = (
        first_of_month(revise_from)
        if revise_from and decision == QuotaDecision.REVISE
        else None
    )
    review.reason = (reason or "").strip()
    review.decided_by = by
    review.decided_at = timezone.now()
    review.version = current.version + 1 if current else 1
    # The unique group and month is the database's to keep: two first
    # decisions at once both saw none, and the second is stale.
    review.full_clean(validate_constraints=False)
    review._history_user = by
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise StaleReviewError(
            QuotaReview.objects.filter(
                workshop=workshop, trade=trade, month=month
            ).first()
        ) from None
    return review
