"""The case rows gain the outcomes by measure and the cases that reached
quota in the month (assistance.outcomes); published bulletins keep those
cases as counts and a few examples instead of every case.

The case rows are emptied here and built again after the migration
(factory.figures.summaries.build_if_missing, on post_migrate), with the code that
keeps them current from then on.
"""

from django.db import migrations, models

# As assistance.outcomes.EXAMPLES_PER_CAUSE when this was written.
EXAMPLES_PER_CAUSE = 6


def reached_from_list(cases: list) -> dict:
    """A published bulletin's list of every case that reached quota (by
    workshop code, then employee number), in the shape of
    factory.figures.lists.reached_quota_cases."""
    workshops: dict = {}
    named: dict = {}
    for case in cases:
        row = workshops.setdefault(
            case["workshop_code"],
            {
                "code": case["workshop_code"],
                "name": case["workshop_name"],
                "count": 0,
                "by_measure": {},
                "examples": [],
                "_per_cause": {},
            },
        )
        row["count"] += 1
        row["by_measure"][case["measure"]] = row["by_measure"].get(case["measure"], 0) + 1
        seen = row["_per_cause"].get(case["cause"], 0)
        if seen < EXAMPLES_PER_CAUSE:
            row["_per_cause"][case["cause"]] = seen + 1
            row["examples"].append({"cause": case["cause"], "measure": case["measure"]})
        kept = named.setdefault(case["cause"], [])
        if len(kept) < EXAMPLES_PER_CAUSE:
            kept.append(case)
    for row in workshops.values():
        del row["_per_cause"]
    chosen = {id(case) for kept in named.values() for case in kept}
    return {
        "workshops": list(workshops.values()),
        "named": [case for case in cases if id(case) in chosen],
    }


def convert_snapshots(apps, schema_editor):
    MonthSnapshot = apps.get_model("factory", "MonthSnapshot")
    MonthCaseSummary = apps.get_model("factory", "MonthCaseSummary")
    MonthCaseSummary.objects.all().delete()
    for snapshot in MonthSnapshot.objects.all():
        bulletin = snapshot.data.get("bulletin", {})
        if isinstance(bulletin.get("reached_cases"), list):
            bulletin["reached_cases"] = reached_from_list(bulletin["reached_cases"])
            snapshot.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("factory", "0005_merge_0004_month_summaries_0004_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthcasesummary",
            name="outcomes",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="monthcasesummary",
            name="reached",
            field=models.JSONField(default=dict),
        ),
        # Going back does not restore the old lists (they named every case;
        # the new shape keeps only a few): the bulletins stay converted.
        migrations.RunPython(convert_snapshots, migrations.RunPython.noop),
    ]
