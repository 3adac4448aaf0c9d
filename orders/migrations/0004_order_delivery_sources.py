"""Delivery comes from the carrier, the buyer or a mediator; the seller only reports it (issue 13,
item 5). Mediators get the permission to record a delivery."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

MEDIATOR_PERMISSIONS = ["record_delivery"]


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("orders"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Mediators")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="orders", codename__in=MEDIATOR_PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Mediators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="orders", codename__in=MEDIATOR_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_stripe_refunds_no_fake_payout_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="order",
            options={"permissions": [("record_delivery", "Can record an order's delivery")]},
        ),
        migrations.AddField(
            model_name="order",
            name="delivery_source",
            field=models.CharField(
                blank=True,
                choices=[
                    ("carrier", "the carrier's tracking"),
                    ("buyer", "the buyer's confirmation"),
                    ("mediator", "a mediator"),
                ],
                db_default="",
                default="",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="seller_reported_delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="orderevent",
            name="type",
            field=models.CharField(
                choices=[
                    ("placed", "Order paid"),
                    ("shipped", "Shipped"),
                    ("delivered", "Delivered"),
                    ("delivery_reported", "The seller reported it delivered"),
                    ("delivery_recorded", "Delivery recorded by a mediator"),
                    ("confirmed", "Receipt confirmed"),
                    ("auto_confirmed", "Receipt confirmed automatically"),
                    ("settled", "Payment released to the seller"),
                    ("auto_cancelled", "Cancelled: not shipped in time"),
                    ("refunded", "Closed with a full refund"),
                    ("extension_requested", "Protection extension requested"),
                    ("extension_granted", "Protection extended"),
                    ("extension_declined", "Protection extension declined"),
                    ("refund_issued", "Refund issued"),
                    ("refund_paid", "Refund paid"),
                    ("refund_failed", "Refund failed"),
                    ("held", "Protection clock paused by a dispute"),
                    ("resumed", "Protection clock resumed"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(fields=["carrier", "tracking_number"], name="shipment_tracking_idx"),
        ),
        migrations.RunPython(grant, revoke),
    ]
