"""Forms of the factory app: publishing a month, marking it complete."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from factory.figures.publishing import (
    MISSING_WORKSHOPS,
    PROPOSED_CLOSURES,
    UNCLASSIFIED,
    Unfinished,
)
from workers.forms.base import Form

ACKNOWLEDGEMENTS = {
    MISSING_WORKSHOPS: _("I know that these workshops have not reported; publish."),
    UNCLASSIFIED: _("I know that these shortfalls are not classified; publish."),
    PROPOSED_CLOSURES: _(
        "I know that these proposed closures are not decided; publish."
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
