import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0004_lean_record_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthCompletion",
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
                ("month", models.DateField(unique=True, verbose_name="month")),
                (
                    "marked_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="marked at"),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "marked_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="marked by",
                    ),
                ),
            ],
            options={
                "verbose_name": "month marked complete",
                "verbose_name_plural": "months marked complete",
                "ordering": ["-month"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("month__day", 1)),
                        name="completion_month_first_day",
                    )
                ],
            },
        ),
    ]
