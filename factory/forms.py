"""Forms of the factory app: publishing a month."""

from __future__ import annotations

from django import forms
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
