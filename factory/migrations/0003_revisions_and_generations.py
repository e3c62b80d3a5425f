from django.db import migrations, models

import factory.models


class Migration(migrations.Migration):
    dependencies = [
        ("factory", "0002_snapshots"),
    ]

    operations = [
        migrations.DeleteModel(name="CacheGeneration"),
        migrations.CreateModel(
            name="FiguresGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("month", models.DateField(unique=True)),
                (
                    "token",
                    models.CharField(default=factory.models.new_token, max_length=32),
                ),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "figures generation",
                "verbose_name_plural": "figures generations",
            },
        ),
        migrations.AlterField(
            model_name="monthsnapshot",
            name="month",
            field=models.DateField(verbose_name="month"),
        ),
        migrations.AddField(
            model_name="monthsnapshot",
            name="revision",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="revision"),
        ),
        migrations.AddField(
            model_name="monthsnapshot",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason for the revision"),
        ),
        migrations.AddField(
            model_name="monthsnapshot",
            name="changes",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterModelOptions(
            name="monthsnapshot",
            options={
                "ordering": ["-month", "-revision"],
                "verbose_name": "published month",
                "verbose_name_plural": "published months",
            },
        ),
        migrations.AddConstraint(
            model_name="monthsnapshot",
            constraint=models.UniqueConstraint(
                fields=("month", "revision"), name="one_snapshot_per_revision"
            ),
        ),
        migrations.AddConstraint(
            model_name="monthsnapshot",
            constraint=models.CheckConstraint(
                condition=models.Q(("revision__gte", 1)),
                name="snapshot_revision_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="monthsnapshot",
            constraint=models.CheckConstraint(
                condition=models.Q(("revision", 1), ~models.Q(("reason", "")), _connector="OR"),
                name="snapshot_revision_has_reason",
            ),
        ),
    ]
