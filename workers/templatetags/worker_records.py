"""The worker page's attainment section (templates/workers/_worker_records.html)
gets its data here, so the roster's detail view needs no change."""

from __future__ import annotations

from django import template

from workers.models import Band, MasteryLevel
from workers.numbers import number_text
from workers.selectors import worker_attainment_history

register = template.Library()

# A level in an experience, drawn the same on the worker's page, the
# experience's and the matrix (whose legend names them).
LEVEL_BADGES = {
    MasteryLevel.LEARNING: "text-bg-light border",
    MasteryLevel.APPLIES: "text-bg-success",
    MasteryLevel.TEACHES: "text-bg-dark",
}

BAND_CLASSES = {
    Band.ADVANCED: "band-advanced",
    Band.MEETS_QUOTA: "band-meets",
    Band.BELOW_QUOTA: "band-below",
}


@register.simple_tag
def worker_records(worker) -> dict:
    """``{% worker_records worker as records %}``: rows for the table and the
    chart's data (passed to the page with json_script)."""
    history = worker_attainment_history(worker)
    for row in history:
        row["band_label"] = Band(row["band"]).label
        row["band_class"] = BAND_CLASSES[row["band"]]
    return {
        "history": list(reversed(history)),  # newest first in the table
        "chart": {
            "labels": [row["label"] for row in history],
            "attainment": [_number(row["attainment"]) for row in history],
            "standard": [_number(row["standard_pct"]) for row in history],
            "bands": [row["band"] for row in history],
        },
    }


@register.filter
def band_class(band: str) -> str:
    return BAND_CLASSES.get(band, "")


@register.filter
def attainment(value) -> str:
    """An attainment as every page writes it (workers.numbers): 99.96, 100,
    112.5; the template adds the "%"."""
    return number_text(value)


@register.filter
def number(value) -> str:
    """A quota, an output or any figure as every page writes it
    (workers.numbers): 191.6, 208, "—" for none."""
    return number_text(value)


@register.filter
def quota_band(meets: bool) -> str:
    """The band of a record judged on its quota alone (no standard): meets
    quota or below it, for band_class."""
    return Band.MEETS_QUOTA if meets else Band.BELOW_QUOTA


@register.filter
def band_label(band: str) -> str:
    return Band(band).label if band in Band.values else band


def _number(value) -> float | None:
    return None if value is None else float(value)


@register.filter
def level_badge(level: str) -> str:
    """The badge classes of a level in an experience (MasteryLevel)."""
    return LEVEL_BADGES.get(level, "text-bg-secondary")
