"""On PostgreSQL every timestamp a page reads comes through psycopg's compiled loader
(``portal.postgresql``), not the pure-Python one Django's backend registers: 10 µs a value, and a
list page reads 200-300 of them (issue 17). What it gives must be what Django's gives."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader

from portal.accounts.models import User
from tests.factories import UserFactory
from tests.performance.environ import POSTGRES, settings_module_with

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders")

INSTANTS = [
    datetime.datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Moscow")),
    datetime.datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York")),
    datetime.datetime(2027, 2, 1, 8, 0, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
    datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.UTC),
    datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC),
]


def test_postgresql_connections_use_the_portals_backend():
    with settings_module_with(DATABASE_URL=POSTGRES) as base:
        assert base.DATABASES["default"]["ENGINE"] == "portal.postgresql"
    with settings_module_with(DATABASE_URL="sqlite:////tmp/portal-test.sqlite3") as base:
        assert base.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


@on_postgresql
@pytest.mark.django_db
def test_timestamps_are_read_by_the_compiled_loader_exactly_as_djangos_loader_reads_them():
    people = UserFactory.create_batch(len(INSTANTS))
    for person, instant in zip(people, INSTANTS, strict=True):
        User.objects.filter(pk=person.pk).update(date_joined=instant)

    read = dict(User.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "date_joined"))
    with connection.cursor() as cursor:
        register_tzloader(datetime.UTC, cursor.cursor)  # Django's own, on this cursor alone
        cursor.execute("SELECT id, date_joined FROM accounts_user WHERE id = ANY(%s)", [list(read)])
        by_django = dict(cursor.fetchall())

    for person, instant in zip(people, INSTANTS, strict=True):
        value = read[person.pk]
        assert value == instant.astimezone(datetime.UTC) == by_django[person.pk]
        assert value.tzinfo is datetime.UTC is by_django[person.pk].tzinfo
        assert value.isoformat() == by_django[person.pk].isoformat()


@on_postgresql
@pytest.mark.django_db
def test_the_connection_registers_the_compiled_loader_and_no_cursor_puts_djangos_back():
    from portal.postgresql.base import UTCTimestampLoader

    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is UTCTimestampLoader
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(1184, 0) is UTCTimestampLoader


@on_postgresql
@pytest.mark.django_db
def test_a_session_in_another_time_zone_still_reads_the_same_instant():
    """Django's loader relabels whatever the session's zone gives as UTC; this one converts. Only
    a pooler that hands over a session some client moved to another zone could show it."""
    instant = datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Shanghai'")
        with connection.cursor() as other:
            other.execute("SELECT %s::timestamptz", [instant])
            [(value,)] = other.fetchall()
    assert value == instant
