from django.db import migrations


def fill(apps, schema_editor):
    from disputes import tallies

    apps.get_model("tallies", "Tally").objects.filter(name="disputes.to_decision").delete()
    tallies.rebuild(apps)


class Migration(migrations.Migration):
    """The times to decision kept per rolling window of 12 weeks instead of per week (issue 17):
    the weekly histograms are dropped and the disputes' tallies counted again from the history."""

    dependencies = [("disputes", "0016_standing_attention_idx")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
