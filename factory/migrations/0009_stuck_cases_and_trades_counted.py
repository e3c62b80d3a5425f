"""The case rows gain the month's stuck cases (assistance.stuck), and the
figure rows the workers on quota and below quota per trade (the quota
review's groups, workers.quota_review) and the workers slipping
(assistance.worklists.slipping): the work queue and the JSON report counted
them live, from every case and every record of the month, on every request.

Both kinds of rows are emptied here and built again after the migration
(factory.figures.summaries.build_if_missing, on post_migrate), with the code
that keeps them current from then on.
"""

from django.db import migrations, models


def empty_rows(apps, schema_editor):
    apps.get_model("factory", "MonthCaseSummary").objects.all().delete()
    apps.get_model("factory", "MonthSummary").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("factory", "0008_campaign_targets"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthcasesummary",
            name="stuck",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthsummary",
            name="trades",
            field=models.JSONField(default=dict),
        ),
        migrations.AddField(
            model_name="monthsummary",
            name="slipping",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(empty_rows, migrations.RunPython.noop),
    ]
