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
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


class Form(RefusesControlCharacters, forms.Form):
    pass


class ModelForm(RefusesControlCharacters, forms.ModelForm):
    pass
