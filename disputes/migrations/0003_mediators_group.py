"""The Mediators group with its explicit permissions (issue: mediation console, "Access")."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

MEDIATOR_PERMISSIONS = {
    "disputes": [
        "view_dispute",
        "mediate_dispute",
        "request_evidence",
        "decide_dispute",
        "blacklist_buyer",
        "view_disputeevent",
        "view_proposal",
        "view_evidence",
        "view_buyerstanding",
    ],
    "orders": ["view_order", "view_refund", "view_store", "view_orderevent"],
    "accounts": ["view_user"],
}


def create_group(apps, schema_editor):
    for label in ("disputes", "orders", "accounts"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Mediators")
    for app_label, codenames in MEDIATOR_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Mediators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0002_initial"),
        ("orders", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
