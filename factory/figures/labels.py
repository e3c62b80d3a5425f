"""Labels of the codes that figures are keyed by, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from assistance.models import Measure
from workers.models import Cause, PoliticalStatus

UNCLASSIFIED_LABEL = gettext_lazy("not classified")
ACTIVIST_LABEL = gettext_lazy("activist")


def cause_label(key: str) -> str:
    if key == "unclassified":
        return str(UNCLASSIFIED_LABEL)
    return str(dict(Cause.choices).get(key, key))


def measure_label(key: str) -> str:
    return str(dict(Measure.choices).get(key, key))


def helper_kind_label(key: str) -> str:
    if key == "activist":
        return str(ACTIVIST_LABEL)
    return str(dict(PoliticalStatus.choices).get(key, key))
