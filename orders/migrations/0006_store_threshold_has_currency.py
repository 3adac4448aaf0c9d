"""A store's own threshold always has its currency (0005 gave every existing one its currency)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_snapshot_return_terms")]

    operations = [
        migrations.AddConstraint(
            model_name="store",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("refund_without_return_currency", ""),
                        ("refund_without_return_threshold__isnull", True),
                    ),
                    models.Q(
                        ("refund_without_return_threshold__isnull", False),
                        models.Q(("refund_without_return_currency", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="store_threshold_has_currency",
            ),
        ),
    ]
