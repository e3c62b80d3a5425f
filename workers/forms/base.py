"""The base of every form of the project: text is refused the way the
imports refuse a cell.

A name or a note pasted from a spreadsheet may carry a control character
(\\x01, a vertical tab, an escape sequence). The imports refuse such a cell
with its row and column (workers.text.check_text); a form
refuses the same text beside its field, naming it, with the same rule —
tab and line breaks are text, NUL and the other control characters are not,
nor is text over the cell limit. Every form of workers, assistance and
factory derives from Form or ModelForm here (a test walks them all), and
the admin's forms of the roster too.

A list of ids (a workshop's managers) is read with the views' rule
(workers.ids.int_param): an id no key can hold is refused as an unknown one.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from workers.ids import int_param
from workers.text import check_text


class StorableText:
    """A validator for one field: its label names the field in the message."""

    def __init__(self, label) -> None:
        self.label = label

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        problem = check_text(value)
        if problem:
            raise ValidationError(
                _("“%(field)s” %(problem)s.")
                % {"field": self.label, "problem": problem},
                code="control_character",
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, StorableText) and other.label == self.label


class RefusesControlCharacters:
    """Mixin: every text field (forms.CharField and its kin) gets the rule.

    Applied when the form is cleaned, so fields that a form adds in its own
    __init__ are covered too.
    """

    def full_clean(self):
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                validator = StorableText(field.label or name)
                if validator not in field.validators:
                    field.validators.append(validator)
        super().full_clean()


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id past a key's range before the query: Django
    asks the database with every id posted, and SQLite answers one over
    2^63 - 1 with an OverflowError (a 500)."""

    def clean(self, value):
        if isinstance(value, (list, tuple)) and self.to_field_name is None:
            for pk in value:
                if int_param(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super().clean(value)


class RefusesIdsPastTheKeys:
    """Mixin: every list of ids (a ModelForm's many-to-many field, or one a
    form declares or adds in its __init__) is read as ModelMultipleChoiceField
    above."""

    def full_clean(self):
        for field in self.fields.values():
            if type(field) is forms.ModelMultipleChoiceField:
                # Only the clean differs, so the field's state is kept as is.
                field.__class__ = ModelMultipleChoiceField
        super().full_clean()


class Form(RefusesControlCharacters, RefusesIdsPastTheKeys, forms.Form):
    pass


class ModelForm(RefusesControlCharacters, RefusesIdsPastTheKeys, forms.ModelForm):
    pass


def attach_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, beside the field it names
    when the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
