"""The quota review page's forms: which month it shows, and the committee's
decision on one group (the service, workers.services.decide_quota_review,
decides whether it stands)."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from workers.forms.base import Form
from workers.forms.records import MonthField
from workers.models import QuotaDecision
from workers.text import MAX_CELL_CHARS


class QuotaReviewMonthForm(Form):
    """?month=: the working month when none (or a bad one) is asked for."""

    month = MonthField(label=capfirst(gettext_lazy("month")), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="chooser_%s", **kwargs)
        self.fields["month"].widget.attrs["class"] = "form-control form-control-sm"


class QuotaReviewForm(Form):
    """The decision on one group: the quota kept, or to be revised from a
    month on; a reason either way. ``version`` is the decision the form
    shows (0: none), so that a decision taken meanwhile is not replaced
    unseen."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=capfirst(gettext_lazy("decision")), widget=forms.RadioSelect
    )
    revise_from = MonthField(
        label=gettext_lazy("Revised from (month)"),
        required=False,
        help_text=gettext_lazy("Only when the quota is to be revised."),
    )
    reason = forms.CharField(
        label=capfirst(gettext_lazy("reason")),
        max_length=MAX_CELL_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (value, capfirst(label)) for value, label in QuotaDecision.choices
        ]
