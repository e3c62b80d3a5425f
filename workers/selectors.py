"""Read-side queries of the workers app for pages that show records."""

from __future__ import annotations

from workers.models import Worker
from workers.months import month_str


def worker_attainment_history(worker: Worker) -> list[dict]:
    """The worker's records, oldest first, each with its band (one query).

    Each dict: month (date), label (YYYY-MM), quota, output, unit,
    attainment, standard_pct (the standard in force that month),
    disqualified, band (a workers.models.Band value, computed in SQL).
    """
    rows = (
        worker.records.with_band()
        .order_by("month")
        .values(
            "month",
            "quota",
            "output",
            "unit",
            "attainment",
            "standard_pct",
            "disqualified",
            "band",
        )
    )
    return [{**row, "label": month_str(row["month"])} for row in rows]


def roster_trades() -> list[str]:
    """The trades of the active roster, as it spells them (one query)."""
    return list(
        Worker.objects.active()
        .exclude(trade="")
        .order_by("trade")
        .values_list("trade", flat=True)
        .distinct()
    )
