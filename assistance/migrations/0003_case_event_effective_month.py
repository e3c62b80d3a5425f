"""Every case event gets the month it is effective in (docs/ARCHITECTURE.md, "The month").

Existing events are filled as docs/ARCHITECTURE.md defines it: an opening, the case's
month; a change caused by records, that record's month (already in
``month``); a person's action, the working month when it was done — which
is not recorded, so the nearest honest reading is taken: the latest month
with a record entered by then, never before the case's month. A closing's
outcome is copied from the case when it is the case's latest closing.
"""

from django.db import migrations, models
from django.db.models import Max, Q


def fill_effective_months(apps, schema_editor):
    CaseEvent = apps.get_model("assistance", "CaseEvent")
    ProductionRecord = apps.get_model("workers", "ProductionRecord")
    events = CaseEvent.objects.select_related("case").order_by("case_id", "at", "pk")
    latest_close = {}
    for event in events:
        case = event.case
        if event.kind == "status" and not event.from_status:
            month = case.month
        elif (
            event.kind == "status"
            and event.month is not None
            and {event.from_status, event.to_status} <= {"open", "reached_quota"}
        ):
            month = event.month
        else:
            entered = ProductionRecord.objects.filter(
                entered_at__lte=event.at
            ).aggregate(latest=Max("month"))["latest"]
            month = max(case.month, entered) if entered else case.month
        event.effective_month = month
        event.save(update_fields=["effective_month"])
        if event.kind == "status" and event.to_status == "closed":
            latest_close[case.pk] = event
    for event in latest_close.values():
        if event.case.status == "closed":
            event.outcome = event.case.outcome
            event.save(update_fields=["outcome"])
        else:
            event.outcome = "other"
            event.save(update_fields=["outcome"])
    CaseEvent.objects.filter(
        Q(kind="status", to_status="closed", outcome="")
    ).update(outcome="other")
    # The measure in force after each opening and change of measure: a
    # change's note is "old → new"; an opening's is the first change's old
    # measure, or the case's measure when it never changed.
    for event in CaseEvent.objects.filter(kind="measure_changed"):
        _old, _sep, new = event.note.partition(" → ")
        event.measure = new
        event.save(update_fields=["measure"])
    for event in CaseEvent.objects.filter(kind="status", from_status="").select_related(
        "case"
    ):
        first_change = (
            CaseEvent.objects.filter(case=event.case, kind="measure_changed")
            .order_by("at", "pk")
            .first()
        )
        if first_change is not None:
            event.measure = first_change.note.partition(" → ")[0]
        else:
            event.measure = event.case.measure
        event.save(update_fields=["measure"])


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0002_case_event_kind"),
        ("workers", "0005_month_completion"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="effective_month",
            field=models.DateField(null=True, verbose_name="effective month"),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("reached_quota", "reached quota"),
                    ("left_factory", "left the factory"),
                    ("transferred", "transferred"),
                    ("other", "other"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="measure",
            field=models.CharField(
                blank=True,
                choices=[
                    ("demonstration", "visit to a demonstration"),
                    ("mentoring", "coaching at the bench"),
                    ("individual_help", "individual help"),
                    ("hardship_aid", "hardship aid"),
                    ("other", "other"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(fill_effective_months, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseevent",
            name="effective_month",
            field=models.DateField(verbose_name="effective month"),
        ),
        migrations.AlterModelOptions(
            name="caseevent",
            options={
                "ordering": ["effective_month", "at", "pk"],
                "verbose_name": "status change",
                "verbose_name_plural": "status changes",
            },
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(
                fields=["case", "effective_month"],
                name="assistance__case_id_eff_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.CheckConstraint(
                condition=Q(effective_month__day=1),
                name="case_event_effective_month_first_day",
            ),
        ),
    ]
