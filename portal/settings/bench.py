"""Settings for the benchmark (``make bench``): the portal's settings as a deployment runs them
(no DEBUG), plus the development-only ``scale`` app (the ``benchmark`` and ``seed_scale``
commands) and its bare baseline view mounted beside the portal's URLs. Production settings
never list that app."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import INSTALLED_APPS

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "tests.scale.apps.ScaleConfig"]
ROOT_URLCONF = "tests.scale.urls"
