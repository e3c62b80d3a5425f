"""Forms of the record pages: the entry grid, the ranking filter, the
standard and disqualifications. They validate and normalise; the services in
workers.services decide and write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workers.forms.base import Form
from workers.importing.values import ValueProblem, parse_decimal
from workers.models import DisqualificationReason, Worker, Workshop
from workers.months import MonthError, checked_month, month_str
from workers.numbers import number_text
from workers.services import clean_output, clean_quota, clean_record_month

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class MonthField(forms.Field):
    """A month written YYYY-MM (or 1956年3月, 1956/3); cleans to its first day."""

    widget = forms.TextInput

    def __init__(self, *, past_only: bool = False, **kwargs):
        self.past_only = past_only
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": "1956-03", "size": 8})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return month_str(value) if isinstance(value, dt.date) else value

    def to_python(self, value):
        text = str(value or "").strip()[:40]
        if not text:
            return None
        try:
            month = checked_month(text)
        except MonthError as exc:
            raise ValidationError(str(exc), code="invalid_month") from exc
        if self.past_only:
            clean_record_month(month)
        return month


class WorkshopMonthForm(Form):
    """Which workshop and month a page shows (GET parameters).

    ``workshops`` is the list the user may choose from, already fetched by
    the view: the choices and the check cost no further query.
    """

    workshop = forms.ChoiceField(
        label=capfirst(gettext_lazy("workshop")), required=False
    )
    month = MonthField(label=capfirst(gettext_lazy("month")), required=False)

    def __init__(self, *args, workshops=(), workshop_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshops = {workshop.code: workshop for workshop in workshops}
        field = self.fields["workshop"]
        field.required = workshop_required
        field.choices = [] if workshop_required else [("", _("all my workshops"))]
        field.choices += [(w.code, w.name) for w in self.workshops.values()]
        field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["month"].widget.attrs["class"] = "form-control form-control-sm"

    def clean_workshop(self) -> Workshop | None:
        return self.workshops.get(self.cleaned_data.get("workshop") or "")


class RankingFilterForm(WorkshopMonthForm):
    """The ranking's filters: a workshop, a month, and a worker's name or
    employee number."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("name or employee number"),
                "type": "search",
                "class": "form-control form-control-sm",
            }
        ),
    )


class EntryChoiceForm(WorkshopMonthForm):
    """The entry grid needs one workshop and a month that is not in the future."""

    month = MonthField(label=capfirst(gettext_lazy("month")), past_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, workshop_required=True, **kwargs)


class AmountField(forms.DecimalField):
    """A quota or output typed in the grid, read by the import's number policy.

    Python's Decimal reads digits of any alphabet ("٣" is 3) and exponents
    ("1e3"); the import refuses both, and a figure must not be accepted on
    one path and refused on the other. Full-width digits (what a Chinese
    input method types) and "1,200" are read, as in a file.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_decimal(
                str(value),
                allow_negative=True,  # clean_quota / clean_output say why not
                max_digits=self.max_digits,
                decimal_places=self.decimal_places,
            )
        except ValueProblem as problem:
            raise ValidationError(problem.message, code="invalid") from None


class DirectInput:
    """An <input> written in Python rather than through the form renderer's
    template: the entry grid draws a workshop's 450 rows × 5 inputs, and a
    widget's template costs about 0.3 ms each (0.7 s a page). The markup is
    Django's input.html's: the same attributes, the BoundField's (id,
    aria-invalid) among them, True as a bare attribute, False left out."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            format_html(' value="{}"', value) if value is not None else "",
            _attributes(widget["attrs"]),
        )


def _attributes(attrs: dict) -> str:
    """Django's attrs.html, in its order (flatatt sorts them): True a bare
    attribute, False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(" {}", name)
                if value is True
                else format_html(' {}="{}"', name, value),
            )
            for name, value in attrs.items()
            if value is not False
        ),
    )


class GridHiddenInput(DirectInput, forms.HiddenInput):
    pass


class GridTextInput(DirectInput, forms.TextInput):
    pass


class AmountInput(GridTextInput):
    """A stored figure is filled in as every page writes it (191.6, not
    191.60: workers.numbers); what was typed is shown as typed."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return number_text(value)
        return super().format_value(value)


