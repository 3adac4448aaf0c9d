from django.db import migrations


def fill(apps, schema_editor):
    from disputes import tallies

    tallies.rebuild(apps)


class Migration(migrations.Migration):
    """The statistics' tallies counted once from the disputes, events and decisions already
    written; from here on writing an event adds to them."""

    dependencies = [("disputes", "0013_list_indexes"), ("tallies", "0001_tally")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
