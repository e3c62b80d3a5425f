"""Forms validate and normalise what was typed; assistance.services decides."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assistance import standing, worklists
from assistance.filter_fields import ReadOnceModelChoiceField
from assistance.models import (
    AssistanceCase,
    CaseOutcome,
    CaseStatus,
    CheckResult,
    Demonstration,
    FollowUpKind,
    Measure,
)
from assistance.picker import helper_field, one_helper_field
from workers.forms.base import Form, ModelForm
from workers.forms.experiences import CheckedOnField
from workers.forms.roster import WorkerSearchField
from workers.ids import int_param
from workers.models import Cause, Experience, Worker, Workshop
from workers.months import MonthError, month_str, parse_month


class MonthField(forms.Field):
    """A month typed as YYYY-MM (or any form workers.months reads)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("YYYY-MM, e.g. 1956-04"))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"placeholder": "1956-04", "inputmode": "numeric", "maxlength": "20"}
        )

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return month_str(value)
        return value

    def to_python(self, value):
        value = str(value).strip() if value is not None else ""
        if not value:
            return None
        try:
            return parse_month(value)
        except MonthError as error:
            raise ValidationError(str(error), code="bad_month") from None


def workers_for(ids) -> list[Worker]:
    return list(Worker.objects.filter(pk__in=ids))


class ExperienceField(forms.TypedChoiceField):
    """The experience to learn, among those ``offer`` is given (the worker's
    trade's: assistance.experience_suggestions); blank for none."""

    def __init__(self):
        super().__init__(
            label=capfirst(_("experience to learn")),
            required=False,
            coerce=int,
            empty_value=None,
            help_text=_("Backward technique only."),
        )

    def offer(self, choices) -> None:
        self.choices = [("", _("— none —")), *choices]