class RecordEntryForm(Form):
    """One worker's row of the entry grid.

    ``version`` is the stored record's updated_at when the grid was drawn
    (empty when there was no record): save_records refuses the row if the
    record changed since.
    """

    worker_id = forms.IntegerField(widget=GridHiddenInput)
    version = forms.CharField(widget=GridHiddenInput, required=False)
    quota = AmountField(
        label=capfirst(gettext_lazy("quota")),
        required=False,
        **AMOUNT,
        widget=AmountInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm"}
        ),
    )
    output = AmountField(
        label=capfirst(gettext_lazy("output")),
        required=False,
        **AMOUNT,
        widget=AmountInput(
            attrs={"inputmode": "decimal", "class": "form-control form-control-sm"}
        ),
    )
    unit = forms.CharField(
        label=capfirst(gettext_lazy("unit")),
        required=False,
        max_length=20,
        widget=GridTextInput(attrs={"class": "form-control form-control-sm"}),
    )

    def clean_quota(self):
        quota = self.cleaned_data.get("quota")
        if quota is None:
            return None
        return clean_quota(quota)

    def clean_output(self):
        output = self.cleaned_data.get("output")
        if output is None:
            return None
        return clean_output(output)

    def clean_version(self) -> dt.datetime | None:
        text = self.cleaned_data.get("version") or ""
        if not text:
            return None
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            # Only a tampered form gets here; treating it as "changed
            # meanwhile" makes the user look at the row again.
            return dt.datetime.min.replace(tzinfo=dt.UTC)

    def clean(self):
        data = super().clean()
        quota, output = data.get("quota"), data.get("output")
        had_record = bool(self["version"].value())
        if self.errors:
            return data
        if output is not None and quota is None:
            self.add_error("quota", _("Give the quota as well as the output."))
        elif had_record and (quota is None or output is None):
            self.add_error(
                "output" if quota is not None else "quota",
                _(
                    "This worker has a record for the month: give both quota "
                    "and output (records are not deleted here)."
                ),
            )
        return data

    @property
    def to_save(self) -> bool:
        """A changed row with both figures: the rows sent to save_records."""
        return (
            self.has_changed()
            and self.cleaned_data.get("quota") is not None
            and self.cleaned_data.get("output") is not None
        )


class BaseEntryFormSet(forms.BaseFormSet):
    """The grid's rows must be the workers it was drawn for, in that order."""

    def __init__(self, *args, worker_ids: list[int], **kwargs):
        self.worker_ids = worker_ids
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        posted = [form.cleaned_data.get("worker_id") for form in self.forms]
        if posted != self.worker_ids:
            raise ValidationError(
                _(
                    "The workshop's list of workers changed while you were "
                    "typing. Open the grid again; what you typed is below."
                ),
                code="roster_changed",
            )


def entry_formset_class(size: int):
    return forms.formset_factory(
        RecordEntryForm,
        formset=BaseEntryFormSet,
        extra=0,
        min_num=size,
        max_num=size,
        validate_min=True,
        validate_max=True,
    )


class StandardForm(Form):
    month = MonthField(
        label=capfirst(gettext_lazy("in force from")),
        help_text=gettext_lazy("The first month it applies to (YYYY-MM)."),
    )
    threshold_pct = forms.DecimalField(
        label=capfirst(gettext_lazy("advanced standard (%)")),
        max_digits=6,
        decimal_places=2,
        min_value=1,
        max_value=1000,
        help_text=gettext_lazy("Attainment an advanced producer must reach, e.g. 110."),
    )


class DisqualificationForm(Form):
    employee_no = forms.CharField(
        label=capfirst(gettext_lazy("employee number")), max_length=32
    )
    month = MonthField(label=capfirst(gettext_lazy("month")), past_only=True)
    reason = forms.ChoiceField(
        label=capfirst(gettext_lazy("reason")),
        # No default: the committee names the reason on purpose.
        choices=[("", "---------"), *DisqualificationReason.choices],
    )
    note = forms.CharField(
        label=capfirst(gettext_lazy("note")),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=gettext_lazy("What happened, for the committee's record."),
    )

    def clean_employee_no(self) -> Worker:
        from workers.importing.values import clean_employee_no

        number = clean_employee_no(self.cleaned_data["employee_no"])
        worker = (
            Worker.objects.select_related("workshop").filter(employee_no=number).first()
        )
        if worker is None:
            raise ValidationError(
                _("No worker has the employee number “%(number)s”.")
                % {"number": number}
            )
        return worker
