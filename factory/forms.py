"""Forms of the factory app: publishing a month, marking it complete, setting
and revising a campaign target."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from factory.figures.publishing import (
    MISSING_WORKSHOPS,
    PROPOSED_CLOSURES,
    QUOTA_REVIEWS,
    UNCLASSIFIED,
    Unfinished,
)
from factory.models import CampaignMeasure
from factory.templatetags.report_tags import month_label
from workers.forms.base import Form
from workers.forms.records import MonthField
from workers.models import Workshop
from workers.months import parse_month

ACKNOWLEDGEMENTS = {
    MISSING_WORKSHOPS: _("I know that these workshops have not reported; publish."),
    UNCLASSIFIED: _("I know that these shortfalls are not classified; publish."),
    PROPOSED_CLOSURES: _(
        "I know that these proposed closures are not decided; publish."
    ),
    QUOTA_REVIEWS: _(
        "I know that the committee has not decided on these quotas; publish."
    ),
}


class PublishForm(Form):
    """One required acknowledgement per kind of unfinished work, and the
    reason when the month is published again (a correction)."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, unfinished: Unfinished, is_revision: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = sorted(unfinished.kinds())
        for kind in self.kinds:
            self.fields[f"ack_{kind}"] = forms.BooleanField(
                label=ACKNOWLEDGEMENTS[kind],
                required=True,
                error_messages={"required": _("Confirm this before publishing.")},
            )
        if is_revision:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _(
                "Give the reason for publishing a correction."
            )
        else:
            del self.fields["reason"]

    def acknowledged(self) -> set[str]:
        return {kind for kind in self.kinds if self.cleaned_data.get(f"ack_{kind}")}


class MonthCompletionForm(Form):
    """The note of the secretary's word that a month is complete, read with
    the rule of every form (workers.forms.base): no NUL or other control
    character, at most the rule's length, each refusal naming the field."""

    note = forms.CharField(
        label=capfirst(_("note")),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def checked_note(self) -> str:
        """The note, or a ValidationError naming the field, as the
        completion view reports a refusal of the service."""
        if not self.is_valid():
            raise ValidationError(
                [message for errors in self.errors.values() for message in errors]
            )
        return self.cleaned_data["note"]


class CampaignTargetFields(Form):
    """The target of a campaign: a value and the month to reach it by."""

    target_value = forms.DecimalField(
        label=_("Target value"),
        max_digits=9,
        decimal_places=2,
        min_value=0,
        help_text=_("Workers below quota, or the advanced share in percent."),
    )
    target_month = MonthField(label=_("Target month"))


class CampaignForm(CampaignTargetFields):
    """Setting a campaign target (factory.figures.campaigns.set_campaign):
    the workshop or the whole factory, the measure, and a start month among
    the months with records (the service checks the scope has records in
    it)."""

    workshop = forms.ChoiceField(label=_("Workshop"), required=False)
    measure = forms.ChoiceField(
        label=pgettext_lazy("campaign", "Measure"), choices=CampaignMeasure.choices
    )
    start_month = forms.ChoiceField(label=_("Start month"))

    def __init__(self, *args, workshops=(), months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workshops = {workshop.code: workshop for workshop in workshops}
        self.fields["workshop"].choices = [("", _("The whole factory"))] + [
            (workshop.code, workshop.name) for workshop in workshops
        ]
        self.fields["start_month"].choices = [
            (month, month_label(month)) for month in months
        ]
        self.order_fields(
            ["workshop", "measure", "start_month", "target_value", "target_month"]
        )

    def clean_workshop(self) -> Workshop | None:
        return self.workshops.get(self.cleaned_data.get("workshop") or "")

    def clean_start_month(self):
        return parse_month(self.cleaned_data["start_month"])


class CampaignRevisionForm(CampaignTargetFields):
    """A campaign's new target (factory.figures.campaigns.revise_campaign);
    one per campaign on the page, each with the campaign's prefix."""
