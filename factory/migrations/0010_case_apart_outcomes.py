"""The case rows gain the outcomes of the re-diagnosed cases and of the
stuck cases left as they were (assistance.outcomes.rediagnosis_outcomes),
which the dashboards read live; the first month each case was stuck is kept
beside them (CaseStuckSince), so that a run of months recomputed from a
month on starts from what came before it.

The case rows are emptied here and built again after the migration
(factory.figures.summaries.build_if_missing, on post_migrate), with the code
that keeps them current from then on.
"""

import django.db.models.deletion
from django.db import migrations, models


def empty_case_rows(apps, schema_editor):
    apps.get_model("factory", "MonthCaseSummary").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0006_demonstration_experience"),
        ("factory", "0009_stuck_cases_and_trades_counted"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseStuckSince",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="assistance.assistancecase",
                    ),
                ),
                ("month", models.DateField()),
            ],
        ),
        migrations.AddField(
            model_name="monthcasesummary",
            name="apart",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(empty_case_rows, migrations.RunPython.noop),
    ]