class VersionedForm(Form):
    """A form over a row someone else may change while it is open: it
    carries the version it was drawn from, and the service refuses a stale
    one (StaleEditError)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def refreshed(self, version: int, **kwargs) -> VersionedForm:
        """The same typed values with ``version``, the one stored now: saving
        again after reading the other person's change is then a deliberate
        overwrite. ``kwargs`` are what the form is built with besides its
        data (a CaseEditForm's choices)."""
        data = self.data.copy()
        data["version"] = version
        refreshed = type(self)(data, **kwargs)
        refreshed.is_valid()
        return refreshed


class OpenCaseForm(Form):
    """One row of the bulk opening page (one worker)."""

    worker = forms.IntegerField(widget=forms.HiddenInput)
    # A blank first choice: a worker not yet classified must not be opened
    # with whatever cause a browser preselects (the first, 技术落后).
    cause = forms.ChoiceField(
        label=capfirst(_("cause")),
        choices=[("", _("— not classified —")), *Cause.choices],
    )
    measure = forms.ChoiceField(
        label=capfirst(_("measure")), choices=[("", "—"), *Measure.choices]
    )
    target_month = MonthField(label=capfirst(_("target month")), required=False)
    experience = ExperienceField()

    def __init__(self, *args, helpers=(), workers=None, experiences=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The row's worker (from the data posted, or the initial row) is left
        # out of his own helpers; ``workers`` maps pk to Worker for the page.
        worker_id = self._worker_id()
        worker = (workers or {}).get(worker_id) if worker_id else None
        self.fields["helpers"] = helper_field(helpers, worker)
        self.fields["cause"].widget.attrs["data-cause"] = "1"
        self.fields["measure"].widget.attrs["data-measure"] = "1"
        # The experiences of the worker's trade he has not mastered, the
        # suggested first (``experiences`` maps a worker's pk to his
        # assistance.experience_suggestions.ExperienceChoices).
        self.experience_choices = (experiences or {}).get(worker_id)
        self.fields["experience"].offer(
            self.experience_choices.choices if self.experience_choices else ()
        )

    def clean(self):
        data = super().clean()
        if data.get("experience") and data.get("cause") != Cause.TECHNIQUE:
            self.add_error(
                "experience",
                ValidationError(
                    _("Name an experience to learn for backward technique only."),
                    code="not_technique",
                ),
            )
        return data

    def _worker_id(self) -> int | None:
        value = (
            self.data.get(self.add_prefix("worker"))
            if self.is_bound
            else self.initial.get("worker")
        )
        return int_param(value)


class CaseEditForm(VersionedForm):
    measure = forms.ChoiceField(label=capfirst(_("measure")), choices=Measure.choices)
    target_month = MonthField(label=capfirst(_("target month")), required=False)

    def __init__(self, *args, helpers=(), worker=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helpers"] = helper_field(helpers, worker)
        self.order_fields(["measure", "helpers", "target_month", "version"])


class CaseExperienceForm(VersionedForm):
    """The experience a technique case's worker is to learn, changed or
    cleared on the case page (assistance.services.change_experience
    decides). ``choices``: the worker's trade's, as at the opening."""

    experience = ExperienceField()

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experience"].offer(choices)
        self.fields["experience"].widget.attrs["class"] = "form-select form-select-sm"


class OneHelperForm(Form):
    """One helper for every case of a bulk action (assistance.views.bulk),
    chosen with the helper picker (assistance.picker) among the eligible
    helpers but ``leave_out``, the workers helped. A bulk action's form
    names its field, label and help."""

    field_name = "helper"
    label = _("helper")
    help_text = _(
        "The same helper for every worker listed above; the number is how "
        "many active cases each already has."
    )

    def __init__(self, *args, helpers=(), leave_out=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.field_name] = one_helper_field(
            helpers,
            leave_out=leave_out,
            label=capfirst(self.label),
            help_text=self.help_text,
        )

    def chosen_helper(self) -> Worker:
        """The helper chosen, once the form is valid."""
        return Worker.objects.get(pk=self.cleaned_data[self.field_name])


class MoveCasesForm(OneHelperForm):
    """The helper who takes a leaving helper's cases."""

    field_name = "to_helper"
    label = _("new helper")
    help_text = _(
        "Takes the place of the helper above on every ticked case; the "
        "cases' other helpers stay."
    )


class CloseCaseForm(VersionedForm):
    outcome = forms.ChoiceField(
        label=capfirst(_("outcome")),
        choices=CaseOutcome.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=capfirst(_("reason for closing")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless the worker reached quota."),
    )


class ReopenCaseForm(VersionedForm):
    reason = forms.CharField(
        label=capfirst(_("reason for reopening")),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RediagnoseForm(VersionedForm):
    """A new cause, a new measure or both (blank: kept), and why
    (assistance.services.rediagnose decides whether anything changes)."""

    cause = forms.ChoiceField(
        label=capfirst(_("new cause")),
        choices=[("", _("keep the cause")), *Cause.choices],
        required=False,
    )
    measure = forms.ChoiceField(
        label=capfirst(_("new measure")),
        choices=[("", _("keep the measure")), *Measure.choices],
        required=False,
    )
    reason = forms.CharField(
        label=capfirst(_("reason for the re-diagnosis")),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the help so far showed about the cause or the measure."),
    )


class FollowUpForm(Form):
    kind = forms.ChoiceField(
        label=capfirst(_("kind")),
        choices=FollowUpKind.choices,
        initial=FollowUpKind.TALK,
        widget=forms.RadioSelect,
    )
    # type=date inputs read and write ISO dates whatever the page's language.
    date = forms.DateField(
        label=capfirst(_("date")),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    text = forms.CharField(
        label=capfirst(_("what happened")), widget=forms.Textarea(attrs={"rows": 4})
    )
    is_private = forms.BooleanField(
        label=capfirst(_("private")),
        required=False,
        initial=True,
        help_text=_("Only the committee secretary and this case's helpers read it."),
    )
    aid_amount = forms.DecimalField(
        label=capfirst(_("aid amount (yuan)")),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    aid_kind = forms.CharField(
        label=capfirst(_("kind of aid")), required=False, max_length=100
    )
    aid_approved_by = forms.CharField(
        label=capfirst(_("aid approved by")), required=False, max_length=100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class CaseFilterForm(Form):
    # The roster's search box, but an employee number is matched from its
    # start: "A100" is A1001, A1002…, never B2100.
    q = WorkerSearchField()
    status = forms.ChoiceField(
        label=capfirst(_("status")),
        required=False,
        choices=[("", "—"), *CaseStatus.choices],
    )
    cause = forms.ChoiceField(
        label=capfirst(_("cause")), required=False, choices=[("", "—"), *Cause.choices]
    )
    measure = forms.ChoiceField(
        label=capfirst(_("measure")),
        required=False,
        choices=[("", "—"), *Measure.choices],
    )
    workshop = ReadOnceModelChoiceField(
        label=capfirst(_("workshop")),
        required=False,
        queryset=Workshop.objects.all(),
        to_field_name="code",
    )
    # The cases of technique that name this experience to learn.
    experience = ReadOnceModelChoiceField(
        label=capfirst(_("experience to learn")),
        required=False,
        queryset=Experience.objects.order_by("name"),
    )
    month = MonthField(label=capfirst(_("month opened")), required=False, help_text="")
    # The bulletin names a few of the month's cases that reached quota and
    # links here for all of them (the definition: standing.reached_in).
    reached_in = MonthField(
        label=capfirst(_("reached quota in")), required=False, help_text=""
    )
    proposed = forms.BooleanField(label=capfirst(_("closure proposed")), required=False)
    quiet = forms.BooleanField(
        label=capfirst(_("no follow-up for a while")),
        required=False,
        help_text=_("Active cases still below quota with no recent follow-up."),
    )
    helpers_left = forms.BooleanField(
        label=capfirst(_("helper left or no longer eligible")),
        required=False,
    )

    def filter(self, cases):
        if not self.is_valid():
            return cases.none()
        data = self.cleaned_data
        if query := data["q"]:
            cases = cases.filter(
                Q(worker__name__icontains=query)
                | Q(worker__employee_no__istartswith=query)
            )
        for name in ("status", "cause", "measure"):
            if data[name]:
                cases = cases.filter(**{name: data[name]})
        if data["workshop"]:
            cases = cases.filter(worker__workshop=data["workshop"])
        if data["experience"]:
            cases = cases.filter(experience=data["experience"])
        if data["month"]:
            cases = cases.filter(month=data["month"])
        if data["reached_in"]:
            reached = standing.reached_in(
                AssistanceCase.objects.all(), data["reached_in"]
            )
            cases = cases.filter(pk__in=reached.values("pk"))
        if data["proposed"]:
            # Proposed and not decided yet: a closed case's proposal is done.
            cases = cases.active().filter(closure_proposed_at__isnull=False)
        if data["quiet"]:
            quiet = worklists.quiet(settings.CASE_REMINDER_DAYS)
            cases = cases.filter(pk__in=quiet.values("pk"))
        if data["helpers_left"]:
            cases = cases.with_helper_gone()
        return cases


class DemonstrationForm(ModelForm):
    """The experience shown is chosen from the catalogue; the technique is
    then what of it was shown (its name when left empty). Without one, the
    technique is required, as it was before the catalogue."""

    class Meta:
        model = Demonstration
        fields = [
            "experience",
            "technique",
            "demonstrator",
            "workshop",
            "date",
            "place",
        ]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demonstrator"].queryset = (
            Worker.objects.active().select_related("workshop").order_by("employee_no")
        )
        self.fields["technique"].required = False
        self.fields["technique"].help_text = _(
            "What was shown; left empty, the experience's name."
        )

    def clean(self):
        data = super().clean()
        experience = data.get("experience")
        if not data.get("technique") and "technique" not in self.errors:
            if experience is not None:
                data["technique"] = experience.name
            elif "experience" not in self.errors:
                self.add_error(
                    "technique",
                    ValidationError(
                        _("Choose the experience shown, or describe the technique."),
                        code="required",
                    ),
                )
        return data


class AddAttendeeForm(Form):
    employee_no = forms.CharField(label=capfirst(_("employee number")), max_length=32)

    def clean_employee_no(self):
        employee_no = self.cleaned_data["employee_no"].strip()
        worker = Worker.objects.active().filter(employee_no=employee_no).first()
        if worker is None:
            raise ValidationError(
                _("No active worker has the employee number “%(no)s”.")
                % {"no": employee_no},
                code="unknown_worker",
            )
        self.worker = worker
        return employee_no


class AddWorkshopForm(Form):
    workshop = forms.ModelChoiceField(
        label=capfirst(_("workshop")),
        queryset=Workshop.objects.all(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class MachineCheckForm(VersionedForm):
    """What the check at the worker's own machine found (assistance.
    services.checks decides; the reason is asked for here too, beside its
    field)."""

    result = forms.ChoiceField(
        label=capfirst(pgettext_lazy("check", "result")),
        choices=CheckResult.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=capfirst(pgettext_lazy("check", "why not yet")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the worker does not apply it yet."),
    )
    # Not after today: the checks of mastery's own field.
    checked_on = CheckedOnField(label=capfirst(_("checked on")))
    # 0: no check recorded yet.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("result") == CheckResult.NOT_YET and not data.get("reason"):
            self.add_error(
                "reason",
                ValidationError(
                    _("Say why the worker does not apply it yet."),
                    code="reason_required",
                ),
            )
        return data
