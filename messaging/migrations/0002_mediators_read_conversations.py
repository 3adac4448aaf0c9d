"""Mediators read the conversations of disputed orders in the admin (issue 4, point 1)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

MEDIATOR_PERMISSIONS = ["view_conversation", "view_message", "view_messageattachment"]


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("messaging"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Mediators")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="messaging", codename__in=MEDIATOR_PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Mediators").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="messaging", codename__in=MEDIATOR_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
