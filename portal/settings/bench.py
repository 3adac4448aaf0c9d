"""Settings for the benchmark's web server: the portal's settings as a deployment runs them
(no DEBUG), with the benchmark's bare baseline view mounted beside the portal's URLs."""

from portal.settings.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "portal.scale.urls"
