"""Fields of the lists' filter forms."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.functional import cached_property


class ReadOnceChoiceIterator(ModelChoiceIterator):
    """Choices read in one query: a template's ``{% for %}`` asks their
    number first, which Django's iterator answers with a query of its own."""

    @cached_property
    def _choices(self) -> list:
        return list(super().__iter__())

    def __iter__(self):
        return iter(self._choices)

    def __len__(self) -> int:
        return len(self._choices)


class ReadOnceModelChoiceField(forms.ModelChoiceField):
    iterator = ReadOnceChoiceIterator
