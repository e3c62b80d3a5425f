"""Writing campaign targets: set one, revise its target (STYLE.md 3).

Keyword-only, one transaction each; a refusal is a ValidationError whose
messages name the field (start_month, target_value, target_month). Both
write rows the pages show, so they are announced like every other change
(Change.CAMPAIGNS: the models are tracked by factory.figures.cache) and the
cached pages of the months they reach are drawn again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from factory.figures.campaigns.state import measure_value
from factory.figures.reports import monthly_figures
from factory.models import Campaign, CampaignMeasure, CampaignVersion
from workers.completeness import default_month
from workers.models import Workshop
from workers.months import month_label
from workers.numbers import number_text


def scope_name(workshop: Workshop | None) -> str:
    return workshop.name if workshop else _("The factory")


def value_text(measure: str, value: Decimal) -> str:
    if measure == CampaignMeasure.FAILING:
        return ngettext(
            "%(count)s worker below quota", "%(count)s workers below quota", int(value)
        ) % {"count": number_text(value)}
    return _("an advanced share of %(share)s%%") % {"share": number_text(value)}


def target_problem(measure: str, start_value: Decimal, target: Decimal) -> str | None:
    """Why ``target`` cannot be the target of a campaign that starts from
    ``start_value`` (None: it can): on the far side of the start, as the
    measure counts (fewer workers below quota, a larger share)."""
    if target < 0:
        return _("The target cannot be below 0.")
    if measure == CampaignMeasure.FAILING:
        if target != target.to_integral_value():
            return _("Workers are counted whole: give a whole number.")
        if target >= start_value:
            return _(
                "The target must be below the start value: %(value)s in the "
                "start month."
            ) % {"value": value_text(measure, start_value)}
        return None
    if target > 100:
        return _("A share cannot be above %(max)s%%.") % {"max": 100}
    if target <= start_value:
        return _(
            "The target must be above the start value: %(value)s in the start month."
        ) % {"value": value_text(measure, start_value)}
    return None


def _month_problem(start_month: dt.date, target_month: dt.date) -> str | None:
    if target_month <= start_month:
        return _("The target month must come after the start month, %(month)s.") % {
            "month": month_label(start_month)
        }
    return None


def _refuse(errors: dict[str, str]) -> None:
    found = {field: message for field, message in errors.items() if message}
    if found:
        raise ValidationError(found)


def _duplicate_error(
    workshop: Workshop | None, start_month: dt.date
) -> ValidationError:
    return ValidationError(
        {
            "start_month": _(
                "%(scope)s already has a campaign target for this measure from "
                "%(month)s: revise its target instead."
            )
            % {"scope": scope_name(workshop), "month": month_label(start_month)}
        },
        code="duplicate",
    )


@transaction.atomic
def set_campaign(
    *,
    workshop: Workshop | None,
    measure: str,
    start_month: dt.date,
    target_value: Decimal,
    target_month: dt.date,
    by: AbstractBaseUser,
) -> Campaign:
    """A new campaign of ``workshop`` (None: the factory) and its first
    version, shown from the start month on. The start value is the
    measure's value in the start month now (a month with records of the
    scope), kept with the campaign."""
    start_month, target_month = start_month.replace(day=1), target_month.replace(day=1)
    target_value = Decimal(str(target_value))
    if measure not in CampaignMeasure.values:
        raise ValidationError({"measure": _("Choose a measure.")})
    scope = workshop.code if workshop else None
    figures = monthly_figures(first=start_month, last=start_month).get(scope, {})
    if start_month not in figures:
        raise ValidationError(
            {
                "start_month": _(
                    "%(scope)s has no records for %(month)s: a campaign starts "
                    "from a month with records."
                )
                % {"scope": scope_name(workshop), "month": month_label(start_month)}
            }
        )
    start_value = measure_value(measure, figures[start_month])
    _refuse(
        {
            "target_value": target_problem(measure, start_value, target_value),
            "target_month": _month_problem(start_month, target_month),
        }
    )
    if Campaign.objects.filter(
        workshop=workshop, measure=measure, start_month=start_month
    ).exists():
        raise _duplicate_error(workshop, start_month)
    try:
        # A savepoint: a campaign set at the same moment by someone else
        # is refused by the database's unique key, with the same message.
        with transaction.atomic():
            campaign = Campaign.objects.create(
                workshop=workshop,
                measure=measure,
                start_month=start_month,
                start_value=start_value,
            )
    except IntegrityError:
        raise _duplicate_error(workshop, start_month) from None
    CampaignVersion.objects.create(
        campaign=campaign,
        version=1,
        target_value=target_value,
        target_month=target_month,
        effective_month=start_month,
        set_by=by,
    )
    return campaign


def revision_month(campaign: Campaign, *, working_month: dt.date | None = None):
    """The month a revision made now is shown from: the working month (a
    person's action, DESIGN.md "The month"), never before the campaign's
    start nor before its latest version's month, so that the versions
    follow each other."""
    latest = campaign.versions.order_by("-version").first()
    floor = max(campaign.start_month, latest.effective_month if latest else dt.date.min)
    return max(working_month or default_month(), floor)


@transaction.atomic
def revise_campaign(
    *,
    campaign: Campaign,
    target_value: Decimal,
    target_month: dt.date,
    by: AbstractBaseUser,
) -> CampaignVersion:
    """The campaign's next version, with a new target value or month (or
    both), shown from revision_month() on; the earlier versions stay, and
    the months before it keep the target they had. The campaign's row is
    locked: two revisions at once are numbered in turn."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=campaign.pk)
    )
    target_month, target_value = target_month.replace(day=1), Decimal(str(target_value))
    _refuse(
        {
            "target_value": target_problem(
                campaign.measure, campaign.start_value, target_value
            ),
            "target_month": _month_problem(campaign.start_month, target_month),
        }
    )
    latest = campaign.versions.order_by("-version").first()
    if latest.target_value == target_value and latest.target_month == target_month:
        raise ValidationError(
            {
                "target_value": _(
                    "This is the target of version %(version)s already: change the "
                    "value or the month."
                )
                % {"version": latest.version}
            },
            code="unchanged",
        )
    return CampaignVersion.objects.create(
        campaign=campaign,
        version=latest.version + 1,
        target_value=target_value,
        target_month=target_month,
        effective_month=revision_month(campaign),
        set_by=by,
    )
