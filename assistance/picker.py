"""The helper picker: the helpers' <select multiple> of the case forms.

Without JavaScript it is a native multi-select, grouped by workshop. With it,
static/js/helper_picker.js puts Tom Select (static/vendor/tom-select) over the
same element, reading each option's data-* attributes: nothing but the select
posts, so the form and its validation are the same either way.

The worker being helped is not among the choices at all (and a forged post
naming him gets the service's own message), and his workshop comes first:
a helper from the same workshop is the usual choice.

The bulk actions' one helper for many cases (one_helper_field) is the same
picker over a single <select> of the same groups and labels, without the
workers helped.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assistance.selectors import HelperOption
from assistance.services import helper_limit
from workers.models import Worker


class HelperOptions:
    """Of the picker's widgets: every option carries what the picker shows
    and searches, and a helper at the limit is marked full."""

    def __init__(self, attrs=None, choices=(), helpers=None):
        super().__init__(attrs, choices)
        self.helpers: dict[int, HelperOption] = helpers or {}
        self.limit = 0

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        helper = self.helpers.get(value)
        if helper is not None:
            option["attrs"].update(
                {
                    "data-name": helper.name,
                    "data-number": helper.employee_no,
                    "data-workshop": helper.workshop,
                    "data-standing": helper.standing,
                    "data-load": helper.load,
                    "data-load-text": ngettext(
                        "%(counter)s active case",
                        "%(counter)s active cases",
                        helper.load,
                    )
                    % {"counter": helper.load},
                }
            )
            if self.limit and helper.load >= self.limit:
                option["attrs"]["data-full"] = "1"
        return option


class HelperSelect(HelperOptions, forms.SelectMultiple):
    """The helpers of one case: several."""


class OneHelperSelect(HelperOptions, forms.Select):
    """The one helper of a bulk action's cases."""


def _picker(widget_class, helpers: Sequence[HelperOption], attrs=None):
    """``widget_class`` marked for static/js/helper_picker.js, with the words
    it shows (translated here: the script has none of its own)."""
    widget = widget_class(
        attrs={
            "data-helper-picker": "1",
            "data-placeholder": _("Type a name, employee number or workshop"),
            "data-no-results": _("No eligible helper matches."),
            "data-remove": _("Remove"),
            **(attrs or {}),
        },
        helpers={helper.pk: helper for helper in helpers},
    )
    widget.limit = helper_limit()
    return widget


class HelperField(forms.TypedMultipleChoiceField):
    """The chosen helpers' pks; the worker himself is refused by name."""

    def __init__(self, *, worker: Worker | None = None, **kwargs):
        self.worker = worker
        super().__init__(**kwargs)

    def validate(self, value):
        # Not offered, so only a forged or stale post names him; the service
        # would refuse him too (assistance.services.common.check_helpers).
        # Runs before coercion: the values are still the strings posted.
        if self.worker is not None and str(self.worker.pk) in map(str, value):
            raise ValidationError(
                _("%(name)s cannot be their own helper.") % {"name": self.worker},
                code="own_helper",
            )
        super().validate(value)


def helper_groups(
    helpers: Sequence[HelperOption],
    *,
    worker: Worker | None = None,
    leave_out: Collection[int] = (),
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The helpers as <optgroup>s by workshop, each labelled with their
    political status and load: never ``worker`` nor anyone of ``leave_out``
    (the workers being helped), ``worker``'s workshop first. A workshop
    left without anyone is no group at all."""
    left_out = set(leave_out) | ({worker.pk} if worker is not None else set())
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    own = worker.workshop_id if worker is not None else None
    if own is not None:
        groups[own] = ("", [])  # first, named below if it has anyone
    for helper in helpers:
        if helper.pk in left_out:
            continue
        label = _("%(name)s (%(standing)s) · %(count)d active cases") % {
            "name": helper.name,
            "standing": helper.standing,
            "count": helper.load,
        }
        group = groups.setdefault(helper.workshop_id, (helper.workshop, []))
        group[1].append((helper.pk, label))
    if own is not None:
        options = groups[own][1]
        if options:
            label = _("%(workshop)s (same workshop)") % {"workshop": worker.workshop}
            groups[own] = (label, options)
        else:
            del groups[own]
    return list(groups.values())


def one_helper_field(
    helpers: Sequence[HelperOption],
    *,
    leave_out: Collection[int],
    label,
    help_text,
) -> forms.TypedChoiceField:
    """One helper for many cases (a bulk action): the picker over a single
    <select> of the same groups, without the workers of ``leave_out``; the
    chosen pk."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        coerce=int,
        choices=[("", "—"), *helper_groups(helpers, leave_out=leave_out)],
        widget=_picker(OneHelperSelect, helpers),
    )


def helper_field(
    helpers: Sequence[HelperOption], worker: Worker | None = None
) -> HelperField:
    """The helpers field for a case of ``worker``: every eligible helper but
    the worker, grouped by workshop, the worker's own workshop first."""
    widget = _picker(
        HelperSelect,
        helpers,
        {
            "size": 6,
            # Takes the place of the native list's hint (Ctrl) once the
            # picker is on.
            "data-help": _(
                "Type two characters of a name, an employee number or a "
                "workshop, then tap a helper; tap × to take one off. Party "
                "members, League members and activists."
            ),
        },
    )
    return HelperField(
        worker=worker,
        label=capfirst(gettext_lazy("helpers")),
        choices=helper_groups(helpers, worker=worker),
        coerce=int,
        widget=widget,
        help_text=gettext_lazy(
            "Party members, League members and activists; the number is how "
            "many active cases each already has. Hold Ctrl to choose several."
        ),
    )
