"""Settings for the test suite: fast hashing, in-memory e-mail, a throwaway file store, and the
development-only ``scale`` app, whose seeder and benchmark ``tests/performance`` exercises."""

import tempfile
from pathlib import Path

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DATABASES, INSTALLED_APPS, STORAGES

INSTALLED_APPS = [*INSTALLED_APPS, "tests.scale.apps.ScaleConfig"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
STORAGES = {
    **STORAGES,
    "default": {**STORAGES["default"], "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-static-"))
CELERY_BROKER_URL = "memory://"
TRACKING_WEBHOOK_SECRET = "test-tracking-secret"  # the tests sign their own tracking updates
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}
# Queued jobs run in-process when their on_commit callback fires, so a test sees their outcome
# (the e-mail, the paid refund). Real worker + beat runs are covered by the integration tests.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# django-axes needs the request in authenticate(), which the test client's login() does not pass;
# the lockout tests turn it on (tests/reliability/test_security_settings.py), force_login never
# needed it.
AXES_ENABLED = False
