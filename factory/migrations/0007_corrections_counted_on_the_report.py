"""A revision's list of changes is counted as every page now counts a
correction (DESIGN.md, "What a correction changed"): the keys of the
factory's movement report that differ from the revision before. Lists made
before compared every dashboard and the bulletin, so one correction was
counted several times over and named workshops by code.

The rule is imported, not copied: it is a pure function of two reports,
and a list must read the same as the pages that count it.
"""

from django.db import migrations


def recount(apps, schema_editor):
    from factory.figures.corrections import report_changes

    MonthSnapshot = apps.get_model("factory", "MonthSnapshot")
    before = {}
    for snapshot in MonthSnapshot.objects.order_by("month", "revision"):
        previous = before.get(snapshot.month)
        report = (snapshot.data.get("factory") or {}).get("report")
        if previous is not None and report is not None:
            snapshot.changes = report_changes(previous, report)
            snapshot.save(update_fields=["changes"])
        before[snapshot.month] = report


class Migration(migrations.Migration):
    dependencies = [("factory", "0006_case_outcomes_and_reached")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
