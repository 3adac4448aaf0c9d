"""Conversations carry their order's buyer and store, so a person's conversations are found
through an index (issue 8: the unread count on every page read every order). Backfilled here;
0004 makes them required and indexes them, in its own transaction."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_participants(apps, schema_editor):
    Conversation = apps.get_model("messaging", "Conversation")
    Order = apps.get_model("orders", "Order")
    order = Order.objects.filter(pk=OuterRef("order_id"))
    Conversation.objects.update(
        buyer_id=Subquery(order.values("buyer_id")[:1]), store_id=Subquery(order.values("store_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_mediators_read_conversations"),
        ("orders", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="buyer",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="store",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orders.store",
            ),
        ),
        migrations.RunPython(copy_participants, migrations.RunPython.noop),
    ]
