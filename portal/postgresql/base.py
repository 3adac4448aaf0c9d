"""Django's PostgreSQL backend (``ENGINE = "portal.postgresql"``), reading ``timestamptz`` values
with psycopg's own loader, compiled in ``psycopg[binary]``, instead of the pure-Python one
Django's backend puts in its place.

Django registers, for every connection, a loader that subclasses psycopg's Python
``TimestamptzLoader`` and replaces each value's time zone with the connection's (UTC), because the
compiled loader cannot be subclassed (Django ticket #36960, psycopg issue #1273). Reading one
value that way took 10 µs here, against 0.5 µs for an integer; a list page reads 200-300 of them
(every row's deadlines and times), and at 1M orders the weighted mix of pages spent 2.7 of its
32 ms of CPU a request on them (issue 17).

psycopg's own loader already gives each value in the session's time zone, and Django sets every
session's to UTC when ``USE_TZ`` is on and the database has no ``TIME_ZONE``: then it returns
exactly what Django's does, an aware ``datetime`` in ``datetime.UTC``. In any other set-up
(``USE_TZ`` off, or a database ``TIME_ZONE``) Django's loader is left as it is.
"""

import datetime

from django.db.backends.postgresql import base
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ_OID = types["timestamptz"].oid


class UTCTimestampLoader(Loader):
    """psycopg's fastest text loader for ``timestamptz`` (the compiled one when installed), with
    the ``timezone`` attribute Django's ``create_cursor`` compares with the connection's."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None) -> None:
        super().__init__(oid, context)
        # psycopg calls ``loader.load`` for each value: the instance's own attribute, so each
        # value costs one call into the compiled loader and no Python frame of ours.
        self.load = adapters.get_loader(oid, Format.TEXT)(oid, context).load

    def load(self, data):  # replaced on each instance by the compiled loader's ``load``
        raise NotImplementedError


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.timezone is datetime.UTC:
            connection.adapters.register_loader(TIMESTAMPTZ_OID, UTCTimestampLoader)
        return connection
