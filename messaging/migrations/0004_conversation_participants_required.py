import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_conversation_participants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="conversation",
            name="buyer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="conversation",
            name="store",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="orders.store"
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["buyer", "-last_message_at"], name="conversation_buyer_idx"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["store", "-last_message_at"], name="conversation_store_idx"),
        ),
    ]
