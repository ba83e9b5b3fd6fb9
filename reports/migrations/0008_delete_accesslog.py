"""The access log's model now belongs to the audit app; its table stays (no SQL runs)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_access_log_refuses_every_update"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AccessLog")],
        ),
    ]
