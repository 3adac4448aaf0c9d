"""Each conversation keeps how many messages its buyer and its seller have not read yet
(``messaging.unread``; issue 17). Counted here from the messages and the read receipts, as
``messaging.unread.recount`` counts them (a migration keeps its own copy of the rule), before the
indexes of the conversations with something unread are built."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, DateTimeField, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

NEVER = Value(datetime(2000, 1, 1, tzinfo=UTC), output_field=DateTimeField())


def count_unread(apps, schema_editor):
    Conversation = apps.get_model("messaging", "Conversation")
    Message = apps.get_model("messaging", "Message")
    ConversationReadState = apps.get_model("messaging", "ConversationReadState")

    def unread_by(person):
        receipt = ConversationReadState.objects.filter(
            conversation=OuterRef("conversation"), user=OuterRef(person)
        ).values("last_read_at")[:1]
        messages = (
            Message.objects.filter(conversation=OuterRef("pk"))
            .exclude(sender=F(person))
            .filter(created_at__gt=Coalesce(Subquery(receipt), NEVER))
            .order_by()
            .values("conversation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(messages, output_field=models.IntegerField()), 0)

    Conversation.objects.update(
        buyer_unread=unread_by("conversation__buyer"), seller_unread=unread_by("conversation__store__owner")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_verbose_names"),
        ("orders", "0014_console_filter_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="buyer_unread",
            field=models.PositiveIntegerField(db_default=0, default=0, verbose_name="unread by the buyer"),
        ),
        migrations.AddField(
            model_name="conversation",
            name="seller_unread",
            field=models.PositiveIntegerField(db_default=0, default=0, verbose_name="unread by the seller"),
        ),
        migrations.RunPython(count_unread, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                condition=models.Q(("buyer_unread__gt", 0)),
                fields=["buyer"],
                name="conversation_buyer_unread_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                condition=models.Q(("seller_unread__gt", 0)),
                fields=["store"],
                name="conversation_seller_unread_idx",
            ),
        ),
    ]
