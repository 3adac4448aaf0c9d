from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """The benchmark and the scale seeder: ``manage.py benchmark``, ``manage.py seed_scale``."""

    name = "tests.scale"
    label = "scale"
    verbose_name = "Benchmark and scale seeding (development only)"
