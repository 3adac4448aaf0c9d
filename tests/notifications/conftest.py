"""Personas with a language and a time zone, and helpers to run what services queue."""

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

from portal import deadlines
from tests.factories import UserFactory

RU_PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="session")
def russian_catalogue() -> None:
    """The Russian catalogue, compiled as `make test` does, when a bare pytest run finds it stale."""
    mo = RU_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < RU_PO.stat().st_mtime:
        if shutil.which("msgfmt") is None:
            pytest.fail(
                "gettext's msgfmt is needed to compile the Russian translation (apt-get install gettext)"
            )
        call_command("compilemessages", locale=["ru"], ignore_patterns=[".venv"], verbosity=0)
        # Catalogues are cached per process: forget the one loaded before the .mo existed.
        trans_real._translations = {}
        translation.deactivate_all()
        translation.deactivate()


@pytest.fixture
def russian_buyer(db, russian_catalogue):
    """Olga reads the portal in Russian, in Moscow time (UTC+3, "MSK")."""
    return UserFactory(username="olga_buyer", first_name="Ольга", language="ru", time_zone="Europe/Moscow")


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Run the jobs a block queues after commit, in-process, as the worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the one deadline sweep at ``at``, then the jobs it queued."""

    def run(at: datetime) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            deadlines.enforce_all(now=at)

    return run


def mails_to(mailoutbox, user) -> list:
    return [mail for mail in mailoutbox if mail.to == [user.email]]


def html_of(mail) -> str:
    ((html, mimetype),) = mail.alternatives
    assert mimetype == "text/html"
    return html
