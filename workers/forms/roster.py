"""Forms of the roster pages and the import upload."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from workers.forms.base import Form, ModelForm
from workers.models import PoliticalStatus, Worker, Workshop


class ImportUploadForm(Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or GBK), Excel workbook (.xlsx or .xls) or LibreOffice "
            "spreadsheet (.ods)"
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.xlsx,.xlsm,.xls,.ods"}
        ),
    )

    def __init__(self, importer_cls, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_names = []
        for name, field in importer_cls.option_fields().items():
            self.fields[name] = field
            self.option_names.append(name)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading, so a huge upload is never held in memory.
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(
                    "The file is too large (%(size)s MB); the limit is %(limit)s "
                    "MB. Split it into smaller files."
                )
                % {
                    "size": f"{upload.size / (1024 * 1024):.1f}",
                    "limit": f"{limit / (1024 * 1024):.1f}",
                }
            )
        return upload

    def options(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.option_names}


class ColumnMappingForm(Form):
    """Which of the file's headers holds each column the reader did not find.

    One choice per column of the importer that the header row lacks (the
    required ones must be chosen), preselected from the columns' synonyms;
    a header may hold one column only.
    """

    def __init__(self, importer_cls, summary: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.summary = summary
        found = summary.get("found", {})
        missing = set(summary.get("missing", []))
        taken = set(found.values())
        choices = [("", gettext("— choose the header —"))] + [
            (header, header) for header in summary["headers"] if header not in taken
        ]
        self.column_names = []
        for column in importer_cls.columns:
            if column.name in found:
                continue
            required = column.name in missing
            self.fields[column.name] = forms.ChoiceField(
                label=_column_label(column),
                choices=choices
                if required
                else [("", gettext("— not in the file —")), *choices[1:]],
                required=required,
                initial=summary.get("suggested", {}).get(column.name, ""),
            )
            self.column_names.append(column.name)

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for name in self.column_names:
            header = cleaned.get(name)
            if not header:
                continue
            if header in seen:
                self.add_error(
                    name,
                    gettext("“%(header)s” is already chosen for %(other)s.")
                    % {"header": header, "other": self.fields[seen[header]].label},
                )
            seen[header] = name
        return cleaned

    def mapping(self) -> dict[str, str]:
        """{column: header} of every column, the ones found by name included."""
        chosen = {
            name: self.cleaned_data[name]
            for name in self.column_names
            if self.cleaned_data.get(name)
        }
        return {**self.summary.get("found", {}), **chosen}


def _column_label(column) -> str:
    # The header the import template writes for the reader (not the code name).
    return column.header_in(get_language() or "")


def _account_choices(current_user_id=None):
    """Accounts that may be linked to a worker: not linked to another one."""
    users = get_user_model().objects.filter(is_active=True)
    free = Q(worker__isnull=True)
    if current_user_id:
        free |= Q(pk=current_user_id)
    return users.filter(free).order_by("username")


class WorkerForm(ModelForm):
    # The worker's updated_at when the form was opened; a save based on an
    # older version would silently undo someone else's change.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Worker
        fields = [
            "employee_no",
            "name",
            "workshop",
            "trade",
            "political_status",
            "is_activist",
            "active",
            "user",
        ]
        # A person's name is 姓名 (GLOSSARY); the model's "name" reads 名称.
        labels = {"name": capfirst(_("worker's name"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = Workshop.objects.order_by("code")
        self.fields["user"].queryset = _account_choices(self.instance.user_id)
        self.fields["user"].help_text = _(
            "Only for helpers who log in: the account linked to this worker."
        )
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = version_of(self.instance)

    def clean_employee_no(self):
        return self.cleaned_data["employee_no"].strip()

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version") != version_of(self.instance):
            raise forms.ValidationError(
                gettext(
                    "Someone else changed this worker after you opened the form. "
                    "Your changes were not saved: open the worker again, then "
                    "make them once more."
                ),
                code="stale",
            )
        return cleaned


def version_of(worker: Worker) -> str:
    return worker.updated_at.isoformat() if worker.updated_at else ""


class WorkshopForm(ModelForm):
    class Meta:
        model = Workshop
        fields = ["code", "name", "managers"]
        widgets = {"managers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "Short code used in files and addresses, e.g. jg2."
        )
        # Directors are accounts that may view workshops (the manager role).
        directors = Q(
            groups__permissions__codename="view_workshop",
            groups__permissions__content_type__app_label="workers",
        ) | Q(
            user_permissions__codename="view_workshop",
            user_permissions__content_type__app_label="workers",
        )
        if self.instance.pk:
            directors |= Q(managed_workshops=self.instance)
        self.fields["managers"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(directors)
            .distinct()
            .order_by("username")
        )
        self.fields["managers"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )


ACTIVIST_CHOICES = [
    ("", capfirst(_("all"))),
    ("yes", capfirst(_("activists"))),
    ("no", capfirst(_("not activists"))),
]
ACTIVE_CHOICES = [
    ("yes", capfirst(pgettext_lazy("roster", "active"))),
    ("no", capfirst(_("no longer active"))),
    ("all", capfirst(_("all"))),
]
SORT_CHOICES = [
    ("employee_no", capfirst(_("employee number"))),
    ("name", capfirst(pgettext_lazy("person", "name"))),
    ("workshop", capfirst(_("workshop"))),
    ("political_status", capfirst(_("political status"))),
    ("-updated_at", capfirst(_("recently changed"))),
]
# Sort keys → ORDER BY; employee_no last makes every order total (stable pages).
SORT_ORDER = {
    "employee_no": ["employee_no"],
    "name": ["name", "employee_no"],
    "workshop": ["workshop__code", "employee_no"],
    "political_status": ["political_status", "employee_no"],
    "-updated_at": ["-updated_at", "employee_no"],
}


class WorkerSearchField(forms.CharField):
    """The search box of a list of workers: a name or an employee number
    (each list says how it matches them)."""

    def __init__(self):
        super().__init__(
            label=_("Search"),
            required=False,
            max_length=100,
            widget=forms.TextInput(
                attrs={"placeholder": _("name or employee number"), "type": "search"}
            ),
        )


class RosterFilterForm(Form):
    q = WorkerSearchField()
    workshop = forms.ModelChoiceField(
        label=capfirst(_("workshop")),
        queryset=Workshop.objects.none(),
        required=False,
        empty_label=capfirst(_("all workshops")),
    )
    political_status = forms.ChoiceField(
        label=capfirst(_("political status")),
        choices=[("", _("all"))] + PoliticalStatus.choices,
        required=False,
    )
    activist = forms.ChoiceField(
        label=capfirst(_("activist")), choices=ACTIVIST_CHOICES, required=False
    )
    active = forms.ChoiceField(
        label=capfirst(pgettext_lazy("roster", "active")),
        choices=ACTIVE_CHOICES,
        required=False,
    )
    sort = forms.ChoiceField(
        label=capfirst(_("sort by")), choices=SORT_CHOICES, required=False
    )

    def __init__(self, *args, workshops=None, **kwargs):
        super().__init__(*args, **kwargs)
        if workshops is not None:
            self.fields["workshop"].queryset = workshops
        for field in self.fields.values():
            css = (
                "form-select"
                if isinstance(field, forms.ChoiceField)
                else "form-control"
            )
            field.widget.attrs["class"] = f"{css} {css}-sm"

    def filter(self, workers):
        """Apply the valid filters; an invalid one is ignored, not an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if query := (data.get("q") or "").strip():
            workers = workers.filter(
                Q(name__icontains=query) | Q(employee_no__icontains=query)
            )
        if workshop := data.get("workshop"):
            workers = workers.filter(workshop=workshop)
        if status := data.get("political_status"):
            workers = workers.filter(political_status=status)
        if data.get("activist") in ("yes", "no"):
            workers = workers.filter(is_activist=data["activist"] == "yes")
        active = data.get("active") or "yes"
        if active != "all":
            workers = workers.filter(active=active == "yes")
        return workers.order_by(*SORT_ORDER[data.get("sort") or "employee_no"])
