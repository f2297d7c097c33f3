"""Cases accepted but not routed yet (docs/decisions/0037): the `pending` routing method
and a partial index the intake processor finds them by. Built CONCURRENTLY on PostgreSQL,
like 0004, so a live desk keeps taking submissions meanwhile."""

from importlib import import_module

from django.db import migrations, models

AddIndexConcurrentlyOnPostgres = import_module(
    "thuocdo.feedback.migrations.0004_case_state_received_index"
).AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("feedback", "0004_case_state_received_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="routing_method",
            field=models.CharField(
                choices=[
                    ("rule", "Theo quy tắc"),
                    ("classifier", "Theo mô hình học máy"),
                    ("manual", "Do cán bộ phân công"),
                    ("triage", "Chờ Văn phòng thường trực phân loại"),
                    ("pending", "Đang tự động chuyển"),
                ],
                max_length=20,
                verbose_name="cách phân công",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="case",
            index=models.Index(
                condition=models.Q(("routing_method", "pending")),
                fields=["received_at"],
                name="case_pending_idx",
            ),
        ),
    ]
