"""Forms of the catalogue of advanced experiences and of the checks of
mastery: one check from the experience's page or the worker's, and a level
for each of a list of workers (a demonstration's attendees)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from workers.forms.base import Form, ModelForm
from workers.models import Experience, MasteryLevel, Worker
from workers.selectors import roster_trades
from workers.services.mastery import MasteryInput, checked_on_problem

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _active_worker(employee_no: str) -> Worker:
    worker = Worker.objects.active().filter(employee_no=employee_no).first()
    if worker is None:
        raise ValidationError(
            gettext("No active worker has the employee number “%(no)s”.")
            % {"no": employee_no},
            code="unknown_worker",
        )
    return worker


class ExperienceForm(ModelForm):
    """An experience of the catalogue: its trades are chosen among the
    roster's (none ticked: every trade), the worker who first showed it by
    employee number."""

    trades = forms.MultipleChoiceField(
        label=capfirst(_("trades")),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: it applies to every trade."),
    )
    first_shown_by = forms.CharField(
        label=capfirst(_("first shown by")),
        required=False,
        max_length=32,
        help_text=_("The employee number of the worker who first showed it."),
    )

    class Meta:
        model = Experience
        fields = ["name", "trades", "description", "first_shown_by"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "name": {
                "unique": _(
                    "An advanced experience of this name is in the catalogue already."
                )
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kept = list(self.instance.trades) if self.instance.pk else []
        # A trade no active worker has any more stays choosable while the
        # experience names it.
        trades = sorted({*roster_trades(), *kept})
        self.fields["trades"].choices = [(trade, trade) for trade in trades]
        if self.instance.first_shown_by_id and not self.is_bound:
            self.initial["first_shown_by"] = self.instance.first_shown_by.employee_no

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_first_shown_by(self):
        employee_no = self.cleaned_data["first_shown_by"].strip()
        if not employee_no:
            return None
        kept = self.instance.first_shown_by
        if kept is not None and kept.employee_no == employee_no:
            return kept  # who first showed it may have left since
        return _active_worker(employee_no)


class CheckedOnField(forms.DateField):
    """The day of a check: not after today (workers.services.mastery)."""

    widget = DATE_INPUT

    def validate(self, value):
        super().validate(value)
        problem = value and checked_on_problem(value)
        if problem:
            raise ValidationError(
                gettext("“%(field)s” %(problem)s.")
                % {"field": self.label, "problem": problem},
                code="checked_on",
            )


def level_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=capfirst(pgettext_lazy("mastery", "level")),
        choices=MasteryLevel.choices,
        **kwargs,
    )


class CheckForm(Form):
    """One check; the page says of whom or of what (the subclasses)."""

    level = level_field()
    checked_on = CheckedOnField(label=capfirst(_("checked on")))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("checked_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class WorkerCheckForm(CheckForm):
    """A check of one worker (the worker's page): which experience."""

    experience = forms.ModelChoiceField(
        label=capfirst(_("advanced experience")),
        queryset=Experience.objects.all(),
    )
    field_order = ["experience", "level", "checked_on"]

    def check_of(self, worker: Worker) -> MasteryInput:
        data = self.cleaned_data
        return MasteryInput(
            worker.pk, data["experience"].pk, data["level"], data["checked_on"]
        )


class ExperienceCheckForm(CheckForm):
    """A check in one experience (the experience's page): of whom."""

    employee_no = forms.CharField(label=capfirst(_("employee number")), max_length=32)
    field_order = ["employee_no", "level", "checked_on"]

    def clean_employee_no(self):
        employee_no = self.cleaned_data["employee_no"].strip()
        self.worker = _active_worker(employee_no)
        return employee_no

    def check_of(self, experience: Experience) -> MasteryInput:
        data = self.cleaned_data
        return MasteryInput(
            self.worker.pk, experience.pk, data["level"], data["checked_on"]
        )


class LevelsForm(Form):
    """A level for each of ``workers`` (a demonstration's attendees), one
    day for all; a worker left at "no check" is not checked."""

    checked_on = CheckedOnField(label=capfirst(_("checked on")))

    def __init__(self, *args, workers: list[Worker], **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = workers
        # Drawn by hand in a table (templates/assistance/_attendee_levels.html).
        self.fields["checked_on"].widget.attrs["class"] = "form-control form-control-sm"
        blank = [("", gettext("— no check —"))]
        for worker in workers:
            field = level_field(required=False)
            field.choices = blank + list(MasteryLevel.choices)
            field.label = worker.name
            field.widget.attrs["class"] = "form-select form-select-sm"
            self.fields[self.level_name(worker)] = field

    @staticmethod
    def level_name(worker: Worker) -> str:
        return f"level-{worker.pk}"

    def rows(self):
        """(worker, its level field) in the order of ``workers``."""
        return [(w, self[self.level_name(w)]) for w in self.workers]

    def clean(self):
        data = super().clean()
        if not any(data.get(self.level_name(w)) for w in self.workers):
            raise ValidationError(
                gettext("Choose a level for at least one attendee."),
                code="no_level",
            )
        return data

    def checks_of(self, experience: Experience) -> list[MasteryInput]:
        data = self.cleaned_data
        return [
            MasteryInput(w.pk, experience.pk, level, data["checked_on"])
            for w in self.workers
            if (level := data.get(self.level_name(w)))
        ]
